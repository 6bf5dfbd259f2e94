"""Geometry: coordinates (WGS-84/GCJ-02, projection to metres), grid index, geometry checks."""
