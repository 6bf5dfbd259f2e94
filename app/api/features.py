"""Placeholder replaced below."""
from app.api import bp


@bp.get("/openapi.json")
def openapi() -> dict:
    return {}


@bp.get("/<resource>")
def list_features(resource: str) -> dict:
    return {}
