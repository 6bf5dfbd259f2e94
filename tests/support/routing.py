"""Fixtures and helpers shared by the routing tests (the fixtures are loaded for every test
by the root conftest): street graphs of the three real Beijing extracts compiled once per
session (cached under a temporary folder), their access data read with the OSM importer,
networks joining the two, and the imported app routing on that cache."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from flask import Flask

from geo.routing.cache import load_street_graph
from geo.routing.compound_layer import StreetIndex
from geo.routing.extract_inputs import access_data_from_extract
from geo.routing.inputs import AccessData
from geo.routing.network import AccessNetwork, Snapshot, with_building_doors
from geo.routing.street_graph import StreetGraph
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract

# A time when no test rule closes anything, and one at night.
NOON = "2025-05-01T12:00"
NIGHT = "2025-05-01T23:30"


@pytest.fixture(scope="session")
def routing_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("routing-cache")


@pytest.fixture(scope="session")
def streets(routing_cache: Path) -> dict[str, StreetGraph]:
    """Compiled street graphs of the three extracts, by short name."""
    return {name: load_street_graph(OSM_DIR / filename, cache_dir=routing_cache)
            for name, (filename, _division) in EXTRACTS.items()}


@pytest.fixture(scope="session")
def access(streets: dict[str, StreetGraph]) -> dict[str, AccessData]:
    """Compounds, gates, doors (units, and buildings without units) and facilities."""
    return {name: with_building_doors(access_data_from_extract(read_extract(name)), StreetIndex(street))
            for name, street in streets.items()}


@pytest.fixture(scope="session")
def networks(streets: dict[str, StreetGraph], access: dict[str, AccessData]
             ) -> dict[str, AccessNetwork]:
    """Access networks of the three extracts as imported (tests must not update them)."""
    return {name: AccessNetwork(streets[name], access[name]) for name in streets}


@pytest.fixture
def routed_app(imported_app: Flask, routing_cache: Path) -> Flask:
    """The app on the shared imported database, routing with the session's graph cache."""
    imported_app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    return imported_app


def state_graph(snap: Snapshot, gate_ok: np.ndarray, door_node: int) -> nx.DiGraph:
    """The search graph of ``snap`` as a plain networkx graph of (node, layer) states:
    every edge with a finite cost in a layer, gate passages only where ``gate_ok`` allows,
    and the switch from riding to walking where parking is allowed."""
    from geo.settings import PARKING_DELAY_S
    graph = nx.DiGraph()
    street = snap.street
    tails = np.concatenate([np.asarray(street.tail, dtype=np.int64),
                            np.repeat(np.arange(snap.n_nodes), np.diff(snap.o_indptr))])
    heads = np.concatenate([np.asarray(street.head, dtype=np.int64), snap.o_head])
    for layer in (0, 1):
        cost = snap.e_cost[:, layer]
        ok = np.isfinite(cost)
        gate = snap.e_gate
        ok &= (gate < 0) | ((gate_ok[np.maximum(gate, 0)] >> layer) & 1 == 1)
        for u, v, w in zip(tails[ok].tolist(), heads[ok].tolist(), cost[ok].tolist(), strict=True):
            if graph.has_edge((u, layer), (v, layer)) and graph[(u, layer)][(v, layer)]["weight"] <= w:
                continue
            graph.add_edge((u, layer), (v, layer), weight=w)
    park = snap.park.copy()
    park[door_node] = PARKING_DELAY_S
    for node in np.flatnonzero(np.isfinite(park)).tolist():
        graph.add_edge((node, 0), (node, 1), weight=float(park[node]))
    return graph
