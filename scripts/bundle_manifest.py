"""Fill in (or check) sha256, size and row count of every file named in data/bundle/manifest.yml.

Usage: python scripts/bundle_manifest.py [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pyarrow.parquet as pq
import yaml

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "bundle"


def _rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return int(pq.read_metadata(path).num_rows)
    import csv

    with path.open(newline="", encoding="utf-8-sig") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    manifest_path = BUNDLE / "manifest.yml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    stale = []
    for name, src in manifest["sources"].items():
        for rec in src["files"]:
            path = BUNDLE / name / rec["name"]
            actual = {
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "size_bytes": path.stat().st_size,
                "rows": _rows(path),
            }
            if any(rec.get(k) != v for k, v in actual.items()):
                stale.append(f"{name}/{rec['name']}")
                rec.update(actual)
    if args.check:
        if stale:
            sys.stderr.write(f"manifest is stale for: {', '.join(stale)}\n")
            return 1
        return 0
    manifest_path.write_text(
        yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
