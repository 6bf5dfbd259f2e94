"""The OpenAPI document (app.openapi, app.apidocs) against the app it describes: every API
route is documented, every path parameter declared, every integer bound stated, every
success answer has its content type, and the content types documented are those served."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.openapi import RESOURCE_ZH
from app.page_errors import JSON_PREFIXES
from tests.support.accounts import make_accounts

METHODS = ("get", "put", "post", "delete", "patch")


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
    return [(path, method, item[method], item.get("parameters", []) + item[method].get("parameters", []))
            for path, item in doc["paths"].items() for method in METHODS if method in item]


def _shape(path: str) -> str:
    """A path with its parameters blanked: ``/a/{id}/b`` and ``/a/<int:x>/b`` both ``/a/{}/b``."""
    return re.sub(r"\{[^}]+\}", "{}", re.sub(r"<(?:[^:>]+:)?[^>]+>", "{}", path))


def test_every_api_route_is_documented(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(_shape(path), method.upper()) for path, method, _, _ in _operations(doc)}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith((*JSON_PREFIXES, "/open311/")):
            continue
        # /api/v1/<resource> is documented once per resource, /api/v1/communities…
        concrete = [re.sub(r"<[^>]*:resource>", name, rule.rule) for name in RESOURCE_ZH]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (_shape(rule.rule), method) in documented or all(
                (_shape(path), method) in documented for path in concrete), (method, rule.rule)


def test_every_path_parameter_is_declared_with_its_bounds(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method, _operation, parameters in _operations(doc):
        declared = {p["name"]: p for p in parameters if p["in"] == "path"}
        assert set(re.findall(r"\{([^}]+)\}", path)) == set(declared), (method, path)
        for parameter in declared.values():
            assert parameter["required"] is True
            if parameter["schema"].get("type") == "integer":
                assert parameter["schema"]["minimum"] == 0
                assert parameter["schema"]["maximum"] == 2**31 - 1, (path, parameter)


def test_limits_have_bounds_and_success_answers_a_content_type(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    limits = 0
    for path, method, operation, parameters in _operations(doc):
        for parameter in parameters:
            if parameter["name"] in ("limit", "k"):
                limits += 1
                assert {"minimum", "maximum"} <= set(parameter["schema"]), (path, parameter)
        for code, answer in operation["responses"].items():
            if code.startswith("2") and code != "204":
                assert answer.get("content"), (method, path, code)
        if path.startswith("/api/"):
            assert "503" in operation["responses"], (method, path)  # a busy database
            if parameters or "requestBody" in operation:
                assert "400" in operation["responses"], (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
    assert limits >= 4  # features, resolve, changes, nearest


def test_geojson_is_served_as_documented(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    headers = make_accounts(app).headers("admin")
    created = client.post("/api/v1/facilities", headers=headers, json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [116.3547, 39.9612]},
        "properties": {"kind": "toilet"}})
    listed = client.get("/api/v1/facilities")
    one = client.get(created.headers["Location"])
    for answer, path, method, code in ((created, "/api/v1/facilities", "post", "201"),
                                       (listed, "/api/v1/facilities", "get", "200"),
                                       (one, "/api/v1/facilities/{id}", "get", "200")):
        assert answer.status_code == int(code)
        assert answer.mimetype == "application/geo+json"
        assert list(doc["paths"][path][method]["responses"][code]["content"]) == ["application/geo+json"]
        assert answer.get_json()["type"] in ("Feature", "FeatureCollection")
    # The properties read back hold the ones the server owns, as the read schema says.
    read = doc["components"]["schemas"]["FacilityPropsRead"]
    assert set(read["required"]) == set(one.get_json()["properties"])
    assert "additionalProperties" not in read
    assert doc["components"]["schemas"]["FacilityProps"]["additionalProperties"] is False


_SAMPLE = {"resource": "communities", "fmt": "json", "rider": "r1", "id_or_code": "1",
           "service_code": "broken_gate"}


def test_every_other_method_answers_405_with_the_documented_ones(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, item in doc["paths"].items():
        url = re.sub(r"\{([^}]+)\}", lambda m: _SAMPLE.get(m.group(1), "1"), path)
        documented = {m.upper() for m in METHODS if m in item}
        for method in set(m.upper() for m in METHODS) - documented:
            answer = client.open(url, method=method)
            assert answer.status_code == 405, (method, url, answer.status_code)
            assert {m.strip() for m in answer.headers["Allow"].split(",")} - {"HEAD", "OPTIONS"} \
                == documented, (method, url)
            checked += 1
    assert checked > 150
