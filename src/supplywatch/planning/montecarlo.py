"""Monte Carlo evaluation of a stockpile plan: daily steps over the horizon, many paths.

Model (the same in every implementation, and the same as the planner's second stage):
- events: "a supplier stops exports of a material"; event e occurs on a path with probability
  p_e over the horizon, starts on a day uniform in the horizon, lasts a duration drawn from the
  assumptions' distribution, and removes lost_t_per_day[e, side] of each side's supply;
- each day, each side's need = min(consumption, sum of its active losses); it is met from its
  own stock, then from the joint pool (only for a side at or above the release level; both
  sides draw pro rata to their remaining need, each at most max_draw_share of the initial
  pool), then by a loan from the other side (only while the lender is below the lending level,
  up to max_lend_share of its initial stock); what is left is unserved.
Random numbers come from a counter-based generator (SplitMix64 of seed, path, event, draw),
so every implementation gives the same draws for the same seed.

Results per (material, side): shortfall probability (any unserved tonne), expected unserved
tonnes, and days from the first disrupted day to the exhaustion of the side's own stock
(mean over the paths where it ran out) with the share of paths where it did.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True)
class MCInput:
    """Arrays (float64 unless said): materials M, events E, sides 2 (KR, JP)."""

    consumption: np.ndarray  # (M, 2) t/day
    level: np.ndarray  # (M, 2) int alert level
    stock: np.ndarray  # (M, 3) own KR, own JP, pool (t)
    ev_material: np.ndarray  # (E,) int
    ev_p: np.ndarray  # (E,) probability over the horizon
    ev_lost: np.ndarray  # (E, 2) t/day
    dur_days: np.ndarray  # (K,) int
    dur_cdf: np.ndarray  # (K,) cumulative probability
    horizon: int
    release_level: int
    max_draw_share: float
    lend_below_level: int
    max_lend_share: float

    def with_stock(self, stock: np.ndarray) -> MCInput:
        return replace(self, stock=np.asarray(stock, dtype=np.float64))


@dataclass(frozen=True)
class MCResult:
    paths: int
    shortfall_probability: np.ndarray  # (M, 2)
    expected_unserved_t: np.ndarray  # (M, 2)
    days_to_exhaustion: np.ndarray  # (M, 2) mean over paths where own stock ran out (nan: none)
    exhausted_share: np.ndarray  # (M, 2)


def _uniform(seed: int, path: np.ndarray, event: int, draw: int) -> np.ndarray:
    """SplitMix64 of (seed, path, event, draw) -> uniform [0, 1) (vectorised over paths)."""
    with np.errstate(over="ignore"):
        z = (
            np.uint64(seed) * GOLDEN
            + path.astype(np.uint64) * np.uint64(0xD1B54A32D192ED03)
            + np.uint64(event * 4 + draw + 1) * GOLDEN
        )
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def draw_events(inp: MCInput, seed: int, path0: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start day and end day (exclusive) of each event on paths path0..path0+n; start = -1 if
    the event does not occur."""
    paths = np.arange(path0, path0 + n, dtype=np.int64)
    e_n = len(inp.ev_p)
    start = np.full((n, e_n), -1, dtype=np.int64)
    end = np.full((n, e_n), -1, dtype=np.int64)
    for e in range(e_n):
        occurs = _uniform(seed, paths, e, 0) < inp.ev_p[e]
        s = np.minimum(
            (_uniform(seed, paths, e, 1) * inp.horizon).astype(np.int64), inp.horizon - 1
        )
        k = np.searchsorted(inp.dur_cdf, _uniform(seed, paths, e, 2), side="right")
        k = np.minimum(k, len(inp.dur_days) - 1)
        d = inp.dur_days[k]
        start[:, e] = np.where(occurs, s, -1)
        end[:, e] = np.where(occurs, s + d, -1)
    return start, end


def simulate_numpy(inp: MCInput, paths: int, seed: int = 0, chunk: int = 200_000) -> MCResult:
    """Vectorised over paths and materials, one NumPy step per day (the reference)."""
    m_n = inp.consumption.shape[0]
    acc = np.zeros((m_n, 2, 4))
    for p0 in range(0, paths, chunk):
        n = min(chunk, paths - p0)
        start, end = draw_events(inp, seed, p0, n)
        acc += _numpy_chunk(inp, start, end)
    return _finish(acc, paths)


def _numpy_chunk(inp: MCInput, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    n = start.shape[0]
    m_n = inp.consumption.shape[0]
    own = np.broadcast_to(inp.stock[:, :2], (n, m_n, 2)).copy()
    pool = np.broadcast_to(inp.stock[:, 2], (n, m_n)).copy()
    drawn = np.zeros((n, m_n, 2))
    lent = np.zeros((n, m_n, 2))
    unserved = np.zeros((n, m_n, 2))
    first_hit = np.full((n, m_n, 2), -1, dtype=np.int64)
    exhausted_at = np.full((n, m_n, 2), -1, dtype=np.int64)
    eligible = (inp.level >= inp.release_level)[None, :, :]
    can_lend = (inp.level < inp.lend_below_level)[None, :, :]
    draw_cap = inp.max_draw_share * inp.stock[:, 2][None, :, None]
    lend_cap = inp.max_lend_share * inp.stock[:, :2][None, :, :]
    for t in range(inp.horizon):
        active = (start <= t) & (t < end)  # (n, E)
        loss = np.zeros((n, m_n, 2))
        for e in range(len(inp.ev_p)):
            loss[:, inp.ev_material[e], :] += active[:, e, None] * inp.ev_lost[e][None, :]
        need = np.minimum(loss, inp.consumption[None])
        hit = need > 0
        first_hit = np.where(hit & (first_hit < 0), t, first_hit)
        use = np.minimum(need, own)
        own -= use
        rem = need - use
        ran_out = hit & (own <= 0) & (exhausted_at < 0)
        exhausted_at = np.where(ran_out, t, exhausted_at)
        want = np.where(eligible, np.minimum(rem, draw_cap - drawn), 0.0)
        tot = want.sum(axis=2)
        give = np.minimum(tot, pool)
        frac = np.divide(give, tot, out=np.zeros_like(give), where=tot > 0)
        got = want * frac[:, :, None]
        pool -= give
        drawn += got
        rem -= got
        other_own = own[:, :, ::-1]
        other_cap = (lend_cap - lent)[:, :, ::-1]
        loan = np.where(
            can_lend[:, :, ::-1], np.minimum(rem, np.minimum(other_own, other_cap)), 0.0
        )
        own -= loan[:, :, ::-1]
        lent += loan[:, :, ::-1]
        rem -= loan
        unserved += rem
    return _accumulate(unserved, first_hit, exhausted_at)


def _accumulate(
    unserved: np.ndarray, first_hit: np.ndarray, exhausted_at: np.ndarray
) -> np.ndarray:
    m_n = unserved.shape[1]
    acc = np.zeros((m_n, 2, 4))
    acc[:, :, 0] = (unserved > 1e-9).sum(axis=0)
    acc[:, :, 1] = unserved.sum(axis=0)
    ex = exhausted_at >= 0
    acc[:, :, 2] = np.where(ex, exhausted_at - first_hit, 0).sum(axis=0)
    acc[:, :, 3] = ex.sum(axis=0)
    return acc


def _finish(acc: np.ndarray, paths: int) -> MCResult:
    with np.errstate(invalid="ignore", divide="ignore"):
        days = np.where(acc[:, :, 3] > 0, acc[:, :, 2] / acc[:, :, 3], np.nan)
    return MCResult(
        paths=paths,
        shortfall_probability=acc[:, :, 0] / paths,
        expected_unserved_t=acc[:, :, 1] / paths,
        days_to_exhaustion=days,
        exhausted_share=acc[:, :, 3] / paths,
    )
