"""Participants: registered under a pseudonymous id; identifying details sealed apart; erasure by an admin."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CtxDep, PrincipalDep, ServicesDep, allow, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND, READ_ERRORS, BodyOf, answer
from ledger.commands import EraseParticipant, RecordParticipantLeft, ReenterParticipant, RegisterParticipant
from ledger.identity import Identity

router = APIRouter(tags=["participants"])
PARTICIPANT = "/api/programmes/{slug}/participants/{participant_id}"


@router.post("/api/programmes/{slug}/participants", **COMMAND)
def register_participant(
    slug: str, body: BodyOf[RegisterParticipant], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Register a participant; the answer's ids.participant_id is the pseudonymous id used everywhere."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post(f"{PARTICIPANT}/leaving", **COMMAND)
def record_participant_left(
    slug: str,
    participant_id: str,
    body: BodyOf[RecordParticipantLeft],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The participant left."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, participant_id=participant_id)))


@router.post(f"{PARTICIPANT}/reentry", **COMMAND)
def reenter_participant(
    slug: str,
    participant_id: str,
    body: BodyOf[ReenterParticipant],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """A re-entry keeps the attributes of the first entry."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, participant_id=participant_id)))


@router.post(f"{PARTICIPANT}/erasure", **COMMAND)
def erase_participant(
    slug: str,
    participant_id: str,
    body: BodyOf[EraseParticipant],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Erase a person (admin): the key is destroyed, an erasure event recorded, every count stays."""
    allow(principal)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, participant_id=participant_id)))


@router.get("/api/participants/{participant_id}/identity", response_model=Identity, responses=READ_ERRORS)
def participant_identity(participant_id: str, services: ServicesDep, principal: PrincipalDep) -> Identity:
    """The identifying details (admin only; 404 once erased)."""
    allow(principal)
    return services.ledger.read_identity(participant_id)
