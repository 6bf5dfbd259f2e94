"""Jobs through a real Redis (127.0.0.1:6379, a database number and a queue of the
test's own) and a real Celery worker process: the ``queued_app`` fixture and
``run_worker``, which starts a worker, waits until it answers a ping (it consumes its
queue), runs it until a job ends and kills it.

The database number is one no test flushes: the rate-limit tests (test_riders.py) flush
database 11, and a flush from another test run on the same Redis (several engineers
and CI share it) between queueing a job and the worker taking it deletes the waiting
message and the queue's binding, so the job stayed "queued" for the whole wait."""

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

REDIS = "redis://127.0.0.1:6379/12"  # a database number of these tests' own: nobody flushes it


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


def run_worker(app: Flask, env: dict[str, str], log_path: Path,
               status: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """Run a Celery worker for ``app``'s queue (``env``) until ``status()`` says the job
    ended, then kill it; the last status and the worker's log. The job gets
    ``JOB_WAIT_S`` from the moment the worker answers a ping, not from its start."""
    node = f"youlu-test-{uuid.uuid4().hex[:8]}@127.0.0.1"
    queue = env["YOULU_CELERY_QUEUE"]
    log = log_path.open("wb")  # a pipe nobody reads would fill and block it
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "app.platforms.celery_worker", "worker",
         "--pool", "solo", "-Q", queue, "-n", node, "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    last: dict[str, Any] = {}
    try:
        ready = _wait_ready(app, node, worker)
        last = {"status": "worker not ready"} if not ready else {"status": "queued"}
        deadline = time.monotonic() + JOB_WAIT_S
        while ready and time.monotonic() < deadline:
            last = status()
            if last["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        log.close()
    return last, log_path.read_text(errors="replace")


READY_WAIT_S = 300  # a worker's start (importing the app) on a loaded machine
JOB_WAIT_S = 180


def _wait_ready(app: Flask, node: str, worker: subprocess.Popen[bytes]) -> bool:
    """Whether the worker ``node`` answered a remote-control ping (so it is consuming)
    within ``READY_WAIT_S`` and before it exited."""
    control = app.extensions["celery"].control
    deadline = time.monotonic() + READY_WAIT_S
    while time.monotonic() < deadline and worker.poll() is None:
        if control.ping(destination=[node], timeout=1.0):
            return True
    return False
