"""Flask configuration: defaults, overridden by environment variables, then by the
mapping given to ``create_app`` (tests)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geo import settings
from maps.tiles import TileSource, tile_source


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def configured_tiles(config: Mapping[str, Any]) -> TileSource:
    """The base map ``config`` names (``TILES``, with ``TIANDITU_KEY`` for Tianditu)."""
    return tile_source(config["TILES"], keys={"TIANDITU_KEY": config.get("TIANDITU_KEY")})


def load_config(instance_path: Path) -> dict[str, Any]:
    """The configuration mapping for an app whose instance folder is ``instance_path``."""
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance_path / 'youlu.sqlite3'}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # The Celery queue jobs go to, and the folder job files are written to.
        "CELERY_QUEUE": os.environ.get("YOULU_CELERY_QUEUE", "youlu"),
        "JOBS_DIR": os.environ.get("YOULU_JOBS_DIR", str(instance_path / "jobs")),
        # Base map tiles: none | osm | tianditu | gaode (GCJ-02).
        "TILES": os.environ.get("YOULU_TILES", "none"),
        "TIANDITU_KEY": os.environ.get("TIANDITU_KEY"),
        # Public address of this service, used in QR codes and links.
        "PUBLIC_BASE_URL": os.environ.get("YOULU_PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "KEYS_DIR": os.environ.get("YOULU_KEYS_DIR", str(instance_path / "keys")),
        "CACHE_DIR": os.environ.get("YOULU_CACHE_DIR", str(instance_path / "cache")),
        "MAX_CONTENT_LENGTH": settings.MAX_UPLOAD_BYTES,
        "RATELIMIT_DEFAULT": os.environ.get("YOULU_RATELIMIT_DEFAULT", "600 per minute"),
        # Rider personal data: encryption and lookup keys are derived from this secret
        # (defaults to SECRET_KEY); phone verification texts go through SMS_SENDER:
        # console | outbox | webhook | package.module:factory (see app/riders/sms.py).
        "RIDER_DATA_KEY": os.environ.get("YOULU_RIDER_DATA_KEY"),
        "SMS_SENDER": os.environ.get("YOULU_SMS_SENDER", "console"),
        "SMS_WEBHOOK_URL": os.environ.get("YOULU_SMS_WEBHOOK_URL"),
        "SMS_WEBHOOK_TOKEN": os.environ.get("YOULU_SMS_WEBHOOK_TOKEN"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "JSON_AS_ASCII": False,
        # Proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
        "PROXY_FIX": int(os.environ.get("YOULU_PROXY_FIX", "0")),
        # Warm routing in a background thread when the app starts to serve (app/routing/warm.py).
        "ROUTING_WARM": os.environ.get("YOULU_ROUTING_WARM", "1") != "0",
    }
