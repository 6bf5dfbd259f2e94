"""Jobs on Celery, the pattern of Flask's own documentation ("Background Tasks with
Celery"): a Celery app per Flask app whose tasks run inside the Flask app's context:
webhook deliveries and the office's long work (``app.jobs``).
With ``REDIS_URL`` set, jobs go to Redis and a worker runs them
(``celery -A app.platforms.celery_worker worker``); without it they run eagerly, in
the process that starts them, so the demo needs only pip."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask, current_app

from app.jobs.service import RUN, run_job
from app.platforms.outbox import deliver_due

DELIVER = "youlu.deliver_webhooks"


def deliver_webhooks() -> int:
    """The job: send every due webhook delivery of the current app; the number sent.
    (Module-level, so every app's Celery registers the same callable.)"""
    return deliver_due(current_app.extensions["db_sessions"])


def init_app(app: Flask) -> Celery:
    """Bind a Celery app to ``app`` (``app.extensions["celery"]``) with its tasks."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    redis_url = app.config.get("REDIS_URL")
    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=redis_url or "memory://", task_ignore_result=True,
        task_always_eager=not redis_url, task_eager_propagates=True,
        broker_connection_retry_on_startup=True,
        task_default_queue=app.config.get("CELERY_QUEUE") or "youlu")

    celery_app.task(name=DELIVER)(deliver_webhooks)
    celery_app.task(name=RUN, acks_late=True)(run_job)
    app.extensions["celery"] = celery_app
    return celery_app


def start_deliveries(app: Flask) -> None:
    """Queue the delivery job (or, without Redis, run it now)."""
    app.extensions["celery"].tasks[DELIVER].delay()
