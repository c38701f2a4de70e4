"""A plain reference model of the published figures, written from docs/figures.md and /work/shared/domain.md.

It computes a programme's status (`GET /api/programmes/{slug}`) and evaluation (`.../evaluation`) from the
commands the ledger accepted, in the order they were recorded, with their effective dates and the ids the ledger
handed out. It shares nothing with `projections/`: no events, no rows, no SQL, no handler registry; only loops over
lists of facts. Each figure's function cites the rule of docs/figures.md it follows.

The moment asked for selects the facts (docs/figures.md, "Two time axes"):

- live: every accepted command, effective by today;
- as the ledger stood after the first `upto` accepted commands (a log position or a recorded time): those commands;
- effective by a day `on`: every accepted command whose effective date is on or before it, company registrations
  whatever their date ("Company registrations describe a company, not a moment").

Two lists of facts are kept for a moment. `counted` holds the facts the figures count (a presentation, a holding,
an attendance, a registration, a money entry), selected as above. `described` holds every fact recorded up to the
moment, whatever its effective date, and is used only for what a thing *is*: a session's own length (its
scheduling), the company and target group a participant belongs to (their registration), the movement a reversed
money entry made, a company's versions (registration and corrections, taken as effective on the day of the fact
they qualify). The reading behind this split, for the effective axis: a session held by the day counts with its
scheduled length even when the scheduling was recorded with a later effective date, and an attendance dated
before its participant's registration counts under the participant's company, not under `unknown`. The
participant is counted as registered (`participants`, `by_target_group`, ESF) only from their entry's date.

Sums are kept in integer minutes and minor units; hours, ratios and money per unit are rounded once, at the end,
half to even (`Decimal`, ROUND_HALF_EVEN)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

STAGES = ("presented", "joined", "onboarded", "withdrawn", "completed")
STAGE_OF_COMMAND = {
    "present_company": "presented",
    "join_company": "joined",
    "hold_onboarding": "onboarded",
    "withdraw_company": "withdrawn",
    "complete_company": "completed",
}
ACTIVE = ("joined", "onboarded")
SMES = ("micro", "small", "medium")
GENDERS = ("female", "male", "non_binary")
AGE_BANDS = ("under_18", "18_29", "30_54", "55_plus")
EMPLOYMENT = ("employed", "unemployed", "long_term_unemployed", "inactive")
EDUCATION = ("isced_0_2", "isced_3_4", "isced_5_8")
ESF_ATTRIBUTES = {
    "gender": GENDERS,
    "age_band": AGE_BANDS,
    "employment_status": EMPLOYMENT,
    "education_level": EDUCATION,
}
UNKNOWN = "unknown"
WEEKLY_COUNTS = (
    "presentations",
    "companies_presented",
    "companies_joined",
    "companies_withdrawn",
    "sessions_held",
    "activities_held",
    "participants_registered",
    "participant_minutes",
    "delivered_minutes",
    "disbursed",
    "spent",
)


@dataclass(frozen=True)
class Recorded:
    """One command the ledger accepted: `seq` is its place in the recording order (1 = first), `command` the
    command as given (a pydantic model of ledger.commands), `effective_on` the day it took effect (the date it
    states, else the day it was recorded, UTC), `ids` what the ledger returned (participant, module, session,
    activity, group, meeting, grant, allocation and entry ids)."""

    seq: int
    command: Any
    effective_on: date
    ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.command.command)

    def get(self, attribute: str) -> Any:
        return getattr(self.command, attribute, None)


# --- units and rounding (docs/figures.md, "Rounding") -------------------------------------------------------------


def text(value: Any) -> str | None:
    """An enum's value, or the text itself."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def hours(minutes: int) -> float:
    """Hours: minutes / 60, rounded half to even to 2 decimals (165 minutes: 2.75 h; 1 minute: 0.02 h)."""
    return float((Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def ratio(numerator: int, denominator: int) -> float | None:
    """Ratios: half to even to 4 decimals; null with a zero denominator."""
    if denominator == 0:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def per_unit(amount: int, units: int) -> int | None:
    """Money per unit: rounded half to even to whole minor units; null when the divisor is 0."""
    if units == 0:
        return None
    return int((Decimal(amount) / Decimal(units)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def median_days(values: list[int]) -> int | float | None:
    """Medians of whole days are whole or end in .5; null with none."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    total = ordered[middle - 1] + ordered[middle]
    return total // 2 if total % 2 == 0 else total / 2


def days_between(first: date | None, then: date | None) -> int | None:
    """Days between first arrivals, never negative: a stage reached before the one it follows counts 0 days."""
    if first is None or then is None:
        return None
    return max(0, (then - first).days)


def monday(day: date) -> date:
    """Weeks run Monday to Sunday."""
    return day - timedelta(days=day.weekday())


def half_year(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


# --- the moment: which facts count ---------------------------------------------------------------------------------


def today_utc() -> date:
    return datetime.now(UTC).date()


@dataclass
class Moment:
    """One programme's facts at a moment. `counted`: the facts the figures count, in recording order. `described`:
    every fact recorded up to the moment (all programmes and companies), for what things are. `day`: the
    effective day asked, or today."""

    slug: str
    counted: list[Recorded]
    described: list[Recorded]
    day: date
    programme_id: str

    # descriptions, from `described` ------------------------------------------------------------------------------

    def of_programme(self, facts: Iterable[Recorded]) -> list[Recorded]:
        return [f for f in facts if f.get("programme") == self.slug or f.get("slug") == self.slug]

    def launch(self) -> Recorded | None:
        launches = [f for f in self.counted if f.name == "launch_programme"]
        return launches[0] if launches else None

    def participants_described(self) -> dict[str, Recorded]:
        """The participant's registration in this programme (their company, target group, ESF attributes)."""
        found: dict[str, Recorded] = {}
        for fact in self.of_programme(self.described):
            if fact.name == "register_participant":
                found.setdefault(fact.ids["participant_id"], fact)
        return found

    def session_minutes(self) -> dict[str, int]:
        """A session's own length, as scheduled."""
        return {
            f.ids["session_id"]: int(f.command.minutes)
            for f in self.of_programme(self.described)
            if f.name == "schedule_session"
        }

    def company_versions(self, org_number: str) -> list[Recorded]:
        """A company's registration and corrections, in recording order."""
        return [
            f
            for f in self.described
            if f.name in ("register_company", "correct_company") and f.get("org_number") == org_number
        ]

    def company_on(self, org_number: str | None, day: date) -> Recorded | None:
        """docs/figures.md, "Attributes as they were": the version recorded last among those effective on or
        before that day, or, if none is, the first version recorded. None: the registration is unknown."""
        if org_number is None:
            return None
        versions = self.company_versions(org_number)
        effective = [v for v in versions if v.effective_on <= day]
        if effective:
            return effective[-1]
        return versions[0] if versions else None

    def money_entries(self) -> dict[str, Recorded]:
        """Every money entry recorded up to the moment, by entry id (a reversal names the entry it reverses), every
        payment request by its payment id (a confirmation pays what its request asked for), and each allocation and
        grant by its id (a repayment goes to the allocation's grant, a return to the grant's funder)."""
        facts = self.of_programme(self.described)
        entries = {f.ids["entry_id"]: f for f in facts if "entry_id" in f.ids}
        entries.update({f.ids["payment_id"]: f for f in facts if f.name == "request_payment"})
        entries.update({f.ids["allocation_id"]: f for f in facts if f.name == "allocate_funds"})
        entries.update({f.ids["grant_id"]: f for f in facts if f.name == "award_grant"})
        return entries

    # counted facts ------------------------------------------------------------------------------------------------

    def facts(self, *names: str) -> list[Recorded]:
        return [f for f in self.counted if f.name in names]


def select(
    history: list[Recorded],
    slug: str,
    programme_id: str,
    *,
    upto: int | None = None,
    on: date | None = None,
    today: date | None = None,
) -> Moment:
    """docs/figures.md, "Two time axes": as the ledger stood after `upto` commands (every fact recorded up to
    it), or effective by `on` (every fact known now whose effective date is on or before that day; company
    registrations whatever their date, corrections from their date). The live answer: every fact, by today."""
    recorded = history if upto is None else history[:upto]
    day = on if on is not None else (today or today_utc())
    counted = [
        f
        for f in recorded
        if (f.get("programme") == slug or f.get("slug") == slug)
        and (f.effective_on <= day or f.name == "register_company")
    ]
    return Moment(slug=slug, counted=counted, described=list(recorded), day=day, programme_id=programme_id)


# --- status (coordinators) -------------------------------------------------------------------------------------


def setting_in_force(moment: Moment, launch: Recorded, kind: str) -> dict[str, int]:
    """docs/figures.md, ProgrammeFrame: caps (or targets): name -> the value of the revision effective last (on
    one day, the one recorded last); the launch's values count from the launch."""
    field_name, command = ("caps", "revise_cap") if kind == "caps" else ("targets", "revise_target")
    candidates: dict[str, list[tuple[date, int, int]]] = {}
    for name, value in getattr(launch.command, field_name).items():
        candidates.setdefault(text(name) or "", []).append((launch.effective_on, launch.seq, int(value)))
    for fact in moment.facts(command):
        candidates.setdefault(text(fact.command.name) or "", []).append(
            (fact.effective_on, fact.seq, fact.command.value)
        )
    return {name: max(values)[2] for name, values in candidates.items()}


def frame(moment: Moment, launch: Recorded) -> dict[str, Any]:
    """docs/figures.md, ProgrammeFrame: as launched, caps and targets revised by decision, closed when a closure
    is recorded (as of an effective day: a closure effective by then)."""
    c = launch.command
    return {
        "id": moment.programme_id,
        "slug": c.slug,
        "name": c.name,
        "owner": c.owner,
        "currency": text(c.currency),
        "starts_on": iso(c.starts_on),
        "ends_on": iso(c.ends_on),
        "funders": list(c.funders),
        "regions": list(c.regions),
        "themes": list(c.themes),
        "caps": setting_in_force(moment, launch, "caps"),
        "targets": setting_in_force(moment, launch, "targets"),
        "closed": bool(moment.facts("close_programme")),
    }


def first_sessions(moment: Moment) -> dict[str, date]:
    """docs/figures.md, ProgrammeCompany.first_session_on: per company, the first day one of its participants
    attended a module session (the attendance's date) or took part, named, in a held activity (the holding's
    date)."""
    participants = moment.participants_described()
    first: dict[str, date] = {}

    def saw(pid: str, day: date) -> None:
        registration = participants.get(pid)
        if registration is None:
            return
        org = registration.command.org_number
        if org not in first or day < first[org]:
            first[org] = day

    for fact in moment.facts("record_attendance"):
        for row in fact.command.attendance:
            saw(row.participant_id, fact.effective_on)
    for fact in moment.facts("hold_activity"):
        for pid in fact.command.participant_ids:
            saw(pid, fact.effective_on)
    return first


def company_rows(moment: Moment) -> dict[str, dict[str, Any]]:
    """docs/figures.md, ProgrammeCompany and "Stages": a company of the programme is one with a stage fact. Its
    stage now is the one reached last by effective date (on one day, the one recorded last); each stage's date
    is the earliest effective date it was reached; goals and competence areas are the last recorded."""
    stage_facts: dict[str, list[Recorded]] = {}
    for fact in moment.counted:
        if fact.name in STAGE_OF_COMMAND:
            stage_facts.setdefault(fact.command.org_number, []).append(fact)
    sessions = first_sessions(moment)
    rows: dict[str, dict[str, Any]] = {}
    for org, facts in stage_facts.items():
        last = max(facts, key=lambda f: (f.effective_on, f.seq))
        reached: dict[str, date] = {}
        for fact in facts:
            stage = STAGE_OF_COMMAND[fact.name]
            if stage not in reached or fact.effective_on < reached[stage]:
                reached[stage] = fact.effective_on
        goals = [f for f in moment.facts("set_company_goals") if f.command.org_number == org]
        needs = [f for f in moment.facts("analyse_company_needs") if f.command.org_number == org]
        version = moment.company_on(org, moment.day)
        first_session = sessions.get(org)
        rows[org] = {
            "programme_id": moment.programme_id,
            "org_number": org,
            "name": None if version is None else version.command.name,
            "stage": STAGE_OF_COMMAND[last.name],
            "presentations": sum(1 for f in facts if f.name == "present_company"),
            "presented_on": iso(reached.get("presented")),
            "joined_on": iso(reached.get("joined")),
            "onboarded_on": iso(reached.get("onboarded")),
            "withdrawn_on": iso(reached.get("withdrawn")),
            "completed_on": iso(reached.get("completed")),
            "first_session_on": iso(first_session),
            "days_to_first_session": days_between(reached.get("joined"), first_session),
            "goals": list(goals[-1].command.goals) if goals else None,
            "competence_areas": list(needs[-1].command.competence_areas) if needs else None,
        }
    return rows


def pipeline(moment: Moment, companies: dict[str, dict[str, Any]], frame_: dict[str, Any]) -> dict[str, Any]:
    """docs/figures.md, Pipeline: companies by their stage now; active = joined + onboarded; presentations are
    events; ever_joined counts a company that joined at least once; cap and target of `companies`."""
    counts = {stage: sum(1 for row in companies.values() if row["stage"] == stage) for stage in STAGES}
    return {
        **counts,
        "active": counts["joined"] + counts["onboarded"],
        "presentations": len(moment.facts("present_company")),
        "ever_joined": sum(1 for row in companies.values() if row["joined_on"] is not None),
        "cap": frame_["caps"].get("companies"),
        "target": frame_["targets"].get("companies"),
    }


def sessions_and_modules(moment: Moment) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """docs/figures.md, Module and Session: modules offered by the moment with their enrolments, completions,
    sessions held and attended minutes; sessions held (holding by the moment), cancelled, or upcoming
    (scheduled by the moment, neither held nor cancelled), with the holding's date and the attendance."""
    held = {f.command.session_id: f.effective_on for f in moment.facts("hold_session")}
    cancelled = {f.command.session_id for f in moment.facts("cancel_session")}
    scheduled_now = {f.ids["session_id"] for f in moment.facts("schedule_session")}
    attendance: dict[str, list[int]] = {}
    for fact in moment.facts("record_attendance"):
        for row in fact.command.attendance:
            attendance.setdefault(fact.command.session_id, []).append(int(row.minutes))
    lists: dict[str, list[dict[str, Any]]] = {"held": [], "upcoming": [], "cancelled": []}
    for fact in moment.of_programme(moment.described):
        if fact.name != "schedule_session":
            continue
        sid = fact.ids["session_id"]
        if sid in held:
            status = "held"
        elif sid in cancelled:
            status = "cancelled"
        elif sid in scheduled_now:
            status = "scheduled"
        else:
            continue
        c = fact.command
        lists["upcoming" if status == "scheduled" else status].append(
            {
                "session_id": sid,
                "module_id": c.module_id,
                "programme_id": moment.programme_id,
                "starts_on": iso(c.starts_on),
                "place": c.place,
                "online": bool(c.online),
                "minutes": int(c.minutes),
                "status": status,
                "held_on": iso(held.get(sid)),
                "attendees": len(attendance.get(sid, [])),
                "attended_minutes": sum(attendance.get(sid, [])),
            }
        )
    for sessions in lists.values():
        sessions.sort(key=lambda s: s["starts_on"])
    modules: list[dict[str, Any]] = []
    for fact in moment.facts("offer_module"):
        mid = fact.ids["module_id"]
        c = fact.command
        modules.append(
            {
                "module_id": mid,
                "programme_id": moment.programme_id,
                "title": c.title,
                "providers": list(c.providers),
                "theme": c.theme,
                "region": c.region,
                "competence_areas": list(c.competence_areas),
                "enrolled": sum(
                    len(f.command.participant_ids)
                    for f in moment.facts("enrol_participants")
                    if f.command.module_id == mid
                ),
                "completed": sum(1 for f in moment.facts("record_module_completion") if f.command.module_id == mid),
                "sessions_held": sum(1 for f in moment.facts("hold_session") if f.command.module_id == mid),
                "training_minutes": sum(
                    int(row.minutes)
                    for f in moment.facts("record_attendance")
                    if f.command.module_id == mid
                    for row in f.command.attendance
                ),
            }
        )
    return modules, lists


def network_groups(moment: Moment) -> list[dict[str, Any]]:
    """docs/figures.md, NetworkGroup: groups formed by the moment, their members now in the order they were
    added (additions and removals taken in effective order, on one day in recording order)."""
    groups: list[dict[str, Any]] = []
    for fact in moment.facts("form_network_group"):
        gid = fact.ids["group_id"]
        changes = [f for f in moment.facts("add_company_to_group", "remove_company_from_group")
                   if f.command.group_id == gid]  # fmt: skip
        members: list[str] = []
        for change in sorted(changes, key=lambda f: (f.effective_on, f.seq)):
            org = change.command.org_number
            if change.name == "add_company_to_group" and org not in members:
                members.append(org)
            elif change.name == "remove_company_from_group" and org in members:
                members.remove(org)
        c = fact.command
        groups.append(
            {
                "group_id": gid,
                "programme_id": moment.programme_id,
                "name": c.name,
                "basis": text(c.basis),
                "members": members,
            }
        )
    return groups


def training(moment: Moment) -> dict[str, Any]:
    """docs/figures.md, Training: enrolments, completions, attendance records; participant_hours = attended
    minutes over every attendance, converted once; delivered_hours = held sessions' own minutes, once each."""
    lengths = moment.session_minutes()
    attended = [int(row.minutes) for f in moment.facts("record_attendance") for row in f.command.attendance]
    delivered = sum(lengths.get(f.command.session_id, 0) for f in moment.facts("hold_session"))
    return {
        "enrolments": sum(len(f.command.participant_ids) for f in moment.facts("enrol_participants")),
        "completions": len(moment.facts("record_module_completion")),
        "attendances": len(attended),
        "participant_hours": hours(sum(attended)),
        "delivered_hours": hours(delivered),
    }


def headcount(fact: Recorded) -> int:
    """A held activity's headcount: the counted people, else the named ones."""
    c = fact.command
    return len(c.participant_ids) if c.participant_count is None else int(c.participant_count)


def activities(moment: Moment) -> dict[str, Any]:
    """docs/figures.md, Activities: planned (neither held nor cancelled), held, cancelled; participants = the
    headcounts of held activities; participant_hours = minutes x headcount, converted once; delivered_hours =
    held activities' own minutes, once each."""
    held = moment.facts("hold_activity")
    cancelled = moment.facts("cancel_activity")
    done = {f.command.activity_id for f in held} | {f.command.activity_id for f in cancelled}
    return {
        "planned": sum(1 for f in moment.facts("plan_activity") if f.ids["activity_id"] not in done),
        "held": len(held),
        "cancelled": len(cancelled),
        "participants": sum(headcount(f) for f in held),
        "participant_hours": hours(sum(int(f.command.minutes) * headcount(f) for f in held)),
        "delivered_hours": hours(sum(int(f.command.minutes) for f in held)),
    }


def participants(moment: Moment) -> dict[str, Any]:
    """docs/figures.md, Participants: registered participants (erased ones included), erasures, registered
    participants per target group (one registered after the moment is in no group)."""
    registered = moment.facts("register_participant")
    by_group: dict[str, int] = {}
    for fact in registered:
        group = text(fact.command.target_group) or UNKNOWN
        by_group[group] = by_group.get(group, 0) + 1
    return {"total": len(registered), "erased": len(moment.facts("erase_participant")), "by_target_group": by_group}


def forum(moment: Moment) -> dict[str, int]:
    """docs/figures.md, ForumCounts: meetings held, education offers co-created."""
    return {
        "meetings": len(moment.facts("hold_forum_meeting")),
        "education_offers": len(moment.facts("co_create_education_offer")),
    }


# --- money ------------------------------------------------------------------------------------------------------


def movements(fact: Recorded, entries: Mapping[str, Recorded]) -> list[tuple[str, str, int]]:
    """The accounts a money entry moves an amount between (domain.md: a grant puts money at the programme's
    disposal, allocations move it to a recipient, disbursements pay it out; a reversal posts the reversed entry's
    movement back). Expenditure is a memo: it moves nothing."""
    c = fact.command
    if fact.name == "award_grant":
        return [(f"funder:{c.funder}", f"grant:{fact.ids['grant_id']}", int(c.amount))]
    if fact.name == "allocate_funds":
        return [(f"grant:{c.grant_id}", f"allocation:{fact.ids['allocation_id']}", int(c.amount))]
    if fact.name == "reallocate_funds":
        return [(f"allocation:{c.from_allocation_id}", f"allocation:{c.to_allocation_id}", int(c.amount))]
    if fact.name == "disburse_funds":
        return [(f"allocation:{c.allocation_id}", f"disbursed:{c.allocation_id}", int(c.amount))]
    if fact.name == "confirm_payment":  # domain.md, payments by two people: paid when confirmed, as requested
        request = entries[c.payment_id].command
        return [(f"allocation:{request.allocation_id}", f"disbursed:{request.allocation_id}", int(request.amount))]
    if fact.name == "claim_repayment":  # domain.md, sanctions: paid money claimed back is owed
        return [(f"disbursed:{c.allocation_id}", f"repayment_due:{c.allocation_id}", int(c.amount))]
    if fact.name == "receive_repayment":  # and repaid, to the funder of the allocation's grant
        grant_id = entries[c.allocation_id].command.grant_id
        return [(f"repayment_due:{c.allocation_id}", f"repaid:{grant_id}", int(c.amount))]
    if fact.name == "return_unused_funds":  # unused funds go back to the funder
        funder = entries[c.grant_id].command.funder
        return [(f"grant:{c.grant_id}", f"funder:{funder}", int(c.amount))]
    if fact.name == "reverse_entry":
        original = entries[c.entry_id]
        return [(target, source, amount) for source, target, amount in movements(original, entries)]
    return []


PAYS = ("disburse_funds", "confirm_payment")


def pays(fact: Recorded, entries: Mapping[str, Recorded]) -> bool:
    """A payment (made in one step or confirmed), or the reversal of one: what the weekly `disbursed` counts."""
    if fact.name == "reverse_entry":
        return entries[fact.command.entry_id].name in PAYS
    return fact.name in PAYS


def spending(fact: Recorded, entries: Mapping[str, Recorded]) -> tuple[str, int] | None:
    """Expenditure reported against an allocation (a reversal of one counts back)."""
    c = fact.command
    if fact.name == "report_expenditure":
        return c.allocation_id, int(c.amount)
    if fact.name == "reverse_entry":
        original = entries[c.entry_id]
        if original.name == "report_expenditure":
            return original.command.allocation_id, -int(original.command.amount)
    return None


@dataclass
class Books:
    """The programme's accounts at a moment: balances by account, expenditure by allocation, and what the grants
    put in (less reversed grants)."""

    balances: dict[str, int]
    spent: dict[str, int]
    granted: int


def books(moment: Moment) -> Books:
    entries = moment.money_entries()
    balances: dict[str, int] = {}
    spent: dict[str, int] = {}
    granted = 0
    for fact in moment.counted:
        if "entry_id" not in fact.ids:
            continue
        for source, target, amount in movements(fact, entries):
            balances[source] = balances.get(source, 0) - amount
            balances[target] = balances.get(target, 0) + amount
            if target.startswith("grant:") and source.startswith("funder:"):
                granted += amount
            if source.startswith("grant:") and target.startswith("funder:"):
                granted -= amount
        memo = spending(fact, entries)
        if memo is not None:
            spent[memo[0]] = spent.get(memo[0], 0) + memo[1]
    return Books(balances, spent, granted)


def total(balances: Mapping[str, int], kind: str) -> int:
    return sum(amount for account, amount in balances.items() if account.startswith(f"{kind}:"))


def funds(moment: Moment) -> dict[str, int]:
    """docs/figures.md, Funds: granted (grants less reversed grants), allocated (outstanding + disbursed),
    disbursed (payments less reversed ones), outstanding (allocated, not yet paid), spent (expenditure less
    reversed), remaining (granted, not yet allocated); as of an effective day, the entries effective by then."""
    kept = books(moment)
    outstanding = total(kept.balances, "allocation")
    disbursed = total(kept.balances, "disbursed")
    return {
        "pending": pending(moment),
        "repayment_due": total(kept.balances, "repayment_due"),
        "repaid": total(kept.balances, "repaid"),
        "co_financing_shortfall": sum(grant["shortfall"] for grant in co_financing(moment, kept).values()),
        "granted": kept.granted,
        "allocated": outstanding + disbursed,
        "disbursed": disbursed,
        "outstanding": outstanding,
        "spent": sum(kept.spent.values()),
        "remaining": total(kept.balances, "grant"),
    }


def in_kind_rate(moment: Moment, contribution: Recorded) -> int:
    """The grant's in-kind rate in force on a contribution's day: among the rates recorded before it and effective
    by its day, the one effective last (on one day, the one recorded last)."""
    rates = [
        (f.effective_on, f.seq, int(f.command.rate_per_hour))
        for f in moment.of_programme(moment.described)
        if f.name == "set_in_kind_rate"
        and f.command.grant_id == contribution.command.grant_id
        and f.seq < contribution.seq
        and f.effective_on <= contribution.effective_on
    ]
    return max(rates)[2]


def co_financing(moment: Moment, kept: Books) -> dict[str, dict[str, int]]:
    """docs/figures.md, CoFinancing: per grant, spent (the expenditure of its allocations), contributions in cash
    and in kind (minutes x rate / 60, half to even) less reversed ones, required = the share of spent +
    contributed, rounded up, and the shortfall."""
    facts = moment.of_programme(moment.described)
    share = {f.ids["grant_id"]: int(f.command.co_financing_share_bp) for f in facts if f.name == "award_grant"}
    grant_of = {f.ids["allocation_id"]: f.command.grant_id for f in facts if f.name == "allocate_funds"}
    reversed_ = {f.command.entry_id for f in moment.facts("reverse_entry")}
    spent = dict.fromkeys(share, 0)
    for allocation_id, amount in kept.spent.items():
        spent[grant_of[allocation_id]] += amount
    contributed = dict.fromkeys(share, 0)
    for fact in moment.facts("record_cash_contribution", "record_in_kind_contribution"):
        if fact.ids["entry_id"] in reversed_:
            continue
        if fact.name == "record_cash_contribution":
            value = int(fact.command.amount)
        else:
            minutes = Decimal(int(fact.command.participant_minutes) * in_kind_rate(moment, fact))
            value = int((minutes / 60).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
        contributed[fact.command.grant_id] += value
    answer: dict[str, dict[str, int]] = {}
    for grant_id, bp in share.items():
        costs = spent[grant_id] + contributed[grant_id]
        required = int((Decimal(bp * costs) / 10_000).to_integral_value(rounding=ROUND_CEILING))
        answer[grant_id] = {"required": required, "shortfall": max(0, required - contributed[grant_id])}
    return answer


PAYMENT_ENDS = ("confirm_payment", "cancel_payment", "expire_payment")


def pending(moment: Moment) -> int:
    """docs/figures.md, Funds.pending: payments requested and not yet confirmed as paid, cancelled or expired;
    as of an effective day, the requests counted by then less those whose end is counted by then."""
    ended = {f.command.payment_id for f in moment.facts(*PAYMENT_ENDS)}
    return sum(int(f.command.amount) for f in moment.facts("request_payment") if f.ids["payment_id"] not in ended)


def programme_status(
    history: list[Recorded],
    slug: str,
    programme_id: str,
    *,
    upto: int | None = None,
    on: date | None = None,
    today: date | None = None,
) -> dict[str, Any] | None:
    """`GET /api/programmes/{slug}` at a moment (see `select`); None when the programme is not launched by then."""
    moment = select(history, slug, programme_id, upto=upto, on=on, today=today)
    launch = moment.launch()
    if launch is None:
        return None
    frame_ = frame(moment, launch)
    companies = company_rows(moment)
    modules, sessions = sessions_and_modules(moment)
    return {
        "programme": frame_,
        "pipeline": pipeline(moment, companies, frame_),
        "companies": sorted(companies.values(), key=lambda row: row["org_number"]),
        "network_groups": network_groups(moment),
        "modules": modules,
        "sessions": sessions,
        "training": training(moment),
        "activities": activities(moment),
        "participants": participants(moment),
        "forum": forum(moment),
        "funds": funds(moment),
    }


# --- evaluation (analysts) -------------------------------------------------------------------------------------


def weekly(moment: Moment, companies: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """docs/figures.md, WeeklyCounts and Week: what took effect in each week (Monday to Sunday, by effective
    date), and `cumulative`, the same counts up to and including the week. Companies count in the week of their
    first arrival at a stage; participants at their first entry; participant-minutes are sessions' attended
    minutes plus activities' minutes x headcount; delivered minutes are held sessions' and activities' own
    minutes; disbursed and spent in minor units, a reversal counting back in its own week."""
    weeks: dict[date, dict[str, int]] = {}

    def add(day: date, count: str, amount: int) -> None:
        week = weeks.setdefault(monday(day), dict.fromkeys(WEEKLY_COUNTS, 0))
        week[count] += amount

    lengths = moment.session_minutes()
    entries = moment.money_entries()
    for fact in moment.facts("present_company"):
        add(fact.effective_on, "presentations", 1)
    for row in companies.values():
        for stage, count in (("presented", "companies_presented"), ("joined", "companies_joined"),
                             ("withdrawn", "companies_withdrawn")):  # fmt: skip
            if row[f"{stage}_on"] is not None:
                add(date.fromisoformat(row[f"{stage}_on"]), count, 1)
    for fact in moment.facts("hold_session"):
        add(fact.effective_on, "sessions_held", 1)
        add(fact.effective_on, "delivered_minutes", lengths.get(fact.command.session_id, 0))
    for fact in moment.facts("record_attendance"):
        add(fact.effective_on, "participant_minutes", sum(int(row.minutes) for row in fact.command.attendance))
    for fact in moment.facts("hold_activity"):
        add(fact.effective_on, "activities_held", 1)
        add(fact.effective_on, "participant_minutes", int(fact.command.minutes) * headcount(fact))
        add(fact.effective_on, "delivered_minutes", int(fact.command.minutes))
    for fact in moment.facts("register_participant"):
        add(fact.effective_on, "participants_registered", 1)
    for fact in moment.counted:
        if "entry_id" not in fact.ids:
            continue
        moved = movements(fact, entries) if pays(fact, entries) else []
        paid = sum(amount for source, target, amount in moved if target.startswith("disbursed:"))
        paid -= sum(amount for source, target, amount in moved if source.startswith("disbursed:"))
        if paid:
            add(fact.effective_on, "disbursed", paid)
        memo = spending(fact, entries)
        if memo is not None:
            add(fact.effective_on, "spent", memo[1])
    result: list[dict[str, Any]] = []
    running = dict.fromkeys(WEEKLY_COUNTS, 0)
    for week in sorted(weeks):
        counts = weeks[week]
        running = {name: running[name] + counts[name] for name in WEEKLY_COUNTS}
        result.append({"week": week.isoformat(), **counts, "cumulative": dict(running)})
    return result


def funnel(companies: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """docs/figures.md, Funnel: companies by the stages they ever reached (first arrivals, once per stage);
    conversion = presented that joined / presented (4 decimals); medians of days between first arrivals over the
    companies that reached both, never negative."""

    def on(row: dict[str, Any], stage: str) -> date | None:
        value = row[f"{stage}_on"] if stage != "first_session" else row["first_session_on"]
        return None if value is None else date.fromisoformat(value)

    rows = list(companies.values())
    counts = {stage: sum(1 for row in rows if on(row, stage) is not None) for stage in STAGES}
    presented_joined = sum(1 for row in rows if on(row, "presented") and on(row, "joined"))

    def median_between(first: str, then: str) -> int | float | None:
        days = [days_between(on(row, first), on(row, then)) for row in rows]
        return median_days([d for d in days if d is not None])

    return {
        **counts,
        "conversion_presented_to_joined": ratio(presented_joined, counts["presented"]),
        "median_days_presented_to_joined": median_between("presented", "joined"),
        "median_days_joined_to_onboarded": median_between("joined", "onboarded"),
        "median_days_joined_to_first_session": median_between("joined", "first_session"),
    }


@dataclass
class Tally:
    """A participation cell before conversion: participants and integer participant-minutes."""

    participants: int = 0
    minutes: int = 0


def participation(moment: Moment) -> dict[str, dict[str, dict[str, Any]]]:
    """docs/figures.md, Participation and Cell: participants (at their entry) and participant-minutes (at the
    attendance or the activity) by the company's region, sector and size as effective on that fact's day, and by
    target group. People counted in an activity but not named, and a company whose registration is unknown, are
    under `unknown`. Hours converted once per cell."""
    dimensions = ("region", "sector", "size", "target_group")
    cells: dict[str, dict[str, Tally]] = {d: {} for d in dimensions}
    people = moment.participants_described()

    def keys(registration: Recorded | None, day: date) -> dict[str, str]:
        if registration is None:
            return dict.fromkeys(dimensions, UNKNOWN)
        version = moment.company_on(registration.command.org_number, day)
        found = {d: UNKNOWN if version is None else text(getattr(version.command, d)) or UNKNOWN
                 for d in ("region", "sector", "size")}  # fmt: skip
        found["target_group"] = text(registration.command.target_group) or UNKNOWN
        return found

    def count(registration: Recorded | None, day: date, participants_: int, minutes: int) -> None:
        for dimension, key in keys(registration, day).items():
            tally = cells[dimension].setdefault(key, Tally())
            tally.participants += participants_
            tally.minutes += minutes

    for fact in moment.facts("register_participant"):
        count(fact, fact.effective_on, 1, 0)
    for fact in moment.facts("record_attendance"):
        for row in fact.command.attendance:
            count(people.get(row.participant_id), fact.effective_on, 0, int(row.minutes))
    for fact in moment.facts("hold_activity"):
        minutes = int(fact.command.minutes)
        for pid in fact.command.participant_ids:
            count(people.get(pid), fact.effective_on, 0, minutes)
        unnamed = headcount(fact) - len(fact.command.participant_ids)
        if unnamed:
            count(None, fact.effective_on, 0, unnamed * minutes)
    return {
        dimension: {key: {"participants": t.participants, "hours": hours(t.minutes)} for key, t in sorted(by.items())}
        for dimension, by in cells.items()
    }


def participant_minutes(moment: Moment) -> int:
    attended = sum(int(row.minutes) for f in moment.facts("record_attendance") for row in f.command.attendance)
    return attended + sum(int(f.command.minutes) * headcount(f) for f in moment.facts("hold_activity"))


def costs(moment: Moment) -> dict[str, Any]:
    """docs/figures.md, Costs: spent (as in Funds); participants = registered + counted but not named in held
    activities; participant_hours; cost per participant and per participant-hour (spent x 60 / participant-
    minutes) in whole minor units, null with a zero divisor."""
    spent = funds(moment)["spent"]
    unnamed = sum(headcount(f) - len(f.command.participant_ids) for f in moment.facts("hold_activity"))
    people = len(moment.facts("register_participant")) + unnamed
    minutes = participant_minutes(moment)
    return {
        "spent": spent,
        "participants": people,
        "participant_hours": hours(minutes),
        "cost_per_participant": per_unit(spent, people),
        "cost_per_participant_hour": per_unit(spent * 60, minutes),
    }


def esf_indicators(moment: Moment) -> list[dict[str, Any]]:
    """docs/figures.md, EsfPeriod: per half-year of the first entry: participants, complete (all four
    attributes), each attribute's counts over the complete records only (every value listed), and the supported
    SMEs: companies of micro, small or medium size as effective on the entry day, with a participant entering in
    the period. A re-entry is the same participant with the first entry's attributes."""
    periods: dict[str, dict[str, Any]] = {}
    for fact in moment.facts("register_participant"):
        period = periods.setdefault(
            half_year(fact.effective_on),
            {"participants": 0, "complete": 0, "smes": set(),
             **{name: dict.fromkeys(values, 0) for name, values in ESF_ATTRIBUTES.items()}},
        )  # fmt: skip
        period["participants"] += 1
        values = {name: text(getattr(fact.command, name)) for name in ESF_ATTRIBUTES}
        if all(value is not None for value in values.values()):
            period["complete"] += 1
            for name, value in values.items():
                period[name][value] += 1
        version = moment.company_on(fact.command.org_number, fact.effective_on)
        if version is not None and text(version.command.size) in SMES:
            period["smes"].add(fact.command.org_number)
    return [
        {
            "period": name,
            "participants": p["participants"],
            "complete": p["complete"],
            "supported_smes": len(p["smes"]),
            **{attribute: p[attribute] for attribute in ESF_ATTRIBUTES},
        }
        for name, p in sorted(periods.items())
    ]


def evaluation(
    history: list[Recorded],
    slug: str,
    programme_id: str,
    *,
    upto: int | None = None,
    on: date | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """`GET /api/programmes/{slug}/evaluation` at a moment (see `select`); empty, costs null, before the launch."""
    moment = select(history, slug, programme_id, upto=upto, on=on, today=today)
    companies = company_rows(moment)
    return {
        "weekly": weekly(moment, companies),
        "funnel": funnel(companies),
        "participation": participation(moment),
        "costs": None if moment.launch() is None else costs(moment),
        "esf_indicators": esf_indicators(moment),
    }


# --- the rules on every day (docs/figures.md, "Money rules on every day") ---------------------------------------


def broken_rules(status: Mapping[str, Any], spent_by_allocation: Mapping[str, int] | None = None,
                 holdings: Mapping[str, int] | None = None) -> list[str]:  # fmt: skip
    """What a status answer (and, if given, each allocation's expenditure and holdings) shows that the rules
    forbid on any day: a negative balance, more allocated than granted, more paid than allocated, more spent than
    an allocation holds, more reserved by pending payments than is outstanding, a cap exceeded."""
    broken: list[str] = []
    money = status["funds"]
    for name, value in money.items():
        if value < 0:
            broken.append(f"funds.{name} = {value} < 0")
    if money["allocated"] > money["granted"]:
        broken.append(f"allocated {money['allocated']} > granted {money['granted']}")
    if money["disbursed"] > money["allocated"]:
        broken.append(f"disbursed {money['disbursed']} > allocated {money['allocated']}")
    if money["spent"] > money["allocated"]:
        broken.append(f"spent {money['spent']} > allocated {money['allocated']}")
    if money.get("pending", 0) > money["outstanding"]:  # a pending payment reserves what is not yet paid
        broken.append(f"pending {money['pending']} > outstanding {money['outstanding']}")
    for allocation, spent in (spent_by_allocation or {}).items():
        held = (holdings or {}).get(allocation, 0)
        if spent > held:
            broken.append(f"allocation {allocation}: spent {spent} > held {held}")
    caps = status["programme"]["caps"]
    active = status["pipeline"]["active"]
    if "companies" in caps and active > caps["companies"]:
        broken.append(f"active companies {active} > cap {caps['companies']}")
    registered = status["participants"]["total"]
    if "participants" in caps and registered > caps["participants"]:
        broken.append(f"participants {registered} > cap {caps['participants']}")
    return broken


def model_broken_rules(history: list[Recorded], slug: str, on: date) -> list[str]:
    """The rules on day `on` in the model's own books (the commands the ledger accepted, effective by then)."""
    status = programme_status(history, slug, "", on=on)
    if status is None:
        return []
    kept = books(select(history, slug, "", on=on))
    holdings: dict[str, int] = {}
    for account, amount in kept.balances.items():
        kind, _, allocation = account.partition(":")
        if kind in ("allocation", "disbursed"):
            holdings[allocation] = holdings.get(allocation, 0) + amount
    accounts = [f"account {a} = {v} < 0" for a, v in kept.balances.items() if v < 0 and not a.startswith("funder:")]
    return accounts + broken_rules(status, kept.spent, holdings)


# --- claims (funders): docs/figures.md, "Claims" ---------------------------------------------------------------

PERIOD_STARTS = {
    "monthly": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    "quarterly": (1, 4, 7, 10),
    "half_yearly": (1, 7),
    "cpr": (1, 4, 7, 9, 11),
}
PERIOD_LETTER = {"quarterly": "Q", "half_yearly": "H", "cpr": "C"}
CLAIM_FACTS = (
    "award_grant", "allocate_funds", "report_expenditure", "disburse_funds", "confirm_payment", "reverse_entry",
    "record_attendance", "record_module_completion", "set_reporting_calendar", "set_unit_cost", "set_flat_rate",
    "agree_lump_sum", "complete_deliverable", "close_period", "draft_claim", "submit_claim", "approve_claim",
    "pay_claim",
)  # fmt: skip
"""The commands whose events the claims read."""
CLAIM_STEP = {"draft_claim": "drafted", "submit_claim": "submitted", "approve_claim": "approved", "pay_claim": "paid"}


def claim_period(day: date, frequency: str) -> tuple[int, int]:
    """(year, index of the period in its year) of the period holding `day`."""
    starts = PERIOD_STARTS[frequency]
    return day.year, sum(1 for month in starts if month <= day.month) - 1


def claim_period_name(period: tuple[int, int], frequency: str) -> str:
    year, index = period
    letter = PERIOD_LETTER.get(frequency)
    return f"{year}-{PERIOD_STARTS[frequency][index]:02d}" if letter is None else f"{year}-{letter}{index + 1}"


def next_claim_period(period: tuple[int, int], frequency: str) -> tuple[int, int]:
    year, index = period
    return (year + 1, 0) if index + 1 == len(PERIOD_STARTS[frequency]) else (year, index + 1)


def claim_period_end(period: tuple[int, int], frequency: str) -> date:
    year, index = next_claim_period(period, frequency)
    return date(year, PERIOD_STARTS[frequency][index], 1) - timedelta(days=1)


def half_even(numerator: int, denominator: int) -> int:
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def in_force(settings: list[Recorded], day: date) -> Recorded | None:
    """The setting recorded last among those effective latest on or before the day."""
    candidates = [s for s in settings if s.effective_on <= day]
    if not candidates:
        return None
    latest = max(s.effective_on for s in candidates)
    return [s for s in candidates if s.effective_on == latest][-1]


ClaimTotals = dict[tuple[str, tuple[int, int], str], int]
"""(grant id, origin period, component) -> amount"""


def claim_totals(facts: list[Recorded], frequency: str, first: tuple[int, int]) -> ClaimTotals:
    """Every component's amount per grant and origin period, from these facts (all recorded before the limit)."""

    def period(day: date) -> tuple[int, int]:
        return max(claim_period(day, frequency), first)

    allocations = {f.ids["allocation_id"]: f for f in facts if f.name == "allocate_funds"}
    entries = {f.ids["entry_id"]: f for f in facts if "entry_id" in f.ids}
    requests = {f.ids["payment_id"]: f for f in facts if f.name == "request_payment"}
    totals: ClaimTotals = {}

    def add(allocation_id: str, day: date, component: str, amount: int) -> None:
        if allocation_id in allocations:
            key = (str(allocations[allocation_id].command.grant_id), period(day), component)
            totals[key] = totals.get(key, 0) + amount

    spent: list[tuple[str, date, int]] = []  # allocation, day, amount (a reversal negative)
    for f in facts:
        if f.name == "report_expenditure":
            spent.append((f.command.allocation_id, f.effective_on, f.command.amount))
        elif f.name == "disburse_funds" and text(f.command.kind) == "advance":
            add(f.command.allocation_id, f.effective_on, "advance", f.command.amount)
        elif f.name == "confirm_payment":
            request = requests.get(f.command.payment_id)
            if request is not None and text(request.command.kind) == "advance":
                add(request.command.allocation_id, f.effective_on, "advance", request.command.amount)
        elif f.name == "reverse_entry":
            original = entries.get(f.command.entry_id)
            if original is None:
                continue
            if original.name == "report_expenditure":
                spent.append((original.command.allocation_id, f.effective_on, -original.command.amount))
            elif original.name == "disburse_funds" and text(original.command.kind) == "advance":
                add(original.command.allocation_id, f.effective_on, "advance", -original.command.amount)
            elif original.name == "confirm_payment":
                request = requests.get(original.command.payment_id)
                if request is not None and text(request.command.kind) == "advance":
                    add(request.command.allocation_id, f.effective_on, "advance", -request.command.amount)
    for allocation_id, day, amount in spent:
        add(allocation_id, day, "actual", amount)

    # unit costs: units grouped by allocation, unit, module, rate and origin period; rounded once per group
    unit_costs = [f for f in facts if f.name == "set_unit_cost"]
    series: dict[tuple[str, str, str | None], list[Recorded]] = {}
    for f in unit_costs:
        series.setdefault((f.command.allocation_id, text(f.command.unit) or "", f.command.module_id), []).append(f)
    units: dict[tuple[str, str, str | None, int, tuple[int, int]], int] = {}
    for f in facts:
        if f.name == "record_attendance":
            done = [("participant_hour", int(row.minutes)) for row in f.command.attendance]
        elif f.name == "record_module_completion":
            done = [("completed_module", 1)]
        else:
            continue
        for (allocation_id, unit, module_id), settings in series.items():
            for kind, amount in done:
                if kind != unit or module_id not in (None, f.command.module_id):
                    continue
                setting = in_force(settings, f.effective_on)
                if setting is None or setting.command.rate == 0:
                    continue
                key = (allocation_id, unit, module_id, int(setting.command.rate), period(f.effective_on))
                units[key] = units.get(key, 0) + amount
    for (allocation_id, unit, _, rate, origin), count in units.items():
        amount = half_even(count * rate, 60) if unit == "participant_hour" else count * rate
        add(allocation_id, date(origin[0], PERIOD_STARTS[frequency][origin[1]], 1), "unit_cost", amount)

    # flat rates: the base category's expenditure on the same grant, by the rate in force on each day
    shares: dict[tuple[str, str, int, tuple[int, int]], int] = {}
    flat: dict[tuple[str, str], list[Recorded]] = {}
    for f in facts:
        if f.name == "set_flat_rate":
            flat.setdefault((f.command.allocation_id, f.command.base_category), []).append(f)
    for (allocation_id, base), settings in flat.items():
        owner = allocations.get(allocation_id)
        if owner is None:
            continue
        for spent_on, day, amount in spent:
            source = allocations.get(spent_on)
            if source is None or source.command.grant_id != owner.command.grant_id or source.command.category != base:
                continue
            setting = in_force(settings, day)
            if setting is None or setting.command.rate_bp == 0:
                continue
            share = (allocation_id, base, int(setting.command.rate_bp), period(day))
            shares[share] = shares.get(share, 0) + amount
    for (allocation_id, _, rate_bp, origin), base_amount in shares.items():
        add(allocation_id, date(origin[0], PERIOD_STARTS[frequency][origin[1]], 1), "flat_rate",
            half_even(base_amount * rate_bp, 10_000))  # fmt: skip

    agreed = {f.ids["deliverable_id"]: f for f in facts if f.name == "agree_lump_sum"}
    for f in facts:
        if f.name == "complete_deliverable" and f.command.deliverable_id in agreed:
            deal = agreed[f.command.deliverable_id].command
            add(deal.allocation_id, f.effective_on, "lump_sum", deal.amount)
    return totals


CLAIM_COMPONENTS = ("actual", "unit_cost", "flat_rate", "lump_sum", "advance")


def claims(
    history: list[Recorded], slug: str, programme_id: str, *, upto: int | None = None, on: date | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    """Each period's claim per grant: (period name, grant id) -> its figures. A closed period counts what was
    recorded before its closing; the first open one what is recorded now, less what the claims before it counted
    for the periods up to the last closed; later open periods only their own facts."""
    moment = select(history, slug, programme_id, upto=upto, on=on)
    facts = [f for f in moment.counted if f.name in CLAIM_FACTS]
    calendars = [f for f in facts if f.name == "set_reporting_calendar"]
    if not calendars:
        return {}
    frequency = text(calendars[-1].command.frequency) or ""
    first = claim_period(calendars[-1].command.starts_on, frequency)
    closings = [f for f in facts if f.name == "close_period"]
    grants = sorted({f.ids["grant_id"] for f in facts if f.name == "award_grant"})
    now = claim_totals(facts, frequency, first)
    sealed = [claim_totals([f for f in facts if f.seq < c.seq], frequency, first) for c in closings]

    def summed(totals: ClaimTotals, grant: str, component: str, upto_period: tuple[int, int] | None,
               only: tuple[int, int] | None = None) -> int:  # fmt: skip
        return sum(amount for (g, origin, c), amount in totals.items() if g == grant and c == component
                   and (only is None or origin == only) and (upto_period is None or origin <= upto_period))  # fmt: skip

    counting = ("report_expenditure", "disburse_funds", "confirm_payment", "reverse_entry", "record_attendance",
                "record_module_completion", "complete_deliverable")  # fmt: skip
    last_day = max([f.effective_on for f in facts if f.name in counting]
                   + [date(first[0], PERIOD_STARTS[frequency][first[1]], 1)])  # fmt: skip
    shown = [first]
    while not (claim_period_end(shown[-1], frequency) >= last_day and len(shown) > len(closings)):
        shown.append(next_claim_period(shown[-1], frequency))

    steps: dict[tuple[str, str], str] = {}
    drafted: dict[str, tuple[str, str]] = {}
    for f in facts:
        if f.name == "draft_claim":
            drafted[f.ids["claim_id"]] = (f.command.period, f.command.grant_id)
        if f.name in CLAIM_STEP:
            claim_id = f.ids.get("claim_id") or f.command.claim_id
            if claim_id in drafted:
                steps[drafted[claim_id]] = CLAIM_STEP[f.name]

    out: dict[tuple[str, str], dict[str, Any]] = {}
    balance = dict.fromkeys(grants, 0)
    for index, period in enumerate(shown):
        name = claim_period_name(period, frequency)
        for grant in grants:
            figures: dict[str, int] = {}
            for component in CLAIM_COMPONENTS:
                if index < len(closings):
                    before = summed(sealed[index - 1], grant, component, shown[index - 1]) if index else 0
                    figures[component] = summed(sealed[index], grant, component, period) - before
                elif index == len(closings):
                    before = summed(sealed[index - 1], grant, component, shown[index - 1]) if index else 0
                    figures[component] = summed(now, grant, component, period) - before
                else:
                    figures[component] = summed(now, grant, component, None, only=period)
            eligible = sum(figures[c] for c in CLAIM_COMPONENTS if c != "advance")
            balance[grant] += figures["advance"]
            cleared = min(max(eligible, 0), max(balance[grant], 0))
            balance[grant] -= cleared
            out[(name, grant)] = {
                "closed": index < len(closings),
                "actual": figures["actual"],
                "unit_costs": figures["unit_cost"],
                "flat_rates": figures["flat_rate"],
                "lump_sums": figures["lump_sum"],
                "eligible": eligible,
                "advances_paid": figures["advance"],
                "advances_cleared": cleared,
                "advance_balance": balance[grant],
                "payable": eligible - cleared,
                "state": steps.get((name, grant)),
            }
    return out
