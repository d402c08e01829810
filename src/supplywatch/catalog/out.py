"""The out layer: the risk engine's products, declared like every other table.

Built by pipeline/out.py in the same transaction as each ingest, for the importers the service
watches (catalog/importers.py) and both kinds of item (catalog materials, single HS codes).
Every row carries ``available_date``; readers take them as of a date through store/pit.py.
"""

from __future__ import annotations

from supplywatch.catalog.schema import Field, Table

#: The score's factors, in the order the ladder weighs them; each is 0..1, 1 = riskiest.
FACTORS: tuple[str, ...] = (
    "supplier_concentration",
    "sourcing_governance",
    "production_concentration",
    "recycling_gap",
    "import_dynamics",
    "price_shock",
    "screens",
    "supply_measures",
)
_FACTOR_TEXT = {
    "supplier_concentration": "Top supplier's share of the importer's imports (BACI).",
    "sourcing_governance": "Sum over suppliers of share^2 x political-instability risk "
    "(WGI political stability rescaled 0..1).",
    "production_concentration": "World production HHI of the material (World Mining Data).",
    "recycling_gap": "1 - EU end-of-life recycling input rate (catalog).",
    "import_dynamics": "Largest of: drop of imports against the 3-year mean, anticipatory "
    "surge (0.5), jump of the top supplier's share (x5); clipped to 0..1.",
    "price_shock": "Largest monthly price-change z-score of the last 3 known months / 4, "
    "clipped to 0..1 (Pink Sheet series of the material).",
    "screens": "Absolute dependence (1.0) or KITA screen (0.75), else 0.",
    "supply_measures": "Largest exposure to an active supply measure (export control, ban, "
    "quota, ...) of the registry: the imposing country's share of the importer's imports of "
    "the item, or of world production without fresh trade; 0 without an active measure.",
}

#: States an item is always shown in (never hidden).
STATES = ("scored", "partial", "stale", "no_data")
ITEM_KINDS = ("material", "hs6")


def factor_column(name: str) -> str:
    return f"{name}_factor"


_ISO3_OR_BLOC = "regexp_full_match({col}, '[A-Z][A-Z0-9]{{2}}|BLOC')"
_0_1 = "{col} BETWEEN 0 AND 1"

OUT_FIELDS: list[Field] = [
    Field(
        "item_kind_code",
        "VARCHAR",
        "What the item is: a catalog material ('material') or one HS6 code on its own ('hs6').",
        constraint="{col} IN ('material', 'hs6')",
    ),
    Field(
        "item_id",
        "VARCHAR",
        "The item: a material id (items/data/materials.yaml) or an HS1992 6-digit code.",
        constraint="regexp_full_match({col}, '[a-z][a-z0-9_]*|[0-9]{{6}}')",
    ),
    Field(
        "importer_id",
        "VARCHAR",
        "Importing country (ISO3) or BLOC (KR+JP: the members' imports from outside the bloc).",
        constraint=_ISO3_OR_BLOC,
    ),
    Field("import_value_kusd", "DOUBLE", "Imports of the item.", "kUSD", "{col} >= 0"),
    Field(
        "trade_source_text",
        "VARCHAR",
        "Where the trade figures come from: BACI (reconciled bilateral trade) or UN Comtrade "
        "(annual imports reported by the importer, fetched; used where BACI lacks the year).",
    ),
    Field("import_qty_t", "DOUBLE", "Imports of the item.", "t", "{col} >= 0"),
    Field("export_value_kusd", "DOUBLE", "Exports of the item.", "kUSD", "{col} >= 0"),
    Field("export_qty_t", "DOUBLE", "Exports of the item.", "t", "{col} >= 0"),
    Field("trade_balance_kusd", "DOUBLE", "Exports minus imports.", "kUSD"),
    Field("supplier_count", "BIGINT", "Countries supplying the item.", constraint="{col} >= 0"),
    Field(
        "suppliers_above_5pct",
        "BIGINT",
        "Suppliers with at least 5% of the imports.",
        constraint="{col} >= 0",
    ),
    Field(
        "top_supplier_id_iso3",
        "VARCHAR",
        "Largest supplier (ties: first code alphabetically).",
        constraint="regexp_full_match({col}, '[A-Z][A-Z0-9]{{2}}')",
    ),
    Field("top_supplier_share", "DOUBLE", "Largest supplier's share of imports.", "share", _0_1),
    Field(
        "supplier_hhi",
        "DOUBLE",
        "Herfindahl-Hirschman index of supplier shares (1/n..1).",
        "0-1",
        _0_1,
    ),
    Field("china_share", "DOUBLE", "China's share of imports.", "share", _0_1),
    Field(
        "supplier_share", "DOUBLE", "The supplier's share of the importer's imports.", "share", _0_1
    ),
    Field(
        "is_kita_screen",
        "BOOLEAN",
        "KITA screen: China top supplier three years running, China >= 70% of imports, imports "
        ">= USD 5 million, trade deficit.",
    ),
    Field(
        "is_absolute_dependence",
        "BOOLEAN",
        "One country >= 90% of imports worth more than USD 10 million.",
    ),
    Field(
        "import_value_change_share",
        "DOUBLE",
        "Change of imports on the year before, 0.1 = +10% (NULL when the year before has no data).",
        "share",
    ),
    Field(
        "import_value_vs_mean3_ratio",
        "DOUBLE",
        "Imports / mean of the three previous years (NULL without three consecutive years).",
        "ratio",
        "{col} >= 0",
    ),
    Field("china_share_change", "DOUBLE", "Change of China's share on the year before.", "0-1"),
    Field("top_share_change", "DOUBLE", "Change of the top supplier's share.", "0-1"),
    Field("is_import_surge", "BOOLEAN", "Imports >= 1.5 x the 3-year trailing mean."),
    Field(
        "domestic_production_t",
        "DOUBLE",
        "The importer's own production (World Mining Data; NULL = none listed).",
        "t",
        "{col} >= 0",
    ),
    Field(
        "apparent_consumption_t",
        "DOUBLE",
        "Production + imports - exports.",
        "t",
    ),
    Field(
        "import_reliance_share",
        "DOUBLE",
        "Net imports / apparent consumption, clipped to 0..1.",
        "share",
        _0_1,
    ),
    Field(
        "unit_value_usd_per_t",
        "DOUBLE",
        "Import value / import tonnes of one value-chain stage (never mixed across stages).",
        "USD/t",
        "{col} >= 0",
    ),
    Field("product_codes_text", "VARCHAR", "HS6 codes (HS1992) behind the row, ';'-separated."),
    Field(
        "is_shared_code",
        "BOOLEAN",
        "True when an HS code behind the row also carries other materials: its figures are not "
        "specific to the item.",
    ),
    Field(
        "shared_with_text",
        "VARCHAR",
        "Other materials sharing the HS code(s), ';'-separated.",
    ),
    Field("shared_count", "INTEGER", "Materials carried by the HS code.", constraint="{col} >= 1"),
    Field("first_year", "SMALLINT", "First year with trade data.", "year"),
    Field("last_year", "SMALLINT", "Last year with trade data.", "year"),
    Field(
        "first_available_date",
        "DATE",
        "When the first trade data of the code became available.",
    ),
    # --- production concentration -----------------------------------------------------------
    Field("production_hhi", "DOUBLE", "HHI of world production shares.", "0-1", _0_1),
    Field(
        "top_producer_id_iso3",
        "VARCHAR",
        "Largest producer.",
        constraint="regexp_full_match({col}, '[A-Z][A-Z0-9]{{2}}')",
    ),
    Field("top_producer_share", "DOUBLE", "Largest producer's share.", "share", _0_1),
    Field("china_production_share", "DOUBLE", "China's share of world production.", "share", _0_1),
    Field("producer_count", "BIGINT", "Producing countries.", constraint="{col} >= 0"),
    # --- monthly factors -------------------------------------------------------------------
    Field(
        "item_state_code",
        "VARCHAR",
        "scored (fresh trade data), partial (no fresh trade; other factors have data), stale "
        "(newest data older than the ladder's limits: never scored), no_data (none at all).",
        constraint="{col} IN ('scored', 'partial', 'stale', 'no_data')",
    ),
    Field("state_reason_text", "VARCHAR", "Why the item is in its state, and what is missing."),
    Field(
        "fill_command_text",
        "VARCHAR",
        "The command that would fetch the missing data (supplywatch fetch ...).",
    ),
    *(
        Field(factor_column(f), "DOUBLE", _FACTOR_TEXT[f], "0-1 (1 = riskiest)", _0_1)
        for f in FACTORS
    ),
    Field(
        "score_points",
        "DOUBLE",
        "Composite score: 100 x the weighted mean of the factors (missing ones at the ladder's "
        "neutral value). NULL when stale or without data.",
        "points 0-100",
        "{col} BETWEEN 0 AND 100",
    ),
    Field(
        "confidence_share",
        "DOUBLE",
        "Share of the factor weights that had data.",
        "share",
        _0_1,
    ),
    Field("main_driver_code", "VARCHAR", "The factor with the largest contribution."),
    Field("missing_factors_text", "VARCHAR", "Factors without data, ';'-separated."),
    Field("trade_year", "SMALLINT", "Year of the trade data used.", "year"),
    Field("trade_available_date", "DATE", "When that trade data became available."),
    Field("production_year", "SMALLINT", "Year of the production data used.", "year"),
    Field("production_available_date", "DATE", "When that production data became available."),
    Field(
        "sourcing_governance_hhi",
        "DOUBLE",
        "Sum of supplier share^2 x political-instability risk (one WGI release).",
        "0-1",
        _0_1,
    ),
    Field(
        "pv_imputed_share",
        "DOUBLE",
        "Share of imports whose supplier has no WGI estimate (neutral 0.5 used).",
        "share",
        _0_1,
    ),
    Field(
        "is_immaterial_imports",
        "BOOLEAN",
        "Imports below the ladder's minimum: supplier factors and screens score 0.",
    ),
    Field("price_period_start_date", "DATE", "Latest price month used."),
    Field("price_available_date", "DATE", "When that price became available."),
    Field("price_change_z", "DOUBLE", "Largest price-change z-score of the last 3 known months."),
    Field(
        "supplier_id_iso3",
        "VARCHAR",
        "Supplying country (ISO3): the partner of the importer's imports, or the reporter of "
        "mirror exports.",
        constraint="regexp_full_match({col}, '[A-Z][A-Z0-9]{{2}}')",
    ),
    Field(
        "flow_side_code",
        "VARCHAR",
        "Whose figures: 'importer' (the importer's own imports), 'mirror' (the supplier's "
        "reported exports to the importer), or 'importer+mirror' (bloc members differ).",
        constraint="{col} IN ('importer', 'mirror', 'importer+mirror', 'mixed')",
    ),
    Field(
        "flow_value_k",
        "DOUBLE",
        "Value of the newest month, in thousands of value_currency_code.",
        "thousand units of value_currency_code",
        "{col} >= 0",
    ),
    Field(
        "value_currency_code",
        "VARCHAR",
        "Currency of flow_value_k (USD from Comtrade and Korea Customs, JPY from Japan MOF).",
    ),
    Field(
        "baseline_month_count",
        "INTEGER",
        "Known months in the baseline window before the newest month (36 at most).",
        constraint="{col} BETWEEN 0 AND 36",
    ),
    Field(
        "value_z",
        "DOUBLE",
        "Robust z-score of log(1 + value) of the newest month against its seasonal baseline "
        "(median and MAD of the 36 months before).",
    ),
    Field("qty_z", "DOUBLE", "Robust z-score of log(1 + tonnes), as value_z."),
    Field("unit_value_z", "DOUBLE", "Robust z-score of the log unit value, as value_z."),
    Field(
        "recent_share",
        "DOUBLE",
        "The supplier's share of the importer's imports over the last 3 months (importer side).",
        "share",
        _0_1,
    ),
    Field(
        "prior_share",
        "DOUBLE",
        "The supplier's share of the importer's imports over the 12 months before those 3.",
        "share",
        _0_1,
    ),
    Field(
        "supplier_share_change",
        "DOUBLE",
        "recent_share - prior_share (a shift of supplier share).",
        "-1..1",
        "{col} BETWEEN -1 AND 1",
    ),
    Field("is_surge", "BOOLEAN", "value_z >= 2.5 in one of the last 3 months."),
    Field("is_collapse", "BOOLEAN", "value_z <= -2.5 in the newest month."),
    Field(
        "is_surge_then_collapse",
        "BOOLEAN",
        "A collapse within 6 months after a surge, in one of the last 3 months (buyers "
        "front-ran a control, then flows stopped).",
    ),
    Field(
        "weight_share",
        "DOUBLE",
        "The supplier's weight: its share of the importer's imports (annual, known then), "
        "else its monthly share, else 0.5.",
        "share",
        _0_1,
    ),
    Field("weight_basis_text", "VARCHAR", "Where weight_share comes from."),
    Field(
        "signal_share",
        "DOUBLE",
        "weight_share x the strongest detector (surge-then-collapse 1, collapse -z/4, surge "
        "z/8, unit value z/8, share fall -change x 2; each capped).",
        "share",
        _0_1,
    ),
    Field("signal_text", "VARCHAR", "The detector that fired, in words, with whose figures."),
    Field("monthly_period_start_date", "DATE", "Newest month of the monthly trade signal used."),
    Field(
        "monthly_available_date",
        "DATE",
        "When that monthly trade became available (the vintage read).",
    ),
    Field(
        "monthly_signal_share",
        "DOUBLE",
        "The item's monthly trade signal: the largest signal_share over its suppliers.",
        "share",
        _0_1,
    ),
    Field("monthly_signal_text", "VARCHAR", "The strongest supplier's signal, in words."),
    Field(
        "imposer_momentum_share",
        "DOUBLE",
        "The imposer's momentum: min(1, control measures a government published in the last "
        "24 months / 3) x its share of world production of the item; the largest over "
        "governments other than the importer.",
        "share",
        _0_1,
    ),
    Field("momentum_text", "VARCHAR", "Which government's momentum, in words."),
    Field(
        "risk_probability_share",
        "DOUBLE",
        "The risk model's probability that a supply measure hits the item for the importer "
        "within 12 months (alerts/riskmodel.py, fitted on a time split); NULL when not scored.",
        "share",
        _0_1,
    ),
    Field(
        "baseline_alert_level",
        "SMALLINT",
        "The level the hand-weighted score gives on its thresholds, with the measure floor "
        "(the baseline the back-test compares the model with).",
        constraint="{col} BETWEEN 0 AND 4",
    ),
    Field("ladder_version_code", "VARCHAR", "Version of alerts/ladder.yml the row was built with."),
    # --- supply measures -------------------------------------------------------------------
    Field(
        "measure_exposure_share",
        "DOUBLE",
        "The importer's largest exposure to a government with an active supply measure on "
        "the item (see supply_measures_factor).",
        "share",
        _0_1,
    ),
    Field(
        "measure_floor_level",
        "SMALLINT",
        "The level an active measure sets as a floor (0: none).",
        constraint="{col} BETWEEN 0 AND 4",
    ),
    Field(
        "detection_floor_level",
        "SMALLINT",
        "The level a disruption already visible in the newest monthly figures sets as a floor "
        "(a fresh monthly trade signal, or a price z-score at or above the ladder's "
        "detection threshold; 0: none).",
        constraint="{col} BETWEEN 0 AND 4",
    ),
    Field(
        "is_measure_review",
        "BOOLEAN",
        "A measure counts because its suspension has expired with no later decision known.",
    ),
    Field(
        "active_measures_text",
        "VARCHAR",
        "The active measures on the item for the importer: reference, clause, type, imposer's "
        "share and state, ';'-separated.",
    ),
    # --- levels --------------------------------------------------------------------------------
    Field(
        "alert_level",
        "SMALLINT",
        "Ladder step: 0 none, 1 관심 attention, 2 주의 caution, 3 경계 alert, 4 심각 critical.",
        constraint="{col} BETWEEN 0 AND 4",
    ),
    Field(
        "previous_alert_level",
        "SMALLINT",
        "The level on the row before (0 at the start).",
        constraint="{col} BETWEEN 0 AND 4",
    ),
    Field("is_level_change", "BOOLEAN", "The level differs from the row before."),
    Field("level_since_date", "DATE", "Since when the item has had this level."),
]

_KEY = ("item_kind_code", "item_id", "importer_id")
_LINEAGE = ("available_date",)

OUT_TABLES: list[Table] = [
    Table(
        "out_supplywatch__yearly_dependence",
        "Import dependence per item, importer and year: imports, suppliers, concentration, "
        "China's share, screens, yearly changes, apparent consumption.",
        (
            *_KEY,
            "ref_year",
            "import_value_kusd",
            "import_qty_t",
            "supplier_count",
            "top_supplier_id_iso3",
            "top_supplier_share",
            "supplier_hhi",
            "suppliers_above_5pct",
            "china_share",
            "export_value_kusd",
            "export_qty_t",
            "trade_balance_kusd",
            "is_kita_screen",
            "is_absolute_dependence",
            "import_value_change_share",
            "import_value_vs_mean3_ratio",
            "china_share_change",
            "top_share_change",
            "is_import_surge",
            "domestic_production_t",
            "apparent_consumption_t",
            "import_reliance_share",
            "trade_source_text",
            *_LINEAGE,
        ),
        (*_KEY, "ref_year"),
        required=("import_value_kusd", "available_date"),
    ),
    Table(
        "out_supplywatch__supplier_shares",
        "Each supplier's share of an importer's imports of an item in a year (shares sum to 1).",
        (*_KEY, "ref_year", "exporter_id_iso3", "value_kusd", "qty_t", "supplier_share", *_LINEAGE),
        (*_KEY, "ref_year", "exporter_id_iso3"),
        required=("value_kusd", "available_date"),
    ),
    Table(
        "out_supplywatch__yearly_stage_imports",
        "Imports per item, importer, year and value-chain stage, with the unit value of that "
        "stage alone (ore prices are never read as metal prices).",
        (
            *_KEY,
            "ref_year",
            "stage_code",
            "import_value_kusd",
            "import_qty_t",
            "unit_value_usd_per_t",
            "product_codes_text",
            "is_shared_code",
            *_LINEAGE,
        ),
        (*_KEY, "ref_year", "stage_code"),
        required=("import_value_kusd", "is_shared_code", "available_date"),
    ),
    Table(
        "out_supplywatch__yearly_production",
        "World production concentration per item and year (World Mining Data).",
        (
            "item_kind_code",
            "item_id",
            "ref_year",
            "commodity_name_wmd",
            "production_hhi",
            "top_producer_id_iso3",
            "top_producer_share",
            "china_production_share",
            "producer_count",
            *_LINEAGE,
        ),
        ("item_kind_code", "item_id", "ref_year"),
        required=("available_date",),
    ),
    Table(
        "out_supplywatch__item_coverage",
        "Which HS codes of each item carry data, at which stage, and which other materials "
        "share each code (one row per item and HS1992 code; no trade = NULL years).",
        (
            "item_kind_code",
            "item_id",
            "product_id_hs6",
            "stage_code",
            "is_shared_code",
            "shared_count",
            "shared_with_text",
            "first_year",
            "last_year",
            "first_available_date",
        ),
        ("item_kind_code", "item_id", "product_id_hs6"),
        required=("is_shared_code", "shared_count"),
    ),
    Table(
        "out_supplywatch__monthly_factors",
        "The score's factors per item and importer, on the first day of every month and on "
        "every date an input became available (a row holds until the next): state, factors, "
        "score, confidence, main driver and the evidence behind them.",
        (
            *_KEY,
            "available_date",
            "item_state_code",
            "state_reason_text",
            "fill_command_text",
            *(factor_column(f) for f in FACTORS),
            "score_points",
            "risk_probability_share",
            "confidence_share",
            "main_driver_code",
            "missing_factors_text",
            "trade_year",
            "trade_available_date",
            "trade_source_text",
            "import_value_kusd",
            "import_qty_t",
            "top_supplier_id_iso3",
            "top_supplier_share",
            "china_share",
            "supplier_hhi",
            "is_kita_screen",
            "is_absolute_dependence",
            "is_immaterial_imports",
            "import_value_vs_mean3_ratio",
            "top_share_change",
            "is_import_surge",
            "production_year",
            "production_available_date",
            "commodity_name_wmd",
            "production_hhi",
            "top_producer_id_iso3",
            "top_producer_share",
            "china_production_share",
            "wgi_release_code",
            "sourcing_governance_hhi",
            "pv_imputed_share",
            "commodity_name_wb",
            "price_period_start_date",
            "price_available_date",
            "price_change_z",
            "monthly_period_start_date",
            "monthly_available_date",
            "monthly_signal_share",
            "monthly_signal_text",
            "is_shared_code",
            "shared_with_text",
            "measure_exposure_share",
            "measure_floor_level",
            "is_measure_review",
            "active_measures_text",
            "imposer_momentum_share",
            "momentum_text",
            "ladder_version_code",
        ),
        (*_KEY, "available_date"),
        required=(
            "item_state_code",
            "confidence_share",
            "is_shared_code",
            "measure_floor_level",
            "is_measure_review",
            "ladder_version_code",
        ),
        version_field="available_date",
    ),
    Table(
        "out_supplywatch__monthly_signals",
        "Monthly trade signals per item, importer and supplier (indicators/monthly.py): on each "
        "date new monthly customs rows became available, the newest month's detectors computed "
        "only from the rows available then. Empty until monthly trade is fetched.",
        (
            *_KEY,
            "supplier_id_iso3",
            "available_date",
            "period_start_date",
            "flow_side_code",
            "source_name",
            "flow_value_k",
            "value_currency_code",
            "qty_t",
            "baseline_month_count",
            "value_z",
            "qty_z",
            "unit_value_z",
            "recent_share",
            "prior_share",
            "supplier_share_change",
            "is_surge",
            "is_collapse",
            "is_surge_then_collapse",
            "weight_share",
            "weight_basis_text",
            "signal_share",
            "signal_text",
        ),
        (*_KEY, "supplier_id_iso3", "available_date"),
        required=("period_start_date", "flow_side_code", "signal_share", "weight_share"),
        version_field="available_date",
    ),
    Table(
        "out_supplywatch__monthly_levels",
        "The alert level per item and importer on the dates of monthly_factors, hysteresis "
        "applied once over the whole history in date order.",
        (
            *_KEY,
            "available_date",
            "item_state_code",
            "score_points",
            "risk_probability_share",
            "alert_level",
            "baseline_alert_level",
            "previous_alert_level",
            "is_level_change",
            "level_since_date",
            "measure_floor_level",
            "detection_floor_level",
            "ladder_version_code",
        ),
        (*_KEY, "available_date"),
        required=(
            "item_state_code",
            "alert_level",
            "detection_floor_level",
            "baseline_alert_level",
            "previous_alert_level",
            "is_level_change",
            "level_since_date",
            "ladder_version_code",
        ),
        version_field="available_date",
    ),
]
OUT_TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in OUT_TABLES)
