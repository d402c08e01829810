"""Point in time: what was known on a date. The one rule, in the renderings its callers need.

**The rule.** A row is known on D when its ``available_date`` <= D. Among the known rows of
one entity (a table's key less its version column), the one in force is the latest version:

- for a table of releases (a ``version_field`` such as WGI's release code, and a
  ``vintage_date``), the latest release published by D (``vintage_date`` <= D); where none was
  yet published, the earliest release held stands in (the bundle holds no first-release
  values);
- for any other ``version_field`` (e.g. the out layer's ``available_date``), the greatest value;
- ``latest(..., by=...)`` asks for the known row with the greatest ``by`` (e.g. the newest data
  year of each item and importer).

Renderings (property-tested to agree, tests/property/test_pit.py):

- ``as_of`` / ``latest`` / ``as_of_sql``: Ibis (DuckDB, Spark) and its SQL, for the store;
- ``latest_frame`` and ``latest_on_grid``: pandas frames (the out layer's build, many dates);
- ``latest_records``: plain records (users' stock and consumption entries, stamped when they
  were entered: what the service knew on D is what had been entered by D).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import ibis
import ibis.expr.types as ir
import pandas as pd

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.schema import Table

K = TypeVar("K", bound=Hashable)

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
    """Rows of ``table`` (declared as ``t``) known on ``when``: one per entity where the table
    has versions, else every known row."""
    d = ibis.literal(when)
    known = table.filter(table.available_date <= d)
    if t.version_field is None:
        return known
    if "vintage_date" in t.fields:  # releases: ordered by their publication date
        v = known.vintage_date
        published = v <= d
        order = [
            ibis.desc(published.cast("int8")),
            ibis.desc(ibis.ifelse(published, v, None)),
            v,
        ]
    else:
        order = [ibis.desc(known[t.version_field])]
    w = ibis.window(group_by=[known[c] for c in t.entity_key], order_by=order)
    ranked = known.mutate(_pick=ibis.row_number().over(w))
    return ranked.filter(ranked._pick == 0).drop("_pick")


def latest(table: ir.Table, t: Table, when: date, by: str) -> ir.Table:
    """Per entity less ``by``: the known row with the greatest ``by`` (e.g. ``ref_year``)."""
    known = as_of(table, t, when)
    keys = [c for c in t.entity_key if c != by]
    w = ibis.window(group_by=[known[c] for c in keys], order_by=[ibis.desc(known[by])])
    ranked = known.mutate(_pick=ibis.row_number().over(w))
    return ranked.filter(ranked._pick == 0).drop("_pick")


def as_of_sql(t: Table, when: date) -> str:
    """The 'as of' query of ``t`` as DuckDB SQL."""
    return str(ibis.to_sql(as_of(unbound(t), t, when), dialect="duckdb"))


def latest_sql(t: Table, when: date, by: str) -> str:
    """The 'latest known' query of ``t`` as DuckDB SQL."""
    return str(ibis.to_sql(latest(unbound(t), t, when, by), dialect="duckdb"))


def latest_frame(
    df: pd.DataFrame, keys: Sequence[str], by: str, when: date | pd.Timestamp
) -> pd.DataFrame:
    """The rule on a pandas frame: per ``keys``, the row with the greatest ``by`` among those
    with ``available_date`` <= ``when`` (ties: the later available)."""
    known = df[df["available_date"] <= pd.Timestamp(when)]
    if known.empty:
        return known
    ordered = known.sort_values([*keys, by, "available_date"], kind="stable")
    return ordered.groupby(list(keys), sort=False, dropna=False).tail(1)


def latest_on_grid(
    df: pd.DataFrame,
    keys: Sequence[str],
    by: str,
    grid: pd.DataFrame,
    date_col: str = "available_date",
) -> pd.DataFrame:
    """``latest_frame`` on many dates at once. ``grid`` holds ``keys`` and ``date_col``; the
    result is ``grid`` with, per row, the ``by`` value of the row in force on that date
    (``<by>`` NaN where nothing was known yet). Join back on (keys, by) for the other columns.

    Per key, the versions are replayed in the order they became available; the one in force
    is the greatest ``by`` seen so far, then an as-of join picks, for each grid date, the last
    replay step on or before it.
    """
    keys = list(keys)
    if by == "available_date":  # the version is the availability itself
        df = df.assign(_version=df["available_date"])
        out = latest_on_grid(df, keys, "_version", grid, date_col)
        return out.rename(columns={"_version": "available_date"})
    steps = df[[*keys, by, "available_date"]].dropna(subset=["available_date"])
    steps = steps.assign(available_date=steps["available_date"].astype("datetime64[ns]"))
    steps = steps.sort_values([*keys, "available_date", by], kind="stable")
    steps = steps.assign(_best=steps.groupby(keys, sort=False)[by].cummax())
    steps = steps.groupby([*keys, "available_date"], sort=False).tail(1)
    steps = steps[[*keys, "available_date", "_best"]].rename(columns={"available_date": "_step"})
    g = grid.assign(**{date_col: grid[date_col].astype("datetime64[ns]")})
    g = g.sort_values(date_col, kind="stable")
    if steps.empty or g.empty:  # nothing known at all: every date has nothing in force
        dtype = df[by].dtype
        if pd.api.types.is_integer_dtype(dtype):  # NaN, as merge_asof gives for a miss
            return g.assign(**{by: pd.Series(float("nan"), index=g.index, dtype="float64")})
        return g.assign(**{by: pd.Series([None] * len(g), index=g.index, dtype=dtype)})
    out = pd.merge_asof(
        g,
        steps.sort_values("_step", kind="stable"),
        left_on=date_col,
        right_on="_step",
        by=keys,
        direction="backward",
    )
    return out.drop(columns="_step").rename(columns={"_best": by})


def latest_records(
    entries: Iterable[tuple[K, date, date | datetime, Any]], when: date
) -> dict[K, Any]:
    """The rule on plain records ``(key, version, available_date, value)``: per key, the value
    of the greatest version among those available by ``when`` (ties: the later available).
    For users' entries the version is the date the figure refers to and ``available_date``
    the day it was entered; a figure about D entered after D was not known on D."""
    best: dict[K, tuple[date, date | datetime, Any]] = {}
    for key, version, available, value in entries:
        day = available.date() if isinstance(available, datetime) else available
        if day > when:
            continue
        if key not in best or (version, available) >= best[key][:2]:
            best[key] = (version, available, value)
    return {k: v[2] for k, v in best.items()}
