"""Warm routing at server start, in a background thread: load the street graphs, join
the compounds and run one search, so that a rider's first route does not pay for it;
then read what the networks left for later (``service.load_deferred``), so that the
first office edit does not either. That read is one long call that holds the
interpreter (about 0.5 s on a 16 × 16 city), so the thread makes it only when no request
is being answered: a request that came in meanwhile (a new worker's first route) is not
kept waiting for it.

Started by ``create_app`` when it serves (not under a CLI command, not in tests; set
``ROUTING_WARM=False`` to turn it off) and by ``flask demo`` before it serves.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, request, request_started, request_tearing_down
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_session
from app.routing.service import load_deferred, networks
from geo.errors import YouluError
from geo.routing.nearest import nearest_facilities

log = logging.getLogger(__name__)


class RequestsInFlight:
    """Counts the requests an app is answering (Flask's request signals), so that the
    warm thread can wait until there are none. A request context pushed without a
    dispatch (``test_request_context``) is torn down uncounted."""

    _MARK = "youlu.routing_warm.counted"

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def started(self, _app: Flask, **_extra: Any) -> None:
        request.environ[self._MARK] = True
        with self._changed:
            self._count += 1

    def finished(self, _app: Flask, **_extra: Any) -> None:
        if not request.environ.pop(self._MARK, False):
            return
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait_idle(self) -> None:
        """Return once no request is being answered."""
        with self._changed:
            self._changed.wait_for(lambda: self._count == 0)

    def watch(self, app: Flask) -> None:
        """Count ``app``'s requests from now on."""
        request_started.connect(self.started, app, weak=False)
        request_tearing_down.connect(self.finished, app, weak=False)

    def unwatch(self, app: Flask) -> None:
        """Stop counting: no request pays for the count once nobody waits on it."""
        request_started.disconnect(self.started, app)
        request_tearing_down.disconnect(self.finished, app)


def warm(app: Flask, *, idle: Callable[[], None] = lambda: None) -> int:
    """Load every ready source's network and search once in each, then, once ``idle``
    returns, read what the networks left for later; returns how many networks."""
    with app.app_context():
        loaded = networks(get_session())
        get_session().rollback()  # end the read before the searches
        for network in loaded:
            west, south, east, north = network.street.bounds
            # the centre may be far from a road: the kernels were loaded all the same
            with contextlib.suppress(YouluError):
                nearest_facilities(network, ((west + east) / 2, (south + north) / 2), "station")
    idle()
    with app.app_context():
        load_deferred()
    return len(loaded)


def _warm_quietly(app: Flask, answering: RequestsInFlight) -> None:
    try:
        count = warm(app, idle=answering.wait_idle)
    except (SQLAlchemyError, YouluError) as error:  # no database yet, or no cache: skip
        log.info("routing not warmed: %s", error)
        return
    finally:
        answering.unwatch(app)
    log.info("routing warmed: %d networks", count)


def start(app: Flask) -> threading.Thread:
    """Warm ``app``'s routing in a daemon thread (its last step between requests)."""
    answering = RequestsInFlight()
    answering.watch(app)
    thread = threading.Thread(target=_warm_quietly, args=(app, answering),
                              name="youlu-routing-warm", daemon=True)
    thread.start()
    return thread


def init_app(app: Flask) -> None:
    """Start warming when ``app`` is built to serve (not for a CLI command or a test)."""
    if app.testing or not app.config.get("ROUTING_WARM", True):
        return
    if click.get_current_context(silent=True) is not None:
        return
    start(app)
