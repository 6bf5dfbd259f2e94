"""Aggregates for platforms (GET /api/v1/aggregates) on SQLite and PostGIS: counts per
compound and committee on the imported Beijing extracts equal counts made in SQL here,
small counts are null, and entries per hour of the week fall in Beijing-time buckets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.db import get_session
from app.models import Building, Community, Unit
from app.platforms.aggregates import aggregates
from geo import settings
from geo.platforms.aggregates import entries_by_hour, hour_of_week, suppressed


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
