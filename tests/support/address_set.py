"""The labelled address set (tests/data/address_set.tsv) and how a resolver is scored on it.

Each case is a query as a rider or platform writes it, the expected status and the
place(s) it means, named by kind and OSM reference (``building:way/123``) because ids
and codes depend on import order and allocation, OSM references do not:

- ``matched``: exactly one place is meant (``targets`` has it);
- ``ambiguous``: no compound named, or a name or number shared by several places
  (``targets`` lists every place that fits; all must be among the candidates);
- ``not_found``: the place, building or unit does not exist.

The aliases offices would add are in tests/data/address_aliases.tsv (compound OSM
reference, alias).
"""

from __future__ import annotations

import csv
import dataclasses
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.address.resolver import PlaceRecord

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
CASES_FILE = DATA_DIR / "address_set.tsv"
ALIASES_FILE = DATA_DIR / "address_aliases.tsv"
CASE_COLUMNS = ("query", "expect", "targets", "variant", "note")
GOAL_TOP1 = 0.95


@dataclass(frozen=True)
class Case:
    """One labelled query."""

    query: str
    expect: str
    targets: tuple[str, ...]
    variant: str
    note: str


def read_cases(path: Path = CASES_FILE) -> list[Case]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [Case(r["query"], r["expect"], tuple(r["targets"].split()), r["variant"],
                     r["note"]) for r in rows]


def write_cases(cases: Iterable[Case], path: Path = CASES_FILE, *, header: str = "") -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("".join(f"# {line}\n" for line in header.splitlines()))
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(CASE_COLUMNS)
        for case in cases:
            writer.writerow([case.query, case.expect, " ".join(case.targets), case.variant,
                             case.note])


def read_aliases(path: Path = ALIASES_FILE) -> dict[str, list[str]]:
    """Compound OSM reference (``way/123``) → the aliases an office would add."""
    aliases: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        for row in rows:
            aliases.setdefault(row["community"], []).append(row["alias"])
    return aliases


def candidate_ref(candidate: dict[str, Any]) -> str:
    """``kind:osm`` of a candidate in the API's JSON form."""
    return f"{candidate['kind']}:{candidate['osm']}"


@dataclass
class Score:
    """How a resolver did on a set of cases."""

    count: int = 0
    correct: int = 0
    expected_matched: int = 0
    top1: int = 0
    confident_wrong: list[tuple[Case, str]] = field(default_factory=list)
    failures: list[tuple[Case, str, str]] = field(default_factory=list)
    by_variant: Counter[str] = field(default_factory=Counter)
    correct_by_variant: Counter[str] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of cases with the right outcome (status and place)."""
        return self.correct / self.count if self.count else 0.0

    @property
    def top1_accuracy(self) -> float:
        """Share of the cases meaning one place whose first candidate is that place."""
        return self.top1 / self.expected_matched if self.expected_matched else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_s) * 1000 if self.latencies_s else 0.0

    def summary(self) -> dict[str, Any]:
        return {"count": self.count, "accuracy": round(self.accuracy, 4),
                "top1_accuracy": round(self.top1_accuracy, 4),
                "expected_matched": self.expected_matched,
                "confident_wrong": len(self.confident_wrong), "p50_ms": round(self.p50_ms, 3)}


def score(resolve: Callable[[str], dict[str, Any]], cases: Iterable[Case]) -> Score:
    """Run ``resolve`` (query → the API's JSON answer) on every case and score it.

    A ``matched`` case is right when the status is matched and the first candidate is
    the target; ``ambiguous`` when the status is ambiguous and every target is among the
    candidates; ``not_found`` when the status is not_found. Any ``matched`` answer whose
    first candidate is not the one place meant is a confident wrong answer.
    """
    result = Score()
    for case in cases:
        start = time.perf_counter()
        answer = resolve(case.query)
        result.latencies_s.append(time.perf_counter() - start)
        refs = [candidate_ref(c) for c in answer["candidates"]]
        top = refs[0] if refs else ""
        status = answer["status"]
        if case.expect == "matched":
            result.expected_matched += 1
            result.top1 += top == case.targets[0]
            right = status == "matched" and top == case.targets[0]
        elif case.expect == "ambiguous":
            right = status == "ambiguous" and set(case.targets) <= set(refs)
        else:
            right = status == "not_found"
        if status == "matched" and (case.expect != "matched" or top != case.targets[0]):
            result.confident_wrong.append((case, top))
        result.count += 1
        result.correct += right
        result.by_variant[case.variant] += 1
        result.correct_by_variant[case.variant] += right
        if not right:
            result.failures.append((case, status, top))
    return result


def with_aliases(records: Iterable[PlaceRecord],
                 aliases: dict[str, list[str]]) -> list[PlaceRecord]:
    """``records`` with the compounds' aliases set as an office would (by OSM reference)."""
    return [dataclasses.replace(r, aliases=(*r.aliases, *aliases.get(r.osm or "", [])))
            if r.kind == "community" else r for r in records]


def import_beijing(directory: Path) -> str:
    """Import the three bundled extracts into a new SQLite database in ``directory``, into
    the streets the test fixtures use; returns its URL."""
    from app.addresses.divisions import load_national_divisions
    from app.db import get_session, upgrade_schema
    from app.imports.importer import import_osm
    from tests.support.extracts import EXTRACTS, OSM_DIR

    url = f"sqlite:///{directory / 'imported.sqlite3'}"
    app = app_for(url, directory)
    upgrade_schema(app.extensions["db_engine"])
    with app.app_context():   # the app's sessions allocate codes on flush
        load_national_divisions(get_session())
        get_session().commit()
        for filename, division in EXTRACTS.values():
            import_osm(get_session(), OSM_DIR / filename, division=division)
    app.extensions["db_engine"].dispose()
    return url


def app_for(url: str, directory: Path) -> Any:
    """A Youlu app on the database at ``url`` (instance files under ``directory``)."""
    from app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "address-set",
                       "KEYS_DIR": str(directory / "keys"), "CACHE_DIR": str(directory / "cache"),
                       "RATELIMIT_ENABLED": False})


def imported_records(directory: Path) -> tuple[list[PlaceRecord], dict[str, tuple[str, int]]]:
    """The three bundled extracts imported into a database in ``directory`` and read as
    resolver records (``app.addresses.resolve.load_records``) with the retired codes."""
    from app.addresses.resolve import load_records
    from app.db import get_session

    app = app_for(import_beijing(directory), directory)
    with app.app_context():
        loaded = load_records(get_session())
    app.extensions["db_engine"].dispose()
    return loaded


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def variant_table(result: Score) -> str:
    """Right answers per kind of variant, as a plain-text table."""
    lines = [f"{_pad('variant', 22)}{'cases':>6}{'right':>7}"]
    for variant, count in sorted(result.by_variant.items()):
        lines.append(f"{_pad(variant, 22)}{count:>6}{result.correct_by_variant[variant]:>7}")
    return "\n".join(lines)
