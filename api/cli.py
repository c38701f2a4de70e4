"""The `ledger` command: serve, project, rebuild, verify, export, demo, token, bench.

Every long operation shows progress; every error is one clear line and a non-zero exit."""

from __future__ import annotations

import csv
import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.tokens import Role, TokenStore, tokens_table
from ledger.application import Ledger
from ledger.errors import LedgerError
from projections import queries
from projections.facts import facts_from
from projections.projector import READ_MODELS, Projector
from projections.verification import Receipt, take_receipt, verify
from storage.open import open_ledger, open_projector
from storage.settings import Settings

app = typer.Typer(
    help="The programme ledger: an event-sourced ledger for competence-development programmes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
token_app = typer.Typer(help="Create and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
err = Console(stderr=True)
out = Console(soft_wrap=True)  # tokens and JSON on one line each, whatever the terminal width
F = TypeVar("F", bound=Callable[..., Any])
DEMO_ACTOR_PREFIX = "demo-"


def one_line_errors(function: F) -> F:
    """Turn any failure into one line on stderr and exit code 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except LedgerError as error:
            err.print(f"[red]error:[/red] {error.message}")
        except Exception as error:  # one clear line, not a traceback
            err.print(f"[red]error:[/red] {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        raise typer.Exit(1)

    return wrapper  # type: ignore[return-value]


def _open() -> tuple[Ledger, Projector]:
    settings = Settings()
    ledger = open_ledger(settings.database_url)
    return ledger, open_projector(ledger, settings.database_url)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _catch_up(projector: Projector, label: str = "projecting") -> int:
    with _progress() as progress:
        task = progress.add_task(label, total=max(projector.head(), 1))
        return projector.run_once(lambda reached, head: progress.update(task, completed=reached, total=max(head, 1)))


@app.command()
@one_line_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Default: LEDGER_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default: LEDGER_PORT or 8000")] = None,
) -> None:
    """Serve the API, the pages and (unless LEDGER_RUN_PROJECTOR=false) the projector."""
    import uvicorn

    settings = Settings()
    uvicorn.run(
        "api.app:app_factory", factory=True, host=host or settings.host, port=port or settings.port, log_level="info"
    )


@app.command()
@one_line_errors
def project(once: Annotated[bool, typer.Option(help="Catch up and stop")] = False) -> None:
    """Run the projector on its own (PostgreSQL deployments with several API processes)."""
    _, projector = _open()
    count = _catch_up(projector)
    err.print(f"caught up: {count} events, lag {projector.lag()}")
    if not once:
        err.print("following the log (Ctrl-C to stop)")
        projector.run_forever()


@app.command()
@one_line_errors
def rebuild(
    read_model: Annotated[str, typer.Argument(help=f"One of {', '.join(READ_MODELS)}, or all")] = "all",
) -> None:
    """Drop a read model and replay it from the start of the log, in batches."""
    if read_model != "all" and read_model not in READ_MODELS:
        raise ValueError(f"unknown read model {read_model!r}; choose from {', '.join(READ_MODELS)} or all")
    _, projector = _open()
    names = list(READ_MODELS) if read_model == "all" else [read_model]
    with _progress() as progress:
        task = progress.add_task(f"rebuilding {', '.join(names)}", total=max(projector.head(), 1))

        def show(reached: int, head: int) -> None:
            progress.update(task, completed=reached, total=max(head, 1))

        count = projector.rebuild(names, show)
    err.print(f"rebuilt {', '.join(names)} from {count} events")


@app.command()
@one_line_errors
def receipt(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the receipt here")] = None,
) -> None:
    """Take a receipt of the history so far (position, chain hash, time)."""
    _, projector = _open()
    _catch_up(projector)
    taken = take_receipt(projector.engine).__dict__
    text = json.dumps(taken, indent=2)
    if output:
        output.write_text(text + "\n")
    out.print(text)


@app.command("verify")
@one_line_errors
def verify_command(
    receipt_file: Annotated[Path | None, typer.Option("--receipt", help="A receipt from `ledger receipt`")] = None,
) -> None:
    """Verify the hash chain, against a receipt if given; names the first position that differs."""
    ledger, projector = _open()
    _catch_up(projector)
    given = Receipt(**json.loads(receipt_file.read_text())) if receipt_file else None
    result = verify(ledger, projector.engine, given)
    out.print(json.dumps(result.as_dict()))
    if not result.ok:
        raise typer.Exit(2)


@app.command()
@one_line_errors
def export(
    what: Annotated[str, typer.Argument(help="events, audit or evaluation")],
    programme: Annotated[str | None, typer.Option(help="Programme slug (audit, evaluation)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Export the raw events (JSON lines), a programme's audit or weekly evaluation (CSV)."""
    ledger, projector = _open()
    _catch_up(projector)
    sink = output.open("w", newline="") if output else sys.stdout
    try:
        if what == "events":
            start = 0
            while True:
                batch = ledger.recorder.select_notifications(start=start, limit=1000, inclusive_of_start=False)
                if not batch:
                    break
                for fact in facts_from(ledger.mapper, batch):
                    sink.write(orjson.dumps(fact.as_record(), default=str).decode() + "\n")
                start = batch[-1].id
            return
        if what not in ("audit", "evaluation"):
            raise ValueError(f"unknown export {what!r}: events, audit or evaluation")
        if programme is None:
            raise ValueError("--programme is required for audit and evaluation exports")
        with projector.engine.connect() as db:
            programme_id = queries.programme_id_for(db, programme)
            if programme_id is None:
                raise ValueError(f"unknown programme: {programme}")
            if what == "audit":
                rows = queries.funding_audit(db, programme_id)["entries"]
            else:
                rows = queries.weekly_table(db, programme_id)
        if rows:
            writer = csv.DictWriter(sink, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if output:
            sink.close()


def _demo_tokens(tokens: TokenStore, slugs: list[str]) -> list[dict[str, str]]:
    """Fresh demo tokens, one per role; earlier demo tokens are revoked (only hashes are kept, so the old ones
    could not be printed again anyway)."""
    from sqlalchemy import select

    with tokens.engine.connect() as db:
        old = [
            r.token_id
            for r in db.execute(
                select(tokens_table.c.token_id).where(
                    tokens_table.c.actor.like(f"{DEMO_ACTOR_PREFIX}%"), tokens_table.c.revoked_at.is_(None)
                )
            )
        ]
    for token_id in old:
        tokens.revoke(token_id)
    first = slugs[0] if slugs else ""
    plan = [
        (Role.ADMIN, "demo-admin", []),
        (Role.COORDINATOR, f"demo-coordinator@{first}", [first]),
        (Role.FUNDER, "demo-funder@all-programmes", slugs),
        (Role.ANALYST, "demo-analyst", []),
    ]
    created = []
    for role, actor, programmes in plan:
        _, token = tokens.create(role, actor, programmes)
        created.append(
            {"role": role.value, "actor": actor, "programmes": ",".join(programmes) or "all", "token": token}
        )
    return created


@app.command()
@one_line_errors
def demo(tokens: Annotated[bool, typer.Option(help="Print fresh demo tokens for each role")] = True) -> None:
    """Load the five demo programmes through the real commands (only into an empty ledger)."""
    import scenarios

    ledger, projector = _open()
    if (ledger.recorder.max_notification_id() or 0) == 0:
        with _progress() as progress:
            task = progress.add_task("loading demo programmes", total=len(scenarios.SCENARIOS))
            for name, load in scenarios.SCENARIOS.items():
                progress.update(task, description=f"loading {name}")
                load(ledger)
                progress.advance(task)
    else:
        err.print("the ledger already holds events: demo programmes not loaded again")
    _catch_up(projector)
    if tokens:
        with projector.engine.connect() as db:
            slugs = [p["slug"] for p in queries.list_programmes(db)]
        out.print("Demo tokens (shown once; `scripts/run` makes new ones each start):")
        for token in _demo_tokens(TokenStore(projector.engine), slugs):
            out.print(f"  {token['role']:<12} {token['token']}   ({token['actor']}; programmes: {token['programmes']})")


@token_app.command("create")
@one_line_errors
def token_create(
    role: Annotated[Role, typer.Option(help="coordinator, funder, analyst or admin")],
    actor: Annotated[str, typer.Option(help="Who acts with it; recorded on every event it causes")],
    programme: Annotated[list[str] | None, typer.Option(help="A programme it covers (repeat)")] = None,
) -> None:
    """Create a token (the first admin token comes from here). Only its hash is stored."""
    _, projector = _open()
    token_id, token = TokenStore(projector.engine).create(role, actor, programme or [])
    out.print(json.dumps({"token_id": token_id, "token": token, "role": role.value, "programmes": programme or []}))


@token_app.command("revoke")
@one_line_errors
def token_revoke(token_id: str) -> None:
    _, projector = _open()
    if not TokenStore(projector.engine).revoke(token_id):
        raise ValueError(f"unknown or already revoked token: {token_id}")
    out.print(f"revoked {token_id}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(ctx: typer.Context) -> None:
    """Run the benchmark (scripts/bench.py); arguments are passed on, e.g. --scale full."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"
    if not script.exists():
        err.print("[red]error:[/red] scripts/bench.py is not here (the benchmark runs from a checkout)")
        raise typer.Exit(1)
    raise typer.Exit(subprocess.call([sys.executable, str(script), *ctx.args], env=os.environ.copy()))
