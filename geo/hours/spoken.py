"""Opening hours as people write them, turned into OSM ``opening_hours`` syntax.

``"每天6点到22点"`` → ``"Mo-Su 06:00-22:00"``, ``"工作日7:00-21:00，周末关闭"`` →
``"Mo-Fr 07:00-21:00; Sa,Su off"``, ``"24小时"`` → ``"24/7"``. Text that already is
valid OSM syntax is kept as written. The reverse (OSM → Chinese) is ``geo.hours.text``.

A clause is days (每天, 工作日, 周末, 周一至周五, 星期六、星期日…) followed by times
(6点到22点, 早6点半至晚10点, 8:00-12:00、14:00-18:00) or a word (关闭, 24小时); a
clause without days means every day; days without times take the next clause's times.
"""

from __future__ import annotations

import re

import opening_hours

from geo.errors import InvalidInput

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_EVERY_DAY = frozenset(range(7))
_DAY_NAMES = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_DAY_WORDS = (("每天", _EVERY_DAY), ("每日", _EVERY_DAY), ("天天", _EVERY_DAY),
              ("全周", _EVERY_DAY), ("工作日", frozenset(range(5))),
              ("周末", frozenset({5, 6})), ("双休日", frozenset({5, 6})))
_WEEKDAY = r"(?:周|星期|礼拜)([一二三四五六日天七])"
_DAYS_RE = re.compile(rf"{_WEEKDAY}(?:\s*(至|到|-|~|—|–)\s*{_WEEKDAY})?")
_ALL_DAY_RE = re.compile(r"^(?:24\s*小时|全天|全日|通宵)(?:开放|营业|通行)?$")
_CLOSED_RE = re.compile(r"^(?:关闭|关门|不开放|不开|休息|停止通行|停业|闭门)$")
_NUMBER = r"[0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3}"
_CLOCK = (rf"(次日|第二天|早上|早晨|上午|早|凌晨|中午|下午|晚上|傍晚|晚|夜里|夜间)?\s*({_NUMBER})"
          rf"\s*(?:(?:[:：.](\d{{2}}))|(?:点|时)(半|[0-9]{{1,2}}分?|一刻)?)")
_RANGE_RE = re.compile(rf"{_CLOCK}\s*(?:到|至|-|~|—|–|－)\s*{_CLOCK}")
_CLAUSE_SPLIT = re.compile(r"[；;，,。\n]+")
_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                   "六": 6, "七": 7, "八": 8, "九": 9}
_AFTERNOON = ("下午", "晚上", "傍晚", "晚", "夜里", "夜间")


def spoken_to_osm(text: str) -> str:
    """``text`` (Chinese as people write it, or OSM syntax) as an OSM opening_hours value.

    Raises ``InvalidInput`` (zh/en) when neither reading works.
    """
    value = text.strip()
    if opening_hours.validate(value):
        return value
    rules: list[tuple[frozenset[int], str]] = []
    waiting: set[int] = set()
    for clause in filter(None, (c.strip() for c in _CLAUSE_SPLIT.split(value))):
        days, rest = _leading_days(clause)
        if not rest:
            if not days:
                raise _unreadable(value)
            waiting |= days
            continue
        days = frozenset(waiting | days) or _EVERY_DAY
        waiting = set()
        rules.append((days, _times(rest, value)))
    if waiting or not rules:
        raise _unreadable(value)
    if all(times == "off" for _d, times in rules):
        rules.insert(0, (_EVERY_DAY, "00:00-24:00"))  # "周末关闭": open the other days
    if rules == [(_EVERY_DAY, "00:00-24:00")]:
        return "24/7"
    result = "; ".join(f"{osm_days(days)} {times}" for days, times in rules)
    if not opening_hours.validate(result):
        raise _unreadable(value)
    return result


def osm_days(days: frozenset[int]) -> str:
    """Weekday numbers (0 = Monday) in OSM syntax: ``Mo-Fr``, ``Sa,Su``, ``Mo,We,Fr``."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(OSM_DAYS[run[0]] if len(run) == 1
                    else f"{OSM_DAYS[run[0]]}{'-' if len(run) > 2 else ','}{OSM_DAYS[run[-1]]}"
                    for run in runs)


def _leading_days(clause: str) -> tuple[frozenset[int], str]:
    """The days a clause starts with, and what follows them."""
    days: set[int] = set()
    rest = clause
    while True:
        rest = rest.lstrip(" 、和及与/:：")
        word = next(((w, d) for w, d in _DAY_WORDS if rest.startswith(w)), None)
        if word is not None:
            days |= word[1]
            rest = rest[len(word[0]):]
            continue
        match = _DAYS_RE.match(rest)
        if match is None:
            break
        first = _DAY_NAMES[match.group(1)]
        last = _DAY_NAMES[match.group(3)] if match.group(3) else first
        days |= set(range(first, last + 1)) if first <= last else {*range(first, 7),
                                                                   *range(0, last + 1)}
        rest = rest[match.end():]
    return frozenset(days), rest.strip()


def _times(rest: str, whole: str) -> str:
    """``"6点到22点、23点到24点"`` → ``"06:00-22:00,23:00-24:00"``; ``"关闭"`` → ``"off"``."""
    compact = re.sub(r"\s+", "", rest)
    compact = re.sub(r"(?:开放|营业|通行|开门)$", "", compact) or compact
    if _ALL_DAY_RE.match(compact):
        return "00:00-24:00"
    if _CLOSED_RE.match(compact):
        return "off"
    spans = []
    leftover = _RANGE_RE.sub(" ", compact)
    if re.sub(r"[、和及与/\s]|开放|营业|通行|开门", "", leftover):
        raise _unreadable(whole)
    for match in _RANGE_RE.finditer(compact):
        start = _clock(*match.groups()[:4], whole=whole)
        end = _clock(*match.groups()[4:], whole=whole)
        if end == "00:00":
            end = "24:00"
        spans.append(f"{start}-{end}")
    if not spans:
        raise _unreadable(whole)
    return ",".join(spans)


def _clock(period: str | None, hour_text: str, minutes: str | None, after: str | None,
           *, whole: str) -> str:
    """One clock time as ``HH:MM`` (24-hour), from its parts."""
    hour = _number(hour_text)
    if period in _AFTERNOON and hour < 12:
        hour += 12
    elif period == "凌晨" and hour == 12:
        hour = 0
    minute = int(minutes) if minutes else 0
    if after == "半":
        minute = 30
    elif after == "一刻":
        minute = 15
    elif after:
        minute = int(after.rstrip("分"))
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise _unreadable(whole)
    return f"{hour:02d}:{minute:02d}"


def _number(text: str) -> int:
    """``"22"``, ``"十"``, ``"二十二"``, ``"两"`` as an integer."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CHINESE_DIGITS[text[-1]]
    tens, _ten, ones = text.partition("十")
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[ones] if ones else 0)


def _unreadable(value: str) -> InvalidInput:
    return InvalidInput(
        f"看不懂开放时间“{value}”。可以写成“每天6点到22点”“工作日7:00-21:00，周末关闭”"
        "“24小时”，或 OSM 格式（Mo-Su 06:00-22:00）",
        f"cannot read opening hours {value!r}; write e.g. 每天6点到22点, 工作日7:00-21:00, "
        "24小时, or OSM syntax (Mo-Su 06:00-22:00)")


__all__ = ["osm_days", "spoken_to_osm"]
