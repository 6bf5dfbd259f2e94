"""Map pages and map data: rider map, station finder, planner map."""
