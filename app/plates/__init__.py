"""Signed QR door plates, keys, scan pages, verification and posters."""
