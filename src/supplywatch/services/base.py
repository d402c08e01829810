"""What every part of the services shares: settings, the clock, the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb

from supplywatch.clock import Clock, clock_for, today
from supplywatch.deadline import interrupt_at_deadline
from supplywatch.settings import Settings
from supplywatch.store.duckdb_store import connect


class ServicesBase:
    """Application services over one store, with one clock."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or clock_for(settings.clock_frozen_at)

    def today(self) -> date:
        """Today by the application's clock (the default "as of" date)."""
        return today(self.clock)

    def check_as_of(self, when: date) -> date:
        """``when`` if the store can answer for it: from the start of the level history to
        today by the clock. Before it nothing was known; after it is the future (an absurd
        date such as 9999-12-31 would make every reader scan for nothing). ConfigError (HTTP
        422, a clear CLI error) otherwise."""
        from supplywatch.alerts.model import load_ladder
        from supplywatch.errors import ConfigError

        first, last = load_ladder().history_start, self.today()
        if not first <= when <= last:
            raise ConfigError(
                f"as of {when}: outside the data's range {first} .. {last} (today); "
                "choose a date in it",
                field="as_of",
            )
        return when

    @contextmanager
    def _store(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        st = self.settings
        if read_only and not st.db_path.exists():
            con = connect(
                st.db_path, memory_limit=st.memory_limit, lock_wait_s=st.store_lock_wait_s
            )
        else:
            con = connect(
                st.db_path,
                read_only=read_only,
                memory_limit=st.memory_limit,
                lock_wait_s=st.store_lock_wait_s,
            )
        try:
            with interrupt_at_deadline(con):
                yield con
        finally:
            con.close()
