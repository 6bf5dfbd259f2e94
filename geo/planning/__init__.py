"""Planning: how rider-friendly a compound is (scores, grades) from its facts."""

from __future__ import annotations

from geo.planning.friendliness import CompoundFacts, GateFacts, Score, score

__all__ = ["CompoundFacts", "GateFacts", "Score", "score"]
