"""The read models' tables. Every table names its key columns; folds address rows by key only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()


def _table(name: str, *columns: Column[Any], indexes: tuple[tuple[str, ...], ...] = ()) -> Table:
    table = Table(name, metadata, *columns)
    for i, cols in enumerate(indexes):
        Index(f"ix_{name}_{i}", *[table.c[c] for c in cols])
    return table


def _counters(*names: str) -> list[Column[Any]]:
    return [Column(n, BigInteger, nullable=False, default=0) for n in names]


def _key(name: str) -> Column[Any]:
    return Column(name, String(80), primary_key=True)


# --- tracking: one row per read model, advanced in the same transaction as its rows -------------------------
positions = _table(
    "view_positions",
    _key("read_model"),
    Column("position", BigInteger, nullable=False),
    # a read model stalled on an event its fold cannot apply: where, which event, why (null while it runs)
    Column("stalled_at", BigInteger),
    Column("stalled_event", String(80)),
    Column("stalled_error", Text),
)
# per read model and programme, the last position whose event changed that programme's answers ("*": every
# programme's); advanced with the rows, so a live answer kept since then is still the tables' answer
programme_changes = _table(
    "view_programme_changes",
    _key("read_model"),
    _key("programme_id"),
    Column("position", BigInteger, nullable=False),
    indexes=(("programme_id",),),
)
# the shape of each read model's tables when they were built: another shape means rebuild them
schemas = _table("view_schemas", _key("read_model"), Column("fingerprint", String(64), nullable=False))


def _owners(name: str) -> Table:
    """Which programme each aggregate belongs to; each read model keeps its own, so it rebuilds alone."""
    return _table(name, _key("originator_id"), Column("programme_id", String(80)), indexes=(("programme_id",),))


status_owners = _owners("view_owners")
audit_owners = _owners("audit_owners")
eval_owners = _owners("eval_owners")
integrity_owners = _owners("integrity_owners")
claim_owners = _owners("claim_owners")

# --- programme status (coordinators) ------------------------------------------------------------------------
programmes = _table(
    "view_programmes",
    _key("programme_id"),
    Column("slug", String(80), unique=True),
    Column("name", Text),
    Column("owner", Text),
    Column("currency", String(3)),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("funders", JSON),
    Column("regions", JSON),
    Column("themes", JSON),
    Column("caps", JSON),
    Column("targets", JSON),
    Column("revised_on", JSON),  # "caps:<name>" or "targets:<name>" -> the day the value in force took effect
    Column("closed", Boolean),
    *_counters(
        "presentations",
        "stage_presented",
        "stage_joined",
        "stage_onboarded",
        "stage_withdrawn",
        "stage_completed",
        "ever_joined",
        "participants",
        "participants_erased",
        "network_groups",
        "modules",
        "sessions_scheduled",
        "sessions_held",
        "sessions_cancelled",
        "enrolments",
        "completions",
        "attendances",
        "training_minutes",  # participant-minutes attended in sessions
        "session_minutes",  # held sessions' own minutes (delivered)
        "activities_planned",
        "activities_held",
        "activities_cancelled",
        "activity_minutes",  # held activities' own minutes (delivered)
        "activity_participants",  # headcounts of held activities
        "activity_participant_minutes",  # minutes x headcount
        "activity_named_participants",  # the named (registered) people among the headcounts
        "activity_named_minutes",  # minutes x named people
        "forum_meetings",
        "education_offers",
    ),
)
programme_companies = _table(
    "view_programme_companies",
    _key("programme_id"),
    _key("org_number"),
    Column("stage", String(20)),
    Column("stage_on", Date),  # the day it reached its stage now
    Column("presentations", Integer),
    Column("presented_on", Date),
    Column("joined_on", Date),
    Column("onboarded_on", Date),
    Column("withdrawn_on", Date),
    Column("completed_on", Date),
    Column("first_session_on", Date),
    Column("goals", JSON),
    Column("competence_areas", JSON),
)
companies = _table(
    "view_companies",
    _key("org_number"),
    Column("country", String(2)),
    Column("name", Text),
    Column("region", Text),
    Column("sector", Text),
    Column("size", String(10)),
)
company_versions = _table(
    "view_company_versions",
    _key("org_number"),
    Column("position", BigInteger, primary_key=True),  # when it was recorded: the later recorded wins
    Column("valid_from", Date),  # its effective date
    Column("region", Text),
    Column("sector", Text),
    Column("size", String(10)),
)
network_groups = _table(
    "view_network_groups",
    _key("group_id"),
    Column("programme_id", String(80)),
    Column("name", Text),
    Column("basis", String(20)),
    Column("members", JSON),
    indexes=(("programme_id",),),
)
modules = _table(
    "view_modules",
    _key("module_id"),
    Column("programme_id", String(80)),
    Column("title", Text),
    Column("providers", JSON),
    Column("theme", Text),
    Column("region", Text),
    Column("competence_areas", JSON),
    *_counters("enrolled", "completed", "sessions_held", "training_minutes"),
    indexes=(("programme_id",),),
)
sessions = _table(
    "view_sessions",
    _key("session_id"),
    Column("module_id", String(80)),
    Column("programme_id", String(80)),
    Column("starts_on", Date),
    Column("place", Text),
    Column("online", Boolean),
    Column("minutes", Integer),
    Column("status", String(20)),
    Column("held_on", Date),
    *_counters("attendees", "attended_minutes"),
    indexes=(("programme_id",), ("module_id",)),
)
activities = _table(
    "view_activities",
    _key("activity_id"),
    Column("programme_id", String(80)),
    Column("title", Text),
    Column("kind", String(20)),
    Column("competence_area", Text),
    Column("region", Text),
    Column("provider", Text),
    Column("planned_on", Date),
    Column("status", String(20)),
    Column("held_on", Date),
    *_counters("minutes", "participants"),
    indexes=(("programme_id",),),
)
participants = _table(
    "view_participants",
    _key("programme_id"),  # an id the client may choose is unique within its programme only
    _key("participant_id"),
    Column("org_number", String(20)),
    Column("target_group", String(20)),
    Column("gender", String(20)),
    Column("age_band", String(20)),
    Column("employment_status", String(30)),
    Column("education_level", String(20)),
    Column("entered_on", Date),
    Column("entries", Integer),
    Column("left", Boolean),
    Column("erased", Boolean),
    *_counters("attended_minutes"),
    indexes=(("programme_id",),),
)
participant_minutes = _table(
    "view_participant_minutes",
    _key("programme_id"),
    _key("participant_id"),
    Column("day", Date, primary_key=True),
    *_counters("minutes"),  # participant-minutes on that day: sessions attended, named in held activities
)
forum_items = _table(
    "view_forum_items",
    _key("item_id"),
    Column("programme_id", String(80)),
    Column("kind", String(20)),
    Column("title", Text),
    Column("detail", JSON),
    Column("held_on", Date),
    indexes=(("programme_id",),),
)

# --- funding audit (funders) --------------------------------------------------------------------------------
audit_entries = _table(
    "audit_entries",
    _key("entry_id"),
    Column("position", BigInteger, nullable=False),
    Column("programme_id", String(80)),
    Column("event", String(40)),
    Column("kind", String(20)),
    Column("grant_id", String(80)),
    Column("allocation_id", String(80)),
    Column("from_account", Text),
    Column("to_account", Text),
    Column("amount", BigInteger),
    Column("from_balance", BigInteger),
    Column("to_balance", BigInteger),
    Column("funder", Text),
    Column("recipient_kind", String(20)),
    Column("recipient", Text),
    Column("category", Text),
    Column("period", String(40)),
    Column("decision_reference", Text),
    Column("decision_body", Text),
    Column("reason", Text),
    Column("actor", Text),
    Column("effective_on", Date),
    Column("recorded_at", String(40)),
    Column("reverses_entry_id", String(80)),
    Column("reversed_by_entry_id", String(80)),
    Column("payment_id", String(80)),  # the payment by two people the entry is a step of
    indexes=(("programme_id", "position"),),
)
audit_accounts = _table(
    "audit_accounts",
    _key("programme_id"),
    Column("account", String(120), primary_key=True),
    *_counters("balance", "credits", "debits"),
)
audit_allocations = _table(
    "audit_allocations",
    _key("programme_id"),  # an id the client may choose is unique within its programme only
    _key("allocation_id"),
    Column("grant_id", String(80)),
    Column("recipient_kind", String(20)),
    Column("recipient", Text),
    Column("category", Text),
    *_counters("spent"),
    indexes=(("programme_id",),),
)
audit_grants = _table(
    "audit_grants",
    _key("programme_id"),  # an id the client may choose is unique within its programme only
    _key("grant_id"),
    Column("funder", Text),
    Column("co_financing_share_bp", Integer),
    indexes=(("programme_id",),),
)
audit_budget_lines = _table(
    "audit_budget_lines",
    _key("programme_id"),
    Column("category", String(120), primary_key=True),
    Column("amount", BigInteger),
)
# payments by two people: each request, who approved and who confirmed it as paid, and how it ended
audit_payments = _table(
    "audit_payments",
    _key("programme_id"),  # an id the client may choose is unique within its programme only
    _key("payment_id"),
    Column("position", BigInteger, nullable=False),  # of its request
    Column("allocation_id", String(80)),
    Column("grant_id", String(80)),
    Column("recipient", Text),
    Column("category", Text),
    Column("kind", String(20)),
    Column("amount", BigInteger, nullable=False),
    Column("state", String(20)),
    Column("requested_by", Text),
    Column("requested_on", Date),
    Column("expires_on", Date),
    Column("approved_by", Text),
    Column("approved_on", Date),
    Column("ended_by", Text),
    Column("ended_on", Date),
    Column("entry_id", String(80)),
    Column("reason", Text),
    indexes=(("programme_id",),),
)
# payment stops by a funder's decision, each with its lift (null while in force)
audit_payment_stops = _table(
    "audit_payment_stops",
    _key("programme_id"),
    _key("stop_id"),
    Column("position", BigInteger, nullable=False),
    Column("scope", String(20)),
    Column("target_id", String(80)),
    Column("reason", Text),
    Column("stopped_by", Text),
    Column("stopped_on", Date),
    Column("decision_reference", Text),
    Column("decision_body", Text),
    Column("lifted_by", Text),
    Column("lifted_on", Date),
    Column("lift_decision_reference", Text),
    Column("lift_decision_body", Text),
    indexes=(("programme_id",),),
)
# co-financing contributions to a grant: cash, or participants' time in kind valued at the grant's rate
audit_contributions = _table(
    "audit_contributions",
    _key("programme_id"),
    _key("entry_id"),
    Column("position", BigInteger, nullable=False),
    Column("grant_id", String(80)),
    Column("kind", String(20)),
    Column("amount", BigInteger, nullable=False),
    Column("participant_minutes", BigInteger),
    Column("rate_per_hour", BigInteger),
    Column("contributor", Text),
    Column("period", String(40)),
    Column("effective_on", Date),
    Column("reversed", Boolean, nullable=False, default=False),
    indexes=(("programme_id",),),
)

# --- claims (funders): the facts a period's claim is computed from, one row per event, kept as recorded ------
# (an answer as of any moment filters them by position and effective day; projections/claims/fold.py says what
# each column holds for each event)
claim_facts = _table(
    "claim_facts",
    _key("programme_id"),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("event", String(40), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("recorded_at", String(40)),
    Column("actor", Text),
    Column("grant_id", String(80)),
    Column("allocation_id", String(80)),
    Column("module_id", String(80)),
    Column("ref", String(80)),  # the entry, deliverable, claim or participant the event is about
    Column("reverses", String(80)),  # a reversal's reversed entry
    Column("kind", String(40)),  # a unit cost's unit, a disbursement's kind, a calendar's frequency, a category
    Column("label", Text),  # a period's name, a lump sum's title, a flat rate's base category, a recipient
    Column("amount", BigInteger),  # money, or a rate per unit
    Column("units", BigInteger),  # minutes attended, completions, basis points
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("sealed_position", BigInteger),
    Column("chain", String(64)),
    Column("decision_reference", Text),
    Column("decision_body", Text),
)

# --- evaluation (analysts) ----------------------------------------------------------------------------------
weekly = _table(
    "eval_weekly",
    _key("programme_id"),
    Column("week", Date, primary_key=True),
    *_counters(
        "presentations",
        "sessions_held",
        "session_minutes",
        "participants_registered",
        "attendance_minutes",
        "activities_held",
        "activity_minutes",
        "activity_participant_minutes",
    ),
)
eval_sessions = _table(
    "eval_sessions",
    _key("session_id"),
    Column("programme_id", String(80)),
    *_counters("minutes"),
    indexes=(("programme_id",),),
)

# --- integrity: the event index and the SHA-256 hash chain --------------------------------------------------
event_index = _table(
    "integrity_events",
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("originator_id", String(80), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("programme_id", String(80)),
    Column("recorded_at", String(40)),
    Column("effective_on", Date),
    Column("digest", String(64)),
    Column("chain", String(64)),
    indexes=(("programme_id", "position"), ("originator_id", "version"), ("recorded_at",)),
)
integrity_head = _table("integrity_head", _key("name"), Column("position", BigInteger), Column("chain", String(64)))

TABLES: dict[str, Table] = {t.name: t for t in metadata.sorted_tables}


_KEYS: dict[str, tuple[str, ...]] = {}


def key_columns(table: str) -> tuple[str, ...]:
    """A table's key columns (asked for every row a fold touches: kept once known)."""
    found = _KEYS.get(table)
    if found is None:
        found = _KEYS[table] = tuple(c.name for c in TABLES[table].primary_key.columns)
    return found
