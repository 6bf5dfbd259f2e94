"""Mainland China mobile numbers: normalise what people type, mask what is shown.

A number is kept as its 11 digits (``13812341234``); ``+86``, ``0086``, spaces, dashes
and full-width digits are accepted on the way in. Shown, it is ``138****1234``.
"""

from __future__ import annotations

import re
import unicodedata

from geo.errors import InvalidInput

MOBILE_DIGITS = 11
_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY_PREFIXES = ("+86", "0086", "86")
_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalise_phone(text: str) -> str:
    """The 11 digits of a mainland mobile number typed in any common way.

    Raises ``InvalidInput`` (zh/en) when it is not one.
    """
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    for prefix in _COUNTRY_PREFIXES:
        if cleaned.startswith(prefix) and len(cleaned) == len(prefix) + MOBILE_DIGITS:
            cleaned = cleaned[len(prefix):]
            break
    if not _MOBILE.fullmatch(cleaned):
        raise InvalidInput(f"手机号“{text}”不正确：应为11位大陆手机号，例如 13812341234",
                           f"{text!r} is not an 11-digit mainland mobile number",
                           details={"field": "phone"})
    return cleaned


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``: the first three and last four digits."""
    if len(phone) != MOBILE_DIGITS:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"
