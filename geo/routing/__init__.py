"""Access routing: street graph, compound layer, network, search, routes, nearest, isochrones."""
