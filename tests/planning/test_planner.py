"""The HiGHS planner on hand-checkable cases, scenarios from indicators, and the plan on the
real bundle (point in time)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from supplywatch.planning import solver
from supplywatch.planning.agency import load_agency_lists
from supplywatch.planning.model import MaterialInput, Scenario, load_assumptions
from supplywatch.planning.scenarios import scenarios_for
from supplywatch.services import Services, plan_stockpile
from supplywatch.settings import Settings
from tests.conftest import NOW

A = load_assumptions()
#: Illustrative budgets and exchange rates (user inputs, not data).
DEMO = {
    "budget_krw": 50e9,
    "budget_jpy": 5e9,
    "krw_per_usd": 1400.0,
    "jpy_per_usd": 150.0,
    "as_of": date(2026, 11, 24),
}


def material(
    level: tuple[int, int] = (3, 3),
    share: tuple[float, float] = (1.0, 1.0),
    top: tuple[str, str] = ("CHN", "CHN"),
) -> MaterialInput:
    return MaterialInput(
        material_id="gallium",
        consumption_t_per_day=(1.0, 2.0),
        consumption_basis=("apparent 2024", "apparent 2024"),
        unit_value_usd_per_t=1000.0,
        unit_value_basis="test",
        level=level,
        top_supplier=top,
        share_lost=share,
    )


#: Half a chance that both sides lose all supply for 30 days.
ONE_MONTH = [
    Scenario(
        material_id="gallium",
        probability=0.5,
        duration_days=30,
        share_lost=(1.0, 1.0),
        price_shock=2.0,
    )
]


def test_scenarios_follow_levels_and_suppliers() -> None:
    sc = scenarios_for(material(level=(1, 3)), A, (0.9, 0.9))
    assert len(sc) == len(A.duration_days)  # one supplier (CHN) hits both sides at once
    p_year = A.annual_probability_by_level[3]  # the highest level among the sides hit
    assert sum(s.probability for s in sc) == pytest.approx(p_year)
    assert [s.duration_days for s in sc] == A.duration_days
    two = scenarios_for(material(top=("CHN", "AUS"), share=(0.8, 0.6)), A, (0.8, 0.3))
    assert len(two) == 2 * len(A.duration_days)
    aus = [s for s in two if s.share_lost == (0.0, 0.6)]
    chn = [s for s in two if s.share_lost == (0.8, 0.3)]  # China's share of JP's imports too
    assert len(aus) == len(chn) == len(A.duration_days)


def test_lp_stocks_the_lost_tonnes_when_budget_allows() -> None:
    m = material()
    s = ONE_MONTH
    r = solver.solve_plan([m], s, A, solver.Budget(1e9, 1e9))
    assert r.status == "Optimal"
    stock = r.stock_t["gallium"]
    # 30 days x (1 + 2) t/day = 90 t lost; all of it covered, at the cheapest holding cost
    assert sum(stock.values()) == pytest.approx(90.0, abs=1e-6)
    assert r.expected_unserved_usd == pytest.approx(0.0, abs=1e-6)
    assert r.holding_usd == pytest.approx(90 * 1000 * A.holding_cost_share_per_year, rel=1e-6)


def test_lp_spends_a_tight_budget_and_budget_has_value() -> None:
    m = material()
    s = ONE_MONTH
    tight = solver.Budget(20_000.0, 20_000.0)  # 40 t in all (pool split 50/50)
    r = solver.solve_plan([m], s, A, tight)
    assert sum(r.stock_t["gallium"].values()) == pytest.approx(40.0, rel=1e-6)
    assert r.spend_usd["KR"] == pytest.approx(20_000.0, rel=1e-6)
    assert r.expected_unserved_usd == pytest.approx(0.5 * 2000 * 50, rel=1e-6)  # 50 t short
    more = solver.solve_plan([m], s, A, solver.Budget(20_200.0, 20_000.0))
    assert more.objective_usd < r.objective_usd  # a marginal dollar still buys down risk


def test_plan_beats_or_matches_uniform_days_at_the_same_budget() -> None:
    mats = [material(), material(level=(0, 0)).model_copy(update={"material_id": "germanium"})]
    sc = [x for m in mats for x in scenarios_for(m, A, (1.0, 1.0))]
    bud = solver.Budget(50_000.0, 80_000.0)
    best = solver.solve_plan(mats, sc, A, bud)
    uni, days = solver.uniform_days(mats, bud)
    # KR: 50,000 USD / 1,000 USD/t = 50 t over 1 + 1 t/day -> 25 days; JP: 80 t / 4 t/day
    assert days["KR"] == pytest.approx(25.0) and days["JP"] == pytest.approx(20.0)
    rule = solver.solve_plan(mats, sc, A, bud, fixed_stock=uni)
    assert best.objective_usd < rule.objective_usd
    assert best.spend_usd["KR"] <= 50_000.0 + 1e-6 and best.spend_usd["JP"] <= 80_000.0 + 1e-6


def test_minimum_lot_makes_it_a_mip() -> None:
    a = A.model_copy(update={"min_lot_t": 100.0})
    s = ONE_MONTH
    r = solver.solve_plan([material()], s, a, solver.Budget(1e9, 1e9))
    assert r.is_mip and r.status == "Optimal"
    for v in r.stock_t["gallium"].values():
        assert v == pytest.approx(0.0, abs=1e-6) or v >= 100.0 - 1e-6


#: What the issue's illustrative run must plan, or skip with its reason.
AGENCY_ITEMS = ["neodymium", "dysprosium", "tungsten", "antimony", "cobalt", "germanium", "bismuth"]


@pytest.mark.slow
def test_plan_on_the_bundle(store_path: Path, tmp_path: Path) -> None:
    svc = Services(Settings(db_path=store_path, clock_frozen_at=NOW))
    res = plan_stockpile(svc, **DEMO, paths=5000)  # the agencies' lists
    assert res["solver"]["status"] == "Optimal"
    assert res["material_list"]["source"] == "agency lists: KOMIR, JOGMEC, PPS"
    assert res["plan"]["spend_usd"]["KR"] <= 50e9 / 1400 + 1
    assert res["plan"]["objective_usd"] <= res["baselines"]["agency_rule"]["objective_usd"] + 1e-6
    assert res["plan"]["objective_usd"] <= res["baselines"]["uniform_days"]["objective_usd"] + 1e-6
    units = {m["material_id"]: m for m in res["materials"]}
    planned = {x for m in res["materials"] for x in m["members"]}
    skipped = {x["material_id"]: x["reason"] for x in res["skipped"]}
    # every material asked is planned or skipped with its reason, never both, never silently
    assert planned | set(skipped) == set(res["material_list"]["asked"])
    assert not planned & set(skipped)
    for mid in AGENCY_ITEMS:
        assert mid in planned or skipped[mid], mid
    # the rare earths share 2805.30 / 2846.90: one unit, counted once, in the refined stage
    ree = units["neodymium+15"]
    assert ree["is_shared"] and {"dysprosium", "terbium", "cerium"} <= set(ree["members"])
    assert ree["codes_hs1992"] == ["280530", "284610", "284690"] and ree["stage"] == "processing"
    assert ree["lists"] == ["JOGMEC", "KOMIR"]
    # cobalt: metal (8105), not ore; Korea's demand is its net imports of the metal (a proxy),
    # Japan (a net exporter of cobalt metal) has no import need
    co = units["cobalt"]
    assert co["codes_hs1992"] == ["810510"] and co["trade_year"] == {"KOR": 2024, "JPN": 2024}
    assert co["consumption_basis"][0] == "proxy: net imports of the stored form 2024"
    assert co["consumption_basis"][1].startswith("no import need: net exporter")
    assert 10_000 < co["unit_value_usd_per_t"] < 100_000  # a metal's price, not an ore's
    assert co["annual_probability"]["KOR"] == pytest.approx(0.2745, abs=1e-4)
    w = units["tungsten"]
    assert w["stage"] == "processing" and w["codes_hs1992"] == ["810110"]
    assert units["bismuth"]["consumption_t_per_day"]["KR"] == 0.0  # Korea exports bismuth
    assert skipped["antimony"].startswith("no data: no trade of the stored form")
    assert "811000" in skipped["antimony"]
    assert skipped["germanium"].startswith("stale:") and "2015" in skipped["germanium"]
    assert skipped["nickel"].startswith("no data") and "750210" in skipped["nickel"]
    # the agencies' rule: their target days, no published order (said so)
    rules = {r["agency"]: r for r in res["baselines"]["agency_rule"]["rules"]}
    assert rules["KOMIR"]["target_days"] == 100 and rules["JOGMEC"]["target_days"] == 60
    assert rules["KOMIR"]["order_basis"] == "no published priority: the list's own order"
    pps = load_agency_lists().by_id()["PPS"].rule
    assert pps.priority == ["aluminium", "copper", "nickel"]
    assert rules["PPS"]["order_basis"] == pps.priority_basis
    assert rules["PPS"]["target_days"] == 60
    # the user's own consumption replaces the proxy, and a plan of skipped items says why
    own = tmp_path / "cons.csv"
    own.write_text("material_id,side,tonnes_per_year\nniobium,KR,365\nniobium,JP,730\n")
    res2 = plan_stockpile(svc, **DEMO, materials=["niobium"], paths=2000, consumption_csv=own)
    nb = res2["materials"][0]
    assert nb["consumption_basis"] == ["entered", "entered"]
    assert nb["consumption_t_per_day"] == {"KR": 1.0, "JP": 2.0}
    assert res2["material_list"] == {"source": "given", "asked": ["niobium"]}
    with pytest.raises(Exception, match="unknown material"):
        plan_stockpile(svc, **DEMO, materials=["unobtainium"])
    with pytest.raises(Exception, match="gallium: no data: no trade of the stored form") as e:
        plan_stockpile(svc, **DEMO, materials=["gallium", "germanium"])
    assert "germanium: stale" in str(e.value)


@pytest.mark.slow
def test_guards_hold_at_twenty_times_the_budget(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplywatch.planning import model
    from supplywatch.planning.model import Guards

    svc = Services(Settings(db_path=store_path, clock_frozen_at=NOW))
    big = {**DEMO, "budget_krw": 20 * 50e9, "budget_jpy": 20 * 5e9}
    res = plan_stockpile(svc, **big, paths=2000)
    for m in res["materials"]:  # the limits hold; the stored form keeps every tonne priced
        total = sum(m["target_t"].values())
        assert m["guard"]["limit_t"] is None or total <= m["guard"]["limit_t"] * (1 + 1e-6) + 1e-6
    # tighter guards (a month of demand): they bind, and each unit at one is flagged
    tight = A.model_copy(update={"guards": Guards(max_years_of_demand=1 / 12)})
    monkeypatch.setattr(model, "load_assumptions", lambda: tight)
    res = plan_stockpile(svc, **big, paths=2000)
    flagged = {g["unit_id"] for g in res["guard_flags"]}
    assert flagged
    for m in res["materials"]:
        total = sum(m["target_t"].values())
        assert m["guard"]["limit_t"] is None or total <= m["guard"]["limit_t"] * (1 + 1e-6) + 1e-6
        assert m["guard"]["at_limit"] == (m["material_id"] in flagged)
    monkeypatch.undo()
    levels = plan_stockpile(svc, **DEMO, paths=2000, probability_source="level")
    assert levels["probability_source"] == "level"
    assert levels["plan"]["objective_usd"] != pytest.approx(
        plan_stockpile(svc, **DEMO, paths=2000)["plan"]["objective_usd"]
    )


def test_stock_already_held_is_kept_and_costs_no_budget() -> None:
    held = material().model_copy(update={"existing_t": (30.0, 0.0, 60.0)})
    r = solver.solve_plan([held], ONE_MONTH, A, solver.Budget(0.0, 0.0))
    assert r.status == "Optimal"
    st = r.stock_t["gallium"]
    assert st["KR"] == pytest.approx(30.0) and st["POOL"] == pytest.approx(60.0)
    assert r.spend_usd == {"KR": pytest.approx(0.0, abs=1e-6), "JP": pytest.approx(0.0, abs=1e-6)}
    # 90 t lost, 90 t held: nothing unserved (the pool serves JP, which is at 경계)
    assert r.expected_unserved_usd == pytest.approx(0.0, abs=1e-6)
    rule, days = solver.uniform_days([held], solver.Budget(0.0, 0.0))
    assert rule["gallium"] == {"KR": 30.0, "JP": 0.0, "POOL": 60.0}
    # KR already holds 30 days (30 t at 1 t/day), which no budget is needed for; JP none
    assert days["KR"] == pytest.approx(30.0) and days["JP"] == pytest.approx(0.0)


def test_user_csv_inputs_named_errors(tmp_path: Path) -> None:
    from supplywatch.errors import DataError
    from supplywatch.planning.inputs import read_user_inputs

    cons = tmp_path / "cons.csv"
    cons.write_text("material_id,side,tonnes_per_year\ngallium,KR,73\ngallium,JP,36.5\n")
    stocks = tmp_path / "stocks.csv"
    stocks.write_text("material_id,holder,quantity_t\ngallium,KR,5\ngallium,KR,2\ngallium,POOL,1\n")
    c, h = read_user_inputs(stocks, cons, {"gallium"})
    assert c == {("gallium", 0): 73.0, ("gallium", 1): 36.5}
    assert h == {"gallium": (7.0, 0.0, 1.0)}
    bad = tmp_path / "bad.csv"
    bad.write_text("material_id,holder,quantity_t\ngallium,KR,5\ngallium,MARS,1\n")
    with pytest.raises(DataError) as e:
        read_user_inputs(bad, None, {"gallium"})
    assert (e.value.row, e.value.column, e.value.value) == (3, "holder", "MARS")
    bad.write_text("material_id,side,tonnes_per_year\nunobtainium,KR,5\n")
    with pytest.raises(DataError) as e:
        read_user_inputs(None, bad, {"gallium"})
    assert (e.value.row, e.value.column) == (2, "material_id")
    bad.write_text("material_id,side,tonnes_per_year\ngallium,KR,-1\n")
    with pytest.raises(DataError, match="must be a finite number > 0"):
        read_user_inputs(None, bad, {"gallium"})


def test_importance_weights_unserved_demand_per_material() -> None:
    m = material()
    fixed = {"gallium": {"KR": 10.0, "JP": 10.0, "POOL": 0.0}}
    bud = solver.Budget(1e9, 1e9)
    one = solver.solve_plan([m], ONE_MONTH, A, bud, fixed_stock=fixed)
    three = solver.solve_plan(
        [m.model_copy(update={"importance": 3.0})], ONE_MONTH, A, bud, fixed_stock=fixed
    )
    assert one.expected_unserved_usd > 0
    assert three.expected_unserved_usd == pytest.approx(3 * one.expected_unserved_usd, rel=1e-9)
    assert three.holding_usd == pytest.approx(one.holding_usd, rel=1e-9)
    a = A.model_copy(update={"importance": {"gallium": 2.5}})
    assert (a.importance_of("gallium"), a.importance_of("germanium")) == (2.5, 1.0)
    with pytest.raises(ValueError, match="importance: must be > 0"):
        type(A).model_validate({**A.model_dump(), "importance": {"gallium": 0.0}})


def test_importance_from_assumptions_reaches_the_plan(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplywatch.errors import ConfigError
    from supplywatch.planning import model

    svc = Services(Settings(db_path=store_path, clock_frozen_at=NOW))
    weighted = A.model_copy(update={"importance": {"niobium": 3.0}})
    monkeypatch.setattr(model, "load_assumptions", lambda: weighted)
    res = plan_stockpile(svc, **DEMO, materials=["niobium", "natural_graphite"], paths=500)
    got = {m["material_id"]: m["importance"] for m in res["materials"]}
    assert got == {"niobium": 3.0, "natural_graphite": 1.0}
    unknown = A.model_copy(update={"importance": {"unobtainium": 2.0}})
    monkeypatch.setattr(model, "load_assumptions", lambda: unknown)
    with pytest.raises(ConfigError, match="importance: unknown material 'unobtainium'"):
        plan_stockpile(svc, **DEMO, materials=["niobium"], paths=500)
