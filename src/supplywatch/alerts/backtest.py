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

from supplywatch.alerts.evaluate import Frames, level_name, monthly_dates, timeline
from supplywatch.alerts.model import Ladder
from supplywatch.catalog.countries import BLOC_ID, BLOC_MEMBERS
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


def run(
    frames: Frames,
    events: list[Event],
    ladder: Ladder,
    links: pd.DataFrame,
    importers: list[str],
    end: date,
) -> BacktestResult:
    """Back-test ``events``. ``links``: material_id, product_id_hs6 (HS2022)."""
    by_code = links.groupby("product_id_hs6")["material_id"].apply(set).to_dict()
    dates = set(monthly_dates(date(2000, 1, 1), end))
    for ev in events:
        dates |= {ev.t0 - timedelta(days=o) for o in OFFSETS}
    tl = timeline(frames, sorted(dates), ladder)
    tl = tl[tl["importer_id"].isin(importers)].copy()
    # Scores equal to 1e-6 are ties (parallel sums differ in the last bits from run to run;
    # an exact tie must not turn into a rank that changes between runs).
    tl["rank"] = (
        tl["score"]
        .round(6)
        .groupby([tl["importer_id"], tl["as_of_date"]])
        .rank(ascending=False, method="min")
    )
    result = BacktestResult()
    aucs: dict[int, list[float]] = {o: [] for o in OFFSETS}
    leads: list[int] = []
    warned = total = 0
    affected_pairs: dict[tuple[str, str], list[date]] = {}
    for ev in events:
        items = sorted(set().union(*(by_code.get(c, set()) for c in ev.hs2022)))
        for imp in importers:
            why = _applies(ev, imp)
            rec: dict[str, Any] = {
                "event_id": ev.event_id,
                "t0": ev.t0.isoformat(),
                "importer": imp,
                "measure": ev.measure,
                "kind": why,
                "affected_items": items,
                "offsets": {},
            }
            result.events.append(rec)
            if why != "import" or ev.is_relaxation:
                continue
            for it in items:
                affected_pairs.setdefault((it, imp), []).append(ev.t0)
            for o in OFFSETS:
                d = pd.Timestamp(ev.t0 - timedelta(days=o))
                snap = tl[(tl["importer_id"] == imp) & (tl["as_of_date"] == d)]
                aff = snap[snap["item_id"].isin(items)]
                rec["offsets"][str(o)] = {
                    "items_scored": int(len(snap)),
                    "affected": [
                        {
                            "item": r.item_id,
                            "rank": int(r.rank),
                            "score": round(float(r.score), 1),
                            "level": level_name(int(r.level), ladder, "en"),
                            "trade_year": int(r.trade_year),
                        }
                        for r in aff.itertuples()
                    ],
                    "affected_without_data": sorted(set(items) - set(aff["item_id"])),
                    "auc": _auc(
                        aff["score"].to_numpy(),
                        snap[~snap["item_id"].isin(items)]["score"].to_numpy(),
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
                ]
                if hist.empty:
                    continue
                total += 1
                hist = hist.sort_values("as_of_date")
                up = hist["level"].to_numpy() >= ESCALATION_LEVEL
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
        "false_escalations_per_item_year": _false_rate(tl, affected_pairs),
    }
    return result


def _false_rate(tl: pd.DataFrame, affected: dict[tuple[str, str], list[date]]) -> float | None:
    """Escalations (a rise to caution or above) not followed by an event on that item within
    365 days, per item-year observed."""
    false = 0
    months = 0
    for (item, imp), g in tl.groupby(["item_id", "importer_id"]):
        g = g.sort_values("as_of_date")
        months += len(g)
        lv = g["level"].to_numpy()
        d = g["as_of_date"].dt.date.to_numpy()
        t0s = affected.get((str(item), str(imp)), [])
        for i in range(1, len(lv)):
            if lv[i] >= ESCALATION_LEVEL > lv[i - 1] and not any(
                0 <= (t - d[i]).days <= 365 for t in t0s
            ):
                false += 1
    return round(false / (months / 12), 4) if months else None
