"""Load the supply-measures registry (data/measures/*.yaml and the events confirmed in the
service's review queue) into the store, validated, with provenance."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.measures import MEASURE_TABLES
from supplywatch.catalog.tables import TABLES
from supplywatch.items import loader
from supplywatch.pipeline import validate
from supplywatch.pipeline.ingest import STG, IngestResult, Progress, Staged, current_snapshot
from supplywatch.sources import measures as reg

SOURCE = "measures"
_KEYS = {
    "core_measures__measures": "measures",
    "core_measures__clauses": "clauses",
    "core_measures__clause_materials": "clause_materials",
    "core_measures__clause_codes": "clause_codes",
    "core_measures__status_events": "status_events",
    "core_measures__links": "links",
}
TABLE_NAMES = tuple(t.name for t in MEASURE_TABLES)


def registry_files(dirs: list[Path]) -> list[Path]:
    """Every registry file of ``dirs`` (YAML lists of measures), sorted."""
    out: list[Path] = []
    for d in dirs:
        if d.is_dir():
            out += sorted(p for p in d.rglob("*.yaml") if p.is_file())
    return out


def stage_measures(
    con: duckdb.DuckDBPyConnection,
    dirs: list[Path],
    hs_file: Path,
    say: Progress,
    *,
    force: bool = False,
    now: datetime,
) -> Staged | IngestResult:
    """Validate the registry and stage its tables (inside ``staging``); "unchanged" when the
    same files against the same catalog are already loaded."""
    started = time.perf_counter()
    files = registry_files(dirs)
    shas = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    catalog = hashlib.sha256(loader.MATERIALS_FILE.read_bytes()).hexdigest()
    key = "".join(shas) + catalog + "".join(str(f.name) for f in files)
    snap = f"{SOURCE}-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    if not force and current_snapshot(con, SOURCE) == snap:
        return IngestResult(SOURCE, "unchanged", snap, seconds=time.perf_counter() - started)
    say("measures: validating the registry")
    materials = {m.material_id for m in loader.load_materials()}
    registry = reg.load_registry(files, materials, reg.hs_reference(hs_file))
    rows = reg.rows(registry)
    for name, key_ in _KEYS.items():
        t = TABLES[name]
        fields = [f for f in t.fields if f != "snapshot_id"]
        schema = pa.schema([(f, FIELDS[f].arrow_type) for f in fields])
        arrow = pa.Table.from_pylist(
            [dict(zip(fields, r, strict=True)) for r in rows[key_]], schema=schema
        )
        con.register("_arrow_in", arrow)
        con.execute(
            f"CREATE TABLE {STG}.main.{name} AS SELECT *, ? AS snapshot_id FROM _arrow_in",
            [snap],
        )
        con.unregister("_arrow_in")
        validate.check_table(con, f"{STG}.main.{name}", t, "(measures registry)", {})
    loaded_at = now.astimezone(UTC).replace(tzinfo=None)
    counts = dict.fromkeys(files, 0)
    for m in registry.measures:
        counts[Path(registry.origin[m.measure_id][0])] += 1
    prov: list[tuple[object, ...]] = [
        (
            snap,
            f.name,
            SOURCE,
            "supplywatch contributors (registry built from the official texts cited per row)",
            "Apache-2.0 for the registry; quoted texts under their own terms (see each row)",
            "supplywatch supply-measures registry",
            str(f.parent.name + "/" + f.name),
            None,
            loaded_at.date(),
            None,
            loaded_at.date(),
            sha,
            f.stat().st_size,
            counts[f],
            loaded_at,
            "one row per measure; clauses, codes, status changes and links in their own tables",
        )
        for f, sha in zip(files, shas, strict=True)
    ]
    if not prov:  # no registry at all: recorded too, so that a re-run is a no-op
        empty = hashlib.sha256(b"").hexdigest()
        prov = [
            (
                snap,
                "(no registry files)",
                SOURCE,
                "supplywatch contributors",
                "Apache-2.0",
                "supplywatch supply-measures registry",
                None,
                None,
                loaded_at.date(),
                None,
                loaded_at.date(),
                empty,
                0,
                0,
                loaded_at,
                "no measures loaded",
            )
        ]
    return Staged(SOURCE, snap, TABLE_NAMES, None, [], started, prov_rows=prov)
