"""Spatial queries give the exact answers on both backends, through their indexes."""

from __future__ import annotations

import random

import shapely
from flask import Flask
from sqlalchemy import inspect, select, text

from app.db import get_engine, get_session
from app.models import Building, Community, Gate
from app.spatial import bbox_candidates, communities_containing, exact_in_bbox, gates_near_boundary
from geo.geometry.coords import distances_m


def test_spatial_indexes_exist(imported_app: Flask, backend: str) -> None:
    with imported_app.app_context():
        engine = get_engine()
        if backend == "postgis":
            with engine.connect() as conn:
                indexes = set(conn.scalars(text(
                    "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")))
            assert {f"ix_{t}_geom" for t in ("communities", "gates", "buildings", "units",
                                             "paths", "facilities")} <= indexes
        else:
            tables = set(inspect(engine).get_table_names())
            assert {"rtree_communities", "rtree_gates", "rtree_buildings"} <= tables


def test_bbox_matches_brute_force(imported_app: Flask) -> None:
    rng = random.Random(7)
    with imported_app.app_context():
        db = get_session()
        everything = list(db.scalars(select(Building)))
        for _ in range(20):
            west, south = rng.uniform(116.30, 116.36), rng.uniform(39.95, 40.01)
            bbox = (west, south, west + rng.uniform(0.001, 0.01), south + rng.uniform(0.001, 0.01))
            query = bbox_candidates(db, Building, select(Building), bbox)
            found = {b.id for b in exact_in_bbox(db, list(db.scalars(query)), bbox)}
            expected = {b.id for b in everything if b.geom.intersects(shapely.box(*bbox))}
            assert found == expected


def test_community_containing_matches_brute_force(imported_app: Flask) -> None:
    with imported_app.app_context():
        db = get_session()
        communities = list(db.scalars(select(Community)))
        probes = [c.geom.representative_point() for c in communities]
        probes += [shapely.Point(116.3455, 39.9990), shapely.Point(116.3200, 40.0000)]
        for probe in probes:
            found = [c.id for c in communities_containing(db, probe.x, probe.y)]
            expected = sorted((c for c in communities if c.geom.covers(probe)),
                              key=lambda c: c.geom.area)
            assert found == [c.id for c in expected]


def test_gates_near_boundary_matches_brute_force(imported_app: Flask) -> None:
    with imported_app.app_context():
        db = get_session()
        gates = list(db.scalars(select(Gate)))
        for community in db.scalars(select(Community).limit(8)):
            offsets = dict(zip((g.id for g in gates),
                               distances_m(community.geom.boundary, [g.geom for g in gates]), strict=True))
            for metres in (5.0, 30.0, 120.0):
                found = {g.id for g in gates_near_boundary(db, community, metres)}
                expected = {gid for gid, offset in offsets.items() if offset <= metres}
                # Spheroid (PostGIS) and local projection (shapely) may differ by millimetres.
                borderline = {gid for gid, offset in offsets.items() if abs(offset - metres) < 0.05}
                assert found - borderline == expected - borderline
