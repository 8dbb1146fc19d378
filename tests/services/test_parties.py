"""The party card: validation, audit of every change, free fields, contacts, documents, follow-ups, blocks."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reskontro.domain.errors import AlreadyExists, ConcurrentUpdate, NotFound, ValidationFailed
from reskontro.domain.parties import Block, PartyKind
from reskontro.services import parties as svc
from reskontro.services.reports import list_parties, party_view
from tests.builders import customer, post, raw, rules, supplier
from tests.conftest import Ctx

C = PartyKind.CUSTOMER
S = PartyKind.SUPPLIER


def test_a_party_is_stored_with_identifiers_in_compact_form(ctx: Ctx) -> None:
    supplier(ctx, org_number="923 456 783", bank_account="1503.12.34562", email=" post@x.no ")
    card = svc.get_party(uow=ctx.uow(), company_id=ctx.company_id, number="50001", kind=S).card
    assert (card.org_number, card.bank_account, card.email) == ("923456783", "15031234562", "post@x.no")


@pytest.mark.parametrize(("fields", "field"), [
    ({"org_number": "923456784"}, "org_number"),
    ({"bank_account": "15031234563"}, "bank_account"),
    ({"bank_account": "DE89370400440532013000"}, "bic"),
    ({"email": "not-an-email"}, "email"),
    ({"language": "xx"}, "language"),
    ({"currency": "EURO"}, "currency"),
])
def test_invalid_card_fields_are_refused_naming_the_field(ctx: Ctx, fields: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        customer(ctx, **fields)
    assert exc.value.field == field


def test_a_company_may_be_both_customer_and_supplier_but_numbers_are_unique_per_kind(ctx: Ctx) -> None:
    customer(ctx, "777", org_number="923456783")
    supplier(ctx, "777", org_number="923456783")
    with pytest.raises(AlreadyExists):
        customer(ctx, "777")


def test_posting_rules_must_name_an_existing_account_and_vat_code(ctx: Ctx) -> None:
    with pytest.raises(ValidationFailed) as exc:
        customer(ctx, rules=rules("9999"))
    assert exc.value.field == "rules.account"
    with pytest.raises(ValidationFailed) as exc:
        customer(ctx, rules=rules("3000", "77"))
    assert exc.value.field == "rules.vat_code"


def test_every_change_to_a_party_is_audited_field_by_field(ctx: Ctx) -> None:
    customer(ctx, email="a@kunde.no")
    svc.update_party(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001",
                     changes={"email": "b@kunde.no", "payment_terms_days": 30, "rules": rules("3100", "5")})
    events = svc.list_audit(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001")
    updates = {(e["field"], e["old_value"], e["new_value"]) for e in events if e["action"] == "update"}
    assert updates == {("email", "a@kunde.no", "b@kunde.no"), ("payment_terms_days", "14", "30"),
                       ("rules.account", None, "3100"), ("rules.vat_code", None, "5")}
    assert all(e["actor"] == "tester" and e["at"] is not None for e in events)


def test_a_save_based_on_an_old_version_is_refused(ctx: Ctx) -> None:
    customer(ctx)
    svc.update_party(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001", changes={"name": "Ny AS"})
    with pytest.raises(ConcurrentUpdate):
        svc.update_party(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001",
                         changes={"name": "Gammel AS"}, expected_version=1)


def test_blocks_carry_a_reason_and_date_and_apply_to_the_right_kind(ctx: Ctx) -> None:
    customer(ctx)
    supplier(ctx)
    ctx.today_value = date(2026, 5, 5)
    card = svc.set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001", block="credit_stop",
                         reason="Betalingsanmerkning")
    assert card.credit_stop == Block("Betalingsanmerkning", date(2026, 5, 5))
    card = svc.set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=S, number="50001", block="payment_block",
                         reason="Nytt kontonummer må bekreftes")
    assert card.payment_block is not None
    with pytest.raises(ValidationFailed):
        svc.set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=S, number="50001", block="credit_stop",
                      reason="x")
    card = svc.set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001", block="credit_stop",
                         reason=None)
    assert card.credit_stop is None
    fields = [e["field"] for e in svc.list_audit(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001")
              if e["action"] == "update"]
    assert fields == ["credit_stop", "credit_stop"]


def test_free_fields_are_typed_validated_and_searchable(ctx: Ctx) -> None:
    customer(ctx, "10001")
    customer(ctx, "10002")
    svc.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="region", label="Region",
                          field_type="choice", choices=("Nord", "Sør"))
    svc.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="rabatt", label="Rabatt %",
                          field_type="number")
    svc.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="kontrakt", label="Kontrakt til",
                          field_type="date")
    svc.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001", code="region", value="Nord")
    svc.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001", code="rabatt", value="7,5")
    svc.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10002", code="region", value="Sør")
    with pytest.raises(ValidationFailed) as exc:
        svc.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10002", code="region",
                           value="Øst")
    assert exc.value.field == "free_field.region"
    with pytest.raises(ValidationFailed):
        svc.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10002", code="kontrakt",
                           value="31.02.2026")
    with pytest.raises(NotFound):
        svc.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10002", code="nope", value="1")
    found = list_parties(uow=ctx.uow(), company_id=ctx.company_id, free_field=("region", "Nord"))
    assert [r["number"] for r in found] == ["10001"]
    view = party_view(uow=ctx.uow(), company_id=ctx.company_id, number="10001", kind="customer")
    assert view.free_values == {"region": "Nord", "rabatt": "7.5"}


def test_contacts_and_follow_ups_belong_to_the_party(ctx: Ctx) -> None:
    customer(ctx)
    svc.add_contact(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001", name="Kari Nordmann",
                    role="Regnskap", email="kari@kunde.no")
    fid = svc.add_follow_up(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001",
                            title="Ring om forfalt faktura", due_date=date(2026, 7, 1))
    svc.set_follow_up_status(uow=ctx.uow(), company_id=ctx.company_id, follow_up_id=fid, status="done")
    view = party_view(uow=ctx.uow(), company_id=ctx.company_id, number="10001", kind="customer")
    assert [c["name"] for c in view.contacts] == ["Kari Nordmann"]
    assert [(f["title"], f["status"], f["owner"]) for f in view.follow_ups] == [
        ("Ring om forfalt faktura", "done", "tester")]
    with pytest.raises(ValidationFailed):
        svc.add_contact(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001", name="X", email="nope")


@pytest.mark.parametrize("in_folder", [False, True])
def test_documents_are_stored_with_their_sha256_and_read_back_checked(ctx: Ctx, tmp_path: Path,
                                                                      in_folder: bool) -> None:
    customer(ctx)
    content = b"%PDF-1.4 kontrakt"
    doc_id = svc.attach_document(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="10001",
                                 filename="../../kontrakt.pdf", content=content, doc_type="contract",
                                 folder=tmp_path if in_folder else None)
    name, ctype, back = svc.read_document(uow=ctx.uow(), company_id=ctx.company_id, document_id=doc_id)
    assert (name, ctype, back) == ("kontrakt.pdf", "application/pdf", content)
    row = raw(ctx, "SELECT sha256, size, storage, path FROM documents WHERE company_id = :c AND document_id = :d",
              c=ctx.company_id, d=doc_id).one()
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert row.size == len(content)
    assert row.storage == ("folder" if in_folder else "database")
    if in_folder:
        assert Path(row.path).is_relative_to(tmp_path)
        Path(row.path).write_bytes(b"tampered")
        with pytest.raises(ValidationFailed):
            svc.read_document(uow=ctx.uow(), company_id=ctx.company_id, document_id=doc_id)


def test_companies_are_isolated_from_each_other(ctx: Ctx) -> None:
    from reskontro.services.companies import init_company

    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", date(2026, 1, 5))
    other = init_company(uow=ctx.uow(), name="Annet Firma AS")
    assert list_parties(uow=ctx.uow(), company_id=other) == []
    with pytest.raises(NotFound):
        party_view(uow=ctx.uow(), company_id=other, number="10001")


def test_party_view_shows_the_ledger_with_running_balance_and_open_items(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", date(2026, 1, 5), document_number="F1")
    post(ctx, "invoice", "10001", "50.00", date(2026, 1, 6), document_number="F2")
    post(ctx, "payment", "10001", "100.00", date(2026, 1, 20), applies_to="F1")
    view = party_view(uow=ctx.uow(), company_id=ctx.company_id, number="10001", as_of=date(2026, 1, 31))
    assert [r["balance"] for r in view.ledger] == [Decimal("100.00"), Decimal("150.00"), Decimal("50.00")]
    assert [r["document_number"] for r in view.open_items] == ["F2"]
    assert view.balance == Decimal("50.00")


@pytest.mark.parametrize(("fields", "field"), [({"name": "Nul\x00 AS"}, "name"), ({"city": "Oslo\nBergen"}, "city"),
                                               ({"address": "x" * 201}, "address"), ({"phone": "1" * 41}, "phone")])
def test_text_the_database_cannot_hold_is_refused_naming_the_field_on_both_databases(
        ctx: Ctx, fields: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        customer(ctx, "10009", **fields)
    assert err.value.field == field
    assert list_parties(uow=ctx.uow(readonly=True), company_id=ctx.company_id) == []


def test_a_posting_with_a_control_character_in_its_text_is_refused_and_posts_nothing(ctx: Ctx) -> None:
    customer(ctx)
    with pytest.raises(ValidationFailed) as err:
        post(ctx, "invoice", "10001", "100.00", date(2026, 3, 1), document_number="F\x001")
    assert err.value.field == "document_number"
    with pytest.raises(ValidationFailed) as err:
        post(ctx, "invoice", "10001", "100.00", date(2026, 3, 1), description="Levert\x00")
    assert err.value.field == "description"
    post(ctx, "invoice", "10001", "100.00", date(2026, 3, 1), description="Levert\nmandag")  # line breaks are fine
