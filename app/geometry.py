"""A geometry column that works on both storage backends.

On PostgreSQL it is a PostGIS ``geometry(<type>, 4326)`` column (GiST-indexed by the
migrations); on SQLite it is WKB in a BLOB, indexed through an R*Tree over the bounding
box columns every spatial table carries. In Python the value is always a shapely geometry
in WGS-84, coordinates in (lon, lat) order.
"""

from __future__ import annotations

from typing import Any

import geoalchemy2
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import types
from sqlalchemy.engine import Dialect

SRID = 4326


class Geometry(types.TypeDecorator):
    """Shapely geometry stored as PostGIS geometry or SQLite WKB."""

    impl = types.LargeBinary
    cache_ok = True
    # Read by GeoAlchemy2's DDL hooks: our migrations create the spatial indexes.
    spatial_index = False
    use_N_D_index = False

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        super().__init__()
        self.geometry_type = geometry_type

    def __repr__(self) -> str:
        return f"Geometry({self.geometry_type!r})"

    def load_dialect_impl(self, dialect: Dialect | None) -> types.TypeEngine[Any]:
        if dialect is not None and dialect.name == "postgresql":
            return dialect.type_descriptor(
                geoalchemy2.Geometry(self.geometry_type, srid=SRID, spatial_index=False)
            )
        return types.LargeBinary()

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        data = shapely.to_wkb(value)
        if dialect.name == "postgresql":
            return geoalchemy2.WKBElement(data, srid=SRID)
        return data

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return to_shape(value)
        return shapely.from_wkb(value)
