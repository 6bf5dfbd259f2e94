"""Youlu's domain errors, in one place.

Every error carries a Chinese and an English message; the web app turns them into
JSON with the HTTP status named here, the CLI prints them and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class YouluError(Exception):
    """Base of every domain error: a bilingual message, a status and optional details."""

    status: int = 400
    kind: str = "bad_request"

    def __init__(self, zh: str, en: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The JSON body the API answers with."""
        body: dict[str, Any] = {"error": self.kind, "message": self.zh, "message_en": self.en}
        if self.details:
            body["details"] = self.details
        return body

    def __str__(self) -> str:
        return f"{self.zh} ({self.en})"


class InvalidInput(YouluError):
    """Input of the wrong type, shape or value."""

    kind = "invalid_input"


class InvalidGeometry(InvalidInput):
    """A geometry that is empty, malformed, self-intersecting or of the wrong type."""

    kind = "invalid_geometry"


class InvalidCoordinates(InvalidInput):
    """Coordinates outside China, swapped lon/lat, or out of range."""

    kind = "invalid_coordinates"


class UnknownDivision(InvalidInput):
    """A division code that is malformed or not in the national list."""

    kind = "unknown_division"


class InvalidCode(InvalidInput):
    """A standard address code that cannot be parsed or is not allocated."""

    kind = "invalid_code"


class InvalidImportFile(InvalidInput):
    """An import file that is empty, truncated, corrupt or of the wrong format."""

    kind = "invalid_file"


class Unauthorized(YouluError):
    """No or bad credentials."""

    status = 401
    kind = "unauthorized"


class Forbidden(YouluError):
    """Credentials are fine but the write is outside the user's scope."""

    status = 403
    kind = "forbidden"


class NotFound(YouluError):
    """The named object does not exist."""

    status = 404
    kind = "not_found"


class StaleWrite(YouluError):
    """A write based on an old version of a feature."""

    status = 409
    kind = "stale_version"


class NoRoute(YouluError):
    """No route satisfies the rules (all gates closed, no connection)."""

    status = 422
    kind = "no_route"


class TooLarge(YouluError):
    """An upload or request over the size limit."""

    status = 413
    kind = "too_large"


class ServiceUnavailable(YouluError):
    """A service Youlu depends on (an SMS gateway) did not answer or refused."""

    status = 503
    kind = "service_unavailable"
