"""Generate docs/data-dictionary.md from the declarations (checked to be current by a test).

Usage: python -m supplywatch.pipeline.docs [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.tables import TABLES
from supplywatch.pipeline.snapshot_ingest import CONNECTORS
from supplywatch.sources.registry import SOURCES

OUT = Path(__file__).resolve().parents[3] / "docs" / "data-dictionary.md"


def render() -> str:
    """The data dictionary as Markdown."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from `src/supplywatch/catalog/` by `make docs`; a test fails when it is "
        "stale. Every column is declared once (type, unit, description, constraint); every "
        "table has a primary key (PK). NOT NULL columns are marked ●.",
        "",
        "## Sources and publication-lag rules (point in time)",
        "",
        "| source | title | rule for `available_date` |",
        "|---|---|---|",
    ]
    for s in SOURCES.values():
        lines.append(f"| `{s.name}` | {s.title} | {s.lag_rule} |")
    for name, loader in CONNECTORS.items():
        lines.append(
            f"| `{name}` (live, `supplywatch fetch`) | into `{loader.table}` | {loader.lag_rule} |"
        )
    for s in SOURCES.values():
        for note in s.notes:
            lines.append(f"\n- `{s.name}`: {note}")
    lines += ["", "## Tables", ""]
    for t in TABLES.values():
        lines += [
            f"### `{t.name}`",
            "",
            t.description,
            "",
            f"Primary key: {', '.join(f'`{c}`' for c in t.primary_key)}"
            + (f"; releases distinguished by `{t.version_field}`" if t.version_field else ""),
            "",
        ]
        lines += [f"- {n}" for n in t.notes]
        lines += [
            "| column | type | unit | not null | description | constraint |",
            "|---|---|---|---|---|---|",
        ]
        for name in t.fields:
            f = FIELDS[name]
            constraint = (f.constraint or "").format(col="x").replace("|", "\\|")
            lines.append(
                f"| `{f.name}` | {f.dtype} | {f.unit or ''} | "
                f"{'●' if name in t.not_null else ''} | {f.description} | "
                f"{'`' + constraint + '`' if constraint else ''} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="Fail if the file is stale.")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{OUT} is stale: run `make docs`\n")
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
