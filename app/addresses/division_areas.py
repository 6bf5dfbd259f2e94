"""Division boundaries in the database: storing them (checked against the national list)
and assigning compounds without a code to the street or committee that holds them.

Codes are stable: a compound that already has a code keeps it (and its division); only
compounds without one are assigned, and the allocation on flush (``codes``) codes them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.addresses.divisions import register_committee, validate_division
from app.models import Community, Division, DivisionArea
from geo.address.division_areas import (
    MIN_SHARE_IN_STREET,
    DivisionBoundary,
    DivisionIndex,
    share_within,
)
from geo.errors import UnknownDivision

_LISTED = 10  # unknown codes named in one error message


@dataclass
class DivisionImport:
    """What an import of boundaries did: boundaries created/updated/unchanged (counted
    under ``division``), compounds given a division, compounds already coded (kept),
    compounds no boundary holds."""

    file: str
    boundaries: Counter[str] = field(default_factory=Counter)
    assigned: int = 0
    kept: int = 0
    uncovered: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file,
                **{outcome: {"division": n} for outcome, n in self.boundaries.items()},
                "compounds": {"assigned": self.assigned, "kept": self.kept,
                              "uncovered": self.uncovered}}


def check_boundaries(session: Session, boundaries: Sequence[DivisionBoundary]) -> None:
    """Raise one ``UnknownDivision`` listing every code that is not a known street or a
    committee under a known street, or a committee lying mostly outside its street's
    boundary (the one given with it, else the stored one)."""
    unknown: list[tuple[str, UnknownDivision]] = []
    for boundary in boundaries:
        try:
            validate_division(session, boundary.code)
        except UnknownDivision as error:
            unknown.append((boundary.code, error))
    streets = {b.code: b.geom for b in boundaries if b.level == 4}
    for boundary in boundaries:
        if boundary.level != 5 or any(code == boundary.code for code, _ in unknown):
            continue
        street = streets.get(boundary.code[:9])
        if street is None and (stored := session.get(DivisionArea, boundary.code[:9])):
            street = stored.geom
        if street is not None and share_within(boundary.geom, street) < MIN_SHARE_IN_STREET:
            unknown.append((boundary.code, UnknownDivision(
                f"社区大部分不在街道 {boundary.code[:9]} 的边界内",
                f"the committee lies mostly outside the boundary of street {boundary.code[:9]}")))
    if unknown:
        more = "…" if len(unknown) > _LISTED else ""
        raise UnknownDivision(
            f"{len(unknown)} 个区划代码不是已知的街道或其下的社区：" + "；".join(
                f"{code}（{error.zh}）" for code, error in unknown[:_LISTED]) + more,
            f"{len(unknown)} division codes are not a known street or a committee under one: "
            + "; ".join(f"{code} ({error.en})" for code, error in unknown[:_LISTED]) + more,
            details={"codes": [code for code, _ in unknown]})


def known_boundaries(session: Session, boundaries: Sequence[DivisionBoundary]
                     ) -> list[DivisionBoundary]:
    """The boundaries whose code passes ``validate_division`` (for OSM, where refs are free text)."""
    kept = []
    for boundary in boundaries:
        try:
            validate_division(session, boundary.code)
        except UnknownDivision:
            continue
        kept.append(boundary)
    return kept


def store_boundaries(session: Session, boundaries: Sequence[DivisionBoundary], *,
                     source: str) -> Counter[str]:
    """Upsert ``boundaries`` (checked with ``check_boundaries`` first) by code; a named
    committee is registered under its street. Returns how many were ``created``,
    ``updated`` and ``unchanged``."""
    check_boundaries(session, boundaries)
    outcomes: Counter[str] = Counter()
    for boundary in boundaries:
        if boundary.level == 5 and boundary.name:
            known = session.get(Division, boundary.code)
            if known is None or known.name != boundary.name:
                register_committee(session, boundary.code, boundary.name)
        row = session.get(DivisionArea, boundary.code)
        if row is None:
            session.add(DivisionArea(code=boundary.code, level=boundary.level, name=boundary.name,
                                     source=source, geom=boundary.geom))
            outcomes["created"] += 1
        elif (shapely.equals_exact(row.geom, boundary.geom, 0) and row.source == source
              and row.name == (boundary.name or row.name)):
            outcomes["unchanged"] += 1
        else:
            row.geom, row.source, row.name = boundary.geom, source, boundary.name or row.name
            outcomes["updated"] += 1
    session.flush()
    return outcomes


def division_index(session: Session) -> DivisionIndex:
    """Every stored boundary, ready to place compounds."""
    return DivisionIndex([DivisionBoundary(row.code, row.name, row.geom)
                          for row in session.scalars(select(DivisionArea).order_by(DivisionArea.code))])


def assign_compounds(session: Session, index: DivisionIndex, report: DivisionImport) -> None:
    """Give every compound without a code the division whose boundary holds most of it."""
    report.kept = session.scalar(
        select(func.count()).select_from(Community).where(Community.code.is_not(None))) or 0
    for row in session.scalars(select(Community).where(Community.code.is_(None))
                               .order_by(Community.id)):
        division = index.division_of(row.geom)
        if division is None:
            report.uncovered += 1
        elif division != row.division_code:
            row.division_code = division
            report.assigned += 1
    session.flush()


def import_division_boundaries(session: Session, boundaries: Sequence[DivisionBoundary], *,
                               source: str) -> DivisionImport:
    """Store ``boundaries`` read from ``source`` and assign the compounds without a code.

    Raises ``UnknownDivision`` (nothing written) when a code is unknown. Does not commit.
    """
    report = DivisionImport(file=source,
                            boundaries=store_boundaries(session, boundaries, source=source))
    assign_compounds(session, division_index(session), report)
    return report
