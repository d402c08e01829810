"""Connector contract tests: no network, and snapshots built from recorded responses."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from supplywatch.sources.snapshots import write_snapshot

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach the network fails the test."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("tests must not touch the network")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def recorded_snapshot(
    tmp_path: Path,
    source: str,
    url: str,
    files: dict[str, bytes],
    attribution: str = "test",
    query: dict[str, Any] | None = None,
) -> Path:
    """A snapshot of ``source`` holding recorded response files, as a fetch would write it."""
    return write_snapshot(
        tmp_path / "snaps",
        source,
        files,
        producer="test",
        licence="test",
        attribution=attribution,
        url=url,
        vintage="test",
        vintage_date=date(2025, 3, 1),
        query=query or {},
        rows=dict.fromkeys(files, 0),
        now=NOW,
    )
