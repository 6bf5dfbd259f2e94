"""The editor's checks against routing (app.places.checks) on the imported Beijing
extracts: every gate routing says no road reaches is a finding, in routing's words."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.db import get_session
from app.models import Gate
from app.routing.service import networks


def test_gates_no_road_reaches_are_findings(writable_imported_app: Flask,
                                            routing_cache: Path) -> None:
    app = writable_imported_app
    app.config.update(ROUTING_CACHE_DIR=str(routing_cache))
    with app.app_context():
        db = get_session()
        unreachable = {}
        for network in networks(db):
            snap = network.snapshot
            for index, (gate, _compound) in enumerate(snap.gates):
                if not snap.gate_connected[index]:
                    unreachable[gate.id] = db.get(Gate, gate.id).community_id
    assert unreachable, "the extracts have gates no road reaches"
    gate_id, community_id = next(iter(unreachable.items()))
    client = app.test_client()
    answer = client.get(f"/api/v1/communities/{community_id}/checks")
    findings = [f for f in answer.get_json()["findings"] if f["kind"] == "gate_not_connected"]
    assert gate_id in {f["feature_id"] for f in findings}
    assert all("没有道路连到此门" in f["message"] for f in findings)
    assert {f["feature_id"] for f in findings} == {
        g for g, c in unreachable.items() if c == community_id}
