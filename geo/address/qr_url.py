"""The plate URL in a QR code, kept small.

The URL is written so that all but the signature fits QR alphanumeric mode (upper-case
scheme and host, upper-case path; 5.5 bits a character instead of 8) and the signature,
155 decimal digits, goes in numeric mode (3.33 bits a digit). A unit plate then needs a
version-6 symbol (41 × 41 modules) at error correction M with a short host.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from geo.address.verify import plate_path
from geo.errors import InvalidInput

if TYPE_CHECKING:  # qrcode is imported by the functions that draw, not with the URL helpers
    import qrcode
    from qrcode.util import QRData

ERROR_CORRECTION_LEVELS = "LMQH"
QUIET_ZONE_MODULES = 4


def qr_base_url(base_url: str) -> str:
    """``base_url`` with scheme and host in upper case (both are case-insensitive) and no
    trailing slash; a path prefix keeps its case."""
    parts = urlsplit(base_url.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"公开地址“{base_url}”不是 http(s) 网址",
                           f"public base URL {base_url!r} is not an http(s) URL")
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path}"


def plate_url(base_url: str, code: str, kid: str, issue: int, signature: bytes) -> str:
    """The URL a plate's QR and NFC tag carry."""
    return qr_base_url(base_url) + plate_path(code, kid, issue, signature)


def qr_segments(url: str) -> list[QRData]:
    """The URL cut into QR segments: the trailing run of digits (the signature) in numeric
    mode, the rest in alphanumeric mode where it can be, else byte mode."""
    from qrcode.util import MODE_ALPHA_NUM, MODE_NUMBER, RE_ALPHA_NUM, QRData, optimal_data_chunks

    head = url.rstrip("0123456789")
    digits = url[len(head):]
    data = head.encode("ascii")
    segments = ([QRData(data, mode=MODE_ALPHA_NUM)] if RE_ALPHA_NUM.match(data)
                else list(optimal_data_chunks(data)))
    if digits:
        segments.append(QRData(digits.encode("ascii"), mode=MODE_NUMBER))
    return segments


def make_qr(url: str, *, error_correction: str = "M") -> qrcode.QRCode:
    """The smallest QR symbol holding ``url`` at ``error_correction`` (L, M, Q or H)."""
    import qrcode.constants

    if len(error_correction) != 1 or error_correction not in ERROR_CORRECTION_LEVELS:
        raise InvalidInput(f"纠错等级“{error_correction}”无效：可用 L、M、Q、H",
                           f"error correction {error_correction!r}: use L, M, Q or H")
    qr = qrcode.QRCode(error_correction=getattr(qrcode.constants, f"ERROR_CORRECT_{error_correction}"),
                       border=QUIET_ZONE_MODULES)
    for segment in qr_segments(url):
        qr.add_data(segment)
    qr.make(fit=True)
    return qr


@lru_cache(maxsize=4096)
def qr_matrix(url: str, *, error_correction: str = "M") -> tuple[tuple[bool, ...], ...]:
    """The modules of the symbol (True = dark), without the quiet zone; cached, as a plate
    and the sheet it is printed on need the same symbol."""
    qr = make_qr(url, error_correction=error_correction)
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)
