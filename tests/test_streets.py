"""maps.streets: the streets drawn with no tile server, from the real extracts."""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import box

from maps.streets import street_index
from tests.support.extracts import EXTRACTS, OSM_DIR

QINGHUA = OSM_DIR / EXTRACTS["qinghuadonglu"][0]


def test_streets_of_a_real_extract_have_ranks_and_names() -> None:
    index = street_index([QINGHUA])
    ranks = {s.rank for s in index.streets}
    assert ranks == {"major", "minor", "path"}
    names = {s.name for s in index.streets}
    assert "清华东路" in names
    assert len({s.osm_id for s in index.streets}) == len(index.streets)


def test_bbox_query_clips_and_puts_major_roads_last() -> None:
    bbox = (116.340, 40.000, 116.350, 40.006)
    found = street_index([QINGHUA]).in_bbox(bbox)
    assert found
    area = box(*bbox).buffer(1e-9)
    assert all(area.contains(s.line) for s in found)
    order = {"path": 0, "minor": 1, "major": 2}
    assert [order[s.rank] for s in found] == sorted(order[s.rank] for s in found)


def test_nothing_outside_the_data() -> None:
    assert street_index([QINGHUA]).in_bbox((100.0, 30.0, 100.01, 30.01)) == []


def test_missing_files_are_skipped(tmp_path: Path) -> None:
    assert street_index([tmp_path / "gone.osm"]).streets == ()
