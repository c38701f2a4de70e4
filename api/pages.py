"""Web pages for coordinators and funders: server-rendered HTML with inline SVG charts, so they work with no
network access and no scripts. Every page takes ?as_of_date= and shows the ledger as of that day."""

from __future__ import annotations

import re
from datetime import date
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import AsOf, ServicesDep, may_read, principal_of, programme_view, store_view
from api.tokens import Principal
from projections.audit import queries as audit_queries
from projections.evaluation import queries as evaluation_queries
from projections.status import queries as status_queries
from projections.status.answers import Stage

router = APIRouter(include_in_schema=False)


def _page(title: str, body: str, services: Any = None) -> HTMLResponse:
    """A page; with the services, a banner for each read model stalled on an event (its figures stop there)."""
    if services is not None:
        banners = "".join(
            f'<p class="banner" role="alert" data-testid="stalled">The {escape(s.read_model)} figures stop before '
            f"log position {s.position} ({escape(s.event)}): an event there could not be applied. "
            "An administrator must fix it and rebuild.</p>"
            for s in services.projector.stalls()
        )
        body = banners + body
    return HTMLResponse(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)} · Programme ledger</title>
<link rel="stylesheet" href="/static/ledger.css"></head><body>
<header><a href="/">Programme ledger</a><span class="muted">{escape(title)}</span>
<a href="/logout" style="margin-left:auto;font-weight:400">Log out</a></header><main>{body}</main></body></html>"""
    )


def _principal(request: Request, services: Any) -> Principal | None:
    try:
        return principal_of(request, services, request.headers.get("authorization"))
    except HTTPException:
        return None


def _money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.0f} {currency}".replace(",", " ")


_UUID = re.compile(r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def _short_ids(text: str) -> str:
    """Escaped text with each UUID cut to its first eight digits; the whole text stays in the title."""
    if not _UUID.search(text):
        return escape(text)
    short = _UUID.sub(lambda found: found.group(1) + "…", text)
    return f'<span title="{escape(text)}">{escape(short)}</span>'


def _as_of_form(action: str, day: date | None) -> str:
    value = day.isoformat() if day else ""
    note = (
        f'<span class="muted" id="as-of-note">Showing the ledger as of {value}</span>'
        if day
        else ('<span class="muted" id="as-of-note">Showing the ledger now</span>')
    )
    return (
        f'<form class="as-of" method="get" action="{escape(action)}"><label for="as_of_date">As of</label>'
        f'<input type="date" id="as_of_date" name="as_of_date" value="{value}">'
        f'<button type="submit">Show</button><a href="{escape(action)}">Now</a>{note}</form>'
    )


def _card(label: str, figure: str, test_id: str) -> str:
    return f'<div class="card stat"><div class="figure" data-testid="{test_id}">{escape(figure)}</div><div class="label">{escape(label)}</div></div>'


def _number(value: float) -> str:
    """Whole numbers grouped by thousands with a space, as the money figures are."""
    return f"{value:,.0f}".replace(",", " ")


# --- charts (inline SVG) -------------------------------------------------------------------------------------


def bar_chart(title: str, bars: list[tuple[str, float]], chart_id: str, unit: str = "") -> str:
    width, row, font = 360, 26, 13
    # Room for the longest label on the left and for the figure after the longest bar on the right.
    label_width = min(max([len(label) for label, _ in bars] + [6]) * 8 + 12, 170)
    value_width = max([len(_number(v) + unit) for _, v in bars] + [1]) * 8 + 8
    span = width - label_width - value_width
    height = 30 + row * max(len(bars), 1)
    top = max([v for _, v in bars] + [1])
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" data-chart="{chart_id}">',
        f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = 26 + i * row
        w = 0 if top == 0 else (value / top) * span
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="{font}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="16" rx="2" fill="#1f6feb" data-value="{value}"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + 15}" font-size="{font}">{_number(value)}{escape(unit)}</text>'
        )
    if not bars:
        parts.append(f'<text x="0" y="44" font-size="{font}" fill="#5b6b7b">Nothing recorded yet</text>')
    parts.append("</svg>")
    return f'<div class="card">{"".join(parts)}</div>'


def line_chart(title: str, points: list[tuple[str, int]], chart_id: str, cap: int | None, target: int | None) -> str:
    width, height, left, right, bottom = 360, 200, 30, 350, 170
    top_value = max([v for _, v in points] + [cap or 0, target or 0, 1])
    scale = (bottom - 40) / top_value
    step = (right - left) / max(len(points) - 1, 1)
    coords = [(left + i * step, bottom - v * scale) for i, (_, v) in enumerate(points)]
    parts = [
        f'<svg viewBox="0 0 {width} {height + 10}" role="img" aria-label="{escape(title)}" data-chart="{chart_id}">',
        f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#d8dee6"/>',
        f'<text x="{left - 4}" y="{bottom + 4}" font-size="12" text-anchor="end" fill="#5b6b7b">0</text>',
    ]
    # A cap and a target of the same size share one line and one label, so the labels never overprint.
    limits = [("cap", cap, "#b35900"), ("target", target, "#1a7f37")]
    if cap and cap == target:
        limits = [("cap and target", cap, "#b35900")]
    limit_ys = [bottom - value * scale for _, value, _ in limits if value]
    for label, value, colour in limits:
        if value:
            y = bottom - value * scale
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{colour}" '
                f'stroke-dasharray="4 3"/><text x="{right}" y="{y - 4:.1f}" font-size="12" text-anchor="end" '
                f'fill="{colour}">{label} {value}</text>'
            )
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        last_x, last_y = coords[-1]
        # The latest figure sits above the line's end, or below it where a cap or target label would be.
        label_y = last_y + 20 if any(-6 <= last_y - y <= 22 for y in limit_ys) else last_y - 8
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="2.5"/>')
        parts.append(
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3.5" fill="#1f6feb"/>'
            f'<text x="{last_x - 6:.1f}" y="{label_y:.1f}" font-size="13" font-weight="600" text-anchor="end">'
            f"{points[-1][1]}</text>"
            f'<text x="{left}" y="{height + 5}" font-size="12" fill="#5b6b7b">{escape(points[0][0])}</text>'
            f'<text x="{right}" y="{height + 5}" font-size="12" text-anchor="end" fill="#5b6b7b">{escape(points[-1][0])}</text>'
        )
    else:
        parts.append('<text x="40" y="100" font-size="13" fill="#5b6b7b">Nothing recorded yet</text>')
    parts.append("</svg>")
    return f'<div class="card">{"".join(parts)}</div>'


# --- pages ---------------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(error: str = "") -> HTMLResponse:
    note = f'<p class="warn">{escape(error)}</p>' if error else ""
    return _page(
        "Log in",
        f"""<h1>Log in</h1>{note}<form method="post" action="/login">
<label for="token">Token</label> <input id="token" name="token" type="password" size="40" autocomplete="off">
<button type="submit">Log in</button></form><p class="muted">Tokens are printed by <code>scripts/run</code>.</p>""",
    )


@router.post("/login")
def login(request: Request, services: ServicesDep, token: Annotated[str, Form()] = "") -> Response:
    if services.tokens.authenticate(token) is None:
        return RedirectResponse("/login?error=Unknown+or+revoked+token", status_code=303)
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


def _moment(as_of_date: date | None) -> AsOf:
    return AsOf(position=None, time=None, day=as_of_date, wait_for=None)


@router.get("/", response_class=HTMLResponse)
def programme_list(
    request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = _principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    with store_view(services, _moment(as_of_date)) as db:
        found = [p for p in status_queries.list_programmes(db) if principal.covers(p.slug)]
    suffix = f"?as_of_date={as_of_date.isoformat()}" if as_of_date else ""
    rows = "".join(
        f'<tr><td><a href="/programmes/{escape(p.slug)}{suffix}">{escape(p.name)}</a></td>'
        f"<td>{escape(p.owner)}</td><td class='nowrap'>{p.starts_on} – {p.ends_on}</td>"
        f'<td class="num">{p.companies_active}{" / " + str(p.caps["companies"]) if "companies" in p.caps else ""}</td>'
        f'<td class="num">{p.participants}</td><td class="num">{_money(p.funds.granted, p.currency)}</td>'
        f'<td class="num">{_money(p.funds.allocated, p.currency)}</td></tr>'
        for p in found
    )
    table = (
        f'<div class="table-wrap"><table data-testid="programmes"><thead><tr><th>Programme</th><th>Owner</th>'
        f'<th>Period</th><th class="num">Companies</th><th class="num">Participants</th><th class="num">Granted</th>'
        f'<th class="num">Allocated</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )
    return _page("Programmes", f"<h1>Programmes</h1>{_as_of_form('/', as_of_date)}{table}", services)


@router.get("/programmes/{slug}", response_class=HTMLResponse)
def programme_page(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = _principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    with programme_view(services, slug, _moment(as_of_date)) as (db, programme_id):
        status = status_queries.programme_status(db, programme_id)
        weekly = evaluation_queries.weekly_series(db, programme_id)
    if status is None:
        body = f"<h1>{escape(slug)}</h1>{_as_of_form(f'/programmes/{slug}', as_of_date)}<p>The programme did not exist on that date.</p>"
        return _page(slug, body, services)
    programme, pipeline, money = status.programme, status.pipeline, status.funds
    currency = programme.currency
    cap = pipeline.cap
    cards = "".join(
        [
            _card(f"companies joined{f' of a cap of {cap}' if cap else ''}", f"{pipeline.active}", "companies-active"),
            _card("presentations held", str(pipeline.presentations), "presentations"),
            _card("participants", str(status.participants.total), "participants"),
            _card("sessions held", str(len(status.sessions.held)), "sessions-held"),
            _card("activities held", str(status.activities.held), "activities-held"),
            _card("granted", _money(money.granted, currency), "granted"),
            _card("remaining to allocate", _money(money.remaining, currency), "remaining"),
        ]
    )
    recruitment = line_chart(
        "Companies joined (cumulative)",
        [(w.week.isoformat(), w.cumulative.companies_joined) for w in weekly],
        "recruitment",
        cap,
        pipeline.target,
    )
    figures = {"granted": money.granted, "allocated": money.allocated, "disbursed": money.disbursed}
    funds_chart = bar_chart(
        f"Funds ({currency})", [(k, v / 100) for k, v in {**figures, "spent": money.spent}.items()], "funds"
    )
    sessions_chart = bar_chart(
        "Sessions, activities and attendance",
        [
            ("sessions held", len(status.sessions.held)),
            ("sessions upcoming", len(status.sessions.upcoming)),
            ("attendances", status.training.attendances),
            ("participant-hours", status.training.participant_hours + status.activities.participant_hours),
            ("activities held", status.activities.held),
            ("activity participants", status.activities.participants),
        ],
        "sessions",
    )
    groups_chart = bar_chart(
        "Participants by target group",
        [(group.value, count) for group, count in status.participants.by_target_group.items()],
        "target-groups",
    )
    stage_rows = "".join(f"<tr><td>{s}</td><td class='num'>{getattr(pipeline, s)}</td></tr>" for s in Stage)
    upcoming = (
        "".join(
            f"<tr><td>{escape(str(s.starts_on))}</td><td>{escape(s.place or '')}</td></tr>"
            for s in status.sessions.upcoming[:10]
        )
        or "<tr><td colspan=2 class='muted'>none</td></tr>"
    )
    groups = (
        "".join(
            f"<tr><td>{escape(g.name)}</td><td>{escape(g.basis)}</td><td class='num'>{len(g.members)}</td></tr>"
            for g in status.network_groups
        )
        or "<tr><td colspan=3 class='muted'>none</td></tr>"
    )
    suffix = f"?as_of_date={as_of_date.isoformat()}" if as_of_date else ""
    body = f"""<h1 data-testid="programme-name">{escape(programme.name)}</h1>
<nav class="tabs"><a href="/programmes/{escape(slug)}{suffix}">Status</a><a href="/programmes/{escape(slug)}/audit{suffix}">Funding audit</a></nav>
{_as_of_form(f"/programmes/{slug}", as_of_date)}
<p class="muted">{escape(programme.owner)} · {programme.starts_on} – {programme.ends_on} · funded by {escape(", ".join(programme.funders))}</p>
<div class="cards">{cards}</div>
<h2>Charts</h2><div class="charts">{recruitment}{funds_chart}{sessions_chart}{groups_chart}</div>
<h2>Pipeline</h2><div class="table-wrap narrow"><table><tbody>{stage_rows}</tbody></table></div>
<h2>Network groups</h2><div class="table-wrap"><table><thead><tr><th>Group</th><th>Basis</th><th class="num">Members</th></tr></thead><tbody>{groups}</tbody></table></div>
<h2>Upcoming sessions</h2><div class="table-wrap narrow"><table><tbody>{upcoming}</tbody></table></div>"""
    return _page(programme.name, body, services)


@router.get("/programmes/{slug}/audit", response_class=HTMLResponse)
def audit_page(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = _principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    with programme_view(services, slug, _moment(as_of_date)) as (db, programme_id):
        audit = audit_queries.funding_audit(db, programme_id)
        status = status_queries.programme_status(db, programme_id)
    currency = status.programme.currency if status else ""
    rows = "".join(
        f"<tr><td class='num'>{e.position}</td><td class='nowrap'>{escape(str(e.effective_on))}</td><td>{escape(e.kind)}</td>"
        f"<td>{_short_ids(e.recipient or e.funder or '')}</td><td class='num'>{_money(e.amount, currency)}</td>"
        f"<td>{_short_ids(e.from_account or '')}</td><td class='num'>{'' if e.from_balance is None else _money(e.from_balance, currency)}</td>"
        f"<td>{_short_ids(e.to_account or '')}</td><td class='num'>{'' if e.to_balance is None else _money(e.to_balance, currency)}</td>"
        f"<td>{escape(e.decision_reference or '')}</td><td>{escape(e.decision_body or '')}</td><td>{escape(e.actor)}</td>"
        f"<td class='nowrap'>{escape(e.recorded_at[:19].replace('T', ' '))}</td></tr>"
        for e in audit.entries
    )
    balanced = audit.reconciliation.balanced
    verdict = (
        '<p class="ok" data-testid="reconciliation">Reconciled: granted = allocated + unallocated, allocated = disbursed + outstanding</p>'
        if balanced
        else '<p class="warn" data-testid="reconciliation">Not reconciled</p>'
    )
    suffix = f"?as_of_date={as_of_date.isoformat()}" if as_of_date else ""
    body = f"""<h1>Funding audit</h1>
<nav class="tabs"><a href="/programmes/{escape(slug)}{suffix}">Status</a><a href="/programmes/{escape(slug)}/audit{suffix}">Funding audit</a></nav>
{_as_of_form(f"/programmes/{slug}/audit", as_of_date)}{verdict}
<div class="table-wrap"><table data-testid="audit"><thead><tr><th class="num">#</th><th>Effective</th><th>Kind</th><th>Party</th>
<th class="num">Amount</th><th>From</th><th class="num">Balance</th><th>To</th><th class="num">Balance</th><th>Decision</th>
<th>Body</th><th>Actor</th><th>Recorded</th></tr></thead><tbody>{rows}</tbody></table></div>"""
    return _page("Funding audit", body, services)
