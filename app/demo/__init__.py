"""The demo: bundled extracts plus demo annotations."""
