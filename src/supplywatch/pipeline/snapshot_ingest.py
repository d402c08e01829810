"""Load a snapshot written by a live connector (`supplywatch fetch ...`) into the store.

Fetched slices accumulate: rows are upserted into their core table by key (the
latest snapshot wins), in one transaction, after the same checks as the bundled sources.
``available_date`` = the earlier of the source's publication-lag rule and the date the snapshot
was fetched (we certainly had the row by then).
"""

from __future__ import annotations

import hashlib
import importlib
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from supplywatch.catalog.tables import TABLES
from supplywatch.errors import ConfigError
from supplywatch.pipeline import validate
from supplywatch.pipeline.ingest import (
    STG,
    IngestResult,
    Progress,
    Staged,
    commit_load,
    staging,
)
from supplywatch.sources.base import CodeCheck
from supplywatch.sources.snapshots import read_snapshot, snapshot_source

TABLE = "core_customs__trade_flows"


@dataclass(frozen=True)
class Loader:
    """How one live source's parsed snapshot becomes rows of a core table."""

    module: str
    table: str
    lag_sql: str
    lag_rule: str
    checks: tuple[tuple[str, str, str], ...]
    extra_sql: str = ""  # columns the parser does not give, as SQL over the parsed rows


_TRADE_CHECKS = (
    (
        "reporter_id_iso3",
        "SELECT country_id_iso3 FROM core_supplywatch__countries",
        "country code (ISO3)",
    ),
    (
        "partner_id_iso3",
        "SELECT country_id_iso3 FROM core_supplywatch__countries",
        "country code (ISO3)",
    ),
    ("product_id_hs6", "SELECT product_id_hs6 FROM core_hs__products", "HS 6-digit code"),
)

CONNECTORS: dict[str, Loader] = {
    "comtrade": Loader(
        "supplywatch.sources.comtrade",
        TABLE,
        "CASE freq_code WHEN 'A' THEN make_date(ref_year + 1, 6, 30) "
        "ELSE CAST(period_start_date + INTERVAL 3 MONTH AS DATE) END",
        "UN Comtrade: annual year Y from Y+1-06-30; monthly month M from the end of M+2 "
        "(reporters submit with a lag of months); never later than the fetch date.",
        _TRADE_CHECKS,
    ),
    "kcs": Loader(
        "supplywatch.sources.kcs",
        TABLE,
        "CAST(period_start_date + INTERVAL 1 MONTH + INTERVAL 14 DAY AS DATE)",
        "Korea Customs Service: month M from the 15th of M+1 (monthly release mid-month); "
        "never later than the fetch date.",
        _TRADE_CHECKS,
    ),
    "japan_customs": Loader(
        "supplywatch.sources.japan_customs",
        TABLE,
        "CAST(period_start_date + INTERVAL 2 MONTH AS DATE)",
        "Japan MOF trade statistics: month M from the 1st of M+2 (preliminary figures appear "
        "in the second half of M+1); never later than the fetch date.",
        _TRADE_CHECKS,
    ),
    "worldbank_wgi": Loader(
        "supplywatch.sources.worldbank_wgi",
        "core_wgi__yearly_governance",
        "make_date(ref_year + 1, 11, 30)",
        "World Bank API: a fetched WGI series is a release of its own, 'WGI-API-<fetch "
        "date>', with the fetch date as vintage date; year Y from Y+1-11-30.",
        (
            (
                "country_id_iso3",
                "SELECT country_id_iso3 FROM core_supplywatch__countries",
                "country code (ISO3)",
            ),
        ),
        extra_sql="'WGI-API-' || strftime(DATE '{accessed}', '%Y%m%d') AS wgi_release_code, "
        "NULL::DOUBLE AS wgi_stddev, NULL::DOUBLE AS wgi_source_count, "
        "NULL::DOUBLE AS wgi_rank_pct, NULL::DOUBLE AS wgi_rank_lower_pct, "
        "NULL::DOUBLE AS wgi_rank_upper_pct, DATE '{accessed}' AS vintage_date",
    ),
}


def ingest_snapshot(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    progress: Progress | None = None,
    *,
    force: bool = False,
    now: datetime,
) -> IngestResult:
    """Check and upsert one fetched snapshot, and rebuild the out layer, in one transaction;
    a no-op when the snapshot is already loaded."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    prov, _query = read_snapshot(path)  # checks every file's sha256 against the record
    source = snapshot_source(path)
    if source not in CONNECTORS:
        raise ConfigError(f"no loader for snapshots of {source!r}; known: {', '.join(CONNECTORS)}")
    files = [path / f.name for f in prov.files]
    snap = (
        f"{source}-"
        + hashlib.sha256("".join(r.sha256 for r in prov.files).encode()).hexdigest()[:12]
    )
    loaded = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT snapshot_id FROM core_supplywatch__snapshots"
        ).fetchall()
    }
    if not force and snap in loaded:
        return IngestResult(source, "unchanged", snap, seconds=time.perf_counter() - started)
    loader = CONNECTORS[source]
    say(f"{source}: parsing {path.name}")
    parsed: pa.Table = importlib.import_module(loader.module).parse(path)
    t = TABLES[loader.table]
    with staging(con) as db:
        con.register("_arrow_in", parsed)
        accessed = prov.date_accessed.isoformat()
        extra = loader.extra_sql.format(accessed=accessed)
        given = [c for c in t.fields if c in parsed.column_names]
        select = ", ".join(f'"{c}"' for c in given) + (f", {extra}" if extra else "")
        if "source_row_number" not in given:  # kept for error messages during the checks
            select += ", source_row_number"
        con.execute(
            f"CREATE TABLE {STG}.main.staged AS SELECT {select}, "
            f"least({loader.lag_sql}, DATE '{accessed}') AS available_date,"
            f" '{snap}' AS snapshot_id FROM _arrow_in"
        )
        cols = [c for c in t.fields if c not in {"available_date", "snapshot_id"}]
        con.execute(
            f"CREATE TABLE {STG}.main.parsed AS SELECT "
            + ", ".join(f'"{c}"' for c in [*cols, "available_date", "snapshot_id"])
            + f" FROM {STG}.main.staged"
        )
        con.unregister("_arrow_in")
        where = str(path)
        for column, codes_sql, what in loader.checks:
            validate.check_codes(
                con,
                f"{STG}.main.staged",
                CodeCheck("parsed", column, codes_sql, what),
                where,
                {},
            )
        validate.check_table(con, f"{STG}.main.parsed", t, where, {})
        staged = Staged(
            source,
            snap,
            (loader.table,),
            prov,
            [
                (f.name, rec.sha256, rec.size_bytes, rec.rows)
                for f, rec in zip(files, prov.files, strict=True)
            ],
            started,
            upsert=(loader.table, t.primary_key),
        )
        return commit_load(con, db, [staged], say, now=now)[0]
