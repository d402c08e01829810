"""GeoPolRisk reproduces geopolrisk-py 2.0.1 (recorded reference run) within 1e-9."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import ibis
import pytest
from tests.conftest import ROOT

from supplywatch.indicators import geopolrisk as gpr

REFERENCE = ROOT / "benchmarks" / "results" / "geopolrisk_reference_2018_2024.json"


@pytest.fixture(scope="module")
def ours(bundle_store: duckdb.DuckDBPyConnection) -> dict[tuple[str, int, int], Any]:
    con = ibis.duckdb.from_connection(bundle_store)
    e = gpr.geopolrisk(
        con.table("raw_baci__yearly_trade"),
        con.table("raw_wmd__commodities"),
        con.table("raw_wgi__yearly_political_stability"),
        con.table("raw_wmd__yearly_production"),
        [410, 392],
        list(range(2018, 2025)),
    )
    df = e.to_pyarrow().to_pandas()
    return {(r.reference_id_text, int(r.importer), int(r.year)): r for r in df.itertuples()}


def test_every_reference_case_within_1e9(ours: dict[tuple[str, int, int], Any]) -> None:
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert ref["library_version"] == "2.0.1"
    cases = [c for c in ref["cases"] if c["ok"]]
    assert len(cases) == 742
    for c in cases:
        row = ours[(c["material"], c["country_code"], c["year"])]
        for f in gpr.OUTPUTS:
            assert getattr(row, f) == pytest.approx(c[f], rel=1e-9, abs=1e-300), (c, f)


def test_taiwan_partner_weighs_half(bundle_store: duckdb.DuckDBPyConnection) -> None:
    con = ibis.duckdb.from_connection(bundle_store)
    s = gpr.pv_scores(con.table("raw_wgi__yearly_political_stability")).execute()
    assert 490 not in set(s["partner"])  # BACI's Taiwan code has no WGI row -> 0.5


def test_hhi_truncates_to_integers(bundle_store: duckdb.DuckDBPyConnection) -> None:
    con = ibis.duckdb.from_connection(bundle_store)
    h = gpr.world_hhi(con.table("raw_wmd__yearly_production")).execute()
    lead = h[(h["commodity_name_wmd"] == "Lead") & (h["year"] == 2024)]["hhi"].iloc[0]
    rows = bundle_store.execute(
        "SELECT trunc(coalesce(production_amount, 0)) FROM raw_wmd__yearly_production "
        "WHERE commodity_name_wmd = 'Lead' AND ref_year = 2024 "
        "AND country_iso3_reported <> 'DELETE'"
    ).fetchall()
    xs = [r[0] for r in rows]
    assert lead == pytest.approx(sum(x * x for x in xs) / sum(xs) ** 2, rel=1e-15)
