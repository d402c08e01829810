"""Storage: the DuckDB store (default)."""
