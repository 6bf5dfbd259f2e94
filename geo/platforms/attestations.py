"""Rider attestations (平台担保): a platform vouches for one of its riders.

An attestation is ``{"type": "youlu.attestation/1", "platform", "rider_id",
"phone_hash", "expires_at"}`` plus ``signature``: ``v1=`` and the HMAC-SHA256 hex, keyed
with the SHA-256 hex of the platform's API token, of the attestation without
``signature`` as JSON with keys sorted and no spaces (UTF-8). ``phone_hash`` is the
SHA-256 hex of the rider's phone in E.164 (``+8613800000000``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta
from typing import Any

from geo import settings
from geo.errors import Forbidden, InvalidInput

TYPE = "youlu.attestation/1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def message(attestation: dict[str, Any]) -> bytes:
    """The exact bytes signed for ``attestation``."""
    body = {k: v for k, v in attestation.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(attestation: dict[str, Any], token_digest: str) -> dict[str, Any]:
    """``attestation`` signed with the key ``token_digest`` (what a platform does)."""
    mac = hmac.new(token_digest.encode(), message(attestation), hashlib.sha256).hexdigest()
    return {**attestation, "signature": f"v1={mac}"}


def check(attestation: Any, *, token_digest: str, platform: str, now: datetime
          ) -> tuple[str, str, datetime]:
    """(rider id, phone hash, expiry) of a genuine, current attestation by ``platform``.

    Refused: a wrong shape (``InvalidInput``); a forged or altered signature, another
    platform's rider, or an expired one (``Forbidden``)."""
    if not isinstance(attestation, dict) or attestation.get("type") != TYPE:
        raise InvalidInput(f"担保应为 {TYPE} 对象", f"an attestation must be a {TYPE} object")
    expected = sign(attestation, token_digest)["signature"]
    if not hmac.compare_digest(expected, str(attestation.get("signature") or "")):
        raise Forbidden("担保签名无效：内容被伪造或篡改", "the attestation's signature is invalid "
                        "(forged or altered)")
    if attestation.get("platform") != platform:
        raise Forbidden(f"此令牌属于“{platform}”，不能为其他平台的骑手担保",
                        f"this token is {platform!r}'s: it cannot vouch for another platform's riders")
    rider, phone = str(attestation.get("rider_id") or ""), str(attestation.get("phone_hash") or "")
    if not rider or len(rider) > 80 or not _HEX64.match(phone):
        raise InvalidInput("rider_id 应为 1–80 个字符，phone_hash 应为 64 位十六进制 SHA-256",
                           "rider_id must be 1-80 characters and phone_hash a SHA-256 hex digest")
    try:
        expires = datetime.fromisoformat(str(attestation.get("expires_at")))
    except ValueError:
        raise InvalidInput("expires_at 应为带时区的 ISO 8601 时间",
                           "expires_at must be ISO 8601 with an offset") from None
    if expires.tzinfo is None:
        raise InvalidInput("expires_at 需要时区（如 +08:00）", "expires_at needs an offset")
    if expires <= now:
        raise Forbidden("担保已过期", "the attestation has expired")
    if expires > now + timedelta(days=settings.ATTESTATION_MAX_DAYS):
        raise InvalidInput(f"担保有效期最长 {settings.ATTESTATION_MAX_DAYS} 天",
                           f"an attestation lasts at most {settings.ATTESTATION_MAX_DAYS} days")
    return rider, phone, expires
