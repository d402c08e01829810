"""One source of "now": no module but supplywatch/clock.py reads the real clock, and no
test reaches it (tests/conftest.py makes SystemClock.now fail)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.conftest import ROOT, RealClockError

from supplywatch.clock import FixedClock, SystemClock, clock_for, today
from supplywatch.services import Services
from supplywatch.settings import Settings

#: Calls that read the wall-clock date or time (durations via monotonic/perf_counter are fine).
_REAL_CLOCK = re.compile(
    r"\b(datetime\.now|datetime\.utcnow|datetime\.today|date\.today|time\.time|time\.localtime"
    r"|time\.gmtime)\s*\(|\bcurrent_(?:date|timestamp)\b|(?<![.\w])now\(\)",
    re.IGNORECASE,
)


def _offenders(files: list[Path], allowed: set[str]) -> list[str]:
    out = []
    for p in files:
        rel = str(p.relative_to(ROOT))
        if rel in allowed:
            continue
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            if _REAL_CLOCK.search(line) and "noqa: real-clock" not in line:
                out.append(f"{rel}:{i}: {line.strip()}")
    return out


def test_only_the_clock_module_reads_the_real_clock() -> None:
    files = sorted((ROOT / "src").rglob("*.py"))
    assert _offenders(files, {"src/supplywatch/clock.py"}) == []


def test_no_test_or_benchmark_reads_the_real_clock() -> None:
    files = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    assert _offenders(files, {"tests/unit/test_clock.py"}) == []


def test_the_pattern_catches_what_it_should() -> None:
    assert _offenders([], set()) == []
    # the samples are built from parts, so that a plain grep of tests/ finds no clock read
    for line in (
        "x = date" + ".today()",
        "datetime" + ".now(UTC)",
        "t = time" + ".time()",
        "SELECT current_date",
        "SELECT now()",
    ):
        assert _REAL_CLOCK.search(line), line
    for line in ("time.monotonic()", "perf_counter()", "clock.now()", "today(clock)"):
        assert not _REAL_CLOCK.search(line), line


def test_a_test_reaching_the_real_clock_fails() -> None:
    with pytest.raises(RealClockError):
        SystemClock().now()
    with pytest.raises(RealClockError):
        Services(Settings()).today()  # no frozen clock given: the real one, refused


def test_fixed_clock_and_settings() -> None:
    c = FixedClock(datetime(2026, 11, 24, 23, 30))  # naive = UTC
    assert c.now() == datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert today(c) == date(2026, 11, 24)
    c.advance(hours=1)
    assert today(c) == date(2026, 11, 25)
    frozen = clock_for(datetime(2021, 11, 15, tzinfo=UTC))
    assert isinstance(frozen, FixedClock) and today(frozen) == date(2021, 11, 15)
    assert isinstance(clock_for(None), SystemClock)
    st = Settings(clock_frozen_at=datetime(2021, 11, 15, 8, tzinfo=UTC))
    assert Services(st).today() == date(2021, 11, 15)
