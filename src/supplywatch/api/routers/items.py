"""The critical-item catalog."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from supplywatch.api.deps import WS, Me, Page_
from supplywatch.api.schemas import ItemPage, ItemPublic, MetaPublic

router = APIRouter(tags=["items"])


@router.get("/meta", response_model=MetaPublic, tags=["meta"], summary="The service's vocabulary")
def meta(p: Me, ws: WS) -> dict[str, object]:
    """Today by the service's clock, the importers and the organisations that own them, the
    level and state names: what the dashboard builds its choices from."""
    return ws.meta(p)


@router.get("/items", response_model=ItemPage, summary="Search the catalog")
def list_items(
    p: Me,
    ws: WS,
    page: Page_,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Name (EN/KO/JA/ZH), symbol or HS code"),
    ] = None,
) -> dict[str, object]:
    return ws.items(p, q, page.limit, page.offset).as_dict()


@router.get("/items/{material_id}", response_model=ItemPublic)
def get_item(material_id: str, p: Me, ws: WS) -> dict[str, object]:
    return ws.item(p, material_id)


@router.get("/items/{material_id}/value-chain", summary="Where a material goes")
def value_chain(
    material_id: str,
    p: Me,
    ws: WS,
    importer: Annotated[Literal["KOR", "JPN", "BLOC"], Query()] = "KOR",
    as_of: Annotated[date | None, Query(description="Default today.")] = None,
) -> dict[str, object]:
    """The curated value chain downstream of the material (material -> intermediate ->
    product -> industries of Korea and Japan), every edge with its source; for downstream HS
    codes, the importer's newest imports known on the date where the store has them, else the
    link without a number, marked so."""
    from supplywatch.clock import today

    return ws.value_chain(p, material_id, importer, as_of or today(ws.clock))
