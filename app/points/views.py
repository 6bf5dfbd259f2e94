"""Points pages: the rider's balance, history, rewards and codes (``/pass/points``), and
the office's rewards, code confirmation, awards, reversals and totals (``/office/points``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_limiter import ExemptionScope
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app import page_errors
from app.accounts.auth import signed_in_actor
from app.accounts.views import login_required
from app.db import get_session
from app.extensions import limiter
from app.models import PointEntry, Reward, Rider
from app.models.base import utcnow
from app.points.ledger import REASON_ZH, Source, balance, earn, history, reverse
from app.points.rewards import (
    confirm,
    create_reward,
    offered,
    office_of,
    office_totals,
    redeem,
    redemptions_of,
)
from app.riders.pass_views import load_rider, rider_required
from geo import points, settings
from geo.errors import NotFound
from geo.reports import check_text

rider_bp = Blueprint("rider_points", __name__, url_prefix="/pass/points")
office_bp = Blueprint("points", __name__)  # under /office
limiter.limit(settings.RATELIMIT_RIDER_PAGES)(rider_bp)
limiter.exempt(rider_bp, flags=ExemptionScope.DEFAULT)
rider_bp.before_request(load_rider)
ENTRY_LIMIT = 200


def _helpers() -> dict[str, Any]:
    return {"reason_zh": REASON_ZH, "reward_kind_zh": points.REWARD_KINDS}


rider_bp.context_processor(_helpers)
office_bp.context_processor(_helpers)


def _rider_page(redeemed: str | None = None) -> str:
    db = get_session()
    rider = g.rider
    return render_template("points/mine.html", balance=balance(db, rider.id),
                           entries=history(db, rider.id), rewards=offered(db, now=utcnow()),
                           redemptions=redemptions_of(db, rider.id), redeemed=redeemed)


@rider_bp.get("/")
@rider_required
def my_points() -> str:
    """My balance, every entry, the rewards on offer and my codes."""
    return _rider_page()


@rider_bp.post("/redeem/<int:reward_id>")
@rider_required
def redeem_reward(reward_id: int) -> str:
    """Spend points on a reward; the page shows the code to present."""
    redemption = redeem(get_session(), g.rider, reward_id, now=utcnow())
    return _rider_page(redeemed=redemption.code)


page_errors.register(rider_bp, {})

# -- office -------------------------------------------------------------------------------


def _office_page(confirmed: Any = None) -> str:
    db = get_session()
    office_id = office_of(signed_in_actor())
    rewards = db.scalars(select(Reward).where(Reward.office_id == office_id)
                         .order_by(Reward.id.desc())).all()
    entries = db.scalars(select(PointEntry).where(PointEntry.office_id == office_id)
                         .order_by(PointEntry.id.desc()).limit(ENTRY_LIMIT)).all()
    reversed_ids = set(db.scalars(select(PointEntry.reverses_id).where(
        PointEntry.reverses_id.in_([e.id for e in entries]))))
    return render_template("points/office.html", rewards=rewards, entries=entries,
                           reversed_ids=reversed_ids, totals=office_totals(db, office_id),
                           confirmed=confirmed, now=utcnow())


@office_bp.get("/points")
@login_required
def points_page() -> str:
    """The office's rewards, the code check, awards and the ledger of its entries."""
    return _office_page()


@office_bp.post("/points/rewards")
@login_required
def add_reward() -> BaseResponse:
    """Offer a new reward (audited)."""
    create_reward(get_session(), signed_in_actor(), request.form)
    return redirect(url_for(".points_page"))


@office_bp.post("/points/confirm")
@login_required
def confirm_code() -> str:
    """Confirm a rider's code (and the last four digits of their phone)."""
    done = confirm(get_session(), signed_in_actor(), request.form.get("code", ""),
                   request.form.get("phone_tail", ""), now=utcnow())
    return _office_page(confirmed=done)


@office_bp.post("/points/award")
@login_required
def award() -> BaseResponse:
    """Points for an action the office defines, to a rider by number."""
    db = get_session()
    actor = signed_in_actor()
    office_id = office_of(actor)
    rider_id = points.check_rider_number(request.form.get("rider_id", ""))
    amount = points.check_amount(request.form.get("points", ""))
    note = check_text(request.form.get("note", ""), field="note", limit=200)
    if db.get(Rider, rider_id) is None:
        raise NotFound(f"找不到编号为 {rider_id} 的骑手", f"rider {rider_id} not found",
                       details={"field": "rider_id"})
    earn(db, rider_id, amount, Source("office_action", actor.name, office_id=office_id, note=note))
    return redirect(url_for(".points_page"))


@office_bp.post("/points/entries/<int:entry_id>/reverse")
@login_required
def reverse_entry(entry_id: int) -> BaseResponse:
    """Cancel an entry of this office with a reversing entry."""
    actor = signed_in_actor()
    reverse(get_session(), entry_id, actor=actor.name, office_id=office_of(actor),
            note=check_text(request.form.get("note", ""), field="note", limit=200))
    return redirect(url_for(".points_page"))
