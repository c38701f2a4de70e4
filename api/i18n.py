"""The pages' languages: the words of each page in Norwegian Bokmål, Swedish and English, declared once here as one
dict per language, and numbers, money and dates formatted by Babel with the chosen locale's conventions.

A declared dict rather than gettext .po/.mo files: the catalogue is small, it needs no compile step at build or
install time, mypy sees it, and tests/browser/test_i18n.py checks that every language has every key."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, get_currency_precision

if TYPE_CHECKING:
    from starlette.requests import Request

_LETTER_DIGIT = re.compile(r"([^\W\d])(\d)")
_DIGIT_LETTER = re.compile(r"(\d)([^\W\d])")

LANGUAGES = ("nb", "sv", "en")
"""The languages offered, in the order the switch shows them; the first is the fallback."""
COOKIE = "ledger_lang"

NAMES = {"nb": "Norsk bokmål", "sv": "Svenska", "en": "English"}
"""Each language in its own words, for the switch."""

EN: dict[str, str] = {
    "one_a_line": "One a line.",
    "field.role": "Role",
    "field.actor": "Who acts with it (recorded on every event it causes)",
    "field.programmes": "Programmes it covers (coordinators and funders)",
    "field.days": "Days it works",
    "field.participant_id": "Participant's pseudonymous id",
    "field.effective_on": "Effective on (if not today)",
    "form_problem": "Nothing was recorded: {message}",
    "ledger": "Programme ledger",
    "skip": "Skip to the content",
    "language": "Language",
    "logged_in_as": "Logged in as {actor} ({role})",
    "log_in": "Log in",
    "log_out": "Log out",
    "token": "Token",
    "token_hint": "Tokens are printed by scripts/run, or made by an administrator.",
    "error.unknown_token": "Unknown, expired or revoked token.",
    "programmes": "Programmes",
    "programme": "Programme",
    "owner": "Owner",
    "period": "Period",
    "companies": "Companies",
    "participants": "Participants",
    "granted": "Granted",
    "allocated": "Allocated",
    "disbursed": "Disbursed",
    "spent": "Spent",
    "as_of": "Effective by",
    "show": "Show",
    "now": "Now",
    "showing_now": "Showing the ledger now",
    "showing_as_of": "Showing what had taken effect by {day}",
    "status": "Status",
    "funding_audit": "Funding audit",
    "not_yet": "The programme did not exist on that date.",
    "funded_by": "funded by {funders}",
    "companies_joined": "companies joined",
    "companies_joined_cap": "companies joined of a cap of {cap}",
    "presentations_held": "presentations held",
    "sessions_held": "sessions held",
    "activities_held": "activities held",
    "remaining_to_allocate": "remaining to allocate",
    "charts": "Charts",
    "chart.recruitment": "Companies joined (cumulative)",
    "chart.funds": "Funds ({currency})",
    "chart.sessions": "Sessions, activities and attendance",
    "chart.target_groups": "Participants by target group",
    "chart.nothing": "Nothing recorded yet",
    "chart.cap": "cap",
    "chart.target": "target",
    "chart.cap_and_target": "cap and target",
    "bar.sessions_held": "sessions held",
    "bar.sessions_upcoming": "sessions upcoming",
    "bar.attendances": "attendances",
    "bar.participant_hours": "participant-hours",
    "bar.activities_held": "activities held",
    "bar.activity_participants": "activity participants",
    "pipeline": "Pipeline",
    "stage": "Stage",
    "network_groups": "Network groups",
    "group": "Group",
    "basis": "Basis",
    "members": "Members",
    "upcoming_sessions": "Upcoming sessions",
    "date": "Date",
    "place": "Place",
    "none": "none",
    "reconciled": "Reconciled: granted = allocated + unallocated, allocated = disbursed + outstanding",
    "not_reconciled": "Not reconciled",
    "effective": "Effective",
    "kind": "Kind",
    "party": "Party",
    "amount": "Amount",
    "from": "From",
    "to": "To",
    "balance": "Balance",
    "decision": "Decision",
    "body": "Body",
    "actor": "Actor",
    "recorded": "Recorded",
    "error.title": "Something went wrong",
    "error.401": "You are not logged in, or your token no longer works.",
    "error.403": "Your token does not allow this page.",
    "error.404": "There is nothing here.",
    "error.409": "The ledger refused this.",
    "error.422": "Something in the request is not valid.",
    "error.500": "An unexpected error occurred; nothing was half-written.",
    "error.other": "The request could not be answered.",
    "error.details": "Details",
    "back_to_programmes": "Back to the programmes",
    "back_to_login": "Log in",
    "admin": "Administration",
    "tokens": "Tokens",
    "new_token": "Create a token",
    "role": "Role",
    "role.admin": "administrator",
    "role.coordinator": "coordinator",
    "role.funder": "funder",
    "role.analyst": "analyst",
    "create": "Create",
    "created": "Created",
    "expires": "Expires",
    "revoked": "Revoked",
    "revoke": "Revoke",
    "token_shown_once": "The new token, shown this once (only its hash is kept):",
    "token_revoked": "The token {token_id} is revoked; it stops working at once.",
    "token_unknown": "No such token, or it is already revoked.",
    "erasure": "Erase a participant",
    "erasure_hint": "The participant's key and sealed details are destroyed; every count stays.",
    "erase": "Erase…",
    "erase_confirm": "Erase this participant for good",
    "erase_question": "Erase participant {participant_id} of {programme}? This cannot be undone.",
    "cancel": "Cancel",
    "erasure_proof": "Erasure proof",
    "erasure_recorded": "The erasure is recorded at log position {position} (version {version} of the programme).",
    "erasure_identity_gone": "The identifying details can no longer be read: the ledger answers {answer}.",
    "erasure_identity_still": "The identifying details can still be read.",
    "field_required": "Required",
}

NB: dict[str, str] = {
    "one_a_line": "Én per linje.",
    "field.role": "Rolle",
    "field.actor": "Hvem som bruker den (registreres på hver hendelse den gir)",
    "field.programmes": "Programmer den dekker (koordinatorer og finansiører)",
    "field.days": "Dager den virker",
    "field.participant_id": "Deltakerens pseudonyme id",
    "field.effective_on": "Virkningsdato (om ikke i dag)",
    "form_problem": "Ingenting ble registrert: {message}",
    "ledger": "Programregnskap",
    "skip": "Hopp til innholdet",
    "language": "Språk",
    "logged_in_as": "Logget inn som {actor} ({role})",
    "log_in": "Logg inn",
    "log_out": "Logg ut",
    "token": "Nøkkel",
    "token_hint": "Nøkler skrives ut av scripts/run eller lages av en administrator.",
    "error.unknown_token": "Ukjent, utløpt eller tilbakekalt nøkkel.",
    "programmes": "Programmer",
    "programme": "Program",
    "owner": "Eier",
    "period": "Periode",
    "companies": "Bedrifter",
    "participants": "Deltakere",
    "granted": "Tilsagn",
    "allocated": "Fordelt",
    "disbursed": "Utbetalt",
    "spent": "Brukt",
    "as_of": "Virksomt per",
    "show": "Vis",
    "now": "Nå",
    "showing_now": "Viser regnskapet nå",
    "showing_as_of": "Viser det som hadde virkning per {day}",
    "status": "Status",
    "funding_audit": "Midlerevisjon",
    "not_yet": "Programmet fantes ikke på den datoen.",
    "funded_by": "finansiert av {funders}",
    "companies_joined": "bedrifter med",
    "companies_joined_cap": "bedrifter med av et tak på {cap}",
    "presentations_held": "presentasjoner holdt",
    "sessions_held": "samlinger holdt",
    "activities_held": "aktiviteter holdt",
    "remaining_to_allocate": "igjen å fordele",
    "charts": "Diagrammer",
    "chart.recruitment": "Bedrifter med (kumulativt)",
    "chart.funds": "Midler ({currency})",
    "chart.sessions": "Samlinger, aktiviteter og oppmøte",
    "chart.target_groups": "Deltakere etter målgruppe",
    "chart.nothing": "Ingenting registrert ennå",
    "chart.cap": "tak",
    "chart.target": "mål",
    "chart.cap_and_target": "tak og mål",
    "bar.sessions_held": "samlinger holdt",
    "bar.sessions_upcoming": "kommende samlinger",
    "bar.attendances": "oppmøter",
    "bar.participant_hours": "deltakertimer",
    "bar.activities_held": "aktiviteter holdt",
    "bar.activity_participants": "aktivitetsdeltakere",
    "pipeline": "Rekruttering",
    "stage": "Trinn",
    "network_groups": "Nettverksgrupper",
    "group": "Gruppe",
    "basis": "Grunnlag",
    "members": "Medlemmer",
    "upcoming_sessions": "Kommende samlinger",
    "date": "Dato",
    "place": "Sted",
    "none": "ingen",
    "reconciled": "Avstemt: tilsagn = fordelt + ufordelt, fordelt = utbetalt + utestående",
    "not_reconciled": "Ikke avstemt",
    "effective": "Virkning",
    "kind": "Type",
    "party": "Part",
    "amount": "Beløp",
    "from": "Fra",
    "to": "Til",
    "balance": "Saldo",
    "decision": "Vedtak",
    "body": "Organ",
    "actor": "Utført av",
    "recorded": "Registrert",
    "error.title": "Noe gikk galt",
    "error.401": "Du er ikke logget inn, eller nøkkelen din virker ikke lenger.",
    "error.403": "Nøkkelen din gir ikke tilgang til denne siden.",
    "error.404": "Det finnes ingenting her.",
    "error.409": "Regnskapet avviste dette.",
    "error.422": "Noe i forespørselen er ugyldig.",
    "error.500": "En uventet feil oppsto; ingenting ble halvveis skrevet.",
    "error.other": "Forespørselen kunne ikke besvares.",
    "error.details": "Detaljer",
    "back_to_programmes": "Tilbake til programmene",
    "back_to_login": "Logg inn",
    "admin": "Administrasjon",
    "tokens": "Nøkler",
    "new_token": "Lag en nøkkel",
    "role": "Rolle",
    "role.admin": "administrator",
    "role.coordinator": "koordinator",
    "role.funder": "finansiør",
    "role.analyst": "analytiker",
    "create": "Lag",
    "created": "Laget",
    "expires": "Utløper",
    "revoked": "Tilbakekalt",
    "revoke": "Tilbakekall",
    "token_shown_once": "Den nye nøkkelen, vist denne ene gangen (bare hashen lagres):",
    "token_revoked": "Nøkkelen {token_id} er tilbakekalt; den slutter å virke med en gang.",
    "token_unknown": "Ingen slik nøkkel, eller den er allerede tilbakekalt.",
    "erasure": "Slett en deltaker",
    "erasure_hint": "Deltakerens nøkkel og forseglede opplysninger ødelegges; alle tall består.",
    "erase": "Slett…",
    "erase_confirm": "Slett denne deltakeren for godt",
    "erase_question": "Slette deltaker {participant_id} i {programme}? Dette kan ikke angres.",
    "cancel": "Avbryt",
    "erasure_proof": "Bevis på sletting",
    "erasure_recorded": "Slettingen er registrert på loggposisjon {position} (versjon {version} av programmet).",
    "erasure_identity_gone": "Personopplysningene kan ikke lenger leses: regnskapet svarer {answer}.",
    "erasure_identity_still": "Personopplysningene kan fortsatt leses.",
    "field_required": "Påkrevd",
}

SV: dict[str, str] = {
    "one_a_line": "En per rad.",
    "field.role": "Roll",
    "field.actor": "Vem som använder den (registreras på varje händelse den ger)",
    "field.programmes": "Program den omfattar (samordnare och finansiärer)",
    "field.days": "Dagar den gäller",
    "field.participant_id": "Deltagarens pseudonyma id",
    "field.effective_on": "Gäller från (om inte i dag)",
    "form_problem": "Ingenting registrerades: {message}",
    "ledger": "Programliggaren",
    "skip": "Hoppa till innehållet",
    "language": "Språk",
    "logged_in_as": "Inloggad som {actor} ({role})",
    "log_in": "Logga in",
    "log_out": "Logga ut",
    "token": "Nyckel",
    "token_hint": "Nycklar skrivs ut av scripts/run eller skapas av en administratör.",
    "error.unknown_token": "Okänd, utgången eller återkallad nyckel.",
    "programmes": "Program",
    "programme": "Program",
    "owner": "Ägare",
    "period": "Period",
    "companies": "Företag",
    "participants": "Deltagare",
    "granted": "Beviljat",
    "allocated": "Fördelat",
    "disbursed": "Utbetalt",
    "spent": "Förbrukat",
    "as_of": "Gällande per",
    "show": "Visa",
    "now": "Nu",
    "showing_now": "Visar liggaren nu",
    "showing_as_of": "Visar det som gällde per {day}",
    "status": "Status",
    "funding_audit": "Medelsrevision",
    "not_yet": "Programmet fanns inte det datumet.",
    "funded_by": "finansierat av {funders}",
    "companies_joined": "anslutna företag",
    "companies_joined_cap": "anslutna företag av ett tak på {cap}",
    "presentations_held": "presentationer hållna",
    "sessions_held": "träffar hållna",
    "activities_held": "aktiviteter hållna",
    "remaining_to_allocate": "kvar att fördela",
    "charts": "Diagram",
    "chart.recruitment": "Anslutna företag (kumulativt)",
    "chart.funds": "Medel ({currency})",
    "chart.sessions": "Träffar, aktiviteter och närvaro",
    "chart.target_groups": "Deltagare per målgrupp",
    "chart.nothing": "Inget registrerat än",
    "chart.cap": "tak",
    "chart.target": "mål",
    "chart.cap_and_target": "tak och mål",
    "bar.sessions_held": "träffar hållna",
    "bar.sessions_upcoming": "kommande träffar",
    "bar.attendances": "närvarotillfällen",
    "bar.participant_hours": "deltagartimmar",
    "bar.activities_held": "aktiviteter hållna",
    "bar.activity_participants": "aktivitetsdeltagare",
    "pipeline": "Rekrytering",
    "stage": "Steg",
    "network_groups": "Nätverksgrupper",
    "group": "Grupp",
    "basis": "Grund",
    "members": "Medlemmar",
    "upcoming_sessions": "Kommande träffar",
    "date": "Datum",
    "place": "Plats",
    "none": "inga",
    "reconciled": "Avstämt: beviljat = fördelat + ofördelat, fördelat = utbetalt + utestående",
    "not_reconciled": "Inte avstämt",
    "effective": "Gäller från",
    "kind": "Typ",
    "party": "Part",
    "amount": "Belopp",
    "from": "Från",
    "to": "Till",
    "balance": "Saldo",
    "decision": "Beslut",
    "body": "Organ",
    "actor": "Utfört av",
    "recorded": "Registrerat",
    "error.title": "Något gick fel",
    "error.401": "Du är inte inloggad, eller så fungerar din nyckel inte längre.",
    "error.403": "Din nyckel ger inte tillgång till den här sidan.",
    "error.404": "Det finns ingenting här.",
    "error.409": "Liggaren avvisade detta.",
    "error.422": "Något i begäran är ogiltigt.",
    "error.500": "Ett oväntat fel inträffade; ingenting skrevs till hälften.",
    "error.other": "Begäran kunde inte besvaras.",
    "error.details": "Detaljer",
    "back_to_programmes": "Tillbaka till programmen",
    "back_to_login": "Logga in",
    "admin": "Administration",
    "tokens": "Nycklar",
    "new_token": "Skapa en nyckel",
    "role": "Roll",
    "role.admin": "administratör",
    "role.coordinator": "samordnare",
    "role.funder": "finansiär",
    "role.analyst": "analytiker",
    "create": "Skapa",
    "created": "Skapad",
    "expires": "Går ut",
    "revoked": "Återkallad",
    "revoke": "Återkalla",
    "token_shown_once": "Den nya nyckeln, visad denna enda gång (bara dess hash sparas):",
    "token_revoked": "Nyckeln {token_id} är återkallad; den slutar fungera direkt.",
    "token_unknown": "Ingen sådan nyckel, eller så är den redan återkallad.",
    "erasure": "Radera en deltagare",
    "erasure_hint": "Deltagarens nyckel och förseglade uppgifter förstörs; alla siffror består.",
    "erase": "Radera…",
    "erase_confirm": "Radera denna deltagare för gott",
    "erase_question": "Radera deltagare {participant_id} i {programme}? Det går inte att ångra.",
    "cancel": "Avbryt",
    "erasure_proof": "Bevis på radering",
    "erasure_recorded": "Raderingen är registrerad på loggposition {position} (version {version} av programmet).",
    "erasure_identity_gone": "Personuppgifterna kan inte längre läsas: liggaren svarar {answer}.",
    "erasure_identity_still": "Personuppgifterna kan fortfarande läsas.",
    "field_required": "Obligatoriskt",
}

CATALOGUE: dict[str, dict[str, str]] = {"en": EN, "nb": NB, "sv": SV}


def choose(request: Request) -> str:
    """The page's language: `?lang=` (the switch), else the cookie the switch set, else the browser's
    Accept-Language, else Bokmål."""
    for asked in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if asked in LANGUAGES:
            return asked
    wanted = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, weight = part.strip().partition(";q=")
        try:
            wanted.append((float(weight or 1), tag.strip().replace("-", "_")))
        except ValueError:
            continue
    for _, tag in sorted(wanted, key=lambda pair: -pair[0]):
        language = tag.split("_")[0].lower()
        if language in ("no", "nn"):  # Norwegian asked without the written standard, or Nynorsk: Bokmål is nearest
            language = "nb"
        if language in LANGUAGES:
            return language
    return LANGUAGES[0]


class Words:
    """One page's words and formats in one language: `words("key", name=value)`, `words.money(minor, "NOK")`."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._messages = CATALOGUE[language]

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages[key]
        return text.format(**values) if values else text

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def money(self, minor: int, currency: str) -> str:
        """An amount held in minor units (øre, öre, cents), shown with every minor unit: never rounded away."""
        digits = get_currency_precision(currency)
        major = Decimal(minor).scaleb(-digits)
        shown = format_currency(major, currency, locale=self.locale, decimal_quantization=False)
        # CLDR's currency spacing, which Babel leaves out: a code of letters never touches a digit ("NOK 1.00").
        return _LETTER_DIGIT.sub("\\1\u00a0\\2", _DIGIT_LETTER.sub("\\1\u00a0\\2", shown))

    def major(self, minor: int, currency: str) -> Decimal:
        """The amount in the currency's major unit, exact."""
        return Decimal(minor).scaleb(-get_currency_precision(currency))

    def day(self, value: date | str | None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, format="medium", locale=self.locale)

    def moment(self, value: datetime | str | None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return format_datetime(value, format="short", locale=self.locale)
