"""API tokens: create, list and revoke. Only a token's SHA-256 hash is stored, so a token is shown once, when
it is created, and never listed."""

import json
from typing import Annotated, Any

import typer

from cli.common import CliError, catch_up, choose, known_programmes, note, one_line_errors, say, services

ROLES = ("admin", "coordinator", "funder", "analyst")  # tests/test_cli.py checks these against api.tokens.Role


def coverage(role: str, programmes: list[str]) -> str:
    """What a token may read, as a person would say it: admin and analyst tokens cover every programme."""
    if role in ("admin", "analyst"):
        return "all"
    return ",".join(programmes) or "none"


@one_line_errors
def create(
    role: Annotated[str, typer.Option(metavar="ROLE", help=f"One of {', '.join(ROLES)}")],
    actor: Annotated[str, typer.Option(metavar="ACTOR", help="Who acts with it; recorded on every event it causes")],
    programme: Annotated[list[str] | None, typer.Option(metavar="SLUG", help="A programme it covers (repeat)")] = None,
    days: Annotated[int, typer.Option(min=1, max=3650, help="How many days it works")] = 90,
) -> None:
    """Create a token; the first admin token comes from here.

    Prints it once, as JSON; only its hash is stored. It stops working after --days (90 unless told)."""
    from datetime import timedelta

    from api.tokens import Role

    choose(role, [r.value for r in Role], "role")
    if not actor.strip():
        raise CliError("--actor must name who acts with the token")
    programmes = list(dict.fromkeys(programme or []))
    with services() as opened:
        if programmes:
            catch_up(opened.projector)
            with opened.views.connect() as db:
                known = known_programmes(db)
            unknown = [slug for slug in programmes if slug not in known]
            if unknown:
                raise CliError(
                    f"unknown programme{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                    f"(known: {', '.join(known) or 'none yet'})"
                )
        token_id, token = opened.tokens.create(Role(role), actor, programmes, timedelta(days=days))
    if coverage(role, programmes) == "none":
        note(f"note: this {role} token covers no programme; give --programme SLUG to let it read or write one")
    say(json.dumps({"token_id": token_id, "token": token, "role": role, "actor": actor, "programmes": programmes}))


@one_line_errors
def revoke(
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID", help="The token's id (see `ledger token list`)")],
) -> None:
    """Revoke a token: it stops working at once."""
    with services() as opened:
        if not opened.tokens.revoke(token_id):
            raise CliError(f"unknown or already revoked token: {token_id}")
    say(f"revoked {token_id}")


@one_line_errors
def list_tokens(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line")] = False,
    active: Annotated[bool, typer.Option("--active", help="Only tokens not revoked")] = False,
) -> None:
    """List the tokens (never the tokens themselves).

    Each token's id, role, actor, when it was created, expires and was revoked, and the programmes it covers;
    --active: only those that still work."""
    from datetime import UTC, datetime

    from sqlalchemy import or_, select

    from api.tokens import tokens_table

    columns = (
        tokens_table.c.token_id,
        tokens_table.c.role,
        tokens_table.c.actor,
        tokens_table.c.programmes,
        tokens_table.c.created_at,
        tokens_table.c.expires_at,
        tokens_table.c.revoked_at,
    )
    query = select(*columns).order_by(tokens_table.c.created_at, tokens_table.c.token_id)
    if active:
        now = datetime.now(UTC).isoformat()
        query = query.where(
            tokens_table.c.revoked_at.is_(None),
            or_(tokens_table.c.expires_at.is_(None), tokens_table.c.expires_at > now),
        )
    with services() as opened, opened.views.connect() as db:
        rows: list[dict[str, Any]] = [dict(row) for row in db.execute(query).mappings()]
    if as_json:
        for row in rows:
            say(json.dumps(row))
        return
    table = [("TOKEN ID", "ROLE", "ACTOR", "CREATED", "EXPIRES", "REVOKED", "PROGRAMMES")]
    for row in rows:
        revoked = (row["revoked_at"] or "-")[:19]
        expires = (row["expires_at"] or "never")[:19]
        covers = coverage(row["role"], row["programmes"])
        table.append((row["token_id"], row["role"], row["actor"], row["created_at"][:19], expires, revoked, covers))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        say("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
