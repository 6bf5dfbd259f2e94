"""Volunteer service (志愿服务) and small wishes (微心愿)."""
