"""The revision report and provenance on the command line: what changed in a programme's figures between two
moments, and the events behind one figure."""

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.common import CliError, catch_up, choose, one_line_errors, programme_id, say, services

FORMATS = ("json", "csv")


def moment(text: str | None, name: str) -> int | datetime | None:
    """A moment as given: a log position, a receipt file (its position), or a recorded time (ISO 8601)."""
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    if Path(text).is_file():
        try:
            return int(json.loads(Path(text).read_text())["position"])
        except (ValueError, KeyError, TypeError) as error:
            raise CliError(f"--{name}: {text} is not a receipt (no position): {error}") from None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--{name}: give a log position, a receipt file or a time (ISO 8601), not {text!r}") from None


@one_line_errors
def revisions(
    programme: Annotated[str, typer.Argument(metavar="SLUG", help="The programme")],
    since: Annotated[
        str, typer.Option(metavar="MOMENT", help="The first moment: a log position, a receipt file or a time")
    ],
    until: Annotated[str | None, typer.Option(metavar="MOMENT", help="The second moment (default: now)")] = None,
    funder: Annotated[str | None, typer.Option(help="Only the audit entries of this funder's grants")] = None,
    output_format: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout")
    ] = None,
) -> None:
    """What changed between two moments: every figure of the programme that differs, its old and new value,
    the events that changed it (back-dated ones marked), and the ESF months to re-send."""
    choose(output_format, FORMATS, "format")
    first_given, last_given = moment(since, "since"), moment(until, "until")
    with services() as opened:
        from projections.revisions.report import moments_between, revision_report, revision_rows
        from projections.spreadsheet import write_rows

        catch_up(opened.projector)
        with opened.views.connect() as db:
            chosen = programme_id(db, programme)
        first, last = moments_between(opened.views, opened.projector.head(), first_given, last_given)
        found = revision_report(opened.ledger, opened.views, chosen, programme, first, last, funder)
    if output_format == "json":
        text = json.dumps(found.model_dump(mode="json"), indent=2, ensure_ascii=False)
        if output:
            output.write_text(text + "\n")
        else:
            say(text)
        return
    sink = output.open("w", newline="") if output else sys.stdout
    try:
        write_rows(sink, revision_rows(found))
    finally:
        if output:
            sink.close()


@one_line_errors
def provenance(
    programme: Annotated[str, typer.Argument(metavar="SLUG", help="The programme")],
    answer: Annotated[str, typer.Argument(help="status, audit or evaluation")],
    figure: Annotated[str, typer.Argument(help="Its path, as in the revision report, e.g. pipeline.joined")],
    at: Annotated[
        str | None, typer.Option(metavar="MOMENT", help="As the ledger stood: a log position, a receipt or a time")
    ] = None,
    effective: Annotated[str | None, typer.Option(metavar="DAY", help="Effective by this day (YYYY-MM-DD)")] = None,
) -> None:
    """The events behind one figure, now or as of a moment: each event after which it changed, with actor,
    decision, effective date, its value before and after and its contribution (they add up to the figure)."""
    given = moment(at, "at")
    try:
        day = None if effective is None else date.fromisoformat(effective)
    except ValueError:
        raise CliError(f"--effective: give a day as YYYY-MM-DD, not {effective!r}") from None
    with services() as opened:
        from projections.as_of import position_at
        from projections.revisions.provenance import provenance as figure_provenance

        catch_up(opened.projector)
        with opened.views.connect() as db:
            chosen = programme_id(db, programme)
        head = opened.projector.head()
        position = position_at(opened.views, given) if isinstance(given, datetime) else given
        found = figure_provenance(
            opened.ledger, opened.views, chosen, answer, figure, head if position is None else min(position, head), day
        )
    say(json.dumps(found.model_dump(mode="json"), indent=2, ensure_ascii=False))
