"""Opening hours in plain Chinese: ``"Mo-Su 06:00-22:00"`` → ``"每天 06:00–22:00"``.

The ``opening_hours`` package parses and evaluates the OSM expression; this module
evaluates it over a reference week and says, day by day, when the place is open,
grouping days that share their hours ("周一至周五 08:00–18:00；周六、周日 关闭").
Public holidays (``PH``) are read from China's holiday calendar; hours that change
through the year are given month by month; comments are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import opening_hours

from geo.errors import InvalidInput

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
COUNTRY = "CN"
_SUN_WORDS = ("sunrise", "sunset", "dawn", "dusk")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class _Span:
    """One interval of a state, in hours from the start of its day (may pass 24)."""

    start: datetime
    end: datetime
    state: opening_hours.State
    comment: str


def parse_hours(value: str) -> opening_hours.OpeningHours:
    """The parsed expression, no holiday calendar; ``InvalidInput`` (zh/en) when it is
    not valid OSM syntax."""
    if not opening_hours.validate(value):
        raise InvalidInput(
            f"开放时间“{value}”不是有效的 OSM opening_hours 格式（例如 Mo-Su 06:00-22:00）",
            f"{value!r} is not a valid OSM opening_hours expression (e.g. Mo-Su 06:00-22:00)")
    return opening_hours.OpeningHours(value)


def describe_hours(value: str, *, year: int | None = None) -> str:
    """``value`` (OSM opening_hours syntax) said in plain Chinese.

    ``year`` picks the calendar the hours are read in (default: this year); times are
    local wall-clock times. Raises ``InvalidInput`` for an invalid expression.
    """
    parsed = parse_hours(value.strip())
    year = year or date.today().year
    months = [_week_text(parsed, _reference_monday(year, month)) for month in range(1, 13)]
    if len(set(months)) == 1:
        text = months[0]
    else:
        text = "；".join(f"{_month_span(first, last)}：{week}"
                        for first, last, week in _equal_runs(months))
    extras = [_holiday_text(value, year)] if "PH" in value else []
    if any(word in value for word in _SUN_WORDS):
        extras.append("（日出、日落时刻随季节变化，以上为约数）")
    comments = _comments(parsed, _reference_monday(year, 1))
    if comments:
        extras.append(f"（备注：{'；'.join(comments)}）")
    return "".join([text, *[e for e in extras if e]])


def hours_zh(value: str | None, *, year: int | None = None) -> str:
    """What a rider reads for ``value``: its Chinese text, ``""`` when there are no hours,
    and a note (never the raw expression) when it cannot be read."""
    if not value or not value.strip():
        return ""
    return _hours_zh_cached(value.strip(), year or date.today().year)


@lru_cache(maxsize=4096)
def _hours_zh_cached(value: str, year: int) -> str:
    try:
        return describe_hours(value, year=year)
    except InvalidInput:
        return "开放时间无法识别"


def _reference_monday(year: int, month: int) -> datetime:
    """The Monday of the second week of ``month``: a week free of month edges."""
    day = date(year, month, 8)
    return datetime.combine(day - timedelta(days=day.weekday()), time())


def _spans(parsed: opening_hours.OpeningHours, start: datetime, end: datetime) -> list[_Span]:
    return [_Span(a, b or end, state, comment)
            for a, b, state, comment in parsed.intervals(start, end)]


def _week_text(parsed: opening_hours.OpeningHours, monday: datetime) -> str:
    """One reference week: days grouped by their hours."""
    spans = _spans(parsed, monday - 2 * _DAY, monday + 9 * _DAY)
    days = [_day_text(spans, monday + n * _DAY) for n in range(7)]
    groups: dict[str, list[int]] = {}
    for n, text in enumerate(days):
        groups.setdefault(text, []).append(n)
    if list(groups) == ["24 小时"]:
        return "每天 24 小时开放"
    if list(groups) == ["关闭"]:
        return "全部时间关闭"
    return "；".join(f"{_days_text(numbers)} {text}" for text, numbers in groups.items())


def _day_text(spans: list[_Span], day: datetime) -> str:
    """What one day looks like: ``"06:00–22:00"``, ``"22:00–次日06:00"``, ``"关闭"``."""
    parts = []
    next_day = day + _DAY
    for span in spans:
        if span.state == opening_hours.State.CLOSED or span.end <= day or span.start >= next_day:
            continue
        if span.start <= day and span.end >= next_day:
            parts.append("24 小时")
            continue
        if span.start < day:
            if span.start > day - _DAY:
                continue  # said on the day before, as "…–次日HH:MM"
            start = "00:00"
        else:
            start = _clock(span.start)
        if span.end <= next_day:
            end = _clock(span.end, midnight="24:00")
        elif span.end < next_day + _DAY:
            end = "次日" + _clock(span.end)
        else:
            end = "次日"
        text = f"{start}–{end}" if end != "次日" else f"{start} 起"
        if span.state == opening_hours.State.UNKNOWN:
            text += "（时间不定）"
        parts.append(text)
    return "、".join(parts) or "关闭"


def _clock(moment: datetime, *, midnight: str = "00:00") -> str:
    if moment.hour == 0 and moment.minute == 0:
        return midnight
    return moment.strftime("%H:%M")


def _days_text(numbers: list[int]) -> str:
    """Weekday numbers (0 = Monday) as ``每天``, ``周一至周五``, ``周六、周日``."""
    if len(numbers) == 7:
        return "每天"
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return "、".join(
        WEEKDAYS_ZH[run[0]] if len(run) == 1
        else f"{WEEKDAYS_ZH[run[0]]}{'、' if len(run) == 2 else '至'}{WEEKDAYS_ZH[run[-1]]}"
        for run in runs)


def _equal_runs(values: list[str]) -> list[tuple[int, int, str]]:
    """Runs of equal consecutive values as (first index, last index, value)."""
    runs: list[tuple[int, int, str]] = []
    for index, value in enumerate(values):
        if runs and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], index, value)
        else:
            runs.append((index, index, value))
    return runs


def _month_span(first: int, last: int) -> str:
    return f"{first + 1}月" if first == last else f"{first + 1}月至{last + 1}月"


def _holiday_text(value: str, year: int) -> str:
    """``"；法定节假日 关闭"``: the hours of the first public holiday of ``year``."""
    parsed = opening_hours.OpeningHours(value, country=COUNTRY)
    holidays = opening_hours.OpeningHours("PH", country=COUNTRY)
    start = datetime(year, 1, 1)
    holiday = next((a for a, _b, state, _c in holidays.intervals(start, start + 366 * _DAY)
                    if state == opening_hours.State.OPEN), None)
    if holiday is None:
        return ""
    day = datetime.combine(holiday.date(), time())
    spans = _spans(parsed, day - 2 * _DAY, day + 3 * _DAY)
    return f"；法定节假日 {_day_text(spans, day)}"


def _comments(parsed: opening_hours.OpeningHours, monday: datetime) -> list[str]:
    found: list[str] = []
    for span in _spans(parsed, monday, monday + 7 * _DAY):
        if span.comment and span.comment not in found:
            found.append(span.comment)
    return found


__all__ = ["describe_hours", "hours_zh", "parse_hours"]
