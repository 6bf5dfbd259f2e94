"""Youlu 友路: the Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app import db
from app.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, extensions, blueprints, CLI.

    ``config`` overrides the defaults and the environment (tests pass DATABASE_URL here).
    """
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    db.init_app(app)
    from app import codes
    codes.init_app(app)  # standard address codes are allocated on flush

    from app import auth, errors, extensions
    extensions.init_app(app)
    errors.init_app(app)
    auth.init_app(app)

    from app.api import bp as api_bp
    from app.web import bp as web_bp
    extensions.csrf.exempt(api_bp)  # tokens need no CSRF; session writes check it in auth
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)

    from app.cli import register_commands
    register_commands(app)
    return app
