"""Web pages for coordinators, funders, analysts and admins: server-rendered Jinja2 templates (api/templates/) in
the reader's language (api/i18n.py), working with no script. Every read page takes ?as_of_date= and shows what had
taken effect by that day."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from api import i18n
from api.deps import AsOf, ServicesDep, may_read, principal_of, programme_view, store_view
from api.tokens import Principal
from bootstrap import Services
from ledger.errors import InvalidInput
from projections.audit import queries as audit_queries
from projections.audit.answers import FundingAudit
from projections.evaluation import queries as evaluation_queries
from projections.evaluation.answers import Week
from projections.status import queries as status_queries
from projections.status.answers import ProgrammeStatus, Stage

router = APIRouter(include_in_schema=False)

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

LOGIN_ERRORS = ("error.unknown_token",)
"""The only messages the login page shows after `?error=`: a code naming one of them; any other text is ignored."""

_UUID = re.compile(r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def short_ids(text: str) -> Markup:
    """Escaped text with each UUID cut to its first eight digits; the whole text stays in the title."""
    if not _UUID.search(text):
        return escape(text)
    short = _UUID.sub(lambda found: found.group(1) + "…", text)
    return Markup('<span title="{}">{}</span>').format(text, short)


TEMPLATES.filters["short_ids"] = short_ids


def named(text: str | None, names: dict[str, str]) -> Markup:
    """A party or an account by its name where one is known, else with its ids cut short."""
    if not text:
        return Markup("")
    return escape(names[text]) if text in names else short_ids(text)


TEMPLATES.filters["named"] = named

MONEY_FIGURES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "status": (("funds.",), frozenset()),
    "audit": (
        ("budget_lines.", "reconciliation.totals."),
        frozenset(
            {
                "amount",
                "from_balance",
                "to_balance",
                "balance",
                "credits",
                "debits",
                "from_entries",
                "spent",
                "cash",
                "in_kind",
                "contributed",
                "required",
                "shortfall",
                "allocated",
                "disbursed",
                "remaining",
                "pending",
            }
        ),
    ),
    "evaluation": ((), frozenset({"spent", "disbursed", "cost_per_participant", "cost_per_participant_hour"})),
}
"""The published figures held in minor units (docs/figures.md), by answer: the paths they start with, or their
last part (`entries[…].amount`, `costs.spent`). The pages show them in the currency's major unit."""


def is_money(answer: str, figure: str) -> bool:
    prefixes, leaves = MONEY_FIGURES.get(answer, ((), frozenset()))
    leaf = figure.rsplit(".", 1)[-1]
    return figure.startswith(prefixes) or ("." in figure and leaf in leaves) or figure in leaves


def figure_value(words: i18n.Words, currency: str, answer: str, figure: str, value: Any) -> str:
    """A figure as the reader reads it: money in the major unit with the locale's marks, numbers with its
    decimal mark and grouping, a missing value as a dash, anything else as it is."""
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) and is_money(answer, figure):
        return words.money(value, currency)
    if isinstance(value, int | float):
        return words.number(value)
    return str(value)


TEMPLATES.globals["figure_value"] = figure_value


def programme_currency(services: Services, slug: str) -> str:
    """The programme's currency, for the pages that show its money."""
    with programme_view(services, slug, AsOf(position=None, time=None, day=None, wait_for=None)) as (db, pid):
        status = status_queries.programme_status(db, pid)
    return status.programme.currency if status else "NOK"


def _language_links(request: Request) -> list[tuple[str, str, str]]:
    """(code, name, link) for the language switch: this page again with ?lang= (a plain link: no script). Of the
    query only the as-of date is kept, so no other text of the address comes back on the page."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k == "as_of_date" and _is_day(v)]
    return [
        (code, i18n.NAMES[code], f"{request.url.path}?{urlencode([*kept, ('lang', code)])}") for code in i18n.LANGUAGES
    ]


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def render(
    request: Request,
    template: str,
    title_key: str,
    *,
    principal: Principal | None = None,
    services: Services | None = None,
    status_code: int = 200,
    title: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page in the reader's language; with the services, a banner for each read model stalled on an event (its
    figures stop there). A language picked with ?lang= is kept in a cookie for the next pages."""
    words = i18n.Words(i18n.choose(request))
    html = TEMPLATES.get_template(template).render(
        words=words,
        title=title or words(title_key),
        principal=principal,
        languages=_language_links(request),
        stalls=services.projector.stalls() if services is not None else [],
        csrf=csrf_token(request),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, words.language, samesite="strict", path="/", max_age=365 * 24 * 3600)
    return response


def csrf_token(request: Request) -> str:
    """A form's guard against another site posting with the reader's cookie: derived from the token cookie, which
    the other site cannot read."""
    token = request.cookies.get("ledger_token", "")
    return hmac.new(token.encode(), b"ledger-page-form", hashlib.sha256).hexdigest() if token else ""


def check_csrf(request: Request, sent: str) -> None:
    expected = csrf_token(request)
    if not expected or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "the form is stale or came from another site; open the page again")


def page_principal(request: Request, services: Services) -> Principal | None:
    """The reader, by the login cookie (a page's form posts with it too: each form carries `csrf_token`, which
    another site cannot know), or by a bearer token."""
    cookie = request.cookies.get("ledger_token")
    if cookie and request.method == "POST":
        return services.tokens.authenticate(cookie)
    try:
        return principal_of(request, services, request.headers.get("authorization"))
    except HTTPException:
        return None


def _moment(as_of_date: date | None) -> AsOf:
    return AsOf(position=None, time=None, day=as_of_date, wait_for=None)


def _suffix(as_of_date: date | None) -> str:
    return f"?as_of_date={as_of_date.isoformat()}" if as_of_date else ""


# --- logging in ------------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, services: ServicesDep, error: str = "") -> HTMLResponse:
    return render(
        request,
        "login.html",
        "log_in",
        principal=page_principal(request, services),
        error=error if error in LOGIN_ERRORS else None,
    )


@router.post("/login")
def login(request: Request, services: ServicesDep, token: Annotated[str, Form()] = "") -> Response:
    if services.tokens.authenticate(token) is None:
        return RedirectResponse("/login?error=error.unknown_token", status_code=303)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        "ledger_token", token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
    )
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("ledger_token")
    return response


# --- reading ---------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def programme_list(
    request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    with store_view(services, _moment(as_of_date)) as db:
        found = [p for p in status_queries.list_programmes(db) if principal.covers(p.slug)]
    return render(
        request,
        "programmes.html",
        "programmes",
        principal=principal,
        services=services,
        programmes=found,
        as_of_date=as_of_date,
        suffix=_suffix(as_of_date),
    )


@router.get("/programmes/{slug}", response_class=HTMLResponse)
def programme_page(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    with programme_view(services, slug, _moment(as_of_date)) as (db, programme_id):
        status = status_queries.programme_status(db, programme_id)
        weekly = evaluation_queries.weekly_series(db, programme_id)
    words = i18n.Words(i18n.choose(request))
    charts = status_charts(status, weekly, words) if status is not None else []
    return render(
        request,
        "status.html",
        "status",
        title=status.programme.name if status else slug,
        principal=principal,
        services=services,
        slug=slug,
        status=status,
        charts=charts,
        chart_data=chart_data(charts),
        stages=[stage.value for stage in Stage],
        as_of_date=as_of_date,
        suffix=_suffix(as_of_date),
    )


def status_charts(status: ProgrammeStatus, weekly: list[Week], words: i18n.Words) -> list[dict[str, Any]]:
    """The status page's four charts, each a title, its points (label, value, the value as the reader reads it)
    and what ECharts needs to draw it (static/charts.js); the page shows the same points as a table, which is
    all a reader without scripts gets. Every value is one of the answer's figures, converted only for showing
    (money in the major unit)."""
    pipeline, money, currency = status.pipeline, status.funds, status.programme.currency
    cap, target = pipeline.cap, pipeline.target
    if cap and cap == target:
        limits = [{"name": words("chart.cap_and_target"), "value": cap}]
    else:
        limits = [{"name": words(key), "value": value} for key, value in (("chart.cap", cap), ("chart.target", target))
                  if value]  # fmt: skip

    def bars(chart_id: str, title: str, points: list[tuple[str, float, str]]) -> dict[str, Any]:
        return {"id": chart_id, "title": title, "kind": "bar", "horizontal": True, "points": points,
                "x": [label for label, _, _ in points],
                "series": [{"name": title, "data": [value for _, value, _ in points],
                            "shown": [shown for _, _, shown in points]}]}  # fmt: skip

    money_figures = (("granted", money.granted), ("allocated", money.allocated), ("disbursed", money.disbursed),
                     ("spent", money.spent))  # fmt: skip
    funds = [(words(key).lower(), figure) for key, figure in money_figures]
    hours = status.training.participant_hours + status.activities.participant_hours
    training = [
        (words("bar.sessions_held"), len(status.sessions.held)),
        (words("bar.sessions_upcoming"), len(status.sessions.upcoming)),
        (words("bar.attendances"), status.training.attendances),
        (words("bar.participant_hours"), hours),
        (words("bar.activities_held"), status.activities.held),
        (words("bar.activity_participants"), status.activities.participants),
    ]
    joined = [(words.day(w.week), w.cumulative.companies_joined) for w in weekly]
    return [
        {"id": "recruitment", "title": words("chart.recruitment"), "kind": "line", "limits": limits,
         "points": [(day, count, words.number(count)) for day, count in joined], "x_name": words("week"),
         "x": [day for day, _ in joined],
         "series": [{"name": words("companies_joined"), "data": [count for _, count in joined],
                     "shown": [words.number(count) for _, count in joined]}]},
        bars("funds", words("chart.funds", currency=currency),
             [(label, float(words.major(figure, currency)), words.money(figure, currency)) for label, figure in funds]),
        bars("sessions", words("chart.sessions"), [(label, value, words.number(value)) for label, value in training]),
        bars("target-groups", words("chart.target_groups"),
             [(words.option(group), count, words.number(count))
              for group, count in status.participants.by_target_group.items()]),
    ]  # fmt: skip


def chart_data(charts: list[dict[str, Any]]) -> Markup:
    """The charts as JSON for static/charts.js, in a script element no browser runs; `<` escaped."""
    data = {chart["id"]: {k: v for k, v in chart.items() if k != "points"} for chart in charts}
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return Markup('<script type="application/json" id="chart-data">{}</script>').format(Markup(text))


def account_names(audit: FundingAudit, status: ProgrammeStatus | None, words: i18n.Words) -> dict[str, str]:
    """What a person calls each account and party of the audit, by the id the ledger keeps: a grant by its
    funder, an allocation and its disbursed money by the recipient, a company or a group by its name."""
    names: dict[str, str] = {}
    if status is not None:
        names.update({c.org_number: c.name for c in status.companies if c.name})
        names.update({g.group_id: g.name for g in status.network_groups})
        names.update({m.module_id: m.title for m in status.modules})
    for entry in audit.entries:
        if entry.kind == "grant" and entry.to_account and entry.funder:
            names[entry.to_account] = words("account.grant", name=entry.funder)
        if entry.funder:
            names[f"funder:{entry.funder}"] = entry.funder
    for entry in audit.entries:
        if entry.allocation_id and entry.recipient:
            party = names.get(entry.recipient, entry.recipient)
            names[f"allocation:{entry.allocation_id}"] = words("account.allocation", name=party)
            names[f"disbursed:{entry.allocation_id}"] = words("account.disbursed", name=party)
    return names


@router.get("/programmes/{slug}/audit", response_class=HTMLResponse)
def audit_page(
    slug: str,
    request: Request,
    services: ServicesDep,
    as_of_date: Annotated[date | None, Query()] = None,
    recorded_by: Annotated[date | None, Query()] = None,
) -> Response:
    """The funding audit on either time axis: what had taken effect by a day (`as_of_date`), or the ledger as it
    stood at the end of a day (`recorded_by`, a recorded time), never both."""
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    moment = _moment(as_of_date)
    if recorded_by is not None:
        moment = AsOf(position=None, time=_end_of(recorded_by), day=None, wait_for=None)
        if as_of_date is not None:
            raise InvalidInput("as_of", "give an effective date or a recorded date, not both")
    with programme_view(services, slug, moment) as (db, programme_id):
        audit = audit_queries.funding_audit(db, programme_id)
        status = status_queries.programme_status(db, programme_id)
    words = i18n.Words(i18n.choose(request))
    suffix = _suffix(as_of_date) or (f"?recorded_by={recorded_by.isoformat()}" if recorded_by else "")
    return render(
        request,
        "audit.html",
        "funding_audit",
        principal=principal,
        services=services,
        slug=slug,
        audit=audit,
        names=account_names(audit, status, words),
        stopped_targets={stop.target_id for stop in audit.payment_stops if stop.lifted_by is None},
        currency=status.programme.currency if status else "NOK",
        as_of_date=as_of_date,
        recorded_by=recorded_by,
        suffix=suffix,
    )


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


# --- errors ----------------------------------------------------------------------------------------------------


def is_page(request: Request) -> bool:
    """A request for a page (not the API, its docs or a static file): its errors are pages too."""
    path = request.url.path
    return not path.startswith(("/api", "/docs", "/openapi.json", "/static"))


def error_page(request: Request, status_code: int, detail: str | None) -> HTMLResponse:
    """An error as a page in the reader's language, with a way back: to the login form when the reader is not
    logged in, else to the programmes. The detail is the ledger's own message, never text from the address."""
    words = i18n.Words(i18n.choose(request))
    services: Services = request.app.state.services
    principal = page_principal(request, services)
    key = f"error.{status_code}" if f"error.{status_code}" in i18n.EN else "error.other"
    back = ("/", words("back_to_programmes")) if principal is not None else ("/login", words("back_to_login"))
    return render(
        request,
        "error.html",
        "error.title",
        principal=principal,
        status_code=status_code,
        explanation=words(key),
        detail=detail,
        back_href=back[0],
        back_label=back[1],
    )
