"""Planner downloads: the ranked, filtered table of a division's compounds as CSV and
XLSX (``/planner/table.csv``, ``/planner/table.xlsx``), and the pilot progress report as
PDF and XLSX (``/planner/pilot.pdf``, ``/planner/pilot.xlsx``)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from app.db import get_session
from app.extensions import limiter
from app.page_errors import register as register_page_errors
from app.planner.api import level_code
from app.planner.coverage import planner_table
from app.planner.export import as_csv, as_xlsx, filtered
from app.planner.pilot import history, parse_since, progress
from geo import settings
from geo.hours.opening_hours import local_time

bp = Blueprint("planner_pages", __name__)
register_page_errors(bp, {})

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(kind: str) -> Response:
    db = get_session()
    level, code = level_code(request.args)
    table = planner_table(db, at=request.args.get("at") or None)
    rows = filtered(table, table.select(level=level, code=code), text=request.args.get("q", ""),
                    grade=request.args.get("grade", ""))
    stamp = local_time().strftime("%Y%m%d")
    name = f"youlu-planner-{code or 'all'}-{stamp}.{kind}"
    body, mimetype = (as_csv(table, rows), "text/csv; charset=utf-8") if kind == "csv" else (
        as_xlsx(table, rows, title=table.names.get(code or "", "小区排名")), _XLSX)
    return _attachment(body, mimetype, name)


def _attachment(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/planner/pilot.pdf")
@limiter.limit(settings.RATELIMIT_RIDER_PAGES)
def pilot_pdf() -> Response:
    """The printable pilot progress report of a street or district (``code``)."""
    from app.planner.pilot_report import report_pdf  # matplotlib: only for this download

    db = get_session()
    level, code = level_code(request.args)
    report = progress(db, level=level, code=code, at=request.args.get("at") or None,
                      since=parse_since(request.args.get("since")))
    return _attachment(report_pdf(report, history(db, code) if code else {}), "application/pdf",
                       f"youlu-pilot-{code or 'all'}-{local_time().strftime('%Y%m%d')}.pdf")


@bp.get("/planner/pilot.xlsx")
@limiter.limit(settings.RATELIMIT_RIDER_PAGES)
def pilot_xlsx() -> Response:
    """The pilot checklist of a street or district as XLSX."""
    from app.planner.pilot_report import report_xlsx

    level, code = level_code(request.args)
    report = progress(get_session(), level=level, code=code, at=request.args.get("at") or None,
                      since=parse_since(request.args.get("since")))
    return _attachment(report_xlsx(report), _XLSX,
                       f"youlu-pilot-{code or 'all'}-{local_time().strftime('%Y%m%d')}.xlsx")


@bp.get("/planner/table.csv")
@limiter.limit(settings.RATELIMIT_RIDER_PAGES)
def table_csv() -> Response:
    """The ranked table (``code``, ``q``, ``grade`` filters) as CSV."""
    return _download("csv")


@bp.get("/planner/table.xlsx")
@limiter.limit(settings.RATELIMIT_RIDER_PAGES)
def table_xlsx() -> Response:
    """The ranked table as an XLSX workbook."""
    return _download("xlsx")
