"""Open311 GeoReport v2 at ``/open311/v2/``: Youlu reports for FixMyStreet-style clients."""
