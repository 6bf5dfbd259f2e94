"""Check-in and check-out at a gate (app.riders.checkin, the /pass/gate pages) on SQLite and
PostGIS: one tap in, one tap out at any gate, repeated and concurrent taps stored once,
and every refusal with its Chinese message and nothing written."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from app.db import get_engine, get_session
from app.models import Building, Community, Gate, Rider, RiderPass, Unit
from app.plates.keys import active_signer, keys_dir, revoke_key, revoke_plate, signed_url
from app.riders.checkin import TapPass, TapRider, read_gate_plate, read_tap, tap, visit
from app.riders.service import covering_passes, decide_pass, rider_for_secret
from geo.riders import passes as pass_rules
from tests.support.dbdump import dump_database
from tests.support.riders import (
    Site,
    csrf_token,
    register_rider,
    tap_form,
)

NOON = datetime(2026, 5, 6, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


@pytest.fixture
def rider_client(site: Site):
    """A client whose phone registered (pass policy auto: the pass is active); taps are
    not merged by time here (the window has its own test)."""
    site.app.config["CHECKIN_REPEAT_WINDOW_S"] = 0
    client = site.app.test_client()
    register_rider(client, site.app, next_url=site.gate_url(site.gate_ids[0]))
    return client


def _rider(site: Site) -> Rider:
    return get_session().scalars(select(Rider)).one()


def test_check_in_then_out_at_another_gate(site: Site, rider_client) -> None:
    entry_url, exit_url = site.gate_url(site.gate_ids[0]), site.gate_url(site.gate_ids[1])
    page = rider_client.get(entry_url).get_data(as_text=True)
    assert 'id="tap"' in page and "进入" in page and 'data-state="active"' in page
    unit = site.unit_ids[0]
    tapped = rider_client.post(entry_url, data={**tap_form(rider_client, entry_url),
                                                "unit": str(unit)})
    assert tapped.status_code == 302
    result = rider_client.get(tapped.headers["Location"]).get_data(as_text=True)
    assert 'data-direction="in"' in result and "已进入" in result
    assert 'class="tap out"' in result  # the next tap here would be the exit
    out = rider_client.post(exit_url, data=tap_form(rider_client, exit_url))
    assert "已离开" in rider_client.get(out.headers["Location"]).get_data(as_text=True)
    events = site.events()
    assert [(e.direction, e.gate_id, e.seq) for e in events] == [
        ("in", site.gate_ids[0], 1), ("out", site.gate_ids[1], 2)]
    assert events[0].unit_id == unit and events[0].community_id == site.community_id
    assert events[0].pass_id is not None and events[0].platform == "meituan"


def test_scan_page_links_a_gate_to_check_in(site: Site, rider_client) -> None:
    plate = site.plate(site.gate_ids[0])
    page = rider_client.get("/" + plate).get_data(as_text=True)
    assert f'href="/pass/gate/{plate}"' in page


def test_gate_page_as_json(site: Site, rider_client) -> None:
    url = site.gate_url(site.gate_ids[0])
    body = rider_client.get(url, headers={"Accept": "application/json"}).get_json()
    assert body["registered"] and body["direction"] == "in" and body["seq"] == 0
    assert body["pass_state"] == "active" and body["refusal"] is None
    tapped = rider_client.post(url, data={"seq": "0"}, headers={
        "Accept": "application/json", "X-CSRFToken": body["csrf_token"]}).get_json()
    assert tapped["created"] and tapped["seq"] == 1 and tapped["event"]["direction"] == "in"


def test_repeated_tap_is_the_same_event(site: Site, rider_client) -> None:
    url = site.gate_url(site.gate_ids[0])
    form = tap_form(rider_client, url)
    first = rider_client.post(url, data=form, headers={"Accept": "application/json"}).get_json()
    again = rider_client.post(url, data=form, headers={"Accept": "application/json"}).get_json()
    assert first["created"] and not again["created"]
    assert again["event"]["id"] == first["event"]["id"] and again["seq"] == 1
    assert len(site.events()) == 1
    page = rider_client.post(url, data=form)
    assert "repeated=1" in page.headers["Location"]
    assert "没有重复登记" in rider_client.get(page.headers["Location"]).get_data(as_text=True)


def test_taps_within_the_window_are_one_event(site: Site, rider_client) -> None:
    with site.app.app_context():
        db = get_session()
        gate = read_gate_plate(db, site.plate(site.gate_ids[0]))
        rider = _rider(site)
        first = tap(db, rider, gate, seq=0, now=NOON, window_s=10)
        soon = tap(db, rider, gate, seq=1, now=NOON + timedelta(seconds=9), window_s=10)
        later = tap(db, rider, gate, seq=1, now=NOON + timedelta(seconds=11), window_s=10)
    assert first.created and not soon.created and soon.event.id == first.event.id
    assert later.created and later.event.direction == "out"
    assert [e.seq for e in site.events()] == [1, 2]


def test_concurrent_taps_store_one_event(site: Site, rider_client) -> None:
    """Eight requests with the same page state at once: one event, the same answer."""
    url = site.gate_url(site.gate_ids[0])
    form = tap_form(rider_client, url)
    cookies = {c.key: c.value for c in rider_client._cookies.values()}
    answers: list[dict] = []
    barrier = threading.Barrier(8)

    def one_tap() -> None:
        client = site.app.test_client()
        for key, value in cookies.items():
            client.set_cookie(key, value, path="/pass" if key == "youlu_device" else "/")
        barrier.wait()
        answers.append(client.post(url, data=form,
                                   headers={"Accept": "application/json"}).get_json())

    threads = [threading.Thread(target=one_tap) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and sum(a["created"] for a in answers) == 1
    assert {a["event"]["id"] for a in answers} == {site.events()[0].id}
    assert len(site.events()) == 1


def test_a_copied_link_checks_nobody_in(site: Site, rider_client) -> None:
    """The link and the page state are not the pass: without the phone's device cookie
    (or with a guessed one) nobody is checked in."""
    url = site.gate_url(site.gate_ids[0])
    seq = tap_form(rider_client, url)["seq"]
    stranger = site.app.test_client()
    assert "首次使用请先登记" in stranger.get(url).get_data(as_text=True)
    forger = site.app.test_client()
    forger.set_cookie("youlu_device", "guessed-device-secret", path="/pass")
    for client in (stranger, forger):
        token = csrf_token(client, "/pass/register")
        answer = client.post(url, data={"csrf_token": token, "seq": seq},
                             headers={"Accept": "application/json"})
        assert answer.status_code == 401
        assert answer.get_json()["details"]["reason"] == "no_device"
    assert site.events() == []


def test_exit_is_logged_after_the_pass_ran_out(site: Site, rider_client) -> None:
    url = site.gate_url(site.gate_ids[0])
    rider_client.post(url, data=tap_form(rider_client, url))
    with site.app.app_context():
        db = get_session()
        db.execute(update(RiderPass).values(valid_until=datetime.now(UTC)
                                            - timedelta(days=1)))
        db.commit()
    out = rider_client.post(url, data=tap_form(rider_client, url))
    assert out.status_code == 302
    assert [e.direction for e in site.events()] == ["in", "out"]


def test_a_stale_page_is_refused(site: Site, rider_client) -> None:
    url = site.gate_url(site.gate_ids[0])
    form = {**tap_form(rider_client, url), "seq": "7"}
    answer = rider_client.post(url, data=form, headers={"Accept": "application/json"})
    assert answer.status_code == 400 and answer.get_json()["details"]["reason"] == "stale_page"
    assert site.events() == []


@pytest.mark.parametrize("through_building", [False, True])
def test_destination_must_be_in_the_compound(site: Site, rider_client,
                                             through_building: bool) -> None:
    """A unit of the other compound, named by its own compound or only by its building's."""
    with site.app.app_context():
        db = get_session()
        other = db.scalars(select(Unit).where(Unit.community_id == site.other_community_id,
                                              Unit.building_id.is_not(None))).first()
        if through_building:
            other.community_id = None
            db.commit()
        other_unit = other.id
    url = site.gate_url(site.gate_ids[0])
    answer = rider_client.post(url, data={**tap_form(rider_client, url), "unit": str(other_unit)},
                               headers={"Accept": "application/json"})
    assert answer.status_code == 400 and "不在这个小区" in answer.get_json()["message"]
    assert site.events() == []


# -- refusals: clear Chinese message, nothing written --------------------------------------


def _flip_signature_digit(plate: str) -> str:
    last = plate[-1]
    return plate[:-1] + ("1" if last != "1" else "2")


def _forged_code(plate: str) -> str:
    head, code, rest = plate.split("/", 2)
    changed = code[:-1] + ("2" if code[-1] != "2" else "3")
    return f"{head}/{changed}/{rest}"


def _revoke_plate(site: Site, gate_id: int) -> None:
    with site.app.app_context():
        db = get_session()
        revoke_plate(db, db.get(Gate, gate_id).code, reason="lost")


def _revoke_key(site: Site, _gate_id: int) -> None:
    with site.app.app_context():
        db = get_session()
        kid = site.plate(site.gate_ids[0]).split("/")[2].split(".")[0]
        revoke_key(db, kid, reason="leaked")


def _gate(**values):
    def change(site: Site, gate_id: int) -> None:
        with site.app.app_context():
            db = get_session()
            db.execute(update(Gate).where(Gate.id == gate_id).values(**values))
            db.commit()
    return change


def _pass(action: str):
    def change(site: Site, _gate_id: int) -> None:
        with site.app.app_context():
            db = get_session()
            rider_pass = db.scalars(select(RiderPass)).one()
            if action == "expire":
                rider_pass.valid_until = datetime.now(UTC) - timedelta(minutes=1)
                db.commit()
                return
            for step in ("suspend", "revoke") if action == "revoke" else (action,):
                decide_pass(db, rider_pass, step, actor="test", user_id=None, note=None,
                            now=datetime.now(UTC))
    return change


def _reject(site: Site, _gate_id: int) -> None:
    with site.app.app_context():
        db = get_session()
        db.execute(update(RiderPass).values(status="rejected"))
        db.commit()


REFUSALS = [
    # (what happens first, how the plate is altered, reason, words the rider reads, status)
    (None, _flip_signature_digit, "plate_bad_signature", "伪造或篡改", 403),
    (None, _forged_code, "plate_bad_signature", "伪造或篡改", 403),
    (_revoke_plate, None, "plate_revoked_plate", "门牌已作废", 403),
    (_revoke_key, None, "plate_revoked_key", "签名密钥已吊销", 403),
    (_pass("expire"), None, "pass_expired", "通行证已过期", 403),
    (_pass("revoke"), None, "pass_revoked", "通行证已被吊销", 403),
    (_pass("suspend"), None, "pass_suspended", "通行证已被社区暂停", 403),
    (_reject, None, "pass_rejected", "申请未通过", 403),
    (_gate(rider_access="closed"), None, "gate_closed_to_riders", "此门不对骑手开放", 403),
    (_gate(opening_hours="off"), None, "gate_closed_now", "此门现在关闭", 403),
]


@pytest.mark.parametrize(("before", "alter", "reason", "words", "status"), REFUSALS,
                         ids=[r[2] + ("_code" if r[1] is _forged_code else "") for r in REFUSALS])
def test_refusal(site: Site, rider_client, before, alter, reason, words, status) -> None:
    gate_id = site.gate_ids[0]
    plate = site.plate(gate_id)
    form = tap_form(rider_client, site.gate_url(gate_id))
    if before is not None:
        before(site, gate_id)
    url = "/pass/gate/" + (alter(plate) if alter else plate)
    with site.app.app_context():
        engine = get_engine()
        snapshot = dump_database(engine)
    page = rider_client.get(url)
    html = page.get_data(as_text=True)
    assert words in html and f'data-reason="{reason}"' in html
    assert 'id="tap"' not in html  # no button to press
    answer = rider_client.post(url, data=form, headers={"Accept": "application/json"})
    body = answer.get_json()
    assert answer.status_code == status, body
    assert body["details"]["reason"] == reason and words in body["message"]
    assert body["message_en"]
    assert rider_client.post(url, data=form).status_code == status  # the page, in Chinese
    with site.app.app_context():
        assert dump_database(engine) == snapshot
    assert site.events() == []


def test_building_plate_is_not_a_gate(site: Site, rider_client) -> None:
    with site.app.app_context():
        db = get_session()
        code = db.scalar(select(Building.code).where(Building.community_id == site.community_id,
                                                     Building.code.is_not(None)).limit(1))
        url = signed_url(db, code, active_signer(db, keys_dir()), base_url="https://x")
    answer = rider_client.get("/pass/gate/" + url.split("/", 3)[3])
    assert answer.status_code == 400 and "请扫描小区出入口的门牌" in answer.get_data(as_text=True)


def test_visit_says_what_a_tap_would_do(site: Site, rider_client) -> None:
    with site.app.app_context():
        db = get_session()
        plate = site.plate(site.gate_ids[0])
        db.execute(update(Gate).where(Gate.id == site.gate_ids[0])
                   .values(opening_hours="Mo-Su 06:00-22:00"))
        db.commit()
        gate = read_gate_plate(db, plate)
        rider = _rider(site)
        night = visit(db, rider, gate, now=NOON + timedelta(hours=11))  # 23:00
        day = visit(db, rider, gate, now=NOON)
    assert night.refusal is not None and night.refusal.details["reason"] == "gate_closed_now"
    assert "每天 06:00–22:00" in night.refusal.zh
    assert day.refusal is None and day.direction == "in" and day.pass_state == "active"


def test_a_tap_reads_plain_rows_that_match_the_orm(site: Site, rider_client) -> None:
    """``read_tap``'s one query of plain columns gives the rider and the passes covering
    the gate's compound that the ORM gives: its compound's pass, a street pass (and a
    committee pass when the compound has a committee code), not another compound's; it
    builds no ORM entity."""
    secret = rider_client.get_cookie("youlu_device", path="/pass").value
    plate = site.plate(site.gate_ids[0])
    with site.app.app_context():
        db = get_session()
        rider, community = _rider(site), db.get(Community, site.community_id)
        other = db.get(Community, site.other_community_id)
        held = {(p.scope, p.scope_value) for p in rider.passes}
        for scope, where in (("street", community), ("committee", community),
                             ("community", other)):
            kind, value = pass_rules.scope_key(scope, community_id=where.id,
                                               division_code=where.division_code)
            if (kind, value) in held:  # no committee code: the compound's own scope
                continue
            held.add((kind, value))
            db.add(RiderPass(rider_id=rider.id, scope=kind, scope_value=value,
                             community_id=where.id, status="pending", requested_at=NOON))
        db.commit()
    with site.app.app_context():
        db = get_session()
        built: list[object] = []

        def loaded(target: object, _context: object) -> None:
            built.append(target)

        for model in (Rider, RiderPass):
            event.listen(model, "load", loaded)
        try:
            found = read_tap(db, secret, plate)
        finally:
            for model in (Rider, RiderPass):
                event.remove(model, "load", loaded)
        assert found is not None and built == []
        orm_rider, device_id = rider_for_secret(db, secret)
        orm_passes = covering_passes(db, orm_rider.id, found.gate.community_id,
                                     found.gate.division_code)
    assert isinstance(found.rider, TapRider) and found.device_id == device_id
    assert found.rider == TapRider(*(getattr(orm_rider, name) for name in TapRider.__slots__))
    assert all(isinstance(p, TapPass) for p in found.passes)
    assert sorted(found.passes, key=lambda p: p.id) == sorted(
        (TapPass(*(getattr(p, name) for name in TapPass.__slots__)) for p in orm_passes),
        key=lambda p: p.id)
    assert {p.scope for p in orm_passes} >= {"community", "street"}
    assert site.other_community_id not in {p.community_id for p in orm_passes}


def test_a_tap_is_two_statements_on_postgresql(site: Site, rider_client) -> None:
    """A tap runs the read and the move-and-log, nothing else (SQLite: the move and the
    log apart); its rider's next tap reads the moved counter."""
    url = site.gate_url(site.gate_ids[0])
    form = tap_form(rider_client, url)
    statements: list[str] = []
    with site.app.app_context():
        engine = get_engine()

    def executed(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", executed)
    try:
        tapped = rider_client.post(url, data=form, headers={"Accept": "application/json"})
    finally:
        event.remove(engine, "before_cursor_execute", executed)
    assert tapped.status_code == 200 and tapped.get_json()["created"]
    expected = 2 if engine.dialect.name == "postgresql" else 3
    assert len(statements) == expected, statements
    assert statements[0].lstrip().startswith("SELECT riders.id, riders.tap_seq")
    assert tap_form(rider_client, url)["seq"] == str(int(form["seq"]) + 1)


def test_a_tap_from_a_page_newer_than_the_riders_copy_reads_the_rider_again(
        site: Site, rider_client) -> None:
    """A tap whose rider was read before another request of the same rider moved the
    counter, drawn on the page that request gave (its seq ahead of the copy): the tap
    reads the counter again and is logged as the next event, not refused as stale."""
    secret = rider_client.get_cookie("youlu_device", path="/pass").value
    plate = site.plate(site.gate_ids[0])
    url = site.gate_url(site.gate_ids[0])
    with site.app.app_context():
        found = read_tap(get_session(), secret, plate)
        assert found is not None and found.rider.tap_seq == 0
    site.app.config["CHECKIN_REPEAT_WINDOW_S"] = 0
    rider_client.post(url, data=tap_form(rider_client, url))  # the other request: in
    with site.app.app_context():
        db = get_session()
        result = tap(db, found.rider, found.gate, seq=1, now=datetime.now(UTC), window_s=0,
                     covering=found.passes)
        db.commit()
    assert result.created and result.seq == 2 and found.rider.tap_seq == 2
    assert [(e.seq, e.direction) for e in site.events()] == [(1, "in"), (2, "out")]
