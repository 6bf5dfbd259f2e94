"""Open311 GeoReport v2 conformance (app.open311, geo.open311) on SQLite and PostGIS:
every endpoint's fields, formats (JSON and XML with the UTF-8 declaration) and error
codes as the specification (http://wiki.open311.org/GeoReport_v2/) defines them, a
FixMyStreet-style client filing and reading a report, and a POST without api_key
refused with nothing changed."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import get_engine, get_session
from app.models import AuditEntry, Report
from tests.support.dbdump import dump_database
from tests.support.reports import inside, login, move
from tests.support.riders import Site

V2 = "/open311/v2"
W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type",
                  "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"}
CREATED_FIELDS = {"service_request_id", "service_notice", "account_id"}


def xml_of(answer) -> ElementTree.Element:
    assert answer.content_type == "text/xml; charset=utf-8"
    assert answer.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(answer.data)


def json_of(answer):
    assert answer.content_type == "application/json; charset=utf-8"
    return answer.get_json()


def assert_error(answer, status: int, fmt: str) -> str:
    """The answer is the specification's error list with ``status``; its description."""
    assert answer.status_code == status, answer.data
    if fmt == "xml":
        errors = xml_of(answer)
        assert errors.tag == "errors" and [e.tag for e in errors] == ["error"]
        assert errors.find("error/code").text == str(status)
        return errors.find("error/description").text
    body = json_of(answer)
    assert isinstance(body, list) and len(body) == 1 and body[0]["code"] == status
    assert body[0]["description"] and body[0]["message_en"] == body[0]["description"]
    return body[0]["message"]


def post(client: FlaskClient, site: Site, fmt: str = "json", **fields: str):
    lon, lat = inside(site.app, site.community_id)
    data = {"api_key": site.accounts.tokens["platform"], "service_code": "parking",
            "lat": lat, "long": lon, "description": "单元门口堆满电动车", "email": "a@example.cn",
            "first_name": "王", "phone": "13700000000", **fields}
    return client.post(f"{V2}/requests.{fmt}", data={k: v for k, v in data.items() if v != "-"})


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(site: Site, fmt: str) -> None:
    answer = site.app.test_client().get(f"{V2}/discovery.{fmt}")
    assert answer.status_code == 200
    if fmt == "xml":
        root = xml_of(answer)
        assert root.tag == "discovery"
        assert {c.tag for c in root} == {"changeset", "contact", "key_service", "endpoints"}
        endpoint = root.find("endpoints/endpoint")
        assert endpoint.find("specification").text == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in endpoint.findall("formats/format")] == ["application/json",
                                                                       "text/xml"]
        assert W3C.fullmatch(root.find("changeset").text)
        return
    body = json_of(answer)
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert set(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert endpoint["url"] == "http://localhost/open311/v2" and endpoint["type"] == "production"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_definitions(site: Site, fmt: str) -> None:
    client = site.app.test_client()
    answer = client.get(f"{V2}/services.{fmt}")
    assert answer.status_code == 200
    if fmt == "xml":
        root = xml_of(answer)
        assert root.tag == "services" and len(root) == 11
        items = [{c.tag: c.text for c in service} for service in root]
        assert all(item["metadata"] == "false" for item in items)
    else:
        items = json_of(answer)
        assert all(item["metadata"] is False for item in items)
    assert all(set(item) == SERVICE_FIELDS for item in items)
    assert all(item["type"] in ("realtime", "batch", "blackbox") for item in items)
    emergency = next(i for i in items if i["service_code"] == "emergency")
    assert emergency["service_name"] == "突发事件直报" and emergency["group"] == "紧急"

    definition = client.get(f"{V2}/services/emergency.{fmt}")
    assert definition.status_code == 200
    if fmt == "xml":
        root = xml_of(definition)
        assert root.tag == "service_definition" and root.find("service_code").text == "emergency"
    else:
        assert json_of(definition) == {"service_code": "emergency", "attributes": []}
    assert "not found" in assert_error(client.get(f"{V2}/services/flying_car.{fmt}"), 404, "xml") \
        if fmt == "xml" else "没有服务代码" in assert_error(
            client.get(f"{V2}/services/flying_car.{fmt}"), 404, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_files_and_follows_a_request(site: Site, fmt: str) -> None:
    client = site.app.test_client()
    answer = post(client, site, fmt)
    assert answer.status_code == 200, answer.data
    if fmt == "xml":
        root = xml_of(answer)
        assert root.tag == "service_requests"
        created = {c.tag: c.text for c in root.find("request")}
    else:
        (created,) = json_of(answer)
    assert set(created) == CREATED_FIELDS
    number = int(created["service_request_id"])
    with site.app.app_context():
        db = get_session()
        report = db.get(Report, number)
        assert (report.kind, report.community_id, report.text, report.status) == (
            "parking", site.community_id, "单元门口堆满电动车", "submitted")
        audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "open311_create")).one()
        assert audit.actor.startswith("token:yl_") and audit.feature_id == number
        stored = str(dump_database(get_engine()))
    assert "a@example.cn" not in stored and "13700000000" not in stored  # personal fields dropped

    one = client.get(f"{V2}/requests/{number}.{fmt}")
    if fmt == "xml":
        root = xml_of(one)
        (item,) = root.findall("request")
        fields = {c.tag: c.text for c in item}
    else:
        (fields,) = json_of(one)
    assert set(fields) == REQUEST_FIELDS
    assert (fields["status"], fields["service_code"], fields["agency_responsible"]) == (
        "open", "parking", "学院路街道测试社区")
    assert W3C.fullmatch(fields["requested_datetime"]) and W3C.fullmatch(fields["updated_datetime"])
    assert fields["description"] is None  # the reporter's words stay private

    office = login(site.app.test_client(), "editor")
    move(office, number, "rejected", "不属于本社区管理范围")
    closed = json_of(client.get(f"{V2}/requests.json?status=closed&service_code=parking"))
    assert [(r["service_request_id"], r["status"], r["status_notes"]) for r in closed] == [
        (str(number), "closed", "不属于本社区管理范围")]
    assert json_of(client.get(f"{V2}/requests.json?status=open")) == []
    assert_error(client.get(f"{V2}/requests/999999.{fmt}"), 404, fmt)


def test_request_filters(site: Site) -> None:
    client = site.app.test_client()
    first = int(json_of(post(client, site))[0]["service_request_id"])
    second = int(json_of(post(client, site, service_code="charging"))[0]["service_request_id"])
    ids = lambda query: [int(r["service_request_id"])  # noqa: E731
                         for r in json_of(client.get(f"{V2}/requests.json{query}"))]
    assert ids("") == [second, first]
    assert ids("?service_code=charging") == [second]
    assert ids(f"?service_request_id={first},{second}") == [second, first]
    assert ids("?start_date=2000-01-01T00:00:00Z&end_date=2000-01-02T00:00:00Z") == []
    assert ids("?start_date=2000-01-01T00:00:00%2B08:00") == [second, first]
    for query, message in (("?start_date=yesterday", "ISO 8601"),
                           ("?start_date=2026-12-01T08:00:00", "ISO 8601"),
                           ("?status=pending", "open 或 closed"),
                           ("?service_request_id=1;2", "service_request_id")):
        assert message in assert_error(client.get(f"{V2}/requests.json{query}"), 400, "json")
    assert "ISO 8601" in assert_error(client.get(f"{V2}/requests.xml?start_date=x"), 400, "xml")


BAD_POSTS = [
    ("no api_key", {"api_key": "-"}, 403, "api_key"),
    ("wrong api_key", {"api_key": "yl_not-a-key"}, 403, "api_key"),
    ("no service_code", {"service_code": "-"}, 400, "service_code"),
    ("unknown service_code", {"service_code": "flying_car"}, 400, "flying_car"),
    ("no location", {"lat": "-", "long": "-"}, 400, "location"),
    ("outside every office", {"lat": "39.800000", "long": "116.200000"}, 400, "no office"),
    ("swapped lat/long", {"lat": "116.351000", "long": "40.000800"}, 400, ""),
]


@pytest.mark.parametrize(("what", "fields", "status", "text"), BAD_POSTS,
                         ids=[b[0] for b in BAD_POSTS])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_posts_change_nothing(site: Site, what: str, fields: dict, status: int, text: str,
                                  fmt: str) -> None:
    client = site.app.test_client()
    with site.app.app_context():
        before = dump_database(get_engine())
    description = assert_error(post(client, site, fmt, **fields), status, "xml" if fmt == "xml"
                               else "json")
    if fmt == "xml":
        assert text in description
    with site.app.app_context():
        assert dump_database(get_engine()) == before


def test_only_json_and_xml(site: Site) -> None:
    assert site.app.test_client().get(f"{V2}/services.csv").status_code == 404


def test_open311_is_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {p for p in paths if p.startswith(V2)} == {
        f"{V2}/discovery.{{fmt}}", f"{V2}/services.{{fmt}}", f"{V2}/services/{{service_code}}.{{fmt}}",
        f"{V2}/requests.{{fmt}}", f"{V2}/requests/{{id}}.{{fmt}}"}
    assert set(paths[f"{V2}/requests.{{fmt}}"]) == {"get", "post"}
