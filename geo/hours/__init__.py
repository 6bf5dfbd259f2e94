"""Opening hours (OSM syntax) and their Chinese text."""
