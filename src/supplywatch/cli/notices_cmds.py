"""`supplywatch notices`: official notices turned into candidate measures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from supplywatch.cli.output import Format, emit_json
from supplywatch.services import Services

console = Console()
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def register(app: typer.Typer) -> None:
    notices = typer.Typer(
        help="Official notices (export controls, bans, ...).", no_args_is_help=True
    )
    app.add_typer(notices, name="notices")

    @notices.command(
        "extract",
        epilog="Example: supplywatch notices extract notice.zh.txt --format json",
    )
    def extract(
        ctx: typer.Context,
        paths: Annotated[
            list[Path],
            typer.Argument(help="Text files (UTF-8); a header between two --- lines is ignored."),
        ],
        fmt: FormatOpt = Format.table,
    ) -> None:
        """What each notice says: language, issuer, number, dates, measure class and type,
        materials, codes, targets, links — each field with its text span and a confidence.
        Nothing is stored."""
        svc = ctx.obj
        assert isinstance(svc, Services)
        rows = svc.extract_notices(paths)
        if fmt == Format.json:
            emit_json(console, rows)
            return
        t = Table(title=f"{len(rows)} notice(s)")
        for c in (
            "file",
            "lang",
            "issuer",
            "number",
            "published",
            "effective",
            "class/type",
            "materials",
            "codes",
            "targets",
        ):
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(
                Path(r["file"]).name,
                r["language"] or "-",
                ", ".join(r["issuer"]) or "-",
                r["notice_number"] or "-",
                r["published_date"] or "-",
                ", ".join(r["effective_dates"]) or "-",
                f"{r['measure_class']}/{r['measure_type'] or '-'}",
                ", ".join(r["materials"]) or "-",
                str(len(r["codes"])),
                ", ".join(r["targets"]),
            )
        console.print(t)

    @notices.command(
        "evaluate",
        epilog="Example: supplywatch notices evaluate ../shared/notices "
        "--labels tests/data/notices/labels.yaml",
    )
    def evaluate(
        folder: Annotated[Path, typer.Argument(help="Folder of labelled notice texts.")],
        labels: Annotated[
            Path, typer.Option("--labels", help="Gold labels (YAML: file -> fields).")
        ],
        misses: Annotated[bool, typer.Option("--misses", help="List every miss.")] = False,
        fmt: FormatOpt = Format.table,
    ) -> None:
        """Accuracy of the extraction per field: precision and recall for materials, codes,
        issuers and targets; accuracy for language, number, dates, class and type; against
        the notices' facts and over the texts that state them."""
        scores = Services.evaluate_notices(folder, labels)
        rows = Services.notice_table(scores)
        if fmt == Format.json:
            emit_json(
                console,
                {"fields": rows, "misses": {k: v.misses for k, v in scores.items()}},
            )
            return
        t = Table(title=f"extraction accuracy on {folder}")
        for c in ("field", "precision", "recall / accuracy", "counts", "stated in text"):
            t.add_column(c)
        for r in rows:
            acc = r.get("recall", r.get("accuracy"))
            stated = r.get("stated_recall", r.get("stated_accuracy"))
            t.add_row(
                r["field"],
                "-" if r.get("precision") is None else f"{r['precision']:.3f}",
                "-" if acc is None else f"{acc:.3f}",
                r["counts"],
                "-" if stated is None else f"{stated:.3f} ({r.get('stated_counts', '')})",
            )
        console.print(t)
        if misses:
            for k, v in scores.items():
                for m in v.misses:
                    console.print(f"[dim]{k}[/dim] {m}")

    @notices.command(
        "fetch",
        epilog="Example: supplywatch notices fetch federal_register --param term=gallium",
    )
    def fetch(
        ctx: typer.Context,
        source: Annotated[
            str,
            typer.Argument(
                help="mofcom, mofcom_ec, mofcom_www, gacc, meti, motie, kcs_notices,"
                " federal_register or eu_oj."
            ),
        ],
        param: Annotated[
            list[str] | None,
            typer.Option("--param", help="A query parameter of the connector, key=value."),
        ] = None,
    ) -> None:
        """Fetch a source's notices (network) into an immutable snapshot with provenance;
        prints its path. Queue it for review with `supplywatch notices queue`."""
        from supplywatch.errors import ConfigError

        svc = ctx.obj
        assert isinstance(svc, Services)
        query: dict[str, str] = {}
        for p in param or []:
            key, sep, value = p.partition("=")
            if not sep or not key:
                raise ConfigError(f"--param {p!r}: expected key=value")
            query[key] = value
        console.print(str(svc.fetch_notices(source, query)))

    @notices.command(
        "queue",
        epilog="Example: supplywatch notices queue mofcom var/snapshots/mofcom/2026...",
    )
    def queue(
        ctx: typer.Context,
        source: Annotated[str, typer.Argument(help="The connector that wrote the snapshot.")],
        snapshot: Annotated[Path, typer.Argument(help="The snapshot directory.")],
        fmt: FormatOpt = Format.table,
    ) -> None:
        """Put a snapshot's notices in the service's review queue (its state database)."""
        from supplywatch.workspace import Workspace

        svc = ctx.obj
        assert isinstance(svc, Services)
        ws = Workspace(svc.settings, clock=svc.clock)
        try:
            out = ws.queue_snapshot(source, snapshot)
        finally:
            ws.close()
        if fmt == Format.json:
            emit_json(console, out)
            return
        console.print(
            f"{out['notices']} notice(s): {len(out['queued'])} queued, "
            f"{out['already_queued']} already queued, {out['without_text']} without text"
        )
