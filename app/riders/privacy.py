"""Rider personal data at rest: encrypted with a key from config, found by a keyed hash.

Two keys are derived (HKDF-SHA256) from ``RIDER_DATA_KEY`` (default ``SECRET_KEY``), which
lives in the environment or the instance folder, never in the database: one encrypts
(Fernet: AES-128-CBC with HMAC-SHA256, a fresh IV per value) and one makes the HMAC
under which a phone number is looked up. A dump of the database alone reveals no phone
number, name, platform rider id or e-bike plate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

from geo.errors import YouluError

_ENCRYPTION_INFO = b"youlu rider data encryption v1"
_LOOKUP_INFO = b"youlu rider data lookup v1"


def _derive(secret: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes  # here: routing never loads cryptography
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class PersonalData:
    """Encrypts, decrypts and digests personal fields with keys derived from ``secret``."""

    def __init__(self, secret: str) -> None:
        from cryptography.fernet import Fernet

        raw = secret.encode()
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(raw, _ENCRYPTION_INFO)))
        self._lookup_key = _derive(raw, _LOOKUP_INFO)

    def encrypt(self, text: str) -> str:
        """The ciphertext of ``text`` (URL-safe ASCII; differs on every call)."""
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The clear text of a value made by ``encrypt`` under the same key."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise YouluError("无法解密骑手资料：RIDER_DATA_KEY 与加密时不同",
                             "cannot decrypt rider data: RIDER_DATA_KEY differs from the "
                             "key it was encrypted with") from None

    def digest(self, purpose: str, text: str) -> str:
        """Hex HMAC-SHA256 of ``text`` for ``purpose`` (``phone``, ``code``…): equal inputs
        give equal digests, and without the key a digest cannot be tested against
        guesses."""
        message = f"{purpose}\x00{text}".encode()
        return hmac.new(self._lookup_key, message, hashlib.sha256).hexdigest()


def personal_data() -> PersonalData:
    """The current app's ``PersonalData`` (built once per app)."""
    found = current_app.extensions.get("personal_data")
    if found is None:
        secret = current_app.config.get("RIDER_DATA_KEY") or current_app.config["SECRET_KEY"]
        found = current_app.extensions["personal_data"] = PersonalData(secret)
    return found
