"""Read a source file into an Arrow table of declared columns, with source row numbers.

CSV is read as text (types are checked in SQL afterwards, so a bad value can be reported with
its row and column); Parquet keeps its types. The header must match the declaration exactly:
a missing, renamed or extra column is an error naming the file and the column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from supplywatch.errors import DataError
from supplywatch.sources.base import FileSpec


def _check_header(path: Path, found: list[str], spec: FileSpec) -> None:
    expected = list(spec.columns)
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    if missing:
        hint = f"; unexpected column(s) {extra}" if extra else ""
        raise DataError(
            str(path), f"missing column (found {found}){hint}", row=1, column=missing[0]
        )
    if extra:
        raise DataError(str(path), "unexpected column", row=1, column=extra[0])
    if len(found) != len(set(found)):
        dup = next(c for c in found if found.count(c) > 1)
        raise DataError(str(path), "column appears twice in the header", row=1, column=dup)


def read_file(path: Path, spec: FileSpec) -> pa.Table:
    """Read ``path`` as declared by ``spec``; columns renamed to field names."""
    if not path.is_file():
        raise DataError(str(path), "file not found")
    table = _read_parquet(path, spec) if spec.fmt == "parquet" else _read_csv(path, spec)
    keep = [(src, dst) for src, dst in spec.columns.items() if dst is not None]
    cols = [table.column(src) for src, _ in keep] + [table.column("source_row_number")]
    names = [dst for _, dst in keep if dst is not None] + ["source_row_number"]
    out = pa.table(cols, names=names)
    for name in spec.zfill6:
        padded = [None if v is None else v.zfill(6) for v in out.column(name).to_pylist()]
        out = out.set_column(out.schema.get_field_index(name), name, pa.array(padded, pa.string()))
    return out


def _read_parquet(path: Path, spec: FileSpec) -> pa.Table:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(
            str(path), f"not a readable Parquet file (truncated or corrupt): {exc}"
        ) from exc
    _check_header(path, table.column_names, spec)
    return table.append_column(
        "source_row_number", pa.array(range(1, table.num_rows + 1), pa.int64())
    )


def _read_csv(path: Path, spec: FileSpec) -> pa.Table:
    nulls = {"", *spec.null_markers}
    with path.open(newline="", encoding=spec.encoding) as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError(str(path), "empty file (no header)", row=1) from None
        except csv.Error as exc:
            raise DataError(str(path), f"malformed header: {exc}", row=1) from exc
        header = [h.strip() for h in header]
        _check_header(path, header, spec)
        width = len(header)
        columns: list[list[str | None]] = [[] for _ in range(width)]
        rows: list[int] = []
        line = reader.line_num
        try:
            for record in reader:
                start, line = line + 1, reader.line_num
                if len(record) != width:
                    raise DataError(
                        str(path),
                        f"expected {width} fields, found {len(record)} "
                        "(truncated or malformed line)",
                        row=start,
                    )
                for i, value in enumerate(record):
                    columns[i].append(None if value in nulls else value)
                rows.append(start)
        except csv.Error as exc:
            raise DataError(
                str(path),
                f"malformed CSV (truncated file or unbalanced quote): {exc}",
                row=reader.line_num,
            ) from exc
    arrays = [pa.array(c, pa.string()) for c in columns]
    arrays.append(pa.array(rows, pa.int64()))
    return pa.table(arrays, names=[*header, "source_row_number"])
