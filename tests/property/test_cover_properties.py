"""Invariants of days of cover and of the stock rule on the ladder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from supplywatch.alerts.model import load_ladder
from supplywatch.planning import cover as cov

qty = st.floats(min_value=0, max_value=1e9, allow_nan=False)
cons = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False)

records = st.lists(
    st.builds(
        cov.StockRecord,
        org=st.sampled_from(["KR", "JP", "JOINT"]),
        item_id=st.sampled_from(["gallium", "tungsten"]),
        holder=st.sampled_from(cov.HOLDERS),
        quantity_t=qty,
        as_of_date=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
        entered_at=st.datetimes(datetime(2024, 1, 1), datetime(2026, 12, 31)).map(
            lambda t: t.replace(tzinfo=UTC)
        ),
    ),
    max_size=30,
)


@given(qty, qty, cons)
def test_more_stock_never_less_cover(a: float, extra: float, c: float) -> None:
    lo, hi = cov.days_of_cover(a, c), cov.days_of_cover(a + extra, c)
    assert lo is not None and hi is not None and hi >= lo >= 0


@given(records, st.randoms(), st.dates(date(2024, 1, 1), date(2026, 12, 31)))
def test_latest_stocks_ignore_order_and_future(
    recs: list[cov.StockRecord], rnd: object, when: date
) -> None:
    shuffled = list(recs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    got = cov.latest_stocks(recs, when)
    assert got == cov.latest_stocks(shuffled, when) or _ties(recs)
    for (org, item, holder), q in got.items():
        known = [
            r
            for r in recs
            if (r.org, r.item_id, r.holder) == (org, item, holder)
            and r.as_of_date <= when
            and r.entered_at.date() <= when
        ]
        best = max(known, key=lambda r: (r.as_of_date, r.entered_at))
        assert q == best.quantity_t or _ties(known)


def _ties(recs: list[cov.StockRecord]) -> bool:
    keys = [(r.org, r.item_id, r.holder, r.as_of_date, r.entered_at) for r in recs]
    return len(keys) != len(set(keys))


@given(
    st.integers(0, 4),
    st.floats(0, 1e4, allow_nan=False),
    st.floats(0, 1e4, allow_nan=False),
    st.floats(1, 1e3, allow_nan=False),
)
def test_more_cover_never_raises_the_level(level: int, c1: float, c2: float, t: float) -> None:
    rule = load_ladder().stock_cover
    lo, hi = sorted((c1, c2))
    a, b = rule.adjust(level, lo, t), rule.adjust(level, hi, t)
    assert 0 <= b <= a <= 4
    assert abs(a - level) <= 1 and abs(b - level) <= 1
    assert rule.adjust(level, None, t) == level == rule.adjust(level, lo, None)


def test_cover_for_sums_holders_of_the_orgs_asked() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    recs = [
        cov.StockRecord("KR", "gallium", "national", 10.0, date(2025, 12, 1), t),
        cov.StockRecord("KR", "gallium", "national", 30.0, date(2025, 12, 20), t),
        cov.StockRecord("KR", "gallium", "private", 5.0, date(2025, 12, 1), t),
        cov.StockRecord("JP", "gallium", "in_transit", 20.0, date(2025, 12, 1), t),
        cov.StockRecord("JP", "gallium", "national", 99.0, date(2026, 2, 1), t),  # future
    ]
    levels = cov.latest_stocks(recs, date(2026, 1, 15) + timedelta(days=0))
    kr = cov.cover_for("gallium", levels, ("KR",), (365.0, "entered"), (100.0, "KOMIR"))
    assert (kr.stock_t, kr.cover_days, kr.gap_days) == (35.0, 35.0, 65.0)
    bloc = cov.cover_for("gallium", levels, ("KR", "JP", "JOINT"), (730.0, "x"), (60.0, "b"))
    assert bloc.stock_t == 55.0 and bloc.cover_days == 27.5 and bloc.orgs == ("JP", "KR")
    none = cov.cover_for("gallium", levels, ("KR",), (None, None), (100.0, "KOMIR"))
    assert none.cover_days is None and none.gap_days is None and none.consumption_basis is None
