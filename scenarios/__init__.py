"""The five programmes of the domain brief as scenario fixtures, recorded through the ledger's public commands.

`SCENARIOS` maps a name to a loader that takes a `Ledger` and returns what it recorded (`Loaded`); `load_all`
loads all five in order. Each loader also works alone on an empty ledger: companies shared between programmes
are registered by whichever loader meets them first, with the same details. Loading is deterministic in what it
records (names, organisation numbers, participant ids, amounts, actors, effective dates); ids the ledger
generates itself (modules, sessions, allocations, entries) differ from load to load. A programme can be loaded
once per ledger: a second load is refused by `launch_programme`."""

from __future__ import annotations

from collections.abc import Callable

from ledger.application import Ledger
from scenarios import fremtid, kongsberg, ostfold_forum, smart_kompetens, viken
from scenarios._common import Loaded

Loader = Callable[[Ledger], Loaded]

SCENARIOS: dict[str, Loader] = {
    "viken": viken.load,
    "kongsberg": kongsberg.load,
    "fremtid": fremtid.load,
    "ostfold_forum": ostfold_forum.load,
    "smart_kompetens": smart_kompetens.load,
}

SLUGS: dict[str, str] = {
    "viken": viken.SLUG,
    "kongsberg": kongsberg.SLUG,
    "fremtid": fremtid.SLUG,
    "ostfold_forum": ostfold_forum.SLUG,
    "smart_kompetens": smart_kompetens.SLUG,
}


def load_all(ledger: Ledger) -> dict[str, Loaded]:
    """Loads the five programmes into the ledger, in a fixed order, and says what each recorded."""
    return {name: load(ledger) for name, load in SCENARIOS.items()}


__all__ = ["SCENARIOS", "SLUGS", "Loaded", "Loader", "load_all"]
