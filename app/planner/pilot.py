"""Pilot progress from the database: each compound's checklist (geo/planning/pilot.py),
the offices' ticks (authorised, audited), the counts per committee, street and district,
and a snapshot per week (``flask --app app pilot-snapshot``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.accounts.auth import Actor, in_scope
from app.models import Community, EntryEvent, Gate, PilotSnapshot, PilotTick, Report
from app.planner.coverage import LEVELS, Table, planner_table
from app.planner.savings import pilot_start, savings
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.hours.opening_hours import local_time
from geo.planning.pilot import PilotFacts, checklist, items_done, tally


def _counts(session: Session, query: Any) -> dict[int, int]:
    return {int(cid): int(n) for cid, n in session.execute(query) if cid is not None}


def pilot_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` of the planner table, each with ``items`` (item number → done)."""
    ids = [r["id"] for r in rows]
    open_gate = {c for c in session.scalars(
        select(Gate.community_id).where(Gate.rider_access == "open", Gate.community_id.in_(ids)))}
    reports = _counts(session, select(Report.community_id, func.count()).where(
        Report.community_id.in_(ids)).group_by(Report.community_id))
    new = _counts(session, select(Report.community_id, func.count()).where(
        Report.community_id.in_(ids), Report.status == "new").group_by(Report.community_id))
    since = local_time() - timedelta(days=checklist()["recent_days"])
    entries = _counts(session, select(EntryEvent.community_id, func.count()).where(
        EntryEvent.community_id.in_(ids), EntryEvent.at >= since).group_by(EntryEvent.community_id))
    ticks: dict[int, dict[str, bool]] = {}
    for tick in session.scalars(select(PilotTick).where(PilotTick.community_id.in_(ids))):
        ticks.setdefault(tick.community_id, {})[tick.item] = tick.done
    out = []
    for r in rows:
        facts = PilotFacts(rider_gate=r["id"] in open_gate, times=r["times"],
                           reports=reports.get(r["id"], 0),
                           reports_new=new.get(r["id"], 0), recent_entries=entries.get(r["id"], 0),
                           ticks=ticks.get(r["id"], {}))
        out.append({**r, "items": items_done(facts)})
    return out


def parse_since(text: str | None) -> date | None:
    """The pilot's start from a ``since`` argument (YYYY-MM-DD); None when not given."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"since“{text}”应为日期，如 2025-05-01",
                           f"since {text!r} must be a date such as 2025-05-01") from None


def progress(session: Session, *, level: str | None, code: str | None,
             at: str | None = None, since: date | None = None) -> dict[str, Any]:
    """The checklist of every compound of a division, per committee, street and district
    the compounds done per item, and the minutes saved per delivery before and from
    ``since`` (default: the pilot's start, ``pilot_start``)."""
    table = planner_table(session, at=at)
    rows = pilot_rows(session, table, table.select(level=level, code=code))
    done = {r["id"]: r["items"] for r in rows}
    groups = {}
    for name in LEVELS:
        counts = tally(done, {r["id"]: r[name] for r in rows})
        groups[name] = {group: {"name": table.names.get(group, group),
                                "items": {item: {"done": d, "total": t} for item, (d, t) in items.items()}}
                        for group, items in counts.items()}
    saved = savings(session, rows, since=since or pilot_start(session, code), levels=tuple(LEVELS))
    return {"at": table.at.isoformat(), "items": checklist()["items"], "compounds": rows,
            "groups": groups, "title": table.names.get(code or "", "全部小区"), "savings": saved,
            "division_savings": saved[level].get(code) if level and code else None}


def tick(session: Session, actor: Actor, *, community_id: int, item: str, done: bool) -> dict[str, Any]:
    """Record an office's answer to an item the data cannot know; audited."""
    offices = {spec["item"] for spec in checklist()["items"] if spec["source"] == "office"}
    if item not in offices:
        raise InvalidInput(f"清单项“{item}”不能手动勾选，可勾选：{'、'.join(sorted(offices))}",
                           f"item {item!r} cannot be ticked; offices tick {', '.join(sorted(offices))}")
    community = session.get(Community, community_id)
    if community is None:
        raise NotFound(f"找不到小区 {community_id}", f"no compound {community_id}")
    if not in_scope(actor, community):
        raise Forbidden("这个小区不归你的办公室管理", "this compound is not your office's")
    row = session.scalar(select(PilotTick).where(PilotTick.community_id == community_id,
                                                 PilotTick.item == item))
    before = {"done": row.done} if row is not None else None
    if row is None:
        row = PilotTick(community_id=community_id, item=item, done=done, actor=actor.name)
        session.add(row)
    row.done, row.actor = done, actor.name
    session.flush()
    audit.record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
                 action="pilot_tick", table="pilot_ticks", feature_id=row.id, before=before,
                 after={"community_id": community_id, "item": item, "done": done})
    session.commit()
    return {"community_id": community_id, "item": item, "done": done}


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def take_snapshot(session: Session, *, week: date | None = None) -> int:
    """Store this week's counts per division and item (again: replaced); returns rows."""
    monday = week_of(week or local_time().date())
    table = planner_table(session)
    rows = pilot_rows(session, table, table.rows)
    done = {r["id"]: r["items"] for r in rows}
    session.query(PilotSnapshot).filter(PilotSnapshot.week == monday).delete()
    n = 0
    for name in LEVELS:
        for group, items in tally(done, {r["id"]: r[name] for r in rows}).items():
            for item, (d, t) in items.items():
                session.add(PilotSnapshot(week=monday, code=group, item=item, done=d, total=t))
                n += 1
    session.commit()
    return n


def history(session: Session, code: str) -> dict[date, dict[str, tuple[int, int]]]:
    """The weekly snapshots of a division: week → item → (done, total)."""
    out: dict[date, dict[str, tuple[int, int]]] = {}
    for s in session.scalars(select(PilotSnapshot).where(PilotSnapshot.code == code)
                             .order_by(PilotSnapshot.week)):
        out.setdefault(s.week, {})[s.item] = (s.done, s.total)
    return out
