"""Planner: rider-friendliness scores and city map data."""
