"""The one source of "now" for the whole application.

Nothing else reads the real clock: the service, the workspace, the planner, ingest stamps and
the CLI's default dates all take a ``Clock``. ``SystemClock`` reads the real time;
``FixedClock`` is frozen (tests, reproducible runs: ``SUPPLYWATCH_CLOCK_FROZEN_AT``) and can be
moved forward by hand. A test that reaches ``SystemClock`` fails (tests/conftest.py), and a
test checks that no other module calls ``datetime.now``, ``date.today`` or ``time.time``.

Durations (``time.monotonic``, ``time.perf_counter``) are not dates and may be read anywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FixedClock:
    """A frozen clock; ``advance`` moves it (tests of expiry, retries and backoff)."""

    def __init__(self, at: datetime) -> None:
        self.at = aware(at)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at

    def __repr__(self) -> str:
        return f"FixedClock({self.at.isoformat()})"


def aware(t: datetime) -> datetime:
    """``t`` as UTC-aware (naive datetimes are taken as UTC, as SQLite hands them back)."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def today(clock: Clock) -> date:
    """The current date in UTC."""
    return clock.now().astimezone(UTC).date()


def clock_for(frozen_at: datetime | None) -> Clock:
    """The clock a setting asks for: frozen at ``frozen_at``, or the real one."""
    return SystemClock() if frozen_at is None else FixedClock(frozen_at)
