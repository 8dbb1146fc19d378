"""Payments in: bank accounts, the KID scheme, bank files (preview and import) and the review queue."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import Field

from reskontro.api.deps import IDEMPOTENT, Reader, Writer, upload_name
from reskontro.api.openapi import READ, WRITE
from reskontro.api.schemas import Amount, Id, Model, Out, Str, Timestamp
from reskontro.services import bank_payments as bank
from reskontro.services import companies

router = APIRouter(tags=["bank"])

Upload = Annotated[UploadFile, File(description="A Nets OCR Giro file, or an ISO 20022 camt.054 / camt.053 XML.")]


class BankAccountIn(Model):
    account: Str = Field(min_length=2, max_length=40, description="Kontonummer (11 digits) or IBAN.")
    name: Str = Field(min_length=1, max_length=100)
    gl_account: Str | None = Field(None, max_length=10, description="GL account it posts to (default 1920).")
    currency: Str | None = Field(None, min_length=3, max_length=3)
    bic: Str | None = Field(None, max_length=11)
    ocr_agreement_id: Str | None = Field(None, max_length=9)


class BankAccountOut(Out):
    account: str
    name: str
    currency: str
    gl_account: str
    bic: str | None
    ocr_agreement_id: str | None


class KidSchemeIn(Model):
    algorithm: Literal["mod10", "mod11"] | None = Field(description="null: customer invoices get no KID made.")
    length: int | None = Field(None, ge=2, le=25, description="Fixed length, check digit included.")
    source: Literal["invoice", "customer", "customer_invoice"] = "invoice"
    customer_digits: int | None = Field(None, ge=1, le=23)


class KidSchemeOut(Out):
    algorithm: str | None
    length: int | None
    source: str | None
    customer_digits: int | None


class BankLineOut(Out):
    location: str
    booking_date: date
    amount: Amount
    currency: str
    credit: bool
    reversal: bool
    kid: str | None
    text: str | None
    counterparty: str | None
    outcome: str = Field(description="posted, review or duplicate")
    method: str | None = Field(description="How it was tied to its party: kid, text, payer, reversal.")
    party_number: str | None
    party_name: str | None
    note: str | None


class BankImportOut(Out):
    filename: str
    format: str
    file_key: str = Field(description="The file's key at the bank: the same key again posts nothing.")
    transactions: int
    posted: int
    settled: int
    review: int
    duplicates: int
    reversals: int
    amount_in: Amount
    amount_out: Amount
    currency: str
    by_method: dict[str, int]
    already_imported: bool
    bank_file_id: int | None
    rows: list[BankLineOut] = Field(default_factory=list, description="Preview only: each transaction.")


class QueuedOut(Out):
    bank_payment_id: int
    filename: str
    location: str
    account: str
    booking_date: date
    amount: Amount
    currency: str
    credit: bool
    reversal: bool
    kid: str | None
    text: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    status: str
    note: str | None
    resolved_at: Timestamp | None


class QueueOut(Out):
    status: str
    total: int
    rows: list[QueuedOut]


class SuggestionOut(Out):
    score: int
    reasons: list[str]
    party_kind: str
    party_number: str
    party_name: str
    document_number: str
    item_date: date
    due_date: date
    currency: str
    open_amount: Amount
    kid: str | None


class ResolveIn(Model):
    party_number: Str = Field(min_length=1, max_length=30, description="Customer (money in) or supplier (out).")
    invoice: Str | None = Field(None, max_length=60, description="The invoice it pays; default by KID/text/amount.")
    note: Str | None = Field(None, max_length=500)


class SuspenseIn(Model):
    note: Str | None = Field(None, max_length=500)


class ResolutionOut(Out):
    bank_payment_id: int
    status: str
    voucher_ref: str
    party_number: str | None
    settled: list[str]


class BankFileOut(Out):
    bank_file_id: int
    filename: str
    format: str
    file_key: str
    transactions: int
    posted: int
    review: int
    created_at: Timestamp
    created_by: str


def _import_out(s: bank.BankImportSummary) -> BankImportOut:
    return BankImportOut.model_validate({**{f: getattr(s, f) for f in BankImportOut.model_fields if f != "rows"},
                                         "rows": [BankLineOut.model_validate(r) for r in s.rows]})


@router.get("/companies/{company_id}/bank/accounts", response_model=list[BankAccountOut], responses=READ,
            summary="The company's bank accounts")
def list_accounts(a: Reader) -> list[BankAccountOut]:
    return [BankAccountOut.model_validate(r) for r in bank.list_bank_accounts(uow=a.uow(), company_id=a.company_id)]


@router.post("/companies/{company_id}/bank/accounts", response_model=BankAccountOut, status_code=201,
             responses=WRITE, dependencies=IDEMPOTENT, summary="Register a bank account of the company")
def add_account(a: Writer, body: BankAccountIn) -> BankAccountOut:
    acc = bank.add_bank_account(uow=a.uow(), company_id=a.company_id, account=body.account, name=body.name,
                                gl_account=body.gl_account, currency=body.currency, bic=body.bic,
                                ocr_agreement_id=body.ocr_agreement_id)
    return BankAccountOut.model_validate(acc)


@router.put("/companies/{company_id}/bank/kid-scheme", response_model=KidSchemeOut, responses=WRITE,
            summary="Set the KID scheme of the company's OCR agreement")
def put_kid_scheme(a: Writer, body: KidSchemeIn) -> KidSchemeOut:
    s = companies.set_kid_scheme(uow=a.uow(), company_id=a.company_id, algorithm=body.algorithm, length=body.length,
                                 source=body.source, customer_digits=body.customer_digits)
    return KidSchemeOut(algorithm=s.algorithm if s else None, length=s.length if s else None,
                        source=s.source if s else None, customer_digits=s.customer_digits if s else None)


@router.post("/companies/{company_id}/bank/files/preview", response_model=BankImportOut, responses=WRITE,
             summary="What importing a bank file would do, transaction by transaction")
def preview_file(a: Reader, file: Upload) -> BankImportOut:
    """Nothing is written. A damaged file is a 422 listing every problem with its line or element path."""
    name, data = upload_name(file), file.file.read()
    return _import_out(bank.preview_bank_file(uow=a.uow(), company_id=a.company_id, data=data, filename=name))


@router.post("/companies/{company_id}/bank/files", response_model=BankImportOut, responses=WRITE,
             dependencies=IDEMPOTENT, summary="Import a bank file: post and match its payments")
def import_file(a: Writer, file: Upload) -> BankImportOut:
    """All or nothing. Payments whose KID, invoice number or payer names a customer are posted and matched; the
    rest wait in the review queue. The same file again (same key at the bank) posts nothing and answers with
    what the first import did (``already_imported``)."""
    name, data = upload_name(file), file.file.read()
    return _import_out(bank.import_bank_file(uow=a.uow(), company_id=a.company_id, data=data, filename=name))


@router.get("/companies/{company_id}/bank/files", response_model=list[BankFileOut], responses=READ,
            summary="Bank files taken in, newest first")
def list_files(a: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[BankFileOut]:
    return [BankFileOut.model_validate(r) for r in bank.recent_bank_files(uow=a.uow(), company_id=a.company_id,
                                                                          limit=limit)]


@router.get("/companies/{company_id}/bank/queue", response_model=QueueOut, responses=READ,
            summary="Bank payments waiting for a user (or parked on the suspense account)")
def queue(a: Reader, status: Literal["review", "suspense"] = "review",
          limit: Annotated[int, Query(ge=1, le=1000)] = 200,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> QueueOut:
    q = bank.review_queue(uow=a.uow(), company_id=a.company_id, status=status, limit=limit, offset=offset)
    return QueueOut(status=q.status, total=q.total, rows=[QueuedOut.model_validate(r) for r in q.rows])


@router.get("/companies/{company_id}/bank/payments/{bank_payment_id}/suggestions",
            response_model=list[SuggestionOut], responses=READ, summary="Ranked open items a payment may be for")
def payment_suggestions(a: Reader, bank_payment_id: Id) -> list[SuggestionOut]:
    return [SuggestionOut.model_validate(s) for s in bank.suggestions(uow=a.uow(), company_id=a.company_id,
                                                                       bank_payment_id=bank_payment_id)]


@router.post("/companies/{company_id}/bank/payments/{bank_payment_id}/resolve", response_model=ResolutionOut,
             responses=WRITE, dependencies=IDEMPOTENT, summary="Post a queued payment to a party")
def resolve(a: Writer, bank_payment_id: Id, body: ResolveIn) -> ResolutionOut:
    r = bank.resolve_payment(uow=a.uow(), company_id=a.company_id, bank_payment_id=bank_payment_id,
                             party_number=body.party_number, invoice=body.invoice, note=body.note)
    return ResolutionOut.model_validate(r)


@router.post("/companies/{company_id}/bank/payments/{bank_payment_id}/suspense", response_model=ResolutionOut,
             responses=WRITE, dependencies=IDEMPOTENT, summary="Park a queued payment on the suspense account")
def suspense(a: Writer, bank_payment_id: Id, body: SuspenseIn) -> ResolutionOut:
    r = bank.post_to_suspense(uow=a.uow(), company_id=a.company_id, bank_payment_id=bank_payment_id, note=body.note)
    return ResolutionOut.model_validate(r)


