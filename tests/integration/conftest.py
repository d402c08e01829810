"""Fixtures shared by the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import NOW

from supplywatch.services import Services
from supplywatch.settings import Settings


@pytest.fixture
def services(tmp_path: Path, extracts: Path) -> Services:
    """Services over a fresh store with the HS lists loaded (the trade snapshots need them),
    fetching into a temporary snapshot directory."""
    svc = Services(
        Settings(
            db_path=tmp_path / "s.duckdb",
            bundle_dir=extracts,
            snapshot_dir=tmp_path / "snapshots",
            clock_frozen_at=NOW,
        )
    )
    svc.ingest(["hs"])
    return svc
