"""Routing for the app: database rows to access networks; route, nearest, isochrone."""
