"""Benchmarks of the stockpile planner (issue #5), each ratio measured in the same run:

1. Monte Carlo: simulated (path x unit x side x day) steps per second of the fused,
   compiled kernel (Numba, 2 threads here) against the NumPy reference (vectorised over paths
   and units, one step per day), on the real inputs of the default plan (the agencies' lists
   in their stored forms, KR and JP, levels, probabilities and shares from the bundled store,
   built by services.plans.plan_inputs like every plan; the stock = uniform days of cover at
   the illustrative budgets); both give the same results for the same seed (checked here on
   the reference's paths).
2. LP / MILP solve time (HiGHS) against materials x scenarios; finer duration grids
   (labelled) give more scenarios.

3. On a machine with an NVIDIA GPU: the fused CUDA kernel (``planning/mc_cuda.py``) and the
   PyTorch path on the GPU (a loop of array operations per day), same inputs.

Usage: python benchmarks/bench_montecarlo.py [--paths 1000000] [--ref-paths 20000]
       [--gpu-paths 10000000]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numba
import numpy as np

from supplywatch.planning import inputs as pin
from supplywatch.planning import solver
from supplywatch.planning.mc_cuda import gpu_available, simulate_cuda
from supplywatch.planning.mc_kernel import simulate_fused
from supplywatch.planning.montecarlo import MCResult, simulate_numpy
from supplywatch.planning.scenarios import scenarios_for
from supplywatch.services import Services
from supplywatch.services.plans import plan_inputs
from supplywatch.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _equal(ref: MCResult, other: MCResult) -> bool:
    """Same shortfall counts and expected unserved tonnes (to float rounding)."""
    return bool(
        np.array_equal(ref.shortfall_probability, other.shortfall_probability)
        and np.allclose(ref.expected_unserved_t, other.expected_unserved_t, rtol=1e-9)
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=1_000_000)
    ap.add_argument("--ref-paths", type=int, default=20_000)
    ap.add_argument("--gpu-paths", type=int, default=10_000_000)
    ap.add_argument("--store", type=Path, default=ROOT / "var" / "supplywatch.duckdb")
    args = ap.parse_args()
    when = date(2026, 11, 24)
    svc = Services(Settings(db_path=args.store, clock_frozen_at=datetime(2026, 11, 24, tzinfo=UTC)))
    pi = plan_inputs(svc, when)  # the default plan's units: the agencies' lists
    a, mats, china, scen = pi.assumptions, pi.units, pi.china, pi.scenarios
    bud = solver.Budget(50e9 / 1400, 5e9 / 150)  # illustrative budgets
    stock, _days = solver.uniform_days(mats, bud)
    inp = pin.mc_input(mats, scen, a, stock)
    m_n, days = len(mats), inp.horizon
    print(
        f"inputs: {m_n} units x 2 sides x {days} days, {len(inp.ev_p)} events "
        f"(the default plan's real inputs); threads: {numba.get_num_threads()}"
    )

    t = time.perf_counter()
    ref = simulate_numpy(inp, args.ref_paths, seed=1)
    t_ref = time.perf_counter() - t
    simulate_fused(inp, 1000, seed=1)  # compile (cached afterwards)
    t = time.perf_counter()
    same = simulate_fused(inp, args.ref_paths, seed=1)
    t_same = time.perf_counter() - t
    equal = _equal(ref, same)
    t = time.perf_counter()
    simulate_fused(inp, args.paths, seed=1)
    t_fused = time.perf_counter() - t
    steps_ref = args.ref_paths * m_n * 2 * days / t_ref
    steps_small = args.ref_paths * m_n * 2 * days / t_same
    steps_fused = args.paths * m_n * 2 * days / t_fused
    print(f"NumPy reference, {args.ref_paths:,} paths: {t_ref:.2f} s = {steps_ref:.3g} steps/s")
    print(
        f"fused kernel, {args.ref_paths:,} paths: {t_same:.3f} s = {steps_small:.3g} steps/s; "
        f"equal to the reference: {equal}"
    )
    print(
        f"fused kernel, {args.paths:,} paths: {t_fused:.2f} s = {steps_fused:.3g} steps/s "
        f"= {steps_fused / steps_ref:.0f}x the NumPy reference"
    )

    torch_rows = {}
    try:
        import torch

        from supplywatch.planning.mc_torch import simulate_torch

        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        for dev in devices:
            n = args.ref_paths if dev == "cpu" else args.paths
            simulate_torch(inp, min(n, 1000), seed=1, device=dev)  # warm-up
            t = time.perf_counter()
            res = simulate_torch(inp, n, seed=1, device=dev)
            dt = time.perf_counter() - t
            rate = n * m_n * 2 * days / dt
            torch_rows[dev] = {"paths": n, "seconds": dt, "steps_per_s": rate}
            if n == args.ref_paths:
                ok = np.allclose(ref.expected_unserved_t, res.expected_unserved_t, rtol=1e-9)
                torch_rows[dev]["equal_to_reference"] = bool(ok)
            print(f"PyTorch ({dev}), {n:,} paths: {dt:.2f} s = {rate:.3g} steps/s")
        if "cuda" not in devices:
            print("PyTorch on a GPU: no CUDA device here (not measured)")
    except ImportError:
        print("PyTorch not installed (the gpu extra): torch path not measured")

    cuda_row: dict[str, object] = {}
    if gpu_available():
        simulate_cuda(inp, 1000, seed=1)  # compile
        same_gpu = simulate_cuda(inp, args.ref_paths, seed=1)
        ok = _equal(ref, same_gpu)
        t = time.perf_counter()
        simulate_cuda(inp, args.gpu_paths, seed=1)
        dt = time.perf_counter() - t
        rate = args.gpu_paths * m_n * 2 * days / dt
        cuda_row = {"paths": args.gpu_paths, "seconds": dt, "steps_per_s": rate}
        cuda_row["equal_to_reference"] = ok
        naive = torch_rows.get("cuda", {}).get("steps_per_s")
        vs = f" = {rate / naive:.0f}x the PyTorch loop on the GPU" if naive else ""
        print(
            f"fused CUDA kernel, {args.gpu_paths:,} paths: {dt:.3f} s = {rate:.3g} steps/s"
            f"{vs}; equal to the reference: {ok}"
        )
    else:
        print("fused CUDA kernel (Numba): no CUDA GPU here (not measured)")

    lp = []
    for grid in (4, 12, 36):
        durs = np.unique(np.round(np.geomspace(30, 365, grid)).astype(int))
        p = np.ones(len(durs)) / len(durs)
        ag = a.model_copy(
            update={"duration_days": durs.tolist(), "duration_probability": (p / p.sum()).tolist()}
        )
        for n in (5, 10, m_n):
            sub = mats[:n]
            sc = [s for m in sub for s in scenarios_for(m, ag, china[m.material_id])]
            r = solver.solve_plan(sub, sc, ag, bud)
            am = ag.model_copy(update={"min_lot_t": 1.0})
            rm = solver.solve_plan(sub, sc, am, bud)
            lp.append(
                {
                    "units": n,
                    "durations": len(durs),
                    "scenarios": len(sc),
                    "lp_vars": r.n_vars,
                    "lp_rows": r.n_rows,
                    "lp_s": r.solve_s,
                    "milp_s": rm.solve_s,
                    "lp_status": r.status,
                    "milp_status": rm.status,
                }
            )
            print(
                f"units {n:>3} x scenarios {len(sc):>5} ({len(durs)} durations): LP "
                f"{r.n_vars} vars {r.n_rows} rows {r.solve_s * 1000:.1f} ms ({r.status}); "
                f"MILP with 1 t lots {rm.solve_s * 1000:.1f} ms ({rm.status})"
            )
    out = ROOT / "benchmarks" / "results" / "montecarlo.json"
    out.write_text(
        json.dumps(
            {
                "units": m_n,
                "days": days,
                "events": len(inp.ev_p),
                "threads": numba.get_num_threads(),
                "numpy_reference": {
                    "paths": args.ref_paths,
                    "seconds": t_ref,
                    "steps_per_s": steps_ref,
                },
                "fused": {"paths": args.paths, "seconds": t_fused, "steps_per_s": steps_fused},
                "equal_on_reference_paths": equal,
                "torch": torch_rows,
                "cuda_fused": cuda_row,
                "lp": lp,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
