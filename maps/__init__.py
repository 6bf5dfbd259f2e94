"""Maps and print files: web maps, posters, door plates, and the assets they need."""
