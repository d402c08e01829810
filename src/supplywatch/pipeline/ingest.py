"""Load one source snapshot into the store: read, validate, fix, build core, commit.

Everything is checked on a staging copy (an in-memory database attached beside the store);
the store is written only in one transaction at the end, so a bad file leaves it exactly as it
was and a killed load leaves the previous state. A snapshot already loaded is skipped.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.tables import TABLES, ddl
from supplywatch.errors import DataError
from supplywatch.pipeline import validate
from supplywatch.pipeline.readers import read_file
from supplywatch.sources.base import Provenance, SourceSpec, sha256_file
from supplywatch.store.duckdb_store import database_name, first_row

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
STG = "stg"


@dataclass
class IngestResult:
    source: str
    status: str  # "loaded" | "unchanged" | "built" (the out layer)
    snapshot_id: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def snapshot_id_for(source: str, shas: list[str]) -> str:
    return f"{source}-" + hashlib.sha256("".join(shas).encode()).hexdigest()[:12]


def spec_fingerprint(spec: SourceSpec) -> str:
    """Hash of how a source is read and stored (its spec and its tables' declarations), so a
    change of code reloads the same files instead of skipping them as unchanged."""
    decl = [repr(spec)] + [
        repr(TABLES[t]) + repr([FIELDS[f] for f in TABLES[t].fields]) for t in spec.tables
    ]
    return hashlib.sha256("".join(decl).encode()).hexdigest()


def current_snapshot(con: duckdb.DuckDBPyConnection, source: str) -> str | None:
    row = first_row(
        con,
        "SELECT arg_max(snapshot_id, loaded_at) FROM core_supplywatch__snapshots "
        "WHERE source_name = ?",
        [source],
    )
    return None if row is None or row[0] is None else str(row[0])


@dataclass
class Staged:
    """A source staged for loading: its tables in the staging database and its provenance."""

    source: str
    snapshot_id: str
    tables: tuple[str, ...]
    provenance: Provenance | None
    files: list[tuple[str, str, int, int]]  # name, sha256, size, rows
    started: float
    prov_rows: list[tuple[object, ...]] | None = None  # given instead of provenance
    upsert: tuple[str, tuple[str, ...]] | None = None  # (table, key): replace rows, not tables


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    directory: Path,
    provenance: Provenance,
    progress: Progress | None = None,
    *,
    force: bool = False,
    now: datetime,
    build_out: bool = True,
) -> IngestResult:
    """Load the snapshot of ``spec`` found in ``directory`` (a no-op if already loaded), and
    rebuild the out layer in the same transaction."""
    say = progress or (lambda _msg: None)
    with staging(con) as db:
        staged = stage_source(con, spec, directory, provenance, say, force=force)
        if isinstance(staged, IngestResult):
            return staged
        return commit_load(con, db, [staged], say, now=now, build_out=build_out)[0]


@contextmanager
def staging(con: duckdb.DuckDBPyConnection) -> Iterator[str]:
    """An in-memory staging database attached beside the store; names resolve there first."""
    db = database_name(con)
    con.execute(f"ATTACH ':memory:' AS {STG}")
    con.execute(f"SET search_path = '{STG}.main,\"{db}\".main'")
    try:
        yield db
    finally:
        con.execute("RESET search_path")
        con.execute(f"DETACH {STG}")


def stage_source(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    directory: Path,
    provenance: Provenance,
    say: Progress,
    *,
    force: bool = False,
) -> Staged | IngestResult:
    """Read and check one source's files into the staging database (inside ``staging``);
    an IngestResult("unchanged") when that snapshot is already loaded."""
    started = time.perf_counter()
    paths = [directory / f.name for f in spec.files]
    for p in paths:
        if not p.is_file():
            raise DataError(str(p), "file not found")
    shas = [sha256_file(p) for p in paths]
    _check_manifest(paths, shas, provenance)
    snap = snapshot_id_for(spec.name, [*shas, spec_fingerprint(spec)])
    if not force and current_snapshot(con, spec.name) == snap:
        log.info("source=%s snapshot=%s unchanged", spec.name, snap)
        return IngestResult(spec.name, "unchanged", snap, seconds=time.perf_counter() - started)
    counts = _stage(con, spec, paths, snap, say)
    _check_rows(paths, counts, provenance)
    files = [
        (path.name, sha, path.stat().st_size, counts[path.name])
        for path, sha in zip(paths, shas, strict=True)
    ]
    return Staged(spec.name, snap, spec.tables, provenance, files, started)


def commit_load(
    con: duckdb.DuckDBPyConnection,
    db: str,
    staged: Sequence[Staged],
    say: Progress,
    *,
    now: datetime,
    build_out: bool = True,
    only_out: bool = False,
) -> list[IngestResult]:
    """In ONE transaction: replace the staged sources' tables (or upsert their rows), record
    their provenance, then rebuild the out layer from the store as it now is and replace it.
    Any failure rolls everything back: the store stays exactly as it was."""
    from supplywatch.pipeline import out

    out_rows: dict[str, int] = {}
    out_started = time.perf_counter()
    say("writing")
    log.info("load begin transaction sources=%s", ",".join(s.source for s in staged))
    con.begin()
    try:
        for s in staged:
            log.info("source=%s writing", s.source)
            rows = s.prov_rows
            if rows is None:
                assert s.provenance is not None, "a staged source has provenance or its rows"
                rows = provenance_rows(s.snapshot_id, s.source, s.provenance, s.files, now)
            if s.upsert is not None:
                upsert_rows(con, db, *s.upsert)
            else:
                replace_tables(con, db, s.tables)
            record_snapshots(con, db, rows)
        if build_out or only_out:
            con.execute("RESET search_path")  # the out layer reads the store as it now is
            out_started = time.perf_counter()
            log.info("out: building inside the load transaction")
            out_rows = build_out_layer(con, db, say, now)
        con.commit()
        log.info("load committed")
    except BaseException:
        con.rollback()
        raise
    results = [
        IngestResult(
            s.source,
            "loaded",
            s.snapshot_id,
            _table_rows(con, db, s.tables),
            time.perf_counter() - s.started,
        )
        for s in staged
    ]
    if out_rows:
        results.append(
            IngestResult(
                out.OUT_SOURCE,
                "built",
                f"{out.OUT_SOURCE}-{out.out_status(con).expected[:12]}",
                out_rows,
                time.perf_counter() - out_started,
            )
        )
    return results


def build_out_layer(
    con: duckdb.DuckDBPyConnection, db: str, say: Progress, now: datetime
) -> dict[str, int]:
    """Inside the caller's transaction: compute, stage, check and replace the out tables,
    and record the build."""
    import ibis

    from supplywatch.alerts.model import load_ladder
    from supplywatch.pipeline import out

    ladder = load_ladder()
    # One thread: DuckDB's parallel sums differ in the last bits from run to run, and the out
    # layer must be reproducible (the same inputs give the same tables, ranks and levels).
    threads = first_row(con, "SELECT current_setting('threads')")
    con.execute("SET threads = 1")
    try:
        frames = out.compute_out(ibis.duckdb.from_connection(con), ladder=ladder, say=say)
    finally:
        con.execute(f"SET threads = {int(threads[0]) if threads else 1}")
    say("out: checking and writing")
    counts = out.write_out(con, db, frames)
    fp = out.fingerprint(con, db)
    target = _q(db, "core_supplywatch__snapshots")
    con.execute(f"DELETE FROM {target} WHERE source_name = ?", [out.OUT_SOURCE])
    record_snapshots(con, db, out.provenance(fp, counts, ladder, now))
    return counts


def _check_manifest(paths: list[Path], shas: list[str], provenance: Provenance) -> None:
    """Every bundled file must be in its manifest, with the same checksum (catches a changed
    or truncated file); row counts are checked once read (``_check_rows``)."""
    expected = {f.name: f for f in provenance.files}
    for path, sha in zip(paths, shas, strict=True):
        rec = expected.get(path.name)
        if rec is None:
            raise DataError(
                str(path), "not listed in the bundle manifest: no checksum to check it against"
            )
        if rec.sha256 != sha:
            raise DataError(
                str(path),
                f"sha256 {sha[:12]}… differs from the manifest "
                f"({rec.sha256[:12]}…, {rec.rows} rows): file changed or truncated",
            )


def _check_rows(paths: list[Path], counts: dict[str, int], provenance: Provenance) -> None:
    """The rows read must be the manifest's (a file cut at a line boundary still parses)."""
    expected = {f.name: f.rows for f in provenance.files}
    for path in paths:
        want, got = expected.get(path.name), counts[path.name]
        if want is not None and want != got:
            raise DataError(
                str(path), f"{got:,} rows read, the manifest says {want:,}: file truncated?"
            )


def _stage(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, paths: list[Path], snap: str, say: Progress
) -> dict[str, int]:
    counts: dict[str, int] = {}
    names_by_table: dict[str, dict[str, str]] = {}
    file_of: dict[str, str] = {}
    for fspec, path in zip(spec.files, paths, strict=True):
        say(f"{spec.name}: reading {path.name}")
        arrow = read_file(path, fspec)
        counts[path.name] = arrow.num_rows
        t = TABLES[fspec.raw_table]
        source_names = {dst: src for src, dst in fspec.columns.items() if dst is not None}
        names_by_table[t.name] = source_names
        file_of[t.name] = str(path)
        con.register("_arrow_in", arrow)
        try:
            validate.cast_columns(
                con, "_arrow_in", f"{STG}.main.{t.name}", t, str(path), source_names, snap
            )
        finally:
            con.unregister("_arrow_in")
        validate.check_table(con, f"{STG}.main.{t.name}", t, str(path), source_names)
    say(f"{spec.name}: checking codes and units")
    for check in spec.codes:
        validate.check_codes(
            con,
            f"{STG}.main.{check.table}",
            check,
            file_of[check.table],
            names_by_table[check.table],
        )
    for ucheck in spec.units:
        validate.check_units(
            con,
            f"{STG}.main.{ucheck.table}",
            ucheck,
            file_of[ucheck.table],
            names_by_table[ucheck.table],
        )
    for fix in spec.fixes:
        pristine = f"{STG}.main._pristine_{fix.table}"
        if not _exists(con, f"_pristine_{fix.table}"):
            con.execute(f"CREATE TABLE {pristine} AS SELECT * FROM {STG}.main.{fix.table}")
        row = first_row(con, fix.count_sql)
        touched = 0 if row is None else int(row[0])
        if touched != fix.expected_rows:
            raise DataError(
                file_of[fix.table],
                f"declared fix expects {fix.expected_rows} rows, "
                f"found {touched}: the source changed; review the fix "
                f"({fix.description})",
            )
        con.execute(fix.sql)
    for step in spec.core:
        say(f"{spec.name}: building {step.table}")
        t = TABLES[step.table]
        cols = ", ".join(f'"{c}"' for c in t.fields)
        con.execute(f"CREATE TABLE {STG}.main.{t.name} AS SELECT {cols} FROM ({step.sql})")
        validate.check_table(con, f"{STG}.main.{t.name}", t, f"(derived table {t.name})", {})
    return counts


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = first_row(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
        [STG, name],
    )
    return row is not None and int(row[0]) > 0


def _q(db: str, name: str) -> str:
    return f'"{db}".main."{name}"'


def provenance_rows(
    snap: str,
    source: str,
    prov: Provenance,
    files: Sequence[tuple[str, str, int, int]],
    now: datetime,
) -> list[tuple[object, ...]]:
    """Rows of core_supplywatch__snapshots for a snapshot's files (name, sha256, size,
    rows), stamped with the load time ``now``."""
    loaded_at = now.astimezone(UTC).replace(tzinfo=None)
    return [
        (
            snap,
            name,
            source,
            prov.producer,
            prov.licence,
            prov.attribution,
            prov.url,
            prov.date_published,
            prov.date_accessed,
            prov.vintage,
            prov.vintage_date,
            sha,
            size,
            n,
            loaded_at,
            prov.note,
        )
        for name, sha, size, n in files
    ]


def record_snapshots(
    con: duckdb.DuckDBPyConnection, db: str, rows: Sequence[tuple[object, ...]]
) -> None:
    """Inside the caller's transaction: record provenance rows, replacing those of the same
    snapshot (a forced reload)."""
    target = _q(db, "core_supplywatch__snapshots")
    for snap in sorted({str(row[0]) for row in rows}):
        con.execute(f"DELETE FROM {target} WHERE snapshot_id = ?", [snap])
    placeholders = ", ".join("?" * 16)
    for row in rows:
        con.execute(f"INSERT INTO {target} VALUES ({placeholders})", list(row))


def replace_tables(con: duckdb.DuckDBPyConnection, db: str, tables: tuple[str, ...]) -> None:
    """Inside the caller's transaction: replace ``tables`` in the store by their staged
    copies (the pristine copy where a fix ran)."""
    for name in tables:
        t = TABLES[name]
        target = _q(db, name)
        src = f"_pristine_{name}" if _exists(con, f"_pristine_{name}") else name
        cols = ", ".join(f'"{c}"' for c in t.fields)
        con.execute(ddl(t, qualified_name=target, replace=True))
        con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {STG}.main.{src}")


def upsert_rows(con: duckdb.DuckDBPyConnection, db: str, table: str, key: tuple[str, ...]) -> None:
    """Inside the caller's transaction: the staged rows (stg.main.parsed) replace the rows of
    the same key in ``table``; the others stay."""
    t = TABLES[table]
    target = _q(db, table)
    on = " AND ".join(f't."{k}" = p."{k}"' for k in key)
    cols = ", ".join(f'"{c}"' for c in t.fields)
    con.execute(f"DELETE FROM {target} t USING {STG}.main.parsed p WHERE {on}")
    con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {STG}.main.parsed")


def _table_rows(con: duckdb.DuckDBPyConnection, db: str, tables: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for name in tables:
        row = first_row(con, f"SELECT count(*) FROM {_q(db, name)}")
        out[name] = 0 if row is None else int(row[0])
    return out
