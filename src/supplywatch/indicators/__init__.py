"""Indicator definitions: pure Ibis expressions, run unchanged on DuckDB (default) or Spark."""
