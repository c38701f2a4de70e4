"""Value types, declared once: organisation numbers, money, counts, texts, dates, ids, decisions, the closed sets.

Each is a type with its limits (pydantic `Annotated` types and `StrEnum`s). Commands are built from them, so the
HTTP body, the CLI, the scenarios and the tests all meet the same limits and the same error naming the field."""

from __future__ import annotations

import re
import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints
from pydantic_core import PydanticCustomError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr


class Currency(StrEnum):
    NOK = "NOK"
    SEK = "SEK"
    EUR = "EUR"


class TargetGroup(StrEnum):
    EMPLOYED = "employed"
    FURLOUGHED = "furloughed"
    LAID_OFF = "laid_off"
    UNEMPLOYED = "unemployed"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"


class AgeBand(StrEnum):
    UNDER_18 = "under_18"
    FROM_18_TO_29 = "18_29"
    FROM_30_TO_54 = "30_54"
    FROM_55 = "55_plus"


class EmploymentStatus(StrEnum):
    EMPLOYED = "employed"  # includes self-employed
    UNEMPLOYED = "unemployed"
    LONG_TERM_UNEMPLOYED = "long_term_unemployed"
    INACTIVE = "inactive"


class EducationLevel(StrEnum):
    ISCED_0_2 = "isced_0_2"
    ISCED_3_4 = "isced_3_4"
    ISCED_5_8 = "isced_5_8"


class CompanySize(StrEnum):
    MICRO = "micro"  # < 10 employees
    SMALL = "small"  # < 50
    MEDIUM = "medium"  # < 250
    LARGE = "large"


class GroupBasis(StrEnum):
    GEOGRAPHY = "geography"
    PRODUCTION = "production"
    THEME = "theme"


class ActivityKind(StrEnum):
    GROUP = "group"
    INDIVIDUAL = "individual"


class DisbursementKind(StrEnum):
    ADVANCE = "advance"
    PAYMENT = "payment"


class CostUnit(StrEnum):
    """What a unit cost (a simplified cost option) is paid for."""

    PARTICIPANT_HOUR = "participant_hour"
    COMPLETED_MODULE = "completed_module"


class StopScope(StrEnum):
    """What a payment stop covers: every allocation of a grant, or one allocation."""

    GRANT = "grant"
    ALLOCATION = "allocation"


class RecipientKind(StrEnum):
    PROVIDER = "provider"
    COMPANY = "company"
    MODULE = "module"
    TARGET_GROUP = "target_group"
    PURPOSE = "purpose"


class CapName(StrEnum):
    """What a programme may cap (enforced)."""

    COMPANIES = "companies"
    PARTICIPANTS = "participants"


class TargetName(StrEnum):
    """What a programme may set a target for (reported against)."""

    COMPANIES = "companies"
    PARTICIPANTS = "participants"
    ACTIVITIES = "activities"
    SESSIONS = "sessions"
    TRAINING_HOURS = "training_hours"


MAX_BATCH = 10_000
"""The most participants one command may name (attendance, enrolment, an activity)."""

MAX_AMOUNT = 10**15
"""The largest amount one money command may move, in minor units (NOK 10 trillion)."""

MAX_TURNOVER = 10**17
"""The most money one programme may move in all, in minor units: every sum a read model keeps (balances,
credits, debits, weekly money) stays below it, far inside a 64-bit column (2^63 is about 9.2 x 10^18)."""

MAX_COUNT = 10**9
"""The largest cap or target."""

MAX_HEADCOUNT = 100_000
"""The most people one activity may count."""

MAX_VERSION = 2**31 - 1
"""The largest aggregate version a client may name (If-Match)."""

MAX_POSITION = 2**63 - 1
"""The largest log position a query may name (a 64-bit column)."""


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


# --- texts --------------------------------------------------------------------------------------------------


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
"""Control characters other than tab and newline, and lone surrogates (no character of any text)."""


def _printable(value: str) -> str:
    if _UNPRINTABLE.search(value):
        raise _error("text", "must not hold control characters (other than tab and newline) or lone surrogates")
    return value


def _non_blank(value: str) -> str:
    if not value:
        raise _error("blank", "must be a non-empty text")
    return _printable(value)


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_non_blank)]
"""A name, a reason, a place: non-empty after trimming, at most 500 characters, printable (tab and newline
allowed; no other control characters, no NUL, no lone surrogates)."""
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_non_blank)]
"""A reporting period such as 2021-H1."""
Actor = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_non_blank)]
PersonalNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), AfterValidator(_non_blank)]
Texts = Annotated[list[Text], Field(max_length=1000)]
NonEmptyTexts = Annotated[list[Text], Field(min_length=1, max_length=1000)]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise _error("slug", "must be 2-63 lower-case letters, digits or hyphens")
    return value


Slug = Annotated[str, Field(max_length=63), AfterValidator(_slug)]
"""A programme's short name in paths: 2-63 lower-case letters, digits or hyphens."""


# --- numbers ------------------------------------------------------------------------------------------------


def _integer(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error("integer", "must be an integer")
    return value


def _minor_units(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error("minor_units", "must be an integer number of minor units (øre, öre, cent)")
    return value


Amount = Annotated[int, BeforeValidator(_minor_units), Field(gt=0, le=MAX_AMOUNT)]
"""Money: a positive integer number of minor units (øre, öre, cent); floats are refused."""
Count = Annotated[int, BeforeValidator(_integer), Field(ge=0, le=MAX_COUNT)]
"""A cap or a target: 0 to 10^9."""
Headcount = Annotated[int, BeforeValidator(_integer), Field(ge=1, le=MAX_HEADCOUNT)]
"""The people an activity counts: 1 to 100,000."""
Version = Annotated[int, BeforeValidator(_integer), Field(ge=1, le=MAX_VERSION)]
Minutes = Annotated[int, BeforeValidator(_integer), Field(ge=1, le=24 * 60)]
"""Training time in whole minutes, so hours add up without floats: 1 to 1440 (one day)."""
ParticipantMinutes = Annotated[int, BeforeValidator(_integer), Field(ge=1, le=MAX_COUNT)]
"""Participants' attended time in whole minutes, summed over participants: 1 to 10^9."""
BasisPoints = Annotated[int, BeforeValidator(_integer), Field(ge=0, le=10_000)]
"""A share in basis points: 0 to 10000 (100 %)."""
Flag = StrictBool


# --- dates and ids ------------------------------------------------------------------------------------------


def _day(value: Any) -> Any:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _error("day", "must be a date (YYYY-MM-DD)")


Day = Annotated[date, BeforeValidator(_day)]


def _uuid(value: Any) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise _error("uuid", "must be a UUID")


Id = Annotated[str, Field(max_length=36, json_schema_extra={"format": "uuid"}), BeforeValidator(_uuid)]
"""An id the ledger gave (or a client chose) for a participant, module, session, allocation...: a UUID."""
Ids = Annotated[list[Id], Field(max_length=MAX_BATCH)]


# --- organisation numbers -----------------------------------------------------------------------------------


def parse_org_number(value: Any) -> str:
    """Validate with python-stdnum and write as country + digits ("NO923609016", "SE5560360793"). `value` may
    carry the country prefix; without it, 9 digits are Norwegian (MOD11) and 10 Swedish (Luhn)."""
    if not isinstance(value, str):
        raise _error("org_number", "must be an organisation number as text")
    raw = value.strip().upper()
    country = None
    if raw[:2] in ("NO", "SE"):
        country, raw = raw[:2], raw[2:]
    digits = re.sub(r"[\s-]", "", raw)
    if country is None:
        country = {9: "NO", 10: "SE"}.get(len(digits))
    try:
        if country == "NO":
            return "NO" + str(no_orgnr.validate(digits))
        if country == "SE":
            return "SE" + str(se_orgnr.validate(digits))
    except StdnumError as error:
        label = "Norwegian (MOD11)" if country == "NO" else "Swedish (Luhn)"
        raise _error("org_number", f"{value[:40]!r} is not a valid {label} organisation number: {error}") from None
    raise _error("org_number", "is neither a Norwegian (9 digits) nor a Swedish (10 digits) organisation number")


OrgNumber = Annotated[
    str,
    Field(max_length=40, examples=["923609016"], description="Norwegian 9 digits (MOD11) or Swedish 10 (Luhn)"),
    BeforeValidator(parse_org_number),
]
"""A company's organisation number, written with its country: NO + 9 digits or SE + 10 digits."""


# --- decisions ----------------------------------------------------------------------------------------------


class Decision(BaseModel):
    """The decision behind an event: a reference (board meeting, case number) and the deciding body."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    reference: Text = Field(examples=["Board meeting 2021-02-03, case 21/14"])
    body: Text = Field(examples=["Trepartsorganet"])

    def as_dict(self) -> dict[str, str]:
        return {"reference": self.reference, "body": self.body}
