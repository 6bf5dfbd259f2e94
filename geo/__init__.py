"""Youlu's domain library: OSM import, address codes, routing, coordinates, analytics.

Nothing in this package imports Flask; the web app calls it.
"""
