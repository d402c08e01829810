"""The plan for what agencies stockpile: stored forms and shared codes as planning units, the
net-import demand proxy, the agencies' rule and uniform days as baselines, the model's
probabilities, plausibility guards, and the agency lists' validation. Hand-made inputs here are
test fixtures of the arithmetic (not data)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from supplywatch.errors import DataError
from supplywatch.planning import solver
from supplywatch.planning.agency import AGENCY_FILE, AgencyLists, load_agency_lists
from supplywatch.planning.model import Guards, MaterialInput, load_assumptions
from supplywatch.planning.scenarios import scenarios_for
from supplywatch.planning.units import build_units

A = load_assumptions()
D = date(2026, 11, 24)


def unit(
    mid: str, per_day: tuple[float, float], value: float = 1000.0, **kw: object
) -> MaterialInput:
    return MaterialInput(
        material_id=mid,
        consumption_t_per_day=per_day,
        consumption_basis=("test", "test"),
        unit_value_usd_per_t=value,
        unit_value_basis="test",
        level=(2, 2),
        top_supplier=("CHN", "CHN"),
        share_lost=(1.0, 1.0),
        **kw,  # type: ignore[arg-type]
    )


def test_agency_rule_funds_in_order_until_the_budget_is_spent() -> None:
    a, b = unit("a", (1.0, 1.0)), unit("b", (2.0, 0.0))
    # KR: 100 days of a = 100 t = 100,000 USD, then b with what is left (50,000 = 50 t)
    st = solver.agency_rule([a, b], solver.Budget(150_000, 1e9), {"KR": [("a", 100), ("b", 100)]})
    assert st["a"]["KR"] == pytest.approx(100.0)
    assert st["b"]["KR"] == pytest.approx(50.0)
    assert st["a"]["JP"] == 0.0 and st["a"]["POOL"] == 0.0  # JP has no rule here: nothing
    # the order matters: b first takes 200 t of the 150 t the budget buys
    st2 = solver.agency_rule([a, b], solver.Budget(150_000, 0), {"KR": [("b", 100), ("a", 100)]})
    assert st2["b"]["KR"] == pytest.approx(150.0) and st2["a"]["KR"] == 0.0


def test_uniform_days_spend_the_budget_on_equal_days() -> None:
    a, b = unit("a", (1.0, 1.0), 1000.0), unit("b", (3.0, 0.0), 500.0)
    st, days = solver.uniform_days([a, b], solver.Budget(250_000, 30_000))
    # KR: D x (1 x 1000 + 3 x 500) = 250,000 -> D = 100; JP: only a, D = 30
    assert days["KR"] == pytest.approx(100.0, rel=1e-6)
    assert days["JP"] == pytest.approx(30.0, rel=1e-6)
    assert st["b"]["KR"] == pytest.approx(300.0, rel=1e-6)
    assert st["b"]["JP"] == 0.0


def test_guard_caps_the_total_stock_of_a_unit() -> None:
    m = unit("a", (10.0, 10.0), cap_t=50.0)
    sc = scenarios_for(m, A.model_copy(update={"probability_source": "level"}), (1.0, 1.0))
    free = solver.solve_plan([unit("a", (10.0, 10.0))], sc, A, solver.Budget(1e9, 1e9))
    capped = solver.solve_plan([m], sc, A, solver.Budget(1e9, 1e9))
    assert sum(free.stock_t["a"].values()) > 50.0
    assert sum(capped.stock_t["a"].values()) == pytest.approx(50.0, rel=1e-6)


def test_scenarios_take_the_models_probability_of_the_sides_hit() -> None:
    m = unit("a", (1.0, 1.0), annual_probability=(0.30, 0.12))
    model = scenarios_for(m, A, (1.0, 1.0))
    assert sum(s.probability for s in model) == pytest.approx(0.30 * A.horizon_days / 365)
    level = scenarios_for(m, A.model_copy(update={"probability_source": "level"}), (1.0, 1.0))
    assert sum(s.probability for s in level) == pytest.approx(
        A.annual_probability_by_level[2] * A.horizon_days / 365
    )
    # no model probability (not scored): the level's assumption
    none = scenarios_for(unit("a", (1.0, 1.0)), A, (1.0, 1.0))
    assert sum(s.probability for s in none) == pytest.approx(sum(s.probability for s in level))


LISTS = AgencyLists.model_validate(
    {
        "version": "test",
        "agencies": [
            {
                "agency_id": "KOMIR",
                "name": {"en": "test"},
                "side": "KR",
                "rule": {"target_days": 100},
                "items": [
                    {"material_id": "neodymium", "hs2022": ["284690"]},
                    {"material_id": "dysprosium", "hs2022": ["284690"]},
                    {"material_id": "bismuth", "hs2022": ["810610"]},
                    {"material_id": "germanium", "hs2022": ["811292"]},
                    {"material_id": "antimony", "hs2022": ["811010"]},
                ],
            }
        ],
    }
)
LINKS = pd.DataFrame(
    [
        (m, st, c, rev)
        for m in ("neodymium", "dysprosium")
        for rev, c in (("H6", "284690"), ("H0", "284690"), ("H6", "280530"), ("H0", "280530"))
        for st in ("processing",)
    ]
    + [
        ("bismuth", "processing", "810610", "H6"),
        ("bismuth", "processing", "810600", "H0"),
        ("germanium", "processing", "811292", "H6"),
        ("germanium", "processing", "811230", "H0"),
        ("antimony", "processing", "811010", "H6"),
        ("antimony", "processing", "811000", "H0"),
    ],
    columns=["material_id", "stage_code", "product_id_hs6", "hs_revision_code"],
)


def _trade_row(
    code: str, imp: str, year: int, it: float, et: float, iv: float
) -> dict[str, object]:
    return {
        "product_id_hs6": code,
        "importer_id": imp,
        "ref_year": year,
        "import_value_kusd": iv,
        "import_qty_t": it,
        "export_value_kusd": 0.0,
        "export_qty_t": et,
        "available_date": pd.Timestamp(f"{year + 2}-01-31"),
    }


TRADE = pd.DataFrame(
    [
        _trade_row("284690", "KOR", 2024, 100.0, 40.0, 2000.0),
        _trade_row("280530", "KOR", 2024, 10.0, 0.0, 500.0),
        _trade_row("284690", "JPN", 2024, 50.0, 80.0, 1000.0),
        _trade_row("280530", "JPN", 2024, 30.0, 0.0, 1500.0),
        _trade_row("810600", "KOR", 2024, 5.0, 20.0, 50.0),  # Korea: a net exporter
        _trade_row("810600", "JPN", 2024, 5.0, 20.0, 50.0),
        _trade_row("811230", "JPN", 2015, 9.0, 0.0, 90.0),  # last year of the code: stale
    ]
)
SUP = pd.DataFrame(
    [
        ("284690", "KOR", "CHN", 1500.0),
        ("284690", "KOR", "JPN", 500.0),
        ("280530", "KOR", "CHN", 500.0),
        ("284690", "JPN", "CHN", 600.0),
        ("284690", "JPN", "VNM", 400.0),
        ("280530", "JPN", "CHN", 1500.0),
    ],
    columns=["product_id_hs6", "importer_id", "exporter_id_iso3", "value_kusd"],
)


def _units(**kw: object):  # type: ignore[no-untyped-def]
    args = {
        "levels": {("neodymium", "KOR"): 3, ("dysprosium", "JPN"): 4},
        "probabilities": {("neodymium", "KOR"): 0.2, ("dysprosium", "KOR"): 0.35},
        "as_of": D,
        "a": A,
        "max_trade_age_days": 730,
        "wmd_commodity": {"neodymium": "Rare Earths (REO)", "dysprosium": "Rare Earths (REO)"},
        "world_production": {"Rare Earths (REO)": 300_000.0},
    }
    args.update(kw)
    return build_units(LISTS.materials(), LISTS, TRADE, SUP, LINKS, **args)  # type: ignore[arg-type]


def test_units_count_shared_codes_once_and_say_why_others_are_skipped() -> None:
    mats, metas, china, skipped = _units()
    assert [m.material_id for m in mats] == ["neodymium+1"]
    u = mats[0]
    meta = metas["neodymium+1"]
    assert meta.members == ["neodymium", "dysprosium"] and meta.is_shared
    assert meta.codes_h0 == ["280530", "284690"]
    # net imports of the stored form, counted once for the unit: KOR 110 - 40, JPN 80 - 80
    assert u.consumption_t_per_day[0] == pytest.approx(70 / 365)
    assert u.consumption_t_per_day[1] == 0.0
    assert u.consumption_basis[0] == "proxy: net imports of the stored form 2024"
    assert u.consumption_basis[1].startswith("no import need: net exporter")
    assert u.unit_value_usd_per_t == pytest.approx(5000 * 1000 / 190)
    assert u.level == (3, 4) and u.annual_probability == (0.35, None)
    assert u.top_supplier == ("CHN", None)
    assert u.share_lost[0] == pytest.approx(2000 / 2500)
    assert china["neodymium+1"][0] == pytest.approx(2000 / 2500)
    # guard: min(5 % of 300,000 t, 1 year of 70 t)
    assert u.cap_t == pytest.approx(70.0)
    assert skipped["bismuth"].startswith("no import need on either side")
    assert skipped["germanium"].startswith("stale: the newest trade of the stored form")
    assert "2015" in skipped["germanium"]
    assert skipped["antimony"].startswith("no data: no trade of the stored form")
    assert "811010" in skipped["antimony"] and "811000" in skipped["antimony"]


def test_entered_consumption_wins_over_the_proxy() -> None:
    mats, *_ = _units(entered={("neodymium", 1): 100.0, ("dysprosium", 1): 265.0})
    assert mats[0].consumption_t_per_day[1] == pytest.approx(1.0)
    assert mats[0].consumption_basis[1] == "entered"
    # one member without an entry: the proxy stays
    mats2, *_ = _units(entered={("neodymium", 0): 100.0})
    assert mats2[0].consumption_basis[0].startswith("proxy")


def test_the_stored_form_must_be_a_code_of_the_material(tmp_path: Path) -> None:
    bad = LISTS.model_copy(
        update={
            "agencies": [
                LISTS.agencies[0].model_copy(
                    update={
                        "items": [
                            LISTS.agencies[0].items[0].model_copy(update={"hs2022": ["750210"]})
                        ]
                    }
                )
            ]
        }
    )
    _, _, _, skipped = build_units(["neodymium"], bad, TRADE, SUP, LINKS, {}, {}, D, A, 730, {}, {})
    assert (
        "750210" in skipped["neodymium"] and "not among the catalog's codes" in skipped["neodymium"]
    )


def test_agency_lists_file_is_valid_and_errors_name_the_field(tmp_path: Path) -> None:
    from supplywatch.items import loader

    known = {m.material_id for m in loader.load_materials()}
    lists = load_agency_lists(known_materials=known)
    assert {a.agency_id for a in lists.agencies} == {"KOMIR", "JOGMEC", "PPS"}
    assert all(i.source_url for a in lists.agencies for i in a.items)
    p = tmp_path / "lists.yaml"
    p.write_text(
        AGENCY_FILE.read_text(encoding="utf-8").replace(
            "material_id: cobalt", "material_id: unobtainium", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="unknown material") as e:
        load_agency_lists(p, known_materials=known)
    assert e.value.column == "material_id" and e.value.value == "unobtainium"
    assert str(p) in str(e.value)
    p.write_text("version: x\nagencies: [{agency_id: X}]\n", encoding="utf-8")
    with pytest.raises(DataError, match="agencies.0"):
        load_agency_lists(p)


def test_guards_are_optional() -> None:
    g = Guards()
    assert g.max_share_of_world_production is None and g.max_years_of_demand is None
    mats, *_ = _units(a=A.model_copy(update={"guards": g}))
    assert mats[0].cap_t is None
