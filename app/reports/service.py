"""随手拍 reports in the database: filing one from the public page, the office's list
(only compounds in the user's scope; admins see all) and status changes (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.auth import Actor, in_scope, scope_clause
from app.addresses.codes import community_of, find_by_code
from app.audit import record
from app.models import Community, Report
from geo import reports
from geo.errors import Forbidden, InvalidCode, InvalidInput, NotFound
from geo.geometry.coords import check_lon_lat

LIST_LIMIT = 500


@dataclass
class ReportForm:
    """What the public form sends, as strings (``photo`` as the uploaded bytes)."""

    kind: str
    text: str = ""
    code: str = ""
    lon: str = ""
    lat: str = ""
    photo: bytes | None = None


def resolve_community(session: Session, code: str | None) -> Community | None:
    """The compound ``code`` names (through its gate, building or unit), or None when the
    code is missing, malformed or unknown (a forged plate's code is still worth a report)."""
    if not code:
        return None
    try:
        return community_of(session, find_by_code(session, code))
    except (InvalidCode, NotFound):
        return None


def _number(text: str, field: str, zh: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{zh}“{text}”不是数字", f"{field} {text!r} is not a number",
                           details={"field": field}) from None


def parse_location(lon: str, lat: str) -> tuple[float, float] | None:
    """(lon, lat) from the form's hidden fields, checked to lie in China; None when both
    are empty."""
    lon, lat = lon.strip(), lat.strip()
    if not lon and not lat:
        return None
    if not lon or not lat:
        raise InvalidInput("位置不完整：需要同时有经度和纬度", "location needs both lon and lat",
                           details={"field": "location"})
    point = (_number(lon, "lon", "经度"), _number(lat, "lat", "纬度"))
    check_lon_lat(*point)
    return point


def file_report(session: Session, form: ReportForm) -> Report:
    """Check ``form`` and add its report to ``session`` (flushed, so it has its number).
    Raises ``InvalidInput`` (nothing added) on any bad field."""
    kind = reports.check_kind(form.kind)
    text = reports.check_text(form.text)
    code = form.code.strip()[:reports.MAX_CODE_CHARS] or None
    point = parse_location(form.lon, form.lat)
    photo = reports.clean_photo(form.photo) if form.photo else None
    community = resolve_community(session, code)
    report = Report(kind=kind, text=text, code=code,
                    community_id=community.id if community is not None else None,
                    lon=point[0] if point else None, lat=point[1] if point else None,
                    photo=photo, status="new")
    session.add(report)
    session.flush()
    return report


def reports_for(session: Session, actor: Actor, *, status: str | None = None
                ) -> list[tuple[Report, Community | None, bool]]:
    """Newest first, at most ``LIST_LIMIT``: every report for an admin, else those of
    compounds in the actor's scope (reports without a compound are the admin's); each with
    its compound and whether it has a photo."""
    query = (select(Report, Community, Report.photo.is_not(None))
             .join(Community, Report.community_id == Community.id, isouter=actor.is_admin)
             .order_by(Report.created_at.desc(), Report.id.desc()).limit(LIST_LIMIT))
    if not actor.is_admin:
        query = query.where(scope_clause(actor))
    if status:
        query = query.where(Report.status == reports.check_status(status))
    return [(report, community, bool(photo)) for report, community, photo in session.execute(query)]


def report_in_scope(session: Session, actor: Actor, report_id: int) -> Report:
    """The report, when ``actor`` may see it; ``NotFound`` / ``Forbidden`` otherwise."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"找不到编号为 {report_id} 的报告", f"report {report_id} not found")
    community = session.get(Community, report.community_id) if report.community_id else None
    if not in_scope(actor, community):
        raise Forbidden("您的账号无权处理这条报告", "this report is outside your scope")
    return report


def set_status(session: Session, report: Report, *, status: str, note: str, actor: Actor) -> None:
    """Change ``report``'s status and office note, with an audit entry."""
    status = reports.check_status(status)
    office_note = reports.check_text(note, field="office_note", limit=reports.MAX_NOTE_CHARS)
    before = {"status": report.status, "office_note": report.office_note}
    report.status = status
    report.office_note = office_note
    record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
           action="report_status", table="reports", feature_id=report.id, before=before,
           after={"status": status, "office_note": office_note})
