"""The analysts' pages: the evaluation (funnel with conversion and time between stages, participation by region,
sector, size and target group, costs per participant and participant-hour, ESF indicators per period, the weekly
series) drawn from the API's own Evaluation answer; each figure opens into the events behind it (the API's
provenance), and the whole answer downloads as CSV or XLSX."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from openpyxl import Workbook

from api import i18n
from api.deps import AsOf, ServicesDep, may_read, programme_view
from api.pages import page_principal, programme_currency, render
from api.routes.revisions import figure_provenance
from bootstrap import Services
from projections.evaluation import queries as evaluation_queries
from projections.evaluation.answers import Evaluation
from projections.revisions.report import flatten
from projections.status import queries as status_queries

router = APIRouter(include_in_schema=False)

MONEY = ("spent", "disbursed", "cost_per_participant", "cost_per_participant_hour")
"""The evaluation's figures held in minor units (docs/figures.md, "Evaluation"): downloads give them in the
currency's major unit."""

CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _evaluation(services: Services, slug: str, as_of_date: date | None) -> tuple[Evaluation, str, str]:
    moment = AsOf(position=None, time=None, day=as_of_date, wait_for=None)
    with programme_view(services, slug, moment) as (db, programme_id):
        found = evaluation_queries.evaluation(db, programme_id)
        status = status_queries.programme_status(db, programme_id)
    name = status.programme.name if status else slug
    currency = status.programme.currency if status else "NOK"
    return found, name, currency


def _charts(evaluation: Evaluation, words: i18n.Words) -> Markup:
    """The charts' data for static/charts.js (ECharts), as JSON the page carries; the tables beside them show
    the same figures without a script."""
    data = {
        "weekly": {
            "title": words("chart.weekly"),
            "x": [w.week.isoformat() for w in evaluation.weekly],
            "series": [
                {"name": words("companies_joined"), "data": [w.cumulative.companies_joined for w in evaluation.weekly]},
                {
                    "name": words("participants"),
                    "data": [w.cumulative.participants_registered for w in evaluation.weekly],
                },
            ],
            "kind": "line",
        },
        "esf": {
            "title": words("chart.esf"),
            "x": [p.period for p in evaluation.esf_indicators],
            "series": [
                {"name": words("participants"), "data": [p.participants for p in evaluation.esf_indicators]},
                {"name": words("esf.complete"), "data": [p.complete for p in evaluation.esf_indicators]},
                {"name": words("esf.smes"), "data": [p.supported_smes for p in evaluation.esf_indicators]},
            ],
            "kind": "bar",
        },
    }
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return Markup('<script type="application/json" id="chart-data">{}</script>').format(Markup(text))


@router.get("/programmes/{slug}/evaluation", response_class=HTMLResponse)
def evaluation_page(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    evaluation, name, currency = _evaluation(services, slug, as_of_date)
    words = i18n.Words(i18n.choose(request))
    return render(
        request,
        "evaluation.html",
        "evaluation",
        principal=principal,
        services=services,
        slug=slug,
        name=name,
        currency=currency,
        evaluation=evaluation,
        chart_data=_charts(evaluation, words),
        as_of_date=as_of_date,
        suffix=f"?as_of_date={as_of_date.isoformat()}" if as_of_date else "",
    )


@router.get("/programmes/{slug}/provenance", response_class=HTMLResponse)
def provenance_page(
    slug: str,
    request: Request,
    services: ServicesDep,
    figure: Annotated[str, Query(min_length=1, max_length=300)],
    answer: Annotated[str, Query(max_length=20)] = "evaluation",
    as_of_date: Annotated[date | None, Query()] = None,
) -> Response:
    """The events behind one figure, from the API's provenance."""
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    moment = AsOf(position=None, time=None, day=as_of_date, wait_for=None)
    found = figure_provenance(slug, services, principal, moment, answer, figure)
    return render(
        request, "provenance.html", "provenance", principal=principal, services=services, slug=slug,
        provenance=found, as_of_date=as_of_date, currency=programme_currency(services, slug),
    )  # fmt: skip


def _rows(evaluation: Evaluation, words: i18n.Words, currency: str) -> list[tuple[str, Any]]:
    """Every figure of the evaluation by its path, money in the major unit (exact)."""
    rows: list[tuple[str, Any]] = []
    for path, value in flatten(evaluation.model_dump(mode="json")).items():
        money = isinstance(value, int) and not isinstance(value, bool) and path.rsplit(".", 1)[-1] in MONEY
        rows.append((path, words.major(int(str(value)), currency) if money else value))
    return rows


def _cell(value: Any, words: i18n.Words) -> str:
    """A value as the reader's spreadsheet reads it: numbers with the locale's decimal mark and no grouping."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, Decimal):
        return words.plain(value, 2)
    if isinstance(value, float):
        return words.plain(Decimal(str(value)), None)
    text = str(value)
    return "'" + text if text.startswith(CSV_FORMULA_START) and not isinstance(value, int) else text


@router.get("/programmes/{slug}/evaluation.csv")
def evaluation_csv(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    """UTF-8 with a byte-order mark (so a spreadsheet reads å, ø and ö), `;` between cells where the decimal mark
    is a comma."""
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    evaluation, _, currency = _evaluation(services, slug, as_of_date)
    words = i18n.Words(i18n.choose(request))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if words.decimal_mark == "," else ",", lineterminator="\r\n")
    writer.writerow([words("figure"), words("value")])
    for path, value in _rows(evaluation, words, currency):
        writer.writerow([path, _cell(value, words)])
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{slug}-evaluation.csv"'},
    )


@router.get("/programmes/{slug}/evaluation.xlsx")
def evaluation_xlsx(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    evaluation, name, currency = _evaluation(services, slug, as_of_date)
    words = i18n.Words(i18n.choose(request))
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = words("evaluation")[:31]
    sheet.append([name])
    sheet.append([words("figure"), words("value")])
    for path, value in _rows(evaluation, words, currency):
        sheet.append([path, value])
        if isinstance(value, Decimal):
            sheet.cell(row=sheet.max_row, column=2).number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 60
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{slug}-evaluation.xlsx"'},
    )
