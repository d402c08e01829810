"""HS nomenclature (every revision 1992-2022) and the concordance between adjacent revisions."""

from __future__ import annotations

from supplywatch.sources.base import CoreStep, FileSpec, SourceSpec

#: Revision code -> (classification name as printed, year it entered into force).
REVISIONS: dict[str, tuple[str, int]] = {
    "H0": ("HS1992", 1992),
    "H1": ("HS1996", 1996),
    "H2": ("HS2002", 2002),
    "H3": ("HS2007", 2007),
    "H4": ("HS2012", 2012),
    "H5": ("HS2017", 2017),
    "H6": ("HS2022", 2022),
}

#: The revisions as a SQL table: (hs_revision_code, classification name, year, start date).
REVISIONS_SQL = (
    "(VALUES "
    + ", ".join(
        f"('{rev}', '{name}', {year}, DATE '{year}-01-01')"
        for rev, (name, year) in REVISIONS.items()
    )
    + ") AS rev(code, name, year, start_date)"
)

SPEC = SourceSpec(
    name="hs",
    title="Harmonized System nomenclature and concordances",
    files=(
        FileSpec(
            "comtrade_hs_products_H0_H6.csv",
            "raw_hs__products",
            {
                "classification": "hs_classification_name",
                "id": "product_code",
                "text": "product_description",
                "parent": "parent_product_code",
                "isLeaf": "is_leaf",
                "aggrlevel": "hierarchy_level",
                "standardUnitAbbr": "standard_unit_code",
            },
        ),
        FileSpec(
            "HS_consolidated_comtrade_concordances.csv",
            "raw_hs__concordance",
            {
                "code.after": "code_after_text",
                "code.before": "code_before_text",
                "Relationship": "relationship_code",
                "adjustment": "concordance_step_text",
            },
            zfill6=("code_after_text", "code_before_text"),
        ),
        FileSpec(
            "harmonized-system.csv",
            "raw_hs__nomenclature_2022",
            {
                "section": "section_code",
                "hscode": "product_code",
                "description": "product_description",
                "parent": "parent_product_code",
                "level": "hierarchy_level",
            },
        ),
        FileSpec(
            "sections.csv", "raw_hs__sections", {"section": "section_code", "name": "section_name"}
        ),
    ),
    core=(
        CoreStep(
            "core_hs__products",
            f"""
            SELECT rev.code AS hs_revision_code, p.product_code AS product_id_hs6,
                   p.product_description, p.standard_unit_code,
                   rev.start_date AS available_date, p.snapshot_id
            FROM raw_hs__products p JOIN {REVISIONS_SQL} ON rev.name = p.hs_classification_name
            -- special codes such as 9999AA stay in raw only
            WHERE p.hierarchy_level = 6 AND regexp_full_match(p.product_code, '[0-9]{{6}}')
        """,
        ),
        CoreStep(
            "core_hs__concordance",
            f"""
            WITH steps AS (
                SELECT *, CAST(split_part(concordance_step_text, ' to ', 1) AS INTEGER) AS y_to,
                          CAST(split_part(concordance_step_text, ' to ', 2) AS INTEGER) AS y_from
                FROM raw_hs__concordance)
            SELECT f.code AS from_revision_code, s.code_before_text AS from_product_id_hs6,
                   t.code AS to_revision_code, s.code_after_text AS to_product_id_hs6,
                   s.relationship_code, t.start_date AS available_date, s.snapshot_id
            FROM steps s
            JOIN {REVISIONS_SQL.replace(" rev(", " f(")} ON f.year = s.y_from
            JOIN {REVISIONS_SQL.replace(" rev(", " t(")} ON t.year = s.y_to
        """,
        ),
    ),
    lag_rule="Reference lists: an HS revision is available from the date it entered into force "
    "(1 January of its year); a concordance step from the newer revision's date.",
    notes=(
        "The concordance prints codes without leading zeros; they are zero-padded to 6 "
        "digits on read. Steps before HS1992 (1962-1988) are kept in raw only.",
    ),
)
