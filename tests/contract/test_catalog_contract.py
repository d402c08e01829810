"""Every declared field is valid and used; every table has a key; DDL, docs and manifest agree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from tests.conftest import ROOT

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.tables import TABLES, ddl
from supplywatch.pipeline import docs
from supplywatch.sources.registry import SOURCES

SRC = ROOT / "src" / "supplywatch"


def test_every_declared_field_is_used() -> None:
    used = {f for t in TABLES.values() for f in t.fields}
    assert sorted(set(FIELDS) - used) == []


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_declaration(name: str) -> None:
    t = TABLES[name]
    assert t.primary_key, "every table has a primary key"
    assert set(t.primary_key) <= set(t.fields)
    assert set(t.required) <= set(t.fields)
    assert len(set(t.fields)) == len(t.fields)
    assert t.layer in {"raw", "core", "out"}
    if t.layer == "core" and t.source not in {"supplywatch"}:
        assert "available_date" in t.fields, "core rows carry the date they became available"
    duckdb.connect().execute(ddl(t))  # the generated DDL is valid


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_field_declaration(name: str) -> None:
    f = FIELDS[name]
    assert f.description.endswith((".", ")")), f"{name}: describe the column in a sentence"
    if f.constraint is not None:
        duckdb.connect().execute(f"SELECT {f.check_sql('x')} FROM (SELECT NULL::{f.dtype} AS x)")
    for suffix, unit in (
        ("_usd_per_t", "USD/t"),
        ("_kusd", "kUSD"),
        ("_t", "t"),
        ("_share", "share"),
        ("_pct", "pct"),
        ("_usd", "USD"),
        ("_kg", "kg"),
    ):
        if name.endswith(suffix):
            assert f.unit == unit, f"{name}: unit suffix and declared unit disagree"
            break


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_source_files_map_to_declared_fields(source: str) -> None:
    spec = SOURCES[source]
    for fspec in spec.files:
        t = TABLES[fspec.raw_table]
        mapped = {v for v in fspec.columns.values() if v is not None}
        assert mapped <= set(t.fields)
        assert set(t.fields) - mapped <= {"source_row_number", "snapshot_id"}
    for step in spec.core:
        assert TABLES[step.table].layer == "core"


def test_data_dictionary_is_current() -> None:
    assert docs.OUT.read_text(encoding="utf-8") == docs.render(), "run `make docs`"


def test_bundle_manifest_matches_files() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bundle_manifest.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


_LAYERS = [
    "errors",
    "settings",
    "catalog",
    "items",
    "sources",
    "store",
    "pipeline",
    "indicators",
    "alerts",
    "planning",
    "services",
    "cli",
    "api",
    "web",
]
#: Modules every layer may import: the error types, the one clock and the request deadline.
_EVERYWHERE = {"errors", "clock", "deadline"}
_ALLOWED = {
    "errors": set(),
    "clock": set(),
    "deadline": set(),
    "settings": set(),
    "catalog": set(),
    "items": {"catalog"},
    "sources": {"catalog", "settings"},
    "store": {"catalog"},
    "indicators": {"catalog"},
    # alerts: the score, levels, explanations and back-test, over the indicators' frames and
    # the point-in-time rule
    "alerts": {"catalog", "indicators", "store"},
    # pipeline: raw -> core -> out; the out layer runs the indicators and the scoring
    "pipeline": {"catalog", "items", "sources", "store", "indicators", "alerts"},
    "planning": {"catalog", "indicators", "alerts"},
    # reports: documents from the services' plain data (briefing HTML/PDF, charts, exports)
    "reports": {"catalog"},
    # notices: extraction (rules over the catalog's names), connectors, the review rules
    "notices": {"catalog", "items", "sources", "settings"},
    "services": {
        "catalog",
        "items",
        "sources",
        "store",
        "pipeline",
        "settings",
        "indicators",
        "alerts",
        "planning",
        "notices",
        "reports",
    },
    "access": {"catalog"},
    "state": set(),
    # the workspace calls the services only (never alerts/ or planning/ directly)
    "workspace": {"catalog", "services", "settings", "access", "state"},
    "scheduler": {"workspace"},
    "api": {"catalog", "settings", "access", "workspace", "scheduler"},
    "web": set(),
    "cli": {"services", "settings", "cli", "workspace", "api"},
}


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("supplywatch.")
        ):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("supplywatch.")}
    return out


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_one_way(path: Path) -> None:
    rel = path.relative_to(SRC)
    layer = rel.parts[0].removesuffix(".py") if rel.parts[0] != "__init__.py" else "errors"
    assert layer in _ALLOWED, f"{rel}: package {layer!r} has no place in the layer order"
    imported = _imports(path)
    unknown = imported - set(_ALLOWED)
    assert not unknown, f"{rel} imports {sorted(unknown)}, not in the layer order"
    bad = imported - _ALLOWED[layer] - _EVERYWHERE - {layer}
    assert not bad, f"{rel} imports {sorted(bad)} against the layer order"


def test_layer_order_has_no_cycle() -> None:
    seen: dict[str, int] = {}

    def depth(layer: str, path: tuple[str, ...] = ()) -> int:
        assert layer not in path, f"cycle: {' -> '.join((*path, layer))}"
        if layer not in seen:
            deps = _ALLOWED[layer] - {layer}
            seen[layer] = 1 + max((depth(d, (*path, layer)) for d in deps), default=0)
        return seen[layer]

    for layer in _ALLOWED:
        depth(layer)


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_modules_stay_small(path: Path) -> None:
    limit = 1200 if "catalog" in path.parts else 800
    assert len(path.read_text(encoding="utf-8").splitlines()) <= limit
