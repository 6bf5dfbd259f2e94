"""随手拍 reports in the database: checking and filing one (routed to the responsible
office), "+1" on an open report nearby, the office's list with filters, and state
changes (audited, with the points they earn and the reporter told)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.orm import Session

from app.accounts.auth import Actor
from app.addresses.codes import community_of, find_by_code
from app.audit import record
from app.models import Community, Office, PointEntry, Report, ReportChange, Rider
from app.points.ledger import Source, earn
from app.reports.following import new_follow_secret, notify_change
from app.reports.routing import compound_at, nearby_open, office_of_place
from geo import reports
from geo.errors import Forbidden, InvalidCode, InvalidInput, NotFound
from geo.geometry.coords import check_lon_lat

LIST_LIMIT = 500
URGENT_KINDS = tuple(key for key, category in reports.CATEGORIES.items() if category.urgent)
POINTS_FOR = {"accepted": ("report_accepted", "accepted_points"),
              "resolved": ("report_resolved", "resolved_points")}


@dataclass
class ReportForm:
    """What the public form sends, as strings (``photo`` as the uploaded bytes)."""

    kind: str
    text: str = ""
    code: str = ""
    lon: str = ""
    lat: str = ""
    photo: bytes | None = None
    sms_opt_in: bool = False


@dataclass(frozen=True)
class CheckedReport:
    """A form that passed every check, with the compound and office it goes to."""

    kind: str
    text: str | None
    code: str | None
    point: tuple[float, float] | None
    photo: bytes | None
    community: Community | None
    office: Office
    sms_opt_in: bool


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


def check_report(session: Session, form: ReportForm) -> CheckedReport:
    """Every field of ``form`` checked, and the office responsible found; raises
    ``InvalidInput`` on a bad field or a place no office is responsible for."""
    kind = reports.check_kind(form.kind)
    text = reports.check_text(form.text)
    code = form.code.strip()[:reports.MAX_CODE_CHARS] or None
    point = parse_location(form.lon, form.lat)
    photo = reports.clean_photo(form.photo) if form.photo else None
    community = resolve_community(session, code) or compound_at(session, point)
    office = office_of_place(session, community, point)
    return CheckedReport(kind, text, code, point, photo, community, office, form.sms_opt_in)


def duplicate_of(session: Session, checked: CheckedReport) -> Report | None:
    """An open report of the same category near the checked one, to offer as "+1"."""
    return nearby_open(session, checked.kind, checked.point)


def add_report(session: Session, checked: CheckedReport, *, rider: Rider | None = None
               ) -> tuple[Report, str]:
    """Add the report (flushed, so it has its number) with its first state; returns it
    and the secret of its follow link."""
    secret, digest = new_follow_secret()
    point = checked.point
    report = Report(kind=checked.kind, text=checked.text, code=checked.code,
                    community_id=checked.community.id if checked.community else None,
                    office_id=checked.office.id, rider_id=rider.id if rider else None,
                    lon=point[0] if point else None, lat=point[1] if point else None,
                    photo=checked.photo, status="submitted", seen_status="submitted",
                    follow_digest=digest, sms_opt_in=bool(rider) and checked.sms_opt_in)
    session.add(report)
    session.flush()
    session.add(ReportChange(report_id=report.id, status="submitted", actor="reporter"))
    return report, secret


def support(session: Session, report_id: int) -> Report:
    """"同一个问题? +1": one more supporter on an open report; audited."""
    report = session.get(Report, report_id)
    if report is None or report.status not in reports.OPEN_STATUSES:
        raise NotFound(f"找不到编号为 {report_id} 的待处理报告", f"no open report {report_id}")
    report.supporters += 1
    record(session, actor="public", action="report_support", table="reports",
           feature_id=report.id, after={"supporters": report.supporters})
    return report


@dataclass(frozen=True)
class ReportFilter:
    """The office list's filters (each optional)."""

    status: str | None = None
    kind: str | None = None
    urgent: bool = False


def _filtered(query: Select, filters: ReportFilter) -> Select:
    if filters.status:
        query = query.where(Report.status == reports.check_status(filters.status))
    if filters.kind:
        query = query.where(Report.kind == reports.check_kind(filters.kind))
    if filters.urgent:
        query = query.where(Report.kind.in_(URGENT_KINDS))
    return query


def _office_clause(actor: Actor) -> ColumnElement[bool]:
    """Reports the actor handles: all for an admin, else those routed to its office."""
    if actor.is_admin:
        return true()
    office_id = actor.user.office_id if actor.user else None
    return Report.office_id == office_id if office_id is not None else false()


def reports_for(session: Session, actor: Actor, filters: ReportFilter = ReportFilter()
                ) -> list[tuple[Report, Community | None, bool]]:
    """Newest first, at most ``LIST_LIMIT``: every report for an admin, else those routed
    to the actor's office; each with its compound and whether it has a photo."""
    query = (select(Report, Community, Report.photo.is_not(None))
             .join(Community, Report.community_id == Community.id, isouter=True)
             .where(_office_clause(actor))
             .order_by(Report.created_at.desc(), Report.id.desc()).limit(LIST_LIMIT))
    query = _filtered(query, filters)
    return [(report, community, bool(photo)) for report, community, photo in session.execute(query)]


def office_summary(session: Session, actor: Actor) -> dict[str, int]:
    """What the office home shows: new (submitted) and urgent open reports routed to the
    actor's office, and the points it has given."""
    def count(*conditions: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(Report).where(
            _office_clause(actor), *conditions)) or 0
    office_id = actor.user.office_id if actor.user else None
    given = session.scalar(select(func.coalesce(func.sum(PointEntry.amount), 0)).where(
        PointEntry.office_id == office_id, PointEntry.amount > 0,
        PointEntry.reason != "reversal")) or 0
    return {"new": count(Report.status == "submitted"),
            "urgent": count(Report.kind.in_(URGENT_KINDS),
                            Report.status.in_(reports.OPEN_STATUSES)),
            "points_given": int(given)}


def report_in_scope(session: Session, actor: Actor, report_id: int) -> Report:
    """The report, when ``actor`` may handle it; ``NotFound`` / ``Forbidden`` otherwise."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"找不到编号为 {report_id} 的报告", f"report {report_id} not found")
    mine = actor.user is not None and actor.user.office_id == report.office_id
    if not (actor.is_admin or (mine and actor.can_write)):
        raise Forbidden("您的账号无权处理这条报告", "this report is outside your scope")
    return report


def set_status(session: Session, report: Report, *, status: str, note: str, actor: Actor,
               photo_public: bool | None = None, now: datetime) -> None:
    """Move ``report`` to ``status`` with a public ``note`` (audited); the rider who filed
    it earns the category's points on acceptance and resolution, and is told."""
    status = reports.check_transition(report.status, status)
    office_note = reports.check_text(note, field="office_note", limit=reports.MAX_NOTE_CHARS)
    before = {"status": report.status, "office_note": report.office_note}
    report.status = status
    report.office_note = office_note
    if photo_public is not None:
        report.photo_public = photo_public
    session.add(ReportChange(report_id=report.id, status=status, note=office_note,
                             actor=actor.name, at=now))
    record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
           action="report_status", table="reports", feature_id=report.id, before=before,
           after={"status": status, "office_note": office_note})
    if report.rider_id is not None and status in POINTS_FOR:
        reason, attribute = POINTS_FOR[status]
        amount = getattr(reports.CATEGORIES[report.kind], attribute)
        earn(session, report.rider_id, amount,
             Source(reason, actor.name, office_id=report.office_id, report_id=report.id))
    notify_change(session, report)
