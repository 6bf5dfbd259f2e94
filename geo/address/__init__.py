"""Standard addresses: codes (GB/T 39609 layering), divisions, building and unit
numbers, the address resolver, QR URLs, plate signing and verification, and the
adapter for other cities' plates. ``verify`` imports only the standard library and
``cryptography``, so a platform can copy it to verify plates offline.
"""

from __future__ import annotations

from geo.address.codes import (
    AddressCode,
    building_label,
    format_address,
    format_code,
    gate_label,
    is_code,
    parse_code,
    unit_label,
)
from geo.address.divisions import compose_full_name
from geo.address.qr_url import plate_url, qr_matrix
from geo.address.resolver import Candidate, PlaceRecord, Resolution, ResolverIndex
from geo.address.signing import sign_plate
from geo.address.third_party import read_third_party
from geo.address.verify import Verdict, verify_plate

__all__ = [
    "AddressCode",
    "Candidate",
    "PlaceRecord",
    "Resolution",
    "ResolverIndex",
    "Verdict",
    "building_label",
    "compose_full_name",
    "format_address",
    "format_code",
    "gate_label",
    "is_code",
    "parse_code",
    "plate_url",
    "qr_matrix",
    "read_third_party",
    "sign_plate",
    "unit_label",
    "verify_plate",
]
