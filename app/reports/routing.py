"""Where a report goes: the compound its code or location names, the office responsible
for the place (the compound's office, else the committee's, else the street's), and
open reports of the same category nearby ("同一个问题? +1")."""

from __future__ import annotations

import math

from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.offices import office_for, office_serving
from app.addresses.division_areas import division_index
from app.models import Community, Office, Report
from app.spatial import communities_containing
from geo import reports, settings
from geo.errors import InvalidInput
from geo.geometry.coords import distance_m

METRES_PER_DEGREE = 111_320.0  # of latitude, near enough for a search box
DIVISION_PROBE_DEG = 1e-5  # a point is given this radius to find its division's area


def compound_at(session: Session, point: tuple[float, float] | None) -> Community | None:
    """The smallest compound covering ``point`` (lon, lat), or None."""
    if point is None:
        return None
    found = communities_containing(session, *point)
    return found[0] if found else None


def office_of_place(session: Session, community: Community | None,
                    point: tuple[float, float] | None) -> Office:
    """The office responsible: ``community``'s office, else the office serving the
    committee or street whose boundary holds ``point`` (lon, lat).

    Raises ``InvalidInput`` (field ``location``) when no office is responsible.
    """
    office = office_for(session, community) if community is not None else None
    if office is None and point is not None:
        code = division_index(session).division_of(Point(point).buffer(DIVISION_PROBE_DEG))
        office = office_serving(session, code) if code else None
    if office is None:
        raise InvalidInput("这个位置不在任何社区办公室的服务范围内：请扫小区门牌上的二维码，"
                           "或在小区里附上位置后再提交",
                           "no office is responsible for this place: scan a compound's plate "
                           "or attach a location inside a compound",
                           details={"field": "location"})
    return office


def nearby_open(session: Session, kind: str, point: tuple[float, float] | None) -> Report | None:
    """The nearest open report of category ``kind`` within ``settings.REPORT_DUPLICATE_M``
    metres of ``point`` (lon, lat), or None."""
    if point is None:
        return None
    lon, lat = point
    dlat = settings.REPORT_DUPLICATE_M / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    rows = session.scalars(select(Report).where(
        Report.kind == kind, Report.status.in_(reports.OPEN_STATUSES),
        Report.lon.between(lon - dlon, lon + dlon), Report.lat.between(lat - dlat, lat + dlat)))
    here = Point(lon, lat)
    close = [(distance_m(here, Point(r.lon, r.lat)), r.id, r) for r in rows
             if r.lon is not None and r.lat is not None]
    close = [c for c in close if c[0] <= settings.REPORT_DUPLICATE_M]
    return min(close)[2] if close else None
