"""How the risk screen and an explanation look in a terminal: every item in its state, the
columns that fit the width (80 columns and up), names wrapped rather than cut."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

STATE_LABEL = {"scored": "scored", "partial": "partial", "stale": "stale", "no_data": "no data"}


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def _score(r: dict[str, Any]) -> str:
    return "-" if r["score_points"] is None else f"{r['score_points']:.1f}"


def _prob(r: dict[str, Any]) -> str:
    p = r.get("risk_probability_share")
    return "-" if p is None else f"{100 * p:.0f}%"


def _level(r: dict[str, Any]) -> str:
    if r["item_state_code"] in {"stale", "no_data"}:
        return STATE_LABEL[r["item_state_code"]]
    return f"{r['level_ko']} {r['level_en']}" if r["alert_level"] else "-"


def _item(r: dict[str, Any]) -> str:
    name = str(r.get("name_en") or r["item_id"])
    mark = ""
    if r["is_shared_code"]:
        mark += f" [dim](shared ×{r['shared_count']})[/]"
    if r["item_state_code"] == "partial":
        mark += " [dim](partial)[/]"
    return name + mark


def _supplier(r: dict[str, Any]) -> str:
    if r["top_supplier_id_iso3"] is None:
        return "-"
    return f"{r['top_supplier_name']} {_pct(r['top_supplier_share'])}"


def print_screen(
    console: Console, rows: list[dict[str, Any]], title: str, top: int | None = None
) -> None:
    """The screen (``rows``: every item, ranked) as a table sized to the terminal, its first
    ``top`` rows only where given, then the state of every item and what the states mean."""
    every = rows
    rows = rows[:top] if top else rows
    width = console.width
    cols: list[tuple[str, Any, dict[str, Any]]] = [
        ("item", lambda r: _item(r), {"overflow": "fold", "ratio": 3}),
        ("level", lambda r: _level(r), {"overflow": "fold", "ratio": 2}),
        ("p 12m", lambda r: _prob(r), {"justify": "right", "no_wrap": True}),
        ("score", lambda r: _score(r), {"justify": "right", "no_wrap": True}),
        ("top supplier", lambda r: _supplier(r), {"overflow": "fold", "ratio": 2}),
    ]
    if width >= 100:
        cols += [
            ("China", lambda r: _pct(r["china_share"]), {"justify": "right", "no_wrap": True}),
            (
                "main driver",
                lambda r: (r["main_driver_code"] or "-").replace("_", " "),
                {"overflow": "fold", "ratio": 2},
            ),
        ]
    if width >= 130:
        cols += [
            (
                "data",
                lambda r: str(r["trade_year"] or r["production_year"] or "-"),
                {"no_wrap": True},
            ),
            ("conf.", lambda r: f"{r['confidence_share'] or 0:.2f}", {"no_wrap": True}),
        ]
    t = Table(title=title, expand=width < 100, pad_edge=False)
    t.add_column("#", justify="right", no_wrap=True)
    for name, _f, opts in cols:
        t.add_column(name, **opts)
    for i, r in enumerate(rows, start=1):
        t.add_row(str(i), *[f(r) for _n, f, _o in cols])
    console.print(t)
    counts = Counter(r["item_state_code"] for r in every)
    cut = (
        f"{len(rows)} of {len(every)} shown (--top 0: all). All: " if len(rows) < len(every) else ""
    )
    console.print(
        cut
        + " · ".join(f"{counts.get(s, 0)} {STATE_LABEL[s]}" for s in STATE_LABEL)
        + (
            ". Why: supplywatch screen --state stale --state no_data (or explain ITEM)."
            if counts.get("stale") or counts.get("no_data")
            else "."
        ),
        soft_wrap=False,
    )
    shared = sorted({r["shared_with_text"] for r in rows if r["is_shared_code"]})
    if shared:
        console.print(
            "[dim]shared ×N: the item's HS codes also carry N-1 other materials; its trade "
            "figures are those of the code, not of the item alone.[/]"
        )


def print_reasons(console: Console, rows: list[dict[str, Any]]) -> None:
    """For items not scored: the state, the reason and the command that would fill it."""
    for r in rows:
        if r["item_state_code"] in {"scored"}:
            continue
        console.print(f"[bold]{r['item_id']}[/] {STATE_LABEL[r['item_state_code']]}: ", end="")
        console.print(r.get("state_reason_text") or "", markup=False)
        if r.get("fill_command_text"):
            console.print("  fill: " + r["fill_command_text"], markup=False)


def print_explain(console: Console, exp: dict[str, Any]) -> None:
    """An explanation: state and level, factors, evidence, coverage, suppliers, history."""
    head = (
        f"[bold]{exp.get('name_en') or exp['item_id']}[/] — {exp['importer_id']} — as of "
        f"{exp['as_of']}: "
    )
    state = exp["state"]
    if state in {"stale", "no_data"} or exp.get("score") is None:
        console.print(head + f"[bold]{STATE_LABEL[state]}[/]")
    else:
        console.print(
            head + f"[bold]{exp['level_ko']} {exp['level_en']}[/] probability of a measure "
            f"within 12 months {_prob({'risk_probability_share': exp.get('probability')})} "
            f"(baseline score {exp['score']}; {STATE_LABEL[state]}, confidence "
            f"{exp['confidence']}, ladder {exp['ladder_version']})"
        )
    model = exp.get("model") or {}
    terms = sorted(model.get("terms", []), key=lambda t: -abs(t["logit_term"]))
    if terms:
        console.print(
            "Model terms (logit): "
            + "; ".join(
                f"{t['feature'].replace('_', ' ')} {t['logit_term']:+.2f}"
                for t in terms
                if t["logit_term"]
            )
            + f"; intercept {model['intercept']:+.2f}",
            markup=False,
        )
    for key, label in (("momentum", "Imposer's momentum"), ("monthly_trade", "Monthly trade")):
        if model.get(key):
            console.print(f"{label}: {model[key]}", markup=False)
    if exp.get("state_reason"):
        console.print(exp["state_reason"], markup=False)
    if exp.get("fill_command"):
        console.print("To fill it: " + exp["fill_command"], markup=False)
    if exp.get("shared_with"):
        console.print(
            f"Shared code: its HS code(s) also carry {', '.join(exp['shared_with'])}; the trade "
            "figures are the code's, not the item's alone.",
            markup=False,
        )
    cov = exp.get("coverage")
    if cov:
        console.print("Coverage: " + cov["text"], markup=False)
        for u in cov["unit_values_by_stage"]:
            console.print(
                f"  {u['stage']} {u['year']}: {u['unit_value_usd_per_t'] or '-'} USD/t "
                f"(HS {', '.join(u['hs6'])}{', shared' if u['is_shared_code'] else ''})",
                markup=False,
            )
    if exp.get("factors"):
        t = Table(title="Factors")
        for c in ("factor", "value", "weight", "points", "data"):
            t.add_column(c, overflow="fold")
        for f in exp["factors"]:
            t.add_row(
                f["factor"].replace("_", " "),
                "-" if f["value"] is None else f"{f['value']:.3f}",
                f"{f['weight']:.2f}",
                "-" if f["contribution_points"] is None else f"{f['contribution_points']:.2f}",
                "yes" if f["has_data"] else "no data (neutral)",
            )
        console.print(t)
    tr = (exp.get("evidence") or {}).get("trade")
    if tr:
        console.print(
            f"Trade: {tr['table']} {tr['year']} (available {tr['available_date']}, "
            f"{tr['freshness_days']} days old, snapshot {tr['snapshot_id']}); imports "
            f"{tr['import_value_kusd']} kUSD; top supplier {tr['top_supplier_name']}",
            markup=False,
        )
    years = sorted({s["year"] for s in exp.get("supplier_shares", [])})[-5:]
    if years:
        t = Table(title="Top suppliers (share of imports)")
        t.add_column("year", no_wrap=True)
        t.add_column("suppliers", overflow="fold")
        for y in years:
            t.add_row(
                str(y),
                ", ".join(
                    f"{s['supplier_name']} {s['share']:.2f}"
                    for s in exp["supplier_shares"]
                    if s["year"] == y
                ),
            )
        console.print(t)
    hist = exp.get("level_history", [])[-12:]
    if hist:
        t = Table(title="Level and state history (changes)")
        for c in ("date", "state", "level", "score"):
            t.add_column(c, overflow="fold")
        for h in hist:
            t.add_row(
                h["date"],
                STATE_LABEL[h["state"]],
                "-" if h["level"] == "-" else f"{h['level_ko']} {h['level']}",
                "-" if h["score"] is None else str(h["score"]),
            )
        console.print(t)


def _materials_cell(materials: list[str], shown: int = 4) -> str:
    """Up to ``shown`` materials, then how many more (the JSON lists them all)."""
    if not materials:
        return "-"
    names = [m.replace("_", " ") for m in materials]
    if len(names) <= shown + 1:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" +{len(names) - shown} more"


def print_measures(console: Console, rows: list[dict[str, Any]], title: str) -> None:
    """The registry as known on a date: one row per measure, newest first."""
    t = Table(title=title, expand=console.width < 100)
    for name, opts in (
        ("known", {"no_wrap": True}),
        ("imposer", {"no_wrap": True}),
        ("measure", {"overflow": "fold", "ratio": 3}),
        ("type", {"overflow": "fold", "ratio": 2}),
        ("materials", {"overflow": "fold", "ratio": 2}),
        ("status then", {"overflow": "fold", "ratio": 2}),
    ):
        t.add_column(name, **opts)
    for r in rows:
        t.add_row(
            r["known_since"],
            r["imposer_id_iso3"],
            r["legal_reference"] or r["measure_id"],
            ", ".join(x.replace("_", " ") for x in r["types"]),
            _materials_cell(r["materials"]),
            (r["status_on_date"] or "-") + (" (review)" if r["is_review"] else ""),
        )
    console.print(t)
    console.print(f"{len(rows)} measure(s); sources: --format json (source_url, quote).")


def _t(v: float) -> str:
    """Tonnes: one decimal below 100 t, whole tonnes above."""
    return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"


def _d(v: float | None) -> str:
    return "-" if v is None else f"{v:g}"


def plan_table(res: dict[str, Any], width: int = 200) -> Table:
    """The plan's result table, sized to the terminal's ``width``: every planning unit
    (``skipped_table`` follows it with every material asked and not planned: the result never
    hides what it skipped). The agencies' rule, the shortfall probabilities and the notes join
    at 130 columns and more (they are in the JSON and the summary lines at any width)."""
    t = Table(
        title=f"Joint stockpile plan as of {res['as_of']} (assumptions "
        f"{res['assumptions_version']}, lists {res['agency_lists_version']}, probabilities: "
        f"{res['probability_source']})",
        show_lines=False,
        expand=width < 130,
    )
    t.add_column("material (stored form)", overflow="fold", ratio=3)
    t.add_column("lists", overflow="fold", ratio=1)
    for c in ("P KR/JP", "KR t", "JP t", "pool t", "days KR/JP/pool"):
        t.add_column(c, justify="right", no_wrap=True)
    wide = width >= 130
    if wide:
        for c in ("agency rule t", "P(short) KR/JP"):
            t.add_column(c, justify="right", no_wrap=True)
        t.add_column("note", overflow="fold", ratio=2)
    for m in res["materials"]:
        p = m["annual_probability"]
        name = m["material_id"]
        if m["is_shared"]:
            name += f" (shared: {', '.join(m['members'])})"
        mc = m["monte_carlo"]["plan"]
        note = []
        if m["guard"]["at_limit"]:
            note.append("at guard: " + "; ".join(m["guard"]["basis"]))
        note += [b for b in m["consumption_basis"] if b.startswith("proxy")][:1]
        ag = m["baselines_t"]["agency_rule"]
        row = [
            escape(f"{name} [{m['stage']}, HS {'/'.join(m['codes_hs1992'])}]"),
            ", ".join(m["lists"]) or "-",
            f"{_pct(p['KOR'])}/{_pct(p['JPN'])}",
            _t(m["target_t"]["KR"]),
            _t(m["target_t"]["JP"]),
            _t(m["target_t"]["POOL"]),
            "/".join(_d(m["days_of_cover"][h]) for h in ("KR", "JP", "POOL")),
        ]
        if wide:
            row += [
                _t(ag["KR"] + ag["JP"] + ag["POOL"]),
                f"{mc['KR']['shortfall_probability']:.3f}/{mc['JP']['shortfall_probability']:.3f}",
                "; ".join(note) or "-",
            ]
        t.add_row(*row)
    return t


def skipped_table(res: dict[str, Any]) -> Table | None:
    """Every material asked and not planned, with the reason and how to fill the gap (a
    table of its own, so the reasons get the width)."""
    if not res["skipped"]:
        return None
    t = Table(
        title=f"Asked and not planned: {len(res['skipped'])} "
        f"material{'s' if len(res['skipped']) > 1 else ''}, each with the reason",
        expand=True,
    )
    t.add_column("material", no_wrap=True)
    t.add_column("lists", overflow="fold", max_width=20)
    t.add_column("reason", overflow="fold", ratio=1)
    for s in res["skipped"]:
        t.add_row(s["material_id"], ", ".join(s["lists"]) or "-", escape(s["reason"]))
    return t


def plan_summary(res: dict[str, Any]) -> list[str]:
    p = res["plan"]
    b = res["baselines"]
    mc = res["monte_carlo"]["expected_unserved_usd"]
    lines = [
        f"Plan: expected unserved USD {p['expected_unserved_usd']:,.0f} + holding "
        f"{p['holding_usd']:,.0f}. At the same budgets: the agencies' rule "
        f"{b['agency_rule']['expected_unserved_usd']:,.0f} + "
        f"{b['agency_rule']['holding_usd']:,.0f}; uniform days of cover (KR "
        f"{_d(b['uniform_days']['days']['KR'])}, JP {_d(b['uniform_days']['days']['JP'])} days) "
        f"{b['uniform_days']['expected_unserved_usd']:,.0f} + "
        f"{b['uniform_days']['holding_usd']:,.0f}.",
        f"Monte Carlo ({res['monte_carlo']['paths']:,} paths), expected unserved USD: plan "
        f"{mc['plan']:,.0f}, agencies' rule {mc['agency_rule']:,.0f}, uniform days "
        f"{mc['uniform_days']:,.0f}. Marginal value of budget (USD per USD): KR "
        f"{res['marginal_value_per_usd_of_budget']['KR']}, JP "
        f"{res['marginal_value_per_usd_of_budget']['JP']}.",
    ]
    for r in b["agency_rule"]["rules"]:
        lines.append(
            f"Rule {r['agency']} ({r['side']}): "
            + (f"{r['target_days']:g} days" if r["applied"] else r["note"])
            + f"; order: {r['order_basis']}"
            + (f"; source {r['source_url']}" if r["source_url"] else "")
        )
    if res["guard_flags"]:
        lines.append(
            "At a plausibility guard: "
            + "; ".join(f"{g['unit_id']} {g['target_t']:,.1f} t" for g in res["guard_flags"])
        )
    lines.append(
        f"{len(res['materials'])} planned, {len(res['skipped'])} not planned"
        + (" (the reasons are in the second table)." if res["skipped"] else ".")
    )
    return lines
