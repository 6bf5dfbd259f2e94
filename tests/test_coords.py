"""Coordinates: China checks, swapped lon/lat, GCJ-02 round trips, metric distances."""

from __future__ import annotations

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import InvalidCoordinates
from geo.geometry.coords import check_lon_lat, distance_m, gcj02_to_wgs84, wgs84_to_gcj02


@given(st.floats(116.0, 117.0), st.floats(39.5, 40.5))
def test_gcj02_round_trip_is_centimetre_exact(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert distance_m(shapely.Point(lon, lat), shapely.Point(*back)) < 0.05


def test_gcj02_offset_in_beijing_is_hundreds_of_metres() -> None:
    shifted = wgs84_to_gcj02(116.35, 40.0)
    assert 300 < distance_m(shapely.Point(116.35, 40.0), shapely.Point(*shifted)) < 800


@pytest.mark.parametrize(("lon", "lat", "message"), [
    (40.0, 116.35, "写反"), (2.35, 48.85, "不在中国"), (500.0, 1.0, "超出范围")])
def test_bad_points(lon: float, lat: float, message: str) -> None:
    with pytest.raises(InvalidCoordinates) as error:
        check_lon_lat(lon, lat)
    assert message in error.value.zh


def test_distance_one_thousandth_degree_of_latitude() -> None:
    metres = distance_m(shapely.Point(116.35, 40.0), shapely.Point(116.35, 40.001))
    assert metres == pytest.approx(111.0, abs=0.5)
