"""The fused Monte Carlo kernel for NVIDIA GPUs (Numba CUDA), optional.

Same model and same random draws as ``montecarlo.simulate_numpy`` and ``mc_kernel`` (the
counter-based SplitMix64 of seed, path, event, draw). One GPU thread runs one material over a
chunk of paths with the whole state in registers (events of the material in a small local
array), and writes its sums to its own slot; the host adds the slots in a fixed order, so a
run is deterministic and equals the CPU kernel to float rounding.

The model's arithmetic (the draws, an event's window, a material's day loop, the sums) is
``mc_kernel``'s plain functions compiled here as device functions, so the two kernels differ
only in how paths are spread over threads. tests/planning/test_mc_cuda.py runs this kernel in
Numba's CUDA simulator (no GPU needed) and requires the CPU kernel's results. Its speed on a
GPU is measured by ``benchmarks/bench_montecarlo.py`` where one is present.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np

from supplywatch.planning.mc_kernel import add_path, event_window, material_path, uniform01
from supplywatch.planning.montecarlo import MCInput, MCResult, _finish

#: Numba's CUDA target (untyped for mypy; it also runs in Numba's simulator).
cuda: Any = importlib.import_module("numba.cuda")

#: Events per material the kernel holds in registers (the scenarios give one per distinct
#: top supplier of Korea and Japan, so 1-2 in practice).
MAX_EVENTS = 16
THREADS_PER_BLOCK = 128
#: Enough threads to fill a large GPU (an H100 holds ~270k resident threads).
TARGET_THREADS = 1 << 18

_u = cuda.jit(device=True)(uniform01)
_window = cuda.jit(device=True)(event_window)
_path = cuda.jit(device=True)(material_path)
_add = cuda.jit(device=True)(add_path)


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
    lo = ev_ptr[m]
    n_ev = ev_ptr[m + 1] - lo
    start = cuda.local.array(MAX_EVENTS, np.int64)
    end = cuda.local.array(MAX_EVENTS, np.int64)
    mine = cuda.local.array((2, 4), np.float64)
    for k in range(8):
        mine[k // 4, k % 4] = 0.0
    useed = np.uint64(seed)
    for p in range(p0, p1):
        if n_ev == 0:
            break
        up = np.uint64(p)
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
        _add(mine, un0, un1, d0, d1)
    for k in range(8):
        acc[c, m, k // 4, k % 4] = mine[k // 4, k % 4]


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
