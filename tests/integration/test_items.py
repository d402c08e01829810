"""The item catalog: coverage required by the brief, searchable in four languages, HS links."""

from __future__ import annotations

import duckdb
import pytest

from supplywatch.items import loader

REQUIRED = [
    "samarium",
    "gadolinium",
    "terbium",
    "dysprosium",
    "lutetium",
    "scandium",
    "yttrium",
    "lanthanum",
    "cerium",
    "praseodymium",
    "neodymium",
    "gallium",
    "germanium",
    "indium",
    "natural_graphite",
    "synthetic_graphite",
    "antimony",
    "tungsten",
    "molybdenum",
    "bismuth",
    "tellurium",
    "lithium",
    "cobalt",
    "nickel",
    "manganese",
    "magnesium",
    "polysilicon",
    "titanium",
    "vanadium",
    "niobium",
    "tantalum",
    "platinum",
    "palladium",
    "rhodium",
    "iridium",
    "ruthenium",
    "fluorspar",
    "phosphate_rock",
    "potash",
    "urea",
    "hydrogen_fluoride",
    "nitrogen_trifluoride",
    "neon",
    "krypton",
    "xenon",
    "photoresist",
    "fluorinated_polyimide",
    "high_purity_quartz",
]


def test_catalog_covers_the_required_materials() -> None:
    ids = {m.material_id for m in loader.load_materials()}
    assert len(ids) >= 60
    assert sorted(set(REQUIRED) - ids) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("디스프로슘", "dysprosium"),
        ("ジスプロシウム", "dysprosium"),
        ("镝", "dysprosium"),
        ("Gallium", "gallium"),
        ("갈륨", "gallium"),
        ("ガリウム", "gallium"),
        ("镓", "gallium"),
        ("요소", "urea"),
        ("2811.11", "hydrogen_fluoride"),
        ("NF3", "nitrogen_trifluoride"),
    ],
)
def test_search_in_every_language(query: str, expected: str) -> None:
    hits = [m.material_id for m in loader.search(loader.load_materials(), query)]
    assert expected in hits


def test_list_claims_carry_a_source() -> None:
    for m in loader.load_materials():
        for list_id, claim in m.lists.items():
            if claim.status is not None:
                assert claim.source, f"{m.material_id}.{list_id}: a claim needs its source"


def test_eol_rir_matches_the_wmd_map(bundle_store: duckdb.DuckDBPyConnection) -> None:
    rates = dict(
        bundle_store.execute(
            "SELECT commodity_name_wmd, eol_rir_share FROM core_wmd__commodities"
        ).fetchall()
    )
    for m in loader.load_materials():
        if m.wmd_commodity is not None and m.eol_rir.value is not None:
            assert m.eol_rir.value == rates[m.wmd_commodity], m.material_id


def _codes(con: duckdb.DuckDBPyConnection, material: str, rev: str) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT product_id_hs6, is_lumped FROM core_supplywatch__material_products "
        "WHERE material_id = ? AND hs_revision_code = ? ORDER BY 1",
        [material, rev],
    ).fetchall()


def test_hs_codes_for_every_revision(bundle_store: duckdb.DuckDBPyConnection) -> None:
    revs = bundle_store.execute(
        "SELECT material_id, count(DISTINCT hs_revision_code) FROM "
        "core_supplywatch__material_products GROUP BY 1"
    ).fetchall()
    assert {n for _, n in revs} == {7}
    # germanium had its own HS1992 code; in HS2022 it shares 8112.92
    assert ("811230", False) in _codes(bundle_store, "germanium", "H0")
    assert ("811292", True) in _codes(bundle_store, "germanium", "H6")
    assert _codes(bundle_store, "gallium", "H0") == [("811291", True)]
    assert _codes(bundle_store, "natural_graphite", "H0") == [("250410", False), ("250490", False)]


def test_lumped_codes_name_the_other_materials(bundle_store: duckdb.DuckDBPyConnection) -> None:
    row = bundle_store.execute(
        "SELECT lumped_with_text FROM core_supplywatch__material_products WHERE material_id = "
        "'gallium' AND hs_revision_code = 'H6' AND product_id_hs6 = '811292'"
    ).fetchall()
    assert row == [("germanium;indium;niobium;vanadium",)]


def test_bad_catalog_entry_names_line_and_field(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from supplywatch.errors import DataError

    path = Path(str(tmp_path)) / "m.yaml"
    path.write_text(
        "- material_id: ok_one\n  group: fertilizer\n  names: {en: A, ko: B, ja: C, "
        "zh: D}\n  stages: [product]\n- material_id: Bad-Id\n  group: fertilizer\n"
        "  names: {en: A, ko: B, ja: C, zh: D}\n  stages: [product]\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        loader.load_materials(path)
    assert (info.value.row, info.value.column, info.value.value) == (5, "material_id", "Bad-Id")
