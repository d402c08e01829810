"""World Bank Worldwide Governance Indicators: two releases, kept apart (never spliced)."""

from __future__ import annotations

from supplywatch.sources.base import CodeCheck, CoreStep, FileSpec, SourceSpec, SpotFix

#: A WGI release appears in the autumn (September to November) and covers up to the year
#: before. Year Y is therefore available from Y+1-11-30.
LAG_SQL = "make_date(ref_year + 1, 11, 30)"

#: Release dates. WGI-2024: the methodology paper and data of the 2024 update were
#: published on 2024-11-07 (World Bank Policy Research Working Paper 10952).
#: WGI-2025: the publisher's date is not recorded in the bundle; the lag rule gives
#: 2025-11-30 for its last year (2024), used as the vintage date.
VINTAGE_DATES = {"WGI-2024": "2024-11-07", "WGI-2025": "2025-11-30"}

_COLS = (
    "wgi_estimate, wgi_stddev, wgi_source_count, wgi_rank_pct, wgi_rank_lower_pct, "
    "wgi_rank_upper_pct"
)

SPEC = SourceSpec(
    name="wgi",
    title="Worldwide Governance Indicators (World Bank)",
    files=(
        FileSpec(
            "wgi_1996_2023_long.csv",
            "raw_wgi__yearly_governance",
            {
                "countryname": "country_name",
                "year": "ref_year",
                "indicator": "wgi_dimension_code",
                "estimate": "wgi_estimate",
                "stddev": "wgi_stddev",
                "nsource": "wgi_source_count",
                "pctrank": "wgi_rank_pct",
                "pctranklower": "wgi_rank_lower_pct",
                "pctrankupper": "wgi_rank_upper_pct",
                "iso3": "country_iso3_reported",
            },
        ),
        FileSpec(
            "wgi_political_stability_1996_2024.csv",
            "raw_wgi__yearly_political_stability",
            {
                "country": "country_name",
                "iso3": "country_iso3_reported",
                "baci_country_code": "country_id_baci",
                "year": "ref_year",
                "pv_estimate": "wgi_estimate",
                "pv_stderr": "wgi_stddev",
                "pv_nsource": "wgi_source_count",
                "pv_pctrank": "wgi_rank_pct",
                "pv_pctrank_lower": "wgi_rank_lower_pct",
                "pv_pctrank_upper": "wgi_rank_upper_pct",
                "pv_normalized_geopolrisk": "wgi_pv_normalized_share",
            },
            null_markers=("NA",),
        ),
    ),
    codes=(
        CodeCheck(
            "raw_wgi__yearly_governance",
            "country_iso3_reported",
            "SELECT country_id_iso3 FROM core_supplywatch__countries",
            "country code (ISO3)",
        ),
        CodeCheck(
            "raw_wgi__yearly_political_stability",
            "country_iso3_reported",
            "SELECT country_id_iso3 FROM core_supplywatch__countries",
            "country code (ISO3)",
        ),
    ),
    fixes=(
        SpotFix(
            "raw_wgi__yearly_political_stability",
            "The political-stability extract prints two rows per year for Guyana (GUY): for "
            "1996-2022 one of them carries French Guiana's values (they equal GUF in the 2024 "
            "release), for 2023-2024 both are identical. Which is which cannot be told from the "
            "file, so all GUY rows of this release are dropped (GUY falls back to WGI-2024).",
            "DELETE FROM raw_wgi__yearly_political_stability WHERE country_iso3_reported = 'GUY'",
            "SELECT count(*) FROM raw_wgi__yearly_political_stability "
            "WHERE country_iso3_reported = 'GUY'",
            expected_rows=52,
        ),
    ),
    core=(
        CoreStep(
            "core_wgi__yearly_governance",
            f"""
            SELECT 'WGI-2024' AS wgi_release_code, country_iso3_reported AS country_id_iso3,
                   ref_year, wgi_dimension_code, {_COLS},
                   DATE '{VINTAGE_DATES["WGI-2024"]}' AS vintage_date,
                   {LAG_SQL} AS available_date, snapshot_id
            FROM raw_wgi__yearly_governance
            UNION ALL
            SELECT 'WGI-2025', country_iso3_reported, ref_year, 'pv', {_COLS},
                   DATE '{VINTAGE_DATES["WGI-2025"]}', {LAG_SQL}, snapshot_id
            FROM raw_wgi__yearly_political_stability
        """,
        ),
    ),
    lag_rule="Year Y is available from Y+1-11-30 (a release appears in the autumn and covers "
    "up to the year before). Each release revises all years: releases are kept apart "
    "(wgi_release_code) and 'as of D' uses the latest release published by D, or the earliest "
    "release held when none was yet published (the bundle holds no first-release values).",
    notes=("WGI-2025 holds political stability only.",),
)
