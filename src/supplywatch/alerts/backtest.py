"""Back-test of the alert ladder against past disruptions (events CSV).

For each event and importer: the affected items' rank and level 365, 180, 90, 30 and 0 days
before t0, each computed only from data available on that date. Summary: ranking AUC of
affected against unaffected items, lead time of the first escalation, false escalations per
item-year. Relaxations and export-side measures are reported apart, never as import shocks.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplywatch.alerts.model import Ladder
from supplywatch.catalog.importers import BLOC_ID, BLOC_MEMBERS
from supplywatch.errors import DataError

OFFSETS = (365, 180, 90, 30, 0)
COLUMNS = (
    "event_id",
    "announced",
    "effective",
    "imposer",
    "target",
    "commodity",
    "hs6_codes",
    "measure",
    "impact_note",
    "source",
)
MEASURES = (
    "ban",
    "licence",
    "quota",
    "tax",
    "inspection",
    "de-facto-halt",
    "border-closure",
    "supply-shock",
    "market-disruption",
    "relaxation",
)
#: An escalation is a rise to this ladder step (주의 / caution) or above.
ESCALATION_LEVEL = 2


#: Event classes (issue: policy measures, shocks; relaxations reported apart).
POLICY = ("ban", "licence", "quota", "tax", "inspection", "de-facto-halt", "border-closure")
SHOCK = ("supply-shock", "market-disruption")


@dataclass(frozen=True)
class Event:
    event_id: str
    t0: date
    imposer: str
    target: str
    measure: str
    hs2022: tuple[str, ...]
    row: int
    commodity: str = ""
    announced: date | None = None
    effective: date | None = None

    @property
    def is_relaxation(self) -> bool:
        return self.measure == "relaxation"

    @property
    def event_class(self) -> str:
        """policy, shock or relaxation."""
        if self.is_relaxation:
            return "relaxation"
        return "shock" if self.measure in SHOCK else "policy"


def _parse_date(text: str) -> date | None:
    t = text.strip().rstrip("?")
    if t in {"", "n/a", "unconfirmed"}:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", t)
    if m is None:
        raise ValueError(f"not a date: {text!r}")
    return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))


def read_events(path: Path) -> list[Event]:
    """Parse an events CSV (format of shared/events/dev-events.csv); errors name row/column."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(str(path), "missing column", row=1, column=missing[0])
        out = []
        for r in reader:
            row = reader.line_num
            try:
                announced = _parse_date(r["announced"])
            except ValueError as exc:
                raise DataError(str(path), str(exc), row=row, column="announced") from exc
            try:
                effective = _parse_date(r["effective"])
            except ValueError as exc:
                raise DataError(str(path), str(exc), row=row, column="effective") from exc
            t0 = announced or effective
            if t0 is None:
                raise DataError(
                    str(path),
                    "no usable date in announced or effective",
                    row=row,
                    column="announced",
                    value=r["announced"],
                )
            head = r["measure"].split(":", 1)[0].strip()
            measure = next((m for m in MEASURES if head.startswith(m)), head)
            if measure not in MEASURES:
                raise DataError(
                    str(path),
                    f"unknown measure (known: {', '.join(MEASURES)})",
                    row=row,
                    column="measure",
                    value=measure,
                )
            codes = []
            for c in r["hs6_codes"].split(";"):
                c = c.strip().rstrip("*?").replace(".", "")
                if c and c != "n/a":
                    if not re.fullmatch(r"\d{6}", c):
                        raise DataError(
                            str(path), "not an HS6 code", row=row, column="hs6_codes", value=c
                        )
                    codes.append(c)
            out.append(
                Event(
                    r["event_id"],
                    t0,
                    r["imposer"].strip(),
                    r["target"].strip(),
                    measure,
                    tuple(codes),
                    row,
                    r["commodity"].strip(),
                    announced,
                    effective,
                )
            )
    return out


@dataclass
class BacktestResult:
    events: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _applies(ev: Event, importer: str) -> str:
    """'import' if the event is an import shock for ``importer``; else why it is not."""
    members = BLOC_MEMBERS if importer == BLOC_ID else (importer,)
    if ev.imposer in members:
        return "export-side (imposed by the importer)"
    if ev.target not in {"ALL", "n/a", ""} and ev.target not in members:
        return f"targets {ev.target} only"
    if importer == BLOC_ID and ev.imposer in BLOC_MEMBERS:
        return "intra-bloc"
    return "import"


def _auc(pos: np.ndarray, neg: np.ndarray) -> float | None:
    if len(pos) == 0 or len(neg) == 0:
        return None
    ranks = pd.Series(np.concatenate([pos, neg])).rank().to_numpy()
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def affected_items(
    ev: Event, named: list[str], linked: dict[str, set[str]], kind: str
) -> tuple[list[str], str]:
    """The items an event hits, and on what basis. Materials: those the event's commodity
    names, narrowed to those its HS codes carry (a code shared with other materials does not
    make them affected); only where the text names none, every material on its codes.
    HS codes as items: the event's codes (walked back to HS1992)."""
    by_code = set().union(*(linked.get(c, set()) for c in ev.hs2022)) if ev.hs2022 else set()
    if kind != "material":
        return sorted(by_code), "hs codes"
    if named and by_code:
        both = sorted(set(named) & by_code)
        if both:
            return both, "named and on the event's codes"
        return sorted(named), "named (not on the event's codes)"
    if named:
        return sorted(named), "named"
    return sorted(by_code), "every material on the event's codes (the text names none)"


#: The two systems the back-test scores: the risk model (what the levels use) and the
#: hand-weighted composite it replaced (the baseline).
SYSTEMS = {
    "model": ("risk_probability_share", "alert_level"),
    "baseline": ("score_points", "baseline_alert_level"),
}
ALERT_LEVEL = 3
TOP_DECILE = 0.10


def dates_needed(events: list[Event]) -> set[date]:
    """Every date the back-test reads beyond the month starts: the offsets from both anchors,
    the day after the announcement, and the 30 days after a shock's onset."""
    out: set[date] = set()
    for ev in events:
        for anchor in {ev.t0, ev.announced, ev.effective} - {None}:
            assert anchor is not None
            out |= {anchor - timedelta(days=o) for o in OFFSETS}
            out.add(anchor + timedelta(days=1))
            out |= {anchor + timedelta(days=d) for d in range(0, 31, 5)}
    return out


def run(
    tl: pd.DataFrame,
    events: list[Event],
    ladder: Ladder,
    affected: dict[str, tuple[list[str], str]],
    importers: list[str],
    split_dates: tuple[date, date] | None = None,
) -> BacktestResult:
    """Back-test ``events`` on ``tl``: one row per item, importer and date asked (as_of_date,
    item_state_code, score_points, risk_probability_share, alert_level,
    baseline_alert_level, trade_year), each known on that date. ``affected``: event id ->
    (items, basis). Items without a score on a date (stale, no data) are not ranked and are
    listed apart. ``split_dates`` = (fit_end, validate_start) of the model's time split: the
    summary then also reports the events of each side apart."""
    tl = tl[tl["importer_id"].isin(importers)].copy()
    ranked = tl[tl["score_points"].notna()].copy()
    for name, (col, _lv) in SYSTEMS.items():
        # values equal to 1e-6 are ties (parallel sums differ in the last bits between runs)
        ranked[f"rank_{name}"] = (
            ranked[col]
            .round(6)
            .groupby([ranked["importer_id"], ranked["as_of_date"]])
            .rank(ascending=False, method="min")
        )
    result = BacktestResult()
    for ev in events:
        items, basis = affected.get(ev.event_id, ([], "none"))
        for imp in importers:
            why = _applies(ev, imp)
            rec: dict[str, Any] = {
                "event_id": ev.event_id,
                "t0": ev.t0.isoformat(),
                "announced": None if ev.announced is None else ev.announced.isoformat(),
                "effective": None if ev.effective is None else ev.effective.isoformat(),
                "importer": imp,
                "measure": ev.measure,
                "class": ev.event_class,
                "kind": why,
                "affected_items": items,
                "affected_basis": basis,
                "offsets": {},
            }
            result.events.append(rec)
            if why != "import" or ev.is_relaxation:
                continue
            rec["offsets"] = _offsets(ranked, imp, ev.t0, items, ladder)
            rec["offsets_effective"] = (
                _offsets(ranked, imp, ev.effective, items, ladder)
                if ev.effective is not None and ev.effective != ev.t0
                else None
            )
            rec["items"] = {
                it: _item_history(tl, imp, it, ev) for it in items if _has(tl, imp, it, ev.t0)
            }
    result.summary = _summary(tl, result.events, ladder, split_dates)
    return result


def _has(tl: pd.DataFrame, imp: str, item: str, t0: date) -> bool:
    h = tl[
        (tl["importer_id"] == imp)
        & (tl["item_id"] == item)
        & (tl["as_of_date"] <= pd.Timestamp(t0))
        & (tl["as_of_date"] >= pd.Timestamp(t0 - timedelta(days=365)))
        & tl["score_points"].notna()
    ]
    return not h.empty


def _offsets(
    ranked: pd.DataFrame, imp: str, anchor: date, items: list[str], ladder: Ladder
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for o in OFFSETS:
        d = pd.Timestamp(anchor - timedelta(days=o))
        snap = ranked[(ranked["importer_id"] == imp) & (ranked["as_of_date"] == d)]
        aff = snap[snap["item_id"].isin(items)]
        rest = snap[~snap["item_id"].isin(items)]
        n = len(snap)
        decile = max(1, int(np.ceil(TOP_DECILE * n))) if n else 0
        out[str(o)] = {
            "items_scored": int(n),
            "affected": [
                {
                    "item": r.item_id,
                    "state": r.item_state_code,
                    "rank": int(r.rank_model),
                    "probability": None
                    if pd.isna(r.risk_probability_share)
                    else round(float(r.risk_probability_share), 4),
                    "level": ladder.level_name(int(r.alert_level), "en"),
                    "baseline_rank": int(r.rank_baseline),
                    "score": round(float(r.score_points), 1),
                    "baseline_level": ladder.level_name(int(r.baseline_alert_level), "en"),
                    "trade_year": None if pd.isna(r.trade_year) else int(r.trade_year),
                }
                for r in aff.itertuples()
            ],
            "affected_without_data": sorted(set(items) - set(aff["item_id"])),
            "auc": _auc(
                aff["risk_probability_share"].to_numpy(), rest["risk_probability_share"].to_numpy()
            ),
            "baseline_auc": _auc(aff["score_points"].to_numpy(), rest["score_points"].to_numpy()),
            "top_decile": bool(len(aff) and (aff["rank_model"] <= decile).any()),
            "baseline_top_decile": bool(len(aff) and (aff["rank_baseline"] <= decile).any()),
        }
    return out


def _item_history(tl: pd.DataFrame, imp: str, item: str, ev: Event) -> dict[str, Any]:
    """Per system: lead of the first escalation to 주의 and to 경계 still on at t0 (days,
    capped at 365), the level the day after the announcement, and (shocks) the days from
    onset to the first 주의 within a year."""
    h = tl[(tl["importer_id"] == imp) & (tl["item_id"] == item)].sort_values("as_of_date")
    before = h[
        (h["as_of_date"] <= pd.Timestamp(ev.t0))
        & (h["as_of_date"] >= pd.Timestamp(ev.t0 - timedelta(days=365)))
        & h["score_points"].notna()
    ]
    after = h[
        (h["as_of_date"] >= pd.Timestamp(ev.t0))
        & (h["as_of_date"] <= pd.Timestamp(ev.t0 + timedelta(days=365)))
    ]
    day_after = h[h["as_of_date"] == pd.Timestamp(ev.t0 + timedelta(days=1))]
    out: dict[str, Any] = {}
    for name, (_col, lv) in SYSTEMS.items():
        levels = before[lv].to_numpy()
        dates = before["as_of_date"].dt.date.to_numpy()
        rec: dict[str, Any] = {}
        for label, step in (("caution", ESCALATION_LEVEL), ("alert", ALERT_LEVEL)):
            up = levels >= step
            if len(up) and up[-1]:
                start = len(up) - 1
                while start > 0 and up[start - 1]:
                    start -= 1
                rec[f"lead_{label}_days"] = (ev.t0 - dates[start]).days
            else:
                rec[f"lead_{label}_days"] = None
        rec["level_day_after"] = int(day_after[lv].iloc[0]) if len(day_after) else None
        hit = after[after[lv] >= ESCALATION_LEVEL]
        rec["caution_latency_days"] = (
            None if hit.empty else (hit["as_of_date"].iloc[0].date() - ev.t0).days
        )
        out[name] = rec
    return out


def _mean(v: list[float]) -> float | None:
    return round(float(np.mean(v)), 3) if v else None


def _class_summary(recs: list[dict[str, Any]], name: str, cls: str) -> dict[str, Any]:
    auc_key = "auc" if name == "model" else "baseline_auc"
    dec_key = "top_decile" if name == "model" else "baseline_top_decile"
    aucs: dict[str, list[float]] = {str(o): [] for o in OFFSETS}
    aucs_eff: dict[str, list[float]] = {str(o): [] for o in OFFSETS}
    decile_pairs = decile_hits = 0
    pairs = warned = alert1 = 0
    leads_c: list[int] = []
    leads_a: list[int] = []
    latency: list[int | None] = []
    for r in recs:
        for o, v in r["offsets"].items():
            if v[auc_key] is not None:
                aucs[o].append(v[auc_key])
        for o, v in (r.get("offsets_effective") or {}).items():
            if v[auc_key] is not None:
                aucs_eff[o].append(v[auc_key])
        at180 = r["offsets"].get("180")
        if at180 and at180["affected"]:
            decile_pairs += 1
            decile_hits += int(at180[dec_key])
        for h in r.get("items", {}).values():
            s = h[name]
            pairs += 1
            if s["lead_caution_days"] is not None:
                warned += 1
                leads_c.append(s["lead_caution_days"])
            if s["lead_alert_days"] is not None:
                leads_a.append(s["lead_alert_days"])
            if (s["level_day_after"] or 0) >= ALERT_LEVEL:
                alert1 += 1
            latency.append(s["caution_latency_days"])
    out: dict[str, Any] = {
        "event_importer_pairs": len(recs),
        "affected_item_importer_pairs_with_data": pairs,
        "auc_mean_by_offset": {o: _mean(v) for o, v in aucs.items()},
        "auc_mean_by_offset_effective": {o: _mean(v) for o, v in aucs_eff.items()},
        "warned_at_t0": warned,
        "lead_caution_days_median": float(np.median(leads_c)) if leads_c else None,
        "lead_alert_days_median": float(np.median(leads_a)) if leads_a else None,
    }
    if cls == "policy":
        out["top_decile_at_180"] = f"{decile_hits} of {decile_pairs}"
        out["top_decile_at_180_share"] = (
            round(decile_hits / decile_pairs, 3) if decile_pairs else None
        )
        out["alert_within_1_day"] = f"{alert1} of {pairs}"
    else:
        done = [x for x in latency if x is not None]
        out["caution_latency_days"] = latency
        out["caution_within_30_days"] = f"{sum(1 for x in done if x <= 30)} of {len(latency)}"
    return out


def _summary(
    tl: pd.DataFrame,
    recs: list[dict[str, Any]],
    ladder: Ladder,
    split_dates: tuple[date, date] | None,
) -> dict[str, Any]:
    scored = [r for r in recs if r["kind"] == "import" and r["class"] != "relaxation"]
    months = tl[(tl["as_of_date"].dt.day == 1) & tl["score_points"].notna()]
    affected_pairs: dict[tuple[str, str], list[date]] = {}
    for r in scored:
        for it in r["affected_items"]:
            affected_pairs.setdefault((it, r["importer"]), []).append(date.fromisoformat(r["t0"]))
    per_system: dict[str, Any] = {}
    for name, (_col, lv) in SYSTEMS.items():
        allc = _class_summary(scored, name, "policy")
        per_system[name] = {
            "auc_mean_by_offset": allc["auc_mean_by_offset"],
            "affected_item_importer_pairs_with_data": allc[
                "affected_item_importer_pairs_with_data"
            ],
            "warned_at_t0": allc["warned_at_t0"],
            "false_escalations_per_item_year": _false_rate(months, affected_pairs, lv),
            "level_changes_per_item_year": _changes_rate(months, lv),
            "by_class": {
                cls: _class_summary([r for r in scored if r["class"] == cls], name, cls)
                for cls in ("policy", "shock")
            },
        }
        if split_dates is not None:
            fit_end, val_start = split_dates
            per_system[name]["by_split"] = {
                "events_in_fit_period": _class_summary(
                    [r for r in scored if date.fromisoformat(r["t0"]) <= fit_end], name, "policy"
                ),
                "events_after_split": _class_summary(
                    [r for r in scored if date.fromisoformat(r["t0"]) >= val_start],
                    name,
                    "policy",
                ),
            }
    leads = [
        h["model"]["lead_caution_days"]
        for r in scored
        for h in r.get("items", {}).values()
        if h["model"]["lead_caution_days"] is not None
    ]
    m = per_system["model"]
    return {
        "ladder_version": ladder.version,
        "auc_mean_by_offset": m["auc_mean_by_offset"],
        "affected_item_importer_pairs_with_data": m["affected_item_importer_pairs_with_data"],
        "warned_at_t0": m["warned_at_t0"],
        "lead_time_days_median": float(np.median(leads)) if leads else None,
        "lead_time_days": sorted(leads),
        "false_escalations_per_item_year": m["false_escalations_per_item_year"],
        "level_changes_per_item_year": m["level_changes_per_item_year"],
        "by_class": m["by_class"],
        **({"by_split": m["by_split"]} if "by_split" in m else {}),
        "baseline": per_system["baseline"],
        "goals": _goals(m),
    }


def _goals(m: dict[str, Any]) -> dict[str, Any]:
    """The issue's benchmark goals, each with the figure and whether it is met."""
    pol = m["by_class"]["policy"]
    shock = m["by_class"]["shock"]
    share = pol.get("top_decile_at_180_share")
    auc180 = pol["auc_mean_by_offset"].get("180")
    a1 = pol.get("alert_within_1_day", "0 of 0").split(" of ")
    fe = m["false_escalations_per_item_year"]
    s30 = shock.get("caution_within_30_days", "0 of 0").split(" of ")
    return {
        "policy_top_decile_180d_share>=0.60": {"value": share, "met": bool(share and share >= 0.6)},
        "policy_auc_180d>=0.85": {"value": auc180, "met": bool(auc180 and auc180 >= 0.85)},
        "alert_within_1_day_of_notice": {
            "value": pol.get("alert_within_1_day"),
            "met": a1[1] != "0" and a1[0] == a1[1],
        },
        "false_escalations<=0.05": {"value": fe, "met": fe is not None and fe <= 0.05},
        "shocks_caution_within_30_days": {
            "value": shock.get("caution_within_30_days"),
            "met": s30[1] != "0" and s30[0] == s30[1],
        },
    }


def _changes_rate(tl: pd.DataFrame, level_col: str) -> float | None:
    """Level changes (up or down) per item-year observed (first day of each month)."""
    changes = months = 0
    for _k, g in tl.groupby(["item_id", "importer_id"]):
        lv = g.sort_values("as_of_date")[level_col].to_numpy()
        months += len(lv)
        changes += int((lv[1:] != lv[:-1]).sum())
    return round(changes / (months / 12), 4) if months else None


def _false_rate(
    tl: pd.DataFrame, affected: dict[tuple[str, str], list[date]], level_col: str = "alert_level"
) -> float | None:
    """Escalations (a rise to caution or above) not followed by an event on that item within
    365 days, per item-year observed (first day of each month, items with a score)."""
    false = 0
    months = 0
    for (item, imp), g in tl.groupby(["item_id", "importer_id"]):
        g = g.sort_values("as_of_date")
        months += len(g)
        lv = g[level_col].to_numpy()
        d = g["as_of_date"].dt.date.to_numpy()
        t0s = affected.get((str(item), str(imp)), [])
        for i in range(1, len(lv)):
            if lv[i] >= ESCALATION_LEVEL > lv[i - 1] and not any(
                0 <= (t - d[i]).days <= 365 for t in t0s
            ):
                false += 1
    return round(false / (months / 12), 4) if months else None
