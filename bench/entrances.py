"""How good our entrance guesses are: hide the gates mapped in OSM, read the extract
again, and see whether the entrances the importer infers land where the hidden gates were.

No routing engine infers entrances, so this figure is ours to set. OSRM, Valhalla and
GraphHopper route to the street point nearest a destination; Youlu routes through a
compound's gates, and many compounds in OSM have none mapped, so the importer guesses
them (``geo.osm.entrances``: where a road crosses the compound's boundary, or ends just
short of it, ``source="inferred"``; where none does, the boundary point nearest a street,
``source="proposed"``). The mapped gates are the only ground truth there is.

For each bundled extract (``data/osm/*.osm.bz2``):

1. read it as is: the *mapped* gates are the gate features matched to a compound that are
   not guesses (``source="osm"``, ``attrs["inferred"]`` false);
2. write a copy (pyosmium) in which those nodes keep their place (and their ways) but lose
   every gate tag (``barrier``, ``entrance``, ``access``, ``locked``, ``name``, ``ref``,
   mode and hours tags: ``GATE_KEYS``), so that the importer cannot see them;
3. read the copy: every gate it yields is a *guess* (``source`` inferred, or proposed
   for a compound with no road in, see ``is_guess`` and ``is_proposal``);
4. compare, per compound and overall, within ``--radius`` metres (default 30, the
   importer's own gate-to-boundary matching distance), in the same compound:

   - recall: the share of hidden gates with a guess of the same compound within the
     radius (``any_recall``: a guess of any compound);
   - precision: the share of guesses with a hidden gate of the same compound within the
     radius, counted over the compounds that have a mapped gate (elsewhere there is
     nothing to check a guess against; ``precision_all`` counts every guess). Precision is
     a lower bound: OSM is missing gates in compounds that have some, too;
   - recall and precision again without the proposals (inferred crossings only);
   - compounds left without any entrance, with the gates hidden and as mapped.

The missed gates are listed with what lies around them (the ways through the node,
whether a road through it crosses the compound's boundary, the nearest guess), as a
guide to the next guessing rule.

    PYTHONPATH=. .venv/bin/python bench/entrances.py [--radius 30] [--json]

With ``--json`` the last line printed is one JSON object (``entrance_recall``,
``entrance_precision``, the same ``…_without_proposals``, ``proposed_entrances``,
``compounds_without_entrance``, per-extract figures).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import shapely
from shapely.geometry import LineString

from geo import settings
from geo.geometry.coords import to_metres_all
from geo.osm.extract import ImportedFeature, OsmExtract, read_osm_extract, tag_rules

RADIUS_M = 30.0
# The tags a gate node loses in the copy; every other tag (and the node's place) stays.
GATE_KEYS = frozenset({
    "barrier", "entrance", "access", "locked", "gate", "opening_hours", "name", "ref",
    "foot", "bicycle", "motor_vehicle", "motorcar", "motorcycle", "moped", "mofa", "vehicle",
    "horse", "wheelchair", "operator", "door", "width", "maxwidth", "maxheight"})
GATE_KEY_PREFIXES = ("access:", "gate:", "entrance:", "barrier:", "name:", "opening_hours:")
GUESS_SOURCES = frozenset({"inferred", "proposed"})
GUESS_KINDS = frozenset({"inferred", "proposed"})


def is_guess(gate: ImportedFeature) -> bool:
    """Whether a gate feature is our guess rather than a gate mapped in OSM."""
    return (gate.source in GUESS_SOURCES or gate.attrs.get("kind") in GUESS_KINDS
            or bool(gate.attrs.get("inferred")) or bool(gate.attrs.get("proposed")))


def is_proposal(gate: ImportedFeature) -> bool:
    """Whether a guess is a proposed entrance (a compound with no gate and no road in)."""
    return gate.source == "proposed" or gate.attrs.get("kind") == "proposed"


def mapped_gates(extract: OsmExtract) -> list[ImportedFeature]:
    """The gates mapped in OSM that the import matched to a compound."""
    return [g for g in extract.features["gate"] if not is_guess(g) and g.parent is not None]


def guessed_gates(extract: OsmExtract) -> list[ImportedFeature]:
    return [g for g in extract.features["gate"] if is_guess(g)]


def _is_gate_key(key: str) -> bool:
    return key in GATE_KEYS or key.startswith(GATE_KEY_PREFIXES)


@dataclass
class WayAt:
    """A way through a hidden gate node: its id, tags and geometry (WGS-84, or None)."""

    osm_id: int
    tags: dict[str, str]
    line: LineString | None


def hide_gates(source: Path, target: Path, node_ids: Iterable[int]) -> dict[int, list[WayAt]]:
    """Write ``source`` to ``target`` (OSM XML) with the gate tags of ``node_ids`` removed;
    return, for each of those nodes, the ways it lies on."""
    hidden = set(node_ids)
    ways_at: dict[int, list[WayAt]] = {n: [] for n in hidden}
    processor = osmium.FileProcessor(str(source)).with_locations()
    with osmium.SimpleWriter(str(target), header=processor.header, overwrite=True) as writer:
        for obj in processor:
            if obj.is_node() and obj.id in hidden:
                writer.add_node(obj.replace(
                    tags={t.k: t.v for t in obj.tags if not _is_gate_key(t.k)}))
                continue
            writer.add(obj)
            if obj.is_way():
                refs = [n.ref for n in obj.nodes]
                through = hidden.intersection(refs)
                if through:
                    coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                    way = WayAt(obj.id, dict(obj.tags),
                                LineString(coords) if len(coords) >= 2 else None)
                    for node in through:
                        ways_at[node].append(way)
    return ways_at


@dataclass
class Comparison:
    """Hidden gates against guesses, each with the distance (m) to the nearest one of the
    other side that it may match (same compound, or any with ``same_compound=False``)."""

    hidden: list[ImportedFeature]
    guesses: list[ImportedFeature]
    radius_m: float
    hidden_nearest_m: list[float | None]
    guess_nearest_m: list[float | None]

    @property
    def scored_compounds(self) -> set[tuple[str, str, int] | None]:
        return {g.parent for g in self.hidden}

    @property
    def scored_guesses(self) -> list[int]:
        """The guesses in compounds that have a hidden gate (indexes into ``guesses``)."""
        scored = self.scored_compounds
        return [i for i, g in enumerate(self.guesses) if g.parent in scored]

    def is_near(self, distance: float | None) -> bool:
        return distance is not None and distance <= self.radius_m

    @property
    def matched_hidden(self) -> int:
        return sum(self.is_near(d) for d in self.hidden_nearest_m)

    @property
    def matched_guesses(self) -> int:
        return sum(self.is_near(self.guess_nearest_m[i]) for i in self.scored_guesses)

    @property
    def recall(self) -> float | None:
        return self.matched_hidden / len(self.hidden) if self.hidden else None

    @property
    def precision(self) -> float | None:
        scored = self.scored_guesses
        return self.matched_guesses / len(scored) if scored else None

    @property
    def precision_all(self) -> float | None:
        matched = sum(self.is_near(d) for d in self.guess_nearest_m)
        return matched / len(self.guesses) if self.guesses else None

    def by_compound(self) -> dict[tuple[str, str, int] | None, dict[str, int]]:
        """Per compound: hidden gates, guesses, and how many of each were matched."""
        rows: dict[tuple[str, str, int] | None, dict[str, int]] = {}

        def row(parent: tuple[str, str, int] | None) -> dict[str, int]:
            return rows.setdefault(parent, {"hidden": 0, "guesses": 0, "matched_hidden": 0,
                                            "matched_guesses": 0})
        for gate, d in zip(self.hidden, self.hidden_nearest_m, strict=True):
            row(gate.parent)["hidden"] += 1
            row(gate.parent)["matched_hidden"] += self.is_near(d)
        for gate, d in zip(self.guesses, self.guess_nearest_m, strict=True):
            row(gate.parent)["guesses"] += 1
            row(gate.parent)["matched_guesses"] += self.is_near(d)
        return rows


def _nearest(points: np.ndarray, parents: list[Any], others: np.ndarray, other_parents: list[Any],
             same_compound: bool) -> list[float | None]:
    nearest: list[float | None] = []
    for point, parent in zip(points, parents, strict=True):
        candidates = [o for o, p in zip(others, other_parents, strict=True)
                      if not same_compound or p == parent]
        nearest.append(float(min(shapely.distance(point, candidates))) if candidates else None)
    return nearest


def compare(hidden: list[ImportedFeature], guesses: list[ImportedFeature],
            radius_m: float = RADIUS_M, *, same_compound: bool = True) -> Comparison:
    """Match ``hidden`` gates with ``guesses`` (WGS-84 points) within ``radius_m`` metres."""
    everything = [g.geom for g in (*hidden, *guesses)]
    if not everything:
        return Comparison(hidden, guesses, radius_m, [], [])
    centre = shapely.MultiPoint(everything).centroid
    hidden_m = to_metres_all([g.geom for g in hidden], (centre.x, centre.y))
    guesses_m = to_metres_all([g.geom for g in guesses], (centre.x, centre.y))
    hidden_parents, guess_parents = [g.parent for g in hidden], [g.parent for g in guesses]
    return Comparison(
        hidden, guesses, radius_m,
        _nearest(hidden_m, hidden_parents, guesses_m, guess_parents, same_compound),
        _nearest(guesses_m, guess_parents, hidden_m, hidden_parents, same_compound))


@dataclass
class ExtractRun:
    """One extract measured: as mapped, with its gates hidden, and the comparisons."""

    name: str
    as_mapped: OsmExtract
    with_hidden: OsmExtract
    copy_path: Path
    ways_at: dict[int, list[WayAt]]
    same: Comparison
    any: Comparison
    inferred_only: Comparison
    missed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def compounds(self) -> list[ImportedFeature]:
        return self.as_mapped.features["community"]

    def without_entrance(self, extract: OsmExtract) -> list[ImportedFeature]:
        """Compounds that have no gate of any kind in ``extract``."""
        gated = {g.parent for g in extract.features["gate"]}
        return [c for c in extract.features["community"]
                if ("community", c.osm_type, c.osm_id) not in gated]


def measure_extract(path: Path, workdir: Path, radius_m: float = RADIUS_M) -> ExtractRun:
    """Read ``path``, hide its mapped gates in a copy under ``workdir``, read the copy and
    compare its guesses with the hidden gates."""
    as_mapped = read_osm_extract(path)
    hidden = mapped_gates(as_mapped)
    copy_path = workdir / (path.name.removesuffix(".bz2").removesuffix(".osm") + ".hidden.osm")
    ways_at = hide_gates(path, copy_path, (g.osm_id for g in hidden))
    with_hidden = read_osm_extract(copy_path)
    if [c.key for c in with_hidden.features["community"]] != [c.key for c in as_mapped.features["community"]]:
        raise RuntimeError(f"{copy_path.name}: the copy reads other compounds than {path.name}")
    guesses = guessed_gates(with_hidden)
    run = ExtractRun(path.name.removesuffix(".osm.bz2"), as_mapped, with_hidden, copy_path, ways_at,
                     compare(hidden, guesses, radius_m),
                     compare(hidden, guesses, radius_m, same_compound=False),
                     compare(hidden, [g for g in guesses if not is_proposal(g)], radius_m))
    run.missed = _missed(run)
    return run


def _missed(run: ExtractRun) -> list[dict[str, Any]]:
    """The hidden gates no guess of their compound came near, with what lies around them."""
    compounds = {("community", c.osm_type, c.osm_id): c for c in run.compounds}
    crossing = tag_rules()["road_crossing"]["highway"]
    missed = []
    for i, gate in enumerate(run.same.hidden):
        if run.same.is_near(run.same.hidden_nearest_m[i]):
            continue
        compound = compounds[gate.parent]  # type: ignore[index]
        origin = (gate.geom.x, gate.geom.y)
        ways = run.ways_at.get(gate.osm_id, [])
        point_m, outline_m, *lines_m = to_metres_all(
            [gate.geom, compound.geom.boundary, *(w.line or gate.geom for w in ways)], origin)
        roads = [(w, line) for w, line in zip(ways, lines_m, strict=True)
                 if w.tags.get("highway") in crossing and w.line is not None]
        labels = [_way_label(w) for w in ways]
        crosses = any(line.intersects(outline_m) for _, line in roads)
        end_m = min((float(shapely.Point(line.coords[k]).distance(outline_m))
                     for _, line in roads for k in (0, -1)), default=None)
        reach = settings.ROAD_END_GATE_DISTANCE_M
        ends_near = end_m is not None and end_m <= reach
        if not ways:
            why = "on no way: a lone node, no road leads to it"
        elif not roads:
            why = f"on no road the importer follows ({', '.join(labels)})"
        elif crosses or ends_near:
            why = "on a road that enters the compound, but the guess there is farther"
        else:
            why = (f"on a road that does not cross the compound's outline and ends {end_m:.1f} m "
                   f"short of it (the importer reaches {reach:g} m)")
        missed.append({
            "extract": run.name, "osm_id": gate.osm_id, "kind": gate.attrs["kind"],
            "name": gate.attrs["name"], "compound": compound.attrs["name"],
            "compound_osm_id": compound.osm_id,
            "to_outline_m": round(float(point_m.distance(outline_m)), 1),
            "nearest_guess_m": _round(run.same.hidden_nearest_m[i]),
            "nearest_guess_any_compound_m": _round(run.any.hidden_nearest_m[i]),
            "ways": labels, "road_crosses_outline": crosses, "road_end_to_outline_m": _round(end_m),
            "why": why})
    return missed


def _by_highway(runs: list[ExtractRun]) -> dict[str, dict[str, int]]:
    """Guesses in compounds with a mapped gate, by the class of the road they were inferred
    from (``tags["highway"]``), and how many of them have a hidden gate near."""
    rows: dict[str, dict[str, int]] = {}
    for run in runs:
        for i in run.same.scored_guesses:
            row = rows.setdefault(run.same.guesses[i].tags.get("highway", "?"),
                                  {"guesses": 0, "matched": 0})
            row["guesses"] += 1
            row["matched"] += run.same.is_near(run.same.guess_nearest_m[i])
    return dict(sorted(rows.items(), key=lambda item: -item[1]["guesses"]))


def _cell(text: str, width: int) -> str:
    """``text`` cut and padded to ``width`` terminal columns (CJK characters take two)."""
    out, used = "", 0
    for char in text:
        w = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + w > width:
            break
        out, used = out + char, used + w
    return out + " " * (width - used)


def _way_label(way: WayAt) -> str:
    for key in ("highway", "barrier", "landuse", "building", "amenity"):
        if key in way.tags:
            return f"{key}={way.tags[key]}"
    return f"way {way.osm_id}"


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _summary(runs: list[ExtractRun]) -> dict[str, Any]:
    """Figures summed over ``runs`` (micro-averages: every gate and guess counts once)."""
    hidden = sum(len(r.same.hidden) for r in runs)
    guesses = sum(len(r.same.guesses) for r in runs)
    scored = sum(len(r.same.scored_guesses) for r in runs)
    matched_hidden = sum(r.same.matched_hidden for r in runs)
    matched_guesses = sum(r.same.matched_guesses for r in runs)
    matched_all = sum(sum(r.same.is_near(d) for d in r.same.guess_nearest_m) for r in runs)
    proposals = [i for r in runs for i, g in enumerate(r.same.guesses) if is_proposal(g)]
    scored_proposals = sum(1 for r in runs for i in r.same.scored_guesses if is_proposal(r.same.guesses[i]))
    matched_proposals = sum(1 for r in runs for i in r.same.scored_guesses
                            if is_proposal(r.same.guesses[i]) and r.same.is_near(r.same.guess_nearest_m[i]))
    inferred_scored = sum(len(r.inferred_only.scored_guesses) for r in runs)
    return {
        "compounds": sum(len(r.compounds) for r in runs),
        "compounds_with_mapped_gate": sum(len(r.same.scored_compounds) for r in runs),
        "hidden_gates": hidden, "guesses": guesses, "scored_guesses": scored,
        "matched_hidden": matched_hidden, "matched_guesses": matched_guesses,
        "recall": _ratio(matched_hidden, hidden),
        "precision": _ratio(matched_guesses, scored),
        "precision_all": _ratio(matched_all, guesses),
        "any_recall": _ratio(sum(r.any.matched_hidden for r in runs), hidden),
        "proposed": len(proposals), "scored_proposed": scored_proposals,
        "matched_proposed": matched_proposals,
        "recall_without_proposals": _ratio(sum(r.inferred_only.matched_hidden for r in runs), hidden),
        "precision_without_proposals": _ratio(sum(r.inferred_only.matched_guesses for r in runs),
                                              inferred_scored),
        "compounds_without_entrance": {
            "hidden": sum(len(r.without_entrance(r.with_hidden)) for r in runs),
            "as_mapped": sum(len(r.without_entrance(r.as_mapped)) for r in runs)},
    }


def _compound_rows(run: ExtractRun) -> list[dict[str, Any]]:
    by_compound = run.same.by_compound()
    empty_hidden = {c.key for c in run.without_entrance(run.with_hidden)}
    empty_mapped = {c.key for c in run.without_entrance(run.as_mapped)}
    rows = []
    for c in run.compounds:
        counts = by_compound.get(("community", c.osm_type, c.osm_id),
                                 {"hidden": 0, "guesses": 0, "matched_hidden": 0, "matched_guesses": 0})
        rows.append({"osm_id": c.osm_id, "name": c.attrs["name"], **counts,
                     "recall": _ratio(counts["matched_hidden"], counts["hidden"]),
                     "precision": _ratio(counts["matched_guesses"], counts["guesses"])
                     if counts["hidden"] else None,
                     "no_entrance_hidden": c.key in empty_hidden,
                     "no_entrance_as_mapped": c.key in empty_mapped})
    return rows


def _table_row(name: str, s: dict[str, Any]) -> str:
    empty = s["compounds_without_entrance"]
    return (f"{name:<16}{s['compounds']:>6}{s['compounds_with_mapped_gate']:>7}{s['hidden_gates']:>7}"
            f"{s['guesses']:>8}{s['scored_guesses']:>8}{s['matched_hidden']:>8}{_pct(s['recall']):>8}"
            f"{_pct(s['precision']):>8}{_pct(s['any_recall']):>8}{s['proposed']:>6}"
            f"{_pct(s['recall_without_proposals']):>8}{_pct(s['precision_without_proposals']):>8}"
            f"{empty['hidden']:>8}{empty['as_mapped']:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--radius", type=float, default=RADIUS_M,
                        help=f"match distance in metres (default {RADIUS_M:g})")
    parser.add_argument("--osm-dir", type=Path, default=settings.OSM_DIR,
                        help="where the extracts are (default data/osm)")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [measure_extract(path, Path(tmp), args.radius)
                for path in sorted(args.osm_dir.glob("*.osm.bz2"))]
    wall_s = time.perf_counter() - started
    summaries = {r.name: _summary([r]) for r in runs}
    total = _summary(runs)

    print(f"entrance guesses against hidden OSM gates, within {args.radius:g} m, same compound")
    print(f"{'extract':<16}{'cpds':>6}{'gated':>7}{'hidden':>7}{'guesses':>8}{'scored':>8}"
          f"{'matched':>8}{'recall':>8}{'prec.':>8}{'any-r.':>8}{'prop.':>6}{'r.-p.':>8}{'p.-p.':>8}"
          f"{'no-ent':>8}{'(map)':>8}")
    for run in runs:
        print(_table_row(run.name.removeprefix("beijing_haidian_"), summaries[run.name]))
    print(_table_row("total", total))
    print("cpds: compounds; gated: with a mapped gate; scored: guesses in gated compounds (precision's "
          "base);\nany-r.: recall with a guess of any compound; prop.: proposed entrances among the "
          "guesses;\nr.-p., p.-p.: recall and precision without the proposals; no-ent: compounds with "
          "no entrance at all, gates hidden (map: as mapped)")
    print(f"\n{'compound':<34}{'osm way':>12}{'hidden':>7}{'guesses':>8}{'matched':>8}"
          f"{'recall':>8}{'prec.':>8}  no entrance")
    for run in runs:
        for row in _compound_rows(run):
            empty = {(True, True): "both", (True, False): "gates hidden",
                     (False, True): "as mapped", (False, False): ""}[
                (row["no_entrance_hidden"], row["no_entrance_as_mapped"])]
            print(f"{_cell(row['name'], 34)}{row['osm_id']:>12}{row['hidden']:>7}{row['guesses']:>8}"
                  f"{row['matched_hidden']:>8}{_pct(row['recall']):>8}{_pct(row['precision']):>8}"
                  f"  {empty}".rstrip())
    by_highway = _by_highway(runs)
    print("\nguesses in gated compounds by the road they come from (matched / guesses): "
          + ", ".join(f"{k} {v['matched']}/{v['guesses']}" for k, v in by_highway.items()))
    missed = [m for r in runs for m in r.missed]
    print(f"\nhidden gates missed ({len(missed)}):")
    for m in missed:
        nearest = "none" if m["nearest_guess_m"] is None else f"{m['nearest_guess_m']:.0f} m"
        print(f"  node {m['osm_id']} {m['kind']} {m['name'] or ''} in {m['compound']}: "
              f"{m['to_outline_m']:.0f} m from the outline, nearest guess {nearest}; {m['why']}")
    print(f"\nwall time {wall_s:.1f} s")
    if args.json:
        extracts = {name: {**s, "compound_rows": _compound_rows(r)}
                    for (name, s), r in zip(summaries.items(), runs, strict=True)}
        print(json.dumps({
            "radius_m": args.radius, "match": "same_compound",
            "entrance_recall": _round(total["recall"], 4),
            "entrance_precision": _round(total["precision"], 4),
            "entrance_precision_all_guesses": _round(total["precision_all"], 4),
            "entrance_recall_any_compound": _round(total["any_recall"], 4),
            "entrance_recall_without_proposals": _round(total["recall_without_proposals"], 4),
            "entrance_precision_without_proposals": _round(total["precision_without_proposals"], 4),
            "proposed_entrances": total["proposed"],
            "compounds_without_entrance": total["compounds_without_entrance"]["hidden"],
            "compounds_without_entrance_as_mapped": total["compounds_without_entrance"]["as_mapped"],
            "total": total, "extracts": extracts, "missed": missed,
            "scored_guesses_by_highway": by_highway,
            "wall_s": round(wall_s, 2)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
