"""Proving the history: a receipt of the log so far, and verification of the hash chain against one."""

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import CliError, catch_up, one_line_errors, say, services


@one_line_errors
def receipt(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the receipt here too")
    ] = None,
) -> None:
    """Take a receipt of the history so far: keep it.

    The receipt is the log position, the hash chain there and the time; `ledger verify --receipt` checks it."""
    with services() as opened:
        from projections.integrity.verification import take_receipt

        taken = take_receipt(opened.ledger)  # the chain stored at commit: no read model need catch up
    text = json.dumps(taken.model_dump(mode="json"), indent=2)
    if output:
        output.write_text(text + "\n")
    say(text)


@one_line_errors
def verify(
    receipt_file: Annotated[
        Path | None, typer.Option("--receipt", metavar="FILE", help="A receipt from `ledger receipt`")
    ] = None,
) -> None:
    """Verify the hash chain, against a receipt if given.

    Prints the verdict as JSON; a history that differs names its first differing position and exits with 2."""
    with services() as opened:
        from pydantic import ValidationError

        from projections.integrity.answers import Receipt
        from projections.integrity.verification import verify as verify_chain

        given = None
        if receipt_file is not None:
            try:
                given = Receipt.model_validate_json(receipt_file.read_bytes())
            except ValidationError as error:
                problem = error.errors()[0]
                where = ".".join(map(str, problem["loc"])) or "the file"
                raise CliError(f"cannot read the receipt {receipt_file}: {where}: {problem['msg']}") from None
            except OSError as error:
                raise CliError(f"cannot read the receipt {receipt_file}: {error.strerror or error}") from None
        catch_up(opened.projector)
        result = verify_chain(opened.ledger, opened.projector.engine, given)
    say(json.dumps(result.model_dump(mode="json")))
    if not result.ok:
        raise typer.Exit(2)
