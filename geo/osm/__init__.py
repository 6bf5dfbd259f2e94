"""Reading OpenStreetMap extracts: the one file reader (any format, clipped files), and
compounds, gates, buildings, unit doors, paths and facilities by the tag rules in ``data/``.
"""

from __future__ import annotations

from geo.osm.extract import ImportedFeature, OsmExtract, read_osm_extract, tag_rules
from geo.osm.reader import FORMATS, OsmFile, file_sha256, read_osm, read_osm_file

__all__ = ["FORMATS", "ImportedFeature", "OsmExtract", "OsmFile", "file_sha256", "read_osm",
           "read_osm_extract", "read_osm_file", "tag_rules"]
