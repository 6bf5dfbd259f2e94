"""The planner's table: every compound with its name, division, units, score, missing
items and coverage time per facility kind, and the shares per committee, street and
district (geo/planning/coverage.py does the searching).

The table is kept per database engine and time (to the hour) until the routing stamp
(places and facilities) changes: a new facility or a closed gate shows on the next
request.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import engine_key
from app.models import Building, Community, Division, Unit
from app.planner.friendliness import community_scores
from app.routing.places import places_stamp
from app.routing.service import networks
from geo.hours.opening_hours import local_time
from geo.planning.coverage import BANDS_MIN, band_shares, coverage_kinds, coverage_times
from geo.planning.friendliness import rules

# Division levels by the length of their code: committee (12), street (9), district (6).
LEVELS = {"committee": 12, "street": 9, "district": 6}
_CACHE_SIZE = 8
_cache: dict[tuple[Any, ...], Table] = {}
_lock = threading.Lock()


@dataclass
class Table:
    """The planner's table at one time: rows (one per compound) and division names."""

    at: datetime
    rows: list[dict[str, Any]]
    names: dict[str, str]

    def select(self, *, level: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
        """The rows of the division ``code`` at ``level`` (all when either is None)."""
        if not level or not code:
            return self.rows
        return [r for r in self.rows if r[level] == code]

    def shares(self, rows: list[dict[str, Any]], level: str) -> dict[str, Any]:
        """Per division of ``level`` among ``rows``, per kind: units and share within each band."""
        groups = {r["id"]: r[level] or "" for r in rows}
        units = {r["id"]: r["units"] for r in rows}
        out: dict[str, Any] = {}
        for kind in coverage_kinds():
            times = {r["id"]: r["times"][kind] if r["times"][kind] is not None else math.inf
                     for r in rows}
            for group, share in band_shares(times, units, groups).items():
                entry = out.setdefault(group, {"code": group, "name": self.names.get(group, "未划分"),
                                               "kinds": {}})
                entry["units"] = share["units"]
                entry["kinds"][kind] = {f"within_{b}": round(share[f"within_{b}"], 4)
                                        for b in BANDS_MIN}
        return out


def _division_of(code: str | None, level: str) -> str | None:
    length = LEVELS[level]
    if not code or len(code) < length:
        return None
    return code[:length]


def units_per_compound(session: Session) -> dict[int, int]:
    """Unit (单元) count of every compound by id."""
    rows = session.execute(
        select(Building.community_id, func.count(Unit.id)).join(Unit, Unit.building_id == Building.id)
        .group_by(Building.community_id))
    return {int(cid): int(n) for cid, n in rows if cid is not None}


def _seconds(t: float) -> float | None:
    return round(t, 1) if math.isfinite(t) else None


def _build(session: Session, when: datetime) -> Table:
    times: dict[str, dict[int, float]] = defaultdict(dict)
    for network in networks(session):
        snap = network.snapshot
        found = coverage_times(snap, coverage_kinds(), at=when)
        for kind, by_id in found.items():
            for cid, t in by_id.items():
                times[kind][cid] = min(t, times[kind].get(cid, math.inf))
    scores = community_scores(session)
    units = units_per_compound(session)
    parts = rules()["parts"]
    rows = []
    for c in session.scalars(select(Community).order_by(Community.id)):
        s = scores[c.id]
        rows.append({
            "id": c.id, "name": c.name, "code": c.code, "units": units.get(c.id, 0),
            "score": round(s.total), "grade": s.grade, "colour": s.colour,
            "missing": [parts[name]["zh"] for name, share in s.shares.items() if share < 1],
            **{level: _division_of(c.division_code, level) for level in LEVELS},
            "times": {kind: _seconds(times[kind].get(c.id, math.inf)) for kind in coverage_kinds()}})
    names = dict(session.execute(select(Division.code, Division.name)).all())
    return Table(at=when, rows=rows, names=names)


def planner_table(session: Session, *, at: datetime | str | None = None) -> Table:
    """The table at ``at`` (to the hour; default now), rebuilt when places or facilities
    change."""
    when = local_time(at).replace(minute=0, second=0, microsecond=0)
    bind = session.get_bind()
    key = (engine_key(bind), places_stamp(session),
           when.isoformat())
    with _lock:
        table = _cache.get(key)
        if table is None:
            table = _build(session, when)
            if len(_cache) >= _CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            _cache[key] = table
        return table


def planner_streets(session: Session) -> list[dict[str, str]]:
    """The streets (街道) that hold compounds: code and name, by code."""
    codes = {c[:LEVELS["street"]] for c in session.scalars(select(Community.division_code).distinct())
             if c and len(c) >= LEVELS["street"]}
    names = dict(session.execute(select(Division.code, Division.name)
                                 .where(Division.code.in_(codes))).all()) if codes else {}
    return [{"code": code, "name": names.get(code, code)} for code in sorted(codes)]
