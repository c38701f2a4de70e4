"""The demo: the five programmes of the domain brief, and a token per role kept in a file only the user can read.

The tokens are made once and printed again on every later start, so restarting `scripts/run` never logs out an
open browser; only a missing file, a revoked token or `--new-tokens` makes new ones."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import catch_up, known_programmes, note, one_line_errors, progress_bar, say, services
from cli.tokens import coverage

if TYPE_CHECKING:
    from pathlib import Path

    from api.tokens import TokenStore
    from bootstrap import Services


@dataclass(frozen=True)
class DemoToken:
    role: str
    actor: str
    programmes: list[str]
    token_id: str
    token: str


@one_line_errors
def demo(
    tokens: Annotated[bool, typer.Option(help="Print the demo tokens for each role")] = True,
    new_tokens: Annotated[
        bool, typer.Option("--new-tokens", help="Revoke the kept demo tokens, make new ones")
    ] = False,
) -> None:
    """Load the demo programmes and print a token per role.

    The five programmes are recorded through the real commands, only into an empty ledger (the store is created
    if there is none). The tokens are made once and kept in a file only you can read; later runs print them again."""
    from bootstrap import demo_tokens_path

    with services(create=True) as opened:
        _load(opened)
        catch_up(opened.projector)
        if not tokens:
            return
        with opened.views.connect() as db:
            slugs = known_programmes(db)
        path = demo_tokens_path(opened.settings.database_url)
        kept = keep_demo_tokens(opened.tokens, path, slugs, renew=new_tokens)
    say(f"Demo tokens (kept in {path}, readable only by you; `ledger demo --new-tokens` replaces them):")
    for token in kept:
        say(f"  {token.role:<12} {token.token}   ({token.actor}; programmes: {coverage(token.role, token.programmes)})")


def _load(opened: Services) -> None:
    if (opened.ledger.recorder.max_notification_id() or 0) > 0:
        note("the ledger already holds events: demo programmes not loaded again")
        return
    import scenarios

    names = list(scenarios.SCENARIOS)
    with progress_bar("loading demo programmes", len(names)) as update:
        for done, name in enumerate(names):
            scenarios.SCENARIOS[name](opened.ledger)
            update(done + 1, len(names))


def demo_plan(slugs: list[str]) -> list[tuple[str, str, list[str]]]:
    """(role, actor, programmes) of each demo token: the coordinator covers the first programme, the funder all."""
    first = slugs[0] if slugs else ""
    return [
        ("admin", "demo-admin", []),
        ("coordinator", f"demo-coordinator@{first}", [first] if first else []),
        ("funder", "demo-funder@all-programmes", list(slugs)),
        ("analyst", "demo-analyst", []),
    ]


def keep_demo_tokens(tokens: TokenStore, path: Path, slugs: list[str], *, renew: bool = False) -> list[DemoToken]:
    """The demo tokens in `path` that still authenticate; a new one for each role that has none (the file is
    missing or unreadable, or its token was revoked). With `renew`, the kept ones are revoked and all are new."""
    from api.tokens import Role

    kept = {token.role: token for token in read_demo_tokens(path)}
    result: list[DemoToken] = []
    for role, actor, programmes in demo_plan(slugs):
        old = kept.get(role)
        if old is not None and renew:
            tokens.revoke(old.token_id)
        elif old is not None and _still_valid(tokens, old):
            result.append(old)
            continue
        token_id, token = tokens.create(Role(role), actor, programmes)
        result.append(DemoToken(role, actor, programmes, token_id, token))
    if result != list(kept.values()) or not _private(path):
        write_demo_tokens(path, result)
    return result


def _still_valid(tokens: TokenStore, kept: DemoToken) -> bool:
    principal = tokens.authenticate(kept.token)
    return principal is not None and principal.token_id == kept.token_id


def read_demo_tokens(path: Path) -> list[DemoToken]:
    """The kept tokens, or none if the file is missing or not what `write_demo_tokens` wrote."""
    try:
        entries = json.loads(path.read_text())["tokens"]
        return [DemoToken(**entry) for entry in entries]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def write_demo_tokens(path: Path, kept: list[DemoToken]) -> None:
    """Write the tokens readable and writable by the user alone (0600), replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an earlier partial file may have been made with other permissions
    with os.fdopen(descriptor, "w") as file:
        json.dump({"tokens": [asdict(token) for token in kept]}, file, indent=2)
        file.write("\n")
    os.replace(partial, path)


def _private(path: Path) -> bool:
    try:
        return stat.S_IMODE(path.stat().st_mode) == 0o600
    except OSError:
        return False
