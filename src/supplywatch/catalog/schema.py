"""Field and Table declarations, and what is generated from them (DDL, Arrow schema, docs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

DType = Literal[
    "VARCHAR", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN"
]

_ARROW: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "SMALLINT": pa.int16(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "BOOLEAN": pa.bool_(),
}


@dataclass(frozen=True)
class Field:
    """One column, declared once for every table that uses it.

    ``constraint`` is a SQL boolean expression in which ``{col}`` stands for the column;
    NULLs pass it (nullability is declared per table, by ``Table.required``).
    ``codes`` names the code list the column is encoded against (see catalog.codes).
    """

    name: str
    dtype: DType
    description: str
    unit: str | None = None
    constraint: str | None = None
    codes: str | None = None

    def check_sql(self, column: str | None = None) -> str | None:
        """SQL expression true for valid values (NULL counts as valid here)."""
        if self.constraint is None:
            return None
        col = f'"{column or self.name}"'
        return f"({col} IS NULL OR ({self.constraint.format(col=col)}))"

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW[self.dtype]


@dataclass(frozen=True)
class Table:
    """A table: layer, source, fields, primary key, required (NOT NULL) fields.

    The name follows ``{layer}_{source}__{kind}_{name}``.
    ``version_field`` marks a column that distinguishes releases (vintages) of the same rows;
    ``as of`` a date picks, per key, the latest version available by then.
    """

    name: str
    description: str
    fields: tuple[str, ...]
    primary_key: tuple[str, ...]
    required: tuple[str, ...] = ()
    version_field: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def layer(self) -> str:
        return self.name.split("_", 1)[0]

    @property
    def source(self) -> str:
        return self.name.split("_", 1)[1].split("__", 1)[0]

    @property
    def not_null(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.primary_key, *self.required)))

    @property
    def entity_key(self) -> tuple[str, ...]:
        """Primary key less the version column: what a row is about."""
        return tuple(c for c in self.primary_key if c != self.version_field)
