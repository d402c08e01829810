"""Scheduled work of the shared service (APScheduler): re-evaluate after each ingest, deliver
webhooks, make each organisation's weekly briefing. The store is watched rather than hooked,
so an ingest from the CLI (another process) is picked up too; an ingest through the API
triggers the check at once."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from supplywatch.workspace import Workspace

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._s = BackgroundScheduler(timezone="UTC")
        self._s.add_job(
            self._watch,
            "interval",
            seconds=ws.settings.watch_interval_s,
            id="watch",
            max_instances=1,
            coalesce=True,
        )
        self._s.add_job(
            self._deliver,
            "interval",
            seconds=ws.settings.webhook_interval_s,
            id="webhooks",
            max_instances=1,
            coalesce=True,
        )

        self._s.add_job(
            self._weekly,
            "cron",
            day_of_week=ws.settings.briefing_weekday,
            hour=ws.settings.briefing_hour_utc,
            id="briefings",
            max_instances=1,
            coalesce=True,
        )

    def start(self) -> None:
        self._s.start()
        self._run_now(self._watch)

    def _run_now(self, job: object) -> None:
        """Run ``job`` once, now (a one-off job; APScheduler keeps the wall time)."""
        self._s.add_job(job, max_instances=1)

    def shutdown(self) -> None:
        self._s.shutdown(wait=False)

    def trigger_evaluation(self) -> None:
        """Run the ingest check now (after an ingest)."""
        self._run_now(self._watch)

    def _watch(self) -> None:
        try:
            out = self.ws.evaluate_if_changed()
            if out:
                log.info("re-evaluated after ingest: %s", out)
                self._run_now(self._deliver)
        except Exception:
            log.exception("evaluation failed")

    def _weekly(self) -> None:
        try:
            ids = self.ws.weekly_briefings()
            log.info("weekly briefings made: %s", ids)
        except Exception:
            log.exception("weekly briefings failed")

    def _deliver(self) -> None:
        try:
            self.ws.deliver_webhooks()
        except Exception:
            log.exception("webhook delivery failed")
