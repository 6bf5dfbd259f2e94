"""Riders: pass policies and states, phone numbers (normalised and masked) and the
delivery platforms.
"""

from __future__ import annotations

from geo.riders.passes import Policy, check_policy, state
from geo.riders.phones import mask_phone, normalise_phone
from geo.riders.platforms import Platform, platform, platforms

__all__ = [
    "Platform",
    "Policy",
    "check_policy",
    "mask_phone",
    "normalise_phone",
    "platform",
    "platforms",
    "state",
]
