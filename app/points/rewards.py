"""Rewards (奖品) offered by offices and allied merchants, redemptions with short codes
that the merchant or office confirms, and the office's totals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts.auth import Actor
from app.audit import record
from app.models import PointEntry, Redemption, Reward, Rider
from app.points.ledger import Source, locked_account, spend
from app.riders.privacy import personal_data
from geo import points
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.hours.opening_hours import timezone
from geo.reports import check_text

MAX_TITLE_CHARS = 120
MAX_STOCK = 100_000
PHONE_TAIL_DIGITS = 4


def _date(text: str, field: str, zh: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{zh}“{text}”不是日期（如 2026-12-31）", f"{field} {text!r} is not a date",
                           details={"field": field}) from None


def _whole(text: str, field: str, zh: str, *, limit: int) -> int:
    raw = text.strip()
    if not raw.isdigit() or int(raw) > limit:
        raise InvalidInput(f"{zh}必须是 0 到 {limit} 的整数，不能是“{raw}”",
                           f"{field} must be a whole number 0..{limit}, got {raw!r}",
                           details={"field": field})
    return int(raw)


def office_of(actor: Actor) -> int:
    """The office id of an office user; ``Forbidden`` for anyone else."""
    if actor.user is None or actor.user.office_id is None:
        raise Forbidden("只有社区办公室的账号可以管理积分和奖品",
                        "only an office's account manages points and rewards")
    return actor.user.office_id


def create_reward(session: Session, actor: Actor, form: Mapping[str, str]) -> Reward:
    """A reward of the actor's office from form fields ``title``, ``merchant``, ``kind``
    (meal | goods | service), ``cost`` (points), ``stock``, ``valid_from`` and
    ``valid_until`` (Beijing dates, both days included); audited."""
    office_id = office_of(actor)
    title = check_text(form.get("title", ""), field="title", limit=MAX_TITLE_CHARS)
    if title is None:
        raise InvalidInput("请填写奖品名称", "title is required", details={"field": "title"})
    first = _date(form.get("valid_from", ""), "valid_from", "开始日期")
    last = _date(form.get("valid_until", ""), "valid_until", "截止日期")
    if last < first:
        raise InvalidInput("截止日期早于开始日期", "valid_until is before valid_from",
                           details={"field": "valid_until"})
    zone = timezone()
    reward = Reward(office_id=office_id, title=title,
                    merchant=check_text(form.get("merchant", ""), field="merchant",
                                        limit=MAX_TITLE_CHARS),
                    kind=points.check_reward_kind(form.get("kind", "")),
                    cost=points.check_amount(form.get("cost", ""), field="cost"),
                    stock=_whole(form.get("stock", ""), "stock", "库存", limit=MAX_STOCK),
                    valid_from=datetime.combine(first, time(), zone),
                    valid_until=datetime.combine(last + timedelta(days=1), time(), zone))
    session.add(reward)
    session.flush()
    record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
           action="reward_create", table="rewards", feature_id=reward.id,
           after={"title": title, "cost": reward.cost, "stock": reward.stock})
    return reward


def offered(session: Session, *, now: datetime) -> list[Reward]:
    """Rewards valid at ``now`` with stock left, cheapest first."""
    return list(session.scalars(select(Reward).where(
        Reward.valid_from <= now, Reward.valid_until > now, Reward.stock > 0)
        .order_by(Reward.cost, Reward.id)))


def redeem(session: Session, rider: Rider, reward_id: int, *, now: datetime) -> Redemption:
    """Spend the reward's cost from ``rider``'s balance and give a short code.

    The rider's account row is locked first, then the reward's, so concurrent
    redemptions queue; refused (nothing changed) when the reward is unknown, not yet
    or no longer valid, out of stock, or the balance is short.
    """
    locked_account(session, rider.id)
    reward = session.scalar(select(Reward).where(Reward.id == reward_id).with_for_update()
                            .execution_options(populate_existing=True))
    if reward is None:
        raise NotFound(f"找不到编号为 {reward_id} 的奖品", f"reward {reward_id} not found")
    if not reward.valid_from <= now < reward.valid_until:
        raise InvalidInput(f"“{reward.title}”不在兑换期内（已过期或尚未开始）",
                           f"reward {reward_id} is not valid now (expired or not started)",
                           details={"field": "reward", "reason": "expired"})
    if reward.stock <= 0:
        raise InvalidInput(f"“{reward.title}”已兑完", f"reward {reward_id} is out of stock",
                           details={"field": "reward", "reason": "out_of_stock"})
    redemption = Redemption(reward_id=reward.id, rider_id=rider.id, code=points.new_code(),
                            cost=reward.cost, status="issued")
    session.add(redemption)
    session.flush()
    spend(session, rider.id, reward.cost,
          Source("redeem", f"rider:{rider.id}", office_id=reward.office_id,
                 redemption_id=redemption.id, note=reward.title))
    session.execute(update(Reward).where(Reward.id == reward.id).values(stock=Reward.stock - 1))
    return redemption


@dataclass(frozen=True)
class Confirmation:
    """A confirmed redemption, what was given and to whom (masked)."""

    redemption: Redemption
    reward: Reward


def confirm(session: Session, actor: Actor, code: str, phone_tail: str, *,
            now: datetime) -> Confirmation:
    """The office (or the merchant with the office's account) confirms a code shown by a
    rider whose phone ends in ``phone_tail`` (4 digits); audited.

    Refused, changing nothing, for an unknown or used code, another office's reward, or a
    code that belongs to another rider (the phone does not match).
    """
    office_id = office_of(actor)
    redemption = session.scalar(select(Redemption).where(
        Redemption.code == points.normalise_code(code)).with_for_update())
    if redemption is None:
        raise NotFound("没有这个兑换码", f"no redemption code {code!r}", details={"field": "code"})
    reward = session.get(Reward, redemption.reward_id)
    if reward is None or reward.office_id != office_id:
        raise Forbidden("这个兑换码不是本社区的奖品", "this code is for another office's reward")
    if redemption.status != "issued":
        raise InvalidInput("这个兑换码已经用过了", "this code was already confirmed",
                           details={"field": "code"})
    rider = session.get(Rider, redemption.rider_id)
    phone = personal_data().decrypt(rider.phone_enc) if rider else ""
    tail = phone_tail.strip()
    if len(tail) != PHONE_TAIL_DIGITS or not phone.endswith(tail):
        raise Forbidden("兑换码不属于这位骑手：手机号后四位不符",
                        "the code belongs to another rider (phone tail does not match)",
                        details={"field": "phone_tail"})
    redemption.status = "confirmed"
    redemption.confirmed_at = now
    redemption.confirmed_by = actor.name
    record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
           action="redeem_confirm", table="redemptions", feature_id=redemption.id,
           before={"status": "issued"}, after={"status": "confirmed"})
    return Confirmation(redemption, reward)


def redemptions_of(session: Session, rider_id: int) -> list[tuple[Redemption, Reward]]:
    """The rider's redemptions with their rewards, newest first."""
    rows = session.execute(select(Redemption, Reward).join(Reward)
                           .where(Redemption.rider_id == rider_id).order_by(Redemption.id.desc()))
    return [(redemption, reward) for redemption, reward in rows]


def office_totals(session: Session, office_id: int) -> dict[str, list[tuple[int | str, ...]]]:
    """Per rider ``(rider id, points earned from the office, points spent there)`` and
    per reward ``(reward id, title, redemptions, points)`` of the office."""
    earned = func.coalesce(func.sum(PointEntry.amount).filter(PointEntry.amount > 0), 0)
    spent = func.coalesce(-func.sum(PointEntry.amount).filter(PointEntry.amount < 0), 0)
    riders = session.execute(select(PointEntry.rider_id, earned, spent)
                             .where(PointEntry.office_id == office_id)
                             .group_by(PointEntry.rider_id).order_by(PointEntry.rider_id))
    rewards = session.execute(
        select(Reward.id, Reward.title, func.count(Redemption.id),
               func.coalesce(func.sum(Redemption.cost), 0))
        .outerjoin(Redemption, Redemption.reward_id == Reward.id)
        .where(Reward.office_id == office_id).group_by(Reward.id, Reward.title).order_by(Reward.id))
    return {"riders": [(rid, int(e), int(s)) for rid, e, s in riders],
            "rewards": [(rid, title, int(n), int(p)) for rid, title, n, p in rewards]}
