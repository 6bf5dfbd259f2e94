"""Features as GeoJSON, the one representation used by the API, the audit log and exports."""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping

from app.models import PlaceFeature
from app.places.schemas import COLUMN_OF, PROPS

EXTRA_READ = {  # read-only properties some resources add
    "communities": ("name_is_placeholder", "office"),
    "units": ("community",),
}


def property_names(resource: str) -> list[str]:
    """The public property names of ``resource``, writable ones first."""
    return [*PROPS[resource].model_fields, *EXTRA_READ.get(resource, ())]


def feature_properties(resource: str, row: PlaceFeature) -> dict[str, Any]:
    """The writable and descriptive properties of ``row`` under their public names."""
    props = {name: getattr(row, COLUMN_OF.get(name, name)) for name in property_names(resource)}
    props.update({
        "code": getattr(row, "code", None),
        "uid": row.uid,
        "version": row.version,
        "source": row.source,
        "osm": row.osm_ref,
        "edited": row.edited,
        "demo": row.demo,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    })
    return props


def to_feature(resource: str, row: PlaceFeature) -> dict[str, Any]:
    """A GeoJSON Feature for ``row``; coordinates (lon, lat) in WGS-84."""
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": mapping(row.geom),
        "properties": feature_properties(resource, row),
    }
