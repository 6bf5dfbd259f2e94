"""The entry log as an office reads it: entries and exits with filters (local date, gate,
platform), entries per hour, riders still inside at a time, CSV with masked phones.

Every query is limited to the compounds the office user may see (``scope_clause``).
Dates and hours are local (``LOCAL_TIMEZONE``); stored times are UTC.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from app.accounts.auth import Actor, scope_clause
from app.models import Community, EntryEvent, Gate, Rider, Unit
from app.riders.checkin import unit_labels
from app.riders.service import rider_profile
from geo.address.codes import gate_label
from geo.hours.opening_hours import timezone
from geo.riders.platforms import platform

DIRECTION_ZH = {"in": "进", "out": "出"}
CSV_HEADER = ("时间", "方向", "小区", "出入口", "平台", "姓名", "手机号", "平台骑手编号",
              "电动车牌号", "目的地")
# A CSV cell starting with one of these is prefixed with ' so spreadsheets do not run it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class LogFilter:
    """Which events: one local ``day``, optionally one gate and one platform key."""

    day: date
    gate_id: int | None = None
    platform: str | None = None


@dataclass(frozen=True)
class LogRow:
    """One event as the office sees it (phone masked)."""

    id: int
    at: datetime
    direction: str
    community: str
    gate: str
    platform: str
    name: str
    phone: str
    platform_rider_id: str
    plate: str
    unit: str


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends at."""
    start = datetime.combine(day, time(0), tzinfo=timezone())
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _events(actor: Actor, filters: LogFilter) -> Select:
    start, end = day_bounds(filters.day)
    query = (select(EntryEvent).join(Community, EntryEvent.community_id == Community.id)
             .where(scope_clause(actor), EntryEvent.at >= start, EntryEvent.at < end))
    if filters.gate_id is not None:
        query = query.where(EntryEvent.gate_id == filters.gate_id)
    if filters.platform:
        query = query.where(EntryEvent.platform == filters.platform)
    return query


def log_rows(session: Session, actor: Actor, filters: LogFilter, *,
             limit: int | None = None) -> list[LogRow]:
    """The day's events, newest first (at most ``limit``)."""
    query = _events(actor, filters).order_by(EntryEvent.at.desc(), EntryEvent.id.desc())
    return _rows(session, session.scalars(query.limit(limit)).all())


def _rows(session: Session, events: Iterable[EntryEvent]) -> list[LogRow]:
    events = list(events)
    riders = _by_id(session, Rider, {e.rider_id for e in events})
    gates = _by_id(session, Gate, {e.gate_id for e in events})
    communities = _by_id(session, Community, {e.community_id for e in events})
    unit_ids = {e.unit_id for e in events if e.unit_id}
    units = unit_labels(session, Unit.id.in_(unit_ids)) if unit_ids else {}
    people = {rid: rider_profile(r) for rid, r in riders.items()}
    rows = []
    for e in events:
        gate, community = gates.get(e.gate_id), communities.get(e.community_id)
        person = people[e.rider_id]
        rows.append(LogRow(
            id=e.id, at=e.at, direction=e.direction,
            community=community.name if community else "", platform=platform(e.platform).zh,
            gate=gate_label(gate.number, gate.name) if gate else "（已删除的出入口）",
            name=person["name"], phone=person["phone"],
            platform_rider_id=person["platform_rider_id"], plate=person["plate"] or "",
            unit=units.get(e.unit_id, "") if e.unit_id else ""))
    return rows


def _by_id(session: Session, model: type, ids: set[int | None]) -> dict:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}


def entries_per_hour(session: Session, actor: Actor, filters: LogFilter) -> list[int]:
    """Entries (``in``) in each local hour 0–23 of the day."""
    query = _events(actor, filters).where(EntryEvent.direction == "in")
    counts = [0] * 24
    for (at,) in session.execute(query.with_only_columns(EntryEvent.at)):
        counts[at.astimezone(timezone()).hour] += 1
    return counts


def riders_inside(session: Session, actor: Actor, at: datetime) -> list[LogRow]:
    """Riders whose last event at or before ``at`` is an entry into a compound in scope:
    still inside at that time (their entry rows, oldest first)."""
    last = (select(EntryEvent.rider_id, func.max(EntryEvent.seq).label("seq"))
            .where(EntryEvent.at <= at).group_by(EntryEvent.rider_id).subquery())
    query = (select(EntryEvent)
             .join(last, and_(EntryEvent.rider_id == last.c.rider_id,
                              EntryEvent.seq == last.c.seq))
             .join(Community, EntryEvent.community_id == Community.id)
             .where(EntryEvent.direction == "in", scope_clause(actor))
             .order_by(EntryEvent.at))
    return _rows(session, session.scalars(query).all())


def gates_in_scope(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(gate id, "小区 · 北门(1号门)") of the gates the office may filter by."""
    rows = session.execute(select(Gate.id, Gate.number, Gate.name, Community.name)
                           .join(Community, Gate.community_id == Community.id)
                           .where(scope_clause(actor)).order_by(Community.name, Gate.id))
    return [(gid, f"{cname} · {gate_label(number, name)}") for gid, number, name, cname in rows]


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_lines(rows: Iterable[LogRow]) -> Iterator[str]:
    """The rows as CSV text (UTF-8 with BOM for spreadsheets), header first; phones
    masked, cells that look like formulas defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        local = row.at.astimezone(timezone()).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow([_cell(v) for v in (
            local, DIRECTION_ZH[row.direction], row.community, row.gate, row.platform,
            row.name, row.phone, row.platform_rider_id, row.plate, row.unit)])
        yield buffer.getvalue()
