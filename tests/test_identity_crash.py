"""kill -9 during registrations leaves no readable orphan identity.

A registration seals the person's identity in the key store, then stores the event in the event store: two
stores, so two transactions, and a crash between them leaves an identity that no participant names (no one could
erase it). Here a writer process registers participants until it is killed: 30 times at random moments, and 3
times exactly between the two steps (the writer kills itself as it is about to save). The next start of the
ledger destroys every identity sealed before its grace period that no registration event names."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
import pytest

from api.app import reconcile_identities_every
from bootstrap import build_services, open_ledger
from ledger.application import Ctx
from ledger.commands import JoinCompany, LaunchProgramme, RegisterCompany, RegisterParticipant
from ledger.identity import Identity
from storage.settings import Settings, StoreLocation

if TYPE_CHECKING:
    from pathlib import Path

KILLS = 30
CTX = Ctx(actor="coordinator@crash")
NUMBER = "NO912345009"

WRITER = """
import os, signal, sys
from bootstrap import open_ledger
from ledger.application import Ctx
from ledger.commands import RegisterParticipant
url, keys, die_in_save = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
ledger = open_ledger(url, keys)
if die_in_save:  # the identity is sealed, the event not yet stored
    ledger._record = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
print("ready", flush=True)
n = 0
while True:
    n += 1
    ledger.handle(Ctx(actor="writer@crash"), RegisterParticipant(programme="crash", org_number="NO912345009",
                  target_group="employed", identity={"name": f"Person {os.getpid()}-{n}"}))
"""


def prepare(url: str, keys: str) -> None:
    ledger = open_ledger(url, keys)
    ledger.handle(CTX, LaunchProgramme(slug="crash", name="Crash", owner="Cluster", funders=["Kompetanse Norge"],
                                       starts_on="2021-01-01", ends_on="2026-12-31", currency="NOK"))  # fmt: skip
    ledger.handle(
        CTX, RegisterCompany(org_number=NUMBER, name="Crash AS", region="Viken", sector="metal", size="small")
    )
    ledger.handle(CTX, JoinCompany(programme="crash", org_number=NUMBER))
    ledger.close()


def write_until_killed(url: str, keys: str, rng: random.Random, *, die_in_save: bool) -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, keys, "1" if die_in_save else "0"],
        cwd=root,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == b"ready"
    if not die_in_save:
        time.sleep(rng.uniform(0.0, 0.25))
        writer.send_signal(signal.SIGKILL)
    assert writer.wait(timeout=60) == -signal.SIGKILL


def sealed_and_registered(url: str, keys: str) -> tuple[set[str], set[str]]:
    ledger = open_ledger(url, keys)
    try:
        assert ledger.vault is not None
        sealed = set(ledger.vault.store.sealed_before(datetime.now(UTC) + timedelta(days=1)))
        return sealed, ledger.registered_participants()
    finally:
        ledger.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """The event store, and a key store of its own: a SQLite file, or another PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.sqlite3", f"sqlite:///{tmp_path}/keys.sqlite3"
    url = str(request.getfixturevalue("postgres_url"))
    return url, url.replace("?schema=", "?schema=keys_")


def test_kill_9_during_registrations_leaves_no_orphan_identity_after_a_restart(stores: tuple[str, str]) -> None:
    url, keys = stores
    prepare(url, keys)
    rng = random.Random(20261122)
    for kill in range(KILLS + 3):
        write_until_killed(url, keys, rng, die_in_save=kill % 11 == 0)

    sealed, registered = sealed_and_registered(url, keys)
    orphans = sealed - registered
    assert len(orphans) >= 3, "the writers killed between the two steps left their identities"
    assert len(registered) > KILLS, "the writers registered participants before they were killed"

    services = build_services(Settings(database_url=url, keys_url=keys, identity_grace_seconds=0, run_projector=False))
    try:
        for pid in orphans:
            assert services.ledger.vault is not None and services.ledger.vault.open(pid) is None
        for pid in list(registered)[:5]:
            assert services.ledger.read_identity(pid).name.startswith("Person ")
    finally:
        services.close()
    sealed_after, registered_after = sealed_and_registered(url, keys)
    assert sealed_after - registered_after == set()
    assert sealed_after == sealed & registered, "no identity of a registered participant was destroyed"


def test_an_identity_sealed_within_the_grace_period_is_spared(stores: tuple[str, str]) -> None:
    """A command still running has sealed its identity and not yet stored its event: the reconciler leaves it."""
    url, keys = stores
    prepare(url, keys)
    write_until_killed(url, keys, random.Random(1), die_in_save=True)
    services = build_services(Settings(database_url=url, keys_url=keys, run_projector=False))  # the default grace
    services.close()
    sealed, registered = sealed_and_registered(url, keys)
    assert len(sealed - registered) == 1


def test_the_api_reconciles_while_it_runs(tmp_path: Path) -> None:
    """Between restarts, the API's reconciler destroys an orphan once it is older than the grace period."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/ledger.sqlite3", identity_grace_seconds=0)
    services = build_services(settings)
    try:
        vault = services.ledger.vault
        assert vault is not None
        vault.seal("11111111-2222-3333-4444-555555555555", Identity(name="No one"))
        stopping = threading.Event()
        reconciler = threading.Thread(target=reconcile_identities_every, args=(services, stopping, 0.01))
        reconciler.start()
        deadline = time.monotonic() + 30
        while vault.open("11111111-2222-3333-4444-555555555555") is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        stopping.set()
        reconciler.join()
        assert vault.open("11111111-2222-3333-4444-555555555555") is None
    finally:
        services.close()


def test_keys_live_in_the_key_store_alone(stores: tuple[str, str]) -> None:
    """With LEDGER_KEYS_URL set, the event store's database holds no key table, so its backups and its
    write-ahead log never hold a key; the key store holds the participant's."""
    url, keys = stores
    prepare(url, keys)
    ledger = open_ledger(url, keys)
    try:
        pid = ledger.handle(CTX, RegisterParticipant(programme="crash", org_number=NUMBER, target_group="employed",
                                                     identity={"name": "Kari"})).ids["participant_id"]  # fmt: skip
        assert ledger.vault is not None and ledger.vault.store.sealed_before(datetime.now(UTC) + timedelta(1)) == [pid]
    finally:
        ledger.close()
    assert "participant_keys" not in tables_of(url) and "participant_keys" in tables_of(keys)


def tables_of(url: str) -> set[str]:
    where = StoreLocation(url)
    if where.kind == "sqlite":
        with sqlite3.connect(where.sqlite_path) as db:
            return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    with psycopg.connect(where.postgres_dsn()) as db:
        rows = db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (where.schema or "public",)
        ).fetchall()
    return {row[0] for row in rows}
