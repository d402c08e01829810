"""The Monte Carlo evaluator on PyTorch, for a GPU (``device="cuda"``) or the CPU: the same
model, the same counter-based draws and the same results (to float tolerance) as the NumPy
reference and the fused kernel for the same seed. Optional: needs the ``gpu`` extra (torch).

SplitMix64 runs on int64 tensors: multiplication and xor wrap like uint64; right shifts are
made logical with a mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from supplywatch.planning.montecarlo import MCInput, MCResult, _finish


def _s64(u: int) -> int:
    """An unsigned 64-bit constant as the int64 with the same bits."""
    return u - (1 << 64) if u >= 1 << 63 else u


_G = _s64(0x9E3779B97F4A7C15)
_P = _s64(0xD1B54A32D192ED03)
_M1 = _s64(0xBF58476D1CE4E5B9)
_M2 = _s64(0x94D049BB133111EB)


def _shr(z: Any, k: int) -> Any:
    return (z >> k) & ((1 << (64 - k)) - 1)


def _uniform(torch: Any, seed: int, path: Any, event: int, draw: int) -> Any:
    z = _s64((seed * 0x9E3779B97F4A7C15) % (1 << 64)) + path * _P
    z = z + _s64(((event * 4 + draw + 1) * 0x9E3779B97F4A7C15) % (1 << 64))
    z = (z ^ _shr(z, 30)) * _M1
    z = (z ^ _shr(z, 27)) * _M2
    z = z ^ _shr(z, 31)
    return _shr(z, 11).to(torch.float64) * (1.0 / 9007199254740992.0)


def simulate_torch(
    inp: MCInput, paths: int, seed: int = 0, device: str = "cpu", chunk: int = 1_000_000
) -> MCResult:
    import torch

    dev = torch.device(device)
    f64 = torch.float64
    m_n = inp.consumption.shape[0]
    e_n = len(inp.ev_p)
    cons = torch.tensor(inp.consumption, dtype=f64, device=dev)
    stock = torch.tensor(inp.stock, dtype=f64, device=dev)
    level = torch.tensor(inp.level, device=dev)
    ev_lost = torch.tensor(inp.ev_lost, dtype=f64, device=dev)
    dur = torch.tensor(inp.dur_days, device=dev)
    cdf = torch.tensor(inp.dur_cdf, dtype=f64, device=dev)
    eligible = (level >= inp.release_level)[None]
    can_lend = (level < inp.lend_below_level)[None]
    draw_cap = inp.max_draw_share * stock[:, 2][None, :, None]
    lend_cap = inp.max_lend_share * stock[:, :2][None]
    onehot = torch.zeros((e_n, m_n), dtype=f64, device=dev)
    onehot[torch.arange(e_n), torch.tensor(inp.ev_material, device=dev)] = 1.0
    acc = np.zeros((m_n, 2, 4))
    for p0 in range(0, paths, chunk):
        n = min(chunk, paths - p0)
        pth = torch.arange(p0, p0 + n, dtype=torch.int64, device=dev)
        start = torch.full((n, e_n), -1, dtype=torch.int64, device=dev)
        end = torch.full((n, e_n), -1, dtype=torch.int64, device=dev)
        for e in range(e_n):
            occurs = _uniform(torch, seed, pth, e, 0) < float(inp.ev_p[e])
            s = torch.clamp(
                (_uniform(torch, seed, pth, e, 1) * inp.horizon).to(torch.int64),
                max=inp.horizon - 1,
            )
            k = torch.searchsorted(cdf, _uniform(torch, seed, pth, e, 2), right=True)
            d = dur[torch.clamp(k, max=len(inp.dur_days) - 1)]
            start[:, e] = torch.where(occurs, s, -1)
            end[:, e] = torch.where(occurs, s + d, -1)
        own = stock[:, :2].expand(n, m_n, 2).clone()
        pool = stock[:, 2].expand(n, m_n).clone()
        drawn = torch.zeros((n, m_n, 2), dtype=f64, device=dev)
        lent = torch.zeros_like(drawn)
        unserved = torch.zeros_like(drawn)
        first = torch.full((n, m_n, 2), -1, dtype=torch.int64, device=dev)
        ex_at = torch.full_like(first, -1)
        zero = torch.zeros((), dtype=f64, device=dev)
        for t in range(inp.horizon):
            active = ((start <= t) & (t < end)).to(f64)  # (n, E)
            loss = torch.einsum("ne,em,ec->nmc", active, onehot, ev_lost)
            need = torch.minimum(loss, cons[None])
            hit = need > 0
            first = torch.where(hit & (first < 0), t, first)
            use = torch.minimum(need, own)
            own = own - use
            rem = need - use
            ex_at = torch.where(hit & (own <= 0) & (ex_at < 0), t, ex_at)
            want = torch.where(eligible, torch.minimum(rem, draw_cap - drawn), zero)
            tot = want.sum(dim=2)
            give = torch.minimum(tot, pool)
            frac = torch.where(tot > 0, give / torch.where(tot > 0, tot, 1.0), zero)
            got = want * frac[:, :, None]
            pool = pool - give
            drawn = drawn + got
            rem = rem - got
            other = torch.minimum(own.flip(2), (lend_cap - lent).flip(2))
            loan = torch.where(can_lend.flip(2), torch.minimum(rem, other), zero)
            own = own - loan.flip(2)
            lent = lent + loan.flip(2)
            rem = rem - loan
            unserved = unserved + rem
        ex = ex_at >= 0
        part = torch.stack(
            [
                (unserved > 1e-9).sum(0).to(f64),
                unserved.sum(0),
                torch.where(ex, ex_at - first, 0).sum(0).to(f64),
                ex.sum(0).to(f64),
            ],
            dim=-1,
        )
        acc += part.cpu().numpy()
    return _finish(acc, paths)
