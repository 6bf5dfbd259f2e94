"""Parsing query parameters into checked values (bad ones raise ``InvalidInput``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from geo.errors import InvalidInput
from geo.geometry.coords import CRS_NAMES, check_box, parse_lon_lat

INT_ARG_MAX = 10**9  # the default upper bound of an integer query parameter


def int_arg(name: str, default: int | None = None, *, low: int = 0,
            high: int = INT_ARG_MAX) -> int | None:
    """Integer query parameter ``name`` within [low, high]."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"参数 {name} 应为整数，收到“{raw}”",
                           f"parameter {name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise InvalidInput(f"参数 {name} 应在 {low} 到 {high} 之间",
                           f"parameter {name} must be between {low} and {high}")
    return value


def lon_lat_arg(name: str, raw: str | None = None) -> tuple[float, float] | None:
    """A ``LON,LAT`` query parameter, checked to be a WGS-84 point in China."""
    raw = raw if raw is not None else request.args.get(name)
    if raw is None or raw == "":
        return None
    return parse_lon_lat(raw, (f"参数 {name}", f"parameter {name}"))


def bbox_arg() -> tuple[float, float, float, float] | None:
    """``bbox=W,S,E,N`` in WGS-84 degrees, checked for order and place."""
    raw = request.args.get("bbox")
    if raw is None or raw == "":
        return None
    try:
        west, south, east, north = (float(p) for p in raw.split(","))
    except ValueError:
        raise InvalidInput(f"bbox 应为“西,南,东,北”四个数，收到“{raw}”",
                           f"bbox must be four numbers W,S,E,N, got {raw!r}") from None
    check_box(west, south, east, north)
    if west >= east or south >= north:
        raise InvalidInput("bbox 顺序应为 西,南,东,北（西<东，南<北）",
                           "bbox must be W,S,E,N with W < E and S < N")
    return west, south, east, north


def crs_arg() -> str:
    """The ``crs`` of input coordinates: wgs84 (default) or gcj02."""
    crs = (request.args.get("crs") or "wgs84").lower()
    if crs not in CRS_NAMES:
        raise InvalidInput(f"crs 只能是 {' 或 '.join(CRS_NAMES)}",
                           f"crs must be one of {', '.join(CRS_NAMES)}")
    return crs


def if_match_version() -> int | None:
    """The version in an ``If-Match`` header (``"3"`` or ``3``), if any."""
    raw = request.headers.get("If-Match", "").strip().strip('"').removeprefix("W/").strip('"')
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput("If-Match 应为版本号", "If-Match must be a version number")
    return int(raw)


def safe_next(value: str | None, default: str) -> str:
    """``value`` when it is a path on this site, else ``default`` (no open redirect).

    The one redirect-target check: a path starting with a single ``/``, without a scheme or
    host, backslashes, control characters or whitespace (browsers and Werkzeug strip tabs
    and newlines, so ``/`` TAB ``/evil.example`` would become ``//evil.example``).
    """
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if any(ch == "\\" or ch.isspace() or not ch.isprintable() for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
