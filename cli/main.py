"""The `ledger` command: its commands, gathered from one module per concern.

Help and usage errors are plain click text (no rich panels), and every failure is one `error: ...` line on
stderr with a non-zero exit code."""

import os
import subprocess
import sys
from pathlib import Path

import typer

from cli import demo, export, receipts, revisions, serve, tokens
from cli.common import fail

app = typer.Typer(
    help="The programme ledger: an event-sourced ledger for competence-development programmes. The store is "
    "LEDGER_DATABASE_URL (default sqlite:///var/ledger.sqlite3, relative to the current folder).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
token_app = typer.Typer(
    help="Create, list and revoke API tokens.", no_args_is_help=True, rich_markup_mode=None, add_completion=False
)

app.command()(serve.serve)
app.command()(serve.project)
app.command()(serve.rebuild)
app.command()(receipts.receipt)
app.command()(receipts.verify)
app.command()(export.export)
app.command()(revisions.revisions)
app.command()(revisions.provenance)
app.command()(demo.demo)
token_app.command("create")(tokens.create)
token_app.command("list")(tokens.list_tokens)
token_app.command("revoke")(tokens.revoke)
app.add_typer(token_app, name="token")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(ctx: typer.Context) -> None:
    """Run the benchmark (scripts/bench.py).

    Arguments are passed on, e.g. --scale full."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"
    if not script.exists():
        raise fail("scripts/bench.py is not here (the benchmark runs from a checkout)")
    raise typer.Exit(subprocess.call([sys.executable, str(script), *ctx.args], env=os.environ.copy()))


if __name__ == "__main__":
    app()
