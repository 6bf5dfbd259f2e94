"""Row ids as they arrive from outside: in URLs, query strings, forms and JSON bodies.

Every id column is an integer that PostgreSQL holds up to ``ID_MAX`` (SQLite up to 2^63 − 1);
a larger number is no row at all, never a database error. The ``int`` URL converter of the
app is ``IdConverter``, so ``/<resource>/<int:id>`` answers 404 past the range.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1  # PostgreSQL ``integer``: the narrowest id column of both backends

T = TypeVar("T")


class IdConverter(IntegerConverter):
    """``<int:…>`` in a URL: ASCII digits; past ``ID_MAX`` the answer is 404.

    ``NotFound`` is raised rather than a failed match: Werkzeug's matcher would answer 405
    for a method that a sibling rule allows.
    """

    def to_python(self, value: str) -> Any:
        """The id in ``value``; ``NotFound`` when it is past ``ID_MAX``."""
        number = super().to_python(value)
        if isinstance(number, int) and number > ID_MAX:
            raise NotFound()
        return number


def parse_id(value: Any) -> int | None:
    """``value`` as an id when it is a non-negative int or a string of ASCII digits, else None.

    A number past ``ID_MAX`` is still an id (of no row): ``get_row`` finds nothing for it.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return int(text)
    return None


def in_range(number: int) -> bool:
    """Whether ``number`` can be the id of a row (0 ≤ number ≤ ``ID_MAX``)."""
    return 0 <= number <= ID_MAX


def get_row(session: Session, model: type[T], number: int) -> T | None:
    """The row of ``model`` with id ``number``, or None (also for ids past the range)."""
    return session.get(model, number) if in_range(number) else None
