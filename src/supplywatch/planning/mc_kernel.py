"""The fused Monte Carlo kernel (Numba, compiled, parallel over blocks of paths): the same
model and the same random draws as ``montecarlo.simulate_numpy``, one pass per path with the
state in registers instead of one array operation per day."""

from __future__ import annotations

import numba as nb
import numpy as np

from supplywatch.planning.montecarlo import MCInput, MCResult, _finish

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_PATHMUL = np.uint64(0xD1B54A32D192ED03)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


# The model's arithmetic, as plain functions compiled twice: for the CPU here and for the GPU
# in ``mc_cuda`` (one definition, so both kernels compute the same thing).


def uniform01(seed, path, event, draw):  # type: ignore[no-untyped-def]  # numba-typed
    """The counter-based draw (SplitMix64 of seed, path, event, draw) in [0, 1)."""
    z = seed * _GOLDEN + path * _PATHMUL + np.uint64(event * 4 + draw + 1) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def event_window(u_start, u_duration, horizon, dur_days, dur_cdf):  # type: ignore[no-untyped-def]
    """(first day, day after the last) of an event that occurs, from its two draws."""
    s = min(int(u_start * horizon), horizon - 1)
    k_n = dur_days.shape[0]
    k = 0
    while k < k_n and dur_cdf[k] <= u_duration:
        k += 1
    k = min(k, k_n - 1)
    return s, s + dur_days[k]


def material_path(  # type: ignore[no-untyped-def]  # numba-typed
    start,
    end,
    n_ev,
    lo,
    ev_order,
    ev_lost,
    cons,
    level,
    stock,
    m,
    horizon,
    release_level,
    max_draw_share,
    lend_below_level,
    max_lend_share,
):
    """One path of material ``m``, day by day. Its events are ``ev_order[lo + j]`` for j <
    ``n_ev``, active on days ``start[j] <= t < end[j]`` (-1: does not occur). Returns the
    unserved tonnes of KR and JP and, per side, the days from its first disrupted day to the
    exhaustion of its own stock (-1: not exhausted)."""
    own0 = stock[m, 0]
    own1 = stock[m, 1]
    pool = stock[m, 2]
    cap = max_draw_share * stock[m, 2]
    lcap0 = max_lend_share * stock[m, 0]
    lcap1 = max_lend_share * stock[m, 1]
    el0 = level[m, 0] >= release_level
    el1 = level[m, 1] >= release_level
    cl0 = level[m, 0] < lend_below_level
    cl1 = level[m, 1] < lend_below_level
    dr0 = dr1 = ln0 = ln1 = 0.0
    un0 = un1 = 0.0
    f0 = f1 = -1
    x0 = x1 = -1
    for t in range(horizon):
        loss0 = 0.0
        loss1 = 0.0
        for j in range(n_ev):
            if start[j] <= t and t < end[j]:
                e = ev_order[lo + j]
                loss0 += ev_lost[e, 0]
                loss1 += ev_lost[e, 1]
        if loss0 <= 0.0 and loss1 <= 0.0:
            continue  # a day without loss changes no state (same as the reference)
        need0 = min(loss0, cons[m, 0])
        need1 = min(loss1, cons[m, 1])
        if need0 > 0 and f0 < 0:
            f0 = t
        if need1 > 0 and f1 < 0:
            f1 = t
        use0 = min(need0, own0)
        use1 = min(need1, own1)
        own0 -= use0
        own1 -= use1
        r0 = need0 - use0
        r1 = need1 - use1
        if need0 > 0 and own0 <= 0 and x0 < 0:
            x0 = t
        if need1 > 0 and own1 <= 0 and x1 < 0:
            x1 = t
        w0 = min(r0, cap - dr0) if el0 else 0.0
        w1 = min(r1, cap - dr1) if el1 else 0.0
        tot = w0 + w1
        if tot > 0:
            give = min(tot, pool)
            frac = give / tot
            g0 = w0 * frac
            g1 = w1 * frac
            pool -= give
            dr0 += g0
            dr1 += g1
            r0 -= g0
            r1 -= g1
        # loans: side 1 lends to side 0 and side 0 lends to side 1
        l0 = min(r0, min(own1, lcap1 - ln1)) if cl1 else 0.0
        l1 = min(r1, min(own0, lcap0 - ln0)) if cl0 else 0.0
        own1 -= l0
        ln1 += l0
        own0 -= l1
        ln0 += l1
        r0 -= l0
        r1 -= l1
        un0 += r0
        un1 += r1
    d0 = x0 - f0 if x0 >= 0 else -1
    d1 = x1 - f1 if x1 >= 0 else -1
    return un0, un1, d0, d1


def add_path(acc, un0, un1, d0, d1):  # type: ignore[no-untyped-def]  # numba-typed
    """Add one path's result to ``acc`` (side x [shortfall paths, unserved t, days to
    exhaustion, exhausted paths])."""
    if un0 > 1e-9:
        acc[0, 0] += 1.0
    if un1 > 1e-9:
        acc[1, 0] += 1.0
    acc[0, 1] += un0
    acc[1, 1] += un1
    if d0 >= 0:
        acc[0, 2] += d0
        acc[0, 3] += 1.0
    if d1 >= 0:
        acc[1, 2] += d1
        acc[1, 3] += 1.0


_u = nb.njit(inline="always", cache=True)(uniform01)
_window = nb.njit(inline="always", cache=True)(event_window)
_path = nb.njit(inline="always", cache=True)(material_path)
_add = nb.njit(inline="always", cache=True)(add_path)


@nb.njit(parallel=True, cache=True, fastmath=False)
def _kernel(  # type: ignore[no-untyped-def]  # numba-typed at compile time
    cons,
    level,
    stock,
    ev_ptr,
    ev_order,
    ev_p,
    ev_lost,
    dur_days,
    dur_cdf,
    horizon,
    release_level,
    max_draw_share,
    lend_below_level,
    max_lend_share,
    seed,
    paths,
    n_blocks,
):
    m_n = cons.shape[0]
    acc = np.zeros((n_blocks, m_n, 2, 4))
    per = (paths + n_blocks - 1) // n_blocks
    useed = np.uint64(seed)
    max_ev = 1
    for m in range(m_n):
        max_ev = max(max_ev, ev_ptr[m + 1] - ev_ptr[m])
    for b in nb.prange(n_blocks):
        p0 = b * per
        p1 = min(paths, p0 + per)
        start = np.empty(max_ev, dtype=np.int64)
        end = np.empty(max_ev, dtype=np.int64)
        for p in range(p0, p1):
            up = np.uint64(p)
            for m in range(m_n):
                lo = ev_ptr[m]
                n_ev = ev_ptr[m + 1] - lo
                if n_ev == 0:
                    continue
                for j in range(n_ev):
                    e = ev_order[lo + j]
                    if _u(useed, up, e, 0) < ev_p[e]:
                        start[j], end[j] = _window(
                            _u(useed, up, e, 1), _u(useed, up, e, 2), horizon, dur_days, dur_cdf
                        )
                    else:
                        start[j] = -1
                        end[j] = -1
                un0, un1, d0, d1 = _path(
                    start,
                    end,
                    n_ev,
                    lo,
                    ev_order,
                    ev_lost,
                    cons,
                    level,
                    stock,
                    m,
                    horizon,
                    release_level,
                    max_draw_share,
                    lend_below_level,
                    max_lend_share,
                )
                _add(acc[b, m], un0, un1, d0, d1)
    return acc.sum(axis=0)


def simulate_fused(inp: MCInput, paths: int, seed: int = 0, blocks: int | None = None) -> MCResult:
    """The compiled kernel; ``blocks`` of paths run in parallel (default: 64 x threads)."""
    order = np.argsort(inp.ev_material, kind="stable")
    m_n = inp.consumption.shape[0]
    ptr = np.searchsorted(inp.ev_material[order], np.arange(m_n + 1)).astype(np.int64)
    n_blocks = blocks or max(1, min(paths, 64 * nb.get_num_threads()))
    acc = _kernel(
        np.ascontiguousarray(inp.consumption, dtype=np.float64),
        np.ascontiguousarray(inp.level, dtype=np.int64),
        np.ascontiguousarray(inp.stock, dtype=np.float64),
        ptr,
        order.astype(np.int64),
        np.ascontiguousarray(inp.ev_p, dtype=np.float64),
        np.ascontiguousarray(inp.ev_lost, dtype=np.float64),
        np.ascontiguousarray(inp.dur_days, dtype=np.int64),
        np.ascontiguousarray(inp.dur_cdf, dtype=np.float64),
        int(inp.horizon),
        int(inp.release_level),
        float(inp.max_draw_share),
        int(inp.lend_below_level),
        float(inp.max_lend_share),
        int(seed),
        int(paths),
        int(n_blocks),
    )
    return _finish(acc, paths)
