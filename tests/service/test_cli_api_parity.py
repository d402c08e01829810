"""The CLI (a real subprocess) and the API give the same numbers for the same question."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CLOCK_ENV, ROOT
from tests.service.conftest import Seeded


def _cli(store: Path, *args: str) -> object:
    env = {**os.environ, "SUPPLYWATCH_DB_PATH": str(store), "COLUMNS": "200", **CLOCK_ENV}
    r = subprocess.run(
        [sys.executable, "-m", "supplywatch.cli.main", *args, "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_screen_and_explain_same_on_cli_and_api(seeded_sqlite: Seeded, store_path: Path) -> None:
    seeded = seeded_sqlite
    h = seeded.headers("JP", "viewer")
    for importer in ("BLOC",):
        cli = _cli(
            store_path, "screen", "--importer", importer, "--as-of", "2025-06-30", "--top", "500"
        )
        api = seeded.client.get(
            f"/api/v1/screen?importer={importer}&as_of=2025-06-30&limit=500", headers=h
        ).json()
        assert api["total"] == len(cli)  # type: ignore[arg-type]
        assert api["items"] == cli
    cli_x = _cli(
        store_path, "explain", "natural_graphite", "--importer", "JPN", "--as-of", "2025-06-30"
    )
    api_x = seeded.client.get(
        "/api/v1/explain/natural_graphite?importer=JPN&as_of=2025-06-30", headers=h
    ).json()
    assert api_x == cli_x
    assert api_x["factors"][0]["factor"] == "supplier_concentration"
