"""The risk model (alerts/riskmodel.py) and the levels it drives (alerts/scoring.levels):
fitting is deterministic and monotone, labels follow the registry rule, bands carry
hysteresis, and a level change waits for a persistent signal unless an event comes. Data
here are SYNTHETIC (generated in the tests, never stored)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplywatch.alerts import backtest as bt
from supplywatch.alerts import riskmodel, scoring
from supplywatch.alerts.model import load_ladder

LADDER = load_ladder()


def _synthetic_xy(n: int = 4000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """SYNTHETIC features and outcomes: risk rises with x0, falls with x2 (a free feature),
    x1 is noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 3))
    logit = -3 + 3 * x[:, 0] - 2 * x[:, 2]
    y = (rng.uniform(0, 1, n) < 1 / (1 + np.exp(-logit))).astype(float)
    return x, y


def test_fit_is_deterministic_monotone_and_recovers_the_signs() -> None:
    x, y = _synthetic_xy()
    free = np.array([False, False, True])
    a = riskmodel.fit_logistic(x, y, 1e-3, free)
    b = riskmodel.fit_logistic(x, y, 1e-3, free)
    assert a[0] == b[0] and np.array_equal(a[1], b[1])
    b0, w = a
    assert w[0] == pytest.approx(3.0, abs=0.6) and w[2] == pytest.approx(-2.0, abs=0.6)
    assert w[1] >= 0.0 and b0 == pytest.approx(-3.0, abs=0.6)
    # a constrained feature whose true effect is negative is held at zero, not made negative
    _, w2 = riskmodel.fit_logistic(x, y, 1e-3, np.array([False, False, False]))
    assert w2[2] == 0.0


def test_stronger_regularisation_shrinks_the_coefficients() -> None:
    x, y = _synthetic_xy()
    free = np.array([False, False, True])
    _, weak = riskmodel.fit_logistic(x, y, 1e-4, free)
    _, strong = riskmodel.fit_logistic(x, y, 1e-1, free)
    assert np.abs(strong).sum() < np.abs(weak).sum()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=40))
def test_auc_agrees_with_the_backtest_auc(pairs: list[tuple[bool, int]]) -> None:
    y = np.array([float(p) for p, _ in pairs])
    s = np.array([float(v) for _, v in pairs])
    got = riskmodel.auc(y, s)
    want = bt._auc(s[y == 1], s[y == 0])
    assert (got is None and want is None) or got == pytest.approx(want)


def test_labels_follow_the_registry_rule() -> None:
    rows = pd.DataFrame(
        {
            "item_id": ["gallium", "gallium", "gallium", "gallium", "nickel"],
            "importer_id": ["JPN", "JPN", "KOR", "CHN", "JPN"],
            "available_date": pd.to_datetime(
                ["2022-07-03", "2022-07-04", "2023-01-01", "2023-01-01", "2023-01-01"]
            ),
        }
    )
    clauses = pd.DataFrame(
        {
            "item_id": ["gallium", "gallium"],
            "measure_id": ["CN-MOFCOM-GACC-2023-23", "X-RELAX"],
            "measure_class_code": ["control", "relaxation"],
            "imposer_id_iso3": ["CHN", "CHN"],
            "targets_text": ["ALL", "ALL"],
            "available_date": pd.to_datetime(["2023-07-03", "2023-02-01"]),
        }
    )
    y = riskmodel.labels(rows, clauses)
    # 2022-07-03 + 365 days = 2023-07-03: inside; the day after the window opens: inside too;
    # China's own measure is no import shock for China; nickel is not named; a relaxation is
    # never a positive
    assert y.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0]
    early = rows.assign(available_date=pd.Timestamp("2022-07-02"))
    assert riskmodel.labels(early.iloc[:1], clauses).tolist() == [0.0]


def test_band_hysteresis() -> None:
    b = LADDER.band_values()
    r = LADDER.model.exit_ratio
    assert scoring.band_of(b[1], 0, LADDER) == 2
    assert scoring.band_of(b[1] * 0.99, 2, LADDER) == 2  # below entry, above exit: stays
    assert scoring.band_of(b[1] * r * 0.99, 2, LADDER) == 1
    assert scoring.band_of(0.0, 4, LADDER) == 0
    assert scoring.band_of(0.99, 0, LADDER) == 4


def _rows(probs: list[float], days: list[str], measures: list[str] | None = None) -> pd.DataFrame:
    n = len(probs)
    return pd.DataFrame(
        {
            "item_id": "gallium",
            "importer_id": "JPN",
            "available_date": pd.to_datetime(days),
            "score_points": 50.0,
            "risk_probability_share": probs,
            "measure_floor_level": 0,
            "active_measures_text": measures or [None] * n,
            "monthly_signal_share": [None] * n,
            "has_fresh_monthly": False,
            "monthly_available_date": pd.NaT,
            "price_change_z": [None] * n,
            "price_available_date": pd.NaT,
            "item_state_code": "scored",
        }
    )


def test_detection_floor_holds_caution_while_the_signal_is_fresh() -> None:
    """A price z at or above the ladder's threshold, or a monthly trade signal of at least
    the event share, holds 주의 while fresh (price 183 days, monthly trade 122 days), whatever
    the probability; nothing below the threshold, nothing once stale, nothing unscored."""
    z = LADDER.model.detection.price_z
    days = ["2022-04-05", "2022-05-01", "2022-10-05", "2022-10-06", "2022-11-01"]
    r = _rows([0.0] * 5, days)
    r["price_change_z"] = [z, z, z, z - 0.01, z]
    r["price_available_date"] = pd.to_datetime(
        ["2022-04-05", "2022-04-05", "2022-04-05", "2022-10-06", "2022-04-05"]
    )
    out = scoring.levels(r, LADDER)
    # 2022-10-05: 183 days old, still fresh; 10-06: a newer month below the threshold;
    # 11-01: the old spike again but 210 days old
    assert out["detection_floor_level"].tolist() == [2, 2, 2, 0, 0]
    assert out["alert_level"].tolist() == [2, 2, 2, 0, 0]
    t = _rows([0.0] * 3, ["2024-03-01", "2024-07-01", "2024-07-02"])
    t["monthly_signal_share"] = [LADDER.model.event_signal_share, 0.9, 0.9]
    t["monthly_available_date"] = pd.to_datetime(["2024-03-01"] * 3)
    assert scoring.levels(t, LADDER)["detection_floor_level"].tolist() == [2, 2, 0]  # 122, 123
    t["item_state_code"] = "stale"
    assert scoring.levels(t, LADDER)["detection_floor_level"].tolist() == [0, 0, 0]


def test_a_rise_waits_for_persistence_and_an_event_does_not() -> None:
    hi = LADDER.band_values()[2] + 0.01  # 경계
    days = ["2020-01-01", "2020-02-01", "2020-02-15", "2020-03-01"]
    out = scoring.levels(_rows([0.0, hi, hi, hi], days), LADDER)
    assert out["alert_level"].tolist() == [0, 0, 0, 3]  # 2020-02-15: 14 days, 03-01: 29
    out = scoring.levels(_rows([0.0, hi, hi, hi], days[:2] + ["2020-02-28", "2020-02-29"]), LADDER)
    assert out["alert_level"].tolist() == [0, 0, 0, 3]  # 27 days: not yet; 28: yes
    event = scoring.levels(_rows([0.0, hi, hi, hi], days, [None, "M1", "M1", "M1"]), LADDER)
    assert event["alert_level"].tolist() == [0, 3, 3, 3]


def test_a_fall_needs_half_a_year_without_an_event() -> None:
    hi = LADDER.band_values()[2] + 0.01
    days = ["2020-01-01", "2020-01-02", "2020-03-01", "2020-06-01", "2020-07-01", "2020-07-10"]
    probs = [hi, hi, 0.0, 0.0, 0.0, 0.0]
    out = scoring.levels(_rows(probs, days, ["M"] * 6), LADDER)
    # entered by the event on the first day; the probability falls on 03-01: the level holds
    # until 180 days later have passed (2020-08-28), so still 경계 on 07-10
    assert out["alert_level"].tolist() == [3, 3, 3, 3, 3, 3]
    lifted = scoring.levels(_rows(probs, days, ["M", "M", None, None, None, None]), LADDER)
    assert lifted["alert_level"].tolist() == [3, 3, 0, 0, 0, 0]  # the measure ended: an event


def test_yearly_flapping_is_damped() -> None:
    """A probability that crosses the 관심 band every year (a new annual release each
    January) changes the level once, not every year."""
    lo, hi = LADDER.band_values()[0] * 0.9, LADDER.band_values()[0] * 1.05
    days = pd.date_range("2015-01-01", "2021-12-01", freq="MS")
    probs = [hi if d.year % 2 else lo for d in days]
    out = scoring.levels(_rows(probs, [str(d.date()) for d in days]), LADDER)
    assert int(out["is_level_change"].sum()) == 1
