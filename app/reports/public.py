"""What everyone may see of reports: the public map's GeoJSON (category, state, age and
the office's public note, never text, code or reporter) and photos the office chose to
publish."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Office, Report
from geo import reports
from geo.errors import NotFound

SECONDS_PER_DAY = 86_400


def public_features(session: Session, *, now: datetime, photo_url: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of located reports; ``photo_url(report_id)`` makes the
    link of a published photo."""
    rows = session.execute(select(Report.id, Report.kind, Report.status, Report.created_at,
                                  Report.lon, Report.lat, Report.office_note,
                                  Report.photo_public, Report.supporters, Office.name)
                           .join(Office, Report.office_id == Office.id, isouter=True)
                           .where(Report.lon.is_not(None)).order_by(Report.id))
    features = []
    for (number, kind, status, created, lon, lat, note, public, supporters, office) in rows:
        age_days = int((now - created).total_seconds() // SECONDS_PER_DAY)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {
                             "id": number, "category": kind, "category_zh": reports.KIND_ZH[kind],
                             "urgent": reports.CATEGORIES[kind].urgent,
                             "status": status, "status_zh": reports.STATUS_ZH[status],
                             "age_days": age_days, "note": note, "supporters": supporters,
                             "office": office, "photo": photo_url(number) if public else None}})
    return {"type": "FeatureCollection", "features": features}


def public_photo(session: Session, report_id: int) -> bytes:
    """The photo of a report whose office published it; ``NotFound`` otherwise."""
    report = session.get(Report, report_id)
    if report is None or not report.photo_public or report.photo is None:
        raise NotFound("这张照片没有公开", f"report {report_id} has no public photo")
    return report.photo
