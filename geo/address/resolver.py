"""Address resolver: free text as riders and platforms write it → ranked places.

``双泉嘉苑3号楼二单元``, ``双泉嘉苑 3-2``, ``北京市海淀区清华东路27号院三栋``,
``学生10号公寓2单元`` or a standard code resolve against a ``ResolverIndex`` built from
plain ``PlaceRecord`` s (compounds, buildings, units), so no database is needed.

How a text is read:

1. Canonical form: full-width → half-width (NFKC), upper case, counted Chinese numerals
   as digits (``十二号楼`` → ``12号楼``), punctuation and spaces dropped (a dash between
   numbers stays: ``3-2``).
2. The numbers at the end split off (``geo.address.numbering.split_address_tail``): building,
   unit, room; a building number inside a name (``学生10号公寓``) is found too.
3. The place name before them is matched, with leading division names (``北京市``,
   ``海淀区``, ``学院路街道`` and their short forms ``北京``, ``海淀``) and a trailing
   generic word (``小区``) removed, against compound names and aliases, building names
   and the stems of numbered building names (``紫荆学生公寓`` of ``紫荆学生公寓3号楼``):
   exactly, by containment (extra words, abbreviations) or by edit distance (typos).
4. The building and unit numbers are looked up inside each matched place.

The answer has a ``status`` and ranked candidates with a confidence in 0–1:

- ``matched``: the best candidate has every part asked for, at least
  ``RESOLVE_MATCH_MIN`` confidence and a lead of ``RESOLVE_MARGIN`` over the best
  candidate that is a different place (not its own compound or building).
- ``ambiguous``: candidates, but none is sure enough; always so when no place is named
  (``10号楼``, ``3-2``): every building of that number is a candidate.
- ``not_found``: nothing matches, or the place has no such building or unit; the
  compound (building) found is offered with ``missing`` naming the absent part.

A unit asked for in a building whose doors are not mapped answers the building, with
``unmapped: ["unit"]`` and lower confidence: the building is still the right destination.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from geo import settings
from geo.address.codes import (
    building_label,
    format_address,
    is_code,
    normalize_code_text,
    unit_label,
)
from geo.address.divisions import PLACEHOLDER_NAMES, compose_full_name
from geo.address.numbering import (
    building_stem,
    normalize_number,
    normalize_text,
    numerals_to_digits,
    split_address_tail,
)
from geo.errors import InvalidInput

KINDS = ("community", "building", "unit")
STATUSES = ("matched", "ambiguous", "not_found")
_DASHES = "‐‑‒–—―−﹣"
_PUNCTUATION = re.compile(r"[^\w\s#-]|_")
# A dash separates numbers (3-2); anywhere else it is punctuation (农大小区-北区).
_LOOSE_DASH = re.compile(r"-(?![\dA-Z])|(?<![\dA-Z])-")
_SHORTEST_FUZZY_KEY = 3   # typos are forgiven only in names of at least 3 characters
_SHORTEST_PARTIAL_KEY = 4  # a typo'd name inside extra words: names of 4 or more


@dataclass(frozen=True)
class PlaceRecord:
    """A compound, building or unit as the resolver sees it.

    ``parent_id``: a building's compound (None for a building outside any compound), a
    unit's building. ``division``: a compound's division names, province first
    (``("北京市", "海淀区", "学院路街道")``). ``lon``/``lat``: the point to head for
    (WGS-84) and ``point_source`` what it is (see ``geo.geometry.place_points``).
    """

    kind: str
    id: int
    name: str | None = None
    number: str | None = None
    parent_id: int | None = None
    code: str | None = None
    aliases: tuple[str, ...] = ()
    division: tuple[str, ...] = ()
    lon: float | None = None
    lat: float | None = None
    point_source: str | None = None
    osm: str | None = None


@dataclass(frozen=True)
class Candidate:
    """One ranked answer; ``missing``/``unmapped`` name the parts asked for and not found
    (the place has no such part) or not mapped (its doors are not in the data)."""

    record: PlaceRecord
    confidence: float
    label: str
    address: str
    community: PlaceRecord | None
    building: PlaceRecord | None
    match: dict[str, str]
    missing: tuple[str, ...] = ()
    unmapped: tuple[str, ...] = ()
    lineage: frozenset[tuple[str, int]] = frozenset()

    @property
    def key(self) -> tuple[str, int]:
        return self.record.kind, self.record.id

    def as_dict(self) -> dict[str, Any]:
        """JSON form: the point as a GeoJSON Point (lon, lat)."""
        rec = self.record
        point = ({"type": "Point", "coordinates": [rec.lon, rec.lat]}
                 if rec.lon is not None and rec.lat is not None else None)
        return {
            "kind": rec.kind, "id": rec.id, "code": rec.code, "osm": rec.osm,
            "label": self.label, "address": self.address,
            "confidence": round(self.confidence, 3),
            "point": point, "point_source": rec.point_source,
            "community": _brief(self.community), "building": _brief(self.building),
            "missing": list(self.missing), "unmapped": list(self.unmapped),
            "match": self.match,
        }


def _brief(record: PlaceRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"id": record.id, "code": record.code, "name": record.name, "number": record.number}


@dataclass
class Resolution:
    """The answer to one query."""

    query: str
    status: str
    message: str
    message_en: str
    parsed: dict[str, str | None]
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        shown = self.candidates[:limit] if limit else self.candidates
        return {"query": self.query, "status": self.status, "message": self.message,
                "message_en": self.message_en, "parsed": self.parsed,
                "count": len(self.candidates),
                "candidates": [c.as_dict() for c in shown]}


@cache
def _words() -> dict[str, list[str]]:
    with open(settings.ADDRESS_WORDS_FILE, encoding="utf-8") as f:
        words = json.load(f)
    return {k: sorted(v, key=len, reverse=True) for k, v in words.items() if not k.startswith("_")}


def canonical(text: str, *, spaces: bool = False) -> str:
    """``text`` in the resolver's canonical form: NFKC, upper case, counted numerals as
    digits, no punctuation; single spaces kept only with ``spaces=True``."""
    text = normalize_text(text).upper()
    for dash in _DASHES:
        text = text.replace(dash, "-")
    text = _PUNCTUATION.sub(" ", numerals_to_digits(text))
    text = _LOOSE_DASH.sub(" ", re.sub(r"\s*-\s*", "-", text))
    text = re.sub(r"\s+", " ", text).strip()
    return text if spaces else text.replace(" ", "")


def _without_suffix(text: str, suffixes: list[str], *, keep: int = 2) -> str | None:
    """``text`` without one trailing word of ``suffixes``, if at least ``keep`` chars stay."""
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) - len(suffix) >= keep:
            return text[:-len(suffix)]
    return None


def _number(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return normalize_number(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Target:
    """What a name points to: a compound, a stem group of numbered buildings, a building."""

    kind: str           # community | stem | building
    ref: Any            # community id | (stem, community id or None) | building id


@dataclass(frozen=True)
class _Hit:
    kind: str
    id: int
    confidence: float
    match: dict[str, str]
    missing: tuple[str, ...] = ()
    unmapped: tuple[str, ...] = ()


class ResolverIndex:
    """Compounds, buildings and units by name, alias, number and code.

    Build it once from records (``ResolverIndex(records)``) and call ``resolve``.
    ``retired_codes`` maps codes no longer in use to the ``(kind, id)`` that had them, so
    that old plates still resolve.
    """

    def __init__(self, records: Iterable[PlaceRecord], *,
                 retired_codes: dict[str, tuple[str, int]] | None = None) -> None:
        self.records: dict[tuple[str, int], PlaceRecord] = {}
        for record in records:
            if record.kind not in KINDS:
                raise ValueError(f"unknown record kind {record.kind!r}")
            self.records[(record.kind, record.id)] = record
        self.retired_codes = dict(retired_codes or {})
        self.by_code = {r.code: r for r in self.records.values() if r.code}
        self.units_of: dict[int, list[PlaceRecord]] = defaultdict(list)
        # (scope kind, ref) → building number → building ids; scopes: a compound, a stem
        self.numbered: dict[tuple[str, Any], dict[str, list[int]]] = defaultdict(
            lambda: defaultdict(list))
        self.names: dict[str, list[tuple[_Target, str]]] = defaultdict(list)
        self._index_places()
        self.keys = list(self.names)
        self.key_digits = {key: _digits(key) for key in self.keys}
        self.keys_with_char: dict[str, list[str]] = defaultdict(list)
        for key in self.keys:
            for char in set(key):
                self.keys_with_char[char].append(key)
        self.prefixes = self._division_prefixes()

    # -- building the index ---------------------------------------------------------------
    def _name(self, text: str | None, target: _Target, field_name: str) -> None:
        key = canonical(text or "")
        if not key:
            return
        forms = {key}
        if target.kind == "community" and (short := _without_suffix(
                key, _words()["compound_suffixes"])):
            forms.add(short)
        for form in forms:
            if (target, field_name) not in self.names[form]:
                self.names[form].append((target, field_name))

    def _index_places(self) -> None:
        for record in self.records.values():
            if record.kind == "community":
                target = _Target("community", record.id)
                self._name(record.name, target, "name")
                for alias in record.aliases:
                    self._name(alias, target, "alias")
            elif record.kind == "unit" and record.parent_id is not None:
                self.units_of[record.parent_id].append(record)
            elif record.kind == "building":
                self._index_building(record)

    def _index_building(self, record: PlaceRecord) -> None:
        stem, named_number = building_stem(canonical(record.name or ""))
        number = _number(record.number) or named_number
        community = record.parent_id if ("community", record.parent_id) in self.records else None
        if number:
            if community is not None:
                self.numbered[("community", community)][number].append(record.id)
            self.numbered[("stem", (stem, community))][number].append(record.id)
            if stem:
                self._name(stem, _Target("stem", (stem, community)), "building")
        if stem:  # a distinctive name (not just "3号楼"): the building by its full name
            self._name(record.name, _Target("building", record.id), "building")

    def _division_prefixes(self) -> list[str]:
        names: set[str] = set()
        for record in self.records.values():
            for name in record.division:
                if name in PLACEHOLDER_NAMES:
                    continue
                names.add(canonical(name))
                if short := _without_suffix(canonical(name), _words()["division_suffixes"]):
                    names.add(short)
        return sorted(names - {""}, key=len, reverse=True)

    # -- reading a query ---------------------------------------------------------------------
    def _without_divisions(self, text: str) -> list[str]:
        """``text``, then with one more leading division name removed each time; the
        last is empty when ``text`` names nothing but divisions (``北京市海淀区``)."""
        forms = [text]
        while prefix := next((p for p in self.prefixes if forms[-1].startswith(p)), None):
            forms.append(forms[-1][len(prefix):])
        return forms

    def _place_variants(self, text: str) -> list[str]:
        """``text`` and its forms with leading division names and a trailing generic word
        removed: ``北京市海淀区双泉嘉苑小区`` → …, ``双泉嘉苑小区``, ``双泉嘉苑``."""
        variants = self._without_divisions(text)
        for variant in list(variants):
            if short := _without_suffix(variant, _words()["compound_suffixes"]):
                variants.append(short)
        return variants

    def _similar_keys(self, text: str, *, loose: bool) -> dict[str, tuple[float, str]]:
        """Index keys like ``text``, with a score and how they matched: ``exact``;
        ``contains`` (the text has extra words); ``abbreviation`` (the text is part of the
        key, or its characters in order); ``typo`` (edit distance, names of 3 or more).
        Loose matches must have the same digits: 学生10号公寓 is no typo of 学生13号公寓."""
        from rapidfuzz import fuzz, process  # here: a worker that only routes never loads it
        from rapidfuzz.distance import Levenshtein

        found: dict[str, tuple[float, str]] = {}

        def keep(key: str, score: float, how: str) -> None:
            if score >= settings.RESOLVE_CANDIDATE_MIN and score > found.get(key, (0.0, ""))[0]:
                found[key] = (score, how)

        if text in self.names:
            keep(text, 1.0, "exact")
        if not loose or not text:
            return found
        digits = _digits(text)
        for start in range(len(text)):
            for end in range(start + 2, len(text) + 1):
                key = text[start:end]
                if key != text and key in self.names:
                    keep(key, _contains_score(key, text), "contains")
        for key in self.keys_with_char.get(text[0], ()):
            if key == text or self.key_digits[key] != digits:
                continue
            share = len(text) / len(key)
            if len(text) >= 2 and text in key:
                keep(key, 0.6 + 0.3 * share, "abbreviation")
            elif len(text) >= _SHORTEST_FUZZY_KEY and _in_order(text, key):
                keep(key, 0.55 + 0.3 * share, "abbreviation")
        if len(text) >= _SHORTEST_FUZZY_KEY:
            for key, score, _ in process.extract(
                    text, self.keys, scorer=Levenshtein.normalized_similarity, limit=None,
                    score_cutoff=settings.RESOLVE_CANDIDATE_MIN):
                if len(key) >= _SHORTEST_FUZZY_KEY and self.key_digits[key] == digits:
                    keep(key, score, "typo")
        if len(text) > _SHORTEST_PARTIAL_KEY:
            # a typo'd name among extra words: scored like "contains", times the likeness
            for key, score, _ in process.extract(
                    text, self.keys, scorer=fuzz.partial_ratio, limit=None,
                    score_cutoff=100 * settings.RESOLVE_CANDIDATE_MIN):
                if _SHORTEST_PARTIAL_KEY <= len(key) < len(text) and \
                        self.key_digits[key] == digits:
                    keep(key, _contains_score(key, text) * score / 100, "typo")
        return _explained_away(found)

    def _places(self, text: str, kinds: tuple[str, ...], *,
                loose: bool) -> dict[_Target, tuple[float, dict[str, str]]]:
        """Targets of ``kinds`` named by ``text``, with the best score of any variant.

        When some variant names a place exactly, looser matches count for less
        (``RESOLVE_SHADOW_FACTOR``): 紫荆学生公寓 is not also 学生公寓 with extra words."""
        best: dict[_Target, tuple[float, dict[str, str]]] = {}
        for variant in filter(None, self._place_variants(text)):
            for key, (score, how) in self._similar_keys(variant, loose=loose).items():
                for target, field_name in self.names[key]:
                    if target.kind in kinds and score > best.get(target, (0.0, {}))[0]:
                        best[target] = (score, {"how": how, "key": key, "field": field_name})
        if any(match["how"] == "exact" for _, match in best.values()):
            best = {target: (score if match["how"] == "exact"
                             else score * settings.RESOLVE_SHADOW_FACTOR, match)
                    for target, (score, match) in best.items()}
        return {t: v for t, v in best.items() if v[0] >= settings.RESOLVE_CANDIDATE_MIN}

    def _unit_hits(self, building_id: int, unit: str | None, score: float,
                   match: dict[str, str]) -> list[_Hit]:
        if unit is None:
            return [_Hit("building", building_id, score, match)]
        doors = self.units_of.get(building_id, [])
        found = [d for d in doors if _number(d.number) == unit]
        if found:
            return [_Hit("unit", d.id, score, match) for d in found]
        if doors:
            return [_Hit("building", building_id, score * settings.RESOLVE_PARTIAL_FACTOR,
                         match, missing=("unit",))]
        return [_Hit("building", building_id, score * settings.RESOLVE_UNMAPPED_UNIT_FACTOR,
                     match, unmapped=("unit",))]

    def _hits(self, target: _Target, score: float, match: dict[str, str],
              building: str | None, unit: str | None) -> list[_Hit]:
        if target.kind == "building":
            return self._unit_hits(target.ref, unit, score, match)
        ids = self.numbered.get((target.kind, target.ref), {}).get(building or "", [])
        hits = [h for b in ids for h in self._unit_hits(b, unit, score, match)]
        if hits or target.kind == "stem":
            return hits
        if building is None and unit is None:
            return [_Hit("community", target.ref, score, match)]
        return [_Hit("community", target.ref, score * settings.RESOLVE_PARTIAL_FACTOR, match,
                     missing=("building",))]

    def _readings(self, text: str) -> list[tuple[str, str | None, str | None, bool]]:
        """Ways to read ``text``: (place text, building, unit, loose place matching)."""
        tail = split_address_tail(text)
        head = tail.head.replace(" ", "")
        if tail.building:
            readings: list[tuple[str, str | None, str | None, bool]] = [
                (head, tail.building, tail.unit, True)]
            # the building part may belong to a name (学院路20号): exact names only
            whole = split_address_tail(text, with_building=False)
            readings.append((whole.head.replace(" ", ""), None, whole.unit, False))
            return readings
        readings = [(head, None, tail.unit, True)]
        stem, number = building_stem(head)
        if number:
            readings.append((stem, number, tail.unit, True))
        return readings

    def resolve(self, text: str) -> Resolution:
        """Resolve free text (or a standard code) to ranked candidates; see the module
        docstring for the rules. Raises ``InvalidInput`` for empty or over-long text."""
        query = _checked_query(text)
        if is_code(query):
            return self._resolve_code(query)
        spaced = canonical(query, spaces=True)
        tail = split_address_tail(spaced)
        parsed = {"place": tail.head.replace(" ", "") or None, "building": tail.building,
                  "unit": tail.unit, "room": tail.room}
        hits: dict[tuple[str, int], _Hit] = {}
        named_place = False
        for place, building, unit, loose in self._readings(spaced):
            found = self._places(place, ("community", "stem") if building else
                                 ("community", "building"), loose=loose)
            named_place = named_place or bool(found) or (
                loose and bool(self._without_divisions(place)[-1]))
            for target, (score, match) in found.items():
                for hit in self._hits(target, score, match, building, unit):
                    _keep_best(hits, hit)
        if not named_place and tail.building:
            for hit in self._number_only(tail.building, tail.unit):
                _keep_best(hits, hit)
        candidates = sorted((self._candidate(h) for h in hits.values()),
                            key=lambda c: (-c.confidence, -KINDS.index(c.record.kind),
                                           c.record.id))
        return self._decide(query, parsed, candidates, named_place=named_place)

    def _number_only(self, building: str, unit: str | None) -> list[_Hit]:
        """Every building numbered ``building`` (no place named), at a fixed confidence."""
        match = {"how": "number_only", "key": building, "field": "number"}
        ids = sorted({b for scope in self.numbered.values() for b in scope.get(building, [])})
        return [hit for b in ids for hit in self._unit_hits(
            b, unit, settings.RESOLVE_NO_PLACE_CONFIDENCE, match)]

    def _resolve_code(self, query: str) -> Resolution:
        code = normalize_code_text(query)
        record = self.by_code.get(code) or self.records.get(self.retired_codes.get(code, ("", 0)))
        parsed = {"place": None, "building": None, "unit": None, "room": None, "code": code}
        if record is None:
            return Resolution(query, "not_found", f"没有编码为“{code}”的小区、楼栋或单元",
                              f"no compound, building or unit has the code {code}", parsed)
        hit = _Hit(record.kind, record.id, 1.0, {"how": "code", "key": code, "field": "code"})
        return self._decide(query, parsed, [self._candidate(hit)], named_place=True)

    # -- answers --------------------------------------------------------------------------
    def _parent(self, kind: str, parent_id: int | None) -> PlaceRecord | None:
        """The record ``(kind, parent_id)``; None for no parent or one not loaded."""
        return self.records.get((kind, parent_id)) if parent_id is not None else None

    def _candidate(self, hit: _Hit) -> Candidate:
        record = self.records[(hit.kind, hit.id)]
        unit = record if record.kind == "unit" else None
        building = (self._parent("building", record.parent_id) if unit
                    else record if record.kind == "building" else None)
        community = (self._parent("community", building.parent_id) if building
                     else record if record.kind == "community" else None)
        parts = [p for p in (
            community.name if community else None,
            _building_text(building) if building else None,
            unit_label(unit.number, unit.name) if unit else None) if p]
        lineage = frozenset((r.kind, r.id) for r in (community, building, unit) if r)
        address = format_address(compose_full_name(list(community.division)) if community
                                 else "", *parts)
        return Candidate(record, hit.confidence, " ".join(parts), address, community,
                         building, hit.match, hit.missing, hit.unmapped, lineage)

    def _decide(self, query: str, parsed: dict[str, str | None], candidates: list[Candidate],
                *, named_place: bool) -> Resolution:
        if not candidates:
            return Resolution(query, "not_found", f"没有找到与“{query}”相符的地址",
                              f"no address matches {query!r}", parsed)
        best = candidates[0]
        if best.missing:
            part = {"building": f"{parsed.get('building') or ''}号楼",
                    "unit": f"{parsed.get('unit') or ''}单元"}[best.missing[0]]
            unnumbered = (best.record.kind == "community"
                          and not self.numbered.get(("community", best.record.id)))
            return Resolution(
                query, "not_found", f"找到{best.label}，但没有{part}"
                + ("（该小区的楼号还没有标注）" if unnumbered else ""),
                f"found {best.label}, but not {best.missing[0]} "
                f"{parsed.get(best.missing[0]) or ''}".rstrip()
                + (" (its buildings have no numbers yet)" if unnumbered else ""),
                parsed, candidates)
        if not named_place:
            return Resolution(
                query, "ambiguous",
                f"没有写小区名：{len(candidates)}处符合，请写明小区",
                f"no compound named: {len(candidates)} places fit; name the compound",
                parsed, candidates)
        rival = next((c for c in candidates[1:]
                      if c.key not in best.lineage and best.key not in c.lineage), None)
        lead = best.confidence - (rival.confidence if rival else 0.0)
        if best.confidence < settings.RESOLVE_MATCH_MIN or lead < settings.RESOLVE_MARGIN:
            return Resolution(query, "ambiguous", "有几处相近的地址，不能确定是哪一处，请选择",
                              "several places are close; not sure which one is meant, "
                              "choose one", parsed, candidates)
        note = "（单元门未标注，给出楼栋位置）" if best.unmapped else ""
        note_en = " (its unit doors are not mapped: the building's point)" if best.unmapped else ""
        return Resolution(query, "matched", f"找到：{best.address}{note}",
                          f"found: {best.address}{note_en}", parsed, candidates)


def _building_text(building: PlaceRecord) -> str:
    """How a building is named in an answer: its distinctive name (``学生10号公寓``),
    else ``3号楼`` / ``A座``."""
    stem, _ = building_stem(building.name)
    if stem and building.name:
        return building.name
    return building_label(building.number, building.name)


def _explained_away(found: dict[str, tuple[float, str]]) -> dict[str, tuple[float, str]]:
    """Loose matches of names that lie inside another matched name scoring at least as
    well count for ``RESOLVE_SHADOW_FACTOR``: in 紫京学生公寓 (a typo of 紫荆学生公寓) the
    name 学生公寓 is not a place with extra words."""
    kept = {}
    for key, (score, how) in found.items():
        covered = how != "exact" and any(
            key in other and key != other and other_score >= score
            for other, (other_score, _) in found.items())
        kept[key] = (score * settings.RESOLVE_SHADOW_FACTOR if covered else score, how)
    return {k: v for k, v in kept.items() if v[0] >= settings.RESOLVE_CANDIDATE_MIN}


def _contains_score(key: str, text: str) -> float:
    """The score of a name found inside a longer text: 0.95 down to 0.6 as the share of
    extra characters grows."""
    return 0.95 - 0.35 * (len(text) - len(key)) / len(text)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _in_order(short: str, long: str) -> bool:
    """Whether the characters of ``short`` appear in ``long`` in order (北邮 in 北京邮电)."""
    chars = iter(long)
    return all(ch in chars for ch in short)


def _keep_best(hits: dict[tuple[str, int], _Hit], hit: _Hit) -> None:
    key = (hit.kind, hit.id)
    if key not in hits or hit.confidence > hits[key].confidence:
        hits[key] = hit


def _checked_query(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("请输入要查找的地址（参数 q）", "give the address to look up (parameter q)")
    if len(text) > settings.RESOLVE_MAX_QUERY_CHARS:
        raise InvalidInput(f"地址太长：最多{settings.RESOLVE_MAX_QUERY_CHARS}个字",
                           f"the address is too long: at most "
                           f"{settings.RESOLVE_MAX_QUERY_CHARS} characters")
    return text.strip()
