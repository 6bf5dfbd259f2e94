"""Warming routing at start (``app.routing.warm``) on the imported extracts."""

from __future__ import annotations

import threading

from flask import Flask

from app.routing import warm


def test_warm_loads_every_ready_network(routed_app: Flask) -> None:
    assert warm.warm(routed_app) == 3
    state = routed_app.extensions["youlu_routing"]
    assert len(state.networks) == 3 and state.places is not None
    with routed_app.test_request_context():
        answer = routed_app.test_client().get(
            "/api/v1/nearest", query_string={"from": "116.3500,40.0010", "kind": "parking"})
    assert answer.status_code == 200 and answer.json["count"] >= 1


def test_started_in_the_background_and_not_for_tests(routed_app: Flask) -> None:
    warm.init_app(routed_app)  # a test app: nothing starts
    assert not any(t.name == "youlu-routing-warm" for t in threading.enumerate())
    thread = warm.start(routed_app)
    assert thread.daemon
    thread.join(timeout=120)
    assert not thread.is_alive()
