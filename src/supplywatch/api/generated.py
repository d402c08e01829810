"""API response models generated from the table declarations (catalog/), so a column's type,
description and unit are declared once and appear in the OpenAPI as they are in the data
dictionary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.out import FACTORS, factor_column
from supplywatch.catalog.tables import TABLES

_PY: dict[str, type] = {
    "VARCHAR": str,
    "SMALLINT": int,
    "INTEGER": int,
    "BIGINT": int,
    "DOUBLE": float,
    "DATE": date,
    "TIMESTAMP": datetime,
    "BOOLEAN": bool,
}


def describe(name: str) -> str:
    """A declared column's description with its unit."""
    f = FIELDS[name]
    return f.description + (f" Unit: {f.unit}." if f.unit else "")


def field_spec(
    name: str, *, required: bool = False, examples: list[Any] | None = None
) -> tuple[Any, Any]:
    """(type, Field) of a declared column for ``create_model``."""
    py = _PY[FIELDS[name].dtype]
    if required:
        return py, Field(description=describe(name), examples=examples)
    return py | None, Field(default=None, description=describe(name), examples=examples)


def model_from_table(
    model_name: str,
    table: str,
    *,
    drop: tuple[str, ...] = (),
    extra: dict[str, tuple[Any, Any]] | None = None,
    doc: str | None = None,
) -> type[BaseModel]:
    """A response model with the declared columns of ``table`` (less ``drop``), required
    where the table requires them, plus ``extra`` fields."""
    t = TABLES[table]
    spec: dict[str, Any] = {
        c: field_spec(c, required=c in t.not_null) for c in t.fields if c not in drop
    }
    spec.update(extra or {})
    model: type[BaseModel] = create_model(
        model_name,
        __config__=ConfigDict(extra="forbid"),
        __doc__=doc or t.description,
        **spec,
    )
    return model


def _opt(py: Any, description: str, examples: list[Any] | None = None) -> tuple[Any, Any]:
    return py | None, Field(default=None, description=description, examples=examples)


_LEVEL_NAMES = {
    "level_code": _opt(
        str, "Level code in English: none, attention, caution, alert, critical.", ["critical"]
    ),
    "level_ko": _opt(str, "Level in Korean (관심 / 주의 / 경계 / 심각; '-' for none).", ["심각"]),
    "level_en": _opt(str, "Level in English ('-' for none).", ["critical"]),
    "level_ja": _opt(str, "Level in Japanese ('-' for none).", ["深刻"]),
}

#: One row of the screen: an item in its state, with level, factors and evidence.
ScreenRow = create_model(  # type: ignore[call-overload]
    "ScreenRow",
    __config__=ConfigDict(extra="forbid"),
    __doc__="One item of the screen, as known on the date asked (out_supplywatch__monthly_"
    "factors and __monthly_levels).",
    item_id=field_spec("item_id", required=True, examples=["natural_graphite"]),
    name_en=_opt(str, "Name in English.", ["Natural graphite"]),
    name_ko=_opt(str, "Name in Korean."),
    name_ja=_opt(str, "Name in Japanese."),
    importer_id=field_spec("importer_id", required=True, examples=["KOR"]),
    item_state_code=field_spec("item_state_code", required=True, examples=["scored"]),
    state_reason_text=field_spec("state_reason_text"),
    fill_command_text=field_spec("fill_command_text"),
    data_as_of_date=_opt(date, "Date of the out-layer row in force (its available_date)."),
    score_points=field_spec("score_points", examples=[71.2]),
    risk_probability_share=field_spec("risk_probability_share", examples=[0.42]),
    baseline_alert_level=field_spec("baseline_alert_level", required=True, examples=[3]),
    alert_level=field_spec("alert_level", required=True, examples=[4]),
    **_LEVEL_NAMES,
    level_since_date=field_spec("level_since_date"),
    main_driver_code=field_spec("main_driver_code"),
    confidence_share=field_spec("confidence_share"),
    missing_factors_text=field_spec("missing_factors_text"),
    trade_year=field_spec("trade_year"),
    trade_available_date=field_spec("trade_available_date"),
    import_value_kusd=field_spec("import_value_kusd"),
    top_supplier_id_iso3=field_spec("top_supplier_id_iso3"),
    top_supplier_name=_opt(str, "Name of the top supplier (Taiwan, not S19).", ["China"]),
    top_supplier_share=field_spec("top_supplier_share"),
    china_share=field_spec("china_share"),
    supplier_hhi=field_spec("supplier_hhi"),
    production_year=field_spec("production_year"),
    production_hhi=field_spec("production_hhi"),
    china_production_share=field_spec("china_production_share"),
    is_kita_screen=field_spec("is_kita_screen", required=True),
    is_absolute_dependence=field_spec("is_absolute_dependence", required=True),
    is_immaterial_imports=field_spec("is_immaterial_imports", required=True),
    is_shared_code=field_spec("is_shared_code", required=True),
    shared_with_text=field_spec("shared_with_text"),
    shared_count=field_spec("shared_count", required=True),
    coverage_text=_opt(
        str, "Which value-chain stages and HS codes of the item carry data, and which do not."
    ),
    active_measures_text=field_spec("active_measures_text"),
    measure_exposure_share=field_spec("measure_exposure_share"),
    measure_floor_level=field_spec("measure_floor_level", required=True),
    is_measure_review=field_spec("is_measure_review", required=True),
    imposer_momentum_share=field_spec("imposer_momentum_share"),
    momentum_text=field_spec("momentum_text"),
    monthly_period_start_date=field_spec("monthly_period_start_date"),
    monthly_signal_share=field_spec("monthly_signal_share"),
    monthly_signal_text=field_spec("monthly_signal_text"),
    **{factor_column(f): field_spec(factor_column(f)) for f in FACTORS},
    ladder_version_code=field_spec("ladder_version_code", required=True),
)

DependenceRow = model_from_table("DependenceRow", "out_supplywatch__yearly_dependence")
ProductionRow = model_from_table("ProductionRow", "out_supplywatch__yearly_production")
