"""Postings, vouchers, items and matches: the sub-ledger itself."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from reskontro.api.deps import IDEMPOTENT, MAX_ID, After, Limit, Reader, Writer
from reskontro.api.openapi import READ, WRITE
from reskontro.api.schemas import (
    Day,
    ItemPage,
    MatchIn,
    MatchMadeOut,
    PostingIn,
    PostingOut,
    ReversalOut,
    ReverseIn,
    UnmatchOut,
    VoucherOut,
    VoucherPage,
)
from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import CounterLine, ItemType
from reskontro.services import listings, posting

router = APIRouter(tags=["ledger"])

VoucherRef = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z]+[0-9]?[0-9]{4}-[0-9]{1,18}$",
                                 description="Series, year and number, e.g. SF2026-15.", examples=["SF2026-1"])]
MatchId = Annotated[int, Path(ge=1, le=MAX_ID, description="The match's id.", examples=[1])]


@router.post("/companies/{company_id}/postings", status_code=201, response_model=PostingOut,
             summary="Post an invoice, credit note, payment, write-off or opening balance",
             responses=WRITE, dependencies=IDEMPOTENT)
def post_transaction(a: Writer, body: PostingIn, response: Response) -> dict[str, Any]:
    """Post one party transaction as a balanced voucher, numbered gaplessly in its series.

    Counter lines come from ``lines`` (gross amounts, VAT split by each line's VAT code) or from the
    party's posting rules. Payments, credit notes and write-offs are auto-matched (``applies_to``, else
    KID, else a document number in the text, else the one open item of exactly the opposite amount)
    unless ``auto_match`` is false; the matches made are in the response.
    """
    request = posting.PostingRequest(
        kind=body.kind, item_type=ItemType(body.type), party_number=body.party_number, doc_date=body.date,
        amount=body.amount, document_number=body.document_number, due_date=body.due_date, currency=body.currency,
        rate=body.rate, kid=body.kid, description=body.description, applies_to=body.applies_to,
        lines=tuple(CounterLine(line.account, line.amount, line.vat_code, line.department, line.project,
                                line.description) for line in body.lines))
    result = posting.post_transaction(uow=a.uow(), company_id=a.company_id, request=request,
                                      auto_match=body.auto_match)
    response.headers["Location"] = f"/companies/{a.company_id}/vouchers/{result.voucher_ref}"
    return {"voucher": result.voucher_ref, "item_id": result.item_id, "document_number": result.document_number,
            "matches": result.matches}


@router.get("/companies/{company_id}/vouchers", response_model=VoucherPage, summary="List vouchers",
            responses=READ)
def list_vouchers(a: Reader,
                  series: Annotated[str | None, Query(max_length=10, pattern=r"^[A-Za-z0-9]+$",
                                                      description="SF, IB, LF, UB, M, IB0")] = None,
                  year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
                  date_from: Annotated[Day | None, Query(alias="from")] = None,
                  date_to: Annotated[Day | None, Query(alias="to")] = None,
                  limit: Limit = 50, after: After = None) -> dict[str, Any]:
    """Voucher heads in the order they were posted, filtered by series, year and date range."""
    page = listings.list_vouchers(uow=a.uow(readonly=True), company_id=a.company_id, series=series, year=year,
                                  date_from=date_from, date_to=date_to, after=after, limit=limit)
    return {"items": page.items, "next": page.next}


@router.get("/companies/{company_id}/vouchers/{ref}", response_model=VoucherOut, summary="A voucher",
            responses=READ)
def get_voucher(a: Reader, ref: VoucherRef) -> dict[str, Any]:
    """A voucher's head, its GL lines (debit/credit in company currency), its items and their matches."""
    return listings.voucher_detail(uow=a.uow(readonly=True), company_id=a.company_id, voucher_ref=ref)


@router.post("/companies/{company_id}/vouchers/{ref}/reverse", status_code=201, response_model=ReversalOut,
             summary="Reverse a voucher", responses=WRITE, dependencies=IDEMPOTENT)
def reverse_voucher(a: Writer, ref: VoucherRef, body: ReverseIn | None = None) -> dict[str, Any]:
    """Post a reversal voucher (the original is never changed); its items' matches are undone and the items
    matched against the reversal. A voucher is reversed at most once (409 ``already_reversed``)."""
    body = body or ReverseIn.model_validate({})
    result = posting.reverse_voucher(uow=a.uow(), company_id=a.company_id, voucher_ref=ref, on=body.date,
                                     reason=body.reason)
    return {"voucher": result.voucher_ref, "reverses": ref.upper(), "unmatched": list(result.unmatched)}


@router.get("/companies/{company_id}/items", response_model=ItemPage, summary="List sub-ledger items",
            responses=READ)
def list_items(a: Reader, kind: Annotated[PartyKind | None, Query()] = None,
               party: Annotated[str | None, Query(max_length=30, pattern=r"^[^\x00]*$",
                                                  description="Party number (with kind when the number is both "
                                                              "a customer and a supplier).")] = None,
               open_only: Annotated[bool, Query(alias="open")] = False,
               type: Annotated[ItemType | None, Query()] = None,
               limit: Limit = 50, after: After = None) -> dict[str, Any]:
    """Invoices, credit notes, payments... in the order they were posted; ``open=true`` leaves out settled
    ones. Each has its ``item_id`` for matching."""
    page = listings.list_items(uow=a.uow(readonly=True), company_id=a.company_id,
                               kind=kind.value if kind else None, party_number=party or None, open_only=open_only,
                               item_type=type.value if type else None, after=after, limit=limit)
    return {"items": page.items, "next": page.next}


@router.post("/companies/{company_id}/matches", status_code=201, response_model=MatchMadeOut,
             summary="Match two open items", responses=WRITE, dependencies=IDEMPOTENT)
def match_items(a: Writer, body: MatchIn) -> posting.MatchMade:
    """Match a debit and a credit item of the same party and currency (utligning): all that fits, or
    ``amount``. A match between items booked at different rates posts the exchange difference."""
    return posting.match_items(uow=a.uow(), company_id=a.company_id, item_a=body.item_a, item_b=body.item_b,
                               amount=body.amount)


@router.post("/companies/{company_id}/matches/{match_id}/unmatch", status_code=201, response_model=UnmatchOut,
             summary="Undo a match", responses=WRITE, dependencies=IDEMPOTENT)
def unmatch(a: Writer, match_id: MatchId) -> dict[str, int]:
    """Undo a match with a dated unmatch event (the match stays in history); the items are open again."""
    new_id = posting.unmatch(uow=a.uow(), company_id=a.company_id, match_id=match_id)
    return {"match_id": match_id, "unmatch_id": new_id}

