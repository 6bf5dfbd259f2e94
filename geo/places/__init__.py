"""Checks and file exchange for an office's places."""
