"""Load the item catalog (items/data/*.yaml) into the store, derived HS links included."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.tables import TABLES
from supplywatch.errors import DataError
from supplywatch.items import loader
from supplywatch.pipeline import validate
from supplywatch.pipeline.ingest import (
    STG,
    IngestResult,
    Progress,
    Staged,
    current_snapshot,
)

SOURCE = "items"
_TABLES = (
    "core_supplywatch__materials",
    "core_supplywatch__material_products",
    "core_supplywatch__material_lists",
)


def stage_items(
    con: duckdb.DuckDBPyConnection,
    say: Progress,
    *,
    force: bool = False,
    now: datetime,
    hs_snapshot: str | None = None,
) -> Staged | IngestResult:
    """Validate the catalog and derive its HS links into the staging database (inside
    ``staging``; ``hs_snapshot``: the HS snapshot staged beside it, if any); an
    IngestResult("unchanged") when the catalog and its HS snapshot are already loaded."""
    started = time.perf_counter()
    files = [loader.MATERIALS_FILE, loader.LISTS_FILE]
    shas = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    hs_snap = hs_snapshot or current_snapshot(con, "hs") or "none"
    snap = f"{SOURCE}-" + hashlib.sha256(("".join(shas) + hs_snap).encode()).hexdigest()[:12]
    if not force and current_snapshot(con, SOURCE) == snap:
        return IngestResult(SOURCE, "unchanged", snap, seconds=time.perf_counter() - started)
    say("items: validating the catalog")
    materials = loader.load_materials()
    lists = loader.load_lists()
    for m in materials:
        for list_id in m.lists:
            if list_id not in lists:
                raise DataError(
                    str(loader.MATERIALS_FILE),
                    "unknown list id",
                    column=f"{m.material_id}.lists",
                    value=list_id,
                )
    say("items: deriving HS codes for every revision")
    links = loader.derive_links(con, materials)
    rows = {
        "core_supplywatch__materials": loader.material_rows(materials),
        "core_supplywatch__material_products": [
            (
                lk.material_id,
                lk.hs_revision_code,
                lk.product_id_hs6,
                lk.stage_code,
                lk.form_text,
                lk.is_lumped,
                lk.lumped_with_text,
                lk.note_text,
            )
            for lk in links
        ],
        "core_supplywatch__material_lists": loader.list_rows(materials),
    }
    for name in _TABLES:
        t = TABLES[name]
        schema = pa.schema([(f, FIELDS[f].arrow_type) for f in t.fields])
        arrow = pa.Table.from_pylist(
            [dict(zip(t.fields, r, strict=True)) for r in rows[name]], schema=schema
        )
        con.register("_arrow_in", arrow)
        con.execute(f"CREATE TABLE {STG}.main.{name} AS SELECT * FROM _arrow_in")
        con.unregister("_arrow_in")
        validate.check_table(con, f"{STG}.main.{name}", t, str(loader.MATERIALS_FILE), {})
    loaded_at = now.astimezone(UTC).replace(tzinfo=None)
    snap_rows: list[tuple[object, ...]] = [
        (
            snap,
            f.name,
            SOURCE,
            "supplywatch contributors",
            "Apache-2.0",
            "supplywatch item catalog (sources cited per claim)",
            f"src/supplywatch/items/data/{f.name}",
            None,
            loaded_at.date(),
            hs_snap,
            loaded_at.date(),
            sha,
            f.stat().st_size,
            len(materials) if f == loader.MATERIALS_FILE else len(lists),
            loaded_at,
            "HS codes of older revisions derived with the HS concordance",
        )
        for f, sha in zip(files, shas, strict=True)
    ]
    return Staged(SOURCE, snap, _TABLES, None, [], started, prov_rows=snap_rows)
