"""Riders vouched for by their platform (平台担保骑手) at the gate.

A platform attests a rider (``app.platforms.attestations``) and hands them a sign-in
link once (一次授权): opening it on the phone enrols a rider row tied to the attestation
and gives the phone its device credential, with no SMS. An office that auto-approves
riders vouched for by that platform (``PassPolicy.vouched_platforms``) grants such a
rider an active pass at their first tap (no waiting), lasting no longer than the
attestation (定期有效). When the platform revokes the attestation, the passes it
granted end with it and the next scan says why.

Times are aware UTC datetimes. Functions flush at most; the request commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.accounts.offices import office_for
from app.audit import record
from app.models import Attestation, Community, Office, PassPolicy, Rider, RiderPass
from app.riders.privacy import personal_data
from app.riders.state import PassState, RiderState
from geo import settings
from geo.errors import Forbidden
from geo.riders import passes
from geo.riders.platforms import platform

GRANTED_BY = "platform:"  # ``decided_by`` of a pass granted on a platform's attestation
_LINK_SALT = "youlu-vouched-link"
# Pass states a vouched grant replaces; suspended and office-revoked passes stay.
_REPLACEABLE = (None, "pending", "rejected", "expired")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def is_current(attestation: Attestation, now: datetime) -> bool:
    """Whether ``attestation`` is neither revoked nor expired at ``now``."""
    return attestation.revoked_at is None and _utc(attestation.expires_at) > now


def vouched_for(session: Session, rider: RiderState, office: Office | None, *,
                now: datetime) -> Attestation | None:
    """The rider's current attestation when ``office`` auto-approves riders vouched for
    by its platform; None otherwise (and at once for a rider who enrolled by SMS)."""
    if rider.attestation_id is None or office is None:
        return None
    attestation = session.get(Attestation, rider.attestation_id)
    if attestation is None or not is_current(attestation, now):
        return None
    policy = session.scalar(select(PassPolicy).where(PassPolicy.office_id == office.id))
    return attestation if policy and attestation.platform in (policy.vouched_platforms or []) \
        else None


def replaceable(rider_pass: PassState | None, now: datetime) -> bool:
    """Whether a vouched grant may take the place of ``rider_pass`` (None: no pass)."""
    if rider_pass is None:
        return True
    state = passes.state(rider_pass.status, rider_pass.valid_until, now)
    return state in _REPLACEABLE or (state == "revoked"
                                     and (rider_pass.decided_by or "").startswith(GRANTED_BY))


def grant(session: Session, rider_pass: RiderPass, attestation: Attestation, *,
          validity_days: int, now: datetime) -> None:
    """Make ``rider_pass`` active now, until the office's validity or the attestation's
    expiry, whichever comes first (the caller adds and flushes it)."""
    rider_pass.status, rider_pass.decided_at = "active", now
    rider_pass.decided_by = GRANTED_BY + attestation.platform
    rider_pass.valid_from = now
    rider_pass.valid_until = min(passes.extended_until(None, now, validity_days),
                                 _utc(attestation.expires_at))
    rider_pass.renewal_requested_at = rider_pass.note = None


def entry_refusal(session: Session, rider: RiderState, community_id: int,
                  rider_pass: PassState | None, state: str | None, *,
                  now: datetime) -> Forbidden | None:
    """Why ``rider`` may not enter compound ``community_id`` with ``rider_pass`` (in
    ``state``), or None: a vouched rider whose office auto-approves their platform
    enters with one tap; one whose attestation ended is told so and what to do."""
    if state == "active" or rider.attestation_id is None:
        return passes.refusal(state)
    attestation = session.get(Attestation, rider.attestation_id)
    if attestation is not None and is_current(attestation, now):
        community = session.get(Community, community_id)
        office = office_for(session, community) if community is not None else None
        if replaceable(rider_pass, now) and vouched_for(session, rider, office, now=now):
            return None
        return passes.refusal(state)
    name = platform(rider.platform).zh
    return Forbidden(f"{name}已撤销对您的担保或担保已到期，凭担保取得的通行证随之失效。"
                     f"请在{name}骑手端重新获取担保，或联系社区申请通行证",
                     f"{rider.platform} no longer vouches for you (revoked or expired): "
                     "the pass it gave ended", details={"reason": "vouch_ended"})


def end_passes(session: Session, attestation: Attestation, *, actor: str, now: datetime) -> int:
    """End the active passes granted on ``attestation`` (it was revoked); each is
    audited. Returns how many ended."""
    rider_id = session.scalar(select(Rider.id).where(Rider.attestation_id == attestation.id))
    if rider_id is None:
        return 0
    ended = list(session.scalars(select(RiderPass).where(
        RiderPass.rider_id == rider_id, RiderPass.status == "active",
        RiderPass.decided_by == GRANTED_BY + attestation.platform)))
    if ended:
        session.execute(update(RiderPass).where(RiderPass.id.in_([p.id for p in ended]))
                        .values(status="revoked", decided_at=now, note="平台撤销担保"))
    for rider_pass in ended:
        record(session, actor=actor, action="pass_revoke", table="rider_passes",
               feature_id=rider_pass.id, before={"status": "active"},
               after={"status": "revoked"}, note="平台撤销担保")
    session.expire_all()
    return len(ended)


# -- the sign-in link ---------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_LINK_SALT)


def link_token(attestation: Attestation, *, now: datetime) -> str:
    """The signed part of a sign-in link for ``attestation`` issued at ``now``: good for
    ``VOUCH_LINK_TTL_S`` seconds and for one phone."""
    return _serializer().dumps({"a": attestation.id, "t": now.timestamp()})


def read_link(session: Session, token: str, *, now: datetime) -> tuple[Attestation, datetime]:
    """The current attestation a sign-in link stands for, and when the link was issued;
    ``Forbidden`` for a forged, out-of-date or used link and for a revoked or expired
    attestation."""
    try:
        found = _serializer().loads(token, max_age=settings.VOUCH_LINK_TTL_S)
    except SignatureExpired:
        raise Forbidden("此登录链接已过期，请在平台骑手端重新打开", "the sign-in link has expired",
                        details={"reason": "link_expired"}) from None
    except BadSignature:
        raise Forbidden("此登录链接无效（被篡改或不完整），请在平台骑手端重新打开",
                        "the sign-in link is not genuine", details={"reason": "link_forged"}) from None
    attestation = session.get(Attestation, found.get("a")) if isinstance(found, dict) else None
    if attestation is None or not is_current(attestation, now):
        raise Forbidden("平台对您的担保已撤销或已到期，请联系平台", "the attestation was revoked or "
                        "has expired", details={"reason": "vouch_ended"})
    issued = datetime.fromtimestamp(float(found.get("t") or 0), UTC)
    if attestation.enrolled_at is not None and _utc(attestation.enrolled_at) >= issued:
        raise Forbidden("此登录链接已使用过，请在平台骑手端重新打开", "the sign-in link was used",
                        details={"reason": "link_used"})
    return attestation, issued


def enrol(session: Session, attestation: Attestation, *, issued: datetime,
          now: datetime) -> Rider:
    """Use up the sign-in link issued at ``issued`` (a compare-and-set: of two phones
    opening one link, one gets in) and return the rider row of ``attestation``, created
    at the first sign-in. It holds the platform's rider id, no phone or name (the
    platform vouches for them). Flushes."""
    used = session.execute(update(Attestation).where(
        Attestation.id == attestation.id,
        or_(Attestation.enrolled_at.is_(None), Attestation.enrolled_at < issued))
        .values(enrolled_at=now).execution_options(synchronize_session=False))
    session.expire(attestation)
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise Forbidden("此登录链接已使用过，请在平台骑手端重新打开", "the sign-in link was used",
                        details={"reason": "link_used"})
    rider = session.scalar(select(Rider).where(Rider.attestation_id == attestation.id))
    if rider is None:
        crypt = personal_data()
        rider = Rider(phone_digest=crypt.digest("vouched", f"{attestation.platform}:"
                                                           f"{attestation.rider_ref}"),
                      phone_enc=crypt.encrypt(""), name_enc=crypt.encrypt(""),
                      platform=attestation.platform, tap_seq=0,
                      platform_rider_id_enc=crypt.encrypt(attestation.rider_ref),
                      attestation_id=attestation.id)
        session.add(rider)
        session.flush()
    return rider
