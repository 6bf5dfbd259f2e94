"""CLI commands (``flask --app app <command>``): thin wrappers over ``geo``/``maps``."""
