"""Delivery platforms: the change feed, batch routes and matrices, webhooks, signed
answers, offline bundles, vouched riders and aggregates."""
