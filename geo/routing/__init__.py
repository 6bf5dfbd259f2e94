"""Access routing: from where a rider is, at a time, to a unit's door.

Built in layers, each module one step: ``street_graph`` (OSM → compiled arrays) and its
``cache`` on disk; ``inputs`` (compounds, gates, doors, facilities as values) and
``extract_inputs``; ``compound_layer`` (a compound joined to the streets at its gates)
and ``network`` (the street graph plus every layer, updated per compound); ``search``
(snapping and the compiled search, kernels in the private ``_kernels``); and the
answers: ``route``, ``nearest``, ``isochrones``, with Chinese ``instructions``.
"""

from __future__ import annotations

from geo.routing.cache import load_street_graph
from geo.routing.compound_layer import building_door
from geo.routing.extract_inputs import access_data_from_extract
from geo.routing.inputs import AccessData, Building, Compound, Door, Facility, Gate, OfficePath
from geo.routing.isochrones import isochrones
from geo.routing.nearest import FACILITY_KINDS, nearest_facilities
from geo.routing.network import AccessNetwork, Snapshot, with_building_doors
from geo.routing.route import route_to_door
from geo.routing.search import snap_start
from geo.routing.street_graph import StreetGraph

__all__ = [
    "AccessData",
    "AccessNetwork",
    "Building",
    "Compound",
    "Door",
    "FACILITY_KINDS",
    "Facility",
    "Gate",
    "OfficePath",
    "Snapshot",
    "StreetGraph",
    "access_data_from_extract",
    "building_door",
    "isochrones",
    "load_street_graph",
    "nearest_facilities",
    "route_to_door",
    "snap_start",
    "with_building_doors",
]
