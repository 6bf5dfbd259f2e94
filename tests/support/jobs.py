"""Jobs through a real Redis (127.0.0.1:6379, a database number and a queue of the
test's own) and a real Celery worker process: the ``queued_app`` fixture and
``run_worker``, which runs a worker until a job ends and kills it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.support.riders import ISSUER, Site

REDIS = "redis://127.0.0.1:6379/11"  # a database number of these tests' own


@pytest.fixture
def queued_app(site: Site, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, str]]]:
    """The site's database behind an app whose jobs go to Redis (a queue of this test's
    own), and the environment a worker for it needs."""
    queue = f"youlu-test-{uuid.uuid4().hex[:8]}"
    config = {key: site.app.config[key] for key in (
        "DATABASE_URL", "KEYS_DIR", "SECRET_KEY", "TESTING", "RATELIMIT_ENABLED")}
    app = create_app({**config, "REDIS_URL": REDIS, "CELERY_QUEUE": queue,
                      "PUBLIC_BASE_URL": ISSUER, "JOBS_DIR": str(tmp_path / "jobs")})
    env = {**os.environ, "DATABASE_URL": config["DATABASE_URL"], "REDIS_URL": REDIS,
           "YOULU_CELERY_QUEUE": queue, "YOULU_KEYS_DIR": config["KEYS_DIR"],
           "YOULU_PUBLIC_BASE_URL": ISSUER, "YOULU_JOBS_DIR": str(tmp_path / "worker-jobs"),
           "YOULU_CACHE_DIR": str(tmp_path / "worker-cache"), "YOULU_ROUTING_WARM": "0"}
    yield app, env
    app.extensions["celery"].connection_for_write().default_channel.client.delete(queue)
    app.extensions["db_engine"].dispose()


def run_worker(env: dict[str, str], log_path: Path,
               status: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """Run a Celery worker on ``env``'s queue until ``status()`` says the job ended (or
    180 s pass), then kill it; the last status and the worker's log."""
    log = log_path.open("wb")  # a pipe nobody reads would fill and block it
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app.platforms.celery_worker", "worker",
         "--pool", "solo", "-Q", env["YOULU_CELERY_QUEUE"], "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            last = status()
            if last["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        log.close()
    return last, log_path.read_text(errors="replace")
