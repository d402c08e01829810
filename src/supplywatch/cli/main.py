"""`supplywatch` command line. Every command calls services.py only."""

from __future__ import annotations

import json
import logging
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from supplywatch.cli import views
from supplywatch.cli.output import Format, emit_json, rich_table
from supplywatch.errors import SupplywatchError
from supplywatch.services import Services
from supplywatch.settings import Settings

app = typer.Typer(
    help="Korea–Japan early-warning system for critical materials.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _services(ctx: typer.Context) -> Services:
    svc = ctx.obj
    assert isinstance(svc, Services)
    return svc


@app.callback()
def _main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = Services(Settings())


def _audit_ingest(svc: Any, results: list[Any]) -> None:
    """The service's audit log records CLI ingests too (issue #13); a state database that
    cannot be reached is said, not fatal: the store's load has happened."""
    from supplywatch.workspace.base import audit_from_cli

    detail = {"sources": {r.source: r.status for r in results}}
    try:
        audit_from_cli(
            svc.settings.database_url, svc.clock.now(), "store.ingest", "store", "cli", detail
        )
    except Exception as exc:  # noqa: BLE001 - reported, the ingest itself succeeded
        err.print(f"[yellow]warning:[/] the ingest was not written to the audit log: {exc}")


@app.command(epilog="Examples: supplywatch ingest · supplywatch ingest --source wgi --force")
def ingest(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            "-s",
            help="Source(s) to load: hs, baci, wmd, wgi, pinksheet, items. Default: all.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Reload even if unchanged.")] = False,
    snapshot: Annotated[
        Path | None,
        typer.Option(help="Load a snapshot written by `supplywatch fetch` instead of the bundle."),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Load the bundled real-data snapshot into the DuckDB store (transactional, idempotent)."""
    svc = _services(ctx)
    if snapshot is not None:
        results = [svc.ingest_snapshot(snapshot, force=force)]
        _audit_ingest(svc, results)
        if fmt == Format.json:
            emit_json(console, [r.__dict__ for r in results])
        else:
            r = results[0]
            console.print(f"{r.source}: {r.status} {r.snapshot_id} ({sum(r.rows.values())} rows)")
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=fmt == Format.json,
    ) as bar:
        task = bar.add_task("ingest", total=None)
        results = svc.ingest(source, lambda msg: bar.update(task, description=msg), force=force)
    _audit_ingest(svc, results)
    if fmt == Format.json:
        emit_json(console, [r.__dict__ for r in results])
        return
    rows = [
        [
            r.source,
            r.status,
            r.snapshot_id,
            sum(r.rows.values()) if r.rows else "",
            f"{r.seconds:.1f}s",
        ]
        for r in results
    ]
    console.print(
        rich_table(
            f"Ingest into {svc.settings.db_path}",
            ["source", "status", "snapshot", "rows", "time"],
            rows,
        )
    )


@app.command(epilog="Example: supplywatch status --format json")
def status(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Per source: rows, period covered, freshness, licence."""
    data = _services(ctx).status()
    if fmt == Format.json:
        emit_json(console, [s.as_dict() for s in data])
        return
    console.print(
        rich_table(
            "Sources",
            ["source", "rows", "period", "data available to", "loaded at", "licence"],
            [
                [
                    s.source,
                    s.rows,
                    f"{s.period_from}–{s.period_to}" if s.period_from else None,
                    s.latest_available_date,
                    (s.loaded_at or "")[:16] or None,
                    s.licence,
                ]
                for s in data
            ],
        )
    )


@app.command(
    epilog="Examples: supplywatch items 디스프로슘 · supplywatch items ガリウム · "
    "supplywatch items 811292 --format json"
)
def items(
    ctx: typer.Context,
    query: Annotated[
        str | None,
        typer.Argument(
            help="Search text: name in English, Korean, Japanese or Chinese, symbol, or HS code."
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The critical-item catalog (materials, HS codes, stages, names, list membership)."""
    data = _services(ctx).items(query)
    if fmt == Format.json:
        emit_json(console, [v.as_dict() for v in data])
        return
    rows = [
        [
            v.material_id,
            v.names["en"],
            v.names["ko"],
            v.names["ja"],
            v.names["zh"],
            ";".join(v.stages),
            " ".join(h["code"] for h in v.hs2022) or None,
            " ".join(v.hs_by_revision.get("H0", [])) or None,
        ]
        for v in data
    ]
    console.print(
        rich_table(
            f"{len(data)} item(s)",
            ["id", "en", "ko", "ja", "zh", "stages", "HS2022", "HS1992 (derived)"],
            rows,
        )
    )


@app.command(epilog="Example: supplywatch run")
def run(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """The main job: ingest the bundle, print the sources, then the KR+JP bloc screen."""
    svc = _services(ctx)
    today = svc.today()
    if fmt == Format.json:
        svc.ingest()
        emit_json(console, {**svc.headline(), "bloc_screen": svc.screen("BLOC", today, 15)})
        return
    ingest(ctx, None, False, None, Format.table)
    head = svc.headline()
    status(ctx, Format.table)
    console.print(
        f"[bold]{head['materials']}[/] critical materials in the catalog; "
        f"{head['materials_with_bundled_trade']} have bundled BACI trade rows. "
        "Try: supplywatch items 디스프로슘 · supplywatch explain natural_graphite"
    )
    views.print_screen(
        console,
        svc.screen("BLOC", today),
        f"KR+JP bloc: the 15 materials most at risk as of {today}",
        top=15,
    )


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


EngineOpt = Annotated[Engine, typer.Option(help="Indicator engine (spark needs the extra).")]


class Items(StrEnum):
    materials = "materials"
    hs = "hs"


class State(StrEnum):
    scored = "scored"
    partial = "partial"
    stale = "stale"
    no_data = "no_data"


@app.command(
    epilog="Examples: supplywatch screen --importer BLOC --top 15 · "
    "supplywatch screen --importer KOR --as-of 2010-06-01 --format json · "
    "supplywatch screen --importer DEU --items hs"
)
def screen(
    ctx: typer.Context,
    importer: Annotated[
        str, typer.Option(help="KOR, JPN, the KR+JP BLOC, or any ISO3 importer.")
    ] = "BLOC",
    as_of: Annotated[
        str | None,
        typer.Option(help="Date (YYYY-MM-DD): use only data available then. Default: today."),
    ] = None,
    top: Annotated[int, typer.Option(help="Rows to show (0 = all).")] = 20,
    items: Annotated[
        Items, typer.Option(help="Catalog materials, or every HS code on its own.")
    ] = Items.materials,
    state: Annotated[
        list[State] | None,
        typer.Option(
            help="Only items in this state (repeatable): scored, partial, stale, no_data."
        ),
    ] = None,
    engine: EngineOpt = Engine.duckdb,
    fmt: FormatOpt = Format.table,
) -> None:
    """Every item for an importer in its state: scored and partial ones ranked by risk with
    level (관심/주의/경계/심각) and main driver, then stale ones and those without data, with
    the reason (and the fetch command that would fill the gap)."""
    svc = _services(ctx)
    when = _date(as_of, svc)
    imp = importer.strip().upper()
    states = [s.value for s in state] if state else None
    rows = svc.screen(imp, when, None, engine.value, items.value, states)
    if fmt == Format.json:
        emit_json(console, rows[:top] if top else rows)
        return
    views.print_screen(console, rows, f"Risk screen {imp} ({items.value}) as of {when}", top)
    if states and set(states) & {"partial", "stale", "no_data"}:
        views.print_reasons(console, rows)


@app.command(
    epilog="Example: supplywatch backtest --events ../shared/events/dev-events.csv "
    "--out var/backtest.json"
)
def backtest(
    ctx: typer.Context,
    events: Annotated[Path, typer.Option(help="Events CSV (dev-events.csv format).")],
    out: Annotated[Path | None, typer.Option(help="Write the full result as JSON.")] = None,
    items: Annotated[
        Items, typer.Option(help="Score catalog materials, or each HS code on its own.")
    ] = Items.materials,
    engine: EngineOpt = Engine.duckdb,
    fmt: FormatOpt = Format.table,
    model: Annotated[
        str,
        typer.Option(
            help="production (the fit the levels use) or split (the time-split fit: "
            "out-of-sample for events after its validation start)."
        ),
    ] = "production",
) -> None:
    """Back-test the alert ladder on past disruptions, using only data known on each date."""
    if model not in ("production", "split"):
        raise typer.BadParameter("production or split", param_hint="--model")
    res = _services(ctx).backtest(events, engine=engine.value, items=items.value, model=model)
    data = {"summary": res.summary, "events": res.events}
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
    if fmt == Format.json:
        emit_json(console, data)
        return
    rows = []
    for e in res.events:
        if e["kind"] != "import" or e["measure"] == "relaxation":
            rows.append(
                [
                    e["event_id"],
                    e["importer"],
                    e["kind"] if e["kind"] != "import" else "relaxation",
                    "",
                    "",
                    "",
                ]
            )
            continue
        o = e["offsets"]
        best = {k: min((a["rank"] for a in v["affected"]), default=None) for k, v in o.items()}
        lv0 = ", ".join(f"{a['item']}:{a['level']}" for a in o["0"]["affected"][:3]) or "no data"
        rows.append(
            [
                e["event_id"],
                e["importer"],
                o["0"]["auc"] if o["0"]["auc"] is None else round(o["0"]["auc"], 2),
                f"{best['365']}/{best['90']}/{best['0']}",
                lv0,
                ", ".join(o["0"]["affected_without_data"][:3]) or "",
            ]
        )
    console.print(
        rich_table(
            "Back-test",
            ["event", "importer", "AUC t0", "best rank -365/-90/0", "levels at t0", "no data"],
            rows,
            max_width=36,
        )
    )
    console.print_json(json.dumps(res.summary, default=str))


@app.command(
    epilog="Example: supplywatch briefing --importer KOR --as-of 2025-10-15 --lang ko "
    "--out var/briefing-kor.pdf"
)
def briefing(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Output file: .html or .pdf (same contents).")],
    importer: Annotated[str, typer.Option(help="KOR, JPN or BLOC.")] = "KOR",
    as_of: Annotated[str | None, typer.Option(help="Date (YYYY-MM-DD), default today.")] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Changes known after this date (default: a week before --as-of)."),
    ] = None,
    lang: Annotated[str, typer.Option(help="ko, ja or en.")] = "en",
) -> None:
    """The weekly briefing: what changed (levels, measures, monthly trade and price signals),
    one card per item at 주의 (caution) or above with its chart, the items that went quiet and
    data freshness, every figure with its source and date. PDF from the same HTML."""
    from supplywatch.services.briefing import write_briefing

    svc = _services(ctx)
    when = _date(as_of, svc)
    start = _date(since, svc) if since else None
    out.parent.mkdir(parents=True, exist_ok=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as bar:
        bar.add_task(f"Briefing {importer} as of {when} ({lang})", total=None)
        data = write_briefing(svc, importer, when, lang, out, start)
    c = data["counts"]
    console.print(
        f"Briefing written to {out}: {c['at_caution_or_above']} items at caution or above, "
        f"{c['level_changes']} level changes, {c['measures_new']} new measures since "
        f"{data['since']}."
    )


@app.command(
    epilog="Example: supplywatch explain natural_graphite --importer BLOC --chart var/graphite.html"
)
def explain(
    ctx: typer.Context,
    material: Annotated[
        str, typer.Argument(help="Material: id, symbol or name in EN/KO/JA/ZH (see `items`).")
    ],
    importer: Annotated[
        str, typer.Option(help="KOR, JPN, the KR+JP BLOC, or any ISO3 importer.")
    ] = "BLOC",
    as_of: Annotated[str | None, typer.Option(help="Date (YYYY-MM-DD).")] = None,
    chart: Annotated[
        Path | None,
        typer.Option(help="Write an offline HTML chart (supplier shares, history, factors)."),
    ] = None,
    engine: EngineOpt = Engine.duckdb,
    fmt: FormatOpt = Format.table,
) -> None:
    """Why an item has its state and level: factors, coverage (which codes and stages have
    data, shared codes), supplier shares over time, production concentration, level history,
    evidence. The item may be named in English, Korean, Japanese or Chinese."""
    svc = _services(ctx)
    exp = svc.explain(material, importer, _date(as_of, svc), engine.value)
    if chart is not None:
        chart.parent.mkdir(parents=True, exist_ok=True)
        chart.write_text(svc.explain_chart(exp), encoding="utf-8")
    if fmt == Format.json:
        emit_json(console, exp)
        return
    views.print_explain(console, exp)
    if chart is not None:
        console.print(f"Chart written to {chart}")


@app.command(
    epilog="Examples: supplywatch measures --imposer CHN --active · "
    "supplywatch measures --material gallium --as-of 2023-07-10 --format json"
)
def measures(
    ctx: typer.Context,
    imposer: Annotated[str | None, typer.Option(help="Government (ISO3), e.g. CHN.")] = None,
    material: Annotated[
        str | None, typer.Option(help="Material: id or name in EN/KO/JA/ZH.")
    ] = None,
    active: Annotated[bool, typer.Option(help="Only controls active on the date.")] = False,
    as_of: Annotated[
        str | None, typer.Option(help="Date (YYYY-MM-DD): only what was known then.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Supply measures (export controls, bans, quotas, licences, suspensions) of the registry
    known on a date, with their status then and the official source."""
    svc = _services(ctx)
    when = _date(as_of, svc)
    rows = svc.measures(when, imposer, material, active)
    if fmt == Format.json:
        emit_json(console, rows)
        return
    views.print_measures(console, rows, f"Supply measures known on {when}")


@app.command()
def calibrate(
    ctx: typer.Context,
    model: bool = typer.Option(
        False, "--model", help="Also refit the risk model by its rule and print the report."
    ),
    write: bool = typer.Option(
        False, "--write", help="With --model: write the fits into the ladder file."
    ),
) -> None:
    """Recompute the baseline score thresholds and (--model) the risk model's coefficients
    by the ladder's documented rules (prints them; copy them into ladder.yml)."""
    svc = _services(ctx)
    out: dict[str, Any] = {
        "thresholds": svc.calibrate(),
        "detection_price_z": svc.calibrate_detection(),
    }
    if model:
        fits, report = svc.fit_model()
        out["model"] = {
            name: {"lam": f.lam, "intercept": f.intercept, "coefficients": f.coefficients}
            for name, f in fits.items()
        }
        out["model"]["report"] = report
        if write:
            svc.write_model(fits)
    emit_json(console, out)


@app.command(
    epilog="Example (illustrative budgets and rates): supplywatch plan --budget-krw 50e9 "
    "--budget-jpy 5e9 --krw-per-usd 1400 --jpy-per-usd 150 --materials gallium,germanium"
)
def plan(
    ctx: typer.Context,
    budget_krw: Annotated[float, typer.Option(help="Korea's budget (KRW).")],
    budget_jpy: Annotated[float, typer.Option(help="Japan's budget (JPY).")],
    krw_per_usd: Annotated[float, typer.Option(help="Exchange rate you plan with.")],
    jpy_per_usd: Annotated[float, typer.Option(help="Exchange rate you plan with.")],
    materials: Annotated[
        str | None,
        typer.Option(help="Comma-separated material ids (default: the agencies' lists)."),
    ] = None,
    lists: Annotated[
        str | None,
        typer.Option(
            help="Agency lists to plan, comma-separated: KOMIR, JOGMEC, PPS (default all)."
        ),
    ] = None,
    probabilities: Annotated[
        str | None,
        typer.Option(help="Disruption probabilities: model (risk model, default) or level."),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today).")] = None,
    paths: Annotated[int, typer.Option(help="Monte Carlo paths.", min=1)] = 100_000,
    seed: Annotated[int, typer.Option(help="Monte Carlo seed.")] = 0,
    pool_share_kr: Annotated[
        float, typer.Option(help="Share of the joint pool paid by Korea.", min=0, max=1)
    ] = 0.5,
    stocks: Annotated[
        Path | None,
        typer.Option(help="CSV of stock already held: material_id,holder(KR|JP|POOL),quantity_t"),
    ] = None,
    consumption: Annotated[
        Path | None,
        typer.Option(help="CSV of your consumption: material_id,side(KR|JP),tonnes_per_year"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the JSON result here.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Joint KR-JP stockpile plan (HiGHS) for what the agencies stockpile, in its stored form:
    stock targets for KR, JP and the joint pool, days of cover, Monte Carlo shortfall, marginal
    value of budget, and two baselines at the same budgets (the agencies' own rule, uniform
    days). Every material not planned is listed with the reason."""
    from supplywatch.services import plan_stockpile

    res = plan_stockpile(
        _services(ctx),
        budget_krw=budget_krw,
        budget_jpy=budget_jpy,
        krw_per_usd=krw_per_usd,
        jpy_per_usd=jpy_per_usd,
        as_of=_date(as_of, _services(ctx)),
        materials=[m.strip() for m in materials.split(",")] if materials else None,
        lists=[x.strip() for x in lists.split(",")] if lists else None,
        probability_source=probabilities,
        paths=paths,
        seed=seed,
        pool_share_kr=pool_share_kr,
        stocks_csv=stocks,
        consumption_csv=consumption,
    )
    if out is not None:
        out.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if fmt == Format.json:
        emit_json(console, res)
        return
    console.print(views.plan_table(res, console.width))
    skipped = views.skipped_table(res)
    if skipped is not None:
        console.print(skipped)
    for line in views.plan_summary(res):
        console.print(line)


def _date(text: str | None, svc: Services) -> date:
    if text is None:
        return svc.today()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {text!r}") from exc


fetch_app = typer.Typer(
    help="Fetch from a live API into a new snapshot (needs network).", no_args_is_help=True
)
app.add_typer(fetch_app, name="fetch")


def _years(text: str) -> list[int]:
    a, _, b = text.partition("-")
    try:
        return list(range(int(a), int(b or a) + 1))
    except ValueError as exc:
        raise typer.BadParameter(f"years as YYYY or YYYY-YYYY, not {text!r}") from exc


def _report_snapshot(ctx: typer.Context, path: Path, fmt: Format) -> None:
    if fmt == Format.json:
        emit_json(console, {"snapshot": str(path)})
    else:
        console.print(
            f"Snapshot written: {path}\nLoad it with: supplywatch ingest --snapshot {path}"
        )
    del ctx


@fetch_app.command(
    "comtrade",
    epilog="Example: supplywatch fetch comtrade --reporter KOR "
    "--hs 281111 --years 2015-2025  (key: SUPPLYWATCH_COMTRADE_API_KEY; "
    "without it the keyless preview API is used)",
)
def fetch_comtrade(
    ctx: typer.Context,
    reporter: Annotated[list[str], typer.Option(help="ISO3 reporter(s).")],
    hs: Annotated[list[str], typer.Option(help="HS6 code(s).")],
    years: Annotated[str, typer.Option(help="YYYY or YYYY-YYYY.")],
    monthly: Annotated[bool, typer.Option(help="Monthly data.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """UN Comtrade (annual or monthly, HS6; preview API without a key)."""
    path = _services(ctx).fetch(
        "comtrade",
        reporters=reporter,
        hs=[h.replace(".", "") for h in hs],
        years=_years(years),
        freq="M" if monthly else "A",
    )
    _report_snapshot(ctx, path, fmt)


@fetch_app.command(
    "kcs",
    epilog="Example: supplywatch fetch kcs --hs 2811111000 --start 202301 "
    "--end 202412  (key: SUPPLYWATCH_KCS_SERVICE_KEY)",
)
def fetch_kcs(
    ctx: typer.Context,
    hs: Annotated[list[str], typer.Option(help="HSK code(s), up to 10 digits.")],
    start: Annotated[str, typer.Option(help="YYYYMM.")],
    end: Annotated[str, typer.Option(help="YYYYMM.")],
    country: Annotated[list[str] | None, typer.Option(help="2-letter codes.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Korea Customs Service import/export by item and country (HSK 10-digit, monthly)."""
    path = _services(ctx).fetch("kcs", hs=hs, start=start, end=end, countries=country)
    _report_snapshot(ctx, path, fmt)


@fetch_app.command(
    "japan",
    epilog="Example: supplywatch fetch japan --stats-data-id ID "
    "--flow M --hs 281111000  (key: SUPPLYWATCH_ESTAT_APP_ID)",
)
def fetch_japan(
    ctx: typer.Context,
    stats_data_id: Annotated[str, typer.Option(help="e-Stat table id.")],
    flow: Annotated[str, typer.Option(help="M (imports) or X (exports).")],
    hs: Annotated[list[str], typer.Option(help="9-digit statistical code(s).")],
    product_dim: Annotated[str, typer.Option()] = "cat01",
    partner_dim: Annotated[str, typer.Option()] = "area",
    measure_dim: Annotated[str, typer.Option()] = "cat02",
    fmt: FormatOpt = Format.table,
) -> None:
    """Japan MOF trade statistics through e-Stat (9-digit codes, monthly)."""
    table = {
        "stats_data_id": stats_data_id,
        "flow": flow,
        "product_dim": product_dim,
        "partner_dim": partner_dim,
        "measure_dim": measure_dim,
    }
    path = _services(ctx).fetch("japan_customs", table=table, hs=hs)
    _report_snapshot(ctx, path, fmt)


@fetch_app.command("wgi", epilog="Example: supplywatch fetch wgi --years 2020-2024")
def fetch_wgi(
    ctx: typer.Context,
    years: Annotated[str | None, typer.Option(help="YYYY or YYYY-YYYY.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """World Bank WGI estimates (six dimensions) from the World Bank API."""
    span = _years(years) if years else None
    path = _services(ctx).fetch("worldbank_wgi", years=(span[0], span[-1]) if span else None)
    _report_snapshot(ctx, path, fmt)


from supplywatch.cli import notices_cmds, service_cmds  # noqa: E402 - after the app's own

service_cmds.register(app)
notices_cmds.register(app)


def main() -> None:
    """Console-script entry point: user errors get a clear message and exit code 2."""
    try:
        app()
    except SupplywatchError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
