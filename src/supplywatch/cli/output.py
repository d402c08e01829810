"""Printing helpers: Rich tables for people, JSON for machines."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table


class Format(StrEnum):
    table = "table"
    json = "json"


def emit_json(console: Console, data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def rich_table(
    title: str, columns: list[str], rows: list[list[Any]], max_width: int | None = 30
) -> Table:
    """A table whose long cells wrap (never cut) to fit the terminal; ``--format json`` gives
    the same data to machines."""
    t = Table(title=title, show_lines=False)
    for c in columns:
        t.add_column(c, max_width=max_width, overflow="fold")
    for r in rows:
        t.add_row(
            *[
                "no data"
                if v is None
                else f"{v:,}"
                if isinstance(v, int) and abs(v) >= 10_000
                else str(v)
                for v in r
            ]
        )
    return t
