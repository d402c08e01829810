"""The fused Monte Carlo kernel for NVIDIA GPUs (Numba CUDA), optional.

Same model and same random draws as ``montecarlo.simulate_numpy`` and ``mc_kernel`` (the
counter-based SplitMix64 of seed, path, event, draw). One GPU thread runs one material over a
chunk of paths with the whole state in registers (events of the material in a small local
array), and writes its sums to its own slot; the host adds the slots in a fixed order, so a
run is deterministic and equals the CPU kernel to float rounding.

The day loop is the CPU kernel's (``mc_kernel._kernel``) written for one material per thread;
change both together: tests/planning/test_mc_cuda.py runs this one in Numba's CUDA simulator
(no GPU needed) and requires the CPU kernel's results. Its speed on a GPU is measured by
``benchmarks/bench_montecarlo.py`` where one is present.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np

from supplywatch.planning.montecarlo import MCInput, MCResult, _finish

#: Numba's CUDA target (untyped for mypy; it also runs in Numba's simulator).
cuda: Any = importlib.import_module("numba.cuda")

#: Events per material the kernel holds in registers (the scenarios give one per distinct
#: top supplier of Korea and Japan, so 1-2 in practice).
MAX_EVENTS = 16
THREADS_PER_BLOCK = 128
#: Enough threads to fill a large GPU (an H100 holds ~270k resident threads).
TARGET_THREADS = 1 << 18

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_PATHMUL = np.uint64(0xD1B54A32D192ED03)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)


@cuda.jit(device=True)
def _u(seed, path, event, draw):  # type: ignore[no-untyped-def]  # numba-typed
    z = seed * _GOLDEN + path * _PATHMUL + np.uint64(event * 4 + draw + 1) * _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return float(z >> _S11) * (1.0 / 9007199254740992.0)


@cuda.jit
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
    chunks,
    acc,
):
    i = cuda.grid(1)
    m_n = cons.shape[0]
    if i >= m_n * chunks:
        return
    m = i // chunks
    c = i - m * chunks
    per = (paths + chunks - 1) // chunks
    p0 = c * per
    p1 = min(paths, p0 + per)
    k_n = dur_days.shape[0]
    lo = ev_ptr[m]
    n_ev = ev_ptr[m + 1] - lo
    start = cuda.local.array(MAX_EVENTS, np.int64)
    end = cuda.local.array(MAX_EVENTS, np.int64)
    sf0 = sf1 = un_sum0 = un_sum1 = ex_d0 = ex_d1 = ex_n0 = ex_n1 = 0.0
    useed = np.uint64(seed)
    for p in range(p0, p1):
        if n_ev == 0:
            break
        up = np.uint64(p)
        for j in range(n_ev):
            e = ev_order[lo + j]
            if _u(useed, up, e, 0) < ev_p[e]:
                s = min(int(_u(useed, up, e, 1) * horizon), horizon - 1)
                x = _u(useed, up, e, 2)
                k = 0
                while k < k_n and dur_cdf[k] <= x:
                    k += 1
                k = min(k, k_n - 1)
                start[j] = s
                end[j] = s + dur_days[k]
            else:
                start[j] = -1
                end[j] = -1
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
                continue
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
        if un0 > 1e-9:
            sf0 += 1.0
        if un1 > 1e-9:
            sf1 += 1.0
        un_sum0 += un0
        un_sum1 += un1
        if x0 >= 0:
            ex_d0 += x0 - f0
            ex_n0 += 1.0
        if x1 >= 0:
            ex_d1 += x1 - f1
            ex_n1 += 1.0
    acc[c, m, 0, 0] = sf0
    acc[c, m, 0, 1] = un_sum0
    acc[c, m, 0, 2] = ex_d0
    acc[c, m, 0, 3] = ex_n0
    acc[c, m, 1, 0] = sf1
    acc[c, m, 1, 1] = un_sum1
    acc[c, m, 1, 2] = ex_d1
    acc[c, m, 1, 3] = ex_n1


def gpu_available() -> bool:
    """A CUDA GPU Numba can use (or Numba's CUDA simulator, when enabled)."""
    try:
        return bool(cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken driver means "no GPU" here
        return False


def simulate_cuda(inp: MCInput, paths: int, seed: int = 0, chunks: int | None = None) -> MCResult:
    """The fused kernel on the GPU; ``chunks`` of paths per material (default: enough threads
    to fill a large GPU)."""
    if not gpu_available():
        raise RuntimeError("no CUDA GPU: use mc_kernel.simulate_fused on the CPU")
    order = np.argsort(inp.ev_material, kind="stable")
    m_n = inp.consumption.shape[0]
    ptr = np.searchsorted(inp.ev_material[order], np.arange(m_n + 1)).astype(np.int64)
    if int(np.diff(ptr).max(initial=0)) > MAX_EVENTS:
        raise ValueError(f"more than {MAX_EVENTS} events for one material")
    n_chunks = chunks or max(1, min(paths, math.ceil(TARGET_THREADS / max(m_n, 1))))
    acc = cuda.to_device(np.zeros((n_chunks, m_n, 2, 4)))
    threads = m_n * n_chunks
    blocks = math.ceil(threads / THREADS_PER_BLOCK)
    _kernel[blocks, THREADS_PER_BLOCK](
        cuda.to_device(np.ascontiguousarray(inp.consumption, dtype=np.float64)),
        cuda.to_device(np.ascontiguousarray(inp.level, dtype=np.int64)),
        cuda.to_device(np.ascontiguousarray(inp.stock, dtype=np.float64)),
        cuda.to_device(ptr),
        cuda.to_device(order.astype(np.int64)),
        cuda.to_device(np.ascontiguousarray(inp.ev_p, dtype=np.float64)),
        cuda.to_device(np.ascontiguousarray(inp.ev_lost, dtype=np.float64)),
        cuda.to_device(np.ascontiguousarray(inp.dur_days, dtype=np.int64)),
        cuda.to_device(np.ascontiguousarray(inp.dur_cdf, dtype=np.float64)),
        int(inp.horizon),
        int(inp.release_level),
        float(inp.max_draw_share),
        int(inp.lend_below_level),
        float(inp.max_lend_share),
        int(seed),
        int(paths),
        int(n_chunks),
        acc,
    )
    cuda.synchronize()
    return _finish(acc.copy_to_host().sum(axis=0), paths)
