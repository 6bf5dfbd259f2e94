"""Reading OpenStreetMap extracts into features."""
