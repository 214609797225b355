"""The REST API: commands call the domain service, queries read projections only."""
