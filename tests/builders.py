"""Small builders for tests: a customer, a supplier, a posting — each with sensible defaults."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

from reskontro.domain.parties import PartyCard, PartyKind, PostingRules
from reskontro.domain.vouchers import CounterLine, ItemType
from reskontro.services.parties import create_party
from reskontro.services.posting import PostingRequest, PostingResult, post_transaction
from reskontro.store import tables as t
from tests.conftest import Ctx


def customer(ctx: Ctx, number: str = "10001", **fields: Any) -> int:
    card = PartyCard(kind=PartyKind.CUSTOMER, number=number, name=fields.pop("name", f"Kunde {number} AS"),
                     payment_terms_days=fields.pop("payment_terms_days", 14), **fields)
    return create_party(uow=ctx.uow(), company_id=ctx.company_id, card=card)


def supplier(ctx: Ctx, number: str = "50001", **fields: Any) -> int:
    card = PartyCard(kind=PartyKind.SUPPLIER, number=number, name=fields.pop("name", f"Leverandør {number} AS"),
                     payment_terms_days=fields.pop("payment_terms_days", 30), **fields)
    return create_party(uow=ctx.uow(), company_id=ctx.company_id, card=card)


def post(ctx: Ctx, item_type: ItemType | str, party: str, amount: str, on: date, *,
         kind: PartyKind = PartyKind.CUSTOMER, lines: tuple[CounterLine, ...] = (), auto_match: bool = True,
         **fields: Any) -> PostingResult:
    req = PostingRequest(kind=kind, item_type=ItemType(item_type), party_number=party, doc_date=on,
                         amount=Decimal(amount), lines=lines, **fields)
    return post_transaction(uow=ctx.uow(), company_id=ctx.company_id, request=req, auto_match=auto_match)


def rules(account: str | None = None, vat_code: str | None = None, department: str | None = None,
          project: str | None = None) -> PostingRules:
    return PostingRules(account, vat_code, department, project)


def count(ctx: Ctx, table: str) -> int:
    tbl = t.metadata.tables[table]
    with ctx.app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tbl).where(tbl.c.company_id == ctx.company_id))
                   .scalar_one())


def lines_of(ctx: Ctx, voucher_id: int) -> list[tuple[str, Decimal, str | None]]:
    """(account, amount in NOK with debit positive, VAT code) of a voucher's lines."""
    vl = t.voucher_lines
    with ctx.app.engine.connect() as conn:
        rows = conn.execute(select(vl.c.account, vl.c.amount_minor, vl.c.vat_code)
                            .where(vl.c.company_id == ctx.company_id, vl.c.voucher_id == voucher_id)
                            .order_by(vl.c.line_no)).all()
    return [(a, Decimal(m) / 100, v) for a, m, v in rows]


def item_open(ctx: Ctx, item_id: int) -> Decimal:
    i = t.items
    with ctx.app.engine.connect() as conn:
        minor = conn.execute(select(i.c.open_minor).where(i.c.company_id == ctx.company_id, i.c.item_id == item_id)
                             ).scalar_one()
    return Decimal(minor) / 100


def gl_balance(ctx: Ctx, account: str, as_of: date | None = None) -> Decimal:
    vl = t.voucher_lines
    q = select(func.coalesce(func.sum(vl.c.amount_minor), 0)).where(vl.c.company_id == ctx.company_id,
                                                                    vl.c.account == account)
    if as_of:
        q = q.where(vl.c.line_date <= as_of)
    with ctx.app.engine.connect() as conn:
        return Decimal(conn.execute(q).scalar_one()) / 100


def raw(ctx: Ctx, sql: str, **params: Any) -> Any:
    with ctx.app.engine.begin() as conn:
        return conn.execute(text(sql), params)


#: A parties file and the header of a transactions file in the import format (docs/import.md).
PARTIES = (
    "number,kind,name,org_number,email,language,currency,payment_terms_days,credit_limit,address,postal_code,city,"
    "country\n"
    "100001,customer,Kunde En AS,923456783,a@kunde.no,nb,NOK,14,50000,Gate 1,0150,Oslo,NO\n"
    "100002,customer,Kunde To AS,934567897,,en,NOK,30,,Gate 2,5003,Bergen,NO\n"
    "500001,supplier,Lev AS,812345672,post@lev.no,nb,NOK,30,,Vei 3,7010,Trondheim,NO\n"
)
HEADER = "party_number,kind,type,document_number,date,due_date,amount,currency,kid,description,applies_to\n"


def gl_voucher(ctx: Ctx, voucher_id: int, on: date, lines: tuple[tuple[str, int], ...]) -> None:
    """A voucher another module of the ERP posts straight to the GL (no party, no item): its rows, counted into
    the maintained totals as every writer of lines must."""
    raw(ctx, "INSERT INTO vouchers (company_id, voucher_id, series, year, number, voucher_type, voucher_date, "
             "created_at, created_by) VALUES (:c, :v, 'GL', :y, :v, 'manual', :d, :now, 'x')",
        c=ctx.company_id, v=voucher_id, y=on.year, d=on, now=on)
    for line_no, (account, amount) in enumerate(lines, start=1):
        raw(ctx, "INSERT INTO voucher_lines (company_id, voucher_id, line_no, line_date, account, amount_minor, "
                 "currency, currency_amount_minor) VALUES (:c, :v, :n, :d, :a, :m, 'NOK', :m)",
            c=ctx.company_id, v=voucher_id, n=line_no, d=on, a=account, m=amount)
    with ctx.uow() as uow:
        uow.repo.add_totals(ctx.company_id, voucher_ids=[voucher_id], item_ids=[], match_ids=[])
        uow.commit()

