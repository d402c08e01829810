"""World Mining Data (BMF Austria): production by country, 2018-2024, and the commodity map."""

from __future__ import annotations

from supplywatch.sources.base import CodeCheck, CoreStep, FileSpec, SourceSpec, SpotFix, UnitCheck

#: World Mining Data appears each spring (edition N, about May, covers years to N-2).
#: Year Y is therefore available from Y+2-05-31.
LAG_SQL = "make_date(ref_year + 2, 5, 31)"

#: Units as printed by WMD, and their factor to metric tonnes (NULL: not a mass unit).
UNITS_TO_T: dict[str, float | None] = {"metr. t": 1.0, "kg": 0.001, "ct": None, "Mio m3": None}
_TO_T = (
    "CASE unit_code "
    + " ".join(
        f"WHEN '{u}' THEN production_amount * {f}" for u, f in UNITS_TO_T.items() if f is not None
    )
    + " ELSE NULL END"
)

SPEC = SourceSpec(
    name="wmd",
    title="World Mining Data (BMF Austria)",
    files=(
        FileSpec(
            "wmd_country_iso.csv",
            "raw_wmd__country_codes",
            {"ISO": "country_id_m49", "Country": "country_name"},
        ),
        FileSpec(
            "wmd_production_2018_2024.csv",
            "raw_wmd__yearly_production",
            {
                "commodity": "commodity_name_wmd",
                "country": "country_name",
                "country_code": "country_code_reported",
                "iso3": "country_iso3_reported",
                "unit": "unit_code",
                "data_source": "data_source_code",
                "year": "ref_year",
                "production": "production_amount",
            },
            null_markers=("nan",),
        ),
        FileSpec(
            "wmd_hs_code_map_eolrir2023.csv",
            "raw_wmd__commodities",
            {
                "Sheet_name": "commodity_name_wmd",
                "Category - WMD": "commodity_category_wmd",
                "Reference ID": "reference_id_text",
                "Supply Chain Stage": "supply_chain_stage_code",
                "Symbol": "symbol",
                "Geology": "geology_text",
                "Reference": "reference_url",
                "EoL-RIR (2023)": "eol_rir_share",
                "HS Code - Complementary": "complementary_hs_codes_text",
                "HS Code": "product_code",
                "Description": "product_description",
            },
            null_markers=("Not Available",),
        ),
    ),
    codes=(
        CodeCheck(
            "raw_wmd__yearly_production",
            "country_iso3_reported",
            "SELECT country_id_iso3 FROM core_supplywatch__countries",
            "country code (ISO3)",
            ignored=("DELETE",),
        ),
    ),
    units=(
        UnitCheck(
            "raw_wmd__yearly_production", "unit_code", tuple(UNITS_TO_T), "commodity_name_wmd"
        ),
    ),
    fixes=(
        SpotFix(
            "raw_wmd__yearly_production",
            "WMD prints ISO3 'GUY' (Guyana) for French Guiana's gold rows; French Guiana is GUF.",
            "UPDATE raw_wmd__yearly_production SET country_iso3_reported = 'GUF' "
            "WHERE country_name = 'French Guiana' AND country_iso3_reported = 'GUY'",
            "SELECT count(*) FROM raw_wmd__yearly_production "
            "WHERE country_name = 'French Guiana' AND country_iso3_reported = 'GUY'",
            expected_rows=7,
        ),
    ),
    core=(
        CoreStep(
            "core_wmd__yearly_production",
            f"""
            SELECT commodity_name_wmd, country_iso3_reported AS country_id_iso3, ref_year,
                   production_amount, unit_code, {_TO_T} AS production_t, data_source_code,
                   {LAG_SQL} AS available_date, snapshot_id
            FROM raw_wmd__yearly_production
            WHERE country_iso3_reported <> 'DELETE'  -- world totals, recomputed by us
        """,
        ),
        CoreStep(
            "core_wmd__commodities",
            """
            SELECT commodity_name_wmd, commodity_category_wmd,
                   lower(supply_chain_stage_code) AS supply_chain_stage_code, symbol,
                   eol_rir_share,
                   CASE WHEN regexp_full_match(product_code, '[0-9]{6}') THEN product_code END
                       AS product_id_hs6,
                   complementary_hs_codes_text, reference_url,
                   DATE '2023-01-01' AS available_date, snapshot_id
            FROM raw_wmd__commodities
        """,
        ),
    ),
    lag_rule="Year Y is available from Y+2-05-31: each World Mining Data edition appears in "
    "spring and covers production up to two years before. The commodity map (EoL-RIR of the "
    "EU 2023 assessment) from 2023-01-01.",
    notes=(
        "The gold rows of French Guiana carry ISO3 GUY in the source; a declared fix sets "
        "GUF (7 rows). For 2023 and 2024 the source prints the same gold value for Guyana "
        "and French Guiana (1,164 kg and 1,072 kg); kept as printed, see docs/data-notes.md.",
        "Rows with country 'Total' (ISO3 'DELETE') are world totals and are dropped.",
    ),
)
