"""Composite score, calibration rule and back-test on the real bundle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest
from tests.conftest import TEST_DATA

from supplywatch.alerts import backtest as bt
from supplywatch.alerts import calibrate as cal
from supplywatch.alerts.evaluate import Frames, compute_frames, factors_as_of, score
from supplywatch.alerts.model import load_ladder
from supplywatch.errors import DataError

EVENTS = TEST_DATA / "events" / "dev-events.csv"


@pytest.fixture(scope="module")
def frames(bundle_store: duckdb.DuckDBPyConnection) -> Frames:
    return compute_frames(ibis.duckdb.from_connection(bundle_store))


def test_scores_are_bounded_and_explained(frames: Frames) -> None:
    ladder = load_ladder()
    s = score(factors_as_of(frames, date(2026, 11, 24), ladder), ladder)
    assert s["score"].between(0, 100).all()
    assert s["confidence"].between(0, 1).all()
    assert set(s["main_driver"]) <= set(ladder.weights)
    row = s[(s["item_id"] == "natural_graphite") & (s["importer_id"] == "BLOC")].iloc[0]
    assert (row["trade_year"], row["top_supplier_id_iso3"]) == (2024, "CHN")
    assert row["f_supplier_concentration"] == pytest.approx(0.9142419, abs=1e-6)
    assert bool(row["is_kita_screen"]) and row["f_screens"] == 1.0


def test_as_of_uses_only_data_known_then(frames: Frames) -> None:
    ladder = load_ladder()
    s = factors_as_of(frames, date(2010, 6, 1), ladder)
    assert s["trade_year"].max() == 2008  # 2009 trade appears on 2011-01-31
    assert (s["trade_available_date"] <= pd.Timestamp("2010-06-01")).all()
    assert s["production_hhi"].isna().all()  # WMD production starts with 2018 data


def test_ladder_thresholds_follow_the_documented_rule(frames: Frames) -> None:
    ladder = load_ladder()
    got = cal.thresholds(frames, ladder)
    assert got == {lv.code: (lv.entry, lv.exit) for lv in ladder.levels}, (
        "ladder.yml thresholds are stale: run `supplywatch calibrate` and update them"
    )


def test_read_dev_events() -> None:
    events = bt.read_events(EVENTS)
    by_id = {e.event_id: e for e in events}
    assert len(events) == 8
    assert by_id["E02-2010-CN-REE-quota"].t0 == date(2010, 7, 8)
    assert by_id["E08-2015-CN-quota-abolished"].t0 == date(2014, 12, 1)
    assert by_id["E08-2015-CN-quota-abolished"].is_relaxation
    assert by_id["E20-2021-CN-magnesium"].t0 == date(2021, 9, 20)  # announced n/a
    assert by_id["E11-2019-JP-KR-3items"].hs2022 == ("281111", "370790", "392099")


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("X,2019-13-01,n/a,CHN,ALL,x,2805.30,ban: x,,src", "announced"),
        ("X,2019-01-01,n/a,CHN,ALL,x,2805.30,embargo: x,,src", "measure"),
        ("X,2019-01-01,n/a,CHN,ALL,x,28053,ban: x,,src", "hs6_codes"),
    ],
)
def test_bad_events_file(tmp_path: Path, line: str, column: str) -> None:
    path = tmp_path / "ev.csv"
    path.write_text(
        EVENTS.read_text(encoding="utf-8").splitlines()[0] + "\n" + line + "\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as info:
        bt.read_events(path)
    assert (info.value.row, info.value.column) == (2, column)


def test_backtest_on_dev_events(frames: Frames, bundle_store: duckdb.DuckDBPyConnection) -> None:
    links = bundle_store.execute(
        "SELECT material_id, product_id_hs6 FROM "
        "core_supplywatch__material_products "
        "WHERE hs_revision_code = 'H6'"
    ).df()
    res = bt.run(
        frames,
        bt.read_events(EVENTS),
        load_ladder(),
        links,
        ["KOR", "JPN", "BLOC"],
        date(2026, 11, 1),
    )
    kinds = {(e["event_id"], e["importer"]): e["kind"] for e in res.events}
    assert kinds[("E11-2019-JP-KR-3items", "JPN")] == "export-side (imposed by the importer)"
    assert kinds[("E11-2019-JP-KR-3items", "KOR")] == "import"
    ree_jpn = next(
        e for e in res.events if e["event_id"] == "E02-2010-CN-REE-quota" and e["importer"] == "JPN"
    )
    at_365 = ree_jpn["offsets"]["365"]
    assert {a["trade_year"] for a in at_365["affected"]} == {2007}  # known on 2009-07-08
    assert at_365["auc"] is not None and at_365["auc"] > 0.5
    hf = next(
        e for e in res.events if e["event_id"] == "E11-2019-JP-KR-3items" and e["importer"] == "KOR"
    )
    assert hf["offsets"]["0"]["affected_without_data"] == [
        "fluorinated_polyimide",
        "hydrogen_fluoride",
        "photoresist",
    ]
    s = res.summary
    assert set(s["auc_mean_by_offset"]) == {"365", "180", "90", "30", "0"}
    assert s["false_escalations_per_item_year"] is not None


def test_eu_supply_risk_parts(frames: Frames) -> None:
    sr = frames.supply_risk
    row = sr[
        (sr["item_id"] == "natural_graphite")
        & (sr["importer_id"] == "JPN")
        & (sr["ref_year"] == 2023)
    ].iloc[0]
    ir = row["import_reliance"]
    expected = (row["hhi_wgi_global"] * ir / 2 + row["hhi_wgi_sourcing"] * (1 - ir / 2)) * (
        1 - row["eol_rir_share"]
    )
    assert row["supply_risk_eu"] == pytest.approx(expected, rel=1e-12)
    assert row["eol_rir_share"] == pytest.approx(0.03)
    assert bool(row["is_si_neutral"])  # no substitution data: neutral 1.0, flagged
    assert sr["hhi_wgi_global"].between(0, 10).all()
    assert sr["import_reliance"].dropna().between(0, 1).all()


def test_backtest_with_hs_codes_as_items(bundle_store: duckdb.DuckDBPyConnection) -> None:
    from supplywatch.services import _HS2022_TO_HS1992_SQL

    links = bundle_store.execute(_HS2022_TO_HS1992_SQL).df()
    # HS2022 8112.92 comes from HS1992 8112.30 (germanium), 8112.40 (vanadium), 8112.91
    assert {"811230", "811240", "811291"} <= set(
        links[links["product_id_hs6"] == "811292"]["material_id"]
    )
    frames = compute_frames(ibis.duckdb.from_connection(bundle_store), ["KOR"], items="hs")
    events = [e for e in bt.read_events(EVENTS) if e.event_id == "E06-2014-ID-ore-ban"]
    res = bt.run(frames, events, load_ladder(), links, ["KOR"], date(2015, 1, 1))
    at0 = res.events[0]["offsets"]["0"]
    assert {a["item"] for a in at0["affected"]} == {"260400", "260600"}
    assert at0["items_scored"] > 50
