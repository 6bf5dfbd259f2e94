"""geo.address.resolver without a database: a small hand-made index of plain records.

The accuracy on the real Beijing data is measured in tests/test_resolve_api.py.
"""

from __future__ import annotations

import pytest

from geo.address.resolver import PlaceRecord, ResolverIndex, canonical
from geo.errors import InvalidInput

HAIDIAN = ("北京市", "市辖区", "海淀区", "学院路街道")


def _community(id_: int, name: str, **kw: object) -> PlaceRecord:
    return PlaceRecord("community", id_, name=name, division=HAIDIAN, lon=116.35, lat=40.0,
                       point_source="inside", osm=f"way/{id_}", **kw)  # type: ignore[arg-type]


def _building(id_: int, parent: int | None, name: str | None, number: str | None,
              **kw: object) -> PlaceRecord:
    return PlaceRecord("building", id_, name=name, number=number, parent_id=parent,
                       lon=116.351, lat=40.001, point_source="nearest_to_gate",
                       osm=f"way/{id_}", **kw)  # type: ignore[arg-type]


def _unit(id_: int, building: int, number: str, **kw: object) -> PlaceRecord:
    return PlaceRecord("unit", id_, number=number, parent_id=building, lon=116.3512,
                       lat=40.0011, point_source="door", osm=f"node/{id_}", **kw)  # type: ignore[arg-type]


RECORDS = [
    _community(1, "双泉嘉苑", aliases=("双泉小区",), code="110108010000-001"),
    _community(2, "学士居", code="110108010000-002"),
    _community(3, "富润家园"),
    _community(4, "静淑苑"),
    _community(5, "静淑苑"),
    _community(6, "清华东路27号院"),
    _community(7, "学院路20号"),          # a name that ends like a building number
    _building(11, 1, "3号楼", "3", code="110108010000-001-003"),
    _building(12, 1, "5号楼", "5"),
    _building(13, 1, "A座", "A"),
    _building(21, 2, "3号楼", "3"),
    _building(31, 3, None, None),
    _building(61, 6, "12号楼", "12"),
    _building(71, None, "紫荆学生公寓3号楼", "3"),
    _building(72, None, "科学会堂", None),
    _unit(101, 11, "1"),
    _unit(102, 11, "2", code="110108010000-001-003-02"),
    _unit(701, 72, "1"),
    _unit(702, 72, "2"),
]


@pytest.fixture(scope="module")
def index() -> ResolverIndex:
    return ResolverIndex(RECORDS, retired_codes={"110108010000-001-009": ("building", 12)})


@pytest.mark.parametrize(("query", "kind", "id_"), [
    ("双泉嘉苑", "community", 1),
    ("北京市海淀区双泉嘉苑", "community", 1),
    ("北京 海淀 双泉嘉苑小区", "community", 1),
    ("海淀区学院路街道双泉嘉苑", "community", 1),
    ("双泉小区", "community", 1),                 # alias
    ("双泉家苑", "community", 1),                 # typo (嘉 → 家)
    ("双泉嘉苑东门", "community", 1),              # extra words
    ("双泉嘉苑3号楼", "building", 11),
    ("双泉嘉苑三栋", "building", 11),
    ("双泉嘉苑３幢", "building", 11),
    ("双泉嘉苑 3#楼", "building", 11),
    ("双泉嘉苑a座", "building", 13),
    ("学士居3号楼", "building", 21),               # 3号楼 is in two compounds; one is named
    ("双泉嘉苑3号楼二单元", "unit", 102),
    ("双泉嘉苑 3-2", "unit", 102),
    ("双泉嘉苑3-2-501", "unit", 102),
    ("双泉嘉苑３号楼１门洞", "unit", 101),
    ("北京市海淀区学院路街道双泉嘉苑3号楼2单元501室", "unit", 102),
    ("清华东路27号院十二号楼", "building", 61),
    ("学院路20号", "community", 7),
    ("海淀区学院路20号", "community", 7),
    ("紫荆学生公寓三号楼", "building", 71),          # a building outside any compound
    ("科学会堂二单元", "unit", 702),
    ("110108010000-001", "community", 1),        # a code
    ("１１０１０８０１００００－００１－００３－０２", "unit", 102),
    ("110108010000-001-009", "building", 12),    # a retired code
])
def test_matched(index: ResolverIndex, query: str, kind: str, id_: int) -> None:
    result = index.resolve(query)
    assert result.status == "matched", (result.message, result.as_dict())
    assert (result.best.record.kind, result.best.record.id) == (kind, id_)
    assert result.best.missing == ()


def test_unit_of_a_building_without_mapped_doors_answers_the_building(
        index: ResolverIndex) -> None:
    result = index.resolve("双泉嘉苑5号楼2单元")
    assert result.status == "matched"
    assert (result.best.record.kind, result.best.record.id) == ("building", 12)
    assert result.best.unmapped == ("unit",)
    assert result.best.confidence < 1
    assert "单元门未标注" in result.message


@pytest.mark.parametrize(("query", "expected"), [
    ("3号楼", {("building", 11), ("building", 21), ("building", 71)}),   # no compound named
    ("３栋", {("building", 11), ("building", 21), ("building", 71)}),
    ("北京市海淀区3号楼", {("building", 11), ("building", 21), ("building", 71)}),
    ("3-2", {("unit", 102)}),
    ("静淑苑", {("community", 4), ("community", 5)}),                   # a shared name
    ("学士局", {("community", 2)}),           # a typo in a 3-character name: not sure
])
def test_ambiguous(index: ResolverIndex, query: str, expected: set[tuple[str, int]]) -> None:
    result = index.resolve(query)
    assert result.status == "ambiguous", result.as_dict()
    assert expected <= {c.key for c in result.candidates}


@pytest.mark.parametrize(("query", "offered", "missing", "words"), [
    ("双泉嘉苑9号楼", ("community", 1), ("building",), "没有9号楼"),
    ("双泉嘉苑3号楼7单元", ("building", 11), ("unit",), "没有7单元"),
    ("科学会堂5单元", ("building", 72), ("unit",), "没有5单元"),
    ("富润家园2号楼", ("community", 3), ("building",), "楼号还没有标注"),
    ("望京SOHO", None, (), "没有找到"),
    ("北京市海淀区", None, (), "没有找到"),
    ("110108010000-099", None, (), "没有编码为"),
])
def test_not_found(index: ResolverIndex, query: str, offered: tuple[str, int] | None,
                   missing: tuple[str, ...], words: str) -> None:
    result = index.resolve(query)
    assert result.status == "not_found", result.as_dict()
    assert words in result.message and result.message_en
    if offered is None:
        assert result.candidates == []
    else:
        assert result.best.key == offered and result.best.missing == missing


def test_answer_as_json(index: ResolverIndex) -> None:
    body = index.resolve("北京市海淀区双泉嘉苑 3-2-501").as_dict(limit=3)
    assert body["status"] == "matched"
    assert body["parsed"] == {"place": "北京市海淀区双泉嘉苑", "building": "3", "unit": "2",
                              "room": "501"}
    best = body["candidates"][0]
    assert best["kind"] == "unit" and best["code"] == "110108010000-001-003-02"
    assert best["point"] == {"type": "Point", "coordinates": [116.3512, 40.0011]}  # lon, lat
    assert best["point_source"] == "door"
    assert best["label"] == "双泉嘉苑 3号楼 2单元"
    assert best["address"] == "北京市海淀区学院路街道 双泉嘉苑 3号楼 2单元"
    assert best["community"]["id"] == 1 and best["building"]["id"] == 11
    assert 0 < best["confidence"] <= 1
    assert best["match"] == {"how": "exact", "key": "双泉嘉苑", "field": "name"}
    many = index.resolve("3号楼").as_dict(limit=2)
    assert many["count"] == 3 and len(many["candidates"]) == 2


def test_candidates_are_ranked(index: ResolverIndex) -> None:
    result = index.resolve("双泉家苑3号楼")
    confidences = [c.confidence for c in result.candidates]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 <= c <= 1 for c in confidences)


@pytest.mark.parametrize("query", ["", "   ", None, 42, "双" * 201])
def test_bad_queries(index: ResolverIndex, query: object) -> None:
    with pytest.raises(InvalidInput) as error:
        index.resolve(query)  # type: ignore[arg-type]
    assert error.value.zh and error.value.en


@pytest.mark.parametrize(("text", "spaced", "joined"), [
    ("北京市 海淀区（学院路）双泉嘉苑", "北京市 海淀区 学院路 双泉嘉苑", "北京市海淀区学院路双泉嘉苑"),
    ("３号楼　二单元", "3号楼 2单元", "3号楼2单元"),
    ("农大小区-北区 3 – 2", "农大小区 北区 3-2", "农大小区北区3-2"),
    ("中建壹品·学府公馆a座", "中建壹品 学府公馆A座", "中建壹品学府公馆A座"),
])
def test_canonical(text: str, spaced: str, joined: str) -> None:
    assert canonical(text, spaces=True) == spaced
    assert canonical(text) == joined


def test_unknown_record_kind() -> None:
    with pytest.raises(ValueError):
        ResolverIndex([PlaceRecord("gate", 1, name="北门")])
