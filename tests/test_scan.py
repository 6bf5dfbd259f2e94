"""The scan page, the verify API, the published key set and the office download, through
the Flask test client on SQLite and PostGIS: genuine plates, altered ones, revoked keys and
plates, rotation, unsigned and foreign plates."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from flask.testing import FlaskClient

from app.db import get_session
from app.models import Building, Community
from app.plates.keys import keys_dir, revoke_key, revoke_plate, rotate_keys
from geo.address.verify import verify_plate
from tests.support.accounts import Accounts
from tests.support.plates import HOST, ISSUER, Plated


def verdict_of(html: str) -> str:
    return re.search(r'data-reason="([a-z_]+)"', html).group(1)


def test_genuine_unit_page(plated: Plated) -> None:
    url = plated.url("unit")
    page = plated.page(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and verdict_of(html) == "ok"
    assert "真实门牌" in html and "verdict-genuine" in html
    assert "3号楼 2单元" in html
    assert "北京市海淀区学院路街道 双泉嘉苑 3号楼 2单元" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="mini-map"' in html
    route = re.search(r'id="route-link" href="([^"]+)"', html).group(1)
    assert route == f"/r/{plated.codes['community']}?unit={plated.codes['unit']}"  # a page
    assert "/report?code=" in html and "骑手登记进门" not in html  # check-in is at gates
    rider_map = re.search(r'href="([^"]+)">在小区地图上查看', html).group(1)
    assert rider_map == f"/r/{plated.codes['community']}?unit={plated.codes['unit']}"
    assert plated.client.get(rider_map).status_code == 200
    assert 'name="viewport"' in html


def test_gate_page_offers_check_in(plated: Plated) -> None:
    html = plated.page(plated.url("gate")).get_data(as_text=True)
    assert verdict_of(html) == "ok" and "北门(1号门)" in html
    checkin = re.search(r'<a class="big" href="([^"]+)">骑手登记进门</a>', html)
    assert checkin and plated.codes["gate"] in checkin.group(1)


def test_lower_case_link_still_genuine(plated: Plated) -> None:
    path = plated.url("gate").removeprefix(HOST).lower()
    assert verdict_of(plated.client.get(path).get_data(as_text=True)) == "ok"


def _flip(text: str, index: int) -> str:
    return text[:index] + str((int(text[index]) + 1) % 10) + text[index + 1:]


def test_flipped_character_is_not_genuine(plated: Plated) -> None:
    url = plated.url("unit")
    code_at = url.index(plated.codes["unit"])
    signature_at = url.rindex("/") + 1
    for index in (code_at + 13, code_at + len(plated.codes["unit"]) - 1,
                  signature_at, signature_at + 80, len(url) - 1):
        altered = _flip(url, index)
        page = plated.page(altered)
        html = page.get_data(as_text=True)
        assert verdict_of(html) in ("bad_signature", "malformed"), altered
        assert "不是有效的门牌" in html and "verdict-warning" in html
        assert "双泉嘉苑 3号楼 2单元" not in html  # no address for an altered plate
        assert "举报此门牌" in html


def test_revoked_key_and_rotation(plated: Plated) -> None:
    old_url = plated.url("unit")
    with plated.app.app_context():
        new, old = rotate_keys(get_session(), keys_dir())
    new_url = plated.url("unit")
    assert f"/{new.kid}/" in new_url and f"/{old.kid}/" in old_url
    for url in (old_url, new_url):  # old plates keep verifying after rotation
        assert verdict_of(plated.page(url).get_data(as_text=True)) == "ok"
    with plated.app.app_context():
        revoke_key(get_session(), old.kid, reason="泄露")
    html = plated.page(old_url).get_data(as_text=True)
    assert verdict_of(html) == "revoked_key" and "签名密钥已吊销" in html
    assert verdict_of(plated.page(new_url).get_data(as_text=True)) == "ok"


def test_revoked_plate_and_reissue(plated: Plated) -> None:
    first = plated.url("unit")
    with plated.app.app_context():
        row = revoke_plate(get_session(), plated.codes["unit"], reason="被盗")
    assert row.issue == 1
    html = plated.page(first).get_data(as_text=True)
    assert verdict_of(html) == "revoked_plate" and "此门牌已作废" in html
    second = plated.url("unit")
    assert re.search(r"/[A-Z2-7]{2}\.2/", second)
    assert verdict_of(plated.page(second).get_data(as_text=True)) == "ok"


def test_unknown_key(plated: Plated) -> None:
    url = plated.url("unit")
    kid = re.search(r"/([A-Z2-7]{2})/\d+$", url).group(1)
    other = "ZZ" if kid != "ZZ" else "YY"
    html = plated.page(url.replace(f"/{kid}/", f"/{other}/")).get_data(as_text=True)
    assert verdict_of(html) == "unknown_key"


def test_unsigned_unknown_and_malformed_links(plated: Plated) -> None:
    unsigned = plated.client.get(f"/a/{plated.codes['unit']}")
    html = unsigned.get_data(as_text=True)
    assert unsigned.status_code == 200 and verdict_of(html) == "unsigned"
    assert "未核验" in html and "双泉嘉苑 3号楼 2单元" in html
    missing = plated.client.get("/a/110108010000-009")
    assert missing.status_code == 404 and verdict_of(missing.get_data(as_text=True)) == "unknown_code"
    broken = plated.client.get("/a/110108010000-001-003-02/AB/123")
    assert broken.status_code == 400 and verdict_of(broken.get_data(as_text=True)) == "malformed"


def test_names_are_escaped(plated: Plated) -> None:
    with plated.app.app_context():
        db = get_session()
        db.query(Community).one().name = "<script>alert(1)</script>"
        building = db.query(Building).one()
        building.number = "<b>3</b>"
        db.commit()
    html = plated.page(plated.url("unit")).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>3</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- /api/v1/verify ---------------------------------------------------------------------


def test_verify_api_genuine(plated: Plated) -> None:
    body = plated.client.get("/api/v1/verify", query_string={"text": plated.url("unit")}).json
    assert body["genuine"] is True and body["reason"] == "ok" and body["ours"] is True
    assert body["code"] == plated.codes["unit"] and body["kind"] == "unit"
    assert body["address"] == "北京市海淀区学院路街道 双泉嘉苑 3号楼 2单元"
    assert body["location"] == {"lon": 116.3506, "lat": 40.0005}
    assert body["message"] and body["message_en"]


def test_verify_api_reasons(plated: Plated) -> None:
    url = plated.url("unit")

    def reason(text: str) -> dict:
        body = plated.client.get("/api/v1/verify", query_string={"text": text}).json
        assert body["genuine"] is False
        assert ("address" in body) == (body["reason"] == "unsigned")
        return body

    assert reason(_flip(url, len(url) - 1))["reason"] == "bad_signature"
    assert reason(url[:-10])["reason"] == "malformed"
    assert reason(url.replace(HOST, "HTTPS://EVIL.EXAMPLE.CN"))["reason"] == "not_ours"
    unsigned = reason(plated.codes["unit"])
    assert unsigned["reason"] == "unsigned" and unsigned["address"].endswith("3号楼 2单元")
    with plated.app.app_context():
        revoke_plate(get_session(), plated.codes["unit"])
    assert reason(url)["reason"] == "revoked_plate"


@pytest.mark.parametrize(("text", "kind", "division", "address"), [
    ("https://e.example.sc.cn/dz?code=510104001001000350002&addr=%E6%88%90%E9%83%BD%E5%B8%82"
     "%E9%94%A6%E6%B1%9F%E5%8C%BA%E7%BA%A2%E6%98%9F%E8%B7%AF3%E5%8F%B7", "url",
     "四川省成都市锦江区", "成都市锦江区红星路3号"),
    ("510104001001-0035-02", "code", "四川省成都市锦江区", None),
    ("{\"dzbm\": \"110108010001000350002\", \"dz\": \"北京市海淀区清华东路27号院\"}", "json",
     "北京市海淀区学院路街道", "北京市海淀区清华东路27号院"),
    ("四川省成都市锦江区春熙路街道 红星小区 3栋2单元", "text", None,
     "四川省成都市锦江区春熙路街道 红星小区 3栋2单元"),
])
def test_verify_api_third_party(client: FlaskClient, text: str, kind: str,
                                division: str | None, address: str | None) -> None:
    body = client.get("/api/v1/verify", query_string={"text": text}).json
    assert body["genuine"] is False and body["reason"] == "not_ours" and body["ours"] is False
    reading = body["third_party"]
    assert reading["kind"] == kind and reading["known_format"] is True
    assert reading["division_name"] == division
    assert reading["address_text"] == address


def test_verify_api_unknown_format_says_so(client: FlaskClient) -> None:
    body = client.get("/api/v1/verify", query_string={"text": "WIFI:S:guest;;"}).json
    assert body["reason"] == "not_ours" and body["third_party"]["known_format"] is False
    assert "格式也不认识" in body["message"]


@pytest.mark.parametrize(("query", "message"), [
    ({}, "缺少参数 text"), ({"text": "   "}, "缺少参数 text"), ({"text": "x" * 2001}, "太长"),
])
def test_verify_api_bad_input(client: FlaskClient, query: dict, message: str) -> None:
    response = client.get("/api/v1/verify", query_string=query)
    assert response.status_code == 400
    assert message in response.json["message"] and response.json["message_en"]


def test_published_keys_verify_offline(plated: Plated) -> None:
    url = plated.url("unit")
    with plated.app.app_context():
        _new, old = rotate_keys(get_session(), keys_dir())
        revoke_plate(get_session(), plated.codes["gate"])
    published = plated.client.get("/.well-known/youlu-keys.json")
    assert published.headers["Access-Control-Allow-Origin"] == "*"
    keyset = published.json
    assert keyset["issuer"] == ISSUER
    assert {k["status"] for k in keyset["keys"]} == {"active", "retired"}
    assert keyset["revoked_plates"][0]["code"] == plated.codes["gate"]
    assert verify_plate(url, keyset).genuine  # what a platform does, offline
    with plated.app.app_context():
        revoke_key(get_session(), old.kid)
    keyset = plated.client.get("/.well-known/youlu-keys.json").json
    assert verify_plate(url, keyset).reason == "revoked_key"


# -- office download --------------------------------------------------------------------


def test_office_download(plated: Plated, accounts: Accounts) -> None:
    path = f"/office/communities/{plated.codes['community']}/plates.zip"
    assert plated.client.get(path).status_code == 401
    assert plated.client.get(path, headers=accounts.headers("platform")).status_code == 403
    assert plated.client.get(path, headers=accounts.headers("other_editor")).status_code == 403
    bad = plated.client.get(path + "?format=gif", headers=accounts.headers("editor"))
    assert bad.status_code == 400 and "pdf、svg、png" in bad.json["message"]
    response = plated.client.get(path + "?format=pdf", headers=accounts.headers("editor"))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(response.data)).namelist())
    assert {f"{plated.codes[k]}.pdf" for k in ("building", "unit", "gate")} <= names
    assert f"{plated.codes['unit']}.ndef" in names and "sheets-A4.pdf" in names
