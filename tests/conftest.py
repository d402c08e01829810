"""Shared test fixtures: fresh temporary stores, paths resolved from this file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from supplywatch import clock
from supplywatch.pipeline.bundle import ingest_bundle, load_manifest
from supplywatch.settings import Settings
from supplywatch.store.duckdb_store import connect

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"
BUNDLE = ROOT / "data" / "bundle"
MEASURES = ROOT / "data" / "measures"  # the supply-measures registry
SOURCES = ("hs", "baci", "wmd", "wgi", "pinksheet")
#: The time every test runs at (no test reads the real clock: see ``_no_real_clock``).
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
#: The environment a subprocess of a test needs to run at NOW.
CLOCK_ENV = {"SUPPLYWATCH_CLOCK_FROZEN_AT": NOW.isoformat()}


class RealClockError(AssertionError):
    """A test reached the real clock: inject a FixedClock (or CLOCK_ENV in a subprocess)."""


@pytest.fixture(autouse=True)
def _no_real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test: reading the real clock through the application fails the test."""

    def refuse(_self: object) -> datetime:
        raise RealClockError(
            "a test reached the real clock: pass clock=FixedClock(...) or "
            "Settings(clock_frozen_at=...), or CLOCK_ENV to a subprocess"
        )

    monkeypatch.setattr(clock.SystemClock, "now", refuse)


@pytest.fixture
def extracts(tmp_path: Path) -> Path:
    """A writable copy of the tiny real extracts (tests may corrupt it)."""
    dst = tmp_path / "extracts"
    shutil.copytree(
        TEST_DATA, dst, ignore=shutil.ignore_patterns("comtrade", "kcs", "estat", "worldbank")
    )
    for p in dst.rglob("*"):
        p.chmod(0o644 if p.is_file() else 0o755)
    return dst


@pytest.fixture
def small_store(tmp_path: Path, extracts: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh store loaded with the tiny extracts (every source, not the item catalog)."""
    con = connect(tmp_path / "small.duckdb")
    ingest_bundle(con, extracts, list(SOURCES), now=NOW)
    yield con
    con.close()


@pytest.fixture(scope="module")
def bundle_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh store per test module with the whole bundle and the catalog loaded."""
    path = tmp_path_factory.mktemp("bundle") / "bundle.duckdb"
    con = connect(path)
    ingest_bundle(con, BUNDLE, now=NOW, measures_dirs=[MEASURES])
    yield con
    con.close()


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole bundle ingested once per session into a DuckDB file that tests only read
    (the shared-service suites: API, e2e)."""
    path = tmp_path_factory.mktemp("store") / "bundle.duckdb"
    con = connect(path)
    ingest_bundle(con, BUNDLE, now=NOW, measures_dirs=[MEASURES])
    con.close()
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        db_path=tmp_path / "sw.duckdb",
        bundle_dir=BUNDLE,
        snapshot_dir=tmp_path / "snapshots",
        clock_frozen_at=NOW,
    )  # measures_dir: the project's registry (default)


def manifest(directory: Path) -> dict[str, object]:
    return dict(load_manifest(directory))
