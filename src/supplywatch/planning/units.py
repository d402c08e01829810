"""What the planner plans: each material in the form it is stored in, as "planning units".

Rules (docs/planning.md):
- **Form.** A material is planned in the value-chain stage of the form the agencies store it
  in (their HS2022 codes in agency_lists.yaml, matched to the catalog's codes of that
  material; where the lists name several forms, the most refined); a material on no agency
  list is planned in its refined ("processing") stage.
  Ore is never the stored form unless an agency says so.
- **Trade of that form.** The newest year, known on the date, of Korea's and Japan's imports
  and exports of the stage's HS1992 codes (BACI, per code). A code older than the trade age
  limit is stale and not used.
- **Shared codes.** Materials whose stored-form codes overlap (all rare earths share 2805.30
  and 2846.90) are one unit: the trade of a code cannot be split between them, so it is
  counted once, for the unit, which lists its members.
- **Demand.** The user's consumption where entered for every member on that side; else the
  net imports of the stored form (imports - exports), a proxy labelled as such. A side that is
  a net exporter has no import need (0); a unit with no need on either side is skipped.
- **Unit value** = the two sides' import value / import tonnes of the stored form.
- **Probability** = the risk model's calibrated 12-month probability for each side (the
  highest among the members), the level of the ladder beside it.
- **Guards**: the total stock of a unit may not exceed a share of world production (World
  Mining Data, content tonnes) nor a number of years of the two sides' demand
  (assumptions.yml ``guards``); a plan at a guard says so.
Every material asked that is not planned is returned with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from supplywatch.planning.agency import AgencyLists
from supplywatch.planning.model import Assumptions, MaterialInput

SIDES = ("KOR", "JPN")
#: Value-chain stages from ore to product: where the lists name several forms of a material,
#: the most refined is planned (what a purchase would buy now).
REFINED = {"extraction": 0, "intermediate": 1, "processing": 2, "product": 3}


@dataclass
class UnitMeta:
    """What a planning unit is made of, for the result table."""

    unit_id: str
    members: list[str]
    stage: str
    stored_form: list[str]
    codes_h0: list[str]
    codes_hs2022: list[str]
    is_shared: bool
    ref_year: dict[str, int | None]
    imports_t: dict[str, float]
    exports_t: dict[str, float]
    lists: list[str]
    cap_t: float | None
    cap_basis: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _find(parent: dict[str, str], x: str) -> str:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def build_units(
    materials: list[str],
    agency: AgencyLists,
    trade: pd.DataFrame,
    suppliers: pd.DataFrame,
    links: pd.DataFrame,
    levels: dict[tuple[str, str], int],
    probabilities: dict[tuple[str, str], float | None],
    as_of: date,
    a: Assumptions,
    max_trade_age_days: int,
    wmd_commodity: dict[str, str | None],
    world_production: dict[str, float],
    entered: dict[tuple[str, int], float] | None = None,
    existing_t: dict[str, tuple[float, float, float]] | None = None,
) -> tuple[
    list[MaterialInput], dict[str, UnitMeta], dict[str, tuple[float, float]], dict[str, str]
]:
    """(units, their composition, China's share of each side's need per unit, skipped
    material -> reason)."""
    entered = entered or {}
    existing_t = existing_t or {}
    skipped: dict[str, str] = {}
    h6 = links[links["hs_revision_code"] == "H6"]
    h0 = links[links["hs_revision_code"] == "H0"]
    tr = trade[trade["importer_id"].isin(SIDES)].copy()
    limit = pd.Timestamp(as_of - timedelta(days=max_trade_age_days))
    tr["fresh"] = pd.to_datetime(tr["available_date"]) >= limit
    codes_with_rows = set(tr["product_id_hs6"])
    fresh_codes = set(tr.loc[tr["fresh"], "product_id_hs6"])

    stage_of: dict[str, str] = {}
    form_of: dict[str, list[str]] = {}
    codes6_of: dict[str, list[str]] = {}
    codes_of: dict[str, list[str]] = {}
    for mid in materials:
        mine6 = h6[h6["material_id"] == mid]
        stored6 = agency.stored_codes(mid)
        stages = sorted(set(mine6.loc[mine6["product_id_hs6"].isin(stored6), "stage_code"]))
        if len(stages) > 1:  # several forms on the lists: the most refined one
            stages = [max(stages, key=lambda st: REFINED.get(st, -1))]
        if stored6 and not stages:
            skipped[mid] = (
                f"the stored form's HS2022 code(s) {', '.join(stored6)} (agency lists) are not "
                "among the catalog's codes of this material: no trade to plan it with"
            )
            continue
        if not stages:
            if "processing" not in set(mine6["stage_code"]):
                skipped[mid] = "no refined (processing) stage in the catalog and on no agency list"
                continue
            stages = ["processing"]
        stage = "+".join(stages)
        mine0 = h0[(h0["material_id"] == mid) & h0["stage_code"].isin(stages)]
        codes = sorted(set(mine0["product_id_hs6"]))
        codes6 = sorted(set(mine6.loc[mine6["stage_code"].isin(stages), "product_id_hs6"]))
        with_data = [c for c in codes if c in fresh_codes]
        if not with_data:
            old = [c for c in codes if c in codes_with_rows]
            if old:
                yr = int(tr.loc[tr["product_id_hs6"].isin(old), "ref_year"].max())
                skipped[mid] = (
                    f"stale: the newest trade of the stored form (HS1992 {', '.join(old)}, "
                    f"{stage} stage) is of {yr}, older than the trade age limit "
                    f"({max_trade_age_days} days after release)"
                )
            else:
                skipped[mid] = (
                    f"no data: no trade of the stored form ({stage} stage, HS2022 "
                    f"{', '.join(codes6) or '-'}; HS1992 {', '.join(codes) or '-'}) for KOR or JPN "
                    "in the store; fetch it (`supplywatch fetch comtrade` for these codes) or "
                    "enter your consumption and a unit value"
                )
            continue
        stage_of[mid] = stage
        form_of[mid] = agency.stored_forms(mid) or [f"{stage} stage (on no agency list)"]
        codes6_of[mid] = codes6
        codes_of[mid] = with_data

    # Materials whose stored-form codes overlap are one unit.
    parent = {m: m for m in codes_of}
    owner: dict[str, str] = {}
    for mid, codes in codes_of.items():
        for c in codes:
            if c in owner:
                ra, rb = _find(parent, owner[c]), _find(parent, mid)
                if ra != rb:
                    parent[rb] = ra
            else:
                owner[c] = mid
    groups: dict[str, list[str]] = {}
    for mid in codes_of:
        groups.setdefault(_find(parent, mid), []).append(mid)

    out: list[MaterialInput] = []
    metas: dict[str, UnitMeta] = {}
    china: dict[str, tuple[float, float]] = {}
    for members in groups.values():
        codes = sorted({c for m in members for c in codes_of[m]})
        unit_id = members[0] if len(members) == 1 else f"{members[0]}+{len(members) - 1}"
        rows = tr[tr["product_id_hs6"].isin(codes) & tr["fresh"]]
        imp_t: dict[str, float] = {}
        exp_t: dict[str, float] = {}
        imp_v: dict[str, float] = {}
        years: dict[str, int | None] = {}
        for side in SIDES:
            r = rows[rows["importer_id"] == side]
            imp_t[side] = float(r["import_qty_t"].fillna(0).sum())
            exp_t[side] = float(r["export_qty_t"].fillna(0).sum())
            imp_v[side] = float(r["import_value_kusd"].fillna(0).sum()) * 1000.0
            years[side] = int(r["ref_year"].max()) if not r.empty else None
        demand: list[float] = []
        basis: list[str] = []
        for ci, side in enumerate(SIDES):
            mine = [entered.get((m, ci)) for m in members]
            if all(v is not None for v in mine):
                demand.append(float(sum(v for v in mine if v is not None)))
                basis.append("entered")
                continue
            net = imp_t[side] - exp_t[side]
            if net > 0:
                demand.append(net)
                basis.append(f"proxy: net imports of the stored form {years[side]}")
            else:
                demand.append(0.0)
                basis.append(
                    "no import need: net exporter of the stored form "
                    f"({years[side]}: imports {imp_t[side]:,.1f} t, exports {exp_t[side]:,.1f} t)"
                    if years[side] is not None
                    else "no trade of the stored form"
                )
        qty = imp_t["KOR"] + imp_t["JPN"]
        value = imp_v["KOR"] + imp_v["JPN"]
        if demand[0] <= 0 and demand[1] <= 0:
            why = f"no import need on either side ({basis[0]}; {basis[1]}); enter your consumption"
            for m in members:
                skipped[m] = why + (
                    f" (planned as one unit with {', '.join(x for x in members if x != m)})"
                    if len(members) > 1
                    else ""
                )
            continue
        if qty <= 0 or value <= 0:
            for m in members:
                skipped[m] = "no unit value: the stored form's imports carry no tonnes"
            continue
        top: list[str | None] = []
        share_lost: list[float] = []
        chn: list[float] = []
        for ci, side in enumerate(SIDES):
            s = suppliers[
                (suppliers["importer_id"] == side) & suppliers["product_id_hs6"].isin(codes)
            ]
            by = s.groupby("exporter_id_iso3")["value_kusd"].sum().sort_values(ascending=False)
            total = float(by.sum())
            if total <= 0 or demand[ci] <= 0:
                top.append(None)
                share_lost.append(0.0)
                chn.append(0.0)
                continue
            reliance = min(1.0, imp_t[side] / demand[ci])
            top.append(str(by.index[0]))
            share_lost.append(float(by.iloc[0]) / total * reliance)
            chn.append(float(by.get("CHN", 0.0)) / total * reliance)
        lvl = tuple(max(levels.get((m, side), 0) for m in members) for side in SIDES)
        prob: list[float | None] = []
        for side in SIDES:
            ps = [probabilities.get((m, side)) for m in members]
            known = [p for p in ps if p is not None and p == p]
            prob.append(max(known) if known else None)
        held = [0.0, 0.0, 0.0]
        for m in members:
            for i, v in enumerate(existing_t.get(m, (0.0, 0.0, 0.0))):
                held[i] += v
        caps: list[float] = []
        cap_basis: list[str] = []
        commodities = sorted({w for m in members if (w := wmd_commodity.get(m))})
        world = sum(world_production.get(w, 0.0) for w in commodities)
        if commodities and world > 0 and a.guards.max_share_of_world_production is not None:
            caps.append(world * a.guards.max_share_of_world_production)
            cap_basis.append(
                f"{a.guards.max_share_of_world_production:.0%} of world production "
                f"({', '.join(commodities)}: {world:,.0f} t, World Mining Data)"
            )
        if a.guards.max_years_of_demand is not None:
            caps.append(a.guards.max_years_of_demand * (demand[0] + demand[1]))
            cap_basis.append(f"{a.guards.max_years_of_demand:g} years of the two sides' demand")
        cap = min(caps) if caps else None
        out.append(
            MaterialInput(
                material_id=unit_id,
                consumption_t_per_day=(demand[0] / 365.0, demand[1] / 365.0),
                consumption_basis=(basis[0], basis[1]),
                unit_value_usd_per_t=value / qty,
                unit_value_basis=f"KOR+JPN imports of the stored form, HS1992 {', '.join(codes)} "
                f"({years['KOR'] or years['JPN']})",
                level=(int(lvl[0]), int(lvl[1])),
                annual_probability=(prob[0], prob[1]),
                top_supplier=(top[0], top[1]),
                share_lost=(share_lost[0], share_lost[1]),
                existing_t=(held[0], held[1], held[2]),
                importance=max(a.importance_of(m) for m in members),
                cap_t=cap,
            )
        )
        china[unit_id] = (chn[0], chn[1])
        metas[unit_id] = UnitMeta(
            unit_id=unit_id,
            members=members,
            stage=stage_of[members[0]],
            stored_form=sorted({f for m in members for f in form_of[m]}),
            codes_h0=codes,
            codes_hs2022=sorted({c for m in members for c in codes6_of[m]}),
            is_shared=len(members) > 1,
            ref_year=years,
            imports_t=imp_t,
            exports_t=exp_t,
            lists=sorted({x for m in members for x in agency.lists_of(m)}),
            cap_t=cap,
            cap_basis=cap_basis,
        )
    return out, metas, china, skipped


def unit_of(metas: dict[str, UnitMeta]) -> dict[str, str]:
    """Material -> the id of the unit it is planned in."""
    return {m: u for u, meta in metas.items() for m in meta.members}


def as_rows(skipped: dict[str, str], agency: AgencyLists) -> list[dict[str, Any]]:
    return [
        {"material_id": m, "lists": agency.lists_of(m), "reason": why}
        for m, why in sorted(skipped.items())
    ]
