"""The fused GPU kernel (Numba CUDA) runs in Numba's CUDA simulator here (no GPU on this
machine or in CI) and must give the CPU kernel's results for the same seed; without a GPU
(and without the simulator) it refuses clearly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from supplywatch.planning import mc_cuda
from tests.planning.test_montecarlo import make_input

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, warnings
import numpy as np
warnings.simplefilter("ignore")
np.seterr(all="ignore")  # uint64 hash arithmetic wraps on purpose; the simulator runs NumPy
from supplywatch.planning.mc_cuda import gpu_available, simulate_cuda
from supplywatch.planning.mc_kernel import simulate_fused
from tests.planning.test_montecarlo import make_input
out = {"simulator": gpu_available(), "cases": []}
for seed, m, paths, chunks in ((0, 4, 3000, 16), (1, 3, 1000, 7), (2, 1, 500, 1)):
    inp = make_input(seed, m=m)
    a = simulate_cuda(inp, paths, seed=seed, chunks=chunks)
    b = simulate_fused(inp, paths, seed=seed)
    out["cases"].append({
        k: [getattr(a, k).tolist(), getattr(b, k).tolist()]
        for k in ("shortfall_probability", "expected_unserved_t", "days_to_exhaustion",
                  "exhausted_share")
    })
print(json.dumps(out))
"""


def test_gpu_kernel_equals_cpu_kernel_in_the_cuda_simulator() -> None:
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["simulator"] is True
    assert len(out["cases"]) == 3
    for case in out["cases"]:
        gpu, cpu = (np.array(x, dtype=float) for x in case["shortfall_probability"])
        np.testing.assert_array_equal(gpu, cpu)
        for k in ("expected_unserved_t", "days_to_exhaustion", "exhausted_share"):
            gpu, cpu = (np.array(x, dtype=float) for x in case[k])
            np.testing.assert_allclose(gpu, cpu, rtol=1e-9, equal_nan=True)
    assert max(np.max(c["shortfall_probability"][1]) for c in out["cases"]) > 0


@pytest.mark.skipif(mc_cuda.gpu_available(), reason="a GPU is present")
def test_without_a_gpu_it_says_so() -> None:
    with pytest.raises(RuntimeError, match="no CUDA GPU: use mc_kernel.simulate_fused"):
        mc_cuda.simulate_cuda(make_input(0), 10)
