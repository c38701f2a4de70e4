"""Erasing a participant leaves no trace of the person in the stored bytes (crypto-shredding: key and sealed
details destroyed), while the counts stay right; and the events never held identifying details to begin with."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import sql

from ledger.application import Ctx as _Ctx
from ledger.commands import EraseParticipant, RegisterParticipant
from ledger.domain.programme import Programme
from ledger.errors import NotFound
from storage.open import open_ledger
from storage.settings import StoreLocation
from tests.commands_given import CTX, SLUG, event_names, joined_company, launch, norwegian_org_numbers

if TYPE_CHECKING:
    from ledger.application import Ledger

NUMBER = norwegian_org_numbers(1)[0]
PERSON = {
    "name": "Zebulon Quirinius Hvalrossdottir",
    "email": "zq.hvalross.4711@example-smelteverk.no",
    "personal_number": "29029912345",
}
NEIGHBOUR = {"name": "Ingeborg Neighbour-Keep", "email": "ingeborg.keep@example.no", "personal_number": "01018812345"}


def _details(identity: dict[str, str]) -> list[bytes]:
    return [value.encode() for value in identity.values()]


def _given_registered(ledger: Ledger) -> tuple[str, str]:
    launch(ledger)
    joined_company(ledger, NUMBER)
    pid = ledger.handle(
        CTX,
        RegisterParticipant(programme=SLUG, org_number=NUMBER, target_group="laid_off", identity=PERSON, gender="male"),
    )
    other = ledger.handle(
        CTX, RegisterParticipant(programme=SLUG, org_number=NUMBER, target_group="employed", identity=NEIGHBOUR)
    )
    return pid.ids["participant_id"], other.ids["participant_id"]


def _sqlite_files(url: str) -> dict[str, bytes]:
    """Every file the SQLite stores wrote: events, key store, and any -wal, -shm or -journal beside them."""
    folder = StoreLocation(url).sqlite_path.parent
    return {path.name: path.read_bytes() for path in sorted(Path(folder).iterdir()) if path.is_file()}


def _postgres_rows(url: str) -> str:
    """Every row of every table in the test's schema, as PostgreSQL renders it as text (bytea as hex)."""
    location = StoreLocation(url)
    with psycopg.connect(location.postgres_dsn()) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (location.schema,)
            )
        ]
        assert {"participant_keys", "participant_identities"} <= set(tables)
        rows: list[Any] = []
        for table in tables:
            query = sql.SQL("SELECT t::text FROM {} AS t").format(sql.Identifier(location.schema, table))
            rows.extend(row for (row,) in db.execute(query))
    return "\n".join(rows)


def _stored_text(url: str) -> bytes:
    if StoreLocation(url).kind == "sqlite":
        return b"\n".join(_sqlite_files(url).values())
    return _postgres_rows(url).encode()


def _secrets(ledger: Ledger, pid: str) -> list[bytes]:
    assert ledger.vault is not None
    found = ledger.vault.store.get(pid)
    assert found is not None
    key, sealed = found
    return [key, sealed, key.hex().encode(), sealed.hex().encode()]


def _key_form(url: str, secrets: list[bytes]) -> bytes:
    """The key as it sits in the store: raw bytes in an SQLite file, hex in PostgreSQL's text rendering."""
    return secrets[0] if StoreLocation(url).kind == "sqlite" else secrets[2]


def test_given_registered_participant_then_events_never_hold_identifying_details(store_url: str) -> None:
    ledger = open_ledger(store_url)
    try:
        pid, _ = _given_registered(ledger)
        assert ledger.read_identity(pid).name == PERSON["name"]
        events = repr([e.__dict__ for e in ledger.events.get(Programme.create_id(SLUG))]).encode()
        assert pid.encode() in events  # the events refer to the person by pseudonymous id only
        assert not [d for d in _details(PERSON) if d in events]
    finally:
        ledger.close()
    if StoreLocation(store_url).kind == "sqlite":
        files = _sqlite_files(store_url)
        keys_file = StoreLocation(store_url).key_store_path().name
        for name, content in files.items():
            leaked = [d for d in _details(PERSON) if d in content]
            assert not leaked, f"{name} holds {leaked} in plain text"
        assert keys_file in files
    else:
        rows = _postgres_rows(store_url)
        assert not [d for d in PERSON.values() if d in rows]


def test_given_participant_when_erased_then_no_byte_of_the_person_key_or_sealed_details_is_stored(
    store_url: str,
) -> None:
    ledger = open_ledger(store_url)
    try:
        pid, neighbour = _given_registered(ledger)
        secrets = _secrets(ledger, pid)
        neighbour_secrets = _secrets(ledger, neighbour)
        before = ledger.programme(SLUG)
        stored = _stored_text(store_url)
        assert _key_form(store_url, secrets) in stored  # the search sees a key while it exists
        ledger.handle(CTX, EraseParticipant(programme=SLUG, participant_id=pid))
        after = ledger.programme(SLUG)
        assert after.participant_count == before.participant_count == 2
        assert after.participant_erased(pid) and not after.participant_erased(neighbour)
        assert event_names(ledger, Programme.create_id(SLUG))[-1] == "ParticipantErased"
        with pytest.raises(NotFound):
            ledger.read_identity(pid)
        assert ledger.read_identity(neighbour).name == NEIGHBOUR["name"]
    finally:
        ledger.close()

    stored = _stored_text(store_url)
    leaked = [d for d in _details(PERSON) if d in stored]
    assert not leaked, f"erased details still stored: {leaked}"
    assert not [s for s in secrets if s in stored], "the erased participant's key or sealed details survive"
    assert _key_form(store_url, neighbour_secrets) in stored  # another person's key is still there to be found

    reopened = open_ledger(store_url)
    try:
        assert reopened.programme(SLUG).participant_count == 2
        with pytest.raises(NotFound):
            reopened.read_identity(pid)
    finally:
        reopened.close()


def test_given_a_keyed_registration_when_the_participant_is_erased_then_no_trace_of_the_identity_remains_in_the_receipt(
    sqlite_ledger: Ledger,
) -> None:
    """The idempotency receipt stores a fingerprint of the command's input; it must not be derived from the
    identifying details, or a guessed identity could be confirmed against it after erasure."""

    ledger = sqlite_ledger
    launch(ledger)
    org = joined_company(ledger, NUMBER)
    person = {"name": "Synnøve Fingerprintsdottir", "email": "synnove@example.org", "personal_number": "01019912345"}
    keyed = _Ctx(actor="coordinator@fremtid", idempotency_key="register-synnove")
    result = ledger.handle(
        keyed, RegisterParticipant(programme=SLUG, org_number=org, target_group="employed", identity=person)
    )
    again = ledger.handle(
        keyed, RegisterParticipant(programme=SLUG, org_number=org, target_group="employed", identity=person)
    )
    assert again.replayed and again.ids == result.ids
    ledger.handle(CTX, EraseParticipant(programme=SLUG, participant_id=result.ids["participant_id"]))
    stored = b"".join(bytes(n.state) for n in ledger.recorder.select_notifications(0, 10_000))
    for value in person.values():
        assert value.encode() not in stored
        assert hashlib.sha256(value.encode()).hexdigest().encode() not in stored
