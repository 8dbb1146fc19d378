"""Saved queries: a report and its parameters under a name, to run again with one click or command.

A saved query belongs to its owner (a user name) in one company; its name is unique per owner.
Saving again under the same name replaces the report and parameters (audited, old → new).
``shared`` makes it visible to everyone in the company; only its owner can change or delete it.
Parameters are a ``str -> str`` mapping, exactly as the report catalogue receives them from a
command line or a query string, stored as JSON text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from reskontro.domain.access import Forbidden
from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store.access import SavedQueryRecord

REPORT_PATTERN = re.compile(r"[a-z0-9_-]{1,40}")
MAX_NAME_LENGTH = 100
MAX_PARAMETERS_LENGTH = 20_000


def _name(name: str) -> str:
    text = name.strip()
    if not text or len(text) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"a query name is 1–{MAX_NAME_LENGTH} characters", field="name")
    return text


def _owner(owner: str) -> str:
    text = owner.strip()
    if not text or len(text) > 100:
        raise ValidationFailed("the owner is a user name of 1–100 characters", field="owner")
    return text


def _parameters(parameters: Mapping[str, str]) -> str:
    """Canonical JSON (sorted keys) of a str -> str mapping."""
    for k, v in parameters.items():
        if not isinstance(k, str) or not k or not isinstance(v, str):
            raise ValidationFailed(f"parameter {k!r}: names and values must be text", field="parameters")
    text = json.dumps(dict(parameters), sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_PARAMETERS_LENGTH:
        raise ValidationFailed(f"parameters may take at most {MAX_PARAMETERS_LENGTH} characters",
                               field="parameters")
    return text


def _as_dict(q: SavedQueryRecord) -> dict[str, Any]:
    return {"id": q.query_id, "name": q.name, "owner": q.owner, "report": q.report,
            "parameters": json.loads(q.parameters), "shared": q.shared, "created_at": q.created_at,
            "created_by": q.created_by, "updated_at": q.updated_at}


def save_query(*, uow: UnitOfWork, company_id: int, owner: str, name: str, report: str,
               parameters: Mapping[str, str], shared: bool = False) -> int:
    """Save (or replace) the owner's query of that name; returns its id."""
    owner, name = _owner(owner), _name(name)
    if not REPORT_PATTERN.fullmatch(report):
        raise ValidationFailed(f"report {report!r} is not a report name", field="report")
    params = _parameters(parameters)
    with uow:
        uow.repo.company(company_id)
        found = uow.access.saved_queries(company_id, owner=owner, name=name)
        if not found:
            query_id = uow.access.insert_saved_query(company_id, owner, name, report, params, shared)
            uow.repo.audit(company_id, "saved_query", query_id, "create",
                           [("name", None, name), ("report", None, report), ("parameters", None, params),
                            ("shared", None, shared)])
        else:
            old = found[0]
            query_id = old.query_id
            changes = [(f, getattr(old, f), new) for f, new in (("report", report), ("parameters", params),
                                                                 ("shared", shared)) if getattr(old, f) != new]
            if changes:
                uow.access.update_saved_query(company_id, query_id, report=report, parameters=params, shared=shared)
                uow.repo.audit(company_id, "saved_query", query_id, "update", changes)
        uow.commit()
    return query_id


def list_queries(*, uow: UnitOfWork, company_id: int, user: str) -> list[dict[str, Any]]:
    """The user's own queries and those others share, by name."""
    with uow:
        uow.repo.company(company_id)
        return [_as_dict(r) for r in uow.access.saved_queries(company_id, visible_to=_owner(user))]


def get_query(*, uow: UnitOfWork, company_id: int, user: str, name: str, owner: str | None = None
              ) -> dict[str, Any]:
    """The user's query of that name, else one shared under that name (``owner`` picks among several)."""
    user, name = _owner(user), _name(name)
    with uow:
        rows = uow.access.saved_queries(company_id, visible_to=user, name=name)
    if owner is not None:
        rows = [r for r in rows if r.owner == owner.strip()]
    own = [r for r in rows if r.owner == user]
    if own:
        return _as_dict(own[0])
    if not rows:
        raise NotFound(f"there is no saved query named {name!r}", field="name")
    if len(rows) > 1:
        raise ValidationFailed(f"several users share a query named {name!r} "
                               f"({', '.join(r.owner for r in rows)}); name its owner", field="name")
    return _as_dict(rows[0])


def delete_query(*, uow: UnitOfWork, company_id: int, user: str, name: str) -> None:
    """Delete the user's own query (audited); someone else's shared query is refused."""
    user, name = _owner(user), _name(name)
    with uow:
        own = uow.access.saved_queries(company_id, owner=user, name=name)
        if not own:
            if uow.access.saved_queries(company_id, visible_to=user, name=name):
                raise Forbidden(f"only its owner can delete the shared query {name!r}", field="name")
            raise NotFound(f"there is no saved query named {name!r}", field="name")
        q = own[0]
        uow.access.delete_saved_query(company_id, q.query_id)
        uow.repo.audit(company_id, "saved_query", q.query_id, "delete",
                       [("name", name, None), ("report", q.report, None), ("parameters", q.parameters, None)])
        uow.commit()
