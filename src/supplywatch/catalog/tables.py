"""Every table: layer, fields, primary key. DDL and the data dictionary are generated from here."""

from __future__ import annotations

from supplywatch.catalog.fields import FIELDS
from supplywatch.catalog.measures import MEASURE_TABLES
from supplywatch.catalog.out import OUT_TABLES
from supplywatch.catalog.schema import Field, Table

_LINEAGE_RAW = ("source_row_number", "snapshot_id")
_LINEAGE_CORE = ("available_date", "snapshot_id")

_TABLES: list[Table] = [
    # --- BACI --------------------------------------------------------------------------------
    Table(
        "raw_baci__yearly_trade",
        "CEPII BACI bilateral trade flows as published (HS1992).",
        (
            "ref_year",
            "exporter_id_baci",
            "importer_id_baci",
            "product_id_hs6",
            "value_kusd",
            "qty_t",
            *_LINEAGE_RAW,
        ),
        ("ref_year", "exporter_id_baci", "importer_id_baci", "product_id_hs6"),
        required=("value_kusd",),
    ),
    Table(
        "raw_baci__country_codes",
        "BACI country code list.",
        (
            "country_id_baci",
            "country_name",
            "country_id_iso2",
            "country_iso3_reported",
            *_LINEAGE_RAW,
        ),
        ("country_id_baci",),
        required=("country_name",),
    ),
    Table(
        "raw_baci__product_codes",
        "BACI HS1992 product list.",
        ("product_code", "product_description", *_LINEAGE_RAW),
        ("product_code",),
    ),
    Table(
        "core_baci__yearly_trade",
        "Bilateral trade flows, countries as ISO3, FOB values in "
        "thousand USD, quantities in tonnes (NULL where BACI has none).",
        (
            "hs_revision_code",
            "ref_year",
            "exporter_id_iso3",
            "importer_id_iso3",
            "product_id_hs6",
            "value_kusd",
            "qty_t",
            *_LINEAGE_CORE,
        ),
        ("hs_revision_code", "ref_year", "exporter_id_iso3", "importer_id_iso3", "product_id_hs6"),
        required=("value_kusd", "available_date", "snapshot_id"),
    ),
    # --- WMD ---------------------------------------------------------------------------------
    Table(
        "raw_wmd__yearly_production",
        "World Mining Data production table as published.",
        (
            "commodity_name_wmd",
            "country_name",
            "country_code_reported",
            "country_iso3_reported",
            "unit_code",
            "data_source_code",
            "ref_year",
            "production_amount",
            *_LINEAGE_RAW,
        ),
        ("commodity_name_wmd", "country_name", "ref_year"),
        required=("unit_code",),
    ),
    Table(
        "raw_wmd__commodities",
        "WMD commodity map: stage, symbol, EoL-RIR, HS codes.",
        (
            "commodity_name_wmd",
            "commodity_category_wmd",
            "reference_id_text",
            "supply_chain_stage_code",
            "symbol",
            "geology_text",
            "reference_url",
            "eol_rir_share",
            "complementary_hs_codes_text",
            "product_code",
            "product_description",
            *_LINEAGE_RAW,
        ),
        ("commodity_name_wmd",),
    ),
    Table(
        "raw_wmd__country_codes",
        "WMD country list (numeric code, name).",
        ("country_id_m49", "country_name", *_LINEAGE_RAW),
        ("country_id_m49",),
    ),
    Table(
        "core_wmd__yearly_production",
        "Mine/refinery production by country and year; "
        "world-total rows dropped; mass units converted to tonnes.",
        (
            "commodity_name_wmd",
            "country_id_iso3",
            "ref_year",
            "production_amount",
            "unit_code",
            "production_t",
            "data_source_code",
            *_LINEAGE_CORE,
        ),
        ("commodity_name_wmd", "country_id_iso3", "ref_year"),
        required=("unit_code", "available_date", "snapshot_id"),
    ),
    Table(
        "core_wmd__commodities",
        "WMD commodities with stage, EoL-RIR and trade HS code.",
        (
            "commodity_name_wmd",
            "commodity_category_wmd",
            "supply_chain_stage_code",
            "symbol",
            "eol_rir_share",
            "product_id_hs6",
            "complementary_hs_codes_text",
            "reference_url",
            *_LINEAGE_CORE,
        ),
        ("commodity_name_wmd",),
    ),
    # --- WGI ---------------------------------------------------------------------------------
    Table(
        "raw_wgi__yearly_governance",
        "WGI 2024 release, six dimensions, long format.",
        (
            "country_name",
            "ref_year",
            "wgi_dimension_code",
            "wgi_estimate",
            "wgi_stddev",
            "wgi_source_count",
            "wgi_rank_pct",
            "wgi_rank_lower_pct",
            "wgi_rank_upper_pct",
            "country_iso3_reported",
            *_LINEAGE_RAW,
        ),
        ("country_iso3_reported", "ref_year", "wgi_dimension_code"),
    ),
    Table(
        "raw_wgi__yearly_political_stability",
        "WGI 2025 release, political stability only.",
        (
            "country_name",
            "country_iso3_reported",
            "country_id_baci",
            "ref_year",
            "wgi_estimate",
            "wgi_stddev",
            "wgi_source_count",
            "wgi_rank_pct",
            "wgi_rank_lower_pct",
            "wgi_rank_upper_pct",
            "wgi_pv_normalized_share",
            *_LINEAGE_RAW,
        ),
        ("source_row_number",),
    ),
    Table(
        "core_wgi__yearly_governance",
        "WGI estimates per release, country, year, dimension. "
        "Releases are kept apart; 'as of' picks the latest release published by then.",
        (
            "wgi_release_code",
            "country_id_iso3",
            "ref_year",
            "wgi_dimension_code",
            "wgi_estimate",
            "wgi_stddev",
            "wgi_source_count",
            "wgi_rank_pct",
            "wgi_rank_lower_pct",
            "wgi_rank_upper_pct",
            "vintage_date",
            *_LINEAGE_CORE,
        ),
        ("wgi_release_code", "country_id_iso3", "ref_year", "wgi_dimension_code"),
        required=("vintage_date", "available_date", "snapshot_id"),
        version_field="wgi_release_code",
    ),
    # --- HS ----------------------------------------------------------------------------------
    Table(
        "raw_hs__products",
        "UN Comtrade product lists for HS1992..HS2022.",
        (
            "hs_classification_name",
            "product_code",
            "product_description",
            "parent_product_code",
            "is_leaf",
            "hierarchy_level",
            "standard_unit_code",
            *_LINEAGE_RAW,
        ),
        ("hs_classification_name", "product_code"),
    ),
    Table(
        "raw_hs__concordance",
        "Concordance between adjacent HS revisions, as published.",
        (
            "code_after_text",
            "code_before_text",
            "relationship_code",
            "concordance_step_text",
            *_LINEAGE_RAW,
        ),
        ("source_row_number",),
        notes=("Steps before HS1992 hold duplicated pairs as published; keyed by row.",),
    ),
    Table(
        "raw_hs__nomenclature_2022",
        "HS2022 nomenclature (datasets/harmonized-system).",
        (
            "section_code",
            "product_code",
            "product_description",
            "parent_product_code",
            "hierarchy_level",
            *_LINEAGE_RAW,
        ),
        ("product_code",),
    ),
    Table(
        "raw_hs__sections",
        "HS sections.",
        ("section_code", "section_name", *_LINEAGE_RAW),
        ("section_code",),
    ),
    Table(
        "core_hs__products",
        "HS6 subheadings of every revision 1992–2022 with the standard quantity unit.",
        (
            "hs_revision_code",
            "product_id_hs6",
            "product_description",
            "standard_unit_code",
            *_LINEAGE_CORE,
        ),
        ("hs_revision_code", "product_id_hs6"),
    ),
    Table(
        "core_hs__concordance",
        "HS6 concordance between adjacent revisions, 1992–2022.",
        (
            "from_revision_code",
            "from_product_id_hs6",
            "to_revision_code",
            "to_product_id_hs6",
            "relationship_code",
            *_LINEAGE_CORE,
        ),
        ("from_revision_code", "from_product_id_hs6", "to_revision_code", "to_product_id_hs6"),
    ),
    # --- Pink Sheet --------------------------------------------------------------------------
    Table(
        "raw_pinksheet__monthly_prices",
        "World Bank Pink Sheet monthly prices, long format.",
        (
            "period_start_date",
            "period_code",
            "commodity_name_wb",
            "unit_code",
            "price_nominal",
            *_LINEAGE_RAW,
        ),
        ("commodity_name_wb", "period_start_date"),
    ),
    Table(
        "core_pinksheet__monthly_prices",
        "Monthly nominal prices per series and unit.",
        ("commodity_name_wb", "period_start_date", "price_nominal", "unit_code", *_LINEAGE_CORE),
        ("commodity_name_wb", "period_start_date"),
        required=("price_nominal", "unit_code", "available_date", "snapshot_id"),
    ),
    # --- customs trade from live connectors ------------------------------------------------
    Table(
        "core_customs__trade_flows",
        "Trade flows fetched from customs/statistics APIs (UN "
        "Comtrade, Korea Customs Service, Japan MOF via e-Stat), one row per reporter, partner, "
        "flow, product and period as reported; the latest snapshot wins per key.",
        (
            "source_name",
            "freq_code",
            "period_start_date",
            "ref_year",
            "reporter_id_iso3",
            "partner_id_iso3",
            "flow_code",
            "classification_code",
            "product_code",
            "product_id_hs6",
            "value_usd",
            "value_kjpy",
            "qty",
            "qty_unit_code",
            "net_weight_kg",
            "is_qty_estimated",
            "source_row_number",
            *_LINEAGE_CORE,
        ),
        (
            "source_name",
            "freq_code",
            "period_start_date",
            "reporter_id_iso3",
            "partner_id_iso3",
            "flow_code",
            "classification_code",
            "product_code",
        ),
        required=("ref_year", "product_id_hs6", "available_date", "snapshot_id"),
    ),
    # --- reference and provenance ------------------------------------------------------------
    Table(
        "core_supplywatch__countries",
        "Country code list: ISO 3166-1 (pycountry) plus the "
        "declared statistical codes of the sources.",
        ("country_id_iso3", "country_name", "country_id_iso2", "country_id_m49", "is_iso3166"),
        ("country_id_iso3",),
        required=("country_name", "is_iso3166"),
    ),
    Table(
        "core_supplywatch__snapshots",
        "Provenance of every loaded snapshot file.",
        (
            "snapshot_id",
            "file_name",
            "source_name",
            "producer_name",
            "licence_name",
            "attribution_text",
            "source_url",
            "date_published",
            "date_accessed",
            "vintage_code",
            "vintage_date",
            "sha256",
            "size_bytes",
            "row_count",
            "loaded_at",
            "note_text",
        ),
        ("snapshot_id", "file_name"),
        required=(
            "source_name",
            "producer_name",
            "licence_name",
            "sha256",
            "row_count",
            "loaded_at",
        ),
    ),
    Table(
        "core_supplywatch__materials",
        "Critical-material catalog (items/data/materials.yaml).",
        (
            "material_id",
            "symbol",
            "material_group_code",
            "name_en",
            "name_ko",
            "name_ja",
            "name_zh",
            "stages_text",
            "end_uses_text",
            "commodity_name_wmd",
            "eol_rir_share",
            "note_text",
        ),
        ("material_id",),
        required=("name_en", "name_ko", "name_ja", "name_zh", "material_group_code"),
    ),
    Table(
        "core_supplywatch__material_products",
        "Material to HS6 code, for every HS revision "
        "1992–2022 (derived from the HS2022 codes with the concordance).",
        (
            "material_id",
            "hs_revision_code",
            "product_id_hs6",
            "stage_code",
            "form_text",
            "is_lumped",
            "lumped_with_text",
            "note_text",
        ),
        ("material_id", "hs_revision_code", "product_id_hs6"),
        required=("is_lumped",),
    ),
    Table(
        "core_supplywatch__material_lists",
        "Membership of materials in published lists, with "
        "the source of each claim (NULL status = not known).",
        ("material_id", "list_id", "list_status_code", "source_url", "note_text"),
        ("material_id", "list_id"),
    ),
]

TABLES: dict[str, Table] = {t.name: t for t in [*_TABLES, *MEASURE_TABLES, *OUT_TABLES]}


def table(name: str) -> Table:
    """The declared table ``name`` (KeyError names the unknown table)."""
    return TABLES[name]


def fields_of(t: Table) -> list[Field]:
    """The declared fields of a table, in order."""
    return [FIELDS[n] for n in t.fields]


def ddl(t: Table, *, qualified_name: str | None = None, replace: bool = False) -> str:
    """CREATE TABLE statement generated from the declaration."""
    cols = []
    for f in fields_of(t):
        null = " NOT NULL" if f.name in t.not_null else ""
        check = f.check_sql()
        cols.append(f'    "{f.name}" {f.dtype}{null}' + (f" CHECK {check}" if check else ""))
    pk = ", ".join(f'"{c}"' for c in t.primary_key)
    cols.append(f"    PRIMARY KEY ({pk})")
    head = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE IF NOT EXISTS"
    name = qualified_name or f'"{t.name}"'
    return f"{head} {name} (\n" + ",\n".join(cols) + "\n);"
