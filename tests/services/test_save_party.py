"""Saving a card with its free fields in one transaction (the web UI's card form)."""

from __future__ import annotations

import pytest

from reskontro.domain.errors import AlreadyExists, ConcurrentUpdate, ValidationFailed
from reskontro.domain.parties import PartyCard, PartyKind
from reskontro.services import listings, parties
from tests.builders import count
from tests.conftest import Ctx

C = PartyKind.CUSTOMER


def define(ctx: Ctx) -> None:
    parties.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="region", label="Region",
                              field_type="choice", choices=("Vest", "Nord"), required=True)
    parties.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="antall", label="Antall",
                              field_type="number")


def test_a_new_card_and_its_free_fields_are_saved_together_or_not_at_all(ctx: Ctx) -> None:
    define(ctx)
    card = PartyCard(kind=C, number="1", name="Fjordlys AS")
    with pytest.raises(ValidationFailed) as missing:
        parties.save_party(uow=ctx.uow(), company_id=ctx.company_id, card=card, free_values={})
    assert missing.value.field == "free_field.region"
    with pytest.raises(ValidationFailed) as bad:
        parties.save_party(uow=ctx.uow(), company_id=ctx.company_id, card=card,
                           free_values={"region": "Vest", "antall": "mange"})
    assert bad.value.field == "free_field.antall"
    assert count(ctx, "parties") == 0 and count(ctx, "party_free_values") == 0
    parties.save_party(uow=ctx.uow(), company_id=ctx.company_id, card=card,
                       free_values={"region": "Vest", "antall": "1,50"})
    detail = listings.party_detail(uow=ctx.uow(), company_id=ctx.company_id, kind="customer", number="1")
    assert detail.free_fields == {"region": "Vest", "antall": "1.5"}
    with pytest.raises(AlreadyExists):
        parties.save_party(uow=ctx.uow(), company_id=ctx.company_id, card=card, free_values={"region": "Vest"})


def test_editing_changes_the_fields_keeps_the_blocks_and_audits_only_what_changed(ctx: Ctx) -> None:
    define(ctx)
    parties.save_party(uow=ctx.uow(), company_id=ctx.company_id, card=PartyCard(kind=C, number="1", name="A AS"),
                       free_values={"region": "Vest"})
    parties.set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=C, number="1", block="credit_stop",
                      reason="Sen")
    before = listings.party_detail(uow=ctx.uow(), company_id=ctx.company_id, kind="customer", number="1")
    audits = count(ctx, "audit_events")
    parties.save_party(uow=ctx.uow(), company_id=ctx.company_id, number="1", expected_version=before.version,
                       card=PartyCard(kind=C, number="1", name="B AS"), free_values={"region": "Vest"})
    after = listings.party_detail(uow=ctx.uow(), company_id=ctx.company_id, kind="customer", number="1")
    assert after.card.name == "B AS" and after.card.credit_stop is not None
    assert count(ctx, "audit_events") == audits + 1  # the name; the unchanged region is not audited again
    with pytest.raises(ConcurrentUpdate):
        parties.save_party(uow=ctx.uow(), company_id=ctx.company_id, number="1", expected_version=before.version,
                           card=PartyCard(kind=C, number="1", name="C AS"), free_values={})
