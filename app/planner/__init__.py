"""Planner: rider-friendliness scores of every compound."""
