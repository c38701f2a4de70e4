"""What the scenarios share: organisation numbers with valid check digits, the company catalogue, synthetic people,
deterministic participant ids, and a small recorder that issues commands with an actor and an effective date.

Every number and name here is generated from a fixed base, so two loads record the same facts. The organisation
numbers are synthetic: their check digits are valid (Norway MOD11, Sweden Luhn), but they are not the numbers of
the real companies named in the articles, and any match with a real registration is a coincidence."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from stdnum import luhn
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from ledger.application import CommandResult, Ctx, Ledger
from ledger.commands import HoldSession, RecordAttendance, RegisterCompany, RegisterParticipant, ScheduleSession
from ledger.errors import NotFound

if TYPE_CHECKING:
    import random
    from collections.abc import Iterator

SCENARIO_NAMESPACE = uuid.UUID("3a4f0c55-1f0e-4b8e-9d7e-5c2b7f1d9e01")
REGISTRY_ACTOR = "registry@programme-ledger"

# --- organisation numbers ------------------------------------------------------------------------------------

_NO_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def no_check_digit(base: str) -> int | None:
    """The MOD11 check digit of an 8-digit Norwegian base, or None when the base has no valid check digit.
    (python-stdnum 2.2 has `checksum` and `validate` for Norway but no `calc_check_digit`, hence this.)"""
    remainder = sum(w * int(d) for w, d in zip(_NO_WEIGHTS, base, strict=True)) % 11
    digit = (11 - remainder) % 11
    return None if digit == 10 else digit


def norwegian_org_numbers(start: int) -> Iterator[str]:
    """Valid 9-digit Norwegian numbers counting up from an 8-digit base, skipping bases without a check digit."""
    base = start
    while True:
        text = f"{base:08d}"
        digit = no_check_digit(text)
        if digit is not None:
            yield no_orgnr.validate(text + str(digit))
        base += 1


def swedish_org_numbers(start: int) -> Iterator[str]:
    """Valid 10-digit Swedish numbers (NNNNNN-NNNN, Luhn) counting up from a 9-digit base."""
    base = start
    while True:
        text = f"{base:09d}"
        number = se_orgnr.validate(text + luhn.calc_check_digit(text))
        yield f"{number[:6]}-{number[6:]}"
        base += 1


def take(numbers: Iterator[str], count: int) -> list[str]:
    return [next(numbers) for _ in range(count)]


# --- companies -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanySpec:
    org_number: str
    name: str
    region: str
    sector: str
    size: str
    registered_on: date


def ensure_company(ledger: Ledger, spec: CompanySpec) -> bool:
    """Registers a company unless it is already registered (companies take part in several programmes).
    The registration is the same whichever scenario registers it first. Returns whether it registered."""
    try:
        ledger.company(spec.org_number)
    except NotFound:
        ledger.handle(
            Ctx(actor=REGISTRY_ACTOR),
            RegisterCompany(
                org_number=spec.org_number,
                name=spec.name,
                region=spec.region,
                sector=spec.sector,
                size=spec.size,
                effective_on=spec.registered_on,
            ),
        )
        return True
    return False


# Companies that appear in more than one programme. The two named in seed 000 are real companies; their
# numbers here are synthetic (see the module docstring).
_SHARED_NO = norwegian_org_numbers(91_550_000)
SEW_EURODRIVE = CompanySpec(
    next(_SHARED_NO), "SEW-Eurodrive AS", "Østfold", "elektromekanisk industri", "medium", date(2019, 1, 15)
)
TROSTERUD = CompanySpec(
    next(_SHARED_NO), "Trosterud Mekaniske Verksted AS", "Oslo", "mekanisk industri", "small", date(2019, 1, 15)
)
MOSS_PLAST = CompanySpec(
    next(_SHARED_NO), "Jeløy Plastindustri AS", "Østfold", "plastindustri", "small", date(2019, 1, 15)
)
SARPSBORG_STAAL = CompanySpec(
    next(_SHARED_NO), "Sarpsborg Stålkonstruksjon AS", "Østfold", "metallindustri", "medium", date(2019, 1, 15)
)
SHARED_COMPANIES = (SEW_EURODRIVE, TROSTERUD, MOSS_PLAST, SARPSBORG_STAAL)


# --- synthetic people ----------------------------------------------------------------------------------------

NO_FIRST = (
    "Kari", "Ola", "Ingrid", "Lars", "Nora", "Emil", "Sofie", "Jonas", "Ida", "Henrik",
    "Maja", "Sander", "Thea", "Magnus", "Hanna", "Tobias", "Sara", "Kristian", "Eli", "Per",
)  # fmt: skip
NO_LAST = ("Testesen", "Eksempelsen", "Fiktivsen", "Prøvesen", "Demodal", "Plassholder", "Dummyrud", "Oppdiktet")
SE_FIRST = (
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Lena", "Mikael",
    "Sara", "Per", "Emma", "Oskar", "Elin", "Nils", "Ebba", "Viktor", "Frida", "Axel",
)  # fmt: skip
SE_LAST = ("Exempelsson", "Testsson", "Fiktivberg", "Påhittad", "Provlund", "Dummström", "Demoqvist", "Låtsasson")


def _ascii(text: str) -> str:
    replaced = text.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    return unicodedata.normalize("NFKD", replaced).encode("ascii", "ignore").decode()


def fake_identity(rng: random.Random, number: int, swedish: bool = False) -> dict[str, Any]:
    """A clearly fictitious person: an invented surname and an address at the reserved example.org domain."""
    first = rng.choice(SE_FIRST if swedish else NO_FIRST)
    last = rng.choice(SE_LAST if swedish else NO_LAST)
    return {"name": f"{first} {last}", "email": f"{_ascii(first)}.{_ascii(last)}.{number:04d}@example.org"}


def participant_id(slug: str, number: int) -> str:
    """Participant ids are pseudonymous and, in the scenarios, stable from load to load."""
    return str(uuid.uuid5(SCENARIO_NAMESPACE, f"{slug}:participant:{number}"))


# --- issuing commands ----------------------------------------------------------------------------------------


def by(actor: str) -> Ctx:
    """The context of a command recorded by `actor` (its effective date is a field of the command)."""
    return Ctx(actor=actor)


@dataclass
class Loaded:
    """What loading one scenario recorded."""

    programme: str
    companies: int
    participants: int
    events: int
    ids: dict[str, str] = field(default_factory=dict)


def log_position(ledger: Ledger) -> int:
    return int(ledger.recorder.max_notification_id() or 0)


def register_participant(
    ledger: Ledger,
    ctx: Ctx,
    day: date | str,
    *,
    slug: str,
    number: int,
    org_number: str,
    target_group: str,
    rng: random.Random,
    swedish: bool = False,
    **attributes: str | None,
) -> str:
    """Registers participant `number` of a scenario under its stable pseudonymous id, with a fake identity."""
    pid = participant_id(slug, number)
    ledger.handle(
        ctx,
        RegisterParticipant(
            programme=slug,
            org_number=org_number,
            target_group=target_group,
            identity=fake_identity(rng, number, swedish),
            participant_id=pid,
            effective_on=day,
            **attributes,
        ),
    )
    return pid


def run_session(
    ledger: Ledger,
    actor: str,
    *,
    programme: str,
    module_id: str,
    scheduled_on: date,
    held_on: date,
    place: str,
    attendance: list[tuple[str, int]],
    online: bool = False,
    minutes: int = 360,
) -> str:
    """Schedules a module session, holds it and records who attended for how many minutes."""
    result: CommandResult = ledger.handle(
        by(actor),
        ScheduleSession(
            programme=programme,
            module_id=module_id,
            starts_on=held_on,
            place=place,
            online=online,
            minutes=minutes,
            effective_on=scheduled_on,
        ),
    )
    session_id = result.ids["session_id"]
    ledger.handle(
        by(actor), HoldSession(programme=programme, module_id=module_id, session_id=session_id, effective_on=held_on)
    )
    if attendance:
        ledger.handle(
            by(actor),
            RecordAttendance(
                programme=programme,
                module_id=module_id,
                session_id=session_id,
                attendance=[{"participant_id": pid, "minutes": m} for pid, m in attendance],
                effective_on=held_on,
            ),
        )
    return session_id
