"""Write the `files:` entries (name, sha256, size_bytes, rows) of a bundle manifest from the
files on disk: rows as the project's reader counts them (readers.read_file), so the load's
row check and checksum check agree with what is there. Used for tests/data/manifest.yml
(the tiny real extracts); run it after changing an extract.

Usage: python scripts/seal_manifest.py tests/data
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from supplywatch.pipeline.bundle import MANIFEST
from supplywatch.pipeline.readers import read_file
from supplywatch.sources.base import sha256_file
from supplywatch.sources.registry import get_source


def entries(bundle: Path, source: str) -> list[dict[str, object]]:
    spec = get_source(source)
    out: list[dict[str, object]] = []
    for f in spec.files:
        path = bundle / source / f.name
        out.append(
            {
                "name": f.name,
                "sha256": sha256_file(path),
                "size_bytes": path.stat().st_size,
                "rows": read_file(path, f).num_rows,
            }
        )
    return out


def seal(bundle: Path) -> str:
    """The manifest's text with each source's `files:` replaced (the rest kept as written)."""
    path = bundle / MANIFEST
    text = path.read_text(encoding="utf-8")
    sources = yaml.safe_load(text)["sources"]
    lines = text.splitlines()
    out: list[str] = []
    current = None
    skipping = False
    for line in lines:
        if line.startswith("  ") and not line.startswith("    ") and line.rstrip().endswith(":"):
            current = line.strip()[:-1]
        if skipping:
            if line.startswith("    - ") or line.startswith("      "):
                continue
            skipping = False
        if line.startswith("    files:") and current in sources:
            out.append("    files:")
            for e in entries(bundle, current):
                out.append(f"    - name: {e['name']}")
                out.extend(f"      {k}: {e[k]}" for k in ("sha256", "size_bytes", "rows"))
            skipping = True
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    bundle = Path(argv[1] if len(argv) > 1 else "tests/data")
    (bundle / MANIFEST).write_text(seal(bundle), encoding="utf-8")
    sys.stdout.write(f"sealed {bundle / MANIFEST}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
