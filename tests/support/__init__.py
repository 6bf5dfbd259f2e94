"""What the tests share, by concern. Test modules import helpers from here; the fixtures
in ``plates``, ``riders`` and ``routing`` are loaded for every test by the root
``tests/conftest.py`` (``pytest_plugins``), never imported by name.

- ``extracts``: the real Beijing extracts and the street each is imported into;
- ``databases``: SQLite and PostGIS test databases and the app on one;
- ``accounts``: offices, users and tokens (``make_accounts``);
- ``dbdump``: a comparable dump of every table;
- ``osm_recount``: an independent pyosmium recount of the raw OSM files;
- ``maps``: the busiest real compound, recounts, synthetic compounds;
- ``plates``: a signed test plate spec and a plated compound (fixtures);
- ``riders``: the rider site (fixtures) and the rider HTTP flow;
- ``routing``: compiled street graphs and access networks (fixtures);
- ``browser``: headless Chromium and a served app;
- ``address_set``, ``make_address_set``: the labelled address set (tests/data/) and its
  generator.
"""
