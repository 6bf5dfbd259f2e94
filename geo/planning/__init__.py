"""Rider-friendliness scores for planners."""
