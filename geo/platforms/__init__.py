"""What Youlu shares with delivery platforms, with no web and no database: the change
feed's cursors and entries (``changes``), webhook signatures (``signatures``), signed
"not reachable" statements and rider attestations (``statements``), batch routing lives
in ``geo.routing.batch``."""
