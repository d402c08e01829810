"""Two-stage stochastic stockpile plan, solved with HiGHS (LP, or MILP with minimum lots).

First stage, per material m: stock x[m,h] for holders KR, JP and the joint POOL (tonnes).
Second stage, per scenario k (a disruption of one material, probability pi_k) and side c:
own use y[k,c] <= stock of c; pool draw z[k,c] (only for a side at or above the release level;
sum over sides <= pool); loan l[k,c] from c to the other side (only while c is below the
lending level, at most max_lend_share of its stock, y + l <= stock); unserved
u[k,c] >= lost tonnes - y - z - loan in.

minimise  sum_k pi_k sum_c w_m u[k,c]  +  holding share x horizon/365 x sum_m,h value_m x[m,h]
subject to KR budget: sum_m value_m (x[m,KR] + f x[m,POOL]) <= B_KR; JP: ... (1 - f) x[m,POOL];
optional storage capacity per holder; minimum lot: x = 0 or x >= lot (binary).

The purchase is capital spent on an asset that can be sold back, so it enters the budgets;
the objective counts its cost of holding (capital, storage, insurance). w_m = unit value x
price shock x importance (USD per tonne not served).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from supplywatch.planning.model import HOLDERS, Assumptions, MaterialInput, Scenario


@dataclass
class Budget:
    kr_usd: float
    jp_usd: float
    pool_share_kr: float = 0.5  # share of the joint pool paid by Korea
    capacity_t: dict[str, float] = field(default_factory=dict)  # holder -> max tonnes


@dataclass
class PlanResult:
    status: str
    objective_usd: float
    expected_unserved_usd: float
    holding_usd: float
    stock_t: dict[str, dict[str, float]]  # material -> holder -> tonnes
    spend_usd: dict[str, float]  # KR, JP
    solve_s: float
    n_vars: int
    n_rows: int
    is_mip: bool


class _Model:
    """A small row-wise model builder over highspy."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.integer: list[bool] = []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []

    def var(
        self,
        cost: float = 0.0,
        lo: float = 0.0,
        hi: float = highspy.kHighsInf,
        integer: bool = False,
    ) -> int:
        self.cost.append(cost)
        self.lo.append(lo)
        self.hi.append(hi)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(
        self,
        idx: list[int],
        val: list[float],
        lo: float = -highspy.kHighsInf,
        hi: float = highspy.kHighsInf,
    ) -> None:
        self.rows.append((lo, hi, idx, val))

    def solve(self) -> tuple[str, np.ndarray, float, float]:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 1e-6)
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.cost)
        lp.num_row_ = len(self.rows)
        lp.col_cost_ = np.array(self.cost)
        lp.col_lower_ = np.array(self.lo)
        lp.col_upper_ = np.array(self.hi)
        lp.row_lower_ = np.array([r[0] for r in self.rows])
        lp.row_upper_ = np.array([r[1] for r in self.rows])
        starts, idx, val = [0], [], []
        for r in self.rows:
            idx += r[2]
            val += r[3]
            starts.append(len(idx))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts)
        lp.a_matrix_.index_ = np.array(idx, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(val)
        if any(self.integer):
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                for i in self.integer
            ]
        h.passModel(lp)
        t0 = time.perf_counter()
        h.run()
        dt = time.perf_counter() - t0
        status = h.modelStatusToString(h.getModelStatus())
        x = np.array(h.getSolution().col_value)
        return status, x, h.getInfo().objective_function_value, dt


def solve_plan(
    materials: list[MaterialInput],
    scenarios: list[Scenario],
    a: Assumptions,
    budget: Budget,
    fixed_stock: dict[str, dict[str, float]] | None = None,
) -> PlanResult:
    """Optimal stocks (or, with ``fixed_stock``, the second stage only: the value of a given
    plan under the same scenarios)."""
    md = _Model()
    years = a.horizon_days / 365.0
    by_id = {m.material_id: m for m in materials}
    x: dict[tuple[str, str], int] = {}
    lots = a.min_lot_t > 0 and fixed_stock is None
    for m in materials:
        for hld in HOLDERS:
            hold = a.holding_cost_share_per_year * years * m.unit_value_usd_per_t
            if fixed_stock is not None:
                v = fixed_stock.get(m.material_id, {}).get(hld, 0.0)
                x[(m.material_id, hld)] = md.var(hold, v, v)
            else:  # stock already held is kept (a lower bound) and costs no budget
                x[(m.material_id, hld)] = md.var(hold, lo=m.existing_t[HOLDERS.index(hld)])
            if lots:
                b = md.var(0.0, 0.0, 1.0, integer=True)
                big = max(budget.kr_usd, budget.jp_usd) / m.unit_value_usd_per_t + a.min_lot_t
                xi = x[(m.material_id, hld)]
                md.row([xi, b], [1.0, -a.min_lot_t], lo=0.0)  # x >= lot * b
                md.row([xi, b], [1.0, -big], hi=0.0)  # x <= big * b
    unserved: list[tuple[int, float]] = []
    pr = a.pool
    for s in scenarios:
        m = by_id[s.material_id]
        w = m.unit_value_usd_per_t * s.price_shock * m.importance
        stock = [x[(m.material_id, "KR")], x[(m.material_id, "JP")]]
        pool = x[(m.material_id, "POOL")]
        y, z, ln, u, lost = [], [], [], [], []
        for c in (0, 1):
            lost.append(m.consumption_t_per_day[c] * s.share_lost[c] * s.duration_days)
            y.append(md.var())
            z.append(md.var(hi=highspy.kHighsInf if m.level[c] >= pr.release_level else 0.0))
            can_lend = m.level[c] < pr.lend_below_level and pr.max_lend_share > 0
            ln.append(md.var(hi=highspy.kHighsInf if can_lend else 0.0))
            u.append(md.var(s.probability * w))
            unserved.append((u[c], s.probability * w))
        for c in (0, 1):
            o = 1 - c
            # unserved >= lost - own use - pool draw - loan from the other side
            md.row([u[c], y[c], z[c], ln[o]], [1.0, 1.0, 1.0, 1.0], lo=lost[c])
            md.row([y[c], ln[c], stock[c]], [1.0, 1.0, -1.0], hi=0.0)  # use + lend <= stock
            md.row([ln[c], stock[c]], [1.0, -pr.max_lend_share], hi=0.0)
            md.row([z[c], pool], [1.0, -pr.max_draw_share], hi=0.0)
        md.row([z[0], z[1], pool], [1.0, 1.0, -1.0], hi=0.0)
    if fixed_stock is None:
        f = budget.pool_share_kr
        for side, share, bud in (("KR", f, budget.kr_usd), ("JP", 1 - f, budget.jp_usd)):
            idx, val = [], []
            held = 0.0  # value already held: only purchases above it spend the budget
            for m in materials:
                idx += [x[(m.material_id, side)], x[(m.material_id, "POOL")]]
                val += [m.unit_value_usd_per_t, share * m.unit_value_usd_per_t]
                e = m.existing_t
                held += m.unit_value_usd_per_t * (e[HOLDERS.index(side)] + share * e[2])
            md.row(idx, val, hi=bud + held)
        for m in materials:  # plausibility guard: total stock of a unit
            if m.cap_t is not None:
                cap_t = max(m.cap_t, sum(m.existing_t))
                md.row([x[(m.material_id, h)] for h in HOLDERS], [1.0, 1.0, 1.0], hi=cap_t)
        for hld, cap in budget.capacity_t.items():
            md.row([x[(m.material_id, hld)] for m in materials], [1.0] * len(materials), hi=cap)
    status, sol, obj, dt = md.solve()
    stock_t = {
        m.material_id: {hld: max(0.0, float(sol[x[(m.material_id, hld)]])) for hld in HOLDERS}
        for m in materials
    }
    exp_unserved = float(sum(sol[i] * c for i, c in unserved))
    f = budget.pool_share_kr
    spend = {
        side: sum(
            m.unit_value_usd_per_t
            * (
                stock_t[m.material_id][side]
                - m.existing_t[HOLDERS.index(side)]
                + share * (stock_t[m.material_id]["POOL"] - m.existing_t[2])
            )
            for m in materials
        )
        for side, share in (("KR", f), ("JP", 1 - f))
    }  # purchases (value above what is already held)

    return PlanResult(
        status=status,
        objective_usd=float(obj),
        expected_unserved_usd=exp_unserved,
        holding_usd=float(obj) - exp_unserved,
        stock_t=stock_t,
        spend_usd=spend,
        solve_s=dt,
        n_vars=len(md.cost),
        n_rows=len(md.rows),
        is_mip=lots,
    )


def agency_rule(
    materials: list[MaterialInput],
    budget: Budget,
    order: dict[str, list[tuple[str, float]]],
) -> dict[str, dict[str, float]]:
    """The rule as the agencies apply it: each side's agencies stock ``days`` of the side's
    demand of each unit on their lists, funded in their order (``order[side]`` = [(unit,
    days), ...]) until the side's budget is spent (the last one funded in part); no pool, and
    stock already held is kept and counts toward the days."""
    by_id = {m.material_id: m for m in materials}
    out = {
        m.material_id: {"KR": m.existing_t[0], "JP": m.existing_t[1], "POOL": m.existing_t[2]}
        for m in materials
    }
    for c, side, bud in ((0, "KR", budget.kr_usd), (1, "JP", budget.jp_usd)):
        left = bud
        for uid, days in order.get(side, []):
            m = by_id.get(uid)
            if m is None or left <= 0:
                continue
            want = max(0.0, days * m.consumption_t_per_day[c] - out[uid][side])
            buy = min(want, left / m.unit_value_usd_per_t)
            out[uid][side] += buy
            left -= buy * m.unit_value_usd_per_t
    return out


def uniform_days(
    materials: list[MaterialInput], budget: Budget
) -> tuple[dict[str, dict[str, float]], dict[str, float | None]]:
    """Uniform days of cover at equal budget: each side tops every unit up to the same number
    of days D of its demand, D the largest its budget buys (bisection, at most ten years;
    stock already held is kept); no pool. Returns the stocks and D per side (None: no demand
    on that side)."""
    out = {
        m.material_id: {"KR": m.existing_t[0], "JP": m.existing_t[1], "POOL": m.existing_t[2]}
        for m in materials
    }
    days: dict[str, float | None] = {}
    for c, side, bud in ((0, "KR", budget.kr_usd), (1, "JP", budget.jp_usd)):
        need = [m for m in materials if m.consumption_t_per_day[c] > 0]
        if not need:
            days[side] = None
            continue

        def cost(d: float, c: int = c, need: list[MaterialInput] = need) -> float:
            return sum(
                max(0.0, d * m.consumption_t_per_day[c] - m.existing_t[c]) * m.unit_value_usd_per_t
                for m in need
            )

        lo, hi = 0.0, 1.0
        while cost(hi) <= bud and hi < 3650:  # at most ten years of demand
            hi = min(3650.0, hi * 2)
        for _ in range(100):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if cost(mid) <= bud else (lo, mid)
        days[side] = lo
        for m in need:
            out[m.material_id][side] = max(m.existing_t[c], lo * m.consumption_t_per_day[c])
    return out, days
