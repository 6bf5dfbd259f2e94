"""Writing features: validation, scope, optimistic versions and the audit log.

The API, the office editor and the file importers all write through these functions,
so a feature is checked the same way whichever door it comes in by.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app import audit
from app.accounts.auth import Actor, check_scope
from app.addresses.divisions import validate_division
from app.models import MODEL_OF_RESOURCE, Building, Community, Gate, PlaceFeature
from app.places.schemas import COLUMN_OF, GEOMETRY_TYPES, PROPS, READ_ONLY
from app.places.serialize import feature_properties, to_feature
from app.places.validation_messages import describe_validation_error
from geo import settings
from geo.errors import InvalidGeometry, InvalidInput, NotFound, StaleWrite
from geo.geometry.checks import parse_geometry
from geo.geometry.coords import distance_m
from geo.osm.entrances import GUESSED_SOURCES, MAPPED


def resource_model(resource: str) -> type[PlaceFeature]:
    """The model behind a resource name; ``NotFound`` for an unknown one."""
    model = MODEL_OF_RESOURCE.get(resource)
    if model is None:
        raise NotFound(f"没有“{resource}”这种资源", f"no such resource: {resource}")
    return model


def get_feature(session: Session, resource: str, feature_id: int) -> PlaceFeature:
    """The feature ``feature_id`` of ``resource``, or ``NotFound``."""
    row = session.get(resource_model(resource), feature_id)
    if row is None:
        raise NotFound(f"找不到编号为 {feature_id} 的{resource}",
                       f"{resource} {feature_id} not found")
    return row


def parse_feature(
    resource: str, body: Any, *, crs: str = "wgs84", current: PlaceFeature | None = None,
) -> tuple[BaseGeometry | None, dict[str, Any], int | None]:
    """Check a GeoJSON Feature body; return (geometry, properties, version sent).

    With ``current`` (an update) the body may leave out the geometry or properties it
    does not change. Properties come back validated, under their public names.
    """
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise InvalidInput("请求体应为 GeoJSON Feature（type 为 Feature）",
                           "the body must be a GeoJSON Feature")
    raw = body.get("properties") or {}
    if not isinstance(raw, dict):
        raise InvalidInput("properties 应为对象", "properties must be an object")
    version = raw.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise InvalidInput("version 应为整数", "version must be an integer")
    sent = {k: v for k, v in raw.items() if k not in READ_ONLY}
    if current is not None:
        sent = {**feature_properties(resource, current), **sent}
        sent = {k: v for k, v in sent.items() if k in PROPS[resource].model_fields}
    try:
        props = PROPS[resource].model_validate(sent).model_dump()
    except ValidationError as error:
        raise describe_validation_error(error) from error
    geometry = body.get("geometry")
    if geometry is None and current is not None:
        return None, props, version
    geom = parse_geometry(geometry, allowed=GEOMETRY_TYPES[resource], crs=crs)
    return geom, props, version


def _community_of(session: Session, resource: str, row_or_props: dict[str, Any]) -> Community | None:
    if resource == "communities":
        return None
    if resource == "units":
        building = session.get(Building, row_or_props["building"])
        if building is None:
            raise InvalidInput(f"楼栋 {row_or_props['building']} 不存在",
                               f"building {row_or_props['building']} does not exist")
        return session.get(Community, building.community_id) if building.community_id else None
    community_id = row_or_props.get("community")
    if community_id is None:
        return None
    community = session.get(Community, community_id)
    if community is None:
        raise InvalidInput(f"小区 {community_id} 不存在", f"community {community_id} does not exist")
    return community


def _check_semantics(session: Session, resource: str, geom: BaseGeometry,
                     props: dict[str, Any], community: Community | None) -> None:
    if resource == "communities" and props.get("division_code"):
        validate_division(session, props["division_code"])
    if resource == "gates" and community is not None:
        offset = distance_m(geom, community.geom.boundary)
        if offset > settings.GATE_MAX_OFFSET_M:
            raise InvalidGeometry(
                f"出入口离小区“{community.name}”的边界 {offset:.0f} 米，"
                f"应在 {settings.GATE_MAX_OFFSET_M:.0f} 米以内",
                f"gate is {offset:.0f} m from the boundary of {community.name!r}; "
                f"it must be within {settings.GATE_MAX_OFFSET_M:.0f} m",
                details={"offset_m": round(offset, 1)})


def _authorise(actor: Actor, resource: str, community: Community | None,
               props: dict[str, Any], current: PlaceFeature | None) -> None:
    if resource == "communities":
        check_scope(actor, current, division_code=props.get("division_code"))  # type: ignore[arg-type]
        if current is not None and props.get("division_code") != current.division_code:
            check_scope(actor, None, division_code=props.get("division_code"))
        return
    check_scope(actor, community)


def _apply(row: PlaceFeature, resource: str, geom: BaseGeometry | None,
           props: dict[str, Any], community: Community | None) -> None:
    for name, value in props.items():
        setattr(row, COLUMN_OF.get(name, name), value)
    if resource == "units":
        row.community_id = community.id if community else None  # type: ignore[attr-defined]
    if geom is not None:
        row.geom = geom


def create_feature(session: Session, actor: Actor, resource: str, body: Any, *,
                   crs: str = "wgs84", action: str = "create", note: str | None = None,
                   source: str = "office", uid: str | None = None) -> PlaceFeature:
    """Validate, authorise, store (flushed) and audit a new feature; returns it.

    ``action``/``note`` label the audit entry (``import``, ``revert``). ``source`` is
    ``office`` for office edits, ``demo`` for demo annotations. ``uid`` keeps a known
    identity (an imported or restored feature's); a new feature gets a fresh one. Like every write here it
    does not commit: the request or command does, so a file import is one transaction.
    """
    model = resource_model(resource)
    geom, props, _ = parse_feature(resource, body, crs=crs)
    assert geom is not None
    community = _community_of(session, resource, props)
    _check_semantics(session, resource, geom, props, community)
    _authorise(actor, resource, community, props, None)
    row = model(source=source, demo=source == "demo")
    if uid is not None:
        row.uid = uid
    _apply(row, resource, geom, props, community)
    if resource == "communities" and actor.user is not None and actor.user.office_id:
        row.office_id = actor.user.office_id  # type: ignore[attr-defined]
    session.add(row)
    session.flush()
    audit.record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
                 action=action, table=resource, feature_id=row.id, after=to_feature(resource, row),
                 note=note)
    return row


def _check_version(row: PlaceFeature, version: int | None) -> None:
    if version is None:
        raise InvalidInput("修改时需要提供当前版本号 properties.version（或 If-Match 头）",
                           "updates need the current properties.version (or an If-Match header)")
    if version != row.version:
        raise StaleWrite(
            f"该要素已被他人修改（您的版本 {version}，当前版本 {row.version}），请刷新后重试",
            f"stale version {version}; current is {row.version}: reload and try again",
            details={"current_version": row.version, "your_version": version})


def update_feature(session: Session, actor: Actor, resource: str, feature_id: int, body: Any, *,
                   crs: str = "wgs84", if_match: int | None = None, action: str = "update",
                   note: str | None = None) -> PlaceFeature:
    """Validate, authorise, version-check, store (flushed: a concurrent change raises
    ``StaleDataError`` here) and audit a change to a feature (``action`` and ``note`` as
    for ``create_feature``)."""
    row = get_feature(session, resource, feature_id)
    before = to_feature(resource, row)
    geom, props, version = parse_feature(resource, body, crs=crs, current=row)
    _check_version(row, version if version is not None else if_match)
    old_community = _community_of(session, resource, feature_properties(resource, row))
    community = _community_of(session, resource, props)
    _check_semantics(session, resource, geom or row.geom, props, community)
    _authorise(actor, resource, old_community, props, row)
    if community is not old_community:
        _authorise(actor, resource, community, props, row)
    _apply(row, resource, geom, props, community)
    if row.source in (MAPPED, *GUESSED_SOURCES):
        row.edited = True
    if isinstance(row, Gate) and row.source in GUESSED_SOURCES:
        _confirm_gate(row)
    session.flush()
    audit.record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
                 action=action, table=resource, feature_id=row.id, before=before,
                 after=to_feature(resource, row), note=note)
    return row


def _confirm_gate(gate: Gate) -> None:
    """An office edit of an inferred or proposed entrance (confirming, moving or renaming
    it) confirms it: it becomes the office's (``source`` office, not ``inferred``). It keeps
    its OSM key, so a new import of the extract finds it, leaves it alone and adds no twin."""
    gate.source = "office"
    gate.inferred = False
    if gate.kind in GUESSED_SOURCES:
        gate.kind = "gate"


def delete_feature(session: Session, actor: Actor, resource: str, feature_id: int, *,
                   version: int | None = None, action: str = "delete",
                   note: str | None = None) -> None:
    """Authorise, version-check (when a version is given), delete (flushed) and audit a
    feature (``action`` and ``note`` as for ``create_feature``)."""
    row = get_feature(session, resource, feature_id)
    if version is not None:
        _check_version(row, version)
    community = row if resource == "communities" else _community_of(
        session, resource, feature_properties(resource, row))
    check_scope(actor, community)  # type: ignore[arg-type]
    before = to_feature(resource, row)
    session.delete(row)
    audit.record(session, actor=actor.name, user_id=actor.user.id if actor.user else None,
                 action=action, table=resource, feature_id=feature_id, before=before, note=note)
    session.flush()
