"""Where the next facility should go, for the planner: the gaps of a division and the k
best sites among uploaded, drawn or street candidates (geo/planning/siting.py solves it),
with coverage before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.planner.coverage import planner_table, units_per_compound
from app.routing.service import networks
from geo.errors import InvalidInput, NotFound
from geo.planning.coverage import check_kind
from geo.planning.siting import site, street_candidates


def parse_candidates(raw: Any) -> list[tuple[float, float]] | None:
    """Candidate points from a GeoJSON FeatureCollection of Points (or a list of
    [lon, lat]); None when ``raw`` is empty (street points are used then)."""
    if raw in (None, "", []):
        return None
    if isinstance(raw, dict):
        if raw.get("type") != "FeatureCollection" or not isinstance(raw.get("features"), list):
            raise InvalidInput("候选点应为 GeoJSON FeatureCollection（点）",
                               "candidates must be a GeoJSON FeatureCollection of Points")
        geoms = [f.get("geometry") or {} for f in raw["features"] if isinstance(f, dict)]
        if len(geoms) != len(raw["features"]) or any(g.get("type") != "Point" for g in geoms):
            raise InvalidInput("候选点只能是点（Point）", "every candidate must be a Point")
        raw = [g.get("coordinates") for g in geoms]
    points = []
    for item in raw if isinstance(raw, list) else [None]:
        ok = isinstance(item, list | tuple) and len(item) >= 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in item[:2])
        if not ok or not (-180 <= item[0] <= 180 and -90 <= item[1] <= 90):  # type: ignore[index]
            raise InvalidInput(f"候选点坐标无效：{item!r}，应为 [经度, 纬度]",
                               f"invalid candidate {item!r}: use [lon, lat]")
        points.append((float(item[0]), float(item[1])))  # type: ignore[index]
    return points


def propose(session: Session, *, kind: str, minutes: float, k: int, level: str | None,
            code: str | None, candidates: list[tuple[float, float]] | None,
            at: str | None = None) -> dict[str, Any]:
    """The gaps of ``kind`` beyond ``minutes`` in the division ``code`` (at ``level``) and
    the ``k`` best new sites, with units covered before and after."""
    check_kind(kind)
    table = planner_table(session, at=at)
    rows = table.select(level=level, code=code)
    if not rows:
        raise NotFound(f"区划 {code} 中没有小区", f"no compounds in division {code}")
    among = {r["id"] for r in rows}
    loaded = networks(session)
    if not loaded:
        raise NotFound("没有载入的路网", "no street network is loaded")
    network = max(loaded, key=lambda n: len(among & set(n.snapshot.compound_index)))
    snap = network.snapshot
    limit = minutes * 60
    if candidates is None:
        gaps = [snap.compound_index[r["id"]] for r in rows if r["id"] in snap.compound_index
                and (r["times"][kind] is None or r["times"][kind] > limit)]
        candidates = street_candidates(snap, gaps)
    units = units_per_compound(session)
    result = site(network, kind, candidates, minutes=minutes, k=k, units=units, among=among,
                  at=table.at)

    def covered(times: dict[int, float]) -> float:
        return sum(max(units.get(c, 0), 1) for c in among if times.get(c, float("inf")) <= limit)

    total = sum(max(units.get(c, 0), 1) for c in among)
    names = {r["id"]: r["name"] for r in rows}
    answer = result.as_dict(candidates, units)
    answer["before"] = {c: v for c, v in answer["before"].items() if int(c) in among}
    answer["after"] = {c: v for c, v in answer["after"].items() if int(c) in among}
    return {**answer, "kind": kind, "minutes": minutes, "k": k, "candidates": len(candidates),
            "uncovered": [{"id": c, "name": names[c]} for c in result.uncovered],
            "units": total, "share_before": round(covered(result.before) / total, 4),
            "share_after": round(covered(result.after) / total, 4),
            "at": table.at.isoformat()}
