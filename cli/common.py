"""What every command shares: one plain error line, progress on stderr, and the store opened through the
composition root.

This module and the command modules import only the standard library and typer at the top: everything heavy
(SQLAlchemy, eventsourcing, the read models, rich) is imported inside the commands, so `ledger --help` answers
at once."""

from __future__ import annotations

import functools
import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
import typer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy import Connection

    from bootstrap import Services
    from projections.projector import Projector

P = ParamSpec("P")
R = TypeVar("R")


class CliError(Exception):
    """A refusal worth one line to the user (bad argument, unknown name, missing store)."""


def plain_line(text: str) -> str:
    """One line, whatever the message holds: newlines become spaces."""
    return " ".join(text.split())


def _message(error: BaseException) -> str:
    message = getattr(error, "message", None)  # a LedgerError says what was refused, and why
    text = message if isinstance(message, str) else str(error)
    if isinstance(error, KeyError) and error.args:
        text = f"not found: {error.args[0]}"
    return plain_line(text) or f"unexpected failure ({type(error).__name__})"


def fail(error: BaseException | str, code: int = 1) -> typer.Exit:
    """Print `error: <message>` as one plain line on stderr and give the exit to raise."""
    text = error if isinstance(error, str) else _message(error)
    sys.stderr.write(f"error: {plain_line(text)}\n")
    sys.stderr.flush()
    return typer.Exit(code)


def _expected(error: Exception) -> bool:
    """A refusal the user caused (a rule, an unknown name), as opposed to a fault worth a traceback."""
    from ledger.errors import LedgerError

    return isinstance(error, CliError | LedgerError)


def one_line_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Any failure becomes one plain line on stderr and exit code 1: no traceback, no class name, no wrapping.
    LEDGER_DEBUG=1 lets unexpected errors through with their traceback."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("LEDGER_DEBUG") == "1" and not _expected(error):
                raise
            raise fail(error) from None

    return wrapper


def say(text: str = "") -> None:
    """Plain output on stdout, one line as given (tokens and JSON are never wrapped)."""
    sys.stdout.write(text + "\n")


def note(text: str) -> None:
    """A remark for the person at the terminal, on stderr so that stdout stays data."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def open_services(*, create: bool = False) -> Services:
    """The configured store through the composition root. Commands that read an existing ledger leave `create`
    off, so that running one from another folder names the store it looked for instead of starting an empty one."""
    from bootstrap import StoreMissing, build_services

    try:
        return build_services(create=create)
    except StoreMissing as missing:
        raise CliError(str(missing)) from None


@contextmanager
def services(*, create: bool = False) -> Iterator[Services]:
    opened = open_services(create=create)
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when a person watches it (a terminal); yields `update(reached, total)`. In a
    pipe or a log there is no bar, so the only lines on stderr are the ones worth reading."""
    if not sys.stderr.isatty():
        yield lambda _reached, _total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True, highlight=False),
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=max(total, 1))

        def update(reached: int, head: int) -> None:
            bar.update(task, completed=reached, total=max(head, 1))

        yield update


def catch_up(projector: Projector, label: str = "projecting") -> int:
    """Bring the read models up to the log head before a command reads them, showing progress; a read model
    stalled on an event is named, with the event's position, and the command stops."""
    with progress_bar(label, projector.head()) as update:
        count = projector.run_once(update)
    refuse_stalls(projector)
    return count


def refuse_stalls(projector: Projector) -> None:
    stalls = projector.stalls()
    if stalls:
        raise CliError(
            "; ".join(
                f"read model {s.read_model} stopped at position {s.position} ({s.event}): {s.error}" for s in stalls
            )
            + " (fix the cause, then `ledger rebuild`)"
        )


def choose(value: str, allowed: Any, what: str) -> str:
    """Refuse a value outside `allowed`, naming it and the choices."""
    choices = list(allowed)
    if value not in choices:
        raise CliError(f"unknown {what} {value!r}: choose from {', '.join(choices)}")
    return value


def known_programmes(db: Connection) -> list[str]:
    """The slugs of the programmes in the read models, sorted (for naming what a user could have meant)."""
    from projections.status.queries import list_programmes

    return [programme.slug for programme in list_programmes(db)]


def programme_id(db: Connection, slug: str) -> str:
    """The programme's id, or a refusal naming the unknown slug and the known ones."""
    from projections.status.queries import programme_id_for

    found = programme_id_for(db, slug)
    if found is None:
        raise CliError(f"unknown programme {slug!r} (known: {', '.join(known_programmes(db)) or 'none yet'})")
    return found
