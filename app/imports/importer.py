"""Store an OSM extract: idempotent upsert keyed by OSM id, office edits left alone.

Gates the importer guessed (inferred, proposed) are keyed too, so a confirmed one keeps
its row and code; a new guess is not stored where the office deleted that guess before,
next to a gate the office drew or confirmed, or (a proposal) in a compound that has one.

The whole import is one unit of work, which the request or command rolls back on any
error: a bad file or a failure midway leaves the database exactly as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app import audit
from app.addresses.division_areas import division_index, known_boundaries, store_boundaries
from app.addresses.divisions import validate_division
from app.models import MODEL_OF_KIND, AuditEntry, Gate, PlaceFeature
from app.places.import_counts import ImportCounts
from app.places.serialize import to_feature
from geo import settings
from geo.address.division_areas import read_osm_boundaries
from geo.geometry.coords import distances_m
from geo.osm.entrances import GUESSED_SOURCES, INFERRED, MAPPED, PROPOSED
from geo.osm.extract import KINDS, ImportedFeature, OsmExtract, read_osm_extract

# Kinds whose new rows stay referenced for the whole import: the session holds rows
# weakly, and the code allocator looks up a building's or gate's compound (a unit's
# building) by id, which would otherwise be read back from the database for each child.
_PARENTS = frozenset({"community", "building"})


@dataclass
class ImportReport(ImportCounts):
    """What an OSM import did, plus office-edit conflicts and what OSM gave that was skipped."""

    conflicts: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    entrances: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "conflicts": self.conflicts, "skipped": self.skipped,
                "entrances": self.entrances}


def entrance_counts(extract: OsmExtract) -> dict[str, int]:
    """The gates of ``extract`` by how they were found: ``mapped`` in OSM, ``inferred``
    where a road enters a compound, ``proposed`` for a compound with neither."""
    sources = Counter(g.source for g in extract.features["gate"])
    return {"mapped": sources[MAPPED], "inferred": sources[INFERRED], "proposed": sources[PROPOSED]}


def import_osm(session: Session, path: str | Path, *, division: str | None = None,
               actor: str = "import-osm", extract: OsmExtract | None = None,
               on_kind: Callable[[str], None] | None = None) -> ImportReport:
    """Import ``path`` into ``session`` (flushed, for the caller to commit).

    A new compound (or one still without a code) goes to the street or committee whose
    boundary holds most of it: the extract's ``boundary=administrative`` relations with
    a valid ``ref`` (stored with the others) and the boundaries stored before
    (``import-divisions``); ``division`` is the fallback where no boundary covers it.
    ``extract`` may pass ``path`` already read; ``on_kind`` is called with each kind
    (``KINDS``) once its features are written (a progress bar). Raises a ``YouluError`` for a bad file or
    division code.
    """
    if division is not None:
        validate_division(session, division)
    if extract is None:
        extract = read_osm_extract(path)
    report = ImportReport(file=Path(path).name, skipped=dict(extract.skipped),
                          entrances=entrance_counts(extract))
    division_of = _divisions(session, path, report, division, read=extract.division_relations > 0)
    ids: dict[tuple[str, str, int], int] = {}
    parents: list[PlaceFeature] = []
    for kind in KINDS:
        _upsert_kind(session, kind, extract.features[kind], ids, parents, report, division_of, actor)
        if on_kind is not None:
            on_kind(kind)
    session.flush()
    return report


def _divisions(session: Session, path: str | Path, report: ImportReport,
               fallback: str | None, *, read: bool) -> Callable[[Any], str | None]:
    """Store the extract's division boundaries (``read``: the file has some, else it is
    not read again); return the division of a compound polygon."""
    found = read_osm_boundaries(path) if read else []
    boundaries = known_boundaries(session, found)
    if len(found) > len(boundaries):
        report.skipped["boundary"] = len(found) - len(boundaries)
    for outcome, count in store_boundaries(session, boundaries,
                                           source=f"osm:{Path(path).name}").items():
        getattr(report, outcome)["division"] += count
    index = division_index(session)
    return lambda geom: index.division_of(geom) or fallback


def _upsert_kind(session: Session, kind: str, features: list[ImportedFeature],
                 ids: dict[tuple[str, str, int], int], parents: list[PlaceFeature],
                 report: ImportReport, division_of: Callable[[Any], str | None], actor: str) -> None:
    """Store the features of one kind: new and changed rows flushed together (one
    multi-row INSERT per table, codes allocated in one pass), then audited (one bulk
    INSERT of their audit entries)."""
    model = MODEL_OF_KIND[kind]
    resource = model.__tablename__
    existing = _existing(session, model, [f.key for f in features])
    office = _OfficeGates(session) if kind == "gate" else None
    created: list[tuple[ImportedFeature, PlaceFeature]] = []
    updated: list[tuple[PlaceFeature, dict[str, Any]]] = []
    for feature in features:
        row = existing.get(feature.key)
        digest = feature.content_hash()
        values = {**feature.attrs, **_parent_values(kind, feature, ids)}
        if row is None and office is not None and feature.source in GUESSED_SOURCES:
            reason = office.overrules(feature, values.get("community_id"))
            if reason is not None:
                report.skipped[reason] = report.skipped.get(reason, 0) + 1
                continue
        if row is None:
            row = model(source=feature.source, osm_type=feature.osm_type, osm_id=feature.osm_id,
                        osm_hash=digest, geom=feature.geom, tags=feature.tags, **values)
            if kind == "community":
                row.division_code = division_of(feature.geom)
            session.add(row)
            created.append((feature, row))
            continue
        if row.osm_hash == digest:
            report.unchanged[kind] += 1
            if kind == "community" and row.code is None:
                row.division_code = division_of(feature.geom) or row.division_code
        elif row.edited:
            report.conflicts.append({"kind": kind, "id": row.id, "osm": row.osm_ref,
                                     "reason": "edited by office; OSM changed"})
        else:
            before = to_feature(resource, row)
            for name, value in values.items():
                setattr(row, name, value)
            row.geom, row.tags, row.osm_hash = feature.geom, feature.tags, digest
            updated.append((row, before))
        ids[(kind, feature.osm_type, feature.osm_id)] = row.id
    session.flush()
    for feature, row in created:
        report.created[kind] += 1
        ids[(kind, feature.osm_type, feature.osm_id)] = row.id
    for _ in updated:
        report.updated[kind] += 1
    audit.record_many(session, actor=actor, action="import", table=resource, changes=[
        *((row.id, None, to_feature(resource, row)) for _, row in created),
        *((row.id, before, to_feature(resource, row)) for row, before in updated)])
    if kind in _PARENTS:
        parents += [row for _, row in created]


class _OfficeGates:
    """What an office did to a compound's gates that a guessed gate must not undo: the
    guesses it deleted (by OSM key, from the audit log) and the gates it drew or confirmed."""

    def __init__(self, session: Session) -> None:
        self.deleted = {
            entry.before["properties"].get("osm") for entry in session.scalars(
                select(AuditEntry).where(AuditEntry.table_name == "gates", AuditEntry.action == "delete"))
            if entry.before}
        self.gates: dict[int, list[Any]] = {}
        for gate in session.scalars(select(Gate).where(Gate.source == "office")):
            if gate.community_id is not None:
                self.gates.setdefault(gate.community_id, []).append(gate.geom)

    def overrules(self, feature: ImportedFeature, community_id: int | None) -> str | None:
        """Why ``feature`` (a guessed gate new to the database) is not stored, or None."""
        if f"{feature.osm_type}/{feature.osm_id}" in self.deleted:
            return "guess_deleted_by_office"
        gates = self.gates.get(community_id, []) if community_id is not None else []
        if not gates:
            return None
        if feature.source == PROPOSED:
            return "guess_compound_has_office_gate"
        spacing = settings.INFERRED_GATE_MIN_SPACING_M
        if any(d <= spacing for d in distances_m(feature.geom, gates)):
            return "guess_near_office_gate"
        return None


def _existing(session: Session, model: type[PlaceFeature],
              keys: list[tuple[str, int]]) -> dict[tuple[str, int], PlaceFeature]:
    rows: dict[tuple[str, int], PlaceFeature] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for row in session.scalars(select(model).where(
                tuple_(model.osm_type, model.osm_id).in_(chunk))):
            rows[(row.osm_type, row.osm_id)] = row  # type: ignore[index]
    return rows


def _parent_values(kind: str, feature: ImportedFeature,
                   ids: dict[tuple[str, str, int], int]) -> dict[str, Any]:
    """Foreign keys of ``feature`` from the ids of features stored before it."""
    values: dict[str, Any] = {}
    if kind == "unit":
        values["building_id"] = ids.get(feature.parent) if feature.parent else None
        values["community_id"] = ids.get(feature.community) if feature.community else None
    elif kind != "community":
        values["community_id"] = ids.get(feature.parent) if feature.parent else None
    return values
