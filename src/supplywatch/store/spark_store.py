"""The Spark engine (optional extra ``spark``): the same Ibis definitions on PySpark.

Core tables are exported from the DuckDB store to Parquet (DuckDB's built-in writer) and
registered as Spark views; Spark runs locally (``local[*]``) unless a master is given.
Spark needs Java 17; SPARK_LOCAL_IP defaults to 127.0.0.1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

from supplywatch.errors import ConfigError


def spark_session(master: str = "local[2]", app: str = "supplywatch") -> Any:
    """A local SparkSession tuned for small machines (no UI, few shuffle partitions)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise ConfigError(
            "the Spark engine needs the 'spark' extra: pip install 'supplywatch[spark]'"
        ) from exc
    return (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )


def export_tables(
    con: duckdb.DuckDBPyConnection, tables: list[str], directory: Path
) -> dict[str, Path]:
    """Write ``tables`` of the store to Parquet files in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in tables:
        path = directory / f"{name}.parquet"
        con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{path}' (FORMAT parquet)")
        out[name] = path
    return out


def spark_backend(session: Any, parquet: dict[str, Path]) -> Any:
    """An Ibis PySpark backend with each Parquet file registered as a view of its name."""
    import ibis

    for name, path in parquet.items():
        session.read.parquet(str(path)).createOrReplaceTempView(name)
    return ibis.pyspark.connect(session)
