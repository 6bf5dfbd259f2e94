"""Rider passes, phone numbers and platforms."""
