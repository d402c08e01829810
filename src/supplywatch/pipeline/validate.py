"""Loud checks on staged tables. Each failure raises DataError naming file, row, column, value.

All checks run on the staging copy, before the store is touched.
"""

from __future__ import annotations

import duckdb

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.schema import Table
from supplywatch.errors import DataError
from supplywatch.sources.base import CodeCheck, UnitCheck
from supplywatch.store.duckdb_store import first_row

_FLOATING = {"DOUBLE", "FLOAT", "REAL"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def cast_columns(
    con: duckdb.DuckDBPyConnection,
    src: str,
    dst: str,
    t: Table,
    file: str,
    source_names: dict[str, str],
    snapshot_id: str,
) -> None:
    """Create ``dst`` from text/typed view ``src`` with declared types; report bad values."""
    present = {r[0] for r in con.execute(f"DESCRIBE {src}").fetchall()}
    select = []
    for name in t.fields:
        f = FIELDS[name]
        if name == "snapshot_id" or name not in present:
            continue
        col = _q(name)
        bad = first_row(
            con,
            f"SELECT source_row_number, CAST({col} AS VARCHAR) FROM {src} "
            f"WHERE {col} IS NOT NULL AND TRY_CAST({col} AS {f.dtype}) IS NULL "
            "ORDER BY source_row_number LIMIT 1",
        )
        if bad is not None:
            raise DataError(
                file,
                f"not a valid {f.dtype.lower()}",
                row=int(bad[0]),
                column=source_names.get(name, name),
                value=str(bad[1]),
            )
        if f.dtype.upper() in _FLOATING or f.dtype.upper().startswith("DECIMAL"):
            # NaN, Infinity and 1e400 (inf once cast) pass a `>= 0` check in SQL: refused here
            bad = first_row(
                con,
                f"SELECT source_row_number, CAST({col} AS VARCHAR) FROM {src} "
                f"WHERE {col} IS NOT NULL AND NOT isfinite(TRY_CAST({col} AS DOUBLE)) "
                "ORDER BY source_row_number LIMIT 1",
            )
            if bad is not None:
                raise DataError(
                    file,
                    "not a finite number (NaN and infinities are refused)",
                    row=int(bad[0]),
                    column=source_names.get(name, name),
                    value=str(bad[1]),
                )
        select.append(f"CAST({col} AS {f.dtype}) AS {col}")
    con.execute(
        f"CREATE TABLE {dst} AS SELECT {', '.join(select)}, "
        f"CAST(? AS VARCHAR) AS snapshot_id FROM {src}",
        [snapshot_id],
    )


def check_table(
    con: duckdb.DuckDBPyConnection, rel: str, t: Table, file: str, source_names: dict[str, str]
) -> None:
    """Not-null, constraint and primary-key checks on a staged table."""
    cols = {r[0] for r in con.execute(f"DESCRIBE {rel}").fetchall()}
    has_rows = "source_row_number" in cols
    row_expr = "source_row_number" if has_rows else "NULL"
    for name in t.not_null:
        if name not in cols:
            continue
        bad = first_row(
            con,
            f"SELECT {row_expr} FROM {rel} WHERE {_q(name)} IS NULL "
            f"{'ORDER BY source_row_number' if has_rows else ''} LIMIT 1",
        )
        if bad is not None:
            raise DataError(
                file,
                f"missing value (required by {t.name})",
                row=None if bad[0] is None else int(bad[0]),
                column=source_names.get(name, name),
            )
    for name in t.fields:
        check = FIELDS[name].check_sql()
        if check is None or name not in cols:
            continue
        bad = first_row(
            con,
            f"SELECT {row_expr}, CAST({_q(name)} AS VARCHAR) FROM {rel} "
            f"WHERE NOT {check} "
            f"{'ORDER BY source_row_number' if has_rows else ''} LIMIT 1",
        )
        if bad is not None:
            constraint = (FIELDS[name].constraint or "").format(col=name)
            raise DataError(
                file,
                f"value breaks the declared constraint {constraint}",
                row=None if bad[0] is None else int(bad[0]),
                column=source_names.get(name, name),
                value=str(bad[1]),
            )
    pk = ", ".join(_q(c) for c in t.primary_key)
    rows = "max(source_row_number)" if has_rows else "NULL"
    dup = first_row(
        con,
        f"SELECT {rows}, CAST(({pk}) AS VARCHAR), count(*) FROM {rel} "
        f"GROUP BY {pk} HAVING count(*) > 1 ORDER BY 1 LIMIT 1",
    )
    if dup is not None:
        key_cols = ", ".join(source_names.get(c, c) for c in t.primary_key)
        raise DataError(
            file,
            f"duplicated key ({key_cols}) of {t.name}: {dup[2]} rows",
            row=None if dup[0] is None else int(dup[0]),
            column=key_cols,
            value=str(dup[1]),
        )


def check_codes(
    con: duckdb.DuckDBPyConnection,
    rel: str,
    check: CodeCheck,
    file: str,
    source_names: dict[str, str],
) -> None:
    """Every value of a coded column is in its code list (an unknown code is an error)."""
    ignored = "".join(f", '{v}'" for v in check.ignored)
    col = _q(check.column)
    bad = first_row(
        con,
        f"SELECT source_row_number, CAST({col} AS VARCHAR) FROM {rel} "
        f"WHERE {col} IS NOT NULL AND CAST({col} AS VARCHAR) NOT IN ('' {ignored}) "
        f"AND {col} NOT IN ({check.codes_sql}) ORDER BY source_row_number LIMIT 1",
    )
    if bad is not None:
        raise DataError(
            file,
            f"unknown {check.what}",
            row=int(bad[0]),
            column=source_names.get(check.column, check.column),
            value=str(bad[1]),
        )


def check_units(
    con: duckdb.DuckDBPyConnection,
    rel: str,
    check: UnitCheck,
    file: str,
    source_names: dict[str, str],
) -> None:
    """Units must be known and constant within each series."""
    col, grp = _q(check.column), _q(check.group_by)
    allowed = ", ".join("'" + u.replace("'", "''") + "'" for u in check.allowed)
    column = source_names.get(check.column, check.column)
    bad = first_row(
        con,
        f"SELECT source_row_number, {col} FROM {rel} WHERE {col} NOT IN "
        f"({allowed}) ORDER BY source_row_number LIMIT 1",
    )
    if bad is not None:
        raise DataError(
            file,
            f"unknown unit (known: {', '.join(check.allowed)})",
            row=int(bad[0]),
            column=column,
            value=str(bad[1]),
        )
    mixed = first_row(
        con,
        f"""
        WITH usual AS (SELECT {grp} AS g, mode({col}) AS unit, count(*) AS n
                       FROM {rel} GROUP BY {grp})
        SELECT r.source_row_number, r.{col}, u.unit, u.n, u.g FROM {rel} r
        JOIN usual u ON u.g = r.{grp} WHERE r.{col} <> u.unit
        ORDER BY r.source_row_number LIMIT 1""",
    )
    if mixed is not None:
        raise DataError(
            file,
            f"unit differs within series {mixed[4]!r} (its other rows use {mixed[2]!r}): "
            "a wrong unit",
            row=int(str(mixed[0])),
            column=column,
            value=str(mixed[1]),
        )
