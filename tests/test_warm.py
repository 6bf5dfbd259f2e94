"""Warming routing at start (``app.routing.warm``) on the imported extracts."""

from __future__ import annotations

import threading

from flask import Flask, request_started, request_tearing_down

from app.db import get_session
from app.routing import warm
from app.routing.service import networks


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
    # requests are counted only while the thread may wait on them
    for signal in (request_started, request_tearing_down):
        assert not any(signal.receivers_for(routed_app)), signal.name


def test_waits_for_the_requests_being_answered(routed_app: Flask) -> None:
    """``RequestsInFlight.wait_idle`` (what the warm thread waits on before its long read)
    returns only once a request being answered is done; a request context pushed without
    a dispatch leaves the count as it was."""
    answering = warm.RequestsInFlight()
    answering.watch(routed_app)
    try:
        with routed_app.app_context():
            networks(get_session())  # the routing state and its lock exist
        state = routed_app.extensions["youlu_routing"]
        answers: list[int] = []
        with state.lock:  # the route's networks() waits here: the request is in flight
            asking = threading.Thread(target=lambda: answers.append(routed_app.test_client().get(
                "/api/v1/route", query_string={"from": "116.3500,40.0010", "to": "unit:1"}
            ).status_code))
            asking.start()
            waiting = threading.Thread(target=answering.wait_idle)
            waiting.start()
            waiting.join(timeout=1)
            assert waiting.is_alive() and asking.is_alive()
        asking.join(timeout=120)
        waiting.join(timeout=120)
        assert not waiting.is_alive() and len(answers) == 1
        with routed_app.test_request_context("/"):
            pass
        done = threading.Thread(target=answering.wait_idle)
        done.start()
        done.join(timeout=5)
        assert not done.is_alive()
    finally:
        answering.unwatch(routed_app)
