"""The one facade the CLI, the API and the dashboard call, split by concern: data (ingest,
status, catalog, connectors), risk (the out layer as of a date), measures (the registry as of
a date) and plans."""

from __future__ import annotations

from supplywatch.alerts.model import Ladder
from supplywatch.pipeline.ingest import IngestResult
from supplywatch.services.data import ItemView, SourceStatus
from supplywatch.services.exposure import ExposureServices
from supplywatch.services.plans import plan_stockpile
from supplywatch.services.risk import HS2022_TO_HS1992_SQL


class Services(ExposureServices):
    """Application services over one store, with one clock."""


__all__ = [
    "HS2022_TO_HS1992_SQL",
    "IngestResult",
    "Ladder",
    "ItemView",
    "Services",
    "SourceStatus",
    "plan_stockpile",
]
