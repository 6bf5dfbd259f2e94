"""``GET /api/v1/verify?text=…``: is a scanned plate genuine, and where is it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.db import get_session
from app.openapi import document, error_responses, json_answer
from app.plates.verification import check_scanned_text
from geo.errors import InvalidInput

bp = Blueprint("plates", __name__)  # under /api/v1

MAX_TEXT_CHARS = 2000


@bp.get("/verify")
def verify_scanned() -> Response:
    """Check exactly what a scanner read: our plates by signature, others as not ours.

    Answers 200 with ``genuine`` and ``reason`` (ok, bad_signature, unknown_key,
    revoked_key, revoked_plate, unknown_code, malformed, not_ours) and, when genuine, the
    code, label, full address and the door's (lon, lat).
    """
    text = request.args.get("text", "")
    if not text.strip():
        raise InvalidInput("缺少参数 text：请传入扫码得到的原文",
                           "missing parameter text: pass exactly what the scanner read")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"text 太长（最多 {MAX_TEXT_CHARS} 个字符）",
                           f"text too long (at most {MAX_TEXT_CHARS} characters)")
    check = check_scanned_text(get_session(), text,
                               issuer=current_app.config["PUBLIC_BASE_URL"])
    return jsonify(check.body)


document("/api/v1/verify", {"get": {
    "summary": "Is a scanned door plate genuine? (门牌核验)",
    "description": "Pass exactly what the scanner read. Always 200 with genuine, reason "
                   "(ok, bad_signature, unknown_key, revoked_key, revoked_plate, unknown_code, "
                   "unsigned, malformed, not_ours), message, message_en; when genuine also "
                   "code, kind, label, address and location {lon, lat}; for other systems' "
                   "plates third_party with what could be read. Offline verification: "
                   "/.well-known/youlu-keys.json and docs/plates.md.",
    "parameters": [{"name": "text", "in": "query", "required": True,
                    "schema": {"type": "string", "maxLength": MAX_TEXT_CHARS},
                    "example": "HTTPS://YOULU.EXAMPLE.CN/A/110108010000-008-003-02/KZ/1324…"}],
    "responses": {"200": json_answer("the verdict", {
        "type": "object", "required": ["genuine", "reason", "message", "message_en"],
        "properties": {"genuine": {"type": "boolean"}, "reason": {"type": "string"},
                       "message": {"type": "string"}, "message_en": {"type": "string"},
                       "ours": {"type": "boolean"}, "code": {"type": "string"},
                       "location": {"type": "object", "required": ["lon", "lat"], "properties": {
                           "lon": {"type": "number"}, "lat": {"type": "number"}}}}}),
                  **error_responses(400)}}})
_KEY = {"type": "object", "required": ["kid", "x", "status"], "properties": {
    "kty": {"const": "OKP"}, "crv": {"const": "Ed25519"}, "alg": {"const": "EdDSA"},
    "use": {"const": "sig"}, "kid": {"type": "string"}, "x": {"type": "string"},
    "status": {"type": "string"}, "created": {"type": "string"},
    "revoked": {"type": ["string", "null"]}}}
document("/.well-known/youlu-keys.json", {"get": {
    "summary": "Plate-signing public keys (JWK, Ed25519) with their status, and revoked plates",
    "description": "Cacheable for KEYS_MAX_AGE_S; read by offline verifiers (docs/plates.md).",
    "responses": {"200": json_answer("the key set", {
        "type": "object", "required": ["issuer", "keys", "revoked_plates"], "properties": {
            "issuer": {"type": "string"}, "format": {"type": "string"},
            "signed_bytes": {"type": "string"}, "keys": {"type": "array", "items": _KEY},
            "revoked_plates": {"type": "array", "items": {"type": "object"}}}})}}})
