"""Importing OpenStreetMap extracts into the database."""
