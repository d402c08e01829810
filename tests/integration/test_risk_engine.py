"""Composite score, calibration rule and back-test on the real bundle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest
from tests.conftest import NOW, ROOT, TEST_DATA

from supplywatch.alerts import backtest as bt
from supplywatch.catalog.tables import TABLES
from supplywatch.errors import DataError
from supplywatch.indicators.frames import Frames, compute_frames
from supplywatch.services import HS2022_TO_HS1992_SQL, Services
from supplywatch.settings import Settings
from supplywatch.store.pit import as_of_sql

EVENTS = TEST_DATA / "events" / "dev-events.csv"


@pytest.fixture(scope="module")
def frames(bundle_store: duckdb.DuckDBPyConnection) -> Frames:
    return compute_frames(ibis.duckdb.from_connection(bundle_store))


@pytest.fixture(scope="module")
def svc(store_path: Path) -> Services:
    return Services(Settings(db_path=store_path, clock_frozen_at=NOW))


def _factors_on(con: duckdb.DuckDBPyConnection, when: date) -> pd.DataFrame:
    sql = as_of_sql(TABLES["out_supplywatch__monthly_factors"], when)
    return con.execute(f"SELECT * FROM ({sql}) WHERE item_kind_code = 'material'").df()


def test_scores_are_bounded_and_explained(bundle_store: duckdb.DuckDBPyConnection) -> None:
    s = _factors_on(bundle_store, date(2026, 11, 24))
    assert len(s) == 77 * 3  # every catalog material for KOR, JPN and BLOC, in some state
    scored = s[s["item_state_code"].isin(["scored", "partial"])]
    assert scored["score_points"].between(0, 100).all()
    assert s["confidence_share"].between(0, 1).all()
    assert s[~s["item_state_code"].isin(["scored", "partial"])]["score_points"].isna().all()
    row = s[(s["item_id"] == "natural_graphite") & (s["importer_id"] == "BLOC")].iloc[0]
    assert (row["trade_year"], row["top_supplier_id_iso3"]) == (2024, "CHN")
    assert row["supplier_concentration_factor"] == pytest.approx(0.9142419, abs=1e-6)
    assert bool(row["is_kita_screen"]) and row["screens_factor"] == 1.0


def test_as_of_uses_only_data_known_then(bundle_store: duckdb.DuckDBPyConnection) -> None:
    s = _factors_on(bundle_store, date(2010, 6, 1))
    scored = s[s["item_state_code"] == "scored"]
    assert scored["trade_year"].max() == 2008  # 2009 trade appears on 2011-01-31
    assert (pd.to_datetime(s["available_date"]) <= pd.Timestamp("2010-06-01")).all()
    assert s["production_hhi"].isna().all()  # WMD production starts with 2018 data


def test_ladder_thresholds_follow_the_documented_rule(svc: Services) -> None:
    ladder = svc.ladder()
    got = svc.calibrate()
    assert got == {lv.code: (lv.entry, lv.exit) for lv in ladder.levels}, (
        "ladder.yml thresholds are stale: run `supplywatch calibrate` and update them"
    )


def test_detection_threshold_follows_the_documented_rule(svc: Services) -> None:
    """The detection floor's price z is the ladder's quantile of the price series' monthly
    z-scores over the calibration window (3.39 on the bundle: 0.99 of 1,320 series-months)."""
    assert svc.calibrate_detection() == svc.ladder().model.detection.price_z == 3.4


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


def test_backtest_on_dev_events(svc: Services) -> None:
    res = svc.backtest(EVENTS, end=date(2026, 11, 1))
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
    # the affected set is what the event names, not every material on a shared code
    ga = {e["event_id"]: e for e in res.events if e["importer"] == "KOR"}
    assert ga["E02-2010-CN-REE-quota"]["affected_basis"] == "named and on the event's codes"
    assert "niobium" not in ga["E02-2010-CN-REE-quota"]["affected_items"]
    assert ga["E06-2014-ID-ore-ban"]["affected_items"] == ["aluminium", "nickel"]  # not copper
    s = res.summary
    assert set(s["auc_mean_by_offset"]) == {"365", "180", "90", "30", "0"}
    assert s["false_escalations_per_item_year"] is not None
    # the JSON keeps its summary and adds the per-class, per-split and baseline figures
    assert s["warned_at_t0"] == 54 and s["affected_item_importer_pairs_with_data"] == 60
    assert s["auc_mean_by_offset"]["180"] == pytest.approx(0.505, abs=0.005)
    assert s["baseline"]["auc_mean_by_offset"]["180"] == pytest.approx(0.478, abs=0.005)
    pol = s["by_class"]["policy"]
    assert pol["top_decile_at_180"] == "2 of 12" and pol["alert_within_1_day"] == "52 of 60"
    assert s["by_class"]["shock"]["affected_item_importer_pairs_with_data"] == 0  # no data
    assert set(s["by_split"]) == {"events_in_fit_period", "events_after_split"}
    # the detection floor (price spikes) costs false escalations (0.041 before it)
    assert s["false_escalations_per_item_year"] == pytest.approx(0.0665, abs=0.001)
    assert s["goals"]["false_escalations<=0.05"]["met"] is False
    assert s["goals"]["policy_auc_180d>=0.85"]["met"] is False
    ree = ree_jpn["items"]["neodymium"]["model"]
    assert ree["lead_caution_days"] == 365 and ree["level_day_after"] == 3
    split = svc.backtest(EVENTS, end=date(2026, 11, 1), model="split").summary
    assert split["model_fit"] == "split"
    assert split["auc_mean_by_offset"]["180"] == pytest.approx(0.543, abs=0.005)


def test_shock_detected_from_the_monthly_price(svc: Services) -> None:
    """Real shock, real prices: Russia's invasion of Ukraine (2022-02-24) and the LME nickel
    squeeze. March 2022 nickel (Pink Sheet z +5.14, known from 2022-04-05) puts the detection
    floor under nickel for Japan: 주의 on the first date asked after it (2022-05-01, 66 days
    after the onset; the 30-day goal is out of reach of a monthly series with a month's lag)."""
    res = svc.backtest(ROOT / "docs" / "backtest-shock-events.csv", end=date(2026, 11, 1))
    ni = next(e for e in res.events if e["event_id"].startswith("S02") and e["importer"] == "JPN")
    assert ni["class"] == "shock" and ni["affected_items"] == ["nickel"]
    assert ni["items"]["nickel"]["model"]["caution_latency_days"] == 66
    assert ni["items"]["nickel"]["baseline"]["caution_latency_days"] == 342
    shock = res.summary["by_class"]["shock"]
    assert shock["caution_within_30_days"] == "1 of 6"
    exp = svc.explain("nickel", "JPN", date(2022, 4, 5))
    assert exp["level"] == 2
    assert exp["floors"] == [
        {"kind": "detection", "level": "caution", "why": "price: Nickel z +5.14 (month 2022-03-01)"}
    ]
    assert svc.explain("nickel", "JPN", date(2022, 4, 4))["floors"] == []


def test_risk_model_in_the_ladder_follows_its_rule(svc: Services) -> None:
    """The ladder's fits are what the documented rule gives on the bundle (and the rule gives
    the same twice: deterministic)."""
    ladder = svc.ladder()
    fits, report = svc.fit_model()
    again, _ = svc.fit_model()
    assert fits == again
    for name in ("split", "production"):
        c = getattr(ladder.model, name)
        assert (fits[name].lam, fits[name].intercept, fits[name].coefficients) == (
            c.lam,
            c.intercept,
            c.coefficients,
        ), "ladder.yml model is stale: run `supplywatch calibrate --model --write`"
    assert report["split_fit"]["dates"] == "2002-01-01..2017-12-01"
    assert report["split_validation"]["dates"] == "2019-01-01..2025-11-01"
    assert report["split_validation"]["auc"] == pytest.approx(0.731, abs=0.002)


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


def test_backtest_with_hs_codes_as_items(
    bundle_store: duckdb.DuckDBPyConnection, svc: Services, tmp_path: Path
) -> None:
    links = bundle_store.execute(HS2022_TO_HS1992_SQL).df()
    # HS2022 8112.92 comes from HS1992 8112.30 (germanium), 8112.40 (vanadium), 8112.91
    assert {"811230", "811240", "811291"} <= set(
        links[links["product_id_hs6"] == "811292"]["material_id"]
    )
    one = tmp_path / "one.csv"
    lines = EVENTS.read_text(encoding="utf-8").splitlines()
    one.write_text(
        "\n".join([lines[0], *(x for x in lines if x.startswith("E06-2014-ID-ore-ban"))]) + "\n",
        encoding="utf-8",
    )
    res = svc.backtest(one, ["KOR"], date(2015, 1, 1), items="hs")
    at0 = res.events[0]["offsets"]["0"]
    assert {a["item"] for a in at0["affected"]} == {"260400", "260600"}
    assert at0["items_scored"] > 50


def test_any_importer_screen_and_explain_agree(svc: Services) -> None:
    """An importer outside the service's three is built on demand by the same functions, so
    its screen and its explanations cannot disagree."""
    when = date(2026, 11, 24)
    rows = {r["item_id"]: r for r in svc.screen("DEU", when, None)}
    assert len(rows) == 77
    for item in ("bismuth", "natural_graphite", "gallium"):
        exp = svc.explain(item, "DEU", when)
        assert (exp["state"], exp["score"], exp["level"]) == (
            rows[item]["item_state_code"],
            rows[item]["score_points"],
            rows[item]["alert_level"],
        ), item
    assert rows["bismuth"]["item_state_code"] == "scored"
