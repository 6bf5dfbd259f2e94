"""Access networks built at import and cached beside the street graph (SQLite and
PostGIS): a new app process routes from the cache without reading the place tables, and
an office edit reads only the rows it changed and rebuilds only its compound's layer."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import event, func, select

from app.accounts.auth import Actor
from app.db import get_session
from app.models import Gate, Unit, User
from app.models.base import Feature
from app.places.editing import delete_feature, update_feature
from app.routing.places import TABLES, RoutingPlaces
from app.routing.service import load_deferred, networks
from geo import settings
from geo.errors import YouluError
from geo.routing.network import AccessNetwork
from geo.routing.route import route_to_door
from tests.support.databases import make_app
from tests.support.routing import NIGHT, NOON

BUPT_START = "116.3512,39.9600"
BUPT_UNIT_OSM = 12754262374
NORTH_GATE_OSM_IDS = (5184435996, 12753716512)


@pytest.fixture
def writable_routed_app(writable_imported_app: Flask, routing_cache: Path) -> Flask:
    writable_imported_app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    return writable_imported_app


@contextmanager
def place_rows_loaded() -> Iterator[Counter[str]]:
    """Count the place rows (communities, gates, buildings, units, facilities, paths)
    the ORM loads inside the block, by table."""
    loaded: Counter[str] = Counter()

    def count(target: Feature, _context: object) -> None:
        loaded[type(target).__tablename__] += 1  # type: ignore[attr-defined]

    event.listen(Feature, "load", count, propagate=True)
    try:
        yield loaded
    finally:
        event.remove(Feature, "load", count)


def _id_of(app: Flask, model: type[Unit] | type[Gate], osm_id: int) -> int:
    with app.app_context():
        return int(get_session().scalar(select(model.id).where(model.osm_id == osm_id)))


def _office(app: Flask) -> Actor:
    with app.app_context():
        session = get_session()
        admin = User(username="cache-test-admin", password_hash="x", role="admin")
        session.add(admin)
        session.commit()
        session.expunge(admin)
    return Actor(user=admin, token=None, via_session=False)


def _bupt(app: Flask):  # type: ignore[no-untyped-def]
    state = app.extensions["youlu_routing"]
    return next(n for n in state.networks if n.street.source.startswith("beijing_haidian_bupt"))


@pytest.mark.parametrize("moved", [False, True], ids=["in place", "checkout moved"])
def test_a_new_app_process_routes_from_the_cache_without_reading_the_place_tables(
        imported_url: str, routing_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        moved: bool) -> None:
    if moved:  # the project's folders are elsewhere: the cached network is still used
        for name in ("PROJECT_ROOT", "DATA_DIR", "DIVISIONS_DIR", "OSM_DIR", "ROUTING_CACHE_DIR"):
            monkeypatch.setattr(settings, name, tmp_path / "moved" / name.lower())
    app = make_app(imported_url, tmp_path)
    app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    unit = _id_of(app, Unit, BUPT_UNIT_OSM)
    with app.app_context():
        rows = sum(get_session().scalar(select(func.count()).select_from(model))
                   for model in TABLES)
    try:
        with place_rows_loaded() as loaded:
            response = app.test_client().get(f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NOON}")
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["to"]["id"] == unit
        # The route reads its own door's row; the compounds, gates and doors come from disk.
        assert sum(loaded.values()) <= 5, loaded
        assert rows > 1000
        assert len(_bupt(app).snapshot.doors) > 100
    finally:
        app.extensions["db_engine"].dispose()


def test_a_new_app_reads_the_edit_state_and_places_only_when_asked_and_then_as_built(
        imported_url: str, routing_cache: Path, tmp_path: Path) -> None:
    app = make_app(imported_url, tmp_path)
    app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    unit = _id_of(app, Unit, BUPT_UNIT_OSM)
    try:
        response = app.test_client().get(f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NOON}")
        assert response.status_code == 200, response.get_json()
        network = _bupt(app)
        assert "_layers" not in vars(network) and "data" not in vars(network)  # still on disk
        assert app.extensions["youlu_routing"].places.pending is not None
        with app.app_context():
            load_deferred()
            fresh = RoutingPlaces()
            fresh.refresh(get_session())
            data = fresh.data()
        places = app.extensions["youlu_routing"].places
        assert places.pending is None and places.stamp == fresh.stamp
        assert places.data() == data
        built = AccessNetwork(network.street, data)
        assert set(network._layers) == set(built._layers) and len(built._layers) > 2
        assert all(network._layers[k][0] == built._layers[k][0] for k in built._layers)  # inputs
        assert network.data == built.data
    finally:
        app.extensions["db_engine"].dispose()


def test_an_edit_to_one_compound_changes_its_routes_and_leaves_other_layers_untouched(
        writable_routed_app: Flask) -> None:
    app = writable_routed_app
    client = app.test_client()
    unit = _id_of(app, Unit, BUPT_UNIT_OSM)
    north = {_id_of(app, Gate, osm) for osm in NORTH_GATE_OSM_IDS}
    url = f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NIGHT}"
    assert client.get(url).get_json()["gate"]["id"] in north
    layers = {id(n): dict(n._layers) for n in app.extensions["youlu_routing"].networks}
    office = _office(app)
    with app.app_context():
        session = get_session()
        for gate in session.scalars(select(Gate).where(Gate.id.in_(north))):
            update_feature(session, office, "gates", gate.id, {
                "type": "Feature",
                "properties": {"opening_hours": "Mo-Su 06:00-22:00", "version": gate.version}})
        session.commit()
        compound = session.get(Gate, min(north)).community_id
    with place_rows_loaded() as loaded:
        after = client.get(url).get_json()
    assert after["gate"]["id"] not in north
    assert {g["id"] for g in after["gates_skipped"]} >= north
    assert loaded["gates"] == len(north) and loaded["communities"] == 0, loaded
    for network in app.extensions["youlu_routing"].networks:
        before = layers[id(network)]
        changed = {cid for cid, entry in network._layers.items() if before.get(cid) is not entry}
        assert changed == ({compound} if network is _bupt(app) else set())


def test_a_deleted_gate_is_no_longer_routed_through(writable_routed_app: Flask) -> None:
    app = writable_routed_app
    client = app.test_client()
    unit = _id_of(app, Unit, BUPT_UNIT_OSM)
    url = f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NOON}"
    first = client.get(url).get_json()["gate"]["id"]
    office = _office(app)
    with app.app_context():
        session = get_session()
        delete_feature(session, office, "gates", first)
        session.commit()
    after = client.get(url).get_json()
    assert after["gate"]["id"] != first
    assert all(g.id != first for g, _c in _bupt(app).snapshot.gates)


def test_a_network_loaded_from_the_cache_routes_as_one_built_from_the_database(
        imported_url: str, routing_cache: Path, tmp_path: Path) -> None:
    app = make_app(imported_url, tmp_path)
    app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    try:
        with app.app_context():
            session = get_session()
            places = RoutingPlaces()
            places.refresh(session)
            data = places.data()
            compared, routed = 0, 0
            for warm in networks(session):  # memory-mapped arrays, geometries from WKB
                cold = AccessNetwork(warm.street)
                cold.update(data)
                assert warm.snapshot.n_nodes == cold.snapshot.n_nodes
                assert len(warm.snapshot.doors) == len(cold.snapshot.doors)
                doors = sorted(k for k in cold.snapshot.doors if k[0] == "unit")[::12]
                snap = cold.snapshot
                streets = np.flatnonzero(np.asarray(warm.street.node_main)
                                         & (snap.node_compound[:snap.n_base] < 0))
                for i, key in enumerate(doors):
                    start = snap.lonlat(int(streets[i * 7919 % len(streets)]))  # a street node
                    answers = []
                    for net in (warm, cold):
                        try:
                            answer = route_to_door(net, start, key, at=NOON)
                        except YouluError as error:
                            answers.append(("error", error.en))
                        else:
                            answers.append((answer["distance_m"], (answer["gate"] or {}).get("id"),
                                            answer["duration_s"]))
                    assert answers[0] == answers[1], key
                    compared += 1
                    routed += answers[0][0] != "error"
            assert compared >= 20 and routed >= 5, (compared, routed)  # answers and refusals alike
    finally:
        app.extensions["db_engine"].dispose()


def test_an_hours_edit_renews_the_gates_as_a_full_assembly_would(writable_routed_app: Flask) -> None:
    app = writable_routed_app
    client = app.test_client()
    unit = _id_of(app, Unit, BUPT_UNIT_OSM)
    north = sorted(_id_of(app, Gate, osm) for osm in NORTH_GATE_OSM_IDS)
    url = f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NIGHT}"
    assert client.get(url).status_code == 200
    office = _office(app)
    with app.app_context():
        session = get_session()
        gate = session.get(Gate, north[0])
        update_feature(session, office, "gates", gate.id, {
            "type": "Feature", "properties": {"opening_hours": "Mo-Su 06:00-22:00",
                                              "name": "夜里关的北门", "version": gate.version}})
        session.commit()
    before = _bupt(app).snapshot
    after_route = client.get(url).get_json()
    net = _bupt(app)
    patched = net.snapshot
    assert patched is not before and patched.e_cost is before.e_cost  # same arrays, new gates
    full = net._assemble(list(net._layers.values()))
    assert patched.gates == full.gates and patched.compounds == full.compounds
    for name in ("gate_static", "gate_hours", "gate_nodes", "gate_connected"):
        assert (getattr(patched, name) == getattr(full, name)).all(), name
    assert any(g.id == north[0] and g.name == "夜里关的北门" for g, _c in patched.gates)
    assert after_route["gate"]["id"] != north[0]


@pytest.mark.parametrize("damage", ["cut short", "second half unreadable"])
def test_a_damaged_network_cache_is_rebuilt_and_an_edit_still_lands(
        writable_imported_app: Flask, routing_cache: Path, tmp_path: Path, damage: str) -> None:
    app = writable_imported_app
    cache = shutil.copytree(routing_cache, tmp_path / "routing")
    app.config["ROUTING_CACHE_DIR"] = str(cache)
    entry = next(cache.glob("beijing_haidian_bupt*/network.pickle"))
    raw = entry.read_bytes()
    # cut short: a file that ends early; unreadable: its last bytes, the deferred half's
    # end, overwritten with an opcode pickle does not have
    entry.write_bytes(raw[:-4096] if damage == "cut short" else raw[:-64] + b"\xff" * 64)
    client = app.test_client()
    unit = _id_of(app, Unit, BUPT_UNIT_OSM)
    url = f"/api/v1/route?from={BUPT_START}&to=unit:{unit}&at={NOON}"
    first = client.get(url).get_json()["gate"]["id"]
    with app.app_context():
        session = get_session()
        delete_feature(session, _office(app), "gates", first)
        session.commit()
    after = client.get(url)
    assert after.status_code == 200, after.get_json()
    assert after.get_json()["gate"]["id"] != first
    assert all(g.id != first for g, _c in _bupt(app).snapshot.gates)
    assert not entry.exists() or damage == "cut short"  # no other worker loads it again
