"""Exports of tables (CSV, xlsx) with the sources of the store they came from: what the API's
lists (``?format=csv|xlsx``) and the dashboard's export buttons give."""

from __future__ import annotations

from typing import Any

from supplywatch.errors import ConfigError


def export_table(
    svc: Any,
    rows: list[dict[str, Any]],
    fmt: str,
    about: dict[str, Any],
    columns: list[str] | None = None,
    units: dict[str, str] | None = None,
) -> tuple[bytes, str]:
    """(content, media type) of ``rows`` as ``fmt`` (csv or xlsx)."""
    from supplywatch.reports import exports as rx

    if fmt not in rx.FORMATS:
        raise ConfigError(f"export format must be csv or xlsx, not {fmt!r}", field="format")
    if fmt == "csv":
        return rx.to_csv(rows, columns), rx.FORMATS[fmt]
    sources = [s.as_dict() for s in svc.status()]
    return rx.to_xlsx(rows, about, sources, columns, units), rx.FORMATS[fmt]
