"""The DuckDB store: connection, schema from the catalog, checksums, point-in-time reads."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb

from supplywatch.catalog.countries import countries
from supplywatch.catalog.tables import TABLES, ddl
from supplywatch.errors import StoreBusy


def connect(
    path: Path, *, read_only: bool = False, memory_limit: str = "4GB", lock_wait_s: float = 30.0
) -> duckdb.DuckDBPyConnection:
    """Open (and, unless read-only, initialise) the store at ``path``.

    DuckDB lets one process write, or several read. When another process holds the file (the
    API reading while the CLI ingests, say: each holds it for moments), or another thread of
    this process holds it in the other mode (an API ingest while a request reads), wait for it
    up to ``lock_wait_s`` seconds instead of failing at once.
    """
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    deadline = time.monotonic() + lock_wait_s
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            held = "Could not set lock" in str(exc) or "different configuration" in str(exc)
            if not held:
                raise
            if time.monotonic() + delay > deadline:
                raise StoreBusy(
                    f"the store {path.name} is held by an ingest; waited {lock_wait_s:g} s",
                    retry_after_s=int(lock_wait_s),
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    con.execute("SET enable_progress_bar = false")
    if not read_only:
        ensure_schema(con)
    return con


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None. Fetches the whole result, so the connection is free
    for the next statement (DuckDB 2 refuses new work while a result is pending)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def database_name(con: duckdb.DuckDBPyConnection) -> str:
    row = first_row(con, "SELECT current_database()")
    assert row is not None
    return str(row[0])


def qualified(con: duckdb.DuckDBPyConnection, table_name: str) -> str:
    return f'"{database_name(con)}".main."{table_name}"'


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared table that is missing; load the country code list."""
    existing = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    missing = [t for name, t in TABLES.items() if name not in existing]
    if not missing:
        return
    con.begin()
    try:
        for t in missing:
            con.execute(ddl(t))
        if "core_supplywatch__countries" not in existing:
            rows = [(c.iso3, c.name, c.iso2, c.m49, c.is_iso3166) for c in countries().values()]
            con.executemany("INSERT INTO core_supplywatch__countries VALUES (?, ?, ?, ?, ?)", rows)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def table_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent content hash of every declared table."""
    out: dict[str, tuple[int, int]] = {}
    for name in TABLES:
        row = first_row(con, f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{name}" AS t')
        assert row is not None
        out[name] = (int(str(row[0])), int(str(row[1])))
    return out
