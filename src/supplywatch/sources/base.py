"""Declarations shared by every source: files, column maps, publication-lag rules, provenance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class FileSpec:
    """One input file of a source and the raw table it fills.

    ``columns`` maps the source's column names (in file order) to declared field names
    (None: a column we check is present but do not keep).
    ``null_markers`` are strings the source prints for "no value" (besides the empty string).
    ``zfill6`` names fields whose codes the source prints without leading zeros.
    """

    name: str
    raw_table: str
    columns: dict[str, str | None]
    fmt: Literal["csv", "parquet"] = "csv"
    null_markers: tuple[str, ...] = ()
    encoding: str = "utf-8-sig"
    zfill6: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeCheck:
    """A coded column of a raw table that must be found in a code list (SQL query of codes)."""

    table: str
    column: str
    codes_sql: str
    what: str
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitCheck:
    """A unit column whose value must be in ``allowed`` and constant within ``group_by``."""

    table: str
    column: str
    allowed: tuple[str, ...]
    group_by: str


@dataclass(frozen=True)
class SpotFix:
    """A declared correction of known bad rows in a source, run on the staged copy of
    ``table`` after the raw table (kept as published) is set aside and before core is built.

    ``expected_rows`` is asserted: if the source changes, the fix fails loudly.
    """

    table: str
    description: str
    sql: str
    count_sql: str
    expected_rows: int


@dataclass(frozen=True)
class CoreStep:
    """SQL producing one core table from the raw staging tables (named by raw table names)."""

    table: str
    sql: str


@dataclass(frozen=True)
class SourceSpec:
    """Everything the ingest needs to know about one source."""

    name: str
    title: str
    files: tuple[FileSpec, ...]
    core: tuple[CoreStep, ...]
    lag_rule: str
    codes: tuple[CodeCheck, ...] = ()
    units: tuple[UnitCheck, ...] = ()
    fixes: tuple[SpotFix, ...] = ()
    depends_on: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def raw_tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.raw_table for f in self.files))

    @property
    def tables(self) -> tuple[str, ...]:
        return (*self.raw_tables, *(c.table for c in self.core))


class SnapshotFile(BaseModel):
    """Provenance of one file as recorded in a manifest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    sha256: str
    rows: int
    size_bytes: int


class Provenance(BaseModel):
    """Provenance of a snapshot (one release of one source)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    producer: str
    licence: str
    attribution: str
    url: str
    vintage: str
    vintage_date: date
    date_published: date | None = None
    date_accessed: date
    note: str | None = None
    files: tuple[SnapshotFile, ...] = ()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
