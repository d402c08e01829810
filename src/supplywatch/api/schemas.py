"""Request and response schemas (``XCreate`` in, ``XPublic`` out), with examples."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from supplywatch.api.generated import DependenceRow, ScreenRow

Org = Literal["KR", "JP", "JOINT"]  # catalog/importers.py ORGS (checked by a test)
Role = Literal["viewer", "analyst", "admin"]
Importer = Literal["KOR", "JPN", "BLOC"]  # catalog/importers.py SERVICE_IMPORTER_IDS (tested)
Holder = Literal["national", "private", "in_transit"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PagePublic(BaseModel):
    total: int = Field(description="Rows matching, over all pages.")
    limit: int
    offset: int


class LoginCreate(Strict):
    username: str = Field(min_length=1, max_length=64, examples=["kr_analyst"])
    password: str = Field(min_length=1, max_length=200, examples=["correct-horse-battery"])


class MePublic(BaseModel):
    username: str = Field(examples=["kr_analyst"])
    org: Org
    role: Role
    csrf_token: str | None = Field(
        default=None, description="Send as X-CSRF-Token on writes made with the session cookie."
    )


class UserCreate(Strict):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    org: Org
    role: Role
    password: str = Field(min_length=10, max_length=200)


class UserPublic(BaseModel):
    id: int
    username: str
    org: Org
    role: Role


class UserState(Strict):
    is_active: bool


class UserListed(BaseModel):
    id: int
    username: str
    org: Org
    role: Role
    is_active: bool


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class TokenListed(BaseModel):
    id: int
    user: str
    org: Org
    label: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class TokenCreate(Strict):
    label: str = Field(min_length=1, max_length=100, examples=["nightly export"])


class TokenPublic(BaseModel):
    id: int
    label: str
    token: str = Field(description="Shown once; only its SHA-256 is stored.")


class ItemPublic(BaseModel):
    material_id: str = Field(examples=["gallium"])
    symbol: str | None
    group: str
    names: dict[str, str] = Field(examples=[{"en": "Gallium", "ko": "갈륨", "ja": "ガリウム"}])
    stages: list[str]
    hs2022: list[dict[str, Any]]
    hs_by_revision: dict[str, list[str]]
    end_uses: list[str]
    eol_rir: float | None
    lists: dict[str, str | None]


class ItemPage(PagePublic):
    items: list[ItemPublic]


class ScreenPage(PagePublic):
    items: list[ScreenRow]


class DependencePage(PagePublic):
    items: list[DependenceRow]  # type: ignore[valid-type]


class MetaPublic(BaseModel):
    """What the dashboard needs to know about the service: today by its clock, the
    importers and their organisations, the level names."""

    today: date = Field(description="Today by the service's clock (the default as-of date).")
    importers: list[dict[str, Any]]
    bloc_id: str
    alert_scope: dict[str, list[str]]
    org_importer: dict[str, str]
    plan_sides: list[str]
    levels: list[dict[str, Any]]
    states: list[str]
    ladder_version: str


class RowsPage(PagePublic):
    items: list[dict[str, Any]]


class AlertPublic(BaseModel):
    id: int
    item_id: str = Field(examples=["gallium"])
    importer_id: str = Field(examples=["KOR"])
    level: int = Field(ge=1, le=4)
    level_code: str = Field(examples=["alert"])
    level_ko: str = Field(examples=["경계"])
    level_ja: str = Field(examples=["厳重警戒"])
    previous_level: int
    score: float | None
    changed_on: date
    status: Literal["new", "acknowledged", "resolved"]
    occurrences: int
    created_at: str
    updated_at: str
    acknowledged_by: str | None
    acknowledged_at: str | None
    acknowledge_comment: str | None
    resolved_by: str | None
    resolved_at: str | None
    resolve_comment: str | None
    ladder_version: str


class AlertDetail(AlertPublic):
    evidence: dict[str, Any]
    audit: list[dict[str, Any]]


class AlertPage(PagePublic):
    items: list[AlertPublic]


class AlertAction(Strict):
    comment: str | None = Field(default=None, max_length=2000, examples=["checked with KOMIR"])


class StockCreate(Strict):
    item_id: str = Field(min_length=1, max_length=64, examples=["natural_graphite"])
    holder: Holder
    quantity_t: float = Field(ge=0, allow_inf_nan=False, examples=[5000.0])
    as_of_date: date = Field(examples=["2026-10-01"])
    note: str | None = Field(default=None, max_length=2000)


class StockBatchCreate(Strict):
    entries: list[StockCreate] = Field(min_length=1, max_length=10_000)


class StockPublic(BaseModel):
    id: int
    org: Org
    item_id: str
    holder: Holder
    quantity_t: float
    as_of_date: date
    source: str
    note: str | None
    entered_by: str
    entered_at: str


class StockPage(PagePublic):
    items: list[StockPublic]


class IdsPublic(BaseModel):
    ids: list[int]


class CoverPublic(BaseModel):
    item_id: str
    status: str = Field(
        examples=["ok"],
        description="ok | no data | withheld: fewer than two national contributors (BLOC: "
        "an aggregate of one country's stock would reveal it)",
    )
    cover_days: float | None = Field(examples=[74.0])
    target_days: float | None = Field(examples=[100.0])
    target_basis: str | None
    gap_days: float | None
    consumption_basis: str | None = Field(examples=["apparent 2024"])
    contributing_orgs: list[str] | None = Field(description="BLOC only: who holds stock.")
    stock_t: float | None = Field(default=None, description="Own organisation only.")
    by_holder_t: dict[str, float] | None = Field(default=None, description="Own org only.")


class TargetPublic(BaseModel):
    org: Org
    item_id: str
    target_days: float
    basis: str
    updated_by: str | None = None
    updated_at: str | None = None


class TargetCreate(Strict):
    item_id: str = Field(min_length=1, max_length=64, examples=["*"])
    target_days: float = Field(gt=0, le=3650, allow_inf_nan=False, examples=[180.0])
    basis: str = Field(min_length=1, max_length=200, examples=["JOGMEC: 180 days, high risk"])


class ConsumptionCreate(Strict):
    item_id: str = Field(min_length=1, max_length=64)
    tonnes_per_year: float = Field(gt=0, allow_inf_nan=False)
    as_of_date: date
    note: str | None = Field(default=None, max_length=2000)


class WebhookCreate(Strict):
    url: str = Field(min_length=8, max_length=500, examples=["https://ops.example.kr/hooks/sw"])
    secret: str = Field(min_length=16, max_length=200)


class WebhookPublic(BaseModel):
    id: int
    org: Org
    url: str
    is_active: bool


class EvaluationPublic(BaseModel):
    evaluation_id: int
    as_of: date
    items: int
    changes: int


class Problem(BaseModel):
    """Error body: ``detail`` is a message or a list of field errors (loc, msg)."""

    detail: str | list[dict[str, Any]]


class PlanCreate(Strict):
    """Budgets and exchange rates are yours; the bundled demo's figures are illustrative."""

    # Bounds a real budget and rate meet; a denormal rate would turn the budget into inf USD.
    budget_krw: float = Field(ge=1, le=1e16, allow_inf_nan=False, examples=[50e9])
    budget_jpy: float = Field(ge=1, le=1e16, allow_inf_nan=False, examples=[5e9])
    krw_per_usd: float = Field(ge=1e-3, le=1e6, allow_inf_nan=False, examples=[1400.0])
    jpy_per_usd: float = Field(ge=1e-3, le=1e6, allow_inf_nan=False, examples=[150.0])
    materials: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None,
        max_length=200,
        examples=[["gallium", "germanium", "natural_graphite"]],
        description="Material ids (default: the agencies' stockpile lists).",
    )
    lists: list[Literal["KOMIR", "JOGMEC", "PPS"]] | None = Field(
        default=None,
        max_length=3,
        description="Agency lists whose materials are planned (default all three).",
    )
    probability_source: Literal["model", "level"] | None = Field(
        default=None,
        description="Disruption probabilities: the risk model's (default) or per alert level.",
    )
    as_of: date | None = Field(
        default=None, description="Plan with what was known on this date (default today)."
    )
    paths: int = Field(default=20_000, ge=1, le=200_000, description="Monte Carlo paths.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    pool_share_kr: float = Field(
        default=0.5, ge=0, le=1, allow_inf_nan=False, description="Korea's share of pool cost."
    )
    label: str | None = Field(default=None, max_length=200, examples=["FY2027 draft"])


class PlanMC(BaseModel):
    shortfall_probability: float
    expected_unserved_t: float
    days_to_exhaustion: float | None = Field(description="Mean over paths that run out.")


class PlanGuard(BaseModel):
    limit_t: float | None = Field(description="Most total stock (KR + JP + pool), tonnes.")
    basis: list[str]
    at_limit: bool


class PlanMaterial(BaseModel):
    material_id: str = Field(
        examples=["natural_graphite"],
        description="The planning unit: a material, or materials sharing their stored form's "
        "HS codes (then named first member + N).",
    )
    members: list[str]
    is_shared: bool
    lists: list[str] = Field(description="Agency lists the members are on.")
    stored_form: list[str]
    stage: str
    codes_hs1992: list[str]
    codes_hs2022: list[str]
    trade_year: dict[str, int | None]
    level: dict[str, int] = Field(description="Alert level on the date, KOR and JPN (0-4).")
    annual_probability: dict[str, float | None] = Field(
        description="The risk model's 12-month probability, KOR and JPN."
    )
    top_supplier: dict[str, str | None]
    consumption_t_per_day: dict[str, float]
    consumption_basis: list[str] = Field(
        examples=[["entered", "proxy: net imports of the stored form 2024"]]
    )
    unit_value_usd_per_t: float
    unit_value_basis: str
    importance: float = Field(description="Weight of unserved demand (assumptions.yml).")
    existing_t: dict[str, float] = Field(description="Stock already held: KR, JP, POOL.")
    target_t: dict[str, float] = Field(description="Planned stock: KR, JP, POOL (tonnes).")
    days_of_cover: dict[str, float | None]
    guard: PlanGuard
    baselines_t: dict[str, dict[str, float]] = Field(
        description="Stocks of each baseline: agency_rule, uniform_days."
    )
    monte_carlo: dict[str, dict[str, PlanMC]] = Field(
        description="Per plan and baseline, per side."
    )


class PlanCosts(BaseModel):
    objective_usd: float
    expected_unserved_usd: float
    holding_usd: float
    spend_usd: dict[str, float]


class PlanRule(BaseModel):
    agency: str
    side: str
    target_days: float | None
    order_basis: str
    source_url: str | None
    applied: bool
    note: str | None


class PlanAgencyRule(PlanCosts):
    rules: list[PlanRule]


class PlanUniform(PlanCosts):
    days: dict[str, float | None]


class PlanBaselines(BaseModel):
    agency_rule: PlanAgencyRule
    uniform_days: PlanUniform


class PlanSolver(BaseModel):
    status: str
    seconds: float
    variables: int
    rows: int
    mip: bool
    scenarios: int


class PlanMonteCarlo(BaseModel):
    paths: int
    seed: int
    expected_unserved_usd: dict[str, float]


class PlanInputsUsed(BaseModel):
    org: Org
    entered_consumption_t_per_year: dict[str, float]
    entered_national_stock_t: dict[str, float]
    not_read: str


class PlanSkipped(BaseModel):
    material_id: str
    lists: list[str]
    reason: str


class PlanGuardFlag(BaseModel):
    unit_id: str
    target_t: float
    limit_t: float
    limit_basis: list[str]


class PlanResult(BaseModel):
    as_of: date
    assumptions_version: str
    agency_lists_version: str
    ladder_version: str
    probability_source: str
    inputs_note: str
    material_list: dict[str, Any]
    budget: dict[str, float]
    solver: PlanSolver
    plan: PlanCosts
    baselines: PlanBaselines
    marginal_value_per_usd_of_budget: dict[str, float]
    monte_carlo: PlanMonteCarlo
    guard_flags: list[PlanGuardFlag]
    materials: list[PlanMaterial]
    skipped: list[PlanSkipped] = Field(description="Every material asked and not planned, why.")
    inputs_used: PlanInputsUsed


class PlanSummary(BaseModel):
    id: int
    org: Org
    created_by: str
    created_at: str
    as_of: date
    label: str | None
    assumptions_version: str
    params: dict[str, Any]
    materials: int = Field(description="Materials planned.")
    objective_usd: float
    agency_rule_objective_usd: float | None


class PlanPublic(PlanSummary):
    result: PlanResult


class PlanPage(PagePublic):
    items: list[PlanSummary]


class NoticeCreate(Strict):
    """An official notice's text (as published: Chinese, Japanese, Korean, English,
    Indonesian); a leading header between two ``---`` lines is ignored by the extractor."""

    text: str = Field(min_length=1, max_length=200_000)
    source_url: str | None = Field(
        default=None,
        min_length=8,
        max_length=500,
        pattern=r"^https?://",
        examples=["http://www.mofcom.gov.cn/article/zwgk/gkzcfb/202307/20230703419666.shtml"],
    )
    title: str | None = Field(default=None, max_length=500)


class NoticeEdit(Strict):
    """The candidate's registry entry as it should be confirmed (data/measures/README.md)."""

    draft: dict[str, Any] = Field(
        examples=[
            {
                "measure_id": "CN-MOFCOM-GACC-2023-23",
                "imposer": "CHN",
                "published": "2023-07-03",
                "targets": ["ALL"],
                "source_url": "http://www.mofcom.gov.cn/...",
                "source_kind": "official",
                "clauses": [
                    {
                        "clause_id": "1",
                        "measure_type": "export_licence",
                        "effective": "2023-08-01",
                        "materials": ["gallium"],
                    }
                ],
            }
        ]
    )


class NoticeReview(Strict):
    comment: str | None = Field(default=None, max_length=2000)


class NoticeReject(Strict):
    comment: str = Field(min_length=1, max_length=2000)


class NoticePublic(BaseModel):
    id: int
    org: Org | None = Field(description="Who submitted it (null: found by a connector).")
    origin: str
    status: Literal["pending", "confirmed", "rejected"]
    source_url: str | None
    title: str | None
    text_sha256: str
    created_by: str
    created_at: str
    updated_at: str
    reviewed_by: str | None
    reviewed_org: str | None
    reviewed_at: str | None
    review_comment: str | None
    measure_id: str | None = Field(description="The registry measure, once confirmed.")
    language: str | None
    issuer: list[str] | None
    notice_number: str | None
    published_date: str | None
    measure_class: str | None
    measure_type: str | None
    materials: list[str] | None


class NoticeDetail(NoticePublic):
    extraction: dict[str, Any] = Field(description="Every field with its spans and confidence.")
    draft: dict[str, Any] = Field(description="The registry entry proposed (as edited).")
    text: str
    problems: list[dict[str, Any]] = Field(
        description="What stops confirming the draft now (empty: it can be confirmed)."
    )
    evaluation: EvaluationPublic | None = Field(
        default=None, description="On confirmation: the re-evaluation it triggered."
    )


class NoticePage(PagePublic):
    items: list[NoticePublic]


class BriefingCreate(Strict):
    importer: Literal["KOR", "JPN", "BLOC"] = Field(
        description="Your organisation's importer or the bloc.", examples=["KOR"]
    )
    as_of: date | None = Field(default=None, description="Default today.")
    since: date | None = Field(default=None, description="Changes after this (default a week).")


class BriefingSummary(BaseModel):
    id: int
    org: Org
    importer_id: str
    as_of: date
    since: date
    trigger: Literal["schedule", "manual"]
    created_by: str
    created_at: str
    counts: dict[str, int]


class BriefingPublic(BriefingSummary):
    data: dict[str, Any] = Field(description="The contents (rendered on download).")


class BriefingPage(PagePublic):
    items: list[BriefingSummary]


class WatchCreate(Strict):
    kind: Literal["item", "imposer", "supplier"]
    target: str = Field(
        min_length=1,
        max_length=64,
        description="Item id or name; or an ISO3 country code for imposer/supplier.",
        examples=["gallium"],
    )
    scope: Literal["me", "org"] = Field(
        default="me", description="For you, or (analysts) for your whole organisation."
    )


class WatchPublic(BaseModel):
    id: int
    org: Org
    scope: Literal["me", "org"]
    username: str | None
    kind: str
    target: str
    created_by: str
    created_at: str


class WatchPage(PagePublic):
    items: list[WatchPublic]


class NotificationPublic(BaseModel):
    id: int
    kind: Literal["level_change", "measure"]
    watch_kinds: list[str]
    item_id: str | None
    importer_id: str | None
    alert_id: int | None
    measure_id: str | None
    payload: dict[str, Any]
    created_at: str
    read: bool


class NotificationPage(PagePublic):
    items: list[NotificationPublic]
