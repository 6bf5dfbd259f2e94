"""The office that keeps a compound, and how a rider reaches it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Community, Office


def office_for(session: Session, community: Community) -> Office | None:
    """The office that keeps ``community``: its own, else the office serving the most
    specific division code that contains the compound's."""
    if community.office_id is not None:
        return session.get(Office, community.office_id)
    return office_serving(session, community.division_code or "")


def office_serving(session: Session, code: str) -> Office | None:
    """The office serving the most specific division code that contains ``code`` (a
    committee's office before its street's), or None."""
    best: tuple[int, Office] | None = None
    for office in session.scalars(select(Office)):
        for served in office.division_codes or ():
            if code.startswith(served) and (best is None or len(served) > best[0]):
                best = (len(served), office)
    return best[1] if best else None


def office_phone(session: Session, community: Community) -> str | None:
    """The phone number of the office keeping ``community``, or None."""
    office = office_for(session, community)
    return office.phone if office is not None and office.phone else None
