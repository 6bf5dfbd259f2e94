"""What the tests share, by concern. Test modules import helpers from here.

- ``extracts``: the real Beijing extracts and the street each is imported into;
- ``databases``: SQLite and PostGIS test databases and the app on one;
- ``accounts``: offices, users and tokens (``make_accounts``);
- ``dbdump``: a comparable dump of every table;
- ``osm_recount``: an independent pyosmium recount of the raw OSM files;
- ``maps``: the busiest real compound, recounts, synthetic compounds;
- ``riders``: the rider site and the rider HTTP flow;
- ``routing``: compiled street graphs and access networks;
- ``browser``: headless Chromium and a served app;
- ``address_set``, ``make_address_set``: the labelled address set (tests/data/) and its
  generator.
"""
