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

    @property
    def is_relaxation(self) -> bool:
        return self.measure == "relaxation"


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
                t0 = _parse_date(r["announced"]) or _parse_date(r["effective"])
            except ValueError as exc:
                raise DataError(str(path), str(exc), row=row, column="announced") from exc
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


def run(
    tl: pd.DataFrame,
    events: list[Event],
    ladder: Ladder,
    affected: dict[str, tuple[list[str], str]],
    importers: list[str],
) -> BacktestResult:
    """Back-test ``events`` on ``tl``: one row per item, importer and date asked (as_of_date,
    item_state_code, score_points, alert_level, trade_year), each known on that date.
    ``affected``: event id -> (items, basis). Items without a score on a date (stale, no
    data) are not ranked and are listed apart."""
    tl = tl[tl["importer_id"].isin(importers)].copy()
    scored = tl[tl["score_points"].notna()].copy()
    # Scores equal to 1e-6 are ties (parallel sums differ in the last bits from run to run;
    # an exact tie must not turn into a rank that changes between runs).
    scored["rank"] = (
        scored["score_points"]
        .round(6)
        .groupby([scored["importer_id"], scored["as_of_date"]])
        .rank(ascending=False, method="min")
    )
    result = BacktestResult()
    aucs: dict[int, list[float]] = {o: [] for o in OFFSETS}
    leads: list[int] = []
    warned = total = 0
    affected_pairs: dict[tuple[str, str], list[date]] = {}
    for ev in events:
        items, basis = affected.get(ev.event_id, ([], "none"))
        for imp in importers:
            why = _applies(ev, imp)
            rec: dict[str, Any] = {
                "event_id": ev.event_id,
                "t0": ev.t0.isoformat(),
                "importer": imp,
                "measure": ev.measure,
                "kind": why,
                "affected_items": items,
                "affected_basis": basis,
                "offsets": {},
            }
            result.events.append(rec)
            if why != "import" or ev.is_relaxation:
                continue
            for it in items:
                affected_pairs.setdefault((it, imp), []).append(ev.t0)
            for o in OFFSETS:
                d = pd.Timestamp(ev.t0 - timedelta(days=o))
                snap = scored[(scored["importer_id"] == imp) & (scored["as_of_date"] == d)]
                aff = snap[snap["item_id"].isin(items)]
                rec["offsets"][str(o)] = {
                    "items_scored": int(len(snap)),
                    "affected": [
                        {
                            "item": r.item_id,
                            "state": r.item_state_code,
                            "rank": int(r.rank),
                            "score": round(float(r.score_points), 1),
                            "level": ladder.level_name(int(r.alert_level), "en"),
                            "trade_year": None if pd.isna(r.trade_year) else int(r.trade_year),
                        }
                        for r in aff.itertuples()
                    ],
                    "affected_without_data": sorted(set(items) - set(aff["item_id"])),
                    "auc": _auc(
                        aff["score_points"].to_numpy(),
                        snap[~snap["item_id"].isin(items)]["score_points"].to_numpy(),
                    ),
                }
                if rec["offsets"][str(o)]["auc"] is not None:
                    aucs[o].append(rec["offsets"][str(o)]["auc"])
            for it in items:
                hist = tl[
                    (tl["importer_id"] == imp)
                    & (tl["item_id"] == it)
                    & (tl["as_of_date"] <= pd.Timestamp(ev.t0))
                    & (tl["as_of_date"] >= pd.Timestamp(ev.t0 - timedelta(days=365)))
                    & tl["score_points"].notna()
                ]
                if hist.empty:
                    continue
                total += 1
                hist = hist.sort_values("as_of_date")
                up = hist["alert_level"].to_numpy() >= ESCALATION_LEVEL
                if up[-1]:
                    warned += 1
                    start = len(up) - 1
                    while start > 0 and up[start - 1]:
                        start -= 1
                    leads.append((ev.t0 - hist["as_of_date"].iloc[start].date()).days)
    result.summary = {
        "ladder_version": ladder.version,
        "auc_mean_by_offset": {
            str(o): (round(float(np.mean(v)), 3) if v else None) for o, v in aucs.items()
        },
        "affected_item_importer_pairs_with_data": total,
        "warned_at_t0": warned,
        "lead_time_days_median": float(np.median(leads)) if leads else None,
        "lead_time_days": sorted(leads),
        "false_escalations_per_item_year": _false_rate(
            tl[(tl["as_of_date"].dt.day == 1) & tl["score_points"].notna()], affected_pairs
        ),
    }
    return result


def _false_rate(tl: pd.DataFrame, affected: dict[tuple[str, str], list[date]]) -> float | None:
    """Escalations (a rise to caution or above) not followed by an event on that item within
    365 days, per item-year observed (first day of each month, items with a score)."""
    false = 0
    months = 0
    for (item, imp), g in tl.groupby(["item_id", "importer_id"]):
        g = g.sort_values("as_of_date")
        months += len(g)
        lv = g["alert_level"].to_numpy()
        d = g["as_of_date"].dt.date.to_numpy()
        t0s = affected.get((str(item), str(imp)), [])
        for i in range(1, len(lv)):
            if lv[i] >= ESCALATION_LEVEL > lv[i - 1] and not any(
                0 <= (t - d[i]).days <= 365 for t in t0s
            ):
                false += 1
    return round(false / (months / 12), 4) if months else None
