"""The offline bundle (GET /api/v1/bundle) on SQLite and PostGIS: the feed read from
cursor 0 rebuilds the same features as the bundle, in GeoJSON and GeoPackage, with the
key set and the cursor; what comes after the cursor is what changed since; bad input."""

from __future__ import annotations

import json

import pyogrio
import pytest
from flask import Flask

from app.platforms.bundle import INFO_LAYER
from geo.platforms.changes import FEATURE_KINDS
from tests.support.accounts import Accounts
from tests.support.platforms import office_session


def _replay(changes: list[dict]) -> dict[tuple[str, int], int]:
    """Features (resource, id) → version, rebuilt by applying the feed in order."""
    state: dict[tuple[str, int], int] = {}
    for c in changes:
        if c["kind"] not in (*FEATURE_KINDS, "gate_rules"):
            continue
        key = (c["resource"], c["id"])
        if c["tombstone"]:
            state.pop(key, None)
        else:
            state[key] = c["version"]
    return state


def _feed(client, accounts: Accounts, since: str = "0") -> list[dict]:
    return client.get("/api/v1/changes", query_string={"since": since, "limit": 1000},
                      headers=accounts.headers("platform")).get_json()["changes"]


def test_feed_from_zero_rebuilds_the_bundle(app: Flask, client, accounts: Accounts,
                                            tmp_path) -> None:
    ids = office_session(app, client, accounts)
    h = accounts.headers("platform")
    geojson = client.get("/api/v1/bundle?division=110108010&format=geojson", headers=h)
    assert geojson.status_code == 200, geojson.get_json()
    body = json.loads(geojson.data)
    bundled = {(f["properties"]["layer"], f["id"]): f["properties"]["version"]
               for f in body["features"]}
    assert bundled == _replay(_feed(client, accounts))
    assert ("gates", ids["east"]) not in bundled and bundled[("gates", ids["south"])] == 2
    south = next(f for f in body["features"]
                 if f["id"] == ids["south"] and f["properties"]["layer"] == "gates")
    assert south["properties"]["rider_access"] == "pass"
    assert south["properties"]["opening_hours"] == "Mo-Su 06:00-22:00"
    info = body["youlu"]
    assert info["cursor"] == _feed(client, accounts)[-1]["cursor"]
    assert [k["status"] for k in info["keys"]["keys"]] == ["retired", "active"]

    gpkg = client.get("/api/v1/bundle?division=110108010", headers=h)
    assert gpkg.status_code == 200 and gpkg.mimetype == "application/geopackage+sqlite3"
    path = tmp_path / "bundle.gpkg"
    path.write_bytes(gpkg.data)
    from_gpkg = {}
    for layer, _kind in pyogrio.list_layers(path):
        if layer == INFO_LAYER:
            table = pyogrio.read_dataframe(path, layer=layer)
            meta = dict(zip(table["key"], table["value"], strict=True))
            assert json.loads(meta["cursor"]) == info["cursor"]
            continue
        frame = pyogrio.read_dataframe(path, layer=layer)
        from_gpkg.update({(layer, int(i)): int(v)
                          for i, v in zip(frame["id"], frame["version"], strict=True)})
    assert from_gpkg == bundled

    # after the bundle: only what changed since comes from the feed
    client.patch(f"/api/v1/gates/{ids['south']}", json={
        "type": "Feature", "geometry": None, "properties": {"version": 2, "rider_access": "open"}},
        headers=accounts.headers("editor"))
    later = _feed(client, accounts, info["cursor"])
    assert [(c["kind"], c["id"], c["version"]) for c in later] == [("gate_rules", ids["south"], 3)]


@pytest.mark.parametrize(("query", "message"), [
    ("division=北京", "区划代码“北京”无效"),
    ("division=", "区划代码“”无效"),
    ("division=110108010&format=shp", "格式“shp”不支持"),
])
def test_bad_bundle_requests(client, accounts: Accounts, query: str, message: str) -> None:
    response = client.get(f"/api/v1/bundle?{query}", headers=accounts.headers("platform"))
    assert response.status_code == 400
    assert message in response.get_json()["message"] and response.get_json()["message_en"]


def test_bundle_needs_a_token(client) -> None:
    assert client.get("/api/v1/bundle?division=110108010").status_code == 401
