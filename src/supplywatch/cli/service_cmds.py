"""Commands of the shared service: serve, users, tokens, evaluate."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console

from supplywatch.cli.output import Format, emit_json
from supplywatch.settings import Settings

console = Console()
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="Users of the shared service.", no_args_is_help=True)
    tokens = typer.Typer(help="API tokens.", no_args_is_help=True)
    app.add_typer(users, name="users")
    app.add_typer(tokens, name="tokens")

    @app.command(epilog="Example: supplywatch serve --port 8000")
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    ) -> None:
        """Run the API and the dashboard (state DB from SUPPLYWATCH_DATABASE_URL)."""
        import uvicorn

        from supplywatch.api.app import create_app

        console.print(f"supplywatch on http://{host}:{port}/  (API docs: /docs)")
        st = Settings()
        uvicorn.run(
            create_app(st),
            host=host,
            port=port,
            log_level="info",
            # X-Forwarded-For only from the configured proxies (uvicorn's default would
            # believe any local peer): a rotating header must not rotate the client
            proxy_headers=bool(st.trusted_proxies),
            forwarded_allow_ips=",".join(st.trusted_proxies) or "",
            timeout_graceful_shutdown=10,
        )

    @users.command(
        "add",
        epilog="Example: echo 'secret-pass-1' | supplywatch users add kr_analyst --org KR "
        "--role analyst --password-stdin",
    )
    def users_add(
        username: str,
        org: Annotated[str, typer.Option(help="KR, JP or JOINT.")],
        role: Annotated[str, typer.Option(help="viewer, analyst or admin.")],
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from stdin.")
        ] = False,
        fmt: FormatOpt = Format.table,
    ) -> None:
        """Create a user (run on the host: the operator's bootstrap)."""
        from supplywatch.workspace import InputError, Workspace

        pw = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()
        ws = Workspace(Settings())
        try:
            out = ws.create_user(None, username, org, role, pw)
        except InputError as exc:
            raise typer.BadParameter(str(exc)) from exc
        if fmt == Format.json:
            emit_json(console, out)
        else:
            console.print(f"user {out['username']} ({out['org']}, {out['role']}) created")

    @tokens.command("create", epilog="Example: supplywatch tokens create kr_analyst --label cron")
    def tokens_create(
        username: str,
        label: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
        fmt: FormatOpt = Format.table,
    ) -> None:
        """Create an API token for a user (printed once)."""
        from supplywatch.workspace import NotFound, Workspace

        try:
            out = Workspace(Settings()).create_token_for(username, label)
        except NotFound as exc:
            raise typer.BadParameter(str(exc)) from exc
        if fmt == Format.json:
            emit_json(console, out)
        else:
            console.print(out["token"])

    @app.command(epilog="Example: supplywatch evaluate --format json")
    def evaluate(fmt: FormatOpt = Format.table) -> None:
        """Run the risk engine now and raise alerts for level changes (service state DB)."""
        from supplywatch.workspace import Workspace

        out = Workspace(Settings()).evaluate(trigger="manual")
        if fmt == Format.json:
            emit_json(console, out)
        else:
            console.print(
                f"evaluation {out['evaluation_id']} as of {out['as_of']}: "
                f"{out['items']} item x importer pairs, {out['changes']} level changes"
            )
