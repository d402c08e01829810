"""Errors that carry the location of bad input: file, row, column, value."""

from __future__ import annotations

from dataclasses import dataclass


class SupplywatchError(Exception):
    """Base class for errors shown to users."""


@dataclass
class DataError(SupplywatchError):
    """Bad input data. Names where the problem is, so a user can fix the file.

    ``row`` is the 1-based line number in a CSV file (the header is line 1) or the
    1-based record number in a Parquet/JSON file.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [f"file {self.file}"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where) + f": {self.message}"
        if self.value is not None:
            text += f" (value {self.value!r})"
        return text


class UnknownCodeError(SupplywatchError):
    """A code (country, HS, material) that is not in its code list."""


class StoreBusy(SupplywatchError):  # noqa: N818 - reads as its HTTP meaning (503)
    """The store is held by an ingest longer than a reader waits (HTTP 503, Retry-After)."""

    def __init__(self, message: str, retry_after_s: int = 30) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TimedOut(SupplywatchError):  # noqa: N818
    """A request ran past its time limit and was stopped (HTTP 503, Retry-After)."""

    def __init__(self, message: str, retry_after_s: int = 30) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ConfigError(SupplywatchError):
    """Invalid configuration or request (unknown source name, bad option). ``field``: the
    option or query parameter at fault, where one is (the API names it in ``loc``)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
