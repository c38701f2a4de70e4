"""Participant commands: register (pseudonymous id, ESF attributes, identity sealed in the vault, participant cap),
leave, re-enter (the first entry's attributes are kept), erase, and reading an identity."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from ledger.application import Ctx, Ledger
from ledger.commands import (
    CloseProgramme,
    Command,
    CompleteCompany,
    EnrolParticipants,
    EraseParticipant,
    JoinCompany,
    OfferModule,
    PresentCompany,
    RecordParticipantLeft,
    ReenterParticipant,
    RegisterParticipant,
    WithdrawCompany,
)
from ledger.domain.programme import Programme
from ledger.errors import IdempotencyConflict, InvalidInput, NotFound, RuleViolated
from ledger.identity import Identity
from storage.settings import StoreLocation
from tests.commands_given import (
    ACTOR,
    CTX,
    DECISION,
    SLUG,
    event_names,
    joined_company,
    last_event,
    launch,
    no_key,
    norwegian_org_numbers,
    not_found,
    participant,
    position,
    register_company,
    rejected,
)

PROGRAMME_ID = Programme.create_id(SLUG)
NUMBER = norwegian_org_numbers(1)[0]
KARI = {"name": "Kari Nordmann", "email": "kari@sew.example", "personal_number": "01019012345"}


def given_joined(ledger: Ledger, caps: dict[str, int] | None = None) -> None:
    launch(ledger, caps=caps if caps is not None else {"companies": 40})
    joined_company(ledger, NUMBER)


# --- register_participant ----------------------------------------------------------------------------------


def test_given_joined_company_when_participant_registered_then_pseudonymous_event_with_esf_attributes(
    ledger: Ledger,
) -> None:
    given_joined(ledger)
    result = ledger.handle(
        CTX,
        RegisterParticipant(
            programme=SLUG,
            org_number=NUMBER,
            target_group="furloughed",
            gender="female",
            age_band="30_54",
            employment_status="employed",
            education_level="isced_3_4",
            identity=KARI,
        ),
    )
    pid = result.ids["participant_id"]
    assert uuid.UUID(pid)
    programme = ledger.programme(SLUG)
    assert programme.participant_count == 1
    assert programme.participants[pid] == {
        "org_number": no_key(NUMBER),
        "target_group": "furloughed",
        "entries": 1,
        "left": False,
        "erased": False,
        "since": date.today().isoformat(),  # an exit or a re-entry may not precede it
        "registered_on": date.today().isoformat(),
    }
    event = last_event(ledger, PROGRAMME_ID)
    assert type(event).__name__ == "ParticipantRegistered"
    assert event.participant_id == pid
    assert event.attributes == {
        "gender": "female",
        "age_band": "30_54",
        "employment_status": "employed",
        "education_level": "isced_3_4",
    }
    assert "Kari" not in repr(event.__dict__)
    assert ledger.read_identity(pid) == Identity(**KARI)


def test_given_missing_attributes_when_participant_registered_then_they_are_recorded_as_missing(
    ledger: Ledger,
) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER)
    assert last_event(ledger, PROGRAMME_ID).attributes == {
        "gender": None,
        "age_band": None,
        "employment_status": None,
        "education_level": None,
    }
    not_found(ledger, lambda: ledger.read_identity(pid), "participant identity (none recorded, or erased)")


def test_given_chosen_participant_id_when_registered_then_that_id_is_used(ledger: Ledger) -> None:
    given_joined(ledger)
    pid = str(uuid.uuid4())
    assert participant(ledger, NUMBER, participant_id=pid) == pid
    assert ledger.programme(SLUG).has_participant(pid)


def test_given_registered_participant_when_same_id_registered_again_then_rejected_and_no_identity_left(
    ledger: Ledger,
) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER, identity=KARI)
    rejected(
        ledger,
        lambda: participant(ledger, NUMBER, participant_id=pid, identity={"name": "Someone Else"}),
        RuleViolated,
        rule="participant_exists",
        unchanged=[PROGRAMME_ID],
    )
    assert ledger.read_identity(pid) == Identity(**KARI)


def test_given_participant_cap_reached_when_participant_registered_then_rejected_and_identity_not_kept(
    ledger: Ledger,
) -> None:
    given_joined(ledger, caps={"companies": 40, "participants": 2})
    participant(ledger, NUMBER)
    participant(ledger, NUMBER)
    pid = str(uuid.uuid4())
    rejected(
        ledger,
        lambda: participant(ledger, NUMBER, participant_id=pid, identity=KARI),
        RuleViolated,
        rule="participant_cap_reached",
        unchanged=[PROGRAMME_ID],
    )
    not_found(ledger, lambda: ledger.read_identity(pid), "participant identity (none recorded, or erased)")
    assert ledger.programme(SLUG).participant_count == 2


@pytest.mark.parametrize("stage", [None, "presented", "withdrawn", "completed"])
def test_given_company_not_active_when_participant_registered_then_rejected(ledger: Ledger, stage: str | None) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    if stage == "presented":
        ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER))
    if stage in ("withdrawn", "completed"):
        ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER))
    if stage == "withdrawn":
        ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=NUMBER, reason="x"))
    if stage == "completed":
        ledger.handle(CTX, CompleteCompany(programme=SLUG, org_number=NUMBER))
    rejected(
        ledger,
        lambda: participant(ledger, NUMBER),
        RuleViolated,
        rule="company_not_active",
        unchanged=[PROGRAMME_ID],
    )


def test_given_closed_programme_when_participant_registered_then_rejected(ledger: Ledger) -> None:
    given_joined(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(ledger, lambda: participant(ledger, NUMBER), RuleViolated, rule="programme_closed")


def test_given_no_programme_when_participant_registered_then_not_found(ledger: Ledger) -> None:
    not_found(ledger, lambda: participant(ledger, NUMBER, slug="nowhere"), "programme")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"target_group": "retired"}, "target_group"),
        ({"gender": "unknown"}, "gender"),
        ({"age_band": "18-29"}, "age_band"),
        ({"employment_status": "self-employed"}, "employment_status"),
        ({"education_level": "isced_9"}, "education_level"),
        ({"participant_id": "not-a-uuid"}, "participant_id"),
        ({"org_number": "123456789"}, "org_number"),
        ({"identity": "Kari Nordmann"}, "identity"),
        ({"identity": {"name": "Kari", "phone": "123"}}, "identity"),
        ({"identity": {"email": "kari@example"}}, "identity.name"),
        ({"identity": {"name": "Kari", "email": ""}}, "identity.email"),
        ({"identity": {"name": "Kari", "personal_number": 123}}, "identity.personal_number"),
        ({"programme": "Bad Slug"}, "programme"),
    ],
)
def test_given_bad_input_when_participant_registered_then_rejected_naming_the_field(
    ledger: Ledger, extra: dict[str, object], field: str
) -> None:
    given_joined(ledger)
    args: dict[str, object] = {"programme": SLUG, "org_number": NUMBER, "target_group": "employed", **extra}
    rejected(ledger, lambda: ledger.handle(CTX, RegisterParticipant(**args)), InvalidInput, field=field)


def test_given_participant_registered_under_key_when_retried_then_same_participant_and_no_second_identity(
    ledger: Ledger,
) -> None:
    given_joined(ledger)
    ctx = Ctx(actor=ACTOR, idempotency_key="register-kari")
    first = ledger.handle(
        ctx, RegisterParticipant(programme=SLUG, org_number=NUMBER, target_group="employed", identity=KARI)
    )
    before = position(ledger)
    again = ledger.handle(
        ctx, RegisterParticipant(programme=SLUG, org_number=NUMBER, target_group="employed", identity=KARI)
    )
    assert again.replayed and again.ids == first.ids
    assert position(ledger) == before
    assert ledger.programme(SLUG).participant_count == 1
    with pytest.raises(IdempotencyConflict):
        ledger.handle(
            ctx,
            RegisterParticipant(
                programme=SLUG, org_number=NUMBER, target_group="employed", identity={"name": "Ola Nordmann"}
            ),
        )
    assert position(ledger) == before


# --- record_participant_left / reenter_participant -------------------------------------------------------------


def test_given_participant_when_left_and_reentered_then_entries_counted_and_first_attributes_kept(
    ledger: Ledger,
) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER, gender="male", age_band="55_plus")
    ledger.handle(CTX, RecordParticipantLeft(programme=SLUG, participant_id=pid))
    assert ledger.programme(SLUG).participants[pid]["left"] is True
    ledger.handle(CTX, ReenterParticipant(programme=SLUG, participant_id=pid))
    programme = ledger.programme(SLUG)
    assert programme.participants[pid]["left"] is False
    assert programme.participants[pid]["entries"] == 2
    assert programme.participant_count == 1
    assert event_names(ledger, PROGRAMME_ID)[-2:] == ["ParticipantLeft", "ParticipantReentered"]
    registered = [e for e in ledger.events.get(PROGRAMME_ID) if type(e).__name__ == "ParticipantRegistered"]
    assert len(registered) == 1
    assert registered[0].attributes["gender"] == "male"


def test_given_participant_left_when_left_again_then_rejected(ledger: Ledger) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER)
    ledger.handle(CTX, RecordParticipantLeft(programme=SLUG, participant_id=pid))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, RecordParticipantLeft(programme=SLUG, participant_id=pid)),
        RuleViolated,
        rule="participant_already_left",
        unchanged=[PROGRAMME_ID],
    )


def test_given_participant_present_when_reentered_then_rejected(ledger: Ledger) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, ReenterParticipant(programme=SLUG, participant_id=pid)),
        RuleViolated,
        rule="participant_not_left",
        unchanged=[PROGRAMME_ID],
    )


@pytest.mark.parametrize("command", [RecordParticipantLeft, ReenterParticipant, EraseParticipant])
def test_given_unknown_participant_when_command_runs_then_rejected(ledger: Ledger, command: type[Command]) -> None:
    given_joined(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, participant_id=str(uuid.uuid4()))),
        RuleViolated,
        rule="participant_unknown",
        unchanged=[PROGRAMME_ID],
    )


@pytest.mark.parametrize("command", [RecordParticipantLeft, ReenterParticipant, EraseParticipant])
def test_given_erased_participant_when_command_runs_then_rejected(ledger: Ledger, command: type[Command]) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER)
    ledger.handle(CTX, EraseParticipant(programme=SLUG, participant_id=pid))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, participant_id=pid)),
        RuleViolated,
        rule="participant_erased",
        unchanged=[PROGRAMME_ID],
    )


@pytest.mark.parametrize("command", [RecordParticipantLeft, ReenterParticipant, EraseParticipant])
def test_given_bad_participant_id_when_command_runs_then_rejected_naming_the_field(
    ledger: Ledger, command: type[Command]
) -> None:
    given_joined(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, participant_id="kari")),
        InvalidInput,
        field="participant_id",
    )


@pytest.mark.parametrize("command", [RecordParticipantLeft, ReenterParticipant, EraseParticipant])
def test_given_no_programme_when_participant_command_runs_then_not_found(
    ledger: Ledger, command: type[Command]
) -> None:
    not_found(
        ledger,
        lambda: ledger.handle(CTX, command(programme="nowhere", participant_id=str(uuid.uuid4()))),
        "programme",
    )


@pytest.mark.parametrize("command", [RecordParticipantLeft, ReenterParticipant])
def test_given_closed_programme_when_participant_leaves_or_reenters_then_rejected(
    ledger: Ledger, command: type[Command]
) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, participant_id=pid)),
        RuleViolated,
        rule="programme_closed",
    )


# --- erase_participant / read_identity ------------------------------------------------------------------------


def test_given_participant_with_identity_when_erased_then_identity_gone_and_counts_unchanged(ledger: Ledger) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER, identity=KARI, gender="female")
    ledger.handle(CTX, EraseParticipant(programme=SLUG, participant_id=pid))
    programme = ledger.programme(SLUG)
    assert programme.participant_count == 1
    assert programme.participant_erased(pid)
    assert event_names(ledger, PROGRAMME_ID)[-1] == "ParticipantErased"
    not_found(ledger, lambda: ledger.read_identity(pid), "participant identity (none recorded, or erased)")


def test_given_closed_programme_when_participant_erased_then_erased_because_gdpr_does_not_wait(
    ledger: Ledger,
) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER, identity=KARI)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    ledger.handle(CTX, EraseParticipant(programme=SLUG, participant_id=pid))
    assert ledger.programme(SLUG).participant_erased(pid)
    with pytest.raises(NotFound):
        ledger.read_identity(pid)


def test_given_erased_participant_when_enrolled_or_held_for_then_rejected(ledger: Ledger) -> None:
    given_joined(ledger)
    pid = participant(ledger, NUMBER)
    ledger.handle(CTX, EraseParticipant(programme=SLUG, participant_id=pid))
    module_id = ledger.handle(
        CTX, OfferModule(programme=SLUG, title="Module 1", providers=["OsloMet"], theme="digital", region="Viken")
    ).ids["module_id"]
    rejected(
        ledger,
        lambda: ledger.handle(CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=[pid])),
        RuleViolated,
        rule="participant_erased",
    )


def test_given_bad_id_when_identity_read_then_rejected_naming_the_field(ledger: Ledger) -> None:
    with pytest.raises(InvalidInput) as caught:
        ledger.read_identity("kari")
    assert caught.value.field == "participant_id"


def test_given_ledger_without_vault_when_identity_given_then_rejected(sqlite_url: str) -> None:

    bare = Ledger(env=StoreLocation(sqlite_url).event_store_env())
    try:
        given_joined(bare)
        rejected(bare, lambda: participant(bare, NUMBER, identity=KARI), RuleViolated, rule="no_identity_vault")
        pid = participant(bare, NUMBER)
        assert bare.programme(SLUG).has_participant(pid)
    finally:
        bare.close()


def test_given_participant_in_one_programme_when_registered_in_another_under_the_same_id_then_identity_kept_once(
    sqlite_ledger: Ledger,
) -> None:
    ledger = sqlite_ledger
    given_joined(ledger)
    for slug in ("second", "third"):
        launch(ledger, slug=slug)
        ledger.handle(CTX, JoinCompany(programme=slug, org_number=NUMBER))
    pid = ledger.handle(
        CTX, RegisterParticipant(programme=SLUG, org_number=NUMBER, target_group="employed", identity=KARI)
    ).ids["participant_id"]
    again = ledger.handle(
        CTX,
        RegisterParticipant(
            programme="second", org_number=NUMBER, target_group="employed", identity=KARI, participant_id=pid
        ),
    )
    assert again.ids["participant_id"] == pid
    assert ledger.read_identity(pid).name == KARI["name"]
    before = position(ledger)
    with pytest.raises(RuleViolated) as refused:
        ledger.handle(
            CTX,
            RegisterParticipant(
                programme="third",
                org_number=NUMBER,
                target_group="employed",
                identity={"name": "Someone Else"},
                participant_id=pid,
            ),
        )
    assert refused.value.rule == "participant_identity_differs"
    assert position(ledger) == before
    assert ledger.read_identity(pid).name == KARI["name"]
