"""The Celery application for ``celery -A app.platforms.celery_worker worker`` (with
``REDIS_URL`` set), as in Flask's documentation (``make_celery.py``)."""

from __future__ import annotations

from app import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
