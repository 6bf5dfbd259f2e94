"""The place rows routing needs, kept as ``geo.routing.inputs`` values and brought up to
date by reading only the rows that changed.

``RoutingPlaces`` holds the compounds (with their gates), unit doors, buildings,
facilities and office-drawn paths by id, with ``stamp``: per place table its row count,
highest id, newest ``updated_at`` and sum of versions, read in one query. When a
table's part of the stamp moves, ``refresh`` reads its rows updated since the newest
time it has seen. When the table then has fewer rows than it knows, it reads that
table's ids (to find the deleted ones); when its row count or sum of versions still
differs from what it knows (a long write, such as an import, that committed after newer
ones), the whole table. The first load is the same ``refresh`` from nothing. It answers
which compounds the changes touch (None: a compound came, went or moved its wall, so
every layer must be compared).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import Building, Community, Facility, Gate, PlaceFeature, Unit
from app.models import Path as PathModel
from geo.address.codes import building_label, door_label, unit_label
from geo.routing.inputs import GATE_ORIGINS, AccessData, Compound, Door, OfficePath
from geo.routing.inputs import Building as BuildingValue
from geo.routing.inputs import Facility as FacilityValue
from geo.routing.inputs import Gate as GateValue

TABLES: tuple[type[PlaceFeature], ...] = (Community, Gate, Building, Unit, Facility, PathModel)
Touched = set[int | None] | None  # compound ids (None: outside compounds); None: all


_PER_TABLE = 4  # rows, highest id, newest updated_at, sum of versions


@cache
def _stamp_query() -> Select[Any]:
    columns = [select(aggregate).select_from(model).scalar_subquery()
               for model in TABLES
               for aggregate in (func.count(), func.max(model.id), func.max(model.updated_at),
                                 func.sum(model.version))]
    return select(*columns)


def places_stamp(session: Session) -> tuple[Any, ...]:
    """Per place table (``TABLES``): rows, highest id, newest ``updated_at`` and sum of
    versions; one query (built once)."""
    return tuple(session.execute(_stamp_query()).one())


def _newest(stamp: tuple[Any, ...]) -> datetime | None:
    """The newest ``updated_at`` of any place table in ``stamp``."""
    newest = [t for t in stamp[2::_PER_TABLE] if t is not None]
    return max(newest) if newest else None


def gate_value(g: Gate) -> GateValue:
    """The routing value of a gate row."""
    return GateValue(id=g.id, lon=g.geom.x, lat=g.geom.y, name=g.name, number=g.number,
                     code=g.code, foot=g.foot, ebike=g.ebike, rider_access=g.rider_access,
                     opening_hours=g.opening_hours, version=g.version,
                     origin=g.source if g.source in GATE_ORIGINS else "mapped")


def facility_value(f: Facility) -> FacilityValue:
    """The routing value of a facility row."""
    return FacilityValue(id=f.id, kind=f.kind, lon=f.geom.x, lat=f.geom.y,
                         compound_id=f.community_id, name=f.name, opening_hours=f.opening_hours,
                         info=(("charger_type", f.charger_type), ("capacity", f.capacity),
                               ("rider_priority_slots", f.rider_priority_slots),
                               ("shaded", f.shaded), ("charging", f.charging)),
                         version=f.version)


@dataclass
class RoutingPlaces:
    """The routing inputs of the database by id; see the module docstring."""

    compounds: dict[int, Compound] = field(default_factory=dict)
    gates: dict[int, tuple[GateValue, int | None]] = field(default_factory=dict)
    gates_of: dict[int | None, dict[int, GateValue]] = field(default_factory=dict)
    buildings: dict[int, BuildingValue] = field(default_factory=dict)
    building_names: dict[int, tuple[str | None, str | None, int | None]] = field(default_factory=dict)
    units: dict[int, Door] = field(default_factory=dict)
    facilities: dict[int, FacilityValue] = field(default_factory=dict)
    paths: dict[int, OfficePath | None] = field(default_factory=dict)  # None: not an office path
    versions: dict[str, dict[int, int]] = field(default_factory=dict)  # per model: id → version
    stamp: tuple[Any, ...] | None = None
    newest: datetime | None = None
    pending: Callable[[], RoutingPlaces] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def deferred(cls, stamp: tuple[Any, ...], load: Callable[[], RoutingPlaces]) -> RoutingPlaces:
        """The places at ``stamp`` whose values ``load`` returns, called only when they
        are first needed (``load``, ``data``, or a ``refresh`` that finds the database
        moved on): a new worker whose database has not changed answers without them."""
        return cls(stamp=stamp, newest=_newest(stamp), pending=load)

    def load(self) -> None:
        """Read the values a ``deferred`` instance left for later (safe beside a
        ``refresh`` in another thread: only the value tables are taken, not the stamp)."""
        pending = self.pending
        if pending is not None:
            loaded = pending()
            self.__dict__.update({f.name: getattr(loaded, f.name) for f in fields(self)
                                  if f.name not in ("stamp", "newest", "pending")})
            self.pending = None

    def data(self) -> AccessData:
        """The current ``AccessData``."""
        self.load()
        return AccessData(compounds=tuple(self.compounds.values()), doors=tuple(self.units.values()),
                          facilities=tuple(self.facilities.values()),
                          paths=tuple(p for p in self.paths.values() if p is not None),
                          buildings=tuple(self.buildings.values()))

    def _known(self, model: type[PlaceFeature]) -> dict[int, Any]:
        known: dict[type[PlaceFeature], dict[int, Any]] = {
            Community: self.compounds, Gate: self.gates, Building: self.buildings,
            Unit: self.units, Facility: self.facilities, PathModel: self.paths}
        return known[model]

    def refresh(self, session: Session, stamp: tuple[Any, ...] | None = None) -> Touched:
        """Bring these values up to the database (``stamp``: ``places_stamp``, if read
        already); returns the compounds touched (see the module docstring)."""
        stamp = stamp if stamp is not None else places_stamp(session)
        if stamp == self.stamp:
            return set()
        self.load()
        touched: set[int | None] = set()
        since = self.newest
        full = False
        for i, model in enumerate(TABLES):
            part = slice(_PER_TABLE * i, _PER_TABLE * (i + 1))
            if self.stamp is not None and stamp[part] == self.stamp[part]:
                continue  # this table did not change
            query = select(model) if since is None else select(model).where(model.updated_at >= since)
            full |= self._apply(session, model, query, touched)
            count, total = stamp[part][0], stamp[part][3] or 0
            versions = self.versions.setdefault(model.__name__, {})
            if count < len(versions):
                full |= self._drop_deleted(session, model, touched)
            if count != len(versions) or total != sum(versions.values()):
                # A write that committed after newer ones (older updated_at): read it all.
                full |= self._apply(session, model, select(model), touched)
                full |= self._drop_deleted(session, model, touched)
        for cid in [t for t in touched if t is not None and t in self.compounds]:
            self._regate(cid)
        self.newest = _newest(stamp)
        self.stamp = stamp
        return None if full else touched

    # --- applying changed rows ---------------------------------------------------------
    def _apply(self, session: Session, model: type[PlaceFeature], query: Select[Any],
               touched: set[int | None]) -> bool:
        """Take in the rows ``query`` selects from ``model``'s table; True if a compound
        came or moved its wall."""
        rows = list(session.scalars(query.order_by(model.id)))
        versions = self.versions.setdefault(model.__name__, {})
        versions.update((row.id, row.version) for row in rows)
        if model is Community:
            return self._apply_compounds(rows, touched)
        if model is Gate:
            self._apply_gates(rows, touched)
        elif model is Building:
            relabel: set[int] = set()
            self._apply_buildings(rows, touched, relabel)
            if relabel:  # their units' labels and compounds come from the building
                self._apply(session, Unit, select(Unit).where(Unit.building_id.in_(relabel)), touched)
        elif model is Unit:
            self._apply_units(rows, touched)
        elif model is Facility:
            self._apply_facilities(rows, touched)
        else:
            self._apply_paths(rows, touched)
        return False

    def _apply_compounds(self, rows: list[Community], touched: set[int | None]) -> bool:
        full = False
        for c in rows:
            old = self.compounds.get(c.id)
            new = Compound(id=c.id, name=c.name, polygon=c.geom, ebikes_allowed=c.ebikes_allowed,
                           code=c.code, version=c.version, gates=old.gates if old else ())
            if new == old:
                continue
            full |= old is None or not old.polygon.equals_exact(c.geom, 0.0)
            self.compounds[c.id] = new
            touched.add(c.id)
        return full

    def _apply_gates(self, rows: list[Gate], touched: set[int | None]) -> None:
        for g in rows:
            old = self.gates.get(g.id)
            value = gate_value(g)
            if old == (value, g.community_id):
                continue
            if old is not None:
                touched.add(old[1])
                self.gates_of[old[1]].pop(g.id)
            self.gates[g.id] = (value, g.community_id)
            self.gates_of.setdefault(g.community_id, {})[g.id] = value
            touched.add(g.community_id)

    def _apply_buildings(self, rows: list[Building], touched: set[int | None],
                         relabel: set[int]) -> None:
        for b in rows:
            old = self.buildings.get(b.id)
            new = BuildingValue(id=b.id, outline=b.geom, compound_id=b.community_id,
                                label=building_label(b.number, b.name), code=b.code,
                                version=b.version)
            if new == old:
                continue
            if old is not None:
                touched.add(old.compound_id)
                relabel.add(b.id)
            self.buildings[b.id] = new
            self.building_names[b.id] = (b.number, b.name, b.community_id)
            touched.add(b.community_id)

    def _apply_units(self, rows: list[Unit], touched: set[int | None]) -> None:
        for u in rows:
            building = self.building_names.get(u.building_id) if u.building_id is not None else None
            label = (unit_label(u.number, u.name) if building is None
                     else door_label(building[0], building[1], u.number, u.name))
            door = Door(id=u.id, lon=u.geom.x, lat=u.geom.y, kind="unit",
                        compound_id=u.community_id or (building[2] if building else None),
                        label=label, code=u.code, building_id=u.building_id, version=u.version)
            old = self.units.get(u.id)
            if door == old:
                continue
            if old is not None:
                touched.add(old.compound_id)
            self.units[u.id] = door
            touched.add(door.compound_id)

    def _apply_facilities(self, rows: list[Facility], touched: set[int | None]) -> None:
        for f in rows:
            old = self.facilities.get(f.id)
            new = facility_value(f)
            if new == old:
                continue
            if old is not None:
                touched.add(old.compound_id)
            self.facilities[f.id] = new
            touched.add(f.community_id)

    def _apply_paths(self, rows: list[PathModel], touched: set[int | None]) -> None:
        for p in rows:
            new = (OfficePath(id=p.id, line=p.geom, mode=p.mode, compound_id=p.community_id,
                              name=p.name, version=p.version) if p.source == "office" else None)
            if p.id in self.paths and self.paths[p.id] == new:
                continue
            old = self.paths.get(p.id)
            if old is not None:
                touched.add(old.compound_id)
            self.paths[p.id] = new
            touched.add(p.community_id)

    def _drop_deleted(self, session: Session, model: type[PlaceFeature],
                      touched: set[int | None]) -> bool:
        """Forget the rows of ``model`` no longer in the database (reads its ids); True
        if a compound went."""
        present = set(session.scalars(select(model.id)))
        versions = self.versions.setdefault(model.__name__, {})
        went = False
        for row_id in [i for i in versions if i not in present]:
            del versions[row_id]
            value = self._known(model).pop(row_id, None)
            if value is None:
                continue
            if model is Community:
                touched.add(row_id)
                went = True
            elif model is Gate:
                touched.add(value[1])
                self.gates_of[value[1]].pop(row_id)
            elif model is Building:
                touched.add(value.compound_id)
                self.building_names.pop(row_id, None)
            else:
                touched.add(value.compound_id)
        return went

    def _regate(self, compound_id: int) -> None:
        """Give compound ``compound_id`` its current gates (by id)."""
        gates = tuple(sorted(self.gates_of.get(compound_id, {}).values(), key=lambda g: g.id))
        compound = self.compounds[compound_id]
        if gates != compound.gates:
            self.compounds[compound_id] = Compound(
                id=compound.id, name=compound.name, polygon=compound.polygon, gates=gates,
                ebikes_allowed=compound.ebikes_allowed, code=compound.code,
                version=compound.version)
