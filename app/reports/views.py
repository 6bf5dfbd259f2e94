"""随手拍 pages: the public report form ``/report`` (what a plate's scan page links to,
``?code=`` the plate's standard code) with its thank-you page, and the office's list
``/office/reports`` with status changes and photos, behind the office log-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_limiter import ExemptionScope
from werkzeug.wrappers import Response as BaseResponse

from app import page_errors
from app.accounts.auth import current_actor
from app.accounts.views import login_required
from app.db import get_session
from app.extensions import limiter
from app.models import Report
from app.reports.report_map import reports_map_parts
from app.reports.service import (
    ReportForm,
    file_report,
    report_in_scope,
    reports_for,
    set_status,
)
from geo import reports, settings
from geo.errors import NotFound

bp = Blueprint("reports", __name__)
office_bp = Blueprint("reports", __name__)  # under /office
limiter.limit(settings.RATELIMIT_RIDER_PAGES)(bp)
limiter.exempt(bp, flags=ExemptionScope.DEFAULT)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"kind_zh": reports.KIND_ZH, "status_zh": reports.STATUS_ZH,
            "max_text": reports.MAX_TEXT_CHARS,
            "max_photo_mb": reports.MAX_PHOTO_BYTES // (1024 * 1024)}


@office_bp.context_processor
def _office_helpers() -> dict[str, Any]:
    return {"kind_zh": reports.KIND_ZH, "status_zh": reports.STATUS_ZH}


@bp.route("/report", methods=["GET", "POST"])
def report_page() -> BaseResponse | str:
    """The form (GET, ``?code=`` prefilled) and filing a report (POST, then the thanks)."""
    if request.method == "GET":
        return render_template("reports/form.html", form=request.args, error=None)
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None and upload.filename else None
    form = request.form
    db = get_session()
    report = file_report(db, ReportForm(
        kind=form.get("kind", ""), text=form.get("text", ""), code=form.get("code", ""),
        lon=form.get("lon", ""), lat=form.get("lat", ""), photo=photo))
    return redirect(url_for(".thanks", report_id=report.id))


@bp.get("/report/thanks/<int:report_id>")
def thanks(report_id: int) -> str:
    """The report number, to quote to the office."""
    report = get_session().get(Report, report_id)
    if report is None:
        raise NotFound(f"找不到编号为 {report_id} 的报告", f"report {report_id} not found")
    return render_template("reports/thanks.html", report=report)


page_errors.register(bp, {"reports.report_page": "reports/form.html"})

# -- office -------------------------------------------------------------------------------


@office_bp.get("/reports")
@login_required
def reports_page() -> str:
    """Reports of the compounds in the user's scope (all for an admin), newest first."""
    status = request.args.get("status") or ""
    rows = reports_for(get_session(), current_actor(), status=status or None)
    return render_template("office/reports.html", rows=rows, status=status,
                           parts=reports_map_parts(rows))


@office_bp.post("/reports/<int:report_id>/status")
@login_required
def report_status(report_id: int) -> BaseResponse:
    """Set a report's status and office note (audited)."""
    db = get_session()
    actor = current_actor()
    report = report_in_scope(db, actor, report_id)
    set_status(db, report, status=request.form.get("status", ""),
               note=request.form.get("office_note", ""), actor=actor)
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
