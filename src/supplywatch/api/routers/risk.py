"""Risk engine outputs (public data): screen, explain, indicators, back-test."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from supplywatch.api.deps import WS, Me, Page_
from supplywatch.api.generated import ProductionRow
from supplywatch.api.schemas import DependencePage, ScreenPage
from supplywatch.clock import today

router = APIRouter(tags=["risk"])

ImporterQ = Annotated[
    str,
    Query(
        min_length=3,
        max_length=4,
        pattern=r"^[A-Z]{3,4}$",
        description="KOR, JPN, BLOC (KR+JP) or any ISO3 code",
        examples=["KOR"],
    ),
]
AsOfQ = Annotated[
    date | None, Query(description="Compute with what was known on this date (default today)")
]


@router.get(
    "/screen",
    response_model=ScreenPage,
    summary="Every item in its state, ranked by risk score",
)
def screen(
    p: Me,
    ws: WS,
    page: Page_,
    importer: ImporterQ,
    as_of: AsOfQ = None,
    items: Annotated[Literal["materials", "hs"], Query()] = "materials",
    state: Annotated[
        list[Literal["scored", "partial", "stale", "no_data"]] | None,
        Query(description="Only items in these states (default: all)."),
    ] = None,
) -> dict[str, Any]:
    """Scored and partial items by score (with level and main driver), then stale ones, then
    those without data, each with the reason and, where trade is missing, the command that
    would fetch it."""
    when = as_of or today(ws.clock)
    return ws.screen(p, importer, when, items, page.limit, page.offset, list(state or [])).as_dict()


@router.get("/explain/{material_id}", summary="Why an item has its level")
def explain(
    material_id: str, p: Me, ws: WS, importer: ImporterQ, as_of: AsOfQ = None
) -> dict[str, Any]:
    """Factor breakdown, supplier shares over time, production concentration, level history
    and the evidence (rows, sources, freshness) behind them."""
    return ws.explain(p, material_id, importer, as_of or today(ws.clock))


@router.get("/indicators/dependence", response_model=DependencePage)
def dependence(
    p: Me,
    ws: WS,
    page: Page_,
    item: Annotated[str, Query(min_length=1, max_length=64, examples=["gallium"])],
    importer: ImporterQ,
    as_of: AsOfQ = None,
) -> dict[str, Any]:
    """Import dependence per year: value, quantity, top supplier, HHI, China share, screens,
    apparent consumption (out_supplywatch__yearly_dependence, rows known on the date)."""
    return ws.dependence(
        p, item, importer, as_of or today(ws.clock), page.limit, page.offset
    ).as_dict()


@router.get("/indicators/production", response_model=list[ProductionRow])  # type: ignore[valid-type]
def production(
    p: Me, ws: WS, item: Annotated[str, Query(min_length=1, max_length=64)], as_of: AsOfQ = None
) -> list[dict[str, Any]]:
    """World production concentration of a material per year (World Mining Data)."""
    return ws.production(p, item, as_of or today(ws.clock))


@router.get("/backtest", summary="Back-test results of the alert ladder")
def backtest(p: Me, ws: WS) -> dict[str, Any]:
    return ws.backtest_results(p)
