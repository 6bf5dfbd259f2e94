"""随手拍 pages: the public report form ``/report`` (what a plate's scan page links to,
``?code=`` the plate's standard code) with "同一个问题? +1" for an open report nearby,
the reporter's follow page, the public map of reports, and the office's list (filters,
map, CSV) with state changes and photos, behind the office log-in."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import ExemptionScope
from werkzeug.wrappers import Response as BaseResponse

from app import page_errors
from app.accounts.auth import current_actor
from app.accounts.views import login_required
from app.config import configured_tiles
from app.db import get_session
from app.extensions import limiter
from app.models import Rider
from app.models.base import utcnow
from app.points.ledger import balance
from app.reports.following import mark_seen, report_by_secret, reports_of_rider, timeline, unseen
from app.reports.public import public_features, public_photo
from app.reports.service import (
    ReportFilter,
    ReportForm,
    add_report,
    check_report,
    duplicate_of,
    report_in_scope,
    reports_for,
    set_status,
    support,
)
from app.riders.pass_views import load_rider, rider_required
from geo import reports, settings
from geo.errors import NotFound
from geo.hours.opening_hours import local_text

bp = Blueprint("reports", __name__)
rider_bp = Blueprint("rider_reports", __name__, url_prefix="/pass/reports")
office_bp = Blueprint("reports", __name__)  # under /office
for _blueprint in (bp, rider_bp):
    limiter.limit(settings.RATELIMIT_RIDER_PAGES)(_blueprint)
    limiter.exempt(_blueprint, flags=ExemptionScope.DEFAULT)
rider_bp.before_request(load_rider)
CSV_COLUMNS = ("编号", "提交时间（北京时间）", "类别", "紧急", "状态", "小区", "经度", "纬度",
               "说明", "处理说明", "+1")


def _tiles() -> list[dict[str, Any]]:
    """WGS-84 base layers only: reports are stored in WGS-84 and a GCJ-02 map would put
    them metres off."""
    source = configured_tiles(current_app.config)
    return [dict(layer) for layer in source.layers] if source.crs == "wgs84" else []


def _helpers() -> dict[str, Any]:
    return {"kind_zh": reports.KIND_ZH, "status_zh": reports.STATUS_ZH,
            "categories": reports.CATEGORIES, "next_statuses": reports.NEXT_STATUSES,
            "max_text": reports.MAX_TEXT_CHARS,
            "max_photo_mb": reports.MAX_PHOTO_BYTES // (1024 * 1024)}


for _blueprint in (bp, rider_bp, office_bp):
    _blueprint.context_processor(_helpers)


def _filed(rider: Rider | None) -> BaseResponse | str:
    """File the posted form (or offer "+1" on an open report of the same category nearby)."""
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None and upload.filename else None
    form = request.form
    db = get_session()
    checked = check_report(db, ReportForm(
        kind=form.get("kind", ""), text=form.get("text", ""), code=form.get("code", ""),
        lon=form.get("lon", ""), lat=form.get("lat", ""), photo=photo,
        sms_opt_in=form.get("sms_opt_in") == "1"))
    duplicate = None if form.get("confirm_new") == "1" else duplicate_of(db, checked)
    if duplicate is not None:
        return render_template("reports/form.html", form=form, error=None, duplicate=duplicate,
                               dropped_photo=photo is not None)
    report, secret = add_report(db, checked, rider=rider)
    return redirect(url_for("reports.follow", secret=secret))


@bp.route("/report", methods=["GET", "POST"])
def report_page() -> BaseResponse | str:
    """The form (GET, ``?code=`` prefilled) and filing a report (POST, then its page)."""
    if request.method == "GET":
        return render_template("reports/form.html", form=request.args, error=None)
    return _filed(None)


@bp.post("/report/<int:report_id>/support")
def support_report(report_id: int) -> str:
    """"同一个问题? +1" on an open report."""
    report = support(get_session(), report_id)
    return render_template("reports/supported.html", report=report)


@bp.get("/report/follow/<secret>")
def follow(secret: str) -> str:
    """The report's states, with the time in each and the office's public notes."""
    db = get_session()
    report = report_by_secret(db, secret)
    changed = unseen(report)
    mark_seen(report)
    return render_template("reports/follow.html", report=report, changed=changed,
                           steps=timeline(db, report, now=utcnow()))


@bp.get("/reports/map")
def public_map() -> str:
    """The public map of reports."""
    return render_template("reports/map.html", tiles=_tiles())


@bp.get("/reports/map.geojson")
def public_map_data() -> Response:
    """Located reports without personal data (category, state, age, public note)."""
    data = public_features(get_session(), now=utcnow(),
                           photo_url=lambda n: url_for("reports.public_photo_jpg", report_id=n))
    return jsonify(data)


@bp.get("/reports/<int:report_id>/photo.jpg")
def public_photo_jpg(report_id: int) -> Response:
    """A photo its office published."""
    return Response(public_photo(get_session(), report_id), mimetype="image/jpeg")


page_errors.register(bp, {"reports.report_page": "reports/form.html"})

# -- riders -------------------------------------------------------------------------------


def rider_news(rider: Rider | None) -> dict[str, int]:
    """For the rider page: how many of my reports changed since I last looked, and my
    balance."""
    if rider is None:
        return {"changed": 0, "balance": 0}
    db = get_session()
    return {"changed": sum(unseen(r) for r in reports_of_rider(db, rider.id)),
            "balance": balance(db, rider.id)}


@rider_bp.route("/new", methods=["GET", "POST"])
@rider_required
def rider_report() -> BaseResponse | str:
    """The same form for a registered rider: the report is theirs to follow here, earns
    points, and may send a text on a change."""
    if request.method == "GET":
        return render_template("reports/form.html", form=request.args, error=None)
    return _filed(g.rider)


@rider_bp.get("/")
@rider_required
def my_reports() -> str:
    """My reports, those changed since I last looked first marked."""
    db = get_session()
    rows = [(report, unseen(report), timeline(db, report, now=utcnow()))
            for report in reports_of_rider(db, g.rider.id)]
    for report, _changed, _steps in rows:
        mark_seen(report)
    return render_template("reports/mine.html", rows=rows)


page_errors.register(rider_bp, {"rider_reports.rider_report": "reports/form.html"})

# -- office -------------------------------------------------------------------------------


def _filters() -> ReportFilter:
    args = request.args
    return ReportFilter(status=args.get("status") or None, kind=args.get("kind") or None,
                        urgent=args.get("urgent") == "1")


@office_bp.get("/reports")
@login_required
def reports_page() -> str:
    """Reports routed to the user's office (all for an admin), newest first, filtered,
    on a map and in a table."""
    rows = reports_for(get_session(), current_actor(), _filters())
    points = [{"id": r.id, "lon": r.lon, "lat": r.lat, "status": r.status,
               "label": f"{r.id} {reports.KIND_ZH[r.kind]} · {reports.STATUS_ZH[r.status]}"}
              for r, _c, _p in rows if r.lon is not None]
    return render_template("office/reports.html", rows=rows, filters=_filters(),
                           points=points, tiles=_tiles(), query=request.query_string.decode())


@office_bp.get("/reports.csv")
@login_required
def reports_csv() -> Response:
    """The filtered list as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for report, community, _photo in reports_for(get_session(), current_actor(), _filters()):
        writer.writerow([report.id, local_text(report.created_at), reports.KIND_ZH[report.kind],
                         "是" if reports.CATEGORIES[report.kind].urgent else "",
                         reports.STATUS_ZH[report.status], community.name if community else "",
                         report.lon if report.lon is not None else "",
                         report.lat if report.lat is not None else "",
                         report.text or "", report.office_note or "", report.supporters])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=youlu-reports.csv"})


@office_bp.post("/reports/<int:report_id>/status")
@login_required
def report_status(report_id: int) -> BaseResponse:
    """Move a report to its next state with a public note (audited)."""
    db = get_session()
    actor = current_actor()
    report = report_in_scope(db, actor, report_id)
    set_status(db, report, status=request.form.get("status", ""),
               note=request.form.get("office_note", ""), actor=actor,
               photo_public=request.form.get("photo_public") == "1", now=utcnow())
    flash(f"已把报告 {report.id} 设为“{reports.STATUS_ZH[report.status]}”", "ok")
    return redirect(url_for(".reports_page"))


@office_bp.get("/reports/<int:report_id>/photo.jpg")
@login_required
def report_photo(report_id: int) -> Response:
    """The report's cleaned photo."""
    report = report_in_scope(get_session(), current_actor(), report_id)
    if report.photo is None:
        raise NotFound("这条报告没有照片", f"report {report_id} has no photo")
    return Response(report.photo, mimetype="image/jpeg",
                    headers={"Cache-Control": "private, no-store"})
