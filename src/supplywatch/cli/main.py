"""`supplywatch` command line. Every command calls services.py only."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

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
    fmt: FormatOpt = Format.table,
) -> None:
    """Load the bundled real-data snapshot into the DuckDB store (transactional, idempotent)."""
    svc = _services(ctx)
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
    """The main job: ingest the bundle, then print the headline summary."""
    svc = _services(ctx)
    if fmt == Format.json:
        svc.ingest()
        emit_json(console, svc.headline())
        return
    ingest(ctx, None, False, Format.table)
    head = svc.headline()
    status(ctx, Format.table)
    console.print(
        f"[bold]{head['materials']}[/] critical materials in the catalog; "
        f"{head['materials_with_bundled_trade']} have bundled BACI trade rows. "
        "Try: supplywatch items 디스프로슘"
    )


def main() -> None:
    """Console-script entry point: user errors get a clear message and exit code 2."""
    try:
        app()
    except SupplywatchError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
