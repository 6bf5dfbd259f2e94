"""Aggregates for platforms (GET /api/v1/aggregates) on SQLite and PostGIS: counts per
compound and committee on the imported Beijing extracts equal counts made in SQL here,
small counts are null, entries per hour of the week fall in Beijing-time buckets, and
the median seconds saved against the compound's centroid is the median of real routes
that the public route API gives the same saving for."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime

import pytest
from flask import Flask
from shapely.geometry import Point
from sqlalchemy import func, select

from app.db import get_session
from app.models import Building, Community, Unit
from app.platforms.aggregates import aggregates, seconds_saved
from geo import settings
from geo.geometry.coords import distance_m
from geo.platforms.aggregates import entries_by_hour, hour_of_week, median_saved, ring, suppressed


def test_counts_match_sql_and_small_ones_are_null(imported_app: Flask) -> None:
    with imported_app.app_context():
        session = get_session()
        body = aggregates(session, "110108010")
        assert body["compounds"], "the qinghuadonglu extract has compounds in 110108010"
        for c in body["compounds"]:
            n = session.scalar(select(func.count()).select_from(Building)
                               .where(Building.community_id == c["id"]))
            units = session.scalar(select(func.count(Unit.id)).join(
                Building, Unit.building_id == Building.id).where(Building.community_id == c["id"]))
            assert c["buildings"] == (n if n >= settings.AGGREGATE_MIN_COUNT else None)
            assert c["units"] == (units if units >= settings.AGGREGATE_MIN_COUNT else None)
            assert len(c["entries_per_hour_of_week"]) == 168
        codes = {c.division_code for c in session.scalars(select(Community).where(
            Community.division_code.like("110108010%"))) if c.division_code
            and len(c.division_code) == 12}
        assert {c["code"] for c in body["committees"]} == codes


def test_hours_of_the_week_in_beijing_time() -> None:
    # Monday 2025-05-05 00:30 in Beijing is Sunday 16:30 UTC
    assert hour_of_week(datetime(2025, 5, 4, 16, 30, tzinfo=UTC)) == 0
    assert hour_of_week(datetime(2025, 5, 4, 15, 30, tzinfo=UTC)) == 167
    moments = [datetime(2025, 5, 5, 2, 0, tzinfo=UTC)] * 5 + [datetime(2025, 5, 5, 3, 0, tzinfo=UTC)] * 4
    counts = entries_by_hour(moments)
    assert counts[10] == 5 and counts[11] is None and sum(c or 0 for c in counts) == 5
    assert suppressed(4) is None and suppressed(5) == 5 and suppressed(0) is None


@pytest.mark.parametrize(("query", "status"), [("division=abc", 400), ("", 400)])
def test_bad_aggregate_requests(client, accounts, query: str, status: int) -> None:
    response = client.get(f"/api/v1/aggregates?{query}", headers=accounts.headers("platform"))
    assert response.status_code == status and "区划代码" in response.get_json()["message"]
    assert client.get("/api/v1/aggregates?division=110108010").status_code == 401


BUPT = "110108008"  # the bupt extract's street: its compounds have unit doors


def test_median_seconds_saved_comes_from_real_routes(routed_app: Flask) -> None:
    client = routed_app.test_client()
    with routed_app.app_context():
        session = get_session()
        body = aggregates(session, BUPT)
        measured = [c for c in body["compounds"] if c["median_seconds_saved"] is not None]
        assert measured, "a bupt compound with unit doors has enough routes to show"
        for c in measured:
            compound = session.get(Community, c["id"])
            centre = compound.geom.centroid
            routes = seconds_saved(session, c["id"], (centre.x, centre.y))
            assert len(routes) >= settings.AGGREGATE_MIN_COUNT
            assert c["median_seconds_saved"] == round(statistics.median(
                r.seconds for r in routes), 1)
            for r in routes:  # each saving is the one a rider's route answer reports
                answer = client.get(f"/api/v1/route?from={r.start[0]},{r.start[1]}"
                                    f"&to=unit:{r.unit_id}&at={settings.AGGREGATE_SAVED_AT}")
                assert answer.status_code == 200, answer.get_json()
                saved = answer.get_json()["saved"]
                assert saved["against"] == "compound_centroid"
                assert saved["seconds"] == r.seconds >= 0
        assert max(c["median_seconds_saved"] for c in measured) > 0  # door-level routing helps


def test_few_routes_are_suppressed(routed_app: Flask, monkeypatch) -> None:
    monkeypatch.setattr(settings, "AGGREGATE_SAVED_STARTS", 1)
    monkeypatch.setattr(settings, "AGGREGATE_SAVED_DOORS", settings.AGGREGATE_MIN_COUNT - 1)
    with routed_app.app_context():
        body = aggregates(get_session(), BUPT)
    assert all(c["median_seconds_saved"] is None for c in body["compounds"])
    assert median_saved([10.0] * 4) is None and median_saved([1.0, 2.0, 3.0, 50.0, 60.0]) == 3.0


def test_route_starts_ring_the_centroid() -> None:
    starts = ring(116.354, 39.963, radius_m=600.0, count=8)
    assert len(starts) == 8 and starts[0][0] == 116.354 and starts[0][1] > 39.963
    for lon, lat in starts:
        assert math.isclose(distance_m(Point(116.354, 39.963), Point(lon, lat)), 600.0, abs_tol=0.5)
