"""History over HTTP: what changed in a programme's figures between two moments; the events behind a figure."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from api.deps import AsOfDep, PrincipalDep, ServicesDep, checked_slug, may_read
from api.routes.common import READ_ERRORS
from bootstrap import Services
from ledger.errors import InvalidInput, NotFound
from ledger.values import MAX_POSITION, Text
from projections.as_of import position_at
from projections.revisions.answers import Provenance, RevisionReport
from projections.revisions.provenance import provenance
from projections.revisions.report import moments_between, revision_report, revision_rows
from projections.spreadsheet import write_rows

router = APIRouter(prefix="/api/programmes", tags=["read models"])

SincePosition = Annotated[
    int | None, Query(ge=0, le=MAX_POSITION, description="The first moment: a log position (a receipt's position)")
]
SinceTime = Annotated[datetime | None, Query(description="The first moment: a recorded time (ISO 8601, with zone)")]
UntilPosition = Annotated[
    int | None, Query(ge=0, le=MAX_POSITION, description="The second moment: a log position (default: now)")
]
UntilTime = Annotated[datetime | None, Query(description="The second moment: a recorded time (default: now)")]
Funder = Annotated[Text | None, Query(description="Only the audit entries of this funder's grants")]


def _one(name: str, position: int | None, time: datetime | None) -> int | datetime | None:
    if position is not None and time is not None:
        raise InvalidInput(name, f"give {name}_position or {name}_time, not both")
    return position if position is not None else time


def report(
    services: Services,
    slug: str,
    since: tuple[int | None, datetime | None],
    until: tuple[int | None, datetime | None],
    funder: str | None,
) -> RevisionReport:
    checked_slug(slug)
    first, last = moments_between(
        services.views, services.projector.head(), _one("since", *since), _one("until", *until)
    )
    if not services.projector.wait_for(last, timeout=5.0):
        raise HTTPException(503, f"the read models have not reached position {last} yet; retry")
    with services.views.connect() as db:
        programme_id = services.answers.programme_id(db, slug)
    if programme_id is None:
        raise NotFound("programme", slug)
    return revision_report(services.ledger, services.views, programme_id, slug, first, last, funder)


@dataclass(frozen=True)
class Between:
    """A revision report's query: the two moments, each a position or a time, and the funder if any."""

    since: tuple[int | None, datetime | None]
    until: tuple[int | None, datetime | None]
    funder: str | None


def between(
    since_position: SincePosition = None,
    since_time: SinceTime = None,
    until_position: UntilPosition = None,
    until_time: UntilTime = None,
    funder: Funder = None,
) -> Between:
    return Between((since_position, since_time), (until_position, until_time), funder)


BetweenDep = Annotated[Between, Depends(between)]


@router.get("/{slug}/revisions", response_model=RevisionReport, responses=READ_ERRORS)
def revisions(slug: str, services: ServicesDep, principal: PrincipalDep, asked: BetweenDep) -> RevisionReport:
    """Every published figure of the programme (or of a funder's grants) that differs between two moments, its
    old and new value and the events recorded between them that changed it; those events with actor, decision
    and effective date, back-dated ones marked; and the months whose ESF participant data must be re-sent
    (docs/figures.md, "Revision report")."""
    may_read(principal, slug)
    return report(services, slug, asked.since, asked.until, asked.funder)


@router.get("/{slug}/revisions.csv", responses=READ_ERRORS, response_class=Response)
def revisions_csv(slug: str, services: ServicesDep, principal: PrincipalDep, asked: BetweenDep) -> Response:
    """The revision report's changed figures as CSV: answer, figure, old, new, the positions that changed it."""
    may_read(principal, slug)
    found = report(services, slug, asked.since, asked.until, asked.funder)
    out = io.StringIO()
    write_rows(out, revision_rows(found))
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-revisions.csv"'},
    )


@router.get("/{slug}/provenance", response_model=Provenance, responses=READ_ERRORS)
def figure_provenance(
    slug: str,
    services: ServicesDep,
    principal: PrincipalDep,
    moment: AsOfDep,
    answer: Annotated[str, Query(max_length=20, description="status, audit or evaluation")],
    figure: Annotated[
        str, Query(min_length=1, max_length=300, description="Its path, e.g. pipeline.joined (as the revision report)")
    ],
) -> Provenance:
    """The events behind one figure, now or as of a moment: each event after which it changed, with actor,
    decision, effective date, its value before and after and, for a number, the contribution; the contributions
    add up to the figure (docs/figures.md, "Provenance")."""
    may_read(principal, slug)
    checked_slug(slug)
    head = services.projector.head()
    position = moment.position
    if moment.time is not None:
        position = position_at(services.views, moment.time)
    position = head if position is None else min(position, head)
    if not services.projector.wait_for(position, timeout=5.0):
        raise HTTPException(503, f"the read models have not reached position {position} yet; retry")
    with services.views.connect() as db:
        programme_id = services.answers.programme_id(db, slug)
    if programme_id is None:
        raise NotFound("programme", slug)
    return provenance(services.ledger, services.views, programme_id, answer, figure, position, moment.day)
