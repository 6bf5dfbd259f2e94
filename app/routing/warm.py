"""Warm routing at server start, in a background thread: load the street graphs, join
the compounds and run one search, so that a rider's first route does not pay for it;
then read what the networks left for later (``service.load_deferred``), so that the
first office edit does not either.

Started by ``create_app`` when it serves (not under a CLI command, not in tests; set
``ROUTING_WARM=False`` to turn it off) and by ``flask demo`` before it serves.
"""

from __future__ import annotations

import contextlib
import logging
import threading

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_session
from app.routing.service import load_deferred, networks
from geo.errors import YouluError
from geo.routing.nearest import nearest_facilities

log = logging.getLogger(__name__)


def warm(app: Flask) -> int:
    """Load every ready source's network and search once in each; returns how many."""
    with app.app_context():
        loaded = networks(get_session())
        get_session().rollback()  # end the read before the searches
        for network in loaded:
            west, south, east, north = network.street.bounds
            # the centre may be far from a road: the kernels were loaded all the same
            with contextlib.suppress(YouluError):
                nearest_facilities(network, ((west + east) / 2, (south + north) / 2), "station")
        load_deferred()
        return len(loaded)


def _warm_quietly(app: Flask) -> None:
    try:
        count = warm(app)
    except (SQLAlchemyError, YouluError) as error:  # no database yet, or no cache: skip
        log.info("routing not warmed: %s", error)
        return
    log.info("routing warmed: %d networks", count)


def start(app: Flask) -> threading.Thread:
    """Warm ``app``'s routing in a daemon thread."""
    thread = threading.Thread(target=_warm_quietly, args=(app,), name="youlu-routing-warm",
                              daemon=True)
    thread.start()
    return thread


def init_app(app: Flask) -> None:
    """Start warming when ``app`` is built to serve (not for a CLI command or a test)."""
    if app.testing or not app.config.get("ROUTING_WARM", True):
        return
    if click.get_current_context(silent=True) is not None:
        return
    start(app)
