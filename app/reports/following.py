"""Following a report: the reporter's secret link, their reports on the rider page with
what changed since they last looked, the timeline with the time in each state, and a
text message on a change when they agreed to one."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Report, ReportChange, Rider
from app.riders.privacy import personal_data
from app.riders.sms import send_text
from geo import reports
from geo.errors import NotFound

FOLLOW_SECRET_BYTES = 18


def new_follow_secret() -> tuple[str, str]:
    """A fresh follow secret for the link and the SHA-256 hex digest kept in the row."""
    secret = secrets.token_urlsafe(FOLLOW_SECRET_BYTES)
    return secret, follow_digest(secret)


def follow_digest(secret: str) -> str:
    """The digest a follow secret is stored and found under."""
    return hashlib.sha256(secret.encode()).hexdigest()


def report_by_secret(session: Session, secret: str) -> Report:
    """The report a follow link names; ``NotFound`` otherwise."""
    report = session.scalar(select(Report).where(Report.follow_digest == follow_digest(secret)))
    if report is None:
        raise NotFound("这个跟进链接无效", "unknown follow link")
    return report


@dataclass(frozen=True)
class Step:
    """One state of a report's timeline: since when, for how long, the public note."""

    status: str
    since: datetime
    seconds: float
    note: str | None

    @property
    def status_zh(self) -> str:
        return reports.STATUS_ZH[self.status]

    @property
    def duration_zh(self) -> str:
        return reports.duration_zh(self.seconds)


def timeline(session: Session, report: Report, *, now: datetime) -> list[Step]:
    """The states ``report`` went through, oldest first, with the time spent in each."""
    changes = list(session.scalars(select(ReportChange).where(ReportChange.report_id == report.id)
                                   .order_by(ReportChange.at, ReportChange.id)))
    spans = reports.time_in_states([(c.status, c.at) for c in changes], now=now)
    return [Step(status, since, seconds, change.note)
            for (status, since, seconds), change in zip(spans, changes, strict=True)]


def reports_of_rider(session: Session, rider_id: int) -> list[Report]:
    """A rider's reports, newest first."""
    return list(session.scalars(select(Report).where(Report.rider_id == rider_id)
                                .order_by(Report.id.desc())))


def unseen(report: Report) -> bool:
    """Whether the state changed since the reporter last looked."""
    return report.seen_status != report.status


def mark_seen(report: Report) -> None:
    """The reporter has now seen the current state."""
    report.seen_status = report.status


def notify_change(session: Session, report: Report) -> None:
    """Text the rider who filed ``report`` its new state, when they agreed to texts."""
    if not report.sms_opt_in or report.rider_id is None:
        return
    rider = session.get(Rider, report.rider_id)
    if rider is None:
        return
    note = f"：{report.office_note}" if report.office_note else ""
    send_text(personal_data().decrypt(rider.phone_enc),
              f"【友路】您的随手拍报告 {report.id}（{reports.KIND_ZH[report.kind]}）"
              f"已更新为“{reports.STATUS_ZH[report.status]}”{note}")
