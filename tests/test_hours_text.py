"""Opening hours said in plain Chinese (geo.hours.text)."""

from __future__ import annotations

import pytest

from geo.errors import InvalidInput
from geo.hours.text import describe_hours


@pytest.mark.parametrize(("expression", "expected"), [
    ("Mo-Su 06:00-22:00", "每天 06:00–22:00"),
    ("24/7", "每天 24 小时开放"),
    ("Mo-Fr 08:00-18:00", "周一至周五 08:00–18:00；周六、周日 关闭"),
    ("Mo-Fr 08:00-18:00; Sa,Su off", "周一至周五 08:00–18:00；周六、周日 关闭"),
    ("Mo-Fr 08:00-12:00,13:00-18:00; Sa 09:00-12:00",
     "周一至周五 08:00–12:00、13:00–18:00；周六 09:00–12:00；周日 关闭"),
    ("Mo-Su 06:00-22:00; Su off", "周一至周六 06:00–22:00；周日 关闭"),
    ("Mo,We,Fr 07:00-09:00", "周一、周三、周五 07:00–09:00；周二、周四、周六、周日 关闭"),
    ("Mo-Su 22:00-06:00", "每天 22:00–次日06:00"),
    ("Mo-Fr 06:00-24:00", "周一至周五 06:00–24:00；周六、周日 关闭"),
    ("Sa-Su 00:00-24:00; Mo-Fr 08:00-20:00", "周一至周五 08:00–20:00；周六、周日 24 小时"),
    ("off", "全部时间关闭"),
    ("Mo 10:00-12:00 unknown", "周一 10:00–12:00（时间不定）；周二至周日 关闭"),
    ("Jan-Mar 08:00-17:00; Apr-Dec 07:00-19:00",
     "1月至3月：每天 08:00–17:00；4月至12月：每天 07:00–19:00"),
    ('Mo-Su 06:00-22:00 "夜间请按门铃"', "每天 06:00–22:00（备注：夜间请按门铃）"),
    ("  Mo-Su 06:00-22:00  ", "每天 06:00–22:00"),
])
def test_plain_chinese(expression: str, expected: str) -> None:
    assert describe_hours(expression, year=2025) == expected


@pytest.mark.parametrize(("expression", "holiday"), [
    ("Mo-Fr 08:00-18:00; PH off", "法定节假日 关闭"),
    ("Mo-Sa 06:00-22:00; PH 08:00-12:00", "法定节假日 08:00–12:00"),
])
def test_public_holidays_from_china_calendar(expression: str, holiday: str) -> None:
    text = describe_hours(expression, year=2025)
    assert text.endswith("；" + holiday)
    # The weekly part is unaffected by the holiday rule.
    assert text.startswith("周一")


def test_sun_times_are_flagged_as_approximate() -> None:
    assert "日出、日落时刻随季节变化" in describe_hours("sunrise-sunset", year=2025)


@pytest.mark.parametrize("expression", ["garbage", "Mo-Su 25:00-26:00x", "每天六点到十点", ""])
def test_invalid_expression_is_refused_in_both_languages(expression: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        describe_hours(expression)
    assert "opening_hours" in caught.value.zh and "opening_hours" in caught.value.en
