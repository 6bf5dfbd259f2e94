"""Rider pass pages under ``/pass`` (phone first, Chinese): register once, see and renew
passes, check in and out at a gate with one tap, see and delete my data.

The phone holds its pass as a device credential: a random secret in an HttpOnly,
SameSite cookie scoped to ``/pass``; the database keeps only its SHA-256. A copied
link carries no cookie, so it checks nobody in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import ExemptionScope
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response as BaseResponse

from app import page_errors
from app.accounts.offices import office_phone
from app.db import get_session
from app.extensions import csrf, limiter
from app.ids import get_row, in_range, parse_id
from app.mapping.gate_ways import ways_round
from app.models import Community, EntryEvent, Gate, RiderPass, Unit
from app.models.base import utcnow
from app.params import safe_next
from app.rate_limits import limit_request
from app.riders.checkin import (
    GateVisit,
    compound_of_plate,
    read_gate_plate,
    read_tap,
    tap,
    unit_labels,
    visit,
)
from app.riders.service import (
    Registration,
    accept_code,
    check_registration,
    delete_rider,
    issue_device,
    phone_digest,
    register,
    remove_device,
    renew_pass,
    request_pass,
    rider_export,
    rider_for_secret,
    rider_profile,
    secret_digest,
    send_code,
    use_code_attempt,
)
from app.riders.vouched import enrol, read_link
from app.security import cookies_secure
from geo import settings
from geo.address.codes import gate_label
from geo.errors import InvalidInput, NotFound, Unauthorized
from geo.hours.opening_hours import local_text, local_time
from geo.riders import passes
from geo.riders.phones import mask_phone, normalise_phone
from geo.riders.platforms import platform, platforms

bp = Blueprint("passes", __name__, url_prefix="/pass")
DEVICE_COOKIE = "youlu_device"
COOKIE_PATH = "/pass"
# A User-Agent fragment and how the "my devices" list names it.
DEVICE_NAMES = (("MicroMessenger", "微信"), ("AlipayClient", "支付宝"), ("iPhone", "iPhone"),
                ("iPad", "iPad"), ("HarmonyOS", "鸿蒙"), ("Android", "安卓手机"),
                ("Windows", "Windows 电脑"), ("Macintosh", "Mac 电脑"), ("Linux", "Linux"))

# Every rider page: a limit per address; the app-wide default (also per address) would
# only repeat it. Check-in taps and verification texts add their own limits below.
limiter.limit(settings.RATELIMIT_RIDER_PAGES)(bp)
limiter.exempt(bp, flags=ExemptionScope.DEFAULT)


def _device_key() -> str:
    """Rate-limit key of a check-in: the device credential, else the address."""
    secret = request.cookies.get(DEVICE_COOKIE)
    if secret:
        return "device:" + secret_digest(secret)[:32]
    return "addr:" + get_remote_address()


def _phone_key() -> str:
    """Rate-limit key of a verification text: the (hashed) phone number."""
    try:
        return "phone:" + phone_digest(normalise_phone(request.form.get("phone", "")))
    except InvalidInput:
        return "addr:" + get_remote_address()


def _pending_phone_key() -> str:
    pending = session.get("registration") or {}
    return "phone:" + phone_digest(pending["phone"]) if pending else "addr:" + get_remote_address()


@limiter.request_filter
def _tap_counted_apart() -> bool:
    """flask-limiter leaves check-in taps to ``_limit_taps``."""
    return request.endpoint == "passes.gate_tap"


@bp.before_request
def _limit_taps() -> None:
    """A check-in tap's two limits (rider pages per address, taps per device) counted in
    one round trip, then its CSRF check: first, before any database work."""
    if request.endpoint == "passes.gate_tap":
        limit_request([(settings.RATELIMIT_RIDER_PAGES, get_remote_address()),
                       (settings.RATELIMIT_CHECKIN, _device_key())])
        csrf.protect()


@bp.before_request
def load_rider() -> None:
    """The rider whose device cookie came with the request (``g.rider``, ``g.device_id``);
    other blueprints under ``/pass`` register it too. A tap reads its rider itself, with
    the gate and the passes (``read_tap``)."""
    if request.endpoint == "passes.gate_tap":
        g.rider = g.device_id = None
        return
    found = rider_for_secret(get_session(), request.cookies.get(DEVICE_COOKIE))
    g.rider, g.device_id = found if found is not None else (None, None)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    pending = session.get("registration")
    return {"platforms": platforms(), "state_zh": passes.STATE_ZH,
            "local_iso": lambda text, fmt="%Y-%m-%d %H:%M": local_text(
                datetime.fromisoformat(text), fmt),
            "scope_zh": passes.SCOPE_ZH, "rider": g.get("rider"),
            "review_hours": settings.PASS_REVIEW_EXPECTED_HOURS,
            "pending_phone": mask_phone(pending["phone"]) if pending else None}


SEEN_KEY = "passes_seen"  # pass id → the status this phone last showed


def _pass_news() -> list[dict[str, Any]]:
    """Passes the office decided since this phone last showed them (approved, refused),
    as ``{pass, status}``; remembers what is shown now for the next visit."""
    if g.rider is None:
        return []
    seen: dict[str, str] = dict(session.get(SEEN_KEY) or {})
    news = [{"pass": p, "status": p.status} for p in g.rider.passes
            if seen.get(str(p.id)) == "pending" and p.status != "pending"]
    session[SEEN_KEY] = {str(p.id): p.status for p in g.rider.passes}
    return news


def rider_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages need a registered phone: GET goes to registration, anything else is 401."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.rider is None:
            if request.method == "GET" and not page_errors.wants_json():
                return redirect(url_for("passes.register_page", next=request.path))
            raise _no_device()
        return view(*args, **kwargs)

    return wrapper


def _no_device() -> Unauthorized:
    return Unauthorized("这台手机还没有登记骑手信息，请先登记",
                        "this phone holds no rider pass; register first",
                        details={"reason": "no_device"})


def _describe_device(user_agent: str) -> str:
    found = [name for fragment, name in DEVICE_NAMES if fragment in user_agent]
    return " · ".join(found[:2]) or "浏览器"


# -- registration -------------------------------------------------------------------------


@bp.get("/")
def home() -> str:
    """My passes and their states, or how to start."""
    now = utcnow()
    rows = []
    if g.rider is not None:
        for p in sorted(g.rider.passes, key=lambda p: p.requested_at, reverse=True):
            rows.append({"pass": p, "state": passes.state(p.status, p.valid_until, now),
                         "renewable": passes.renewable(p.status, p.valid_until, now),
                         "community": get_session().get(Community, p.community_id)
                         if p.community_id else None})
    profile = rider_profile(g.rider) if g.rider is not None else None
    return render_template("pass/home.html", rows=rows, profile=profile, news=_pass_news())


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(settings.RATELIMIT_SMS_PER_ADDRESS, methods=["POST"], override_defaults=False)
@limiter.limit(settings.RATELIMIT_SMS_PER_PHONE, key_func=_phone_key, methods=["POST"],
               override_defaults=False)
def register_page() -> BaseResponse | str:
    """Registration, once: name, phone, platform, platform rider id, e-bike plate."""
    next_url = safe_next(request.values.get("next"), url_for(".home"))
    if request.method == "GET":
        form: dict[str, Any] = {"next": next_url}
        if g.rider is not None:  # registering again updates the details (phone re-checked)
            form.update(rider_profile(g.rider), phone="", platform=g.rider.platform)
        return render_template("pass/register.html", form=form, error=None)
    registration = check_registration(request.form)
    send_code(get_session(), registration.phone, now=utcnow())
    session["registration"] = {**asdict(registration), "next": next_url}
    return redirect(url_for(".verify_page"))


@bp.route("/verify", methods=["GET", "POST"])
def verify_page() -> BaseResponse | str:
    """The code texted to the phone; on success this phone gets its device credential."""
    pending = session.get("registration")
    if not pending:
        return redirect(url_for(".register_page"))
    if request.method == "GET":
        return render_template("pass/verify.html", error=None, form={})
    db = get_session()
    now = utcnow()
    attempt = use_code_attempt(db, pending["phone"], now=now)
    db.commit()  # the guess counts even when it is wrong and the error answer rolls back
    accept_code(db, attempt, request.form.get("code", ""), now=now)
    next_url = pending.pop("next")
    rider = register(db, Registration(**pending))
    secret = issue_device(db, rider, label=_describe_device(request.user_agent.string))
    plate = _gate_plate_of(next_url)
    community_id = compound_of_plate(db, plate) if plate is not None else None
    if community_id is not None:
        request_pass(db, rider, db.get(Community, community_id), now=now)
    session.pop("registration", None)
    return _with_device(redirect(next_url), secret)


def _with_device(response: BaseResponse, secret: str) -> BaseResponse:
    """``response`` setting this phone's device credential cookie."""
    response.set_cookie(DEVICE_COOKIE, secret, max_age=timedelta(days=settings.DEVICE_COOKIE_DAYS),
                        path=COOKIE_PATH, httponly=True, samesite="Lax", secure=cookies_secure())
    return response


@bp.route("/vouched/<token>", methods=["GET", "POST"])
def vouched_page(token: str) -> BaseResponse | str:
    """A platform's sign-in link for a rider it vouches for: one tap enrols this phone,
    with no SMS, once (``app.riders.vouched``)."""
    db = get_session()
    now = utcnow()
    attestation, issued = read_link(db, token, now=now)
    next_url = safe_next(request.values.get("next"), url_for(".home"))
    if request.method == "GET":
        return render_template("pass/vouched.html", attestation=attestation, token=token,
                               platform_zh=platform(attestation.platform).zh, next_url=next_url)
    rider = enrol(db, attestation, issued=issued, now=now)
    secret = issue_device(db, rider, label=_describe_device(request.user_agent.string))
    return _with_device(redirect(next_url), secret)


@bp.post("/verify/resend")
@limiter.limit(settings.RATELIMIT_SMS_PER_ADDRESS, override_defaults=False)
@limiter.limit(settings.RATELIMIT_SMS_PER_PHONE, key_func=_pending_phone_key,
               override_defaults=False)
def resend() -> BaseResponse:
    """Text a new code to the phone being registered."""
    pending = session.get("registration")
    if not pending:
        return redirect(url_for(".register_page"))
    send_code(get_session(), pending["phone"], now=utcnow())
    return redirect(url_for(".verify_page"))


def _gate_plate_of(path: str) -> str | None:
    """The plate part of a gate page path (``/pass/gate/<plate>``), or None."""
    prefix = url_for(".gate_page", plate="")
    return path[len(prefix):] if path.startswith(prefix) and len(path) > len(prefix) else None


# -- at the gate --------------------------------------------------------------------------


def _units(community_id: int) -> list[tuple[int, str]]:
    """(id, "3号楼 2单元") of the compound's unit doors, for the destination list."""
    labels = unit_labels(get_session(), Unit.community_id == community_id)
    return sorted(labels.items(), key=lambda item: _natural(item[1]))


def _natural(text: str) -> list[Any]:
    """Sort key putting 2号楼 before 10号楼."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _visit_json(seen: GateVisit | None, gate: Gate, community: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "gate": {"id": gate.id, "code": gate.code, "name": gate.name, "number": gate.number},
        "community": {"id": community.id, "name": community.name, "code": community.code},
        "registered": seen is not None, "csrf_token": generate_csrf()}
    if seen is not None:
        body.update(direction=seen.direction, seq=seen.seq, pass_state=seen.pass_state,
                    refusal=seen.refusal.to_dict() if seen.refusal else None)
    return body


@bp.get("/gate/<path:plate>")
def gate_page(plate: str) -> Response | str:
    """The check-in page a gate plate leads to: pass state and one big button."""
    db = get_session()
    rules = read_gate_plate(db, plate)
    gate, community = db.get(Gate, rules.id), db.get(Community, rules.community_id)
    seen = visit(db, g.rider, rules, now=utcnow()) if g.rider is not None else None
    if page_errors.wants_json():
        return jsonify(_visit_json(seen, gate, community))
    event = None
    event_id = parse_id(request.args.get("event"))
    if g.rider is not None and event_id is not None:
        event = get_row(db, EntryEvent, event_id)
        event = event if event is not None and event.rider_id == g.rider.id else None
    unit = db.get(Unit, event.unit_id) if event is not None and event.unit_id else None
    return render_template(
        "pass/gate.html", plate=plate, gate=gate, community=community, seen=seen, event=event,
        gate_label=gate_label(gate.number, gate.name), repeated=request.args.get("repeated") == "1",
        units=_units(community.id) if seen is not None and seen.direction == "in" else [],
        unit_label=unit_labels(db, Unit.id == unit.id)[unit.id] if unit else None,
        way=_way_links(gate, community, unit), window_s=int(_repeat_window()),
        ways_round=ways_round(db, gate, community, local_time(None)),
        office_phone=office_phone(db, community), news=_pass_news())


def _repeat_window() -> float:
    """Seconds within which taps are one event (config overrides the setting)."""
    return float(current_app.config.get("CHECKIN_REPEAT_WINDOW_S",
                                        settings.CHECKIN_REPEAT_WINDOW_S))


def _way_links(gate: Gate, community: Community, unit: Unit | None) -> dict[str, str]:
    """Links to the way from this gate to the unit: the rider map of the compound, and
    its route panel (the steps) when a unit was chosen."""
    links: dict[str, str] = {}
    if "maps.rider_map" in current_app.view_functions:
        args = {"gate": gate.code or gate.id, **({"unit": unit.code or unit.id} if unit else {})}
        links["map"] = url_for("maps.rider_map", ref=community.code or community.id, **args)
        if unit is not None:
            links["route"] = links["map"] + "#y-route"
    return links


@bp.post("/gate/<path:plate>")
@csrf.exempt  # limited, then CSRF-checked, by _limit_taps
def gate_tap(plate: str) -> BaseResponse:
    """One tap: entry or exit at this gate (a repeated tap gives back the same event).
    One query reads the rider, the gate and the passes; one statement writes (two on SQLite)."""
    db = get_session()
    found = read_tap(db, request.cookies.get(DEVICE_COOKIE), plate)
    if found is None:
        raise _no_device()
    g.rider, g.device_id, gate = found.rider, found.device_id, found.gate
    seq, unit = parse_id(request.form.get("seq")), request.form.get("unit", "")
    unit_id = parse_id(unit) if unit else None
    if seq is None or not in_range(seq) or (unit and (unit_id is None or not in_range(unit_id))):
        raise InvalidInput("页面已过期，请刷新后再点", "seq and unit must be whole numbers",
                           details={"reason": "stale_page"})
    result = tap(db, g.rider, gate, seq=seq, unit_id=unit_id, now=utcnow(),
                 window_s=_repeat_window(), covering=found.passes)
    if page_errors.wants_json():
        event = result.event
        return jsonify({"created": result.created, "seq": result.seq,
                        "event": {"id": event.id, "seq": event.seq, "direction": event.direction,
                                  "at": event.at.isoformat(), "gate_id": event.gate_id}})
    return redirect(url_for(".gate_page", plate=plate, event=result.event.id,
                            repeated=int(not result.created)))


@bp.post("/gate/<path:plate>/apply")
@rider_required
def apply(plate: str) -> BaseResponse:
    """Ask for a pass for the compound of this gate."""
    db = get_session()
    community = db.get(Community, read_gate_plate(db, plate).community_id)
    request_pass(db, g.rider, community, now=utcnow())
    return redirect(url_for(".gate_page", plate=plate))


@bp.post("/passes/<int:pass_id>/renew")
@rider_required
def renew(pass_id: int) -> BaseResponse:
    """Renew one of my passes before (or after) it runs out."""
    db = get_session()
    rider_pass = db.get(RiderPass, pass_id)
    if rider_pass is None or rider_pass.rider_id != g.rider.id:
        raise NotFound("找不到这张通行证", f"pass {pass_id} not found")
    renew_pass(db, rider_pass, now=utcnow())
    return redirect(safe_next(request.form.get("next"), url_for(".home")))


# -- my data ------------------------------------------------------------------------------


@bp.get("/me")
@rider_required
def my_data() -> str:
    """Everything stored about me, and the buttons to remove a device or delete it all."""
    data = rider_export(get_session(), g.rider, now=utcnow())
    return render_template("pass/me.html", data=data, profile=rider_profile(g.rider),
                           current_device=g.device_id)


@bp.get("/me.json")
@rider_required
def my_data_json() -> Response:
    """The same as a JSON download."""
    data = rider_export(get_session(), g.rider, now=utcnow())
    response = Response(json.dumps(data, ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=youlu-my-data.json"
    return response


@bp.post("/me/delete")
@rider_required
def delete_me() -> BaseResponse:
    """Delete me: registration, passes, devices and my entry log rows."""
    if request.form.get("confirm") != "yes":
        raise InvalidInput("请勾选确认后再删除", "tick the confirmation box first",
                           details={"field": "confirm"})
    delete_rider(get_session(), g.rider)
    response = redirect(url_for(".home", deleted=1))
    response.delete_cookie(DEVICE_COOKIE, path=COOKIE_PATH)
    return response


@bp.post("/devices/<int:device_id>/remove")
@rider_required
def forget_device(device_id: int) -> BaseResponse:
    """Remove one of my phones; removing this one signs it out."""
    remove_device(get_session(), g.rider, device_id)
    response = redirect(url_for(".my_data") if device_id != g.device_id else url_for(".home"))
    if device_id == g.device_id:
        response.delete_cookie(DEVICE_COOKIE, path=COOKIE_PATH)
    return response


page_errors.register(bp, {"passes.register_page": "pass/register.html",
                          "passes.verify_page": "pass/verify.html"})
