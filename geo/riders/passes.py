"""Rider passes (骑手通行证): "一次授权、规范管理、定期有效" as plain rules.

A pass belongs to one rider and covers a scope: one compound (``community``), every
compound of a residents' committee (``committee``, 12-digit code) or of a street
(``street``, 9-digit code). An office's policy says whether passes start at once
(``auto``) or wait for its approval (``approval``), and for how many days they hold.

Stored status is ``pending``, ``active``, ``rejected``, ``suspended`` or ``revoked``; an
active pass past its end date is shown as ``expired``. Times are aware datetimes (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from geo import settings
from geo.errors import Forbidden, InvalidInput

APPROVAL_MODES = ("auto", "approval")
SCOPES = ("community", "committee", "street")
STATUSES = ("pending", "active", "rejected", "suspended", "revoked")
STATES = (*STATUSES, "expired")
COMMITTEE_DIGITS = 12
STREET_DIGITS = 9
UNSET_COMMITTEE = "000"

STATE_ZH = {
    "pending": "待审核", "active": "有效", "rejected": "未通过", "suspended": "已暂停",
    "revoked": "已吊销", "expired": "已过期",
}
SCOPE_ZH = {"community": "本小区", "committee": "本社区所有小区", "street": "本街道所有小区"}
APPROVAL_ZH = {"auto": "自动通过", "approval": "社区审核"}

# Office decisions: the statuses each may start from, and where it leads.
ACTIONS = {
    "approve": (("pending", "suspended", "active"), "active"),
    "reject": (("pending",), "rejected"),
    "suspend": (("active",), "suspended"),
    "revoke": (("active", "suspended"), "revoked"),  # a request not yet granted is rejected
}
ACTION_ZH = {"approve": "批准", "reject": "拒绝", "suspend": "暂停", "revoke": "吊销"}

# Why a rider may not check in with a pass, by state: (zh, en).
REFUSALS = {
    None: ("您还没有适用于此小区的通行证，请先申请",
           "you have no pass for this compound; apply first"),
    "pending": ("您的通行证正在等待社区审核，审核通过后即可签到",
                "your pass is waiting for the office's approval"),
    "rejected": ("您的通行证申请未通过，请联系社区", "your pass application was rejected"),
    "suspended": ("您的通行证已被社区暂停，请联系社区", "your pass is suspended by the office"),
    "revoked": ("您的通行证已被吊销，不能签到", "your pass has been revoked"),
    "expired": ("您的通行证已过期，请续期后再签到", "your pass has expired; renew it first"),
}


@dataclass(frozen=True)
class Policy:
    """How an office issues passes: ``approval`` mode, validity in days, scope."""

    approval: str = "auto"
    validity_days: int = 90
    scope: str = "community"


def check_policy(approval: str, validity_days: int, scope: str) -> Policy:
    """A valid ``Policy``; ``InvalidInput`` (zh/en) naming the wrong field."""
    if approval not in APPROVAL_MODES:
        raise InvalidInput(f"审核方式“{approval}”无效：可选 auto（自动）或 approval（审核）",
                           f"approval {approval!r}: use auto or approval",
                           details={"field": "approval"})
    if scope not in SCOPES:
        raise InvalidInput(f"适用范围“{scope}”无效：可选 community、committee、street",
                           f"scope {scope!r}: use community, committee or street",
                           details={"field": "scope"})
    if not 1 <= validity_days <= settings.PASS_MAX_VALIDITY_DAYS:
        raise InvalidInput(f"有效天数应在1到{settings.PASS_MAX_VALIDITY_DAYS}之间",
                           f"validity must be 1 to {settings.PASS_MAX_VALIDITY_DAYS} days",
                           details={"field": "validity_days"})
    return Policy(approval, validity_days, scope)


def scope_key(scope: str, *, community_id: int, division_code: str | None) -> tuple[str, str]:
    """(scope, value) of a pass asked for at a compound under ``scope``.

    A compound known only to its street (or to no division) cannot take a committee-
    or street-wide pass it does not belong to: the pass narrows to what is known.
    """
    code = division_code or ""
    if scope == "street" and len(code) >= STREET_DIGITS:
        return "street", code[:STREET_DIGITS]
    if (scope in ("committee", "street") and len(code) == COMMITTEE_DIGITS
            and not code.endswith(UNSET_COMMITTEE)):
        return "committee", code
    return "community", str(community_id)


def covers(scope: str, value: str, *, community_id: int, division_code: str | None) -> bool:
    """Whether a pass of (``scope``, ``value``) is good at this compound."""
    code = division_code or ""
    if scope == "community":
        return value == str(community_id)
    if scope == "committee":
        return code == value
    return scope == "street" and code.startswith(value)


def state(status: str, valid_until: datetime | None, now: datetime) -> str:
    """The state shown and checked: the status, or ``expired`` for an active pass past
    ``valid_until``."""
    if status == "active" and (valid_until is None or valid_until <= now):
        return "expired"
    return status


def refusal(pass_state: str | None) -> Forbidden | None:
    """The error refusing check-in with a pass in ``pass_state`` (None: no pass), or
    None when the pass is good."""
    if pass_state == "active":
        return None
    zh, en = REFUSALS[pass_state]
    return Forbidden(zh, en, details={"reason": f"pass_{pass_state or 'missing'}"})


def renewable(status: str, valid_until: datetime | None, now: datetime) -> bool:
    """Whether the rider may renew now: an active pass within the renewal window of its
    end (or already past it)."""
    if status != "active" or valid_until is None:
        return False
    return valid_until - now <= timedelta(days=settings.PASS_RENEW_WINDOW_DAYS)


def extended_until(valid_until: datetime | None, now: datetime, days: int) -> datetime:
    """The new end of a pass renewed at ``now`` for ``days``: from its current end when
    that is still ahead (no days lost by renewing early), else from now."""
    start = valid_until if valid_until is not None and valid_until > now else now
    return start + timedelta(days=days)


def available_actions(status: str, *, renewal_requested: bool) -> tuple[str, ...]:
    """The office actions that apply to a pass in ``status``; approving an active pass
    means granting its renewal, so it needs a renewal request."""
    return tuple(action for action, (sources, _) in ACTIONS.items()
                 if status in sources
                 and not (action == "approve" and status == "active" and not renewal_requested))


def next_status(status: str, action: str, *, renewal_requested: bool = False) -> str:
    """The status after an office ``action``; ``InvalidInput`` when it does not apply."""
    if action not in ACTIONS:
        raise InvalidInput(f"操作“{action}”无效：可选 approve、reject、suspend、revoke",
                           f"action {action!r}: use approve, reject, suspend or revoke",
                           details={"field": "action"})
    if action not in available_actions(status, renewal_requested=renewal_requested):
        raise InvalidInput(
            f"状态为“{STATE_ZH[status]}”的通行证不能{ACTION_ZH[action]}",
            f"a {status} pass cannot be given {action}",
            details={"field": "action", "status": status})
    return ACTIONS[action][1]
