"""The OpenAPI 3.1 document of the JSON API, served at ``/api/v1/openapi.json``."""
