"""Exports: the raw events as JSON lines (all, or one programme's), a programme's audit or weekly evaluation as
CSV."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from cli.common import CliError, catch_up, choose, one_line_errors, programme_id, services

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from bootstrap import Services
    from projections.facts import Fact

EXPORTS = ("events", "audit", "evaluation")


@one_line_errors
def export(
    what: Annotated[str, typer.Argument(metavar="WHAT", help="events, audit or evaluation")],
    programme: Annotated[
        str | None,
        typer.Option(
            metavar="SLUG",
            help="Programme slug: required for audit and evaluation; for events, only that programme's events "
            "(and those of the companies it deals with)",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout")
    ] = None,
) -> None:
    """Export events (JSON lines), an audit or an evaluation (CSV).

    events: the raw event stream, all or one programme's; audit and evaluation: a programme's audit entries or
    weekly evaluation table."""
    choose(what, EXPORTS, "export")
    if what != "events" and programme is None:
        raise CliError(f"--programme is required for the {what} export")
    with services() as opened:
        catch_up(opened.projector)
        chosen = None
        if programme is not None:
            with opened.views.connect() as db:
                chosen = programme_id(db, programme)
        sink: TextIO = output.open("w", newline="") if output else sys.stdout
        try:
            if chosen is None:
                _write_events(sink, _events(opened, None))
            elif what == "events":
                _write_events(sink, _events(opened, chosen))
            else:
                _write_csv(sink, _table(opened, what, chosen))
        finally:
            if output:
                sink.close()


def _events(opened: "Services", programme_id: str | None) -> "Iterator[Fact]":
    """All events in log order, a thousand at a time; or one programme's, through the event index."""
    from projections.as_of import programme_facts
    from projections.facts import facts_from

    if programme_id is not None:
        yield from programme_facts(opened.ledger, opened.views, programme_id)
        return
    start = 0
    while True:
        batch = opened.ledger.recorder.select_notifications(start=start, limit=1000, inclusive_of_start=False)
        if not batch:
            return
        yield from facts_from(opened.ledger.mapper, batch)
        start = batch[-1].id


def _write_events(sink: TextIO, facts: "Iterable[Fact]") -> None:
    import orjson

    for fact in facts:
        sink.write(orjson.dumps(fact.as_record(), default=str).decode() + "\n")


def _table(opened: "Services", what: str, programme_id: str) -> list[dict[str, Any]]:
    """The audit entries or the weekly evaluation as flat rows, as the API's CSV exports have them."""
    from projections.audit.queries import audit_table
    from projections.evaluation.queries import weekly_table

    with opened.views.connect() as db:
        return audit_table(db, programme_id) if what == "audit" else weekly_table(db, programme_id)


def _write_csv(sink: TextIO, rows: list[dict[str, Any]]) -> None:
    from projections.spreadsheet import write_rows

    write_rows(sink, rows)
