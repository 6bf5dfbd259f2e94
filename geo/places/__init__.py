"""An office's places: the editor's checks and exchange with files (GeoJSON,
GeoPackage, OSM XML for JOSM).
"""

from __future__ import annotations

from geo.places.checks import Finding, check_compound
from geo.places.exchange import read_layers, write_layers

__all__ = ["Finding", "check_compound", "read_layers", "write_layers"]
