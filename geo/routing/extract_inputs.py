"""Access data straight from an OSM extract read by ``geo.osm.extract``, without a
database: the same ``geo.routing.inputs`` values the app loads from its rows, with OSM
ids as ids and the importer's numbers as labels."""

from __future__ import annotations

from geo.address.codes import building_label, unit_label
from geo.osm.extract import OsmExtract
from geo.routing.inputs import GATE_ORIGINS, AccessData, Building, Compound, Door, Facility, Gate


def access_data_from_extract(extract: OsmExtract) -> AccessData:
    """Compounds with their gates, unit doors, buildings and facilities of ``extract``."""
    features = extract.features
    gates_of: dict[int, list[Gate]] = {}
    for g in features["gate"]:
        if g.parent is None:
            continue
        a = g.attrs
        gates_of.setdefault(g.parent[2], []).append(Gate(
            id=g.osm_id, lon=g.point.x, lat=g.point.y, name=a.get("name"), number=a.get("number"),
            foot=a.get("foot", True), ebike=a.get("ebike", True),
            rider_access=a.get("rider_access", "open"), opening_hours=a.get("opening_hours"),
            origin=g.source if g.source in GATE_ORIGINS else "mapped"))
    compounds = tuple(
        Compound(id=c.osm_id, name=c.attrs["name"], polygon=c.geom,
                 gates=tuple(gates_of.get(c.osm_id, ())))
        for c in features["community"])
    doors = tuple(
        Door(id=u.osm_id, lon=u.point.x, lat=u.point.y,
             compound_id=u.community[2] if u.community else None,
             building_id=u.parent[2] if u.parent else None,
             label=unit_label(u.attrs.get("number"), None))
        for u in features["unit"])
    buildings = tuple(
        Building(id=b.osm_id, outline=b.geom, compound_id=b.parent[2] if b.parent else None,
                 label=building_label(b.attrs.get("number"), b.attrs.get("name")))
        for b in features["building"])
    facilities = tuple(
        Facility(id=f.osm_id, kind=f.attrs["kind"], lon=f.point.x, lat=f.point.y,
                 compound_id=f.parent[2] if f.parent else None, name=f.attrs.get("name"),
                 opening_hours=f.attrs.get("opening_hours"))
        for f in features["facility"])
    return AccessData(compounds=compounds, doors=doors, facilities=facilities,
                      buildings=buildings)
