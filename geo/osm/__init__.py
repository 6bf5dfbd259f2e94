"""Reading OpenStreetMap extracts: compounds, gates, buildings, unit doors, paths and
facilities, by the tag rules in ``data/``.
"""

from __future__ import annotations

from geo.osm.extract import ImportedFeature, OsmExtract, read_osm_extract, tag_rules

__all__ = ["ImportedFeature", "OsmExtract", "read_osm_extract", "tag_rules"]
