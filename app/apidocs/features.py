"""The feature resources in the OpenAPI document: their paths and the schemas of what is
written (the pydantic property models) and of what is read back (those properties and
the ones the server owns)."""

from __future__ import annotations

from typing import Any

from app.geojson import GEOJSON
from app.openapi import RESOURCE_ZH, error_responses, id_parameter, json_answer
from app.params import INT_ARG_MAX
from app.places.api import DEFAULT_LIMIT, MAX_LIMIT
from app.places.schemas import GEOMETRY_TYPES, PROPS
from app.places.serialize import EXTRA_READ
from geo.geometry.coords import CRS_NAMES

_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_TEXT = {"type": ["string", "null"]}
# The properties the server owns, as read back (``app.places.serialize``).
_SERVER_OWNED: dict[str, dict[str, Any]] = {
    "code": {**_NULLABLE_TEXT, "description": "standard address code, null until allocated"},
    "uid": {"type": "string", "description": "stable identity across databases"},
    "version": {"type": "integer", "minimum": 1},
    "source": {"type": "string", "example": "osm"},
    "osm": {**_NULLABLE_TEXT, "example": "way/123"},
    "edited": {"type": "boolean"}, "demo": {"type": "boolean"},
    "updated_at": {**_NULLABLE_TEXT, "description": "ISO 8601, UTC"},
    "name_is_placeholder": {"type": "boolean"}, "office": _NULLABLE_INT, "community": _NULLABLE_INT,
}
_WRITER: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _geometry(resource: str) -> dict[str, Any]:
    return {"type": "object", "description": "GeoJSON " + " or ".join(GEOMETRY_TYPES[resource])
            + ", WGS-84 (lon, lat); send crs=gcj02 to convert GCJ-02 input"}


def feature_schemas(resource: str) -> dict[str, Any]:
    """Components of ``resource``: its properties to create, to update and as read, and the
    Feature of each."""
    model = PROPS[resource]
    name = model.__name__
    written = model.model_json_schema(ref_template="#/components/schemas/{model}")
    update = {key: value for key, value in written.items() if key not in ("required", "title")}
    update["properties"] = {**written["properties"], "version": {
        "type": "integer", "minimum": 1, "description": "the version read (or If-Match)"}}
    update.pop("additionalProperties", None)  # read-only and unknown properties are ignored
    read = {"type": "object", "title": f"{name}Read", "properties": {
        **{key: {k: v for k, v in value.items() if k != "default"}
           for key, value in written["properties"].items()},
        **{key: _SERVER_OWNED[key] for key in ("code", "uid", "version", "source", "osm",
                                              "edited", "demo", "updated_at",
                                              *EXTRA_READ.get(resource, ()))}}}
    read["required"] = list(read["properties"])
    return {
        name: written, f"{name}Update": update, f"{name}Read": read,
        f"{resource}Feature": {"type": "object", "required": ["type", "geometry", "properties"],
                               "properties": {"type": {"const": "Feature"},
                                              "geometry": _geometry(resource),
                                              "properties": _ref(name)}},
        f"{resource}FeatureUpdate": {"type": "object", "required": ["type"], "properties": {
            "type": {"const": "Feature"}, "geometry": _geometry(resource),
            "properties": _ref(f"{name}Update")}},
        f"{resource}FeatureRead": {"type": "object", "required": ["type", "id", "geometry", "properties"],
                                   "properties": {"type": {"const": "Feature"}, "id": {"type": "integer"},
                                                  "geometry": _geometry(resource),
                                                  "properties": _ref(f"{name}Read")}},
    }


def _collection(resource: str) -> dict[str, Any]:
    return {"type": "object", "required": ["type", "features", "numberMatched", "numberReturned", "links"],
            "properties": {
                "type": {"const": "FeatureCollection"},
                "features": {"type": "array", "items": _ref(f"{resource}FeatureRead")},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
                "links": {"type": "array", "items": {"type": "object", "required": ["rel", "href"],
                                                     "properties": {"rel": {"const": "next"},
                                                                    "href": {"type": "string"}}}}}}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": _ref(schema)}
                                          for media in ("application/json", GEOJSON)}}


def feature_paths(resource: str) -> dict[str, Any]:
    """The list, create, read, update and delete operations of ``resource``."""
    one = json_answer("the feature (ETag: its version)", _ref(f"{resource}FeatureRead"),
                      media_type=GEOJSON)
    tag = [f"{RESOURCE_ZH[resource]} {resource}"]
    crs = {"name": "crs", "in": "query", "schema": {"enum": list(CRS_NAMES)},
           "description": "coordinates of the body; gcj02 is converted to WGS-84"}
    if_match = {"name": "If-Match", "in": "header", "schema": {"type": "string", "pattern": r'^"?\d+"?$'},
                "description": "the current version (instead of properties.version)"}
    list_params = [
        {"name": "bbox", "in": "query", "schema": {"type": "string"}, "example": "116.35,39.99,116.37,40.01",
         "description": "W,S,E,N in WGS-84 degrees (west < east, south < north, overlapping China)"},
        id_parameter("community", "query", description="compound id"),
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                      "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0,
                                                       "maximum": INT_ARG_MAX, "default": 0}}]
    if "kind" in PROPS[resource].model_fields:
        list_params.append({"name": "kind", "in": "query", "schema": {"type": "string"}})
    update = {"security": _WRITER, "parameters": [crs, if_match],
              "requestBody": _body(f"{resource}FeatureUpdate"),
              "responses": {"200": one, **error_responses(409)}}
    return {
        f"/api/v1/{resource}": {
            "get": {"tags": tag, "summary": f"List {resource} (FeatureCollection)",
                    "parameters": list_params,
                    "responses": {"200": json_answer("FeatureCollection, next page in links",
                                                     _collection(resource), media_type=GEOJSON)}},
            "post": {"tags": tag, "summary": f"Create a {resource} feature", "security": _WRITER,
                     "parameters": [crs], "requestBody": _body(f"{resource}Feature"),
                     "responses": {"201": {**one, "headers": {"Location": {"schema": {"type": "string"}}}}}}},
        f"/api/v1/{resource}/{{id}}": {
            "parameters": [id_parameter("id")],
            "get": {"tags": tag, "summary": "Read one feature", "responses": {"200": one}},
            "put": {"tags": tag, "summary": "Update (properties.version or If-Match required)", **update},
            "patch": {"tags": tag, "summary": "Partial update (same rules as PUT)", **update},
            "delete": {"tags": tag, "summary": "Delete (?version= or If-Match checked when given)",
                       "security": _WRITER,
                       "parameters": [{"name": "version", "in": "query", "schema": {
                           "type": "integer", "minimum": 0, "maximum": INT_ARG_MAX}}, if_match],
                       "responses": {"204": {"description": "deleted"}, **error_responses(409)}}},
    }
