"""A scripted office session for the platform tests: a compound drawn, its gates,
a building and a unit added, a gate's rules and hours changed, a gate deleted, the plate
of a unit revoked and the signing key rotated; and a small webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.db import get_session
from app.models import Unit
from app.plates.keys import init_keys, keys_dir, revoke_plate, rotate_keys
from tests.support.accounts import Accounts

SQUARE = [[116.3500, 40.0000], [116.3520, 40.0000], [116.3520, 40.0015],
          [116.3500, 40.0015], [116.3500, 40.0000]]


def _feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json() or {}


def office_session(app: Flask, client: FlaskClient, accounts: Accounts) -> dict[str, int]:
    """Run the scripted session; returns the ids it made (community, gates, unit)."""
    h = accounts.headers("editor")
    c = _ok(client.post("/api/v1/communities", json=_feature(
        {"type": "Polygon", "coordinates": [SQUARE]}, name="平台测试小区",
        division_code="110108010001"), headers=h), 201)
    south = _ok(client.post("/api/v1/gates", json=_feature(
        _point(116.3510, 40.0000), community=c["id"], name="南门", number="1"), headers=h), 201)
    east = _ok(client.post("/api/v1/gates", json=_feature(
        _point(116.3520, 40.0007), community=c["id"], name="东门", number="2"), headers=h), 201)
    building = _ok(client.post("/api/v1/buildings", json=_feature(
        {"type": "Polygon", "coordinates": [[[116.3505, 40.0005], [116.3510, 40.0005],
                                             [116.3510, 40.0008], [116.3505, 40.0008],
                                             [116.3505, 40.0005]]]},
        community=c["id"], number="3"), headers=h), 201)
    unit = _ok(client.post("/api/v1/units", json=_feature(
        _point(116.3507, 40.0005), building=building["id"], number="2"), headers=h), 201)
    _ok(client.patch(f"/api/v1/gates/{south['id']}", json=_feature(
        None, version=1, rider_access="pass", opening_hours="Mo-Su 06:00-22:00"), headers=h))
    _ok(client.patch(f"/api/v1/communities/{c['id']}", json=_feature(
        None, version=1, aliases=["平台小区"]), headers=h))
    assert client.delete(f"/api/v1/gates/{east['id']}?version=1", headers=h).status_code == 204
    with app.app_context():
        session = get_session()
        init_keys(session, keys_dir())
        code = session.get(Unit, unit["id"]).code
        session.commit()
        revoke_plate(session, code, reason="丢失", actor="editor")
        rotate_keys(session, keys_dir(), actor="editor")
        session.commit()
    return {"community": c["id"], "south": south["id"], "east": east["id"],
            "building": building["id"], "unit": unit["id"]}


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records each POST (headers, body) and answers
    ``status`` (set it to 503 to play a receiver that is down)."""

    status: int = 200
    delay_s: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.status == 200:
                    receiver.started.append(self.headers.get("X-Youlu-Event-Id", ""))
                if receiver.delay_s:  # a slow receiver: the request is dropped meanwhile
                    time.sleep(receiver.delay_s)
                    return
                if receiver.status == 200:
                    receiver.received.append({"headers": dict(self.headers), "raw": raw,
                                              "body": json.loads(raw)})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
