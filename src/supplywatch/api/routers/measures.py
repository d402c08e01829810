"""The supply-measures registry (public: official measures, with their sources)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from supplywatch.api.deps import WS, Me, Page_
from supplywatch.api.schemas import RowsPage
from supplywatch.clock import today

router = APIRouter(tags=["measures"])

AsOfQ = Annotated[date | None, Query(description="What was known on this date (default today)")]


@router.get("/measures", response_model=RowsPage, summary="Supply measures known on a date")
def list_measures(
    p: Me,
    ws: WS,
    page: Page_,
    as_of: AsOfQ = None,
    imposer: Annotated[
        str | None, Query(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$", examples=["CHN"])
    ] = None,
    material: Annotated[
        str | None, Query(min_length=1, max_length=64, examples=["gallium"])
    ] = None,
    active: Annotated[bool, Query(description="Only controls active on the date")] = False,
) -> dict[str, Any]:
    """Export controls, bans, quotas, licences and suspensions of the registry known on the
    date, newest first, each with its status then, clauses, materials, codes as printed,
    links and the official source."""
    when = as_of or today(ws.clock)
    return ws.measures(p, when, imposer, material, active, page.limit, page.offset).as_dict()


@router.get("/measures/{measure_id}", summary="One supply measure as known on a date")
def get_measure(measure_id: str, p: Me, ws: WS, as_of: AsOfQ = None) -> dict[str, Any]:
    return ws.measure(p, measure_id, as_of or today(ws.clock))
