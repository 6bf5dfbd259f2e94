"""Riders: registration once with a verified phone, device credentials, passes and the
offices that decide on them, and a rider's own data (see and delete).

Times are aware UTC datetimes. Functions that write flush at most: the request or
command that calls them commits (``app.db``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.auth import Actor, in_scope
from app.accounts.offices import office_for
from app.audit import record
from app.models import (
    Community,
    Device,
    EntryEvent,
    Office,
    PassPolicy,
    PhoneVerification,
    Rider,
    RiderPass,
)
from app.riders.privacy import personal_data
from app.riders.sms import send_text
from app.riders.state import PassState, RiderState
from app.riders.vouched import grant, replaceable, vouched_for
from geo import settings
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.riders import passes
from geo.riders.phones import mask_phone, normalise_phone
from geo.riders.platforms import platform

NAME_MAX = 40
RIDER_ID_MAX = 40
PLATE_MAX = 16
DEVICE_LABEL_MAX = 120


# -- registration ---------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """What a rider gives once: name, phone (11 digits), platform key, the platform's
    rider id, and an optional e-bike plate."""

    name: str
    phone: str
    platform: str
    platform_rider_id: str
    plate: str | None = None


def _text(form: Mapping[str, str], field: str, zh: str, *, limit: int,
          required: bool = True) -> str | None:
    value = unicodedata.normalize("NFKC", form.get(field) or "").strip()
    if not value:
        if required:
            raise InvalidInput(f"请填写{zh}", f"{field} is required", details={"field": field})
        return None
    if len(value) > limit or any(unicodedata.category(c).startswith("C") for c in value):
        raise InvalidInput(f"{zh}最多{limit}个字，且不能含控制字符",
                           f"{field}: at most {limit} printable characters",
                           details={"field": field})
    return value


def check_registration(form: Mapping[str, str]) -> Registration:
    """A ``Registration`` from form fields (``name``, ``phone``, ``platform``,
    ``platform_rider_id``, ``plate``); ``InvalidInput`` naming the first bad field."""
    name = _text(form, "name", "姓名", limit=NAME_MAX)
    phone = normalise_phone(form.get("phone") or "")
    key = platform((form.get("platform") or "").strip()).key
    rider_id = _text(form, "platform_rider_id", "平台骑手编号", limit=RIDER_ID_MAX)
    plate = _text(form, "plate", "电动车牌号", limit=PLATE_MAX, required=False)
    return Registration(name, phone, key, rider_id,  # type: ignore[arg-type]
                        plate.upper() if plate else None)


def phone_digest(phone: str) -> str:
    """The keyed hash a phone number (11 digits) is looked up by."""
    return personal_data().digest("phone", phone)


def send_code(session: Session, phone: str, *, now: datetime) -> None:
    """Text a fresh verification code to ``phone`` (11 digits); the code is stored
    (flushed) before the text goes out.

    Refused within ``PHONE_CODE_RESEND_S`` of the last code to the same phone.
    """
    digest = phone_digest(phone)
    last = session.scalar(select(PhoneVerification.created_at)
                          .where(PhoneVerification.phone_digest == digest)
                          .order_by(PhoneVerification.created_at.desc()).limit(1))
    wait = settings.PHONE_CODE_RESEND_S - ((now - last).total_seconds() if last else 1e9)
    if wait > 0:
        raise InvalidInput(f"验证码已发送，请 {int(wait) + 1} 秒后再重新获取",
                           f"a code was just sent; wait {int(wait) + 1} s",
                           details={"field": "phone", "reason": "too_soon"})
    code = f"{secrets.randbelow(10 ** settings.PHONE_CODE_DIGITS):0{settings.PHONE_CODE_DIGITS}d}"
    session.add(PhoneVerification(phone_digest=digest, code_digest=_code_digest(digest, code),
                                  created_at=now,
                                  expires_at=now + timedelta(seconds=settings.PHONE_CODE_TTL_S)))
    session.flush()
    minutes = int(settings.PHONE_CODE_TTL_S // 60)
    send_text(phone, f"【友路】您的验证码是 {code}，{minutes}分钟内有效。如非本人操作，请忽略。")


def _code_digest(phone_digest_: str, code: str) -> str:
    return personal_data().digest("code", f"{phone_digest_}:{code}")


def confirm_code(session: Session, phone: str, code: str, *, now: datetime) -> None:
    """Accept the latest code texted to ``phone`` once: ``use_code_attempt`` then
    ``accept_code``. A caller that must keep the used-up attempt when the code is wrong
    commits between the two (the verify page does)."""
    accept_code(session, use_code_attempt(session, phone, now=now), code, now=now)


def use_code_attempt(session: Session, phone: str, *, now: datetime) -> PhoneVerification:
    """Use up one attempt at the latest code texted to ``phone``; returns that code's row.

    Each guess uses up an attempt atomically, so parallel guesses cannot exceed
    ``PHONE_CODE_MAX_ATTEMPTS``.
    """
    digest = phone_digest(phone)
    row = session.scalar(select(PhoneVerification)
                         .where(PhoneVerification.phone_digest == digest,
                                PhoneVerification.consumed_at.is_(None))
                         .order_by(PhoneVerification.created_at.desc()).limit(1))
    if row is None or row.expires_at <= now:
        raise InvalidInput("验证码已过期或未获取，请重新获取", "the code expired or was never sent",
                           details={"field": "code", "reason": "expired"})
    used = session.execute(update(PhoneVerification)
                           .where(PhoneVerification.id == row.id,
                                  PhoneVerification.attempts < settings.PHONE_CODE_MAX_ATTEMPTS)
                           .values(attempts=PhoneVerification.attempts + 1))
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("验证码错误次数过多，请重新获取", "too many wrong codes; get a new one",
                           details={"field": "code", "reason": "attempts"})
    return row


def accept_code(session: Session, row: PhoneVerification, code: str, *, now: datetime) -> None:
    """Accept ``code`` for the code row ``row`` (after ``use_code_attempt``), once."""
    given = "".join(ch for ch in unicodedata.normalize("NFKC", code or "") if ch.isdigit())
    if not hmac.compare_digest(row.code_digest, _code_digest(row.phone_digest, given)):
        raise InvalidInput("验证码不正确", "wrong code",
                           details={"field": "code", "reason": "wrong"})
    taken = session.execute(update(PhoneVerification)
                            .where(PhoneVerification.id == row.id,
                                   PhoneVerification.consumed_at.is_(None))
                            .values(consumed_at=now))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("验证码已使用，请重新获取", "the code was already used",
                           details={"field": "code", "reason": "used"})


def register(session: Session, registration: Registration) -> Rider:
    """The rider with this phone, created or updated with ``registration``. Flushes.

    Call only after ``confirm_code`` for the same phone.
    """
    crypt = personal_data()
    digest = phone_digest(registration.phone)
    rider = session.scalar(select(Rider).where(Rider.phone_digest == digest))
    if rider is None:
        rider = Rider(phone_digest=digest, tap_seq=0)
        session.add(rider)
    rider.phone_enc = crypt.encrypt(registration.phone)
    rider.name_enc = crypt.encrypt(registration.name)
    rider.platform = registration.platform
    rider.platform_rider_id_enc = crypt.encrypt(registration.platform_rider_id)
    rider.plate_enc = crypt.encrypt(registration.plate) if registration.plate else None
    session.flush()
    return rider


# -- device credentials -----------------------------------------------------------------


def secret_digest(secret: str) -> str:
    """SHA-256 hex of a device secret (256 random bits, so no key is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_device(session: Session, rider: Rider, *, label: str = "") -> str:
    """A new device credential for ``rider``: returns the secret for the phone's cookie;
    only its digest is stored. Flushes."""
    secret = secrets.token_urlsafe(32)
    session.add(Device(rider_id=rider.id, secret_digest=secret_digest(secret),
                       label=label[:DEVICE_LABEL_MAX]))
    session.flush()
    return secret


_DEVICE_RIDER = (select(Rider, Device.id).join(Device, Device.rider_id == Rider.id)
                 .where(Device.secret_digest == bindparam("digest")))


def rider_for_secret(session: Session, secret: str | None) -> tuple[Rider, int] | None:
    """(rider, device id) of the phone holding device secret ``secret``, or None."""
    if not secret:
        return None
    found = session.execute(_DEVICE_RIDER, {"digest": secret_digest(secret)}).first()
    return (found[0], found[1]) if found else None


def remove_device(session: Session, rider: Rider, device_id: int) -> None:
    """Forget one of the rider's devices: its cookie stops working."""
    device = session.get(Device, device_id)
    if device is None or device.rider_id != rider.id:
        raise NotFound("找不到这台设备", f"device {device_id} not found")
    session.delete(device)


# -- offices and policies -------------------------------------------------------------------


def policy_for(session: Session, community: Community) -> tuple[passes.Policy, Office | None]:
    """The pass policy at ``community`` and the office it comes from: the office's policy
    when it set one, else the compound's own ``pass_policy`` and ``pass_validity_days``."""
    office = office_for(session, community)
    row = session.scalar(select(PassPolicy).where(PassPolicy.office_id == office.id)) if office else None
    if row is not None:
        return passes.Policy(row.approval, row.validity_days, row.scope), office
    return passes.Policy(community.pass_policy, community.pass_validity_days, "community"), office


def set_policy(session: Session, office: Office, *, approval: str, validity_days: int, scope: str,
               actor: str, vouched_platforms: Sequence[str] | None = None,
               user_id: int | None = None) -> PassPolicy:
    """Set ``office``'s pass policy (checked by ``geo.riders.passes.check_policy``) and
    the platforms whose vouched riders it auto-approves (None keeps them). Audited;
    flushes."""
    policy = passes.check_policy(approval, validity_days, scope)
    keys = [platform(key).key for key in dict.fromkeys(vouched_platforms or [])]
    row = session.scalar(select(PassPolicy).where(PassPolicy.office_id == office.id))
    before = policy_view(row) if row is not None else None
    if row is None:
        row = PassPolicy(office_id=office.id, vouched_platforms=[])
        session.add(row)
    row.approval, row.validity_days, row.scope = policy.approval, policy.validity_days, policy.scope
    if vouched_platforms is not None:
        row.vouched_platforms = keys
    row.updated_by = actor
    session.flush()
    record(session, actor=actor, action="update" if before else "create", table="pass_policies",
           feature_id=row.id, before=before, after=policy_view(row), user_id=user_id)
    return row


def policy_view(row: PassPolicy) -> dict[str, Any]:
    """A pass policy as JSON (its audit entry and the API's answer)."""
    return {"office": row.office_id, "approval": row.approval, "validity_days": row.validity_days,
            "scope": row.scope, "vouched_platforms": list(row.vouched_platforms or [])}


# -- passes -------------------------------------------------------------------------------


def covers(community_id: ColumnElement[Any], division_code: ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL: the pass row covers the compound ``community_id`` in division ``division_code``
    (expressions: bound values or columns): a pass for it, for its committee (a
    12-digit code) or for its street (the code's first 9 digits)."""
    return or_(
        and_(RiderPass.scope == "community",
             RiderPass.scope_value == cast(community_id, String)),
        and_(RiderPass.scope == "committee", RiderPass.scope_value == division_code,
             func.length(division_code) == passes.COMMITTEE_DIGITS),
        and_(RiderPass.scope == "street", func.length(division_code) >= passes.STREET_DIGITS,
             RiderPass.scope_value == func.substr(division_code, 1, passes.STREET_DIGITS)))


# A pass as the ORM or a tap's Core read gives it (``best_pass`` returns what it is given).
P = TypeVar("P", bound=PassState)
# A rider's passes that can hold at one compound.
_COVERING = select(RiderPass).where(
    RiderPass.rider_id == bindparam("rider"),
    covers(bindparam("community", type_=Integer), bindparam("division", type_=String)))


def best_pass(found: Iterable[P], now: datetime) -> P | None:
    """Of passes covering one compound, the one that holds: a usable one first, else the
    most recently asked for; None for none."""
    ranked = sorted(found, key=lambda p: (passes.state(p.status, p.valid_until, now) == "active",
                                          p.requested_at), reverse=True)
    return ranked[0] if ranked else None


def covering_passes(session: Session, rider_id: int, community_id: int,
                    division_code: str | None) -> list[RiderPass]:
    """The rider's passes covering the compound ``community_id`` (in division
    ``division_code``), whatever their state."""
    return list(session.scalars(_COVERING, {"rider": rider_id, "community": community_id,
                                            "division": division_code or ""}))


def covering_pass(session: Session, rider_id: int, community_id: int, division_code: str | None, *,
                  now: datetime) -> RiderPass | None:
    """The rider's pass that holds at the compound ``community_id`` (in division
    ``division_code``): ``best_pass`` of those covering it."""
    return best_pass(covering_passes(session, rider_id, community_id, division_code), now)


def request_pass(session: Session, rider: RiderState, community: Community, *, now: datetime) -> RiderPass:
    """Ask for a pass at ``community`` under its policy: active at once for ``auto`` or
    for a rider vouched for by a platform the office auto-approves, else pending. A
    rejected request may be made again, and a vouched grant replaces what
    ``app.riders.vouched.replaceable`` allows; any other existing pass for the same scope
    is returned unchanged. Flushes, in a savepoint: when a second
    tap's same request wins the race, its pass is returned and nothing else is undone."""
    policy, office = policy_for(session, community)
    vouched = vouched_for(session, rider, office, now=now)
    scope, value = passes.scope_key(policy.scope, community_id=community.id,
                                    division_code=community.division_code)
    existing = session.scalar(select(RiderPass).where(RiderPass.rider_id == rider.id,
                                                      RiderPass.scope == scope,
                                                      RiderPass.scope_value == value))
    if existing is not None and existing.status != "rejected" and not (
            vouched and replaceable(existing, now)):
        return existing
    row = existing or RiderPass(rider_id=rider.id, scope=scope, scope_value=value)
    row.community_id, row.office_id = community.id, office.id if office else None
    row.requested_at, row.renewal_requested_at, row.note = now, None, None
    if vouched is not None:
        grant(session, row, vouched, validity_days=policy.validity_days, now=now)
    elif policy.approval == "auto":
        row.status, row.decided_at, row.decided_by = "active", now, "auto"
        row.valid_from = now
        row.valid_until = passes.extended_until(None, now, policy.validity_days)
    else:
        row.status, row.decided_at, row.decided_by = "pending", None, None
        row.valid_from = row.valid_until = None
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same request from a second tap won the race
        return session.scalars(select(RiderPass).where(RiderPass.rider_id == rider.id,
                                                       RiderPass.scope == scope,
                                                       RiderPass.scope_value == value)).one()
    return row


def _policy_of_pass(session: Session, rider_pass: RiderPass) -> passes.Policy:
    community = session.get(Community, rider_pass.community_id) if rider_pass.community_id else None
    if community is None:
        return passes.Policy("approval")
    return policy_for(session, community)[0]


def renew_pass(session: Session, rider_pass: RiderPass, *, now: datetime) -> RiderPass:
    """Renew an active pass near or past its end: extended at once under ``auto``, else
    marked for the office to approve. Flushes."""
    if not passes.renewable(rider_pass.status, rider_pass.valid_until, now):
        days = settings.PASS_RENEW_WINDOW_DAYS
        raise InvalidInput(f"只有有效的通行证才能续期，且须在到期前{days}天内",
                           f"only an active pass within {days} days of its end can be renewed",
                           details={"reason": "not_renewable"})
    policy = _policy_of_pass(session, rider_pass)
    if policy.approval == "auto":
        rider_pass.valid_until = passes.extended_until(rider_pass.valid_until, now,
                                                       policy.validity_days)
        rider_pass.decided_at, rider_pass.decided_by = now, "auto"
    else:
        rider_pass.renewal_requested_at = now
    session.flush()
    return rider_pass


def decide_pass(session: Session, rider_pass: RiderPass, action: str, *, actor: str,
                user_id: int | None, note: str | None, now: datetime) -> RiderPass:
    """An office decision: approve (a request, a suspended pass or a renewal), reject,
    suspend or revoke. Audited; flushes."""
    target = passes.next_status(rider_pass.status, action,
                                renewal_requested=rider_pass.renewal_requested_at is not None)
    before = _decision_view(rider_pass)
    days = _policy_of_pass(session, rider_pass).validity_days
    if action == "approve" and (rider_pass.status == "pending"
                                or rider_pass.renewal_requested_at is not None):
        rider_pass.valid_from = rider_pass.valid_from or now
        rider_pass.valid_until = passes.extended_until(rider_pass.valid_until, now, days)
        rider_pass.renewal_requested_at = None
    rider_pass.status, rider_pass.decided_at, rider_pass.decided_by = target, now, actor
    rider_pass.note = (note or "").strip()[:200] or None
    record(session, actor=actor, action=f"pass_{action}", table="rider_passes",
           feature_id=rider_pass.id, before=before, after=_decision_view(rider_pass),
           user_id=user_id, note=rider_pass.note)
    session.flush()
    return rider_pass


def _decision_view(rider_pass: RiderPass) -> dict[str, Any]:
    """What the audit log keeps of a pass: no personal data."""
    until = rider_pass.valid_until
    return {"status": rider_pass.status, "valid_until": until.isoformat() if until else None}


# -- a rider's own data --------------------------------------------------------------------


def rider_profile(rider: Rider) -> dict[str, Any]:
    """The rider's registration in clear, the phone masked: what the rider's own pages
    and the office's pass list and entry log show (``plate`` is None without one)."""
    crypt = personal_data()
    vouched = f"{platform(rider.platform).zh}担保" if rider.attestation_id is not None else None
    return {
        "name": crypt.decrypt(rider.name_enc) or vouched,
        "phone": mask_phone(crypt.decrypt(rider.phone_enc)) or vouched,
        "platform": platform(rider.platform).zh,
        "platform_rider_id": crypt.decrypt(rider.platform_rider_id_enc),
        "plate": crypt.decrypt(rider.plate_enc) if rider.plate_enc else None,
    }


def rider_export(session: Session, rider: Rider, *, now: datetime) -> dict[str, Any]:
    """Everything stored about ``rider``, decrypted, for download by the rider."""
    events = session.scalars(select(EntryEvent).where(EntryEvent.rider_id == rider.id)
                             .order_by(EntryEvent.at)).all()
    return {
        "rider": {**rider_profile(rider), "registered_at": rider.created_at.isoformat()},
        "devices": [{"id": d.id, "label": d.label, "added_at": d.created_at.isoformat()}
                    for d in rider.devices],
        "passes": [{"id": p.id, "scope": p.scope, "scope_value": p.scope_value,
                    "state": passes.state(p.status, p.valid_until, now),
                    "valid_until": p.valid_until.isoformat() if p.valid_until else None}
                   for p in rider.passes],
        "entries": [{"at": e.at.isoformat(), "direction": e.direction, "gate_id": e.gate_id,
                     "community_id": e.community_id, "unit_id": e.unit_id} for e in events],
    }


def delete_rider(session: Session, rider: Rider) -> None:
    """Delete the rider and everything about them: devices, passes, phone codes and
    entry log rows."""
    session.execute(delete(EntryEvent).where(EntryEvent.rider_id == rider.id))
    session.execute(delete(PhoneVerification)
                    .where(PhoneVerification.phone_digest == rider.phone_digest))
    session.delete(rider)
    session.flush()


def check_pass_scope(actor: Actor, rider_pass: RiderPass, community: Community | None) -> None:
    """Raise ``Forbidden`` unless ``actor`` may decide on ``rider_pass``: an admin, the
    office the pass was sent to, or an office whose scope holds the compound."""
    office_id = actor.user.office_id if actor.user else None
    if actor.is_admin or (office_id is not None and rider_pass.office_id == office_id):
        return
    if community is not None and in_scope(actor, community):
        return
    raise Forbidden("这张通行证不归您的社区管理", "this pass is not your office's to decide")


# -- retention -------------------------------------------------------------------------------


def purge(session: Session, *, now: datetime, retention_days: int,
          dry_run: bool = False) -> dict[str, int]:
    """Delete entry log rows older than ``retention_days`` and phone codes past their
    lifetime; returns the counts (nothing is deleted when ``dry_run``)."""
    if retention_days < 1:
        raise InvalidInput("保留天数至少为1天", "retention must be at least 1 day",
                           details={"field": "days"})
    old_events = EntryEvent.at < now - timedelta(days=retention_days)
    old_codes = PhoneVerification.expires_at < now
    counts = {"entry_events": session.scalar(select(func.count()).where(old_events)) or 0,
              "phone_codes": session.scalar(select(func.count()).where(old_codes)) or 0}
    if not dry_run:
        session.execute(delete(EntryEvent).where(old_events))
        session.execute(delete(PhoneVerification).where(old_codes))
    return counts
