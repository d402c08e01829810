"""Disruption scenarios per material from the risk engine's indicators (assumptions.yml).

For each material, an event is "a top supplier stops its exports of the material": one event
per distinct top supplier of Korea and of Japan (the same country hits both sides at once, the
correlated case that matters most for a joint pool). A side loses, per day, its imports times
the supplier's share of them (the top share, or China's share when China is the supplier and
not the top one; otherwise nothing), times ``share_lost_factor``, capped at its consumption.
Probability over the horizon: with ``probability_source: model`` the risk model's calibrated
12-month probability (the highest among the sides hit), else the annual probability at the
highest alert level among the sides hit (also where the model gives none), x horizon / 365
(capped at 1), split over the duration distribution.
"""

from __future__ import annotations

from supplywatch.planning.model import Assumptions, MaterialInput, Scenario


def scenarios_for(
    m: MaterialInput, a: Assumptions, china_share: tuple[float, float]
) -> list[Scenario]:
    out: list[Scenario] = []
    suppliers = {s for s in m.top_supplier if s}
    for s in sorted(suppliers):
        lost = []
        hit_levels = []
        hit_probs: list[float] = []
        for c in (0, 1):
            if m.top_supplier[c] == s:
                share = m.share_lost[c]
            elif s == "CHN":
                share = china_share[c]
            else:
                share = 0.0
            lost.append(min(1.0, share * a.share_lost_factor))
            if share > 0:
                hit_levels.append(m.level[c])
                if m.annual_probability[c] is not None:
                    hit_probs.append(float(m.annual_probability[c]))  # type: ignore[arg-type]
        if not hit_levels:
            continue
        if a.probability_source == "model" and hit_probs:
            p_year = max(hit_probs)
        else:
            p_year = a.annual_probability_by_level[max(hit_levels)]
        p = min(1.0, p_year * a.horizon_days / 365.0)
        for d, pd_ in zip(a.duration_days, a.duration_probability, strict=True):
            out.append(
                Scenario(
                    material_id=m.material_id,
                    probability=p * pd_,
                    duration_days=d,
                    share_lost=(lost[0], lost[1]),
                    price_shock=a.price_shock,
                )
            )
    return out
