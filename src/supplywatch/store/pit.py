"""Point in time: the rows of a table known on a date, as one Ibis definition.

Rows count once available (available_date <= D). For a table with releases (``version_field``),
each key takes the latest release published by D (vintage_date <= D); where none was yet
published, the earliest release held stands in (the bundle holds no first-release values).
The same expression runs on DuckDB and Spark; ``as_of_sql`` renders it for plain SQL use.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.schema import Table

_IBIS_TYPES = {
    "VARCHAR": "string",
    "SMALLINT": "int16",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "DOUBLE": "float64",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
}


def unbound(t: Table) -> ir.Table:
    """An Ibis table with the declared schema of ``t`` (for compiling to SQL)."""
    return ibis.table({f: _IBIS_TYPES[FIELDS[f].dtype] for f in t.fields}, name=t.name)


def as_of(table: ir.Table, t: Table, when: date) -> ir.Table:
    """Rows of ``table`` (declared as ``t``) known on ``when``."""
    d = ibis.literal(when)
    known = table.filter(table.available_date <= d)
    if t.version_field is None:
        return known
    published = known.vintage_date <= d
    w = ibis.window(
        group_by=[known[c] for c in t.entity_key],
        order_by=[
            ibis.desc(published.cast("int8")),
            ibis.desc(ibis.ifelse(published, known.vintage_date, None)),
            known.vintage_date,
        ],
    )
    ranked = known.mutate(_pick=ibis.row_number().over(w))
    return ranked.filter(ranked._pick == 0).drop("_pick")


def as_of_sql(t: Table, when: date) -> str:
    """The 'as of' query of ``t`` as DuckDB SQL."""
    return str(ibis.to_sql(as_of(unbound(t), t, when), dialect="duckdb"))
