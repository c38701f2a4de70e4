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

EXPORTS = ("events", "facts", "audit", "evaluation")
FORMATS = ("parquet", "csv")


@one_line_errors
def export(
    what: Annotated[str, typer.Argument(metavar="WHAT", help="events, facts, audit or evaluation")],
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
    output_format: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="facts: parquet (needs --output) or csv")
    ] = "parquet",
) -> None:
    """Export events (JSON lines), the fact table (Parquet or CSV), an audit or an evaluation (CSV).

    events: the raw event stream, all or one programme's; facts: one typed row per event, no personal data, for
    DuckDB, pandas or polars; audit and evaluation: a programme's audit entries or weekly evaluation table."""
    choose(what, EXPORTS, "export")
    if what == "facts":
        choose(output_format, FORMATS, "format")
        if output_format == "parquet" and output is None:
            raise CliError("--output FILE is required for a Parquet export")
    if what not in ("events", "facts") and programme is None:
        raise CliError(f"--programme is required for the {what} export")
    with services() as opened:
        catch_up(opened.projector)
        chosen = None
        if programme is not None:
            with opened.views.connect() as db:
                chosen = programme_id(db, programme)
        if what == "facts":
            _write_facts(opened, chosen, output, output_format)
            return
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


def _write_facts(opened: "Services", programme_id: str | None, output: Path | None, output_format: str) -> None:
    """The fact table, ten thousand rows at a time, each with its programme from the event index."""
    from projections import fact_table

    batches = _fact_rows(opened, _events(opened, programme_id))
    if output_format == "parquet":
        assert output is not None
        fact_table.write_parquet(str(output), batches)
        return
    sink: TextIO = output.open("w", newline="") if output else sys.stdout
    try:
        fact_table.write_csv(sink, batches)
    finally:
        if output:
            sink.close()


def _fact_rows(opened: "Services", facts: "Iterable[Fact]", size: int = 10_000) -> "Iterator[list[dict[str, Any]]]":
    from itertools import islice

    from sqlalchemy import select

    from projections.fact_table import fact_row
    from projections.schema import event_index

    stream = iter(facts)
    while chunk := list(islice(stream, size)):
        positions = [f.position for f in chunk]
        with opened.views.connect() as db:
            found = db.execute(
                select(event_index.c.position, event_index.c.programme_id).where(
                    event_index.c.position.between(positions[0], positions[-1])
                )
            )
            owners = dict(found.tuples().all())
        yield [fact_row(fact, owners.get(fact.position)) for fact in chunk]


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
