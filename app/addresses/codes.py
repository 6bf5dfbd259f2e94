"""Standard address codes in the database: allocation, lookup, full addresses.

Codes are allocated on flush, whatever writes the feature (import, API, editor): a
compound gets one as soon as it has a division, and so do its buildings, gates and
units. A code never changes on rename or re-import. It changes only when the compound's
committee is set (``000`` → the committee's digits), when the compound moves to another
street, or when a feature moves to another compound; the old code is then kept in
``retired_codes`` so that old plates still resolve, and it is never given out again.

Numbers: a building or unit whose number is a plain integer gets that number when it is
free (3号楼 → ``-003``); one without a usable number, or whose number is taken, counts
down from the top (``-999``, ``-99``) so it does not take a number a numbered neighbour
needs later. Compounds and
gates count up from 1.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.addresses.divisions import division_full_name
from app.ids import get_row, parse_id
from app.models import (
    KIND_OF_MODEL,
    MODEL_OF_KIND,
    Building,
    Community,
    Gate,
    PlaceFeature,
    RetiredCode,
    Unit,
)
from geo.address.codes import (
    BUILDING_DIGITS,
    COMPOUND_DIGITS,
    GATE_DIGITS,
    GATE_PREFIX,
    KIND_ZH,
    UNIT_DIGITS,
    UNSET_COMMITTEE,
    AddressCode,
    building_label,
    committee_for_division,
    door_label,
    format_address,
    gate_label,
    number_value,
    parse_code,
    unit_label,
)
from geo.errors import InvalidCode, NotFound

_ORDER = (Community, Building, Gate, Unit)  # the models with codes, in allocation order


class _Allocator:
    """Gives codes to the features of one flush; remembers what it handed out."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.taken_cache: dict[tuple[str, str], set[int]] = {}

    # -- numbers -----------------------------------------------------------------
    def _taken(self, table: str, prefix: str, tail: str) -> set[int]:
        """Numbers used under ``prefix`` in ``table``, live or retired; ``tail`` is
        ``'ddd'``-style: the shape of the last part (``G`` kept for gates)."""
        key = (table, prefix + tail)
        if key not in self.taken_cache:
            model = next(m for m in _ORDER if m.__tablename__ == table)
            like = f"{prefix}-%"
            codes = list(self.session.scalars(select(model.code).where(model.code.like(like))))
            codes += self.session.scalars(select(RetiredCode.old_code).where(
                RetiredCode.old_code.like(like), RetiredCode.table_name == table))
            numbers = set()
            for code in codes:
                last = code[len(prefix) + 1:]
                if len(last) == len(tail) and last.startswith(tail.rstrip("d")):
                    numbers.add(int(last.lstrip(GATE_PREFIX)))
            self.taken_cache[key] = numbers
        return self.taken_cache[key]

    def _number(self, taken: set[int], digits: int, preferred: int | None, *,
                count_down: bool, what: str) -> int:
        top = 10**digits - 1
        if preferred is not None and 1 <= preferred <= top and preferred not in taken:
            number = preferred
        else:
            candidates = range(top, 0, -1) if count_down else range(1, top + 1)
            number = next((n for n in candidates if n not in taken), 0)
            if not number:
                raise InvalidCode(f"{what}编号已用完（最多{top}个）",
                                  f"no free {what} numbers left (at most {top})")
        taken.add(number)
        return number

    # -- places --------------------------------------------------------------------
    def _set(self, row: PlaceFeature, code: str) -> None:
        old = row.code  # type: ignore[attr-defined]
        if old == code:
            return
        if old is not None and row.id is not None:
            self.session.add(RetiredCode(old_code=old, table_name=row.__tablename__,
                                         feature_id=row.id, new_code=code))
        row.code = code  # type: ignore[attr-defined]

    def community(self, row: Community) -> None:
        try:
            committee = committee_for_division(row.division_code) if row.division_code else None
        except InvalidCode:
            committee = None
        if committee is None:
            return
        current = parse_code(row.code) if row.code else None
        if current is not None and not _moves(current, committee):
            return
        taken = self._taken("communities", committee, "d" * COMPOUND_DIGITS)
        number = self._number(taken, COMPOUND_DIGITS, current.compound if current else None,
                              count_down=False, what="小区")
        self._set(row, str(AddressCode(committee, number)))
        if row.id is not None:
            for model in (Building, Gate):
                for child in self.session.scalars(select(model).where(
                        model.community_id == row.id)):
                    self.place(child)

    def building(self, row: Building) -> None:
        community = self.session.get(Community, row.community_id) if row.community_id else None
        prefix = community.code if community is not None else None
        if prefix is None or (row.code and parse_code(row.code).community_code == prefix):
            return
        preferred = parse_code(row.code).building if row.code else number_value(row.number)
        taken = self._taken("buildings", prefix, "d" * BUILDING_DIGITS)
        number = self._number(taken, BUILDING_DIGITS, preferred, count_down=True, what="楼栋")
        self._set(row, f"{prefix}-{number:0{BUILDING_DIGITS}d}")
        if row.id is not None:
            for unit in self.session.scalars(select(Unit).where(Unit.building_id == row.id)):
                self.unit(unit)

    def gate(self, row: Gate) -> None:
        community = self.session.get(Community, row.community_id) if row.community_id else None
        prefix = community.code if community is not None else None
        if prefix is None or (row.code and parse_code(row.code).community_code == prefix):
            return
        preferred = parse_code(row.code).gate if row.code else number_value(row.number)
        taken = self._taken("gates", prefix, GATE_PREFIX + "d" * GATE_DIGITS)
        number = self._number(taken, GATE_DIGITS, preferred, count_down=False, what="出入口")
        self._set(row, f"{prefix}-{GATE_PREFIX}{number:0{GATE_DIGITS}d}")

    def unit(self, row: Unit) -> None:
        building = self.session.get(Building, row.building_id) if row.building_id else None
        prefix = building.code if building is not None else None
        if prefix is None or (row.code and parse_code(row.code).building_code == prefix):
            return
        preferred = parse_code(row.code).unit if row.code else number_value(row.number)
        taken = self._taken("units", prefix, "d" * UNIT_DIGITS)
        number = self._number(taken, UNIT_DIGITS, preferred, count_down=True, what="单元")
        self._set(row, f"{prefix}-{number:0{UNIT_DIGITS}d}")

    def place(self, row: PlaceFeature) -> None:
        getattr(self, KIND_OF_MODEL[type(row)])(row)


def _moves(current: AddressCode, committee: str) -> bool:
    """Whether a compound coded ``current`` must be recoded under ``committee``: its
    committee was set (``000`` → digits), corrected, or it moved to another street.
    A division made less specific (committee → street) keeps the code."""
    if current.committee == committee:
        return False
    if current.street != committee[:9]:
        return True
    return committee[9:] != UNSET_COMMITTEE


def _allocate_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    rows = [row for row in (*session.new, *session.dirty) if type(row) in _ORDER]
    if not rows:
        return
    allocator = _Allocator(session)
    with session.no_autoflush:
        for row in sorted(rows, key=lambda r: _ORDER.index(type(r))):
            allocator.place(row)


def allocate_all(session: Session) -> int:
    """Give a code to every feature that can have one and lacks it (for data stored
    before codes existed); returns how many got one. Flushes."""
    missing = 0
    allocator = _Allocator(session)
    with session.no_autoflush:
        for model in _ORDER:
            for row in session.scalars(select(model).where(model.code.is_(None))):
                allocator.place(row)
                missing += row.code is not None  # type: ignore[attr-defined]
    session.flush()
    return missing


def init_app(app: Flask) -> None:
    """Allocate codes on every flush of this app's sessions."""
    event.listen(app.extensions["db_sessions"], "before_flush", _allocate_on_flush)


# -- lookup ------------------------------------------------------------------------------


def find_by_code(session: Session, code: str | AddressCode) -> PlaceFeature:
    """The place named by ``code`` (any kind); a retired code finds the place it was
    moved to. ``InvalidCode`` for a malformed code, ``NotFound`` for an unknown one."""
    parsed = code if isinstance(code, AddressCode) else parse_code(code)
    text = str(parsed)
    model = MODEL_OF_KIND[parsed.kind]
    row = session.scalar(select(model).where(model.code == text))  # type: ignore[attr-defined]
    if row is None:
        retired = session.get(RetiredCode, text)
        if retired is not None:
            row = session.get(model, retired.feature_id)
    if row is None:
        raise NotFound(f"没有编码为“{text}”的{KIND_ZH[parsed.kind]}",
                       f"no {parsed.kind} has the code {text}", details={"code": text})
    return row


def lookup_by_code_or_id(session: Session, model: type[PlaceFeature],
                         value: int | str) -> PlaceFeature:
    """A compound, gate, building or unit by its numeric id or its standard code.

    Digits only (``"42"``) are an id; anything else must be a code of the model's kind.
    """
    number = parse_id(value)
    if number is not None:
        row = get_row(session, model, number)
        if row is None:
            kind = KIND_OF_MODEL.get(model, model.__tablename__)
            raise NotFound(f"找不到编号为 {number} 的{KIND_ZH.get(kind, kind)}",
                           f"{kind} {number} not found")
        return row
    parsed = parse_code(value)
    kind = KIND_OF_MODEL.get(model)
    if kind != parsed.kind:
        want = KIND_ZH.get(kind, model.__tablename__) if kind else model.__tablename__
        raise InvalidCode(
            f"“{parsed}”是{KIND_ZH[parsed.kind]}编码，这里需要{want}编码或编号",
            f"{parsed} is a {parsed.kind} code; a {kind or model.__tablename__} code or id "
            "is needed here", details={"code": str(parsed), "reason": "kind"})
    return find_by_code(session, parsed)


def require_code(session: Session, row: PlaceFeature) -> str:
    """The code of ``row``, or a clear ``InvalidCode`` saying why it has none yet."""
    code = getattr(row, "code", None)
    if code:
        return code
    community = community_of(session, row)
    kind = KIND_OF_MODEL.get(type(row), "place")
    label = place_label(session, row) or f"{KIND_ZH.get(kind, kind)} {row.id}"
    if community is None:
        raise InvalidCode(f"{label}不属于任何小区，还不能编码",
                          f"{label} belongs to no compound, so it has no code yet",
                          details={"reason": "no_community"})
    which_zh = "" if row is community else f"{label}"
    which_en = "it" if row is community else label
    raise InvalidCode(
        f"小区“{community.name}”还没有设置区划（9位街道或12位社区代码），{which_zh}还不能编码；"
        "请先设置区划：用 import-divisions 导入街道或社区边界，导入时用 --division，"
        "或在编辑器里填写小区的区划代码",
        f"compound {community.name!r} has no division (9-digit street or 12-digit committee) "
        f"yet, so {which_en} has no code; set it first (import-divisions with street or "
        "committee boundaries, import-osm --division, or edit the compound's division_code)",
        details={"reason": "no_division"})


# -- addresses ---------------------------------------------------------------------------


def community_of(session: Session, row: PlaceFeature) -> Community | None:
    """The compound a place belongs to (itself for a compound)."""
    if isinstance(row, Community):
        return row
    if isinstance(row, Unit) and row.community_id is None and row.building_id is not None:
        building = session.get(Building, row.building_id)
        return community_of(session, building) if building else None
    community_id = getattr(row, "community_id", None)
    return session.get(Community, community_id) if community_id else None


def place_label(session: Session, row: PlaceFeature) -> str:
    """The big words on a plate: ``3号楼 2单元``, ``3号楼``, ``北门(1号门)``, or the
    compound's name."""
    if isinstance(row, Unit):
        building = session.get(Building, row.building_id) if row.building_id else None
        if building is None:
            return unit_label(row.number, row.name)
        return door_label(building.number, building.name, row.number, row.name)
    if isinstance(row, Building):
        return building_label(row.number, row.name)
    if isinstance(row, Gate):
        number = row.number or (str(parse_code(row.code).gate) if row.code else None)
        return gate_label(number, row.name)
    return getattr(row, "name", "") or ""


def _address_division(community: Community) -> str | None:
    """The most specific division known for a compound: its code's committee when set,
    else its division code."""
    if community.code:
        parsed = parse_code(community.code)
        return parsed.committee if parsed.committee_set else parsed.street
    return community.division_code


def full_address(session: Session, row: PlaceFeature) -> str:
    """``北京市海淀区学院路街道 双泉嘉苑 3号楼 2单元``: division, compound, place."""
    community = community_of(session, row)
    division = ""
    if community is not None and (code := _address_division(community)):
        division = division_full_name(session, code)
    parts = [place_label(session, row)] if not isinstance(row, Community) else []
    return format_address(division, community.name if community else "", *parts)
