"""Rider passes, check-in, the entry log, privacy and SMS."""
