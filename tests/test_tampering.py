"""Tamper evidence: someone with write access to the database edits, deletes or reorders stored events behind the
ledger's back. Verification re-reads the stored events, recomputes the hash chain and names the first position
that differs; a receipt taken before the tampering no longer verifies. An untouched store verifies.

The tampering goes straight to the events table (`ledger.recorder.events_table_name`): on SQLite a log position is
the table's rowid (eventsourcing's SQLite recorder selects notifications by rowid), on PostgreSQL it is the
`notification_id` column, inside the test's schema."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any, cast

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql
from sqlalchemy import update

from ledger.application import Ctx, Ledger
from ledger.commands import (
    AllocateFunds,
    AwardGrant,
    DisburseFunds,
    HoldForumMeeting,
    JoinCompany,
    LaunchProgramme,
    RegisterCompany,
    ReverseEntry,
)
from projections.integrity.verification import take_receipt, verify
from projections.schema import event_index
from storage.chain import CHAIN_TABLE, GENESIS, event_digest, link
from storage.open import open_projector
from storage.settings import StoreLocation
from tests.test_projection_properties import NUMBERS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from projections.integrity.answers import Receipt, Verification
    from projections.projector import Projector

CTX = Ctx(actor="coordinator@kongsberg")
DECISION = {"reference": "Trepartsorganet, møte 1/2020", "body": "Tripartite board"}


class EventsTable:
    """Direct access to the stored events, as an intruder with database credentials would have it."""

    def __init__(self, url: str, table: str) -> None:
        self.where = StoreLocation(url)
        self.table = table

    def _run(self, statement: str, *params: Any) -> list[Any]:
        if self.where.kind == "sqlite":
            db = sqlite3.connect(self.where.sqlite_path)
            try:
                rows = db.execute(statement.format(table=self.table, position="rowid"), params).fetchall()
                db.commit()
            finally:
                db.close()
            return rows
        schema = self.where.schema or "public"
        query = sql.SQL(statement.replace("?", "%s")).format(
            table=sql.Identifier(schema, self.table), position=sql.Identifier("notification_id")
        )
        with psycopg.connect(self.where.postgres_dsn(), autocommit=True) as pg:
            cursor = pg.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def state(self, position: int) -> bytes:
        rows = self._run("SELECT state FROM {table} WHERE {position} = ?", position)
        assert len(rows) == 1
        return bytes(rows[0][0])

    def set_state(self, position: int, state: bytes) -> None:
        self._run("UPDATE {table} SET state = ? WHERE {position} = ?", state, position)
        assert self.state(position) == state

    def delete(self, position: int) -> None:
        self._run("DELETE FROM {table} WHERE {position} = ?", position)
        assert self._run("SELECT state FROM {table} WHERE {position} = ?", position) == []

    def move_to_end(self, position: int) -> int:
        """Give an event a position after the last one (a reordering)."""
        (last,) = self._run("SELECT MAX({position}) FROM {table}")[0]
        self._run("UPDATE {table} SET {position} = ? WHERE {position} = ?", last + 1, position)
        return int(last) + 1

    def insert_copy(self, position: int) -> int:
        """Store one more event, a copy of another under a later version: an event the ledger never committed."""
        self._run(
            "INSERT INTO {table} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version + 1000, topic, state FROM {table} WHERE {position} = ?",
            position,
        )
        (last,) = self._run("SELECT MAX({position}) FROM {table}")[0]
        return int(last)

    def truncate_from(self, position: int) -> None:
        self._run("DELETE FROM {table} WHERE {position} >= ?", position)


class ChainTable(EventsTable):
    """The hash chain stored at commit, beside the events, as the same intruder would reach it."""

    def _run(self, statement: str, *params: Any) -> list[Any]:
        return super()._run(statement.replace("{position}", "position"), *params)

    def set_chain(self, position: int, chain: str) -> None:
        self._run("UPDATE {table} SET chain = ? WHERE position = ?", chain, position)

    def relink(self, positions: list[int], states: dict[int, bytes], events: EventsTable) -> None:
        """Recompute the stored chain over the events as they are now: a thorough intruder's cover-up."""
        self._run("DELETE FROM {table}")
        chain = GENESIS
        for position in positions:
            row = events._run(
                "SELECT originator_id, originator_version, topic FROM {table} WHERE {position} = ?", position
            )[0]
            originator_id = uuid.UUID(str(row[0])) if self.where.kind == "postgres" else uuid.UUID(hex=row[0])
            stored = StoredEvent(originator_id=originator_id, originator_version=row[1], topic=row[2],
                                 state=states[position])  # fmt: skip
            digest = event_digest(stored)
            chain = link(chain, digest)
            self._run("INSERT INTO {table} (position, digest, chain) VALUES (?, ?, ?)", position, digest, chain)


def record_history(ledger: Ledger) -> None:
    """A small programme: launched, two companies joined, a grant, two allocations, an advance, a reversal."""
    ledger.handle(
        CTX,
        LaunchProgramme(
            slug="kongsberg",
            name="Kongsberg competence lift",
            owner="Kongsberg industry cluster",
            funders=["Kompetanse Norge"],
            starts_on="2020-09-01",
            ends_on="2021-12-31",
            currency="NOK",
        ),
    )
    for i, number in enumerate(NUMBERS[:2]):
        ledger.handle(
            CTX,
            RegisterCompany(org_number=number, name=f"Company {i}", region="Buskerud", sector="metal", size="small"),
        )
        ledger.handle(CTX, JoinCompany(programme="kongsberg", org_number=number))
    grant = ledger.handle(
        CTX, AwardGrant(programme="kongsberg", funder="Kompetanse Norge", amount=1_000_000_000, decision=DECISION)
    ).ids["grant_id"]
    allocations = [
        ledger.handle(
            CTX,
            AllocateFunds(
                programme="kongsberg",
                grant_id=grant,
                recipient_kind="provider",
                recipient=provider,
                amount=200_000_000,
                decision=DECISION,
            ),
        ).ids
        for provider in ("Fagskolen i Viken", "USN Kongsberg")
    ]
    ledger.handle(
        CTX,
        DisburseFunds(
            programme="kongsberg", allocation_id=allocations[0]["allocation_id"], amount=50_000_000, kind="advance"
        ),
    )
    ledger.handle(
        CTX,
        ReverseEntry(
            programme="kongsberg", entry_id=allocations[1]["entry_id"], reason="offer withdrawn", decision=DECISION
        ),
    )


@pytest.fixture
def projected(ledger: Ledger, store_url: str) -> Iterator[tuple[Projector, Receipt, list[int]]]:
    """The history recorded and projected, a receipt taken, and the log positions."""
    record_history(ledger)
    projector = open_projector(ledger, store_url)
    projector.run_once()
    receipt = take_receipt(ledger)
    positions = [n.id for n in ledger.recorder.select_notifications(start=0, limit=1000, inclusive_of_start=False)]
    assert receipt.position == positions[-1] and len(positions) >= 10
    yield projector, receipt, positions
    projector.dispose()


@pytest.fixture
def events(ledger: Ledger, store_url: str) -> EventsTable:
    return EventsTable(store_url, cast("Any", ledger.recorder).events_table_name)


def pick(positions: list[int], where: str) -> int:
    return {"first": positions[0], "middle": positions[len(positions) // 2], "last": positions[-1]}[where]


def test_an_untouched_store_verifies_with_and_without_its_receipt(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]]
) -> None:
    projector, receipt, positions = projected
    assert verify(ledger, projector.engine) == verify(ledger, projector.engine, receipt)
    result = verify(ledger, projector.engine, receipt)
    assert result.ok, result
    assert (result.checked_up_to, result.first_bad_position) == (positions[-1], None)


def test_events_recorded_after_a_receipt_do_not_break_it(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]]
) -> None:
    projector, receipt, _ = projected
    ledger.handle(CTX, HoldForumMeeting(programme="kongsberg", title="Status", sectors=["industry"], format="Teams"))
    assert verify(ledger, projector.engine, receipt).ok  # not yet projected
    projector.run_once()
    later = verify(ledger, projector.engine, receipt)
    assert later.ok and later.checked_up_to == receipt.position
    assert verify(ledger, projector.engine).checked_up_to > receipt.position


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_an_altered_event_is_named(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable, where: str
) -> None:
    projector, receipt, positions = projected
    position = pick(positions, where)
    state = json.loads(events.state(position))
    state["actor"] = "mallory"
    events.set_state(position, json.dumps(state).encode())

    for result in (verify(ledger, projector.engine), verify(ledger, projector.engine, receipt)):
        assert not result.ok
        assert result.first_bad_position == position, result
        assert result.checked_up_to == (positions[positions.index(position) - 1] if position != positions[0] else 0)


def test_a_change_that_decodes_the_same_is_still_named(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    """Re-serialising an event with other whitespace changes no value, but it changes the bytes: still named."""
    projector, receipt, positions = projected
    position = pick(positions, "middle")
    events.set_state(position, json.dumps(json.loads(events.state(position)), indent=1).encode())
    result = verify(ledger, projector.engine, receipt)
    assert (result.ok, result.first_bad_position) == (False, position)


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_deleted_event_is_named(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable, where: str
) -> None:
    projector, receipt, positions = projected
    position = pick(positions, where)
    events.delete(position)

    for result in (verify(ledger, projector.engine), verify(ledger, projector.engine, receipt)):
        assert not result.ok
        assert result.first_bad_position == position, result


@pytest.mark.parametrize(("first", "second"), [("first", "last"), ("middle", "last"), ("first", "middle")])
def test_two_swapped_events_are_named_at_the_earlier_position(
    ledger: Ledger,
    projected: tuple[Projector, Receipt, list[int]],
    events: EventsTable,
    first: str,
    second: str,
) -> None:
    projector, receipt, positions = projected
    earlier, later = pick(positions, first), pick(positions, second)
    a, b = events.state(earlier), events.state(later)
    assert a != b
    events.set_state(earlier, b)
    events.set_state(later, a)

    for result in (verify(ledger, projector.engine), verify(ledger, projector.engine, receipt)):
        assert not result.ok
        assert result.first_bad_position == earlier, result


def both(ledger: Ledger, projector: Projector, receipt: Receipt) -> tuple[Verification, Verification]:
    return verify(ledger, projector.engine), verify(ledger, projector.engine, receipt)


def altered(events: EventsTable, position: int) -> None:
    state = json.loads(events.state(position))
    state["actor"] = "mallory"
    events.set_state(position, json.dumps(state).encode())


def test_rebuilding_the_index_over_a_tampered_log_cannot_launder_it(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    """Whoever rewrites an event and then rebuilds the integrity index gets an index that agrees with the log, but
    the chain stored when the event was committed does not: the position is named, with and without a receipt."""
    projector, receipt, positions = projected
    position = pick(positions, "middle")
    altered(events, position)
    projector.rebuild("integrity")
    for result in both(ledger, projector, receipt):
        assert (result.ok, result.first_bad_position) == (False, position), result
        assert "altered" in result.reason


def test_a_moved_event_is_named_where_it_was(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    projector, receipt, positions = projected
    position = pick(positions, "middle")
    events.move_to_end(position)
    for result in both(ledger, projector, receipt):
        assert (result.ok, result.first_bad_position) == (False, position), result
        assert "removed or moved" in result.reason


def test_an_event_inserted_behind_the_ledgers_back_is_named(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    """An event stored without the ledger has no link in the chain written at commit. A receipt covers only the
    history up to it, so with one the insertion after it is not the receipt's business; without, it is named."""
    projector, receipt, positions = projected
    inserted = events.insert_copy(pick(positions, "middle"))
    result = verify(ledger, projector.engine)
    assert (result.ok, result.first_bad_position) == (False, inserted), result
    assert "inserted" in result.reason
    assert verify(ledger, projector.engine, receipt).ok


def test_a_truncated_log_is_named_at_its_first_missing_position(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    projector, receipt, positions = projected
    cut = positions[-3]
    events.truncate_from(cut)
    for result in both(ledger, projector, receipt):
        assert (result.ok, result.first_bad_position) == (False, cut), result


def test_a_log_truncated_with_its_chain_is_named_by_the_receipt(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    """Truncating the events and the stored chain together (and rebuilding the index) leaves a log consistent with
    itself; the receipt still names the first position it covers that is gone."""
    projector, receipt, positions = projected
    cut = positions[-3]
    events.truncate_from(cut)
    ChainTable(events.where.url, CHAIN_TABLE).truncate_from(cut)
    projector.rebuild("integrity")
    assert verify(ledger, projector.engine).ok
    result = verify(ledger, projector.engine, receipt)
    assert (result.ok, result.first_bad_position) == (False, cut), result
    assert "truncated" in result.reason


def test_corrupt_json_is_named(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    projector, receipt, positions = projected
    position = pick(positions, "middle")
    events.set_state(position, b'{"actor": "mall')
    for result in both(ledger, projector, receipt):
        assert (result.ok, result.first_bad_position) == (False, position), result


def test_an_altered_index_is_named(ledger: Ledger, projected: tuple[Projector, Receipt, list[int]]) -> None:
    projector, receipt, positions = projected
    position = pick(positions, "middle")
    with projector.engine.begin() as db:
        db.execute(update(event_index).where(event_index.c.position == position).values(chain="f" * 64))
    for result in both(ledger, projector, receipt):
        assert (result.ok, result.first_bad_position) == (False, position), result
        assert "index" in result.reason


def test_an_altered_link_of_the_stored_chain_is_named(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    projector, receipt, positions = projected
    position = pick(positions, "middle")
    ChainTable(events.where.url, CHAIN_TABLE).set_chain(position, "e" * 64)
    for result in both(ledger, projector, receipt):
        assert (result.ok, result.first_bad_position) == (False, position), result
        assert "chain stored at commit" in result.reason


def test_a_rewrite_of_the_events_and_their_chain_is_named_by_the_index_and_the_receipt(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    """The thorough intruder alters an event and recomputes the chain stored beside the events. The integrity
    index, kept in the read models' own database, still names the position; if the intruder rebuilds that too,
    the receipt still refuses the history (a single hash cannot say where)."""
    projector, receipt, positions = projected
    position = pick(positions, "middle")
    altered(events, position)
    ChainTable(events.where.url, CHAIN_TABLE).relink(positions, {p: events.state(p) for p in positions}, events)
    for result in both(ledger, projector, receipt):
        assert (result.ok, result.first_bad_position) == (False, position), result
    projector.rebuild("integrity")
    assert verify(ledger, projector.engine).ok
    result = verify(ledger, projector.engine, receipt)
    assert (result.ok, result.first_bad_position) == (False, None), result
    assert "receipt" in result.reason


def test_verification_reads_in_windows_and_a_receipt_beyond_the_log_is_answered_at_once(
    ledger: Ledger, projected: tuple[Projector, Receipt, list[int]], events: EventsTable
) -> None:
    """Windows of two events give the same verdicts as one window; a receipt naming a position far past the log
    (2^62) is refused as a truncation without walking the positions in between."""
    projector, receipt, positions = projected
    assert verify(ledger, projector.engine, receipt, batch=2).ok
    far = receipt.model_copy(update={"position": 2**62})
    result = verify(ledger, projector.engine, far, batch=2)
    assert (result.ok, result.first_bad_position) == (False, positions[-1] + 1), result
    position = pick(positions, "middle")
    altered(events, position)
    for result in (verify(ledger, projector.engine, batch=2), verify(ledger, projector.engine, receipt, batch=3)):
        assert (result.ok, result.first_bad_position) == (False, position), result
