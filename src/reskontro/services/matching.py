"""Match suggestions: which open items of a party could settle which, for a person to confirm.

Auto-match runs when a payment or credit note is posted; what it could not place stays open — a
payment that came before its invoice, a KID that was mistyped and then fixed on the invoice, two
invoices of the same amount. This service looks at a party's open items *now* and proposes pairs by
the same rules, in the same order (:func:`reskontro.domain.matching.choose_targets`): the invoice
with the payment's KID, else an invoice whose number appears in the payment's text, else the single
open item of exactly the opposite amount. ``applies_to`` is not among them: it is a posting
instruction that auto-match follows at once and is not kept on the item.

The *settling* side is the items that reduce what is owed — payments, credit notes, write-offs,
credit opening balances: negative in the ledger's natural sign (for a customer the GL credit side,
for a supplier the GL debit side). Suggestions are made for them in date order, each taking what is
still open on both sides after the earlier suggestions, so accepting all of them never
over-allocates. Nothing is written; ``POST /matches`` (``posting.match_items``) makes a match.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.domain.matching import OpenItem, choose_targets, document_numbers_in_text
from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import natural_sign
from reskontro.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class MatchSuggestion:
    """Match ``settling_item_id`` (payment, credit note...) against ``target_item_id`` (an invoice...)."""

    settling_item_id: int
    settling_document: str
    target_item_id: int
    target_document: str
    debit_item_id: int
    credit_item_id: int
    method: str  # kid, text or amount
    amount: Decimal  # positive, in ``currency``
    currency: str
    date: date


def suggest_matches(*, uow: UnitOfWork, company_id: int, kind: str, number: str) -> list[MatchSuggestion]:
    """Pairs of the party's open items that the auto-match rules would match, with method and amount."""
    try:
        k = PartyKind(kind)
    except ValueError:
        raise ValidationFailed(f"kind {kind!r} must be customer or supplier", field="kind") from None
    with uow:
        cc = uow.repo.company(company_id).currency
        found = uow.repo.party_by_number(company_id, k.value, number)
        if found is None:
            raise NotFound(f"{k.value} {number!r} does not exist", field="number")
        records = uow.repo.open_items_of_party(company_id, found.party_id)
    sign = natural_sign(k)
    texts = {r.item_id: r.description for r in records}
    items: dict[int, OpenItem] = {r.item_id: r.as_open_item(cc) for r in records}
    settling = sorted((i for i in items.values() if sign * i.open < 0), key=lambda i: (i.date, i.id))
    out: list[MatchSuggestion] = []
    for s in settling:
        text = texts.get(s.id)
        mentioned = document_numbers_in_text(text)
        for target in choose_targets(items[s.id], list(items.values()), applies_to=None, text=text):
            payment = items[s.id]
            if payment.open == 0:
                break
            take = min(abs(payment.open), abs(target.open))
            if take == 0:
                continue
            if payment.kid and target.kid == payment.kid:
                method = "kid"
            elif target.document_number in mentioned:
                method = "text"
            else:
                method = "amount"
            debit, credit = (target, payment) if target.open > 0 else (payment, target)
            out.append(MatchSuggestion(s.id, s.document_number, target.id, target.document_number, debit.id,
                                       credit.id, method, take, s.currency, max(s.date, target.date)))
            for item in (payment, target):
                step = take if item.open > 0 else -take
                items[item.id] = replace(item, open=item.open - step)
    return out
