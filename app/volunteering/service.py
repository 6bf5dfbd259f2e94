"""Volunteer activities: an office posts one (time, place, places), riders sign up, the
office confirms attendance, which books the hours and the points; and small wishes that
riders post and offices or residents take up and mark done. Every write is audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.auth import Actor
from app.audit import record
from app.models import Rider, VolunteerActivity, VolunteerSignup, Wish
from app.points.ledger import Source, earn
from app.points.rewards import office_of
from geo import points
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.hours.opening_hours import local_time
from geo.reports import check_text

MAX_HOURS = 24.0
MAX_PLACES = 1000
WISH_CHARS = 200
WISH_STATES = {"open": "待认领", "taken": "已认领", "done": "已完成"}


def _required(form: Mapping[str, str], field: str, zh: str, limit: int) -> str:
    text = check_text(form.get(field, ""), field=field, limit=limit)
    if text is None:
        raise InvalidInput(f"请填写{zh}", f"{field} is required", details={"field": field})
    return text


def post_activity(session: Session, actor: Actor, form: Mapping[str, str]) -> VolunteerActivity:
    """An activity of the actor's office from ``title``, ``place``, ``starts_at`` (Beijing
    time, ``YYYY-MM-DDTHH:MM``), ``hours``, ``points`` and ``places``."""
    office_id = office_of(actor)
    try:
        starts = local_time(datetime.fromisoformat(form.get("starts_at", "").strip()))
        hours = float(form.get("hours", ""))
    except ValueError:
        raise InvalidInput("时间或时长格式不对", "starts_at or hours is malformed",
                           details={"field": "starts_at"}) from None
    if not 0 < hours <= MAX_HOURS:
        raise InvalidInput(f"时长须在 0 到 {MAX_HOURS:g} 小时之间", "hours out of range",
                           details={"field": "hours"})
    places = points.check_amount(form.get("places", ""), field="places")
    activity = VolunteerActivity(office_id=office_id, title=_required(form, "title", "活动名称", 120),
                                 place=_required(form, "place", "地点", 200), starts_at=starts,
                                 hours=hours, points=points.check_amount(form.get("points", "")),
                                 places=min(places, MAX_PLACES))
    session.add(activity)
    session.flush()
    record(session, actor=actor.name, action="activity_post", table="volunteer_activities",
           feature_id=activity.id, after={"title": activity.title, "places": activity.places})
    return activity


def sign_up(session: Session, rider: Rider, activity_id: int) -> VolunteerSignup:
    """Sign ``rider`` up; refused when full or already signed up."""
    activity = session.scalar(select(VolunteerActivity).where(
        VolunteerActivity.id == activity_id).with_for_update())
    if activity is None:
        raise NotFound(f"找不到编号为 {activity_id} 的活动", f"activity {activity_id} not found")
    taken = session.scalar(select(func.count()).select_from(VolunteerSignup).where(
        VolunteerSignup.activity_id == activity_id)) or 0
    if session.scalar(select(VolunteerSignup.id).where(
            VolunteerSignup.activity_id == activity_id, VolunteerSignup.rider_id == rider.id)):
        raise InvalidInput("您已经报名了这个活动", "already signed up", details={"field": "activity"})
    if taken >= activity.places:
        raise InvalidInput("名额已满", "the activity is full", details={"field": "activity"})
    signup = VolunteerSignup(activity_id=activity_id, rider_id=rider.id)
    session.add(signup)
    session.flush()
    record(session, actor=f"rider:{rider.id}", action="activity_signup",
           table="volunteer_signups", feature_id=signup.id, after={"activity": activity_id})
    return signup


def confirm_attendance(session: Session, actor: Actor, signup_id: int, *, now: datetime) -> None:
    """The office confirms a rider came: the hours are booked and the points earned."""
    signup = session.get(VolunteerSignup, signup_id)
    activity = session.get(VolunteerActivity, signup.activity_id) if signup else None
    if signup is None or activity is None:
        raise NotFound(f"找不到编号为 {signup_id} 的报名", f"signup {signup_id} not found")
    if activity.office_id != office_of(actor):
        raise Forbidden("这是别的社区的活动", "this activity is another office's")
    if signup.attended_at is not None:
        raise InvalidInput("已经确认过出勤", "attendance already confirmed",
                           details={"field": "signup"})
    signup.attended_at = now
    signup.confirmed_by = actor.name
    record(session, actor=actor.name, action="activity_attend", table="volunteer_signups",
           feature_id=signup.id, after={"hours": activity.hours})
    earn(session, signup.rider_id, activity.points,
         Source("volunteer", actor.name, office_id=activity.office_id, activity_id=activity.id,
                note=activity.title))


def rider_hours(session: Session, rider_id: int) -> float:
    """Confirmed volunteer hours of a rider."""
    return float(session.scalar(
        select(func.coalesce(func.sum(VolunteerActivity.hours), 0.0))
        .join(VolunteerSignup, VolunteerSignup.activity_id == VolunteerActivity.id)
        .where(VolunteerSignup.rider_id == rider_id, VolunteerSignup.attended_at.is_not(None)))
        or 0.0)


def post_wish(session: Session, rider: Rider, text: str) -> Wish:
    """A rider's small wish (at most ``WISH_CHARS`` characters)."""
    wish = Wish(rider_id=rider.id, status="open",
                text=_required({"text": text}, "text", "心愿内容", WISH_CHARS))
    session.add(wish)
    session.flush()
    record(session, actor=f"rider:{rider.id}", action="wish_post", table="wishes",
           feature_id=wish.id, after={"text": wish.text})
    return wish


def advance_wish(session: Session, actor: Actor, wish_id: int, *, taker: str) -> Wish:
    """An office takes a wish up (for itself or a resident named ``taker``), then marks
    it done."""
    office_id = office_of(actor)
    wish = session.get(Wish, wish_id)
    if wish is None:
        raise NotFound(f"找不到编号为 {wish_id} 的心愿", f"wish {wish_id} not found")
    if wish.status == "done" or (wish.status == "taken" and wish.office_id != office_id):
        raise InvalidInput("这个心愿已被认领或已完成", "this wish is taken or done",
                           details={"field": "wish"})
    before = wish.status
    if wish.status == "open":
        wish.status, wish.office_id = "taken", office_id
        wish.taken_by = check_text(taker, field="taker", limit=120) or actor.name
    else:
        wish.status = "done"
    record(session, actor=actor.name, action="wish_" + wish.status, table="wishes",
           feature_id=wish.id, before={"status": before}, after={"status": wish.status})
    return wish
