"""Saved queries: a report and its parameters under a name, per user, optionally shared."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from reskontro.api.deps import IDEMPOTENT, Reader
from reskontro.api.openapi import READ, WRITE
from reskontro.api.schemas import SavedQueryIn, SavedQueryOut
from reskontro.domain.access import require
from reskontro.services import saved_queries

router = APIRouter(tags=["saved queries"])

QueryName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00]+$",
                                description="The query's name.", examples=["Overdue west"])]


@router.get("/companies/{company_id}/saved-queries", response_model=list[SavedQueryOut],
            summary="Your saved queries and the shared ones", responses=READ)
def list_queries(a: Reader) -> list[dict[str, Any]]:
    """Your own saved queries and those others share in the company, by name."""
    return saved_queries.list_queries(uow=a.uow(readonly=True), company_id=a.company_id, user=a.principal.username)


@router.post("/companies/{company_id}/saved-queries", status_code=201, response_model=SavedQueryOut,
             summary="Save a query", responses=WRITE, dependencies=IDEMPOTENT)
def save_query(a: Reader, body: SavedQueryIn) -> dict[str, Any]:
    """Save (or replace) your query of that name. Anyone in the company may keep their own queries; sharing
    one with everybody needs write access (accountant or admin)."""
    if body.shared:
        require(a.principal, a.company_id, write=True)
    saved_queries.save_query(uow=a.uow(), company_id=a.company_id, owner=a.principal.username, name=body.name,
                             report=body.report, parameters=body.parameters, shared=body.shared)
    return saved_queries.get_query(uow=a.uow(readonly=True), company_id=a.company_id, user=a.principal.username,
                                   name=body.name, owner=a.principal.username)


@router.get("/companies/{company_id}/saved-queries/{name}", response_model=SavedQueryOut,
            summary="A saved query", responses=READ)
def get_query(a: Reader, name: QueryName) -> dict[str, Any]:
    """Your query of that name, else the one shared under that name."""
    return saved_queries.get_query(uow=a.uow(readonly=True), company_id=a.company_id, user=a.principal.username,
                                   name=name)


@router.delete("/companies/{company_id}/saved-queries/{name}", status_code=204, response_class=Response,
               summary="Delete your saved query", responses=WRITE)
def delete_query(a: Reader, name: QueryName) -> Response:
    """Delete your own query (someone else's shared query: 403)."""
    saved_queries.delete_query(uow=a.uow(), company_id=a.company_id, user=a.principal.username, name=name)
    return Response(status_code=204)
