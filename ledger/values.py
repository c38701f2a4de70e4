"""Value types and their validation: organisation numbers, money, decisions, ESF attributes."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from ledger.errors import InvalidInput


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


class RecipientKind(StrEnum):
    PROVIDER = "provider"
    COMPANY = "company"
    MODULE = "module"
    TARGET_GROUP = "target_group"
    PURPOSE = "purpose"


E = TypeVar("E", bound=StrEnum)

CAP_NAMES = frozenset({"companies", "participants"})
TARGET_NAMES = frozenset({"companies", "participants", "activities", "sessions", "training_hours"})


def choice(enum: type[E], field: str, value: Any) -> E:
    """Parse a value of a closed set, naming the field and the allowed values when it is not one."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(field, f"{value!r} is not one of {allowed}") from None


def optional_choice(enum: type[E], field: str, value: Any) -> E | None:
    return None if value is None else choice(enum, field, value)


def text(field: str, value: Any, *, max_length: int = 500) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, "must be a non-empty text")
    if len(value) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    return value.strip()


def texts(field: str, values: Any, *, allow_empty: bool = True) -> list[str]:
    if not isinstance(values, list | tuple):
        raise InvalidInput(field, "must be a list of texts")
    result = [text(f"{field}[{i}]", v) for i, v in enumerate(values)]
    if not allow_empty and not result:
        raise InvalidInput(field, "must name at least one")
    return result


def amount(field: str, value: Any) -> int:
    """Money is a positive integer number of minor units (øre, öre, cent); floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, "must be an integer number of minor units (øre, öre, cent)")
    if value <= 0:
        raise InvalidInput(field, "must be greater than zero")
    if value > 10**15:
        raise InvalidInput(field, "is implausibly large")
    return value


def count(field: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, "must be an integer")
    if value < minimum:
        raise InvalidInput(field, f"must be at least {minimum}")
    return value


def minutes(field: str, value: Any) -> int:
    """Training time is kept in whole minutes, an integer, so hours add up without floats."""
    result = count(field, value, minimum=1)
    if result > 24 * 60:
        raise InvalidInput(field, "must be at most 1440 minutes (one day)")
    return result


def day(field: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(field, "must be a date (YYYY-MM-DD)")


def optional_day(field: str, value: Any) -> date | None:
    return None if value is None else day(field, value)


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def slug(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise InvalidInput(field, "must be 2-63 lower-case letters, digits or hyphens")
    return value


@dataclass(frozen=True)
class OrgNumber:
    """A company's organisation number: Norway 9 digits (MOD11), Sweden 10 digits (Luhn)."""

    country: str
    number: str

    def __str__(self) -> str:
        return f"{self.country}{self.number}"


def org_number(field: str, value: Any, country: str | None = None) -> OrgNumber:
    """Validate with python-stdnum. `value` may carry the country prefix ("NO923609016", "SE556036-0793")."""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be an organisation number as text")
    raw = value.strip().upper()
    if raw[:2] in ("NO", "SE"):
        country, raw = raw[:2], raw[2:]
    digits = re.sub(r"[\s-]", "", raw)
    if country is None:
        country = {9: "NO", 10: "SE"}.get(len(digits))
    try:
        if country == "NO":
            return OrgNumber("NO", no_orgnr.validate(digits))
        if country == "SE":
            return OrgNumber("SE", se_orgnr.validate(digits))
    except StdnumError as error:
        label = "Norwegian (MOD11)" if country == "NO" else "Swedish (Luhn)"
        raise InvalidInput(field, f"{value!r} is not a valid {label} organisation number: {error}") from None
    raise InvalidInput(field, f"{value!r} is neither a Norwegian (9 digits) nor a Swedish (10 digits) number")


@dataclass(frozen=True)
class Decision:
    """The decision behind an event: a reference (board meeting, case number) and the deciding body."""

    reference: str
    body: str

    @classmethod
    def parse(cls, field: str, value: Any) -> Decision:
        if isinstance(value, Decision):
            return value
        if not isinstance(value, dict):
            raise InvalidInput(field, "must give a decision reference and the deciding body")
        return cls(text(f"{field}.reference", value.get("reference")), text(f"{field}.body", value.get("body")))

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
