"""The append-only points ledger (积分流水) and each rider's balance row.

Every change of a balance is one ``PointEntry`` plus the same change to the rider's
``PointAccount`` in the same unit of work, with an audit entry. A spend locks the
account row (``SELECT … FOR UPDATE``; SQLite has one writer at a time anyway), checks
the balance, and decrements it in SQL; the ``balance >= 0`` check constraint is the
last line. Entries are never changed: an office cancels one with a reversing entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import record
from app.models import PointAccount, PointEntry
from geo.errors import Forbidden, InvalidInput, NotFound

REASON_ZH = {"report_accepted": "报告被受理", "report_resolved": "报告已解决",
             "volunteer": "志愿服务", "office_action": "社区认定的行动",
             "redeem": "兑换奖品", "reversal": "冲正"}


@dataclass(frozen=True)
class Source:
    """Why an entry is made and where it comes from (one of the ids, or none)."""

    reason: str
    actor: str
    office_id: int | None = None
    report_id: int | None = None
    activity_id: int | None = None
    redemption_id: int | None = None
    note: str | None = None


def balance(session: Session, rider_id: int) -> int:
    """The rider's balance in points (0 without an account)."""
    return session.scalar(select(PointAccount.balance).where(
        PointAccount.rider_id == rider_id)) or 0


def ledger_sum(session: Session, rider_id: int) -> int:
    """The sum of the rider's entries, points (equal to ``balance``)."""
    return session.scalar(select(func.coalesce(func.sum(PointEntry.amount), 0)).where(
        PointEntry.rider_id == rider_id)) or 0


def history(session: Session, rider_id: int) -> list[PointEntry]:
    """The rider's entries, newest first."""
    return list(session.scalars(select(PointEntry).where(PointEntry.rider_id == rider_id)
                                .order_by(PointEntry.id.desc())))


def locked_account(session: Session, rider_id: int) -> PointAccount:
    """The rider's account row, created at 0 when missing, locked until the transaction
    ends (``FOR UPDATE``)."""
    query = (select(PointAccount).where(PointAccount.rider_id == rider_id).with_for_update()
             .execution_options(populate_existing=True))
    account = session.scalar(query)
    if account is None:
        try:
            with session.begin_nested():
                session.add(PointAccount(rider_id=rider_id, balance=0))
        except IntegrityError:  # another transaction made it first
            pass
        account = session.scalars(query).one()
    return account


def _book(session: Session, rider_id: int, amount: int, source: Source,
          *, reverses_id: int | None = None) -> PointEntry:
    """Add ``amount`` (signed) to the locked account and the ledger, audited."""
    account = locked_account(session, rider_id)
    if account.balance + amount < 0:
        raise InvalidInput(f"积分不足：余额 {account.balance}，需要 {-amount}",
                           f"not enough points: balance {account.balance}, needs {-amount}",
                           details={"field": "points", "balance": account.balance})
    session.execute(update(PointAccount).where(PointAccount.rider_id == rider_id)
                    .values(balance=PointAccount.balance + amount))
    session.expire(account, ["balance"])
    entry = PointEntry(rider_id=rider_id, amount=amount, reason=source.reason,
                       note=source.note, actor=source.actor, office_id=source.office_id,
                       report_id=source.report_id, activity_id=source.activity_id,
                       redemption_id=source.redemption_id, reverses_id=reverses_id)
    session.add(entry)
    session.flush()
    record(session, actor=source.actor, action="points", table="point_entries",
           feature_id=entry.id, after={"rider_id": rider_id, "amount": amount,
                                       "reason": source.reason, "reverses": reverses_id})
    return entry


def earn(session: Session, rider_id: int, amount: int, source: Source) -> PointEntry:
    """Credit ``amount`` (> 0) points to the rider."""
    if amount <= 0:
        msg = f"earn needs a positive amount, got {amount}"
        raise ValueError(msg)
    return _book(session, rider_id, amount, source)


def spend(session: Session, rider_id: int, amount: int, source: Source) -> PointEntry:
    """Debit ``amount`` (> 0) points; ``InvalidInput`` when the balance is short."""
    if amount <= 0:
        msg = f"spend needs a positive amount, got {amount}"
        raise ValueError(msg)
    return _book(session, rider_id, -amount, source)


def reverse(session: Session, entry_id: int, *, actor: str, office_id: int | None,
            note: str | None) -> PointEntry:
    """A reversing entry cancelling entry ``entry_id`` (made by ``office_id``'s office,
    or any for an admin when ``office_id`` is None). Refused for an entry already
    reversed, a reversal, or when the balance cannot cover it."""
    entry = session.get(PointEntry, entry_id)
    if entry is None:
        raise NotFound(f"找不到编号为 {entry_id} 的积分记录", f"point entry {entry_id} not found")
    if office_id is not None and entry.office_id != office_id:
        raise Forbidden("只能冲正本社区记的积分", "only your office's entries can be reversed")
    taken = session.scalar(select(PointEntry.id).where(PointEntry.reverses_id == entry_id))
    if entry.reverses_id is not None or taken is not None:
        raise InvalidInput("这条积分记录已经冲正过，或本身就是冲正记录",
                           "this entry is already reversed or is a reversal",
                           details={"field": "entry"})
    return _book(session, entry.rider_id, -entry.amount,
                 Source("reversal", actor, office_id=entry.office_id, report_id=entry.report_id,
                        activity_id=entry.activity_id, redemption_id=entry.redemption_id,
                        note=note),
                 reverses_id=entry.id)
