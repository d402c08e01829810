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
from supplywatch.pipeline.measures_step import stage_measures
from supplywatch.sources.base import Provenance
from supplywatch.sources.registry import SOURCES, get_source

MANIFEST = "manifest.yml"
ITEMS = "items"  # the item catalog, loaded after the sources (it needs the HS concordance)
MEASURES = "measures"  # the supply-measures registry, after the catalog
#: The UN product lists of every HS revision in a bundle: the registry's printed tariff codes
#: are checked against them.
HS_REFERENCE = Path("hs") / "comtrade_hs_products_H0_H6.csv"


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
    measures_dirs: list[Path] | None = None,
    hs_reference: Path | None = None,
) -> list[IngestResult]:
    """Ingest the bundled sources (all, or ``only``), dependencies first, then the catalog and
    the supply-measures registry (``measures_dirs``: its YAML files; None leaves the registry
    as it is; its codes are checked against ``hs_reference``, by default the bundle's UN
    product lists); every changed source and the out layer built from them commit in one
    transaction."""
    from supplywatch.pipeline import out

    say = progress or (lambda _msg: None)
    manifest = load_manifest(bundle_dir)
    names = only or [*SOURCES, ITEMS]
    for name in names:
        if name in (ITEMS, MEASURES):
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
        if measures_dirs is not None and (only is None or MEASURES in only):
            ref = hs_reference or bundle_dir / HS_REFERENCE
            r = stage_measures(con, measures_dirs, ref, say, force=force, now=now)
            (results.append(r) if isinstance(r, IngestResult) else staged.append(r))
        if staged or not out.out_status(con).is_current:
            results += commit_load(con, db, staged, say, now=now)
    order = [*SOURCES, ITEMS, MEASURES, out.OUT_SOURCE]
    return sorted(results, key=lambda r: order.index(r.source))
