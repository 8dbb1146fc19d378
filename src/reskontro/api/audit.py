"""The audit trail: who changed what, when, from what to what."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from reskontro.api.deps import After, Limit, Reader
from reskontro.api.openapi import READ
from reskontro.api.schemas import AuditPage, Moment

router = APIRouter(tags=["audit"])

_TEXT = r"^[^\x00]*$"


@router.get("/companies/{company_id}/audit", response_model=AuditPage, summary="Audit events", responses=READ)
def list_audit(a: Reader,
               entity: Annotated[str | None, Query(max_length=40, pattern=_TEXT,
                                                   description="party, voucher, match, saved_query...")] = None,
               entity_id: Annotated[str | None, Query(max_length=60, pattern=_TEXT)] = None,
               actor: Annotated[str | None, Query(max_length=100, pattern=_TEXT, description="User name")] = None,
               since: Annotated[Moment | None, Query(description="From this time (inclusive).")] = None,
               until: Annotated[Moment | None, Query(description="Up to this time (exclusive).")] = None,
               limit: Limit = 50, after: After = None) -> dict[str, Any]:
    """Every change in the company (who, when, entity, field, old → new), oldest first. Times without a
    zone are UTC."""
    from reskontro.services import listings

    page = listings.list_audit(uow=a.uow(readonly=True), company_id=a.company_id, entity=entity,
                               entity_id=entity_id, actor=actor, since=since, until=until, after=after, limit=limit)
    return {"items": page.items, "next": page.next}
