"""The fields of a rider and of a pass that a check-in decides on, as protocols.

The ORM rows (``Rider``, ``RiderPass``) have them, and so do the plain rows that a tap's
one Core query reads (``app.riders.checkin.read_tap``): the busiest request skips the
ORM's cost of building entities it only reads a few columns of.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class RiderState(Protocol):
    """A rider as a check-in sees it: id, tap counter, the compound the rider is inside
    (None: none), the platform and the attestation a vouched rider enrolled with."""

    @property
    def id(self) -> int: ...

    @property
    def tap_seq(self) -> int: ...

    @property
    def inside_community_id(self) -> int | None: ...

    @property
    def platform(self) -> str: ...

    @property
    def attestation_id(self) -> int | None: ...


class PassState(Protocol):
    """A pass as a check-in judges it: id, status, end of validity (UTC), when it was
    asked for and who decided it."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def valid_until(self) -> datetime | None: ...

    @property
    def requested_at(self) -> datetime: ...

    @property
    def decided_by(self) -> str | None: ...
