"""The out layer: the risk engine's products, built from the core tables at every ingest.

``stage_out`` runs every indicator (one Ibis definition each, on DuckDB or Spark), scores every
item and importer on every date something changed (alerts/scoring.py) and stages the out
tables (catalog/out.py) where the loud checks of every other table run on them. The ingest then
replaces the store's out tables in the same transaction as the core tables they come from, so
the store never holds core and out tables of different states.

The build is identified by a fingerprint of everything it depends on: every loaded snapshot,
the ladder file and the out declarations. Readers compare it with the store's (``out_status``)
and refuse a stale out layer rather than serve it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from supplywatch.alerts import scoring
from supplywatch.alerts.model import LADDER_FILE, Ladder, load_ladder
from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.importers import SERVICE_IMPORTER_IDS
from supplywatch.catalog.out import OUT_TABLE_NAMES
from supplywatch.catalog.tables import TABLES
from supplywatch.indicators.frames import ITEM_KINDS, Frames, compute_frames
from supplywatch.pipeline import validate
from supplywatch.store.duckdb_store import first_row

log = logging.getLogger(__name__)

OUT_SOURCE = "out"
#: Bump when the build's logic changes without a change of its declarations or the ladder.
OUT_DEFINITION = "2026.11-5"

Say = Callable[[str], None]


@dataclass(frozen=True)
class OutStatus:
    built: str | None  # fingerprint of the out layer in the store (None: never built)
    expected: str  # fingerprint the current inputs and definitions give

    @property
    def is_current(self) -> bool:
        return self.built == self.expected


def fingerprint(con: duckdb.DuckDBPyConnection, db: str | None = None) -> str:
    """What the out layer depends on: every input snapshot loaded, the ladder file, the out
    tables' declarations and the build's definition version."""
    target = f'"{db}".main.core_supplywatch__snapshots' if db else "core_supplywatch__snapshots"
    snaps = con.execute(
        f"SELECT DISTINCT source_name, snapshot_id FROM {target} WHERE source_name <> ? "
        "ORDER BY 1, 2",
        [OUT_SOURCE],
    ).fetchall()
    decl = [repr(TABLES[n]) + repr([FIELDS[f] for f in TABLES[n].fields]) for n in OUT_TABLE_NAMES]
    parts = [
        OUT_DEFINITION,
        ",".join(SERVICE_IMPORTER_IDS),
        *(f"{s}:{i}" for s, i in snaps),
        hashlib.sha256(LADDER_FILE.read_bytes()).hexdigest(),
        *decl,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def out_status(con: duckdb.DuckDBPyConnection) -> OutStatus:
    row = first_row(
        con,
        "SELECT arg_max(sha256, loaded_at) FROM core_supplywatch__snapshots WHERE source_name = ?",
        [OUT_SOURCE],
    )
    built = None if row is None or row[0] is None else str(row[0])
    return OutStatus(built, fingerprint(con))


def compute_out(
    backend: Any,
    importers: list[str] | None = None,
    kinds: tuple[str, ...] = ITEM_KINDS,
    ladder: Ladder | None = None,
    say: Say | None = None,
) -> dict[str, pd.DataFrame]:
    """Every out table, as frames, from the core tables on ``backend`` (an Ibis backend)."""
    lad = ladder or load_ladder()
    tell = say or (lambda _m: None)
    parts: dict[str, list[pd.DataFrame]] = {n: [] for n in OUT_TABLE_NAMES}
    for kind in kinds:
        tell(f"out: indicators ({kind})")
        fr = compute_frames(backend, importers, kind)
        tell(f"out: scoring every date ({kind})")
        grid = scoring.build(fr, lad)
        for name, df in _tables(fr, grid).items():
            parts[name].append(df.assign(item_kind_code=kind))
    out = {}
    for name, dfs in parts.items():
        t = TABLES[name]
        full = [d for d in dfs if not d.empty]
        df = pd.concat(full, ignore_index=True) if full else pd.DataFrame(columns=list(t.fields))
        out[name] = df[list(t.fields)]
    return out


def _tables(fr: Frames, grid: pd.DataFrame) -> dict[str, pd.DataFrame]:
    dep = fr.dep
    stages = fr.stages
    if not stages.empty:
        codes = stages["product_codes_text"].map(lambda t: ";".join(sorted(str(t).split(";"))))
        stages = stages.assign(product_codes_text=codes)
    return {
        "out_supplywatch__yearly_dependence": dep,
        "out_supplywatch__supplier_shares": fr.shares,
        "out_supplywatch__yearly_stage_imports": stages,
        "out_supplywatch__yearly_production": fr.prod,
        "out_supplywatch__item_coverage": fr.coverage,
        "out_supplywatch__monthly_factors": grid,
        "out_supplywatch__monthly_levels": grid,
        "out_supplywatch__monthly_signals": fr.monthly,
    }


def write_out(
    con: duckdb.DuckDBPyConnection, db: str, frames: dict[str, pd.DataFrame]
) -> dict[str, int]:
    """Inside the caller's transaction: check each out frame against its declaration
    (constraints, not-null, primary key; DataError names the table, column and value), then
    replace the store's table by it."""
    from supplywatch.catalog.tables import ddl

    counts = {}
    for name in OUT_TABLE_NAMES:
        t = TABLES[name]
        arrow = _arrow(frames[name], name)
        con.register("_out_in", arrow)
        try:
            validate.check_table(con, "_out_in", t, f"(derived table {name})", {})
            target = f'"{db}".main."{name}"'
            cols = ", ".join(f'"{c}"' for c in t.fields)
            cast = ", ".join(f'CAST("{c}" AS {FIELDS[c].dtype})' for c in t.fields)
            con.execute(ddl(t, qualified_name=target, replace=True))
            con.execute(f"INSERT INTO {target} ({cols}) SELECT {cast} FROM _out_in")
        finally:
            con.unregister("_out_in")
        counts[name] = arrow.num_rows
    return counts


def _arrow(df: pd.DataFrame, name: str) -> pa.Table:
    t = TABLES[name]
    data = {}
    for c in t.fields:
        f = FIELDS[c]
        s = df[c] if c in df.columns else pd.Series([None] * len(df))
        if f.dtype == "DATE":
            data[c] = pa.array(pd.to_datetime(s).dt.date.where(s.notna(), None), pa.date32())
        elif f.dtype == "BOOLEAN":
            data[c] = pa.array(s.astype("boolean"), pa.bool_())
        elif f.dtype in {"SMALLINT", "INTEGER", "BIGINT"}:
            data[c] = pa.array(pd.to_numeric(s).astype("Int64"), pa.int64())
        elif f.dtype == "DOUBLE":
            data[c] = pa.array(pd.to_numeric(s).astype("Float64"), pa.float64())
        else:
            data[c] = pa.array(s.astype("string").where(s.notna(), None), pa.string())
    return pa.table(data)


def provenance(
    fp: str, counts: dict[str, int], ladder: Ladder, now: datetime
) -> list[tuple[object, ...]]:
    """Rows of core_supplywatch__snapshots recording the build (one per out table)."""
    loaded_at = now.astimezone(UTC).replace(tzinfo=None)
    snap = f"{OUT_SOURCE}-{fp[:12]}"
    return [
        (
            snap,
            name,
            OUT_SOURCE,
            "supplywatch risk engine",
            "derived from the inputs (see each input's licence)",
            "computed by supplywatch from the loaded snapshots (BACI, World Mining Data, WGI, "
            "Pink Sheet, the item catalog)",
            None,
            None,
            loaded_at.date(),
            ladder.version,
            None,
            fp,
            0,
            counts[name],
            loaded_at,
            f"out layer {OUT_DEFINITION}, ladder {ladder.version}",
        )
        for name in OUT_TABLE_NAMES
    ]
