"""Nearest facilities (``geo.routing.nearest``) and the box a network serves
(``geo.routing.network.served_extent``) on the real 清华东路 extract."""

from __future__ import annotations

from dataclasses import replace

import pytest
import shapely

from geo import settings
from geo.geometry.coords import distance_m
from geo.routing.inputs import Facility
from geo.routing.nearest import nearest_facilities
from geo.routing.network import AccessNetwork, served_extent
from tests.support.routing import NOON

START = (116.3500, 40.0010)


def test_a_network_serves_its_nodes_and_a_margin_beyond(streets) -> None:
    street = streets["qinghuadonglu"]
    west, south, east, north = served_extent(street)
    assert west < street.lon.min() and east > street.lon.max()
    assert south < street.lat.min() and north > street.lat.max()
    margin = distance_m(shapely.Point(street.lon.max(), street.lat.max()),
                        shapely.Point(east, street.lat.max()))
    assert margin == pytest.approx(settings.NETWORK_COVER_MARGIN_M, rel=0.02)
    bw, bs, be, bn = street.bounds
    assert west < bw and east > be and south < bs and north > bn


def test_the_k_nearest_are_the_k_nearest_and_share_nodes(streets, access) -> None:
    data = access["qinghuadonglu"]
    # four toilets: two at the same spot (one network node), two further on
    spots = [(116.3508, 40.0030), (116.3508, 40.0030), (116.3490, 40.0018), (116.3550, 39.9990)]
    toilets = tuple(Facility(id=9000 + i, kind="toilet", lon=lon, lat=lat, name=f"厕所{i}")
                    for i, (lon, lat) in enumerate(spots))
    network = AccessNetwork(streets["qinghuadonglu"], replace(data, facilities=toilets))
    found = nearest_facilities(network, START, "toilet", at=NOON, k=4)
    assert len(found) == 4 and {f["id"] for f in found} == {9000, 9001, 9002, 9003}
    times = [f["duration_s"] for f in found]
    assert times == sorted(times)
    same = [i for i, f in enumerate(found) if f["id"] in (9000, 9001)]
    assert same[1] == same[0] + 1 and found[same[0]]["distance_m"] == found[same[1]]["distance_m"]
    for f in found:
        assert f["ride_m"] + f["walk_m"] == pytest.approx(f["distance_m"], abs=0.5)
    two = nearest_facilities(network, START, "toilet", at=NOON, k=2)
    assert [f["id"] for f in two] == [f["id"] for f in found[:2]]
