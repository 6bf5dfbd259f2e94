"""``/api/v1/attestations``: a platform vouches for its riders, reads and revokes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.db import get_session
from app.openapi import document, error_responses
from app.platforms import attestations
from app.platforms.access import require_platform_token

bp = Blueprint("attestations", __name__)  # under /api/v1


@bp.post("/attestations")
def attest() -> tuple[Response, int]:
    """Store a signed attestation of one of the calling platform's riders."""
    row = attestations.attest(get_session(), require_platform_token(),
                              request.get_json(silent=True))
    return jsonify(attestations.describe(row)), 201


@bp.get("/attestations/<rider>")
def read(rider: str) -> Response:
    """The calling platform's attestation of ``rider``."""
    return jsonify(attestations.describe(
        attestations.find(get_session(), require_platform_token(), rider)))


@bp.delete("/attestations/<rider>")
def revoke(rider: str) -> Response:
    """Revoke the attestation of ``rider``."""
    return jsonify(attestations.describe(
        attestations.revoke(get_session(), require_platform_token(), rider)))


@bp.post("/attestations/<rider>/link")
def link(rider: str) -> tuple[Response, int]:
    """A sign-in link for the calling platform's vouched rider (no SMS on the phone)."""
    return jsonify(attestations.sign_in_link(get_session(), require_platform_token(), rider)), 201


_RIDER = [{"name": "rider", "in": "path", "required": True, "schema": {"type": "string"}}]
document("/api/v1/attestations", {"post": {
    "tags": ["平台 platforms"], "summary": "Vouch for a rider (signed, with an expiry)",
    "description": (
        "Body: `{type: youlu.attestation/1, platform, rider_id, phone_hash, expires_at, "
        "signature}`; `signature` is `v1=` + HMAC-SHA256 hex keyed with the SHA-256 hex of "
        "the calling token, over the rest as JSON with keys sorted and no spaces. The token's "
        "name must be the platform key. Forged or altered signature, another platform's "
        "rider, expired: 403; bad shape: 400."),
    "security": [{"bearer": []}],
    "responses": {"201": {"description": "the attestation"}, **error_responses(400, 401, 403)}}})
document("/api/v1/attestations/{rider}", {
    "get": {"tags": ["平台 platforms"], "summary": "This platform's attestation of a rider",
            "security": [{"bearer": []}], "parameters": _RIDER,
            "responses": {"200": {"description": "the attestation"},
                          **error_responses(401, 403, 404)}},
    "delete": {"tags": ["平台 platforms"], "summary": "Revoke an attestation",
               "security": [{"bearer": []}], "parameters": _RIDER,
               "responses": {"200": {"description": "revoked"},
                             **error_responses(400, 401, 403, 404)}}})
document("/api/v1/attestations/{rider}/link", {"post": {
    "tags": ["平台 platforms"], "summary": "A sign-in link for a vouched rider's phone",
    "description": (
        "Answers `{url, expires_at}`: hand `url` to the rider (in the platform's app). "
        "Opened on their phone and confirmed with one tap, it enrols the phone with no SMS; "
        "at a compound whose office auto-approves this platform's vouched riders the first "
        "scan is then one tap. Good for `VOUCH_LINK_TTL_S` seconds and one phone; add `?next=/pass/gate/…` "
        "to land on a gate's page. A revoked or expired attestation: 403."),
    "security": [{"bearer": []}], "parameters": _RIDER,
    "responses": {"201": {"description": "the link and when it stops working"},
                  **error_responses(401, 403, 404)}}})
