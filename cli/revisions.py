"""The revision report on the command line: what changed in a programme's figures between two moments."""

import json
import sys
from datetime import datetime
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
