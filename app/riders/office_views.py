"""Office pages for riders (behind office log-in): pass approvals and the pass policy,
the live entry log with filters and entries per hour, riders still inside at a time,
and the CSV export (phones masked)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import Select, select
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.auth import Actor, current_actor, scope_clause
from app.accounts.views import login_required
from app.db import get_session
from app.ids import in_range, parse_id
from app.models import Community, Office, PassPolicy, Rider, RiderPass
from app.models.base import utcnow
from app.params import safe_next
from app.riders.entry_log import (
    DIRECTION_ZH,
    LogFilter,
    csv_lines,
    entries_per_hour,
    gates_in_scope,
    log_rows,
    riders_inside,
)
from app.riders.service import check_pass_scope, decide_pass, rider_profile, set_policy
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.hours.opening_hours import timezone
from geo.riders import passes
from geo.riders.platforms import platform, platforms

LOG_PAGE_ROWS = 500
LIVE_REFRESH_S = 30
DEFAULT_INSIDE_TIME = "22:00"

bp = Blueprint("riders", __name__)  # under /office


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"state_zh": passes.STATE_ZH, "scope_zh": passes.SCOPE_ZH,
            "approval_zh": passes.APPROVAL_ZH, "action_zh": passes.ACTION_ZH,
            "direction_zh": DIRECTION_ZH}


def _today() -> date:
    return utcnow().astimezone(timezone()).date()


def _day_arg() -> date:
    text = request.args.get("date") or ""
    if not text:
        return _today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期“{text}”格式不对，应为 2025-05-01",
                           f"date {text!r}: use YYYY-MM-DD", details={"field": "date"}) from None


def _filters() -> LogFilter:
    gate = request.args.get("gate") or ""
    gate_id = parse_id(gate) if gate else None
    if gate and (gate_id is None or not in_range(gate_id)):
        raise InvalidInput("出入口编号应为数字", "gate must be an id", details={"field": "gate"})
    key = request.args.get("platform") or None
    return LogFilter(day=_day_arg(), gate_id=gate_id,
                     platform=platform(key).key if key else None)


# -- passes -------------------------------------------------------------------------------


def pass_query(actor: Actor, status: str) -> Select[tuple[RiderPass, Rider, Community]]:
    """Passes (with rider and compound) ``actor`` decides on, newest first; ``status``
    ``pending`` means new requests and renewals waiting for a decision, ``all`` every one."""
    query = (select(RiderPass, Rider, Community)
             .join(Rider, RiderPass.rider_id == Rider.id)
             .join(Community, RiderPass.community_id == Community.id, isouter=True)
             .order_by(RiderPass.requested_at.desc()))
    if not actor.is_admin:
        office_id = actor.user.office_id if actor.user else None
        query = query.where((RiderPass.office_id == office_id) | scope_clause(actor))
    if status == "pending":
        query = query.where((RiderPass.status == "pending")
                            | RiderPass.renewal_requested_at.is_not(None))
    elif status != "all":
        query = query.where(RiderPass.status == status)
    return query


@bp.get("/passes")
@login_required
def passes_page() -> str:
    """Pass requests and passes of this office's compounds, pending first."""
    db = get_session()
    actor = current_actor()
    status = request.args.get("status") or "pending"
    if status not in (*passes.STATUSES, "all"):
        raise InvalidInput(f"状态“{status}”无效", f"unknown status {status!r}",
                           details={"field": "status"})
    now = utcnow()
    rows = []
    for rider_pass, rider, community in db.execute(pass_query(actor, status).limit(LOG_PAGE_ROWS)):
        profile = rider_profile(rider)
        rows.append({
            "pass": rider_pass, "community": community,
            "state": passes.state(rider_pass.status, rider_pass.valid_until, now),
            **profile, "plate": profile["plate"] or "",
            "actions": passes.available_actions(
                rider_pass.status, renewal_requested=rider_pass.renewal_requested_at is not None)})
    office = actor.user.office if actor.user else None
    policy = db.scalar(select(PassPolicy).where(PassPolicy.office_id == office.id)) \
        if office else None
    return render_template("office/passes.html", rows=rows, status=status,
                           statuses=(*passes.STATUSES, "all"), office=office, policy=policy,
                           scopes=passes.SCOPES, approvals=passes.APPROVAL_MODES,
                           platforms=platforms())


@bp.post("/passes/<int:pass_id>/<action>")
@login_required
def decide(pass_id: int, action: str) -> BaseResponse:
    """Approve, reject, suspend or revoke one pass (with an optional note)."""
    db = get_session()
    actor = current_actor()
    rider_pass = db.get(RiderPass, pass_id)
    if rider_pass is None:
        raise NotFound("找不到这张通行证", f"pass {pass_id} not found")
    community = db.get(Community, rider_pass.community_id) if rider_pass.community_id else None
    check_pass_scope(actor, rider_pass, community)
    decide_pass(db, rider_pass, action, actor=actor.name, user_id=actor.user.id,
                note=request.form.get("note"), now=utcnow())
    flash(f"已{passes.ACTION_ZH[action]}通行证（{community.name if community else '编号 ' + str(pass_id)}）："
          f"现在是“{passes.STATE_ZH[rider_pass.status]}”", "ok")
    return redirect(safe_next(request.form.get("next"), url_for(".passes_page")))


@bp.post("/policy")
@login_required
def policy() -> BaseResponse:
    """Set this office's pass policy: approval, validity days, scope, and the platforms
    whose vouched riders are approved at once."""
    actor = current_actor()
    office: Office | None = actor.user.office
    if office is None:
        raise Forbidden("只有社区账号可以设置本社区的通行证规则",
                        "only an office's users set its pass policy")
    days = request.form.get("validity_days", "")
    if not days.isdigit():
        raise InvalidInput("有效天数应为整数", "validity_days must be a whole number",
                           details={"field": "validity_days"})
    set_policy(get_session(), office, approval=request.form.get("approval", ""),
               validity_days=int(days), scope=request.form.get("scope", ""), actor=actor.name,
               vouched_platforms=request.form.getlist("vouched_platforms"),
               user_id=actor.user.id)
    flash("已保存本社区的通行证规则", "ok")
    return redirect(url_for(".passes_page"))


# -- entry log ----------------------------------------------------------------------------


@bp.get("/log")
@login_required
def log() -> str:
    """The live entry log of a day with filters, and entries per hour."""
    db = get_session()
    actor = current_actor()
    filters = _filters()
    return render_template(
        "office/log.html", filters=filters, rows=log_rows(db, actor, filters, limit=LOG_PAGE_ROWS),
        hours=entries_per_hour(db, actor, filters), gates=gates_in_scope(db, actor),
        platforms=platforms(), live=filters.day == _today(), refresh_s=LIVE_REFRESH_S,
        limit=LOG_PAGE_ROWS)


@bp.get("/log.csv")
@login_required
def log_csv() -> Response:
    """The filtered day as CSV (UTF-8 with BOM), phones masked."""
    filters = _filters()
    rows = log_rows(get_session(), current_actor(), filters)
    response = Response(stream_with_context(csv_lines(rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=youlu-entry-log-{filters.day.isoformat()}.csv")
    return response


@bp.get("/inside")
@login_required
def inside() -> str:
    """Riders still inside at a local date and time (default today 22:00)."""
    day = _day_arg()
    text = request.args.get("time") or DEFAULT_INSIDE_TIME
    try:
        clock = time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"时间“{text}”格式不对，应为 22:00", f"time {text!r}: use HH:MM",
                           details={"field": "time"}) from None
    at = datetime.combine(day, clock, tzinfo=timezone())
    rows = riders_inside(get_session(), current_actor(), at)
    return render_template("office/inside.html", rows=rows, day=day, clock=clock.strftime("%H:%M"))

