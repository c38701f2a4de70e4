"""Course module commands: offer a module, schedule, hold and cancel sessions, enrol participants, record
attendance and completions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from ledger.commands import (
    CancelSession,
    CloseProgramme,
    Command,
    EnrolParticipants,
    FormNetworkGroup,
    HoldSession,
    JoinCompany,
    OfferModule,
    RecordAttendance,
    RecordModuleCompletion,
    ScheduleSession,
)
from ledger.domain.module import CourseModule
from ledger.errors import InvalidInput, NotFound, RuleViolated
from storage.open import open_ledger
from tests.commands_given import (
    CTX,
    DECISION,
    SLUG,
    event_names,
    joined_company,
    launch,
    norwegian_org_numbers,
    not_found,
    participant,
    rejected,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

NUMBER = norwegian_org_numbers(1)[0]
MODULE_TITLE = "Operativt forbedringsarbeid og digitalisert samhandling"


def offer(ledger: Ledger) -> str:
    return ledger.handle(
        CTX,
        OfferModule(
            programme=SLUG,
            title=MODULE_TITLE,
            providers=["OsloMet", "Høgskolen i Østfold"],
            theme="digital collaboration",
            region="Viken",
            competence_areas=["lean", "digitalisation"],
        ),
    ).ids["module_id"]


def schedule(ledger: Ledger, module_id: str, minutes: int = 360) -> str:
    return ledger.handle(
        CTX, ScheduleSession(programme=SLUG, module_id=module_id, starts_on="2020-10-13", place="Moss", minutes=minutes)
    ).ids["session_id"]


@pytest.fixture
def module(ledger: Ledger) -> tuple[Ledger, str]:
    launch(ledger)
    joined_company(ledger, NUMBER)
    return ledger, offer(ledger)


def enrolled(ledger: Ledger, module_id: str, count: int = 1) -> list[str]:
    pids = [participant(ledger, NUMBER) for _ in range(count)]
    ledger.handle(CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=pids))
    return pids


def held(ledger: Ledger, module_id: str, minutes: int = 360) -> str:
    session_id = schedule(ledger, module_id, minutes)
    ledger.handle(CTX, HoldSession(programme=SLUG, module_id=module_id, session_id=session_id))
    return session_id


# --- offer_module --------------------------------------------------------------------------------------------


def test_given_programme_when_module_offered_then_module_recorded(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    found = ledger.module(module_id)
    assert (found.title, found.providers, found.region) == (MODULE_TITLE, ["OsloMet", "Høgskolen i Østfold"], "Viken")
    assert found.competence_areas == ["lean", "digitalisation"]
    assert found.programme_id == str(ledger.programme(SLUG).id)
    assert event_names(ledger, found.id) == ["ModuleOffered"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"title": ""}, "title"),
        ({"providers": []}, "providers"),
        ({"providers": ["OsloMet", 3]}, "providers[1]"),
        ({"theme": None}, "theme"),
        ({"region": " "}, "region"),
        ({"competence_areas": [""]}, "competence_areas[0]"),
    ],
)
def test_given_bad_input_when_module_offered_then_rejected_naming_the_field(
    ledger: Ledger, override: dict[str, Any], field: str
) -> None:
    launch(ledger)
    args = {"programme": SLUG, "title": "t", "providers": ["p"], "theme": "t", "region": "r", **override}
    rejected(ledger, lambda: ledger.handle(CTX, OfferModule(**args)), InvalidInput, field=field)


def test_given_no_or_closed_programme_when_module_offered_then_rejected(ledger: Ledger) -> None:
    not_found(ledger, lambda: offer(ledger), "programme")
    launch(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(ledger, lambda: offer(ledger), RuleViolated, rule="programme_closed")


# --- schedule_session / hold_session / cancel_session ----------------------------------------------------------


def test_given_module_when_session_scheduled_and_held_then_status_follows(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    result = ledger.handle(
        CTX,
        ScheduleSession(
            programme=SLUG, module_id=module_id, starts_on=date(2020, 10, 13), place="Moss", online=False, minutes=300
        ),
    )
    session_id = result.ids["session_id"]
    assert ledger.module(module_id).sessions[session_id] == {
        "starts_on": date(2020, 10, 13),
        "minutes": 300,
        "status": "scheduled",
        "since": date.today().isoformat(),  # the day its scheduling took effect: a holding may not precede it
    }
    ledger.handle(CTX, HoldSession(programme=SLUG, module_id=module_id, session_id=session_id))
    assert ledger.module(module_id).sessions[session_id]["status"] == "held"
    assert event_names(ledger, uuid.UUID(module_id))[-2:] == ["SessionScheduled", "SessionHeld"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"starts_on": "13.10.2020"}, "starts_on"),
        ({"place": ""}, "place"),
        ({"online": "yes"}, "online"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 1441}, "minutes"),
        ({"minutes": 90.5}, "minutes"),
        ({"module_id": "m-1"}, "module_id"),
    ],
)
def test_given_bad_input_when_session_scheduled_then_rejected_naming_the_field(
    module: tuple[Ledger, str], override: dict[str, Any], field: str
) -> None:
    ledger, module_id = module
    args = {"programme": SLUG, "module_id": module_id, "starts_on": "2020-10-13", "place": "Moss", **override}
    rejected(ledger, lambda: ledger.handle(CTX, ScheduleSession(**args)), InvalidInput, field=field)


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        (ScheduleSession, {"starts_on": "2020-10-13", "place": "Moss"}),
        (HoldSession, {"session_id": str(uuid.uuid4())}),
        (CancelSession, {"session_id": str(uuid.uuid4()), "reason": "r"}),
        (EnrolParticipants, {"participant_ids": [str(uuid.uuid4())]}),
        (RecordModuleCompletion, {"participant_id": str(uuid.uuid4())}),
        (
            RecordAttendance,
            {"session_id": str(uuid.uuid4()), "attendance": [{"participant_id": str(uuid.uuid4()), "minutes": 1}]},
        ),
    ],
)
def test_given_unknown_module_when_module_command_runs_then_not_found(
    module: tuple[Ledger, str], command: type[Command], extra: dict[str, Any]
) -> None:
    ledger, _ = module
    not_found(
        ledger, lambda: ledger.handle(CTX, command(programme=SLUG, module_id=str(uuid.uuid4()), **extra)), "module"
    )
    group_id = ledger.handle(CTX, FormNetworkGroup(programme=SLUG, name="n", basis="theme")).ids["group_id"]
    not_found(ledger, lambda: ledger.handle(CTX, command(programme=SLUG, module_id=group_id, **extra)), "module")


def test_given_closed_programme_when_session_scheduled_then_rejected(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: schedule(ledger, module_id),
        RuleViolated,
        rule="programme_closed",
        unchanged=[uuid.UUID(module_id)],
    )


@pytest.mark.parametrize("command", [HoldSession, CancelSession])
def test_given_unknown_session_when_held_or_cancelled_then_rejected(
    module: tuple[Ledger, str], command: type[Command]
) -> None:
    ledger, module_id = module
    extra = {"reason": "snow"} if command.command == "cancel_session" else {}
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, module_id=module_id, session_id=str(uuid.uuid4()), **extra)),
        NotFound,
        unchanged=[uuid.UUID(module_id)],
    )


@pytest.mark.parametrize("command", [HoldSession, CancelSession])
@pytest.mark.parametrize("status", ["held", "cancelled"])
def test_given_session_no_longer_scheduled_when_held_or_cancelled_then_rejected(
    module: tuple[Ledger, str], command: type[Command], status: str
) -> None:
    ledger, module_id = module
    session_id = schedule(ledger, module_id)
    if status == "held":
        ledger.handle(CTX, HoldSession(programme=SLUG, module_id=module_id, session_id=session_id))
    else:
        ledger.handle(CTX, CancelSession(programme=SLUG, module_id=module_id, session_id=session_id, reason="snow"))
    extra = {"reason": "again"} if command.command == "cancel_session" else {}
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, module_id=module_id, session_id=session_id, **extra)),
        RuleViolated,
        rule="session_not_scheduled",
        unchanged=[uuid.UUID(module_id)],
    )


def test_given_scheduled_session_when_cancelled_then_cancelled_with_reason(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    session_id = schedule(ledger, module_id)
    ledger.handle(
        CTX, CancelSession(programme=SLUG, module_id=module_id, session_id=session_id, reason="pandemic restrictions")
    )
    assert ledger.module(module_id).sessions[session_id]["status"] == "cancelled"
    assert list(ledger.events.get(uuid.UUID(module_id)))[-1].reason == "pandemic restrictions"


def test_given_bad_input_when_session_held_or_cancelled_then_rejected_naming_the_field(
    module: tuple[Ledger, str],
) -> None:
    ledger, module_id = module
    session_id = schedule(ledger, module_id)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, HoldSession(programme=SLUG, module_id=module_id, session_id="s")),
        InvalidInput,
        field="session_id",
    )
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, CancelSession(programme=SLUG, module_id=module_id, session_id=session_id, reason="")
        ),
        InvalidInput,
        field="reason",
    )


# --- enrol_participants ----------------------------------------------------------------------------------------


def test_given_participants_when_enrolled_then_enrolled_not_completed(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    pids = enrolled(ledger, module_id, count=7)  # SEW Eurodrive sent seven employees
    assert ledger.module(module_id).enrolled == dict.fromkeys(pids, False)
    assert event_names(ledger, uuid.UUID(module_id)).count("ParticipantEnrolled") == 7


def test_given_one_enrolled_when_batch_repeats_them_then_whole_batch_rejected(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    (first,) = enrolled(ledger, module_id)
    newcomer = participant(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=[newcomer, first])
        ),
        RuleViolated,
        rule="already_enrolled",
        unchanged=[uuid.UUID(module_id)],
    )
    assert newcomer not in ledger.module(module_id).enrolled


def test_given_unknown_participant_in_batch_when_enrolled_then_whole_batch_rejected(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    known = participant(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=[known, str(uuid.uuid4())])
        ),
        RuleViolated,
        rule="participant_unknown",
        unchanged=[uuid.UUID(module_id)],
    )
    assert ledger.module(module_id).enrolled == {}


def test_given_participant_of_another_programme_when_enrolled_then_rejected(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    launch(ledger, slug="kongsberg")
    ledger.handle(CTX, JoinCompany(programme="kongsberg", org_number=NUMBER))
    outsider = participant(ledger, NUMBER, slug="kongsberg")
    rejected(
        ledger,
        lambda: ledger.handle(CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=[outsider])),
        RuleViolated,
        rule="participant_unknown",
    )


@pytest.mark.parametrize(
    ("participant_ids", "field"),
    [([], "participant_ids"), ("p", "participant_ids"), (["nope"], "participant_ids[0]")],
)
def test_given_bad_ids_when_enrolled_then_rejected_naming_the_field(
    module: tuple[Ledger, str], participant_ids: Any, field: str
) -> None:
    ledger, module_id = module
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=participant_ids)
        ),
        InvalidInput,
        field=field,
    )


def test_given_same_participant_twice_in_batch_when_enrolled_then_rejected(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    pid = participant(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=[pid, pid])),
        InvalidInput,
        field="participant_ids",
    )


def test_given_closed_programme_when_enrolled_then_rejected(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    pid = participant(ledger, NUMBER)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=[pid])),
        RuleViolated,
        rule="programme_closed",
    )


# --- record_attendance -----------------------------------------------------------------------------------------


def test_given_held_session_when_attendance_recorded_then_one_event_per_participant_in_one_save(
    module: tuple[Ledger, str],
) -> None:
    ledger, module_id = module
    pids = enrolled(ledger, module_id, count=3)
    session_id = held(ledger, module_id)
    rows = [{"participant_id": pid, "minutes": 300 + i} for i, pid in enumerate(pids)]
    before = ledger.recorder.max_notification_id() or 0
    result = ledger.handle(
        CTX, RecordAttendance(programme=SLUG, module_id=module_id, session_id=session_id, attendance=rows)
    )
    assert result.position == before + 3
    assert ledger.module(module_id).attended[session_id] == {pid: 300 + i for i, pid in enumerate(pids)}
    events = list(ledger.events.get(uuid.UUID(module_id)))[-3:]
    assert [(e.participant_id, e.minutes) for e in events] == [(pid, 300 + i) for i, pid in enumerate(pids)]


@pytest.mark.parametrize("status", ["scheduled", "cancelled"])
def test_given_session_not_held_when_attendance_recorded_then_rejected(module: tuple[Ledger, str], status: str) -> None:
    ledger, module_id = module
    (pid,) = enrolled(ledger, module_id)
    session_id = schedule(ledger, module_id)
    if status == "cancelled":
        ledger.handle(CTX, CancelSession(programme=SLUG, module_id=module_id, session_id=session_id, reason="r"))
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX,
            RecordAttendance(
                programme=SLUG,
                module_id=module_id,
                session_id=session_id,
                attendance=[{"participant_id": pid, "minutes": 60}],
            ),
        ),
        RuleViolated,
        rule="session_not_held",
        unchanged=[uuid.UUID(module_id)],
    )


def test_given_attendance_rules_when_broken_then_each_rejected(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    (pid,) = enrolled(ledger, module_id)
    stranger = participant(ledger, NUMBER)
    session_id = held(ledger, module_id, minutes=120)

    def attend(who: str, minutes: int, session: str = session_id) -> Any:
        return ledger.handle(
            CTX,
            RecordAttendance(
                programme=SLUG,
                module_id=module_id,
                session_id=session,
                attendance=[{"participant_id": who, "minutes": minutes}],
            ),
        )

    unchanged = [uuid.UUID(module_id)]
    rejected(ledger, lambda: attend(stranger, 60), RuleViolated, rule="not_enrolled", unchanged=unchanged)
    rejected(ledger, lambda: attend(pid, 121), RuleViolated, rule="attendance_exceeds_session", unchanged=unchanged)
    rejected(ledger, lambda: attend(pid, 60, str(uuid.uuid4())), NotFound, unchanged=unchanged)
    attend(pid, 120)
    rejected(ledger, lambda: attend(pid, 60), RuleViolated, rule="attendance_exists", unchanged=unchanged)


def test_given_batch_with_one_bad_row_when_attendance_recorded_then_nothing_recorded(
    module: tuple[Ledger, str],
) -> None:
    ledger, module_id = module
    first, second = enrolled(ledger, module_id, count=2)
    session_id = held(ledger, module_id, minutes=60)
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX,
            RecordAttendance(
                programme=SLUG,
                module_id=module_id,
                session_id=session_id,
                attendance=[{"participant_id": first, "minutes": 60}, {"participant_id": second, "minutes": 61}],
            ),
        ),
        RuleViolated,
        rule="attendance_exceeds_session",
        unchanged=[uuid.UUID(module_id)],
    )
    assert ledger.module(module_id).attended[session_id] == {}


@pytest.mark.parametrize(
    ("attendance", "field"),
    [
        ([], "attendance"),
        ({"participant_id": "x"}, "attendance"),
        (["row"], "attendance[0]"),
        ([{"participant_id": "p", "minutes": 5}], "attendance[0].participant_id"),
        ([{"participant_id": str(uuid.uuid4()), "minutes": 0}], "attendance[0].minutes"),
        ([{"participant_id": str(uuid.uuid4())}], "attendance[0].minutes"),
    ],
)
def test_given_bad_rows_when_attendance_recorded_then_rejected_naming_the_field(
    module: tuple[Ledger, str], attendance: Any, field: str
) -> None:
    ledger, module_id = module
    session_id = held(ledger, module_id)
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, RecordAttendance(programme=SLUG, module_id=module_id, session_id=session_id, attendance=attendance)
        ),
        InvalidInput,
        field=field,
    )


# --- record_module_completion ----------------------------------------------------------------------------------


def test_given_enrolled_participant_when_completion_recorded_then_completed(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    (pid,) = enrolled(ledger, module_id)
    ledger.handle(CTX, RecordModuleCompletion(programme=SLUG, module_id=module_id, participant_id=pid))
    assert ledger.module(module_id).enrolled == {pid: True}
    assert event_names(ledger, uuid.UUID(module_id))[-1] == "ModuleCompleted"


def test_given_completion_rules_when_broken_then_each_rejected(module: tuple[Ledger, str]) -> None:
    ledger, module_id = module
    (pid,) = enrolled(ledger, module_id)
    unchanged = [uuid.UUID(module_id)]
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, RecordModuleCompletion(programme=SLUG, module_id=module_id, participant_id=str(uuid.uuid4()))
        ),
        RuleViolated,
        rule="not_enrolled",
        unchanged=unchanged,
    )
    ledger.handle(CTX, RecordModuleCompletion(programme=SLUG, module_id=module_id, participant_id=pid))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, RecordModuleCompletion(programme=SLUG, module_id=module_id, participant_id=pid)),
        RuleViolated,
        rule="already_completed",
        unchanged=unchanged,
    )
    rejected(
        ledger,
        lambda: ledger.handle(CTX, RecordModuleCompletion(programme=SLUG, module_id=module_id, participant_id="p")),
        InvalidInput,
        field="participant_id",
    )


def test_given_a_module_past_its_snapshot_interval_when_loaded_afresh_then_it_equals_the_state_built_by_its_events(
    module: tuple[Ledger, str], store_url: str
) -> None:
    """A snapshot is taken from memory when a save crosses the interval; a cold load from it must give the same
    state as applying every event did."""

    ledger, module_id = module
    interval = ledger.snapshotting_intervals[CourseModule]
    pids = enrolled(ledger, module_id, count=60)
    while ledger.module(module_id).version <= interval + 5:
        session_id = held(ledger, module_id, minutes=120)
        ledger.handle(
            CTX,
            RecordAttendance(
                programme=SLUG,
                module_id=module_id,
                session_id=session_id,
                attendance=[{"participant_id": pid, "minutes": 90} for pid in pids],
            ),
        )
    assert ledger.snapshots is not None
    assert list(ledger.snapshots.get(uuid.UUID(module_id), desc=True, limit=1))
    warm = ledger.module(module_id)
    fresh = open_ledger(store_url)
    try:
        cold = fresh.module(module_id)
        assert (cold.version, cold.sessions, cold.enrolled, cold.attended) == (
            warm.version, warm.sessions, warm.enrolled, warm.attended,
        )  # fmt: skip
    finally:
        fresh.close()
