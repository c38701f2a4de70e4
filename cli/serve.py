"""Running the ledger: the API server, the projector on its own, and rebuilding read models."""

from typing import Annotated

import typer

from cli.common import CliError, choose, note, one_line_errors, progress_bar, refuse_stalls, services

# The read models `ledger rebuild` knows; tests/test_cli.py checks this against projections.projector.READ_MODELS,
# which is not imported here so that `ledger --help` stays fast.
READ_MODEL_NAMES = ("status", "audit", "evaluation", "integrity", "claims")


@one_line_errors
def serve(
    host: Annotated[str | None, typer.Option(metavar="HOST", help="Default: LEDGER_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(metavar="PORT", help="Default: LEDGER_PORT or 8000")] = None,
) -> None:
    """Serve the API, the pages and the projector.

    The projector runs in the server unless LEDGER_RUN_PROJECTOR=false. Creates the store if there is none yet."""
    import uvicorn

    from storage.settings import Settings

    settings = Settings()
    uvicorn.run(
        "api.app:app_factory", factory=True, host=host or settings.host, port=port or settings.port, log_level="info"
    )


@one_line_errors
def project(once: Annotated[bool, typer.Option(help="Catch up and stop")] = False) -> None:
    """Run the projector alone (several API processes on PostgreSQL)."""
    from cli.common import catch_up

    with services() as opened:
        projector = opened.projector
        count = catch_up(projector)
        note(f"caught up: {count} events, lag {projector.lag()}")
        if not once:
            note("following the log (Ctrl-C to stop)")
            projector.run_forever()


@one_line_errors
def rebuild(
    read_model: Annotated[
        str, typer.Argument(metavar="READ_MODEL", help=f"One of {', '.join(READ_MODEL_NAMES)}, or all")
    ] = "all",
) -> None:
    """Drop a read model and replay it from the log, with progress."""
    from projections.projector import READ_MODELS, RebuildFailed

    choose(read_model, [*READ_MODELS, "all"], "read model")
    names = list(READ_MODELS) if read_model == "all" else [read_model]
    with services() as opened:
        projector = opened.projector
        try:
            with progress_bar(f"rebuilding {', '.join(names)}", projector.head()) as update:
                count = projector.rebuild(names, update)
        except RebuildFailed as failed:
            raise CliError(f"{failed} (fix the cause, then `ledger rebuild` again)") from None
        refuse_stalls(projector)
    note(f"rebuilt {', '.join(names)} from {count} events")
