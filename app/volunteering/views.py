"""Volunteer and wish pages: riders at ``/pass/volunteer`` (activities, sign-up, my hours,
my wishes), offices at ``/office/volunteer`` (post, confirm attendance, take up wishes)."""

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
from app.models import VolunteerActivity, VolunteerSignup, Wish
from app.models.base import utcnow
from app.points.rewards import office_of
from app.riders.pass_views import load_rider, rider_required
from app.volunteering.service import (
    WISH_STATES,
    advance_wish,
    confirm_attendance,
    post_activity,
    post_wish,
    rider_hours,
    sign_up,
)
from geo import settings

rider_bp = Blueprint("rider_volunteer", __name__, url_prefix="/pass/volunteer")
office_bp = Blueprint("volunteer", __name__)  # under /office
limiter.limit(settings.RATELIMIT_RIDER_PAGES)(rider_bp)
limiter.exempt(rider_bp, flags=ExemptionScope.DEFAULT)
rider_bp.before_request(load_rider)
LIST_LIMIT = 200


def _helpers() -> dict[str, Any]:
    return {"wish_states": WISH_STATES}


rider_bp.context_processor(_helpers)
office_bp.context_processor(_helpers)


@rider_bp.get("/")
@rider_required
def rider_page() -> str:
    """Activities to come, my sign-ups and hours, my wishes."""
    db = get_session()
    activities = db.scalars(select(VolunteerActivity).where(VolunteerActivity.starts_at >= utcnow())
                            .order_by(VolunteerActivity.starts_at).limit(LIST_LIMIT)).all()
    mine = set(db.scalars(select(VolunteerSignup.activity_id).where(
        VolunteerSignup.rider_id == g.rider.id)))
    wishes = db.scalars(select(Wish).where(Wish.rider_id == g.rider.id).order_by(Wish.id.desc())).all()
    return render_template("volunteer/mine.html", activities=activities, mine=mine,
                           hours=rider_hours(db, g.rider.id), wishes=wishes)


@rider_bp.post("/<int:activity_id>/signup")
@rider_required
def signup(activity_id: int) -> BaseResponse:
    """Sign up for an activity."""
    sign_up(get_session(), g.rider, activity_id)
    return redirect(url_for(".rider_page"))


@rider_bp.post("/wishes")
@rider_required
def wish() -> BaseResponse:
    """Post a small wish."""
    post_wish(get_session(), g.rider, request.form.get("text", ""))
    return redirect(url_for(".rider_page"))


page_errors.register(rider_bp, {})


@office_bp.get("/volunteer")
@login_required
def office_page() -> str:
    """The office's activities with their sign-ups, and the wishes to take up."""
    db = get_session()
    office_id = office_of(signed_in_actor())
    activities = db.scalars(select(VolunteerActivity).where(VolunteerActivity.office_id == office_id)
                            .order_by(VolunteerActivity.starts_at.desc()).limit(LIST_LIMIT)).all()
    signups = db.scalars(select(VolunteerSignup).where(VolunteerSignup.activity_id.in_(
        [a.id for a in activities])).order_by(VolunteerSignup.id)).all()
    wishes = db.scalars(select(Wish).where((Wish.status == "open") | (Wish.office_id == office_id))
                        .order_by(Wish.id.desc()).limit(LIST_LIMIT)).all()
    return render_template("volunteer/office.html", activities=activities, signups=signups,
                           wishes=wishes)


@office_bp.post("/volunteer")
@login_required
def add_activity() -> BaseResponse:
    """Post an activity (audited)."""
    post_activity(get_session(), signed_in_actor(), request.form)
    return redirect(url_for(".office_page"))


@office_bp.post("/volunteer/signups/<int:signup_id>/attended")
@login_required
def attended(signup_id: int) -> BaseResponse:
    """Confirm attendance: hours and points booked."""
    confirm_attendance(get_session(), signed_in_actor(), signup_id, now=utcnow())
    return redirect(url_for(".office_page"))


@office_bp.post("/volunteer/wishes/<int:wish_id>")
@login_required
def take_wish(wish_id: int) -> BaseResponse:
    """Take a wish up, or mark a taken one done."""
    advance_wish(get_session(), signed_in_actor(), wish_id, taker=request.form.get("taker", ""))
    return redirect(url_for(".office_page"))
