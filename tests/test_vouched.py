"""Riders vouched for by their platform, end to end over HTTP on SQLite and PostGIS: the
office sets "auto-approve riders vouched for by these platforms" (page with CSRF, and
the API; audited); the platform attests a rider and hands them a sign-in link (good for
one phone); the rider's first scan is one tap (no SMS, no waiting); the platform
revokes and the pass ends with it. Forged, expired, used and other platforms' links and
attestations are refused and change nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.db import get_session
from app.models import Attestation, AuditEntry, EntryEvent, PassPolicy, Rider, RiderPass
from geo import settings
from tests.support.reports import login
from tests.support.riders import ISSUER, Site, csrf_token, tap_form
from tests.support.vouched import (
    RIDER_REF,
    attest_and_link,
    attestation,
    bearer,
    office_policy,
    platform_token,
)


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model))


def _policy(app: Flask) -> list[str] | None:
    with app.app_context():
        row = get_session().scalar(select(PassPolicy))
        return row.vouched_platforms if row else None


def _enrolled(site: Site, link: str) -> FlaskClient:
    """A phone that opened ``link`` and tapped 启用 (no SMS)."""
    phone = site.app.test_client()
    page = phone.get(link)
    assert page.status_code == 200 and "一次授权、定期有效" in page.get_data(as_text=True)
    enrolled = phone.post(link, data={"csrf_token": csrf_token(phone, link),
                                      "next": site.gate_url(site.gate_ids[0])})
    assert enrolled.status_code == 302 and enrolled.headers["Location"].startswith("/pass/gate/")
    assert phone.get_cookie("youlu_device", path="/pass") is not None
    return phone


def test_office_sets_vouched_platforms_on_its_page_and_by_api(site: Site) -> None:
    app = site.app
    office = login(app.test_client(), "editor")
    page = office.get("/office/passes").get_data(as_text=True)
    assert 'id="vouched-platforms"' in page and "自动批准以下平台担保的骑手" in page
    form = {"approval": "approval", "validity_days": "60", "scope": "community",
            "vouched_platforms": ["meituan", "eleme"]}
    assert office.post("/office/policy", data=form).status_code == 400  # no CSRF token
    assert _policy(app) is None
    saved = office.post("/office/policy",
                        data={**form, "csrf_token": csrf_token(office, "/office/passes")})
    assert saved.status_code == 302
    assert _policy(app) == ["meituan", "eleme"]
    assert 'value="meituan" checked' in office.get("/office/passes").get_data(as_text=True)

    editor = site.accounts.headers("editor")
    bad = app.test_client().put("/api/v1/pass-policy", headers=editor, json={
        "approval": "approval", "validity_days": 60, "scope": "community",
        "vouched_platforms": ["uber"]})
    assert bad.status_code == 400 and "不在列表中" in bad.get_json()["message"]
    assert _policy(app) == ["meituan", "eleme"]
    put = app.test_client().put("/api/v1/pass-policy", headers=editor, json={
        "approval": "approval", "validity_days": 60, "scope": "community",
        "vouched_platforms": ["sf"]})
    assert put.status_code == 200 and put.get_json()["vouched_platforms"] == ["sf"]
    assert app.test_client().get("/api/v1/pass-policy", headers=editor).get_json()[
        "vouched_platforms"] == ["sf"]
    platform = app.test_client().put("/api/v1/pass-policy", headers=site.accounts.headers(
        "platform"), json={"approval": "auto", "validity_days": 1, "scope": "community"})
    assert platform.status_code == 403
    with app.app_context():
        audit = get_session().execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.after)
                                      .where(AuditEntry.table_name == "pass_policies")
                                      .order_by(AuditEntry.id)).all()
    assert [(a, who, after["vouched_platforms"]) for a, who, after in audit] == [
        ("create", "editor", ["meituan", "eleme"]), ("update", "editor", ["sf"])]


def test_first_scan_is_one_tap_and_the_pass_ends_with_the_attestation(site: Site) -> None:
    app = site.app
    office_policy(app, vouched=["meituan"])  # others wait for approval
    app.config["CHECKIN_REPEAT_WINDOW_S"] = 0
    meituan = platform_token(app)
    phone = _enrolled(site, attest_and_link(app.test_client(), meituan))
    assert app.extensions.get("sms_outbox", []) == []  # no SMS at all

    gate = site.gate_url(site.gate_ids[0])
    page = phone.get(gate).get_data(as_text=True)
    assert 'id="vouched"' in page and "美团担保：一键进入" in page and 'id="refusal"' not in page
    tapped = phone.post(gate, data=tap_form(phone, gate))  # the one tap
    assert tapped.status_code == 302
    assert "已进入" in phone.get(tapped.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        db = get_session()
        rider_pass = db.scalars(select(RiderPass)).one()
        expires = db.scalars(select(Attestation)).one().expires_at
        event = db.scalars(select(EntryEvent)).one()
        assert (rider_pass.status, rider_pass.decided_by) == ("active", "platform:meituan")
        assert rider_pass.valid_until.replace(tzinfo=None) <= expires.replace(tzinfo=None)
        assert (event.direction, event.pass_id, event.platform) == ("in", rider_pass.id, "meituan")
    office = login(app.test_client(), "editor")
    assert "美团担保" in office.get("/office/passes?status=active").get_data(as_text=True)
    assert phone.post(gate, data=tap_form(phone, gate)).status_code == 302  # and out

    revoked = app.test_client().delete(f"/api/v1/attestations/{RIDER_REF}",
                                       headers=bearer(meituan))
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    with app.app_context():
        db = get_session()
        assert db.scalars(select(RiderPass.status)).one() == "revoked"
        assert db.scalar(select(AuditEntry.action).where(
            AuditEntry.table_name == "rider_passes")) == "pass_revoke"
    refused = phone.get(gate).get_data(as_text=True)
    assert 'data-reason="vouch_ended"' in refused and "美团已撤销对您的担保" in refused
    assert 'id="tap"' not in refused
    again = phone.post(gate, data={"csrf_token": csrf_token(phone, "/pass/register"), "seq": "2"})
    assert again.status_code == 403 and "美团已撤销对您的担保" in again.get_data(as_text=True)
    assert _count(app, EntryEvent) == 2


def test_an_office_not_auto_approving_the_platform_keeps_its_rules(site: Site) -> None:
    app = site.app
    office_policy(app, vouched=["eleme"])
    phone = _enrolled(site, attest_and_link(app.test_client(), platform_token(app)))
    gate = site.gate_url(site.gate_ids[0])
    page = phone.get(gate).get_data(as_text=True)
    assert 'data-reason="pass_missing"' in page and 'id="tap"' not in page
    assert phone.post(gate + "/apply", data={
        "csrf_token": csrf_token(phone, gate)}).status_code == 302
    assert 'data-reason="pass_pending"' in phone.get(gate).get_data(as_text=True)


@pytest.mark.parametrize(("case", "reason", "zh"), [
    ("forged", "link_forged", "此登录链接无效"),
    ("expired", "link_expired", "此登录链接已过期"),
    ("revoked", "vouch_ended", "平台对您的担保已撤销或已到期"),
])
def test_bad_sign_in_links_are_refused_and_enrol_nobody(site: Site, monkeypatch, case: str,
                                                         reason: str, zh: str) -> None:
    app = site.app
    meituan = platform_token(app)
    link = attest_and_link(app.test_client(), meituan)
    if case == "forged":
        link = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    elif case == "expired":
        monkeypatch.setattr(settings, "VOUCH_LINK_TTL_S", -1)
    else:
        app.test_client().delete(f"/api/v1/attestations/{RIDER_REF}", headers=bearer(meituan))
    phone = app.test_client()
    for answer in (phone.get(link), phone.post(link, data={})):
        assert answer.status_code in (400, 403)
    page = phone.get(link)
    assert page.status_code == 403
    assert f'data-reason="{reason}"' in page.get_data(as_text=True)
    assert zh in page.get_data(as_text=True)
    assert _count(app, Rider) == 0 and phone.get_cookie("youlu_device", path="/pass") is None


def test_links_only_for_the_platforms_own_current_riders(site: Site) -> None:
    app = site.app
    meituan, eleme = platform_token(app), platform_token(app, "eleme")
    client = app.test_client()
    attest_and_link(client, meituan)
    other = client.post(f"/api/v1/attestations/{RIDER_REF}/link", headers=bearer(eleme))
    assert other.status_code == 404  # another platform's rider is not visible
    forged = client.post("/api/v1/attestations", headers=bearer(eleme),
                         json=attestation(meituan, platform="meituan"))
    assert forged.status_code == 403  # signed with another platform's token
    client.delete(f"/api/v1/attestations/{RIDER_REF}", headers=bearer(meituan))
    ended = client.post(f"/api/v1/attestations/{RIDER_REF}/link", headers=bearer(meituan))
    assert ended.status_code == 403 and "已撤销或已过期" in ended.get_json()["message"]
    assert _count(app, Rider) == 0


def test_a_sign_in_link_enrols_one_phone_only(site: Site) -> None:
    app = site.app
    meituan = platform_token(app)
    link = attest_and_link(app.test_client(), meituan)
    _enrolled(site, link)
    second = app.test_client()
    used = second.get(link)
    assert used.status_code == 403 and 'data-reason="link_used"' in used.get_data(as_text=True)
    assert "此登录链接已使用过" in used.get_data(as_text=True)
    assert second.get_cookie("youlu_device", path="/pass") is None
    fresh = app.test_client().post(f"/api/v1/attestations/{RIDER_REF}/link",
                                   headers=bearer(meituan)).get_json()["url"]
    _enrolled(site, fresh.removeprefix(ISSUER))  # a new link: the same rider, a second phone
    with app.app_context():
        rider = get_session().scalars(select(Rider)).one()
        assert len(rider.devices) == 2
