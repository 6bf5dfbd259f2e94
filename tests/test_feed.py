"""The change feed (GET /api/v1/changes) on SQLite and PostGIS: a scripted office
session read back in commit order, tombstones, gate rule changes, plate and key events,
filters, paging with ``next``, a cursor that numbers changes in commit order across
concurrent writers, an import's bulk-inserted audit entries numbered with the office's
(and forgotten when it rolls back), and bad input."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select

from app.accounts.auth import Actor
from app.db import get_session
from app.imports.importer import import_osm
from app.models import MODEL_OF_RESOURCE, AuditEntry, Change, Community, FeedCounter, User
from app.places.editing import update_feature
from tests.support.accounts import Accounts
from tests.support.extracts import EXTRACTS, OSM_DIR, read_extract
from tests.support.platforms import office_session


def _all(client, accounts: Accounts, **args: str) -> list[dict]:
    since, out = "0", []
    while True:
        page = client.get("/api/v1/changes", query_string={"since": since, "limit": 3, **args},
                          headers=accounts.headers("platform"))
        assert page.status_code == 200, page.get_json()
        body = page.get_json()
        out += body["changes"]
        assert body["next"] >= since
        since = body["next"]
        if not body["more"]:
            return out


def test_feed_lists_an_office_session_in_order(app: Flask, client, accounts: Accounts) -> None:
    ids = office_session(app, client, accounts)
    changes = _all(client, accounts)
    ops = [(c["kind"], c["op"], c.get("id")) for c in changes]
    assert ops == [
        ("communities", "created", ids["community"]), ("gates", "created", ids["south"]),
        ("gates", "created", ids["east"]), ("buildings", "created", ids["building"]),
        ("units", "created", ids["unit"]), ("gate_rules", "updated", ids["south"]),
        ("communities", "updated", ids["community"]), ("gates", "deleted", ids["east"]),
        ("plates", "revoked", None), ("keys", "rotated", None)]
    cursors = [c["cursor"] for c in changes]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    assert len({c["event_id"] for c in changes}) == len(changes)
    tomb = changes[7]
    assert tomb["tombstone"] is True and tomb["feature"] is None and tomb["version"] == 1
    rules = changes[5]
    assert rules["feature"]["properties"]["rider_access"] == "pass"
    assert rules["version"] == 2 and rules["division"] == "110108010001"
    assert changes[8]["subject"]["issue"] == 1 and changes[8]["note"] == "丢失"
    assert changes[9]["subject"]["status"] == "active"
    assert changes[0]["at"].endswith("+08:00")
    # filters: gates include their rule changes; a division prefix; kinds of keys only
    assert [c["op"] for c in _all(client, accounts, kinds="gates")] == [
        "created", "created", "updated", "deleted"]
    assert [c["kind"] for c in _all(client, accounts, kinds="plates,keys")] == ["plates", "keys"]
    assert len(_all(client, accounts, division="110108010")) == 8
    assert _all(client, accounts, division="110108015") == []
    # the end of the feed: next is stable, and a filtered read moves past what it skipped
    end = client.get("/api/v1/changes", query_string={"since": changes[-1]["cursor"]},
                     headers=accounts.headers("platform")).get_json()
    assert end == {"changes": [], "next": changes[-1]["cursor"], "more": False}
    skipped = client.get("/api/v1/changes", query_string={"since": "0", "kinds": "keys"},
                         headers=accounts.headers("platform")).get_json()
    assert skipped["next"] == changes[-1]["cursor"]


def test_concurrent_writers_commit_in_cursor_order(app: Flask, client, accounts: Accounts
                                                   ) -> None:
    """Four transactions change four features at once; the numbers they get are gap-free
    and follow their commit order (the later commit has the later number)."""
    ids = office_session(app, client, accounts)
    committed: list[tuple[str, int]] = []
    lock = threading.Lock()

    def edit(resource: str, feature_id: int) -> None:
        with app.app_context():
            session = get_session()
            user = session.scalar(select(User).where(User.username == "editor"))
            actor = Actor(user=user, token=None, via_session=False)
            row = update_feature(session, actor, resource, feature_id,
                                 {"type": "Feature", "geometry": None,
                                  "properties": {"name": f"改名{feature_id}"}},
                                 if_match=session.get(MODEL_OF_RESOURCE[resource],
                                                      feature_id).version)
            with lock:  # the order of commits, as seen from here
                session.commit()
                committed.append((resource, row.id))

    targets = [("communities", ids["community"]), ("gates", ids["south"]),
               ("buildings", ids["building"]), ("units", ids["unit"])]
    threads = [threading.Thread(target=edit, args=target) for target in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        session = get_session()
        seqs = list(session.scalars(select(Change.seq).order_by(Change.seq)))
        assert seqs == list(range(1, len(seqs) + 1))
        assert session.scalar(select(FeedCounter.last_seq)) == len(seqs)
    last = _all(client, accounts)[-4:]
    assert [(c["resource"], c["id"]) for c in last] == committed


def test_an_import_is_numbered_with_the_edits_of_its_transaction(app: Flask) -> None:
    """The audit entries an import inserts in bulk get one change each, in the order of
    their ids, with the office edit that follows them in the same transaction; an import
    rolled back leaves nothing for the next commit to number."""
    path, extract = OSM_DIR / EXTRACTS["bupt"][0], read_extract("bupt")
    with app.app_context():
        session = get_session()
        session.add(admin := User(username="office-admin", password_hash="x", role="admin"))
        session.commit()
        actor = Actor(user=admin, token=None, via_session=False)
        import_osm(session, path, extract=extract)
        session.rollback()
        report = import_osm(session, path, extract=extract)
        compound = session.scalars(select(Community).order_by(Community.id)).first()
        assert compound is not None
        update_feature(session, actor, "communities", compound.id, {"type": "Feature",
                       "properties": {"version": compound.version, "name": "改名小区"}})
        session.commit()
        audit_ids = list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
        numbered = list(session.scalars(select(Change.audit_id).order_by(Change.seq)))
        assert numbered == audit_ids
        assert len(audit_ids) == sum(report.created.values()) + 1 == sum(extract.counts().values()) + 1
        last = session.get(AuditEntry, numbered[-1])
        assert last is not None and last.action == "update" and last.feature_id == compound.id
        assert session.scalar(select(FeedCounter.last_seq)) == len(numbered)


@pytest.mark.parametrize(("query", "status", "message"), [
    ({"since": "abc"}, 400, "游标“abc”无效"),
    ({"since": "0", "kinds": "gates,people"}, 400, "未知的变更类型：people"),
    ({"limit": "0"}, 400, "limit"),
])
def test_bad_feed_requests(client, accounts: Accounts, query: dict, status: int,
                           message: str) -> None:
    response = client.get("/api/v1/changes", query_string=query,
                          headers=accounts.headers("platform"))
    assert response.status_code == status
    body = response.get_json()
    assert message in body["message"] + body["message_en"] and body["message_en"]


def test_feed_needs_a_token(client) -> None:
    response = client.get("/api/v1/changes")
    assert response.status_code == 401 and "API 令牌" in response.get_json()["message"]
