"""Open311 GeoReport v2 endpoints under ``/open311/v2/``, each in JSON and XML by its
extension (``services.json``, ``requests.xml``): discovery, services, a service's
definition, requests (GET with filters, POST with ``api_key``) and one request. Errors
come in the specification's shape (a list of ``code`` and ``description``), with
Youlu's ``message`` and ``message_en`` added in JSON."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request, url_for

from app.db import get_session, roll_back
from app.models.base import utcnow
from app.open311.service import (
    CONTACT,
    create_request,
    find_requests,
    one_request,
    parse_filter,
    service_definition,
    services,
)
from app.openapi import document, id_parameter
from geo import open311
from geo.errors import YouluError

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
CHANGESET = "2026-12-02T00:00:00Z"  # when the endpoints below last changed
FORMAT = "<any(json,xml):fmt>"


def _answer(root: str, body: Any, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(open311.to_xml(root, body), status=status,
                        content_type="text/xml; charset=utf-8")
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


def _format() -> str:
    return "xml" if (request.view_args or {}).get("fmt") == "xml" else "json"


@bp.errorhandler(YouluError)
def open311_error(error: YouluError) -> Response:
    """A domain error in the specification's error shape."""
    roll_back()
    item: dict[str, Any] = {"code": error.status, "description": error.en}
    if _format() == "json":
        item.update(message=error.zh, message_en=error.en)
    return _answer("errors", [item], _format(), error.status)


def _photo_url(report_id: int) -> str:
    return url_for("reports.public_photo_jpg", report_id=report_id, _external=True)


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt: str) -> Response:
    """Service discovery: this one production endpoint and its formats."""
    body = {"changeset": CHANGESET, "contact": CONTACT, "key_service": CONTACT,
            "endpoints": [{"specification": open311.SPECIFICATION,
                           "url": url_for("open311.service_list", fmt="json", _external=True)
                           .rsplit("/", 1)[0],
                           "changeset": CHANGESET, "type": "production",
                           "formats": list(open311.FORMATS.values())}]}
    return _answer("discovery", body, fmt)


@bp.get(f"/services.{FORMAT}")
def service_list(fmt: str) -> Response:
    """GET services."""
    return _answer("services", services(), fmt)


@bp.get(f"/services/<code>.{FORMAT}")
def service(code: str, fmt: str) -> Response:
    """GET a service definition."""
    return _answer("service_definition", service_definition(code), fmt)


@bp.get(f"/requests.{FORMAT}")
def request_list(fmt: str) -> Response:
    """GET service requests, filtered."""
    found = find_requests(get_session(), parse_filter(request.args), now=utcnow(),
                          photo_url=_photo_url)
    return _answer("service_requests", found, fmt)


@bp.post(f"/requests.{FORMAT}")
def request_create(fmt: str) -> Response:
    """POST a service request (needs ``api_key``)."""
    return _answer("service_requests", create_request(get_session(), request.form), fmt)


@bp.get(f"/requests/<int:report_id>.{FORMAT}")
def request_one(report_id: int, fmt: str) -> Response:
    """GET one service request."""
    return _answer("service_requests", one_request(get_session(), report_id,
                                                   photo_url=_photo_url), fmt)


_FMT = {"name": "fmt", "in": "path", "required": True,
        "schema": {"type": "string", "enum": list(open311.FORMATS)}}
_FILTERS = [
    {"name": "service_request_id", "in": "query", "schema": {"type": "string", "pattern": r"^\d+(,\d+)*$"},
     "description": "ids, comma-separated"},
    {"name": "service_code", "in": "query", "schema": {"type": "string"}, "description": "comma-separated"},
    {"name": "start_date", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "end_date", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(open311.OPEN311_STATES)}}]
_NEW_REQUEST = {"type": "object", "required": ["api_key", "service_code"], "properties": {
    "api_key": {"type": "string", "description": "a Youlu API token"},
    "service_code": {"type": "string", "description": "a 随手拍 category"},
    "lat": {"type": "string"}, "long": {"type": "string"},
    "address_id": {"type": "string", "description": "a Youlu standard address code (instead of lat/long)"},
    "description": {"type": "string"}}}


def _object(*required: str) -> dict[str, Any]:
    """JSON or XML content of an object answer with the ``required`` keys."""
    return {"application/json": {"schema": {"type": "object", "required": list(required)}},
            "text/xml": {"schema": {"type": "string"}}}


_BODY = {"application/json": {"schema": {"type": "array"}}, "text/xml": {"schema": {"type": "string"}}}
_ERRORS = {str(code): {"description": f"Open311 error list [{{code, description}}] ({why})",
                       "content": _BODY}
           for code, why in ((400, "bad parameter"), (403, "api_key missing or invalid"))}
# A format other than json or xml matches no endpoint: the site's 404 page.
_NO_FORMAT = {"404": {"description": "Open311 error list (unknown service or request), or the "
                                     "site's 404 for a format other than json and xml"}}
document("/open311/v2/discovery.{fmt}", {"get": {
    "summary": "Open311 GeoReport v2 service discovery", "parameters": [_FMT],
    "responses": {"200": {"description": "changeset, contact, key_service, endpoints",
                          "content": _object("changeset", "contact", "endpoints")}, **_NO_FORMAT}}})
document("/open311/v2/services.{fmt}", {"get": {
    "summary": "Open311 services: one per 随手拍 category", "parameters": [_FMT],
    "responses": {"200": {"description": "service_code, service_name, description, metadata, "
                                         "type, keywords, group", "content": _BODY},
                  **_NO_FORMAT}}})
document("/open311/v2/services/{service_code}.{fmt}", {"get": {
    "summary": "Open311 service definition (no extra attributes)", "parameters": [
        {"name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}},
        _FMT], "responses": {"200": {"description": "service_code, attributes",
                                     "content": _object("service_code", "attributes")},
                             **_NO_FORMAT}}})
document("/open311/v2/requests.{fmt}", {
    "get": {"summary": "Open311 service requests (filters: service_request_id, service_code, "
                       "start_date, end_date, status)", "parameters": [_FMT, *_FILTERS],
            "responses": {"200": {"description": "service requests, newest first", "content": _BODY},
                          "400": _ERRORS["400"], **_NO_FORMAT}},
    "post": {"summary": "File a report as an Open311 service request (api_key, service_code, "
                        "lat/long or address_id, description)", "parameters": [_FMT],
             "requestBody": {"required": True, "content": {
                 "application/x-www-form-urlencoded": {"schema": _NEW_REQUEST}}},
             "responses": {"200": {"description": "service_request_id, service_notice, "
                                                  "account_id", "content": _BODY}, **_ERRORS,
                           **_NO_FORMAT}}})
document("/open311/v2/requests/{id}.{fmt}", {"get": {
    "summary": "One Open311 service request", "parameters": [
        id_parameter("id", description="service_request_id"), _FMT],
    "responses": {"200": {"description": "a list of the one request", "content": _BODY},
                  **_NO_FORMAT}}})
