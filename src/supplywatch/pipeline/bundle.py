"""The bundled snapshot: manifest (provenance) and a full ingest in dependency order."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import yaml

from supplywatch.errors import ConfigError, DataError
from supplywatch.pipeline.ingest import (
    IngestResult,
    Progress,
    Staged,
    commit_load,
    stage_source,
    staging,
)
from supplywatch.pipeline.items_step import stage_items
from supplywatch.sources.base import Provenance
from supplywatch.sources.registry import SOURCES, get_source

MANIFEST = "manifest.yml"
ITEMS = "items"  # the item catalog, loaded after the sources (it needs the HS concordance)


def load_manifest(bundle_dir: Path) -> dict[str, Provenance]:
    """Provenance of every bundled source, validated."""
    path = bundle_dir / MANIFEST
    if not path.is_file():
        raise DataError(str(path), "bundle manifest not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return {name: Provenance.model_validate(rec) for name, rec in raw["sources"].items()}
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise DataError(str(path), f"invalid manifest: {exc}") from exc


def ingest_bundle(
    con: duckdb.DuckDBPyConnection,
    bundle_dir: Path,
    only: list[str] | None = None,
    progress: Progress | None = None,
    *,
    force: bool = False,
    now: datetime,
) -> list[IngestResult]:
    """Ingest the bundled sources (all, or ``only``), dependencies first, then the catalog;
    every changed source and the out layer built from them commit in one transaction."""
    from supplywatch.pipeline import out

    say = progress or (lambda _msg: None)
    manifest = load_manifest(bundle_dir)
    names = only or [*SOURCES, ITEMS]
    for name in names:
        if name == ITEMS:
            continue
        get_source(name)
        if name not in manifest:
            raise ConfigError(f"source {name!r} has no entry in {bundle_dir / MANIFEST}")
    results: list[IngestResult] = []
    staged: list[Staged] = []
    with staging(con) as db:
        for name in SOURCES:  # registry order = dependency order
            if name in names:
                r = stage_source(
                    con, SOURCES[name], bundle_dir / name, manifest[name], say, force=force
                )
                (results.append(r) if isinstance(r, IngestResult) else staged.append(r))
        if ITEMS in names:
            hs = next((s.snapshot_id for s in staged if s.source == "hs"), None)
            r = stage_items(con, say, force=force, now=now, hs_snapshot=hs)
            (results.append(r) if isinstance(r, IngestResult) else staged.append(r))
        if staged or not out.out_status(con).is_current:
            results += commit_load(con, db, staged, say, now=now)
    order = [*SOURCES, ITEMS, out.OUT_SOURCE]
    return sorted(results, key=lambda r: order.index(r.source))
