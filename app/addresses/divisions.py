"""Division codes in the database: loading the national list, validating, naming."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.models import Division
from geo.address.divisions import (
    UNSET_COMMITTEE,
    ancestor_codes,
    compose_full_name,
    division_level,
    iter_national_divisions,
)
from geo.errors import UnknownDivision


def load_national_divisions(session: Session) -> int:
    """Insert the national list (levels 1–4) unless present; returns rows inserted."""
    if session.scalar(select(func.count()).select_from(Division).where(Division.level < 5)):
        return 0
    rows = [vars(record) for record in iter_national_divisions()]
    session.execute(insert(Division), rows)
    return len(rows)


def validate_division(session: Session, code: str, *, levels: tuple[int, ...] = (4, 5)) -> int:
    """Check that ``code`` is well-formed, of one of ``levels`` and known; return its level.

    A 12-digit committee code needs a known 9-digit street; the committee itself need
    not be registered yet, but ``000`` is not a committee.
    """
    level = division_level(code)
    if level not in levels:
        lengths = "、".join(str({1: 2, 2: 4, 3: 6, 4: 9, 5: 12}[lv]) for lv in levels)
        raise UnknownDivision(f"这里需要{lengths}位区划代码，收到“{code}”",
                              f"expected a {lengths}-digit division code, got {code!r}")
    known_code = code if level < 5 else code[:9]
    if session.get(Division, known_code) is None:
        raise UnknownDivision(f"区划代码“{known_code}”不在国家统计用区划代码中",
                              f"division code {known_code!r} is not in the national list")
    if level == 5 and code[9:] == UNSET_COMMITTEE:
        raise UnknownDivision(f"社区代码“{code}”的末三位不能是000",
                              f"committee code {code!r} cannot end in 000")
    return level


def division_full_name(session: Session, code: str) -> str:
    """The full name, province to committee: ``北京市海淀区学院路街道…``.

    An unregistered committee contributes no name; an unknown code raises.
    """
    chain = [*ancestor_codes(code), code]
    names = dict(session.execute(
        select(Division.code, Division.name).where(Division.code.in_(chain))).all())
    missing = [c for c in chain[:4] if c not in names]
    if missing:
        raise UnknownDivision(f"区划代码“{missing[0]}”不在国家统计用区划代码中",
                              f"division code {missing[0]!r} is not in the national list")
    return compose_full_name([names[c] for c in chain if c in names])


def register_committee(session: Session, code: str, name: str) -> Division:
    """Add or rename a residents' committee (12-digit code) under its known street."""
    validate_division(session, code, levels=(5,))
    row = session.get(Division, code)
    if row is None:
        row = Division(code=code, level=5, name=name, parent_code=code[:9])
        session.add(row)
    else:
        row.name = name
    return row
