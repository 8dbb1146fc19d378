"""Saved queries: a name per owner, replaced (and audited) when saved again, visible to others only if shared."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from reskontro.domain.access import Forbidden
from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.services import saved_queries as svc
from reskontro.services.companies import init_company
from tests.conftest import Ctx

AGED = {"kind": "customer", "buckets": "30,60,90"}


def save(ctx: Ctx, owner: str = "kari", name: str = "Forfalt kunder", report: str = "aged",
         parameters: dict[str, str] | None = None, shared: bool = False) -> int:
    return svc.save_query(uow=ctx.uow(), company_id=ctx.company_id, owner=owner, name=name, report=report,
                          parameters=AGED if parameters is None else parameters, shared=shared)


def names(ctx: Ctx, user: str) -> list[tuple[str, str]]:
    return [(q["owner"], q["name"]) for q in svc.list_queries(uow=ctx.uow(), company_id=ctx.company_id, user=user)]


def audit(ctx: Ctx, query_id: int) -> list[tuple[str, str | None, str | None, str | None]]:
    with ctx.uow() as uow:
        return [(e["action"], e["field"], e["old_value"], e["new_value"])
                for e in uow.repo.audit_events(ctx.company_id, "saved_query", query_id)]


def test_a_saved_query_keeps_its_report_and_text_parameters(ctx: Ctx) -> None:
    query_id = save(ctx, parameters={"kind": "customer", "as_of": "2026-06-30", "field.region": "Vestland"})
    q = svc.get_query(uow=ctx.uow(), company_id=ctx.company_id, user="kari", name=" Forfalt kunder ")
    assert (q["id"], q["owner"], q["name"], q["report"], q["shared"], q["created_by"]) == (
        query_id, "kari", "Forfalt kunder", "aged", False, "tester")
    assert q["parameters"] == {"kind": "customer", "as_of": "2026-06-30", "field.region": "Vestland"}
    with ctx.app.engine.connect() as conn:
        stored = conn.execute(text("SELECT parameters FROM saved_queries WHERE company_id = :c AND query_id = :q"),
                              {"c": ctx.company_id, "q": query_id}).scalar_one()
    assert stored == '{"as_of": "2026-06-30", "field.region": "Vestland", "kind": "customer"}'


def test_saving_again_under_the_same_name_replaces_the_parameters_and_is_audited(ctx: Ctx) -> None:
    query_id = save(ctx)
    assert save(ctx, parameters={"kind": "supplier"}, shared=True) == query_id
    assert save(ctx, parameters={"kind": "supplier"}, shared=True) == query_id  # unchanged: no event
    q = svc.get_query(uow=ctx.uow(), company_id=ctx.company_id, user="kari", name="Forfalt kunder")
    assert (q["parameters"], q["shared"]) == ({"kind": "supplier"}, True)
    assert audit(ctx, query_id) == [
        ("create", "name", None, "Forfalt kunder"),
        ("create", "report", None, "aged"),
        ("create", "parameters", None, '{"buckets": "30,60,90", "kind": "customer"}'),
        ("create", "shared", None, "False"),
        ("update", "parameters", '{"buckets": "30,60,90", "kind": "customer"}', '{"kind": "supplier"}'),
        ("update", "shared", "False", "True"),
    ]


def test_each_user_sees_their_own_queries_and_the_shared_ones(ctx: Ctx) -> None:
    save(ctx, "kari", "Mine")
    save(ctx, "kari", "Felles", shared=True)
    save(ctx, "ola", "Mine")
    save(ctx, "ola", "Olas private")
    assert names(ctx, "kari") == [("kari", "Felles"), ("kari", "Mine")]
    assert names(ctx, "ola") == [("kari", "Felles"), ("ola", "Mine"), ("ola", "Olas private")]
    assert names(ctx, "per") == [("kari", "Felles")]


def test_a_name_finds_the_users_own_query_before_a_shared_one(ctx: Ctx) -> None:
    save(ctx, "kari", "Forfalt", parameters={"kind": "customer"}, shared=True)
    save(ctx, "ola", "Forfalt", parameters={"kind": "supplier"})
    get = svc.get_query
    assert get(uow=ctx.uow(), company_id=ctx.company_id, user="ola", name="Forfalt")["owner"] == "ola"
    assert get(uow=ctx.uow(), company_id=ctx.company_id, user="per", name="Forfalt")["owner"] == "kari"
    assert get(uow=ctx.uow(), company_id=ctx.company_id, user="ola", name="Forfalt", owner="kari")["owner"] == "kari"


def test_a_private_query_of_someone_else_is_not_found(ctx: Ctx) -> None:
    save(ctx, "kari", "Privat")
    with pytest.raises(NotFound) as exc:
        svc.get_query(uow=ctx.uow(), company_id=ctx.company_id, user="ola", name="Privat")
    assert exc.value.field == "name"


def test_a_name_shared_by_several_others_must_name_its_owner(ctx: Ctx) -> None:
    save(ctx, "kari", "Felles", shared=True)
    save(ctx, "ola", "Felles", shared=True)
    with pytest.raises(ValidationFailed) as exc:
        svc.get_query(uow=ctx.uow(), company_id=ctx.company_id, user="per", name="Felles")
    assert (exc.value.field, "kari, ola" in str(exc.value)) == ("name", True)


def test_queries_belong_to_one_company(ctx: Ctx) -> None:
    save(ctx, "kari", "Felles", shared=True)
    other = init_company(uow=ctx.app.uow(), name="Annen AS")
    assert svc.list_queries(uow=ctx.uow(), company_id=other, user="kari") == []
    with pytest.raises(NotFound):
        svc.get_query(uow=ctx.uow(), company_id=other, user="kari", name="Felles")


def test_only_the_owner_deletes_a_query_and_the_deletion_is_audited(ctx: Ctx) -> None:
    query_id = save(ctx, "kari", "Felles", shared=True)
    with pytest.raises(Forbidden):
        svc.delete_query(uow=ctx.uow(), company_id=ctx.company_id, user="ola", name="Felles")
    svc.delete_query(uow=ctx.uow(), company_id=ctx.company_id, user="kari", name="Felles")
    assert names(ctx, "kari") == []
    assert audit(ctx, query_id)[-1] == ("delete", "parameters", '{"buckets": "30,60,90", "kind": "customer"}', None)
    with pytest.raises(NotFound) as exc:
        svc.delete_query(uow=ctx.uow(), company_id=ctx.company_id, user="kari", name="Felles")
    assert exc.value.field == "name"


def test_a_deleted_name_can_be_saved_again(ctx: Ctx) -> None:
    first = save(ctx)
    svc.delete_query(uow=ctx.uow(), company_id=ctx.company_id, user="kari", name="Forfalt kunder")
    assert save(ctx) != first


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": "  "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"report": "Aged Report"}, "report"),
    ({"report": ""}, "report"),
    ({"parameters": {"kind": 1}}, "parameters"),
    ({"parameters": {"": "x"}}, "parameters"),
    ({"owner": ""}, "owner"),
])
def test_bad_input_is_refused_naming_the_field(ctx: Ctx, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        save(ctx, **kwargs)
    assert exc.value.field == field


def test_saving_in_a_missing_company_is_not_found(ctx: Ctx) -> None:
    with pytest.raises(NotFound) as exc:
        svc.save_query(uow=ctx.uow(), company_id=2_000_000_000, owner="kari", name="x", report="aged", parameters={})
    assert exc.value.field == "company"
