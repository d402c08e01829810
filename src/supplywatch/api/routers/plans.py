"""Joint stockpile plans: run with public data plus your organisation's own entries; kept and
visible to your organisation only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from supplywatch.api.deps import WS, IdPath, Me, Page_
from supplywatch.api.schemas import PlanCreate, PlanPage, PlanPublic

router = APIRouter(tags=["plans"])


@router.post("/plans", response_model=PlanPublic, status_code=201, summary="Run a plan")
def create_plan(body: PlanCreate, p: Me, ws: WS) -> dict[str, Any]:
    """Stock targets for KR, JP and the joint pool (HiGHS), their Monte Carlo evaluation, the
    marginal value of budget and the "60 days of everything" rule at the same budgets. Uses
    public data and your organisation's own national stock and consumption entries (latest
    known on ``as_of``); never the other side's. Takes seconds (tens of seconds for a new past
    date: the levels' history is computed once per date)."""
    return ws.create_plan(p, body.model_dump())


@router.get("/plans", response_model=PlanPage, summary="Your organisation's plans")
def list_plans(p: Me, ws: WS, page: Page_) -> dict[str, Any]:
    return ws.plans(p, page.limit, page.offset).as_dict()


@router.get("/plans/{plan_id}", response_model=PlanPublic, summary="One of your plans")
def get_plan(plan_id: IdPath, p: Me, ws: WS) -> dict[str, Any]:
    return ws.plan(p, plan_id)
