"""A snapshot is data from outside: non-finite numbers and file names that leave the snapshot
directory are refused with the file and field named, and the store is left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tests.conftest import NOW, TEST_DATA

from supplywatch.errors import DataError
from supplywatch.services import Services
from supplywatch.sources.snapshots import decode_json, to_float

RECORDED = TEST_DATA / "comtrade" / "annual_KOR_M_2504_2023_excerpt.json"


def _body(value: str) -> bytes:
    """The recorded Comtrade response (real rows) with the first primaryValue replaced by
    ``value`` as written in the body (NaN and Infinity are what Python's json would emit)."""
    records = json.loads(RECORDED.read_text(encoding="utf-8"))
    records = records["data"] if isinstance(records, dict) else records
    six = [dict(r, cmdCode="250410", aggrLevel=6) for r in records]
    six[0]["primaryValue"] = "@@"
    text = json.dumps({"elapsedTime": "0.1 secs", "count": len(six), "data": six, "error": ""})
    return text.replace('"@@"', value).encode()


def _fetch(services: Services, body: bytes) -> Path:
    t = httpx.MockTransport(lambda _r: httpx.Response(200, content=body))
    return services.fetch("comtrade", transport=t, reporters=["KOR"], hs=["250410"], years=[2023])


def _count(services: Services) -> int:
    return len(services.as_of("core_customs__trade_flows", NOW.date(), "TRUE"))


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_number_in_a_snapshot(services: Services, value: str) -> None:
    before = _count(services)
    with pytest.raises(DataError) as info:
        path = _fetch(services, _body(value))
        services.ingest_snapshot(path)
    assert "not valid JSON" in info.value.message
    assert value.lstrip("-") in info.value.message
    assert _count(services) == before


def test_finite_numbers_still_load(services: Services) -> None:
    path = _fetch(services, _body("106828338.0"))
    assert services.ingest_snapshot(path).status == "loaded"


@pytest.mark.parametrize("name", ["../../../../x.json", "/etc/passwd", "..", "a/../../b.json"])
def test_snapshot_file_names_stay_inside(services: Services, name: str) -> None:
    path = _fetch(services, _body("106828338.0"))
    meta = path / "snapshot.json"
    doc = json.loads(meta.read_text(encoding="utf-8"))
    doc["provenance"]["files"][0]["name"] = name
    meta.chmod(0o644)
    meta.write_text(json.dumps(doc), encoding="utf-8")
    before = _count(services)
    with pytest.raises(DataError) as info:
        services.ingest_snapshot(path)
    assert info.value.file == str(meta)
    assert "not a plain name inside the snapshot directory" in info.value.message
    assert _count(services) == before


def test_deep_nesting_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="nested too deeply"):
        decode_json(b"[" * 100_000 + b"]" * 100_000, "deep.json")


def test_to_float_refuses_non_finite() -> None:
    with pytest.raises(DataError) as info:
        to_float(float("nan"), Path("f.json"), 3, "primaryValue")
    assert (info.value.row, info.value.column) == (3, "primaryValue")
    assert to_float(2.5, Path("f.json"), 3, "primaryValue") == 2.5
