"""Youlu reports as Open311 GeoReport v2 services and service requests: the service list
from the report categories, requests read with the specification's filters (never the
reporter's text or identity), and requests filed with an ``api_key`` through the same
checks and routing as the report form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.auth import token_digest
from app.audit import record
from app.models import ApiToken, Community, Office, Report
from app.reports.service import ReportForm, add_report, check_report
from geo import open311, reports
from geo.errors import Forbidden, InvalidInput, NotFound

DEFAULT_WINDOW = timedelta(days=90)  # GET requests without start_date
MAX_REQUESTS = 1000
CONTACT = "请联系所在社区办公室 · contact your community office"
SERVICE_NOTICE = "已转交负责的社区办公室 · routed to the responsible community office"


def services() -> list[dict[str, Any]]:
    """GET services: one service per report category."""
    return [{"service_code": key, "service_name": category.zh,
             "description": category.zh + ("（紧急）" if category.urgent else ""),
             "metadata": False, "type": "realtime",
             "keywords": "紧急,urgent" if category.urgent else "",
             "group": "紧急" if category.urgent else "一般"}
            for key, category in reports.CATEGORIES.items()]


def service_definition(code: str) -> dict[str, Any]:
    """GET services/{service_code}: no extra attributes; ``NotFound`` for an unknown code."""
    if code not in reports.CATEGORIES:
        raise NotFound(f"没有服务代码“{code}”", f"service_code {code!r} not found")
    return {"service_code": code, "attributes": []}


def check_api_key(session: Session, api_key: str | None) -> ApiToken:
    """The unrevoked API token ``api_key`` is; ``Forbidden`` (403) otherwise."""
    token = session.scalar(select(ApiToken).where(
        ApiToken.token_hash == token_digest(api_key or ""))) if api_key else None
    if token is None or token.revoked_at is not None:
        raise Forbidden("api_key 缺失或无效，无法提交服务请求",
                        "api_key was not provided or is invalid")
    return token


@dataclass(frozen=True)
class RequestFilter:
    """GET requests parameters: ids, service codes, window, open/closed."""

    ids: tuple[int, ...] = ()
    codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()


def _list(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def parse_filter(args: Mapping[str, str]) -> RequestFilter:
    """The specification's GET requests parameters; ``InvalidInput`` on a bad value."""
    ids = _list(args.get("service_request_id"))
    if not all(i.isdigit() for i in ids):
        raise InvalidInput("service_request_id 应为数字，多个用逗号分开",
                           "service_request_id must be numbers separated by commas",
                           details={"field": "service_request_id"})
    statuses = _list(args.get("status"))
    if any(s not in open311.OPEN311_STATES for s in statuses):
        raise InvalidInput("status 只能是 open 或 closed", "status must be open or closed",
                           details={"field": "status"})
    start, end = args.get("start_date"), args.get("end_date")
    return RequestFilter(ids=tuple(int(i) for i in ids), codes=_list(args.get("service_code")),
                         start=open311.parse_w3c(start, field="start_date") if start else None,
                         end=open311.parse_w3c(end, field="end_date") if end else None,
                         statuses=statuses)


def _request(report: Report, community: Community | None, office: Office | None,
             photo_url: Callable[[int], str]) -> dict[str, Any]:
    return {"service_request_id": str(report.id), "status": open311.open311_status(report.status),
            "status_notes": report.office_note, "service_name": reports.KIND_ZH[report.kind],
            "service_code": report.kind, "description": None,
            "agency_responsible": office.name if office else None, "service_notice": None,
            "requested_datetime": open311.w3c(report.created_at),
            "updated_datetime": open311.w3c(report.updated_at), "expected_datetime": None,
            "address": community.name if community else None, "address_id": report.code,
            "zipcode": None, "lat": report.lat, "long": report.lon,
            "media_url": photo_url(report.id) if report.photo_public and report.photo else None}


def find_requests(session: Session, filters: RequestFilter, *, now: datetime,
                  photo_url: Callable[[int], str]) -> list[dict[str, Any]]:
    """GET requests: newest first, at most ``MAX_REQUESTS``; without ids, within
    ``start``..``end`` (default the last 90 days)."""
    query = (select(Report, Community, Office)
             .join(Community, Report.community_id == Community.id, isouter=True)
             .join(Office, Report.office_id == Office.id, isouter=True)
             .order_by(Report.created_at.desc(), Report.id.desc()).limit(MAX_REQUESTS))
    if filters.ids:
        query = query.where(Report.id.in_(filters.ids))
    else:
        query = query.where(Report.created_at >= (filters.start or now - DEFAULT_WINDOW))
        if filters.end:
            query = query.where(Report.created_at <= filters.end)
    if filters.codes:
        query = query.where(Report.kind.in_(filters.codes))
    if filters.statuses:
        wanted = [s for s in reports.STATUS_ZH if open311.open311_status(s) in filters.statuses]
        query = query.where(Report.status.in_(wanted))
    return [_request(report, community, office, photo_url)
            for report, community, office in session.execute(query)]


def one_request(session: Session, report_id: int, *, photo_url: Callable[[int], str]
                ) -> list[dict[str, Any]]:
    """GET requests/{id}: a list of the one request; ``NotFound`` otherwise."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"没有编号为 {report_id} 的服务请求", f"service request {report_id} not found")
    community = session.get(Community, report.community_id) if report.community_id else None
    office = session.get(Office, report.office_id) if report.office_id else None
    return [_request(report, community, office, photo_url)]


def create_request(session: Session, form: Mapping[str, str]) -> list[dict[str, Any]]:
    """POST requests: check ``api_key``, then file the report as the form would
    (``service_code`` the category, ``lat``/``long`` or ``address_id`` a Youlu code,
    ``description`` the text). Personal fields (name, email, phone) are not stored."""
    token = check_api_key(session, form.get("api_key"))
    code = (form.get("service_code") or "").strip()
    if not code:
        raise InvalidInput("缺少 service_code", "service_code is required",
                           details={"field": "service_code"})
    if not (form.get("lat") or form.get("long") or form.get("address_id")):
        raise InvalidInput("需要位置：lat 和 long，或 address_id（友路编码）",
                           "a location is required: lat and long, or address_id",
                           details={"field": "location"})
    checked = check_report(session, ReportForm(
        kind=code, text=form.get("description", ""), code=form.get("address_id", ""),
        lon=form.get("long", ""), lat=form.get("lat", "")))
    report, _secret = add_report(session, checked)
    record(session, actor=f"token:{token.prefix}", action="open311_create", table="reports",
           feature_id=report.id, after={"kind": report.kind, "office_id": report.office_id})
    return [{"service_request_id": str(report.id), "service_notice": SERVICE_NOTICE,
             "account_id": None}]
