"""Stocks (confidential to the entering organisation), consumption, targets, days of cover."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, UploadFile

from supplywatch.api.deps import WS, Me, Page_
from supplywatch.api.schemas import (
    ConsumptionCreate,
    CoverPublic,
    IdsPublic,
    StockBatchCreate,
    StockPage,
    TargetCreate,
    TargetPublic,
)

router = APIRouter(tags=["stocks"])


@router.get("/stocks", response_model=StockPage, summary="Your organisation's stock entries")
def list_stocks(p: Me, ws: WS, page: Page_) -> dict[str, Any]:
    return ws.stocks(p, page.limit, page.offset).as_dict()


@router.post("/stocks", response_model=IdsPublic, status_code=201)
def add_stocks(body: StockBatchCreate, p: Me, ws: WS) -> dict[str, Any]:
    """Record stock levels (all rows or none)."""
    rows = [e.model_dump() for e in body.entries]
    return {"ids": ws.add_stocks(p, rows, source="api")}


@router.post("/stocks/upload", response_model=IdsPublic, status_code=201)
async def upload_stocks(file: UploadFile, p: Me, ws: WS) -> dict[str, Any]:
    """CSV: item_id, holder, quantity_t, as_of_date[, note]. Errors name file, row, column."""
    content = await file.read()
    return {"ids": ws.upload_stocks_csv(p, file.filename or "upload.csv", content)}


@router.get("/stocks/cover", response_model=list[CoverPublic], summary="Days of cover")
def cover(
    p: Me,
    ws: WS,
    importer: Annotated[Literal["KOR", "JPN", "BLOC"], Query()],
    as_of: Annotated[date | None, Query()] = None,
) -> list[dict[str, Any]]:
    """KOR / JPN: the owning organisation only. BLOC: everyone, as aggregates."""
    return ws.cover(p, importer, as_of)


@router.get("/stocks/targets", response_model=list[TargetPublic])
def targets(p: Me, ws: WS) -> list[dict[str, Any]]:
    return ws.targets(p)


@router.put("/stocks/targets", response_model=TargetPublic)
def set_target(body: TargetCreate, p: Me, ws: WS) -> dict[str, Any]:
    """Set your organisation's days-of-cover target for an item ('*' = every item)."""
    return ws.set_target(p, body.item_id, body.target_days, body.basis)


@router.post("/stocks/consumption", response_model=IdsPublic, status_code=201)
def add_consumption(body: ConsumptionCreate, p: Me, ws: WS) -> dict[str, Any]:
    """Your consumption of an item (replaces apparent consumption in days of cover)."""
    i = ws.add_consumption(p, body.item_id, body.tonnes_per_year, body.as_of_date, body.note)
    return {"ids": [i]}
