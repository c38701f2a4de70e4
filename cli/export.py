"""Exports: the raw events as JSON lines (all, or one programme's), the analysts' fact table (Parquet or CSV,
`projections/fact_table.py`), a programme's audit, weekly evaluation or claims' lines as CSV."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from cli.common import CliError, catch_up, choose, one_line_errors, programme_id, services

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from bootstrap import Services
    from projections.facts import Fact

EXPORTS = ("events", "facts", "audit", "evaluation", "claims")
FORMATS = ("parquet", "csv")


@one_line_errors
def export(
    what: Annotated[str, typer.Argument(metavar="WHAT", help="events, facts, audit, evaluation or claims")],
    programme: Annotated[
        str | None,
        typer.Option(
            metavar="SLUG",
            help="Programme slug: required for audit, evaluation and claims; for events, only that programme's events "
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
    """Export events (JSON lines), the fact table (Parquet or CSV), an audit, an evaluation or claims (CSV).

    events: the raw event stream, all or one programme's; facts: one typed row per event, no personal data, for
    DuckDB, pandas or polars; audit, evaluation and claims: a programme's audit entries, weekly evaluation table or
    claims' lines (per period and grant, with the events behind each line)."""
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
                _write_csv(sink, _table(opened, what, chosen, programme or ""))
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
    """The fact table, a batch of rows at a time, each with its programme from the event index."""
    from projections import fact_table

    batches = _fact_batches(opened, programme_id)
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


def _fact_batches(opened: "Services", programme_id: str | None) -> "Iterator[list[dict[str, Any]]]":
    """The fact table's rows in log order, in batches of `fact_table.BATCH`."""
    from itertools import islice

    from projections.fact_table import BATCH

    rows = _fact_rows(opened, programme_id)
    while batch := list(islice(rows, BATCH)):
        yield batch


def _fact_rows(opened: "Services", programme_id: str | None) -> "Iterator[dict[str, Any]]":
    """Every event up to the last one the event index holds (the log as it stood when the export began), read a
    page at a time; given a programme, only its own events and those of the companies it deals with (as
    `export events --programme` has them), chosen before they are decoded. Memory follows a page, not the log."""
    from sqlalchemy import func, select

    from ledger.domain.company import Company
    from projections.fact_table import BATCH, fact_row
    from projections.facts import facts_from
    from projections.schema import event_index, programme_companies, programmes

    index = event_index.c
    with opened.views.connect() as db:
        upto = int(db.execute(select(func.max(index.position))).scalar() or 0)
        slugs = dict(db.execute(select(programmes.c.programme_id, programmes.c.slug)).tuples().all())
        dealt_with = select(programme_companies.c.org_number).where(programme_companies.c.programme_id == programme_id)
        companies = {str(Company.create_id(n)) for n in db.execute(dealt_with).scalars()} if programme_id else set()
    start = 0
    while start < upto:
        page = opened.ledger.recorder.select_notifications(start, BATCH, stop=upto, inclusive_of_start=False)
        if not page:
            return
        start = page[-1].id
        within = select(index.position, index.programme_id).where(index.position.between(page[0].id, page[-1].id))
        with opened.views.connect() as db:
            owners: dict[int, str | None] = dict(db.execute(within).tuples().all())
        if programme_id is not None:
            page = [n for n in page if owners.get(n.id) == programme_id or str(n.originator_id) in companies]
        for fact in facts_from(opened.ledger.mapper, page):
            owner = owners.get(fact.position)
            if owner is not None and fact.name == "ProgrammeLaunched":
                slugs.setdefault(owner, fact.data["slug"])
            yield fact_row(fact, owner, slugs.get(owner) if owner is not None else None)


def _write_events(sink: TextIO, facts: "Iterable[Fact]") -> None:
    import orjson

    for fact in facts:
        sink.write(orjson.dumps(fact.as_record(), default=str).decode() + "\n")


def _table(opened: "Services", what: str, programme_id: str, slug: str) -> list[dict[str, Any]]:
    """The audit entries, the weekly evaluation or the claims' lines as flat rows, as the API's CSV exports have
    them."""
    from projections.audit.queries import audit_table
    from projections.claims.queries import claim_lines_table, claims_as_of
    from projections.evaluation.queries import weekly_table

    with opened.views.connect() as db:
        if what == "claims":
            return claim_lines_table(claims_as_of(db, programme_id, slug))
        return audit_table(db, programme_id) if what == "audit" else weekly_table(db, programme_id)


def _write_csv(sink: TextIO, rows: list[dict[str, Any]]) -> None:
    from projections.spreadsheet import write_rows

    write_rows(sink, rows)
