"""``/.well-known/youlu-keys.json``: the public plate-signing keys and the revocation
list, for platforms that verify plates offline (see docs/plates.md)."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from app.db import get_session
from app.keys import keyset
from app.web import bp

MAX_AGE_S = 300


@bp.get("/.well-known/youlu-keys.json")
def published_keys() -> Response:
    """Keys (JWK, Ed25519) with their status, and revoked plates; cacheable for 5 minutes."""
    response = jsonify(keyset(get_session(), current_app.config["PUBLIC_BASE_URL"]))
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_S}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
