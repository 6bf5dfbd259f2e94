"""Generate the labelled address set (tests/data/address_set.tsv) from the imported
Beijing data.

    .venv/bin/python -m tests.support.make_address_set [--out PATH]

The three bundled extracts are imported into a scratch SQLite database and read as the
resolver sees them (``app.addresses.resolve.load_records``). Every query is written from a real
place the way riders and platforms write addresses: Chinese numerals (十二号楼), full-width
digits, 号楼/栋/幢/座, units as 2单元/二单元/2门洞 and ``3-2``, with or without city, district
and street, short forms (荷清苑 for 荷清苑教师住宅区), the aliases of address_aliases.tsv,
and typos (a homophone typed by pinyin input). The label is what the text means, not
what any resolver answers: one place (matched), every place that fits when no compound
is named or a name or number is shared (ambiguous), or nothing (not_found).
"""

from __future__ import annotations

import argparse
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import cn2an

from geo.address.divisions import PLACEHOLDER_NAMES
from geo.address.numbering import building_stem, normalize_text
from geo.address.resolver import PlaceRecord
from tests.support.address_set import CASES_FILE, Case, imported_records, read_aliases, write_cases

# Slips of pinyin input: the character typed for the one meant.
HOMOPHONES = {"嘉": "家", "家": "佳", "清": "青", "华": "花", "润": "闰", "科": "可",
              "荷": "和", "王": "旺", "府": "付", "苑": "园", "荆": "京", "旗": "棋",
              "营": "莹", "东": "冬", "燕": "艳", "淑": "叔", "建": "健"}
# Endings riders drop, or a compound name riders extend with 小区.
DROPPED_ENDINGS = ("教师住宅区", "生活区", "小区")
# Real Beijing addresses outside the bundled extracts.
UNKNOWN_PLACES = ("望京SOHO", "天通苑北一区3号楼", "回龙观龙泽苑东区12号楼2单元",
                  "北京市朝阳区团结湖北里5号楼", "中关村南大街5号", "海淀区万柳书院")
# Bare building numbers asked with no compound (always ambiguous).
BARE_NUMBERS = ("1", "3", "10", "21")


def _cn(number: str) -> str:
    return cn2an.an2cn(int(number)) if number.isdigit() else number


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)


def _typo(name: str) -> str | None:
    """``name`` with one character replaced by a homophone, preferring not the first."""
    for index in [*range(1, len(name)), 0]:
        if name[index] in HOMOPHONES:
            return name[:index] + HOMOPHONES[name[index]] + name[index + 1:]
    return None


def _short_form(name: str) -> str:
    for ending in DROPPED_ENDINGS:
        if name.endswith(ending) and len(name) > len(ending) + 1:
            return name[:-len(ending)]
    return name + "小区"


def _ref(record: PlaceRecord) -> str:
    return f"{record.kind}:{record.osm}"


class _Places:
    """The records grouped the way the cases need them."""

    def __init__(self, records: list[PlaceRecord], aliases: dict[str, list[str]]) -> None:
        self.communities = [r for r in records if r.kind == "community"]
        self.buildings = [r for r in records if r.kind == "building"]
        self.units_of: dict[int, list[PlaceRecord]] = defaultdict(list)
        for unit in (r for r in records if r.kind == "unit"):
            self.units_of[unit.parent_id].append(unit)  # type: ignore[index]
        self.aliases = {c.id: aliases.get(c.osm or "", []) for c in self.communities}
        self.by_name: dict[str, list[PlaceRecord]] = defaultdict(list)
        for community in self.communities:
            self.by_name[community.name or ""].append(community)
        self.by_alias: dict[str, list[PlaceRecord]] = defaultdict(list)
        for community in self.communities:
            for alias in self.aliases[community.id]:
                self.by_alias[alias].append(community)

    def numbered_in(self, community: PlaceRecord) -> dict[str, list[PlaceRecord]]:
        groups: dict[str, list[PlaceRecord]] = defaultdict(list)
        for building in self.buildings:
            if building.parent_id == community.id and building.number:
                groups[building.number].append(building)
        return groups

    def place_name(self, community: PlaceRecord) -> str | None:
        """How riders name a compound: its OSM name, or an office's alias for a placeholder."""
        if community.name and not community.name.startswith("未命名小区"):
            return community.name
        unique = [a for a in self.aliases[community.id] if len(self.by_alias[a]) == 1]
        return unique[0] if unique else None


def _division_forms(community: PlaceRecord) -> dict[str, str]:
    parts = [p for p in community.division if p not in PLACEHOLDER_NAMES]
    city, district = parts[0], parts[1]
    return {"city_district": city + district, "district_short": district[:-1],
            "full_division": "".join(parts), "spaced": f"{city} {district} "}


def _compound_cases(places: _Places) -> Iterator[Case]:
    for name, group in places.by_name.items():
        targets = tuple(_ref(c) for c in group)
        if len(group) > 1:
            yield Case(name, "ambiguous", targets, "shared_name", f"{len(group)} compounds named {name}")
            continue
        community = group[0]
        if places.place_name(community) != name:
            continue
        forms = _division_forms(community)
        queries = {"name": name, "city_district": forms["city_district"] + name,
                   "district_short": forms["district_short"] + name,
                   "full_division": forms["full_division"] + name,
                   "spaced": forms["spaced"] + name, "short_form": _short_form(name)}
        typo = _typo(name) if len(name) >= 4 else None
        if typo:
            queries["typo"] = typo
            queries["typo_district"] = forms["city_district"] + typo
        for variant, query in queries.items():
            yield Case(query, "matched", targets, variant, name)
    for alias, group in places.by_alias.items():
        targets = tuple(_ref(c) for c in group)
        if len(group) > 1:
            yield Case(alias, "ambiguous", targets, "shared_alias",
                       f"alias of {len(group)} compounds")
            continue
        yield Case(alias, "matched", targets, "alias", f"{group[0].name} ({alias})")
        yield Case(_division_forms(group[0])["city_district"] + alias, "matched", targets,
                   "alias", f"{group[0].name} ({alias})")


_BUILDING_FORMS = (
    ("号楼", lambda p, n: f"{p}{n}号楼"), ("栋", lambda p, n: f"{p}{n}栋"),
    ("幢", lambda p, n: f"{p}{n}幢"), ("座", lambda p, n: f"{p}{n}座"),
    ("numeral", lambda p, n: f"{p}{_cn(n)}号楼"), ("fullwidth", lambda p, n: f"{p}{_fullwidth(n)}号楼"),
    ("spaced", lambda p, n: f"{p} {n}号楼"), ("hash", lambda p, n: f"{p}{n}#楼"))
_UNIT_FORMS = (
    ("unit", lambda p, n, u: f"{p}{n}号楼{u}单元"), ("dash", lambda p, n, u: f"{p} {n}-{u}"),
    ("numeral", lambda p, n, u: f"{p}{_cn(n)}号楼{_cn(u)}单元"),
    ("门洞", lambda p, n, u: f"{p}{n}栋{u}门洞"),
    ("fullwidth", lambda p, n, u: f"{p}{_fullwidth(n)}-{_fullwidth(u)}"),
    ("room", lambda p, n, u: f"{p}{n}号楼{u}单元501室"), ("dash_room", lambda p, n, u: f"{p}{n}-{u}-302"))


def _numbered_building_cases(places: _Places) -> Iterator[Case]:
    turn = 0
    for community in places.communities:
        place = places.place_name(community)
        groups = places.numbered_in(community)
        if place is None:
            continue
        if not groups:
            yield Case(f"{place}3号楼", "not_found", (), "unnumbered_compound",
                       f"{place}: buildings not numbered")
            continue
        forms = _division_forms(community)
        numbers = sorted(groups, key=lambda n: (len(n), n))
        for index, number in enumerate(numbers):
            buildings = groups[number]
            expect = "matched" if len(buildings) == 1 else "ambiguous"
            targets = tuple(_ref(b) for b in buildings)
            note = f"{place} {number}号楼" + ("" if expect == "matched" else " (两栋同号)")
            for step in (0, 3):
                variant, form = _BUILDING_FORMS[(index + step) % len(_BUILDING_FORMS)]
                yield Case(form(place, number), expect, targets, variant, note)
            if index % 3 == 0:
                yield Case(forms["city_district"] + place + f"{number}号楼", expect, targets,
                           "city_district", note)
            if index % 3 == 1 and _typo(place) and len(place) >= 4:
                yield Case(f"{_typo(place)}{number}号楼", expect, targets, "typo", note)
            if index % 3 == 2 and _short_form(place) != place + "小区":
                yield Case(f"{_short_form(place)}{number}栋", expect, targets, "short_form", note)
            if expect != "matched":
                continue
            doors = places.units_of.get(buildings[0].id, [])
            if not doors and index % 2 == 0:
                yield Case(f"{place}{number}号楼2单元", "matched", targets, "unit_unmapped",
                           note + " (doors not mapped: the building)")
            for door in doors:
                variant, form = _UNIT_FORMS[turn % len(_UNIT_FORMS)]
                turn += 1
                yield Case(form(place, number, door.number), "matched", (_ref(door),),
                           f"unit_{variant}", f"{note} {door.number}单元")
        missing = next(str(n) for n in range(1, 1000) if str(n) not in groups)
        for number in (missing, str(int(numbers[-1]) + 80) if numbers[-1].isdigit() else "99"):
            yield Case(f"{place}{number}号楼", "not_found", (), "no_such_building",
                       f"{place} has no building {number}")


def _free_buildings(places: _Places) -> dict[tuple[str, str], list[PlaceRecord]]:
    """Buildings outside compounds with a numbered name (紫荆学生公寓3号楼), by
    (stem, number); stems of at least two characters."""
    groups: dict[tuple[str, str], list[PlaceRecord]] = defaultdict(list)
    for building in places.buildings:
        if building.parent_id is None and building.name and building.number:
            stem, number = building_stem(building.name)
            if number and len(stem.replace("-", "")) >= 2:
                groups[(normalize_text(stem).replace("-", ""), number)].append(building)
    return groups


def _rewrite_number(name: str, number: str, how: str) -> str:
    """``name`` with its building number written as a Chinese numeral or full-width."""
    text = normalize_text(name)
    for written in (number, _cn(number)):
        if written in text:
            at = text.rindex(written)
            new = _cn(number) if how == "numeral" else _fullwidth(number)
            return text[:at] + new + text[at + len(written):]
    return text


def _free_building_cases(places: _Places) -> Iterator[Case]:
    names: dict[str, list[PlaceRecord]] = defaultdict(list)
    for building in places.buildings:
        if building.parent_id is None and building.name:
            names[normalize_text(building.name)].append(building)
    for index, ((stem, number), group) in enumerate(sorted(_free_buildings(places).items())):
        expect = "matched" if len(group) == 1 and len(names[normalize_text(group[0].name)]) == 1 \
            else "ambiguous"
        targets = tuple(_ref(b) for b in group)
        name = group[0].name or ""
        note = name if expect == "matched" else f"{stem} {number}: {len(group)} buildings"
        queries = [("building_name", name),
                   ("numeral", _rewrite_number(name, number, "numeral")),
                   ("fullwidth", _rewrite_number(name, number, "fullwidth"))]
        if name.endswith("号楼"):
            queries.append(("栋", name[:-2] + "栋"))
        for step in (0, 1):
            variant, query = queries[(index + step) % len(queries)]
            yield Case(query, expect, targets, variant, note)
        typo = _typo(stem)
        if typo and len(stem) >= 4 and index % 2 == 0:
            yield Case(f"{typo}{number}号楼", expect, targets, "typo", note)
    for name, group in names.items():
        if len(group) > 1:
            yield Case(name, "ambiguous", tuple(_ref(b) for b in group), "shared_name",
                       f"{len(group)} buildings named {name}")


def _free_unit_cases(places: _Places) -> Iterator[Case]:
    """Doors of multi-door buildings outside compounds (the bupt campus)."""
    turn = 0
    stems = {b.id: key for key, group in _free_buildings(places).items() for b in group
             if len(group) == 1}
    forms = (("unit", lambda name, u: f"{name}{u}单元"),
             ("numeral", lambda name, u: f"{name}{_cn(u)}单元"),
             ("门洞", lambda name, u: f"{name} {u}门洞"),
             ("room", lambda name, u: f"{name}{u}单元1203"))
    for building in places.buildings:
        doors = places.units_of.get(building.id, [])
        if building.parent_id is not None or not building.name or len(doors) < 2:
            continue
        numbers = [d.number for d in doors]
        for door in doors:
            if numbers.count(door.number) > 1:
                continue
            variant, form = forms[turn % len(forms)]
            turn += 1
            note = f"{building.name} {door.number}单元"
            yield Case(form(building.name, door.number), "matched", (_ref(door),),
                       f"unit_{variant}", note)
            if building.id in stems and turn % 2 == 0:
                stem, number = stems[building.id]
                yield Case(f"{stem}{number}-{door.number}", "matched", (_ref(door),),
                           "unit_dash", note)
        top = max(int(n) for n in numbers if n and n.isdigit())
        yield Case(f"{building.name}{top + 2}单元", "not_found", (), "no_such_unit",
                   f"{building.name} has {len(doors)} doors")


def _bare_number_cases(places: _Places) -> Iterator[Case]:
    for number in BARE_NUMBERS:
        buildings = [b for b in places.buildings if b.number == number]
        targets = tuple(_ref(b) for b in buildings)
        note = f"no compound named; {len(buildings)} buildings numbered {number}"
        for variant, query in (("bare_number", f"{number}号楼"),
                               ("bare_fullwidth", f"{_fullwidth(number)}栋"),
                               ("bare_city_district", f"北京市海淀区{number}号楼")):
            yield Case(query, "ambiguous", targets, variant, note)
        doors = [u for b in buildings for u in places.units_of.get(b.id, []) if u.number == "2"]
        if doors:
            yield Case(f"{number}-2", "ambiguous", tuple(_ref(u) for u in doors), "bare_dash",
                       f"no compound named; unit 2 of buildings numbered {number}")


def make_cases(records: list[PlaceRecord], aliases: dict[str, list[str]]) -> list[Case]:
    """Every labelled case for ``records`` (as ``app.addresses.resolve.load_records`` reads them)
    and the aliases (compound OSM reference → aliases)."""
    places = _Places(records, aliases)
    cases = [*_compound_cases(places), *_numbered_building_cases(places),
             *_free_building_cases(places), *_free_unit_cases(places),
             *_bare_number_cases(places),
             *(Case(q, "not_found", (), "unknown_place", "not in the extracts")
               for q in UNKNOWN_PLACES)]
    seen: set[str] = set()
    unique = []
    for case in cases:
        key = unicodedata.normalize("NFC", case.query)
        if key not in seen:
            seen.add(key)
            unique.append(case)
    return unique


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CASES_FILE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        records, _ = imported_records(Path(tmp))
    cases = make_cases(records, read_aliases())
    write_cases(cases, args.out, header=(
        "Labelled address set for the resolver, generated by tests/support/make_address_set.py\n"
        "from the bundled Beijing extracts (© OpenStreetMap contributors, ODbL).\n"
        "targets: kind:osm-reference of the place(s) meant; see tests/support/address_set.py."))
    counts = defaultdict(int)
    for case in cases:
        counts[case.expect] += 1
    print(f"{len(cases)} cases → {args.out} ({dict(counts)})")


if __name__ == "__main__":
    main()
