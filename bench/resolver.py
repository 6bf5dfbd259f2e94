"""Address resolver accuracy and latency on the labelled Beijing address set, against a
plain substring scan in the same run.

The three bundled extracts are imported into a scratch SQLite database, the offices'
aliases (tests/data/address_aliases.tsv) are set, and every query of
tests/data/address_set.tsv is resolved three ways:

- ``resolver``: ``geo.address.resolver.ResolverIndex.resolve`` on the index the app builds;
- ``api``: ``GET /api/v1/resolve`` through the Flask test client (change check included);
- ``substring``: the naive baseline: the longest compound name, alias or building name
  found in the text as written, then the building and unit numbers parsed from the text;
  it always answers "matched" when it finds a name.

    .venv/bin/python bench/resolver.py [--json]

With ``--json`` the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from _common import LABELLED_ALIASES, LABELLED_CASES, app_for, import_bundled
from app.addresses.resolve import get_index, load_records
from app.db import get_session
from app.models import Community
from geo.address.labelled_set import GOAL_TOP1, Score, read_aliases, read_cases, score, variant_table
from geo.address.numbering import parse_building_number, parse_unit_number
from geo.address.resolver import PlaceRecord, ResolverIndex


class SubstringScan:
    """The naive baseline: longest known name inside the text, numbers parsed after it."""

    def __init__(self, records: list[PlaceRecord]) -> None:
        self.records = {(r.kind, r.id): r for r in records}
        names = [(n, r) for r in records if r.kind == "community"
                 for n in (r.name, *r.aliases) if n]
        names += [(r.name, r) for r in records if r.kind == "building" and r.name]
        self.names = sorted(names, key=lambda item: len(item[0]), reverse=True)
        self.children: dict[tuple[str, int], list[PlaceRecord]] = {}
        for r in records:
            if r.kind in ("building", "unit") and r.parent_id is not None:
                parent = ("community" if r.kind == "building" else "building", r.parent_id)
                self.children.setdefault(parent, []).append(r)

    def _child(self, parent: PlaceRecord, number: str | None) -> PlaceRecord | None:
        return next((c for c in self.children.get((parent.kind, parent.id), [])
                     if number and c.number == number), None)

    def resolve(self, text: str) -> dict[str, Any]:
        found = next((r for name, r in self.names if name in text), None)
        if found is not None and found.kind == "community":
            found = self._child(found, parse_building_number(text)) or found
        if found is not None and found.kind == "building":
            found = self._child(found, parse_unit_number(text)) or found
        if found is None:
            return {"status": "not_found", "candidates": []}
        return {"status": "matched", "candidates": [{"kind": found.kind, "osm": found.osm}]}


def _set_aliases(app: Any) -> None:
    """The aliases of address_aliases.tsv, written as an office edit would."""
    with app.app_context():
        session = get_session()
        for ref, aliases in read_aliases(LABELLED_ALIASES).items():
            osm_type, osm_id = ref.split("/")
            community = session.scalar(select(Community).where(
                Community.osm_type == osm_type, Community.osm_id == int(osm_id)))
            community.aliases = [*community.aliases, *aliases]
        session.commit()


def _row(name: str, result: Score) -> str:
    return (f"{name:<11}{result.count:>6}{result.accuracy:>10.1%}{result.top1_accuracy:>8.1%}"
            f"{len(result.confident_wrong):>12}{result.p50_ms:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Address resolver accuracy and latency.")
    parser.add_argument("--json", action="store_true", help="print a JSON object last")
    args = parser.parse_args()
    cases = read_cases(LABELLED_CASES)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        app = app_for(import_bundled(directory), directory)
        import_s = time.perf_counter() - started
        _set_aliases(app)
        with app.app_context():
            started = time.perf_counter()
            records, retired = load_records(get_session())
            index = ResolverIndex(records, retired_codes=retired)
            build_s = time.perf_counter() - started
            assert get_index(get_session()).records == index.records   # the app's own index is the same
        client = app.test_client()
        resolver = score(lambda q: index.resolve(q).as_dict(50), cases)
        api = score(lambda q: client.get("/api/v1/resolve", query_string={
            "q": q, "limit": 50}).json, cases)
        baseline = score(SubstringScan(records).resolve, cases)
        app.extensions["db_engine"].dispose()
    print(f"import {import_s:.1f} s; index of {len(records)} places built in {build_s:.2f} s")
    print(variant_table(resolver))
    print(f"\n{'':<11}{'cases':>6}{'accuracy':>10}{'top-1':>8}{'conf. wrong':>12}{'p50 ms':>10}")
    for name, result in (("resolver", resolver), ("api", api), ("substring", baseline)):
        print(_row(name, result))
    ratio = resolver.p50_ms / baseline.p50_ms if baseline.p50_ms else float("inf")
    print(f"resolver p50 / substring p50 = {ratio:.1f}x; goal top-1 ≥ {GOAL_TOP1:.0%}: "
          f"{'met' if resolver.top1_accuracy >= GOAL_TOP1 else 'NOT met'}")
    if args.json:
        print(json.dumps({
            "count": resolver.count, "accuracy": round(resolver.accuracy, 4),
            "top1_accuracy": round(resolver.top1_accuracy, 4),
            "confident_wrong": len(resolver.confident_wrong),
            "p50_ms": round(resolver.p50_ms, 3), "api_p50_ms": round(api.p50_ms, 3),
            "baseline": baseline.summary(), "p50_ratio_vs_baseline": round(ratio, 2),
            "index_places": len(records), "index_build_s": round(build_s, 3)}))


if __name__ == "__main__":
    main()
