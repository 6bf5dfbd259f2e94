"""An office's features out to files and back: GeoJSON, GeoPackage, OSM XML.

Export gathers one compound (or all of them) with its gates, buildings, units, paths
and facilities. Import writes through ``app.places.editing`` (validation, scope, versions,
audit) in one unit of work, which the request or command rolls back on any error: a bad
file, a feature outside the importer's scope or a stale version leaves the database
exactly as it was.

A feature in the file is matched to a stored feature of the same layer by its ``uid``
(the stable identity every feature gets at creation and every export carries), or, when
it has none, by its OSM reference (``osm``, type/id); never by its database ``id``, which
means nothing in another database. A matched feature is updated and must carry its
current ``version``; any other feature is created (keeping the file's uid), and references
to it (``community``, ``building``, given as file ids) are rewired to the new id. A
created feature keeps the standard code it had in the file when that code is free here,
so that printed plates stay valid after a move to a new database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from shapely.geometry import shape
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from app.accounts.auth import Actor
from app.models import Building, Community, PlaceFeature, RetiredCode, Unit
from app.places.editing import create_feature, resource_model, update_feature
from app.places.import_counts import ImportCounts
from app.places.schemas import PROPS
from app.places.serialize import feature_properties, to_feature
from geo.errors import InvalidImportFile
from geo.osm.entrances import GUESSED_SOURCES
from geo.places.exchange import LAYERS, Layers, empty_layers, read_layers, write_layers

# Parents before children: what a feature refers to exists when it is written.
IMPORT_ORDER = ("communities", "buildings", "gates", "paths", "facilities", "units")
_REFERENCES = {"community": "communities", "building": "buildings"}


def gather(session: Session, community: Community | None = None, *,
           for_osm: bool = False, compounds: Select[Any] | None = None) -> Layers:
    """The features of ``community`` (all compounds' when None) as layers.

    ``for_osm`` leaves out demo features and unconfirmed inferred or proposed gates, and adds each
    feature's imported OSM tags (``osm_tags``) for the OSM writer. ``compounds`` (a select of
    compound ids) takes the features of those compounds instead of ``community``'s.
    """
    if community is not None:
        compounds = select(Community.id).where(Community.id == community.id)
    layers = empty_layers()
    for resource in LAYERS:
        model = resource_model(resource)
        query = select(model).order_by(model.id)
        if compounds is not None:
            if resource == "communities":
                query = query.where(model.id.in_(compounds))
            elif resource == "units":
                query = query.where(Unit.building_id.in_(
                    select(Building.id).where(Building.community_id.in_(compounds))))
            else:
                query = query.where(model.community_id.in_(compounds))  # type: ignore[attr-defined]
        for row in session.scalars(query):
            if for_osm and (row.demo or (row.source in GUESSED_SOURCES and not row.edited)):
                continue
            feature = to_feature(resource, row)
            if for_osm and row.source == "osm":
                feature["osm_tags"] = dict(row.tags or {})
            layers[resource].append(feature)
    return layers


def export_features(session: Session, fmt: str, path: str | Path, *,
                    community: Community | None = None) -> dict[str, int]:
    """Write ``community``'s features (or all) to ``path`` as ``fmt``; counts per layer."""
    layers = gather(session, community, for_osm=fmt == "osm")
    write_layers(layers, path, fmt)
    return {name: len(features) for name, features in layers.items()}


@dataclass
class ImportSummary(ImportCounts):
    """What a file import did per layer; ``codes_changed`` lists file codes not kept."""

    codes_changed: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, dict[int, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "codes_changed": self.codes_changed}


def import_features(session: Session, actor: Actor, path: str | Path, *,
                    on_layer: Callable[[str, int], None] | None = None,
                    on_feature: Callable[[str, int], None] | None = None) -> ImportSummary:
    """Apply a GeoJSON or GeoPackage file; all or nothing (see the module docstring).
    ``on_layer(layer, total)`` is called as each layer (``IMPORT_ORDER``) begins and
    ``on_feature(layer, done)`` after each of its features (a progress bar)."""
    path = Path(path)
    layers = read_layers(path)
    summary = ImportSummary(file=path.name, ids={name: {} for name in LAYERS})
    for resource in IMPORT_ORDER:
        if on_layer is not None:
            on_layer(resource, len(layers[resource]))
        for number, feature in enumerate(layers[resource], start=1):
            _import_one(session, actor, resource, feature, summary, f"{path.name}#{number}")
            if on_feature is not None:
                on_feature(resource, number)
    return summary


def _import_one(session: Session, actor: Actor, resource: str, feature: dict[str, Any],
                summary: ImportSummary, where: str) -> None:
    props = dict(feature.get("properties") or {})
    file_id = _file_id(props.get("id"), resource, where)
    for name, target in _REFERENCES.items():
        if isinstance(props.get(name), int):
            props[name] = summary.ids[target].get(props[name], props[name])
    writable = {k: v for k, v in props.items() if k in PROPS[resource].model_fields}
    body = {"type": "Feature", "geometry": feature.get("geometry"), "properties": writable}
    uid = _file_uid(props.get("uid"), resource, where)
    row = _same_feature(session, resource, uid, props.get("osm"))
    if row is not None:
        if _unchanged(resource, row, body):
            summary.unchanged[resource] += 1
        else:
            writable["version"] = props.get("version")
            update_feature(session, actor, resource, row.id, body, action="import", note=where)
            summary.updated[resource] += 1
    else:
        row = create_feature(session, actor, resource, body, action="import", note=where, uid=uid)
        summary.created[resource] += 1
        _keep_code(session, row, props.get("code"), summary)
    if file_id is not None:
        summary.ids[resource][file_id] = row.id


def _file_id(value: Any, resource: str, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidImportFile(f"{where}（{resource}）：id 应为整数，收到“{value}”",
                                f"{where} ({resource}): id must be an integer, got {value!r}")
    return value


def _file_uid(value: Any, resource: str, where: str) -> str | None:
    """The file feature's uid in canonical form, or None when it has none."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            return str(UUID(value))
    except ValueError:
        pass
    raise InvalidImportFile(f"{where}（{resource}）：uid 应为 UUID，收到“{value}”",
                            f"{where} ({resource}): uid must be a UUID, got {value!r}")


def _same_feature(session: Session, resource: str, uid: str | None,
                  osm: Any) -> PlaceFeature | None:
    """The stored feature the file's feature stands for (same uid or, without one, same
    OSM reference), or None (a new one)."""
    model = resource_model(resource)
    if uid is not None:
        return session.scalar(select(model).where(model.uid == uid))
    if isinstance(osm, str) and "/" in osm:
        osm_type, _, osm_id = osm.partition("/")
        if osm_id.isdigit():
            return session.scalar(select(model).where(
                model.osm_type == osm_type, model.osm_id == int(osm_id)))
    return None


def _unchanged(resource: str, row: PlaceFeature, body: dict[str, Any]) -> bool:
    stored = feature_properties(resource, row)
    fields = PROPS[resource].model_fields
    sent = body["properties"]
    same_props = all(sent.get(k, stored[k]) == stored[k] for k in fields)
    geometry = body.get("geometry")
    return same_props and geometry is not None and shape(geometry).equals_exact(row.geom, 0)


def _keep_code(session: Session, row: PlaceFeature, code: Any, summary: ImportSummary) -> None:
    """Give ``row`` the code it had in the file when that code is free here and
    belongs under the same parent (compound, building, committee)."""
    current = getattr(row, "code", None)
    if not isinstance(code, str) or not current or code == current:
        return
    if code.rsplit("-", 1)[0] != current.rsplit("-", 1)[0]:
        return  # another compound or committee: the allocated code stands
    model = type(row)
    taken = session.scalar(select(exists().where(model.code == code))) or session.get(
        RetiredCode, code) is not None
    if taken:
        summary.codes_changed.append({"layer": row.__tablename__, "id": row.id,
                                      "file_code": code, "code": current})
        return
    row.code = code  # type: ignore[attr-defined]
    session.flush()
