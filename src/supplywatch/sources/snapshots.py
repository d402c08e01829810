"""Immutable snapshots of fetched raw responses, with provenance.

A snapshot is a directory ``<base_dir>/<source>/<YYYYmmddTHHMMSSZ>-<sha12>/`` holding each raw
response file byte for byte and ``snapshot.json``::

    {"source": "...", "provenance": {...Provenance...}, "query": {...request, no secrets...}}

``sha12`` is the first 12 hex digits of the sha256 of the files' sha256 digests joined in
order: the same id the snapshot loader gives the snapshot (``<source>-<sha12>``). A snapshot is
never overwritten; the order of ``provenance.files`` is the order records are numbered in.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import tempfile
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.tables import TABLES
from supplywatch.errors import DataError, SupplywatchError
from supplywatch.sources.base import Provenance, SnapshotFile, sha256_file
from supplywatch.sources.http import is_secret

META = "snapshot.json"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_SOURCE = re.compile(r"[a-z0-9_]+")


class SnapshotExistsError(SupplywatchError):
    """The snapshot directory already exists; snapshots are immutable."""


def snapshot_hash(file_digests: list[str]) -> str:
    """First 12 hex digits of sha256 over the files' sha256 digests, in order."""
    return hashlib.sha256("".join(file_digests).encode()).hexdigest()[:12]


def strip_secrets(value: Any) -> Any:
    """``value`` with every mapping entry whose key names a secret removed (recursively)."""
    if isinstance(value, Mapping):
        return {str(k): strip_secrets(v) for k, v in value.items() if not is_secret(str(k))}
    if isinstance(value, list | tuple):
        return [strip_secrets(v) for v in value]
    return value


def write_snapshot(
    base_dir: Path,
    source: str,
    files: Mapping[str, bytes],
    *,
    producer: str,
    licence: str,
    attribution: str,
    url: str,
    vintage: str,
    vintage_date: date,
    query: Mapping[str, Any],
    rows: Mapping[str, int],
    note: str | None = None,
    now: datetime,
) -> Path:
    """Write ``files`` unchanged plus ``snapshot.json``; return the new snapshot directory.

    ``rows`` gives the number of records in each file; ``query`` records the request (secret
    entries are dropped). The directory is built beside its final place and renamed into it,
    so a half-written snapshot is never seen; an existing one raises SnapshotExistsError.
    """
    if not _SOURCE.fullmatch(source):
        raise ValueError(f"source name {source!r} must match [a-z0-9_]+")
    if not files:
        raise ValueError("a snapshot needs at least one file")
    for name in files:
        if name == META or not _SAFE_NAME.fullmatch(name):
            raise ValueError(f"unsafe snapshot file name {name!r}")
        if name not in rows:
            raise ValueError(f"no record count given for {name!r}")
    stamp = now.astimezone(UTC)
    digests = [hashlib.sha256(data).hexdigest() for data in files.values()]
    final = Path(base_dir) / source / f"{stamp:%Y%m%dT%H%M%SZ}-{snapshot_hash(digests)}"
    if final.exists():
        raise SnapshotExistsError(f"snapshot {final} already exists; snapshots are immutable")
    final.parent.mkdir(parents=True, exist_ok=True)
    provenance = Provenance(
        producer=producer,
        licence=licence,
        attribution=attribution,
        url=url,
        vintage=vintage,
        vintage_date=vintage_date,
        date_published=None,
        date_accessed=stamp.date(),
        note=note,
        files=tuple(
            SnapshotFile(name=n, sha256=d, rows=int(rows[n]), size_bytes=len(data))
            for (n, data), d in zip(files.items(), digests, strict=True)
        ),
    )
    record = {
        "source": source,
        "provenance": provenance.model_dump(mode="json"),
        "query": strip_secrets(query),
    }
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        (tmp / META).write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        for p in tmp.iterdir():
            p.chmod(0o444)
        tmp.chmod(0o755)
        try:
            tmp.rename(final)  # fails if ``final`` appeared meanwhile (non-empty dir)
        except OSError as exc:
            raise SnapshotExistsError(f"snapshot {final} already exists: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _plain_name(name: str) -> bool:
    """A file name with no directory part: not absolute, no separator, not . or .."""
    return (
        bool(name)
        and name not in {".", ".."}
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and not Path(name).is_absolute()
        and not re.match(r"^[A-Za-z]:", name)
    )


def snapshot_source(path: Path) -> str:
    """The source name recorded in ``path/snapshot.json``."""
    meta = Path(path) / META
    try:
        return str(json.loads(meta.read_text(encoding="utf-8"))["source"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(str(meta), f"invalid snapshot record: {exc}") from exc


def read_snapshot(path: Path) -> tuple[Provenance, dict[str, Any]]:
    """Provenance and query recorded in ``path/snapshot.json``, after checking every file's
    sha256 and size against the record (a changed or missing file is a DataError)."""
    meta = Path(path) / META
    if not meta.is_file():
        raise DataError(str(meta), "not a snapshot directory (snapshot.json missing)")
    try:
        raw = strict_json(meta.read_text(encoding="utf-8"))
        prov = Provenance.model_validate(raw["provenance"])
        query = raw.get("query", {})
        if not isinstance(query, dict):
            raise TypeError("query must be an object")
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise DataError(str(meta), f"invalid snapshot record: {exc}") from exc
    root = Path(path).resolve()
    for rec in prov.files:
        if not _plain_name(rec.name):
            raise DataError(
                str(meta),
                f"file name {rec.name!r} is not a plain name inside the snapshot directory",
                column="provenance.files.name",
            )
        f = Path(path) / rec.name
        if f.resolve().parent != root:
            raise DataError(str(meta), f"file {rec.name!r} resolves outside the snapshot")
        if not f.is_file():
            raise DataError(str(f), "listed in snapshot.json but missing")
        if f.stat().st_size != rec.size_bytes or sha256_file(f) != rec.sha256:
            raise DataError(str(f), "changed since it was fetched (sha256 differs)")
    return prov, query


# --- helpers the connectors' parsers share -------------------------------------------------

#: Table the trade connectors' parse() output feeds (less its lineage columns, plus file_name).
TRADE_TABLE = "core_customs__trade_flows"


def trade_schema() -> pa.Schema:
    """Arrow schema of a parsed trade snapshot, types from the field declarations."""
    cols = [c for c in TABLES[TRADE_TABLE].fields if c not in ("available_date", "snapshot_id")]
    return pa.schema(
        [pa.field(c, FIELDS[c].arrow_type) for c in cols]
        + [pa.field("file_name", FIELDS["file_name"].arrow_type)]
    )


def trade_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows (dicts keyed by the schema's column names) as a typed Arrow table."""
    schema = trade_schema()
    return pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()


def _no_constant(token: str) -> Any:
    raise ValueError(f"{token} is not a JSON number")


def _finite_float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(f"{text} is out of the range of a number")
    return v


def strict_json(text: str | bytes) -> Any:
    """``json.loads`` that refuses what the JSON standard does not allow and Python would
    accept: NaN, Infinity, -Infinity and numbers beyond a double (1e400)."""
    return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)


def decode_json(body: bytes, name: str) -> Any:
    """Parsed JSON of a response body; a truncated or invalid body, a non-finite number or
    nesting too deep to parse is a DataError naming it."""
    try:
        return strict_json(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(name, f"not valid JSON (truncated response?): {exc}") from None
    except ValueError as exc:
        raise DataError(name, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise DataError(name, "not valid JSON: nested too deeply") from None


def load_json(path: Path) -> Any:
    """Parsed JSON of a raw file (see decode_json)."""
    return decode_json(path.read_bytes(), str(path))


def to_float(
    value: object, file: Path, row: int, column: str, *, nullable: bool = True
) -> float | None:
    """A numeric field as float: None for JSON null (when allowed), DataError otherwise."""
    if value is None:
        if nullable:
            return None
        raise DataError(str(file), "missing value", row=row, column=column)
    if isinstance(value, bool):
        raise DataError(str(file), "not a number", row=row, column=column, value=str(value))
    if isinstance(value, int | float):
        v = float(value)
        if not math.isfinite(v):
            raise DataError(
                str(file), "not a finite number", row=row, column=column, value=str(value)
            )
        return v
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return float(text)
    raise DataError(str(file), "not a number", row=row, column=column, value=str(value))


def hs6_of(code: str) -> str | None:
    """HS 6-digit subheading of a product code (its first 6 digits); None when the code is
    coarser than HS6 (chapter, heading, TOTAL): such rows have no HS6 and the loader rejects
    them, so request 6-digit or finer codes."""
    return code[:6] if len(code) >= 6 and code[:6].isdigit() else None
