"""``init-db``: everything a new installation needs before its first import."""
