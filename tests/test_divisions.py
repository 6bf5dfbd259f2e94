"""Division codes: format, validation against the national list, full names, committees."""

from __future__ import annotations

import pytest
from flask import Flask

from app.addresses.divisions import division_full_name, register_committee, validate_division
from app.db import get_session
from geo.address.divisions import ancestor_codes, committee_part, compose_full_name, division_level
from geo.errors import UnknownDivision


def test_levels_and_ancestors() -> None:
    assert division_level("110108010001") == 5
    assert ancestor_codes("110108010001") == ["11", "1101", "110108", "110108010"]
    assert committee_part("110108010") == "000"
    assert committee_part("110108010023") == "023"


def test_full_name_drops_placeholders() -> None:
    assert compose_full_name(["北京市", "市辖区", "海淀区", "学院路街道"]) == "北京市海淀区学院路街道"


@pytest.mark.parametrize(("code", "message"), [
    ("11010801", "位数"), ("11010801000x", "数字"), ("110108999", "不在国家"),
    ("110108010000", "000"), ("", "数字"), ("110108", "9、12"),
])
def test_bad_codes(app: Flask, code: str, message: str) -> None:
    with app.app_context(), pytest.raises(UnknownDivision) as error:
        validate_division(get_session(), code)
    assert message in error.value.zh


def test_full_names_from_the_database(app: Flask) -> None:
    with app.app_context():
        db = get_session()
        assert division_full_name(db, "110108010") == "北京市海淀区学院路街道"
        assert division_full_name(db, "510104017") == "四川省成都市锦江区锦官驿街道"
        assert division_full_name(db, "110108010001") == "北京市海淀区学院路街道"
        register_committee(db, "110108010001", "双泉社区居委会")
        db.commit()
        assert division_full_name(db, "110108010001") == "北京市海淀区学院路街道双泉社区居委会"


def test_cli_office_and_committee(runner) -> None:
    assert runner.invoke(args=["add-committee", "110108010001", "双泉社区"]).exit_code == 0
    ok = runner.invoke(args=["create-office", "双泉社区", "--division", "110108010001"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(args=["create-office", "无效", "--division", "999999999"])
    assert bad.exit_code == 2 and "不在国家" in bad.output
