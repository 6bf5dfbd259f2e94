"""What every command shares: its unit of work (commit on success, roll back on error)
and domain errors as a message on stderr with exit status 2."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.orm import Session

from app import db as database
from geo.errors import YouluError


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A command's unit of work (the rule is in ``app.db``): the session, committed when
    the block ends well, rolled back when it raises or exits. Every command is decorated
    with it (``@unit_of_work()``); a command that goes on after its writes (``demo``
    serves) uses it as ``with unit_of_work() as session:`` around them."""
    session = database.get_session()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


def domain_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print a ``YouluError`` as a clear message (JSON with ``--json``) and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except YouluError as error:
            if kwargs.get("as_json"):
                click.echo(json.dumps(error.to_dict(), ensure_ascii=False))
            else:
                click.echo(f"错误：{error.zh}\nerror: {error.en}", err=True)
            sys.exit(2)

    return wrapper


def echo_import_counts(report: Any, names: Iterable[str], *, heading: str) -> None:
    """The created/updated/unchanged table that every import command prints."""
    click.echo(f"导入 {report.file} / imported {report.file}")
    click.echo(f"{heading:<12}{'created':>9}{'updated':>9}{'unchanged':>11}")
    for name in names:
        click.echo(f"{name:<12}{report.created[name]:>9}{report.updated[name]:>9}"
                   f"{report.unchanged[name]:>11}")
