"""Posting party transactions: invoices, credit notes, payments, write-offs, opening balances.

One engine posts one transaction or a million: :func:`post_batch` validates every request,
numbers the vouchers gaplessly, writes vouchers, lines and items with bulk inserts, then
auto-matches payments and credit notes in memory and writes the matches in bulk. A single posting
from the CLI or API is a batch of one, so the two can never disagree.

Auto-match (for payments, credit notes and write-offs): the document named in ``applies_to``,
else the invoice with the same KID, else an invoice number in the text, else the single open item
of exactly the opposite amount. What is left stays open.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from reskontro.domain.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    DuplicateDocument,
    ImportFailed,
    MatchRefused,
    NotFound,
    OverAllocation,
    PeriodClosed,
    ReskontroError,
    ValidationFailed,
)
from reskontro.domain.matching import Allocation, OpenItem, allocate, choose_targets, document_numbers_in_text
from reskontro.domain.parties import PartyKind, PostingTerms
from reskontro.domain.periods import Period
from reskontro.domain.text import check_text
from reskontro.domain.vouchers import (
    CHARGES,
    SERIES,
    CounterLine,
    ItemType,
    Line,
    VatCode,
    VoucherType,
    build_lines,
    check_balanced,
    ledger_sign,
    reversal_lines,
    voucher_type_for,
)
from reskontro.identifiers import bank as bank_ids
from reskontro.identifiers import kid as kid_mod
from reskontro.money import MoneyError, check_currency, from_minor, round_money, to_decimal, to_minor
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store.repositories import Company, ItemRecord

#: Item types that settle others when posted (they are auto-matched).
SETTLING = frozenset({ItemType.PAYMENT, ItemType.CREDIT_NOTE, ItemType.WRITE_OFF})


@dataclass(frozen=True, slots=True)
class PostingRequest:
    """One party transaction to post. ``amount`` is positive, except an opening balance, which is
    in the ledger's natural sign (negative = a credit balance)."""

    kind: PartyKind
    item_type: ItemType
    party_number: str
    doc_date: date
    amount: Decimal
    document_number: str | None = None
    due_date: date | None = None
    currency: str | None = None
    rate: Decimal | None = None
    kid: str | None = None
    description: str | None = None
    applies_to: str | None = None
    lines: tuple[CounterLine, ...] = ()
    row: int | None = None
    payee_account: str | None = None  # a supplier invoice: the account it says to pay to (compared with the card)


@dataclass(frozen=True, slots=True)
class MatchMade:
    match_id: int
    debit_item_id: int
    credit_item_id: int
    amount: Decimal
    method: str
    fx_voucher_id: int | None = None


@dataclass(frozen=True, slots=True)
class PostingResult:
    voucher_id: int
    voucher_ref: str
    item_id: int
    document_number: str
    matches: tuple[MatchMade, ...] = ()


#: What a caller of :func:`post_stream` learns of each posting: request, voucher id, item id, matches made at once.
PostedHook = Callable[["PostingRequest", int, int, tuple["MatchMade", ...]], None]


@dataclass(slots=True)
class _Plan:
    req: PostingRequest
    party_id: int
    card: PostingTerms
    vtype: VoucherType
    currency: str
    rate: Decimal
    due: date
    lines: list[Line]
    control_account: str
    voucher_id: int = 0
    series: str = ""
    number: int = 0
    item_id: int = 0
    document_number: str = ""
    matches: list[MatchMade] = field(default_factory=list)


@dataclass(slots=True)
class _ItemState:
    """An item while a batch is matched in memory: plain integers (minor units, GL sign), no Decimals,
    so that hundreds of thousands of open items fit in little memory."""

    id: int
    party_id: int
    document_number: str
    day: date
    currency: str
    kid: str | None
    amount_minor: int
    amount_company_minor: int
    open_minor: int
    open_company_minor: int
    preexisting: bool
    closed_on: date | None = None
    last_alloc: date | None = None
    taken_minor: int = 0
    taken_company_minor: int = 0

    @classmethod
    def of(cls, r: ItemRecord, preexisting: bool = True) -> _ItemState:
        return cls(r.item_id, r.party_id, r.document_number, r.item_date, r.currency, r.kid, r.amount_minor,
                   r.amount_company_minor, r.open_minor, r.open_company_minor, preexisting)

    def current(self, company_currency: str) -> OpenItem:
        cur = self.currency
        return OpenItem(self.id, self.party_id, self.document_number, self.day, cur,
                        from_minor(self.amount_minor, cur), from_minor(self.open_minor, cur),
                        from_minor(self.amount_company_minor, company_currency),
                        from_minor(self.open_company_minor, company_currency), self.kid)


def default_counter(company: Company, kind: PartyKind, item_type: ItemType, card: PostingTerms,
                    gross: Decimal) -> CounterLine:
    """The counter line a posting gets when it names none: the card's fixed posting rules, else the
    company's account for the type (sales/purchases with VAT code 3/1, bank, bad debt, migration)."""
    c = company
    customer = kind is PartyKind.CUSTOMER
    rules = card.rules
    dims = {"department": rules.department, "project": rules.project}
    if item_type in (ItemType.INVOICE, ItemType.CREDIT_NOTE):
        account = rules.account or (c.sales_account if customer else c.purchase_account)
        vat = rules.vat_code or ("3" if customer else "1")
        return CounterLine(account, gross, vat, **dims)
    if item_type is ItemType.PAYMENT:
        return CounterLine(c.bank_account, gross)
    if item_type is ItemType.REMINDER_FEE:  # outside the scope of VAT: a cost of recovery, not a supply
        return CounterLine(c.reminder_fee_account, gross, **dims)
    if item_type is ItemType.INTEREST:
        return CounterLine(c.interest_account, gross, **dims)
    if item_type is ItemType.WRITE_OFF:
        return CounterLine(c.write_off_account if customer else "3900", gross, **dims)
    return CounterLine(c.opening_balance_account, gross)


def _drop(index: dict[Any, list[int]], key: Any, item_id: int) -> None:
    bucket = index.get(key)
    if bucket is not None:
        if item_id in bucket:
            bucket.remove(item_id)
        if not bucket:
            del index[key]


def _problem(req: PostingRequest, exc: ReskontroError) -> ReskontroError:
    if req.row is not None and exc.row is None:
        exc.row = req.row
    return exc


class _Batch:
    """The state of one batch posting inside a unit of work."""

    def __init__(self, uow: UnitOfWork, company: Company, *, source: str | None, defer_parties: bool = False) -> None:
        self.uow = uow
        self.repo = uow.repo
        self.company = company
        self.cid = company.company_id
        self.source = source
        self.vat_codes: dict[str, VatCode] = self.repo.vat_codes(self.cid)
        self.kid_scheme = company.kid_scheme()
        self.accounts = self.repo.account_numbers(self.cid)
        self.closed = self.repo.closed_periods(self.cid)
        self._rates: dict[tuple[str, date], Decimal | None] = {}
        self._group_accounts: dict[tuple[str, str | None], str | None] = {}
        self.voucher_rows: list[dict[str, Any]] = []
        self.line_rows: list[dict[str, Any]] = []
        self.item_rows: list[dict[str, Any]] = []
        self.match_rows: list[dict[str, Any]] = []
        self.alloc_rows: list[dict[str, Any]] = []
        self.states: dict[int, _ItemState] = {}
        # Open items in memory, indexed the ways auto-match looks for them (dicts keep insertion order).
        self.by_party: dict[int, list[int]] = defaultdict(list)
        self.by_document: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.by_kid: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.now = uow.now()
        # Caches that live across the chunks of one batch.
        self.cards: dict[tuple[str, str], tuple[int, PostingTerms]] = {}
        self._all_parties = False
        self._item_id_runs: list[tuple[int, int]] = []  # item ids this batch reserved, as (first, last)
        self.loaded_parties: set[int] = set()
        self.deferred: list[_Plan] = []
        self.problems: list[str] = []
        self._id_pools: dict[str, list[int]] = defaultdict(list)
        self.posted = 0
        self.skipped = 0
        self.match_count = 0
        # A long stream counts each party's sums once, at its end (``store.totals.recount_parties``).
        self.defer_parties = defer_parties
        self.touched_parties: set[int] = set()
        #: Told of each posting once it is written: (request, voucher id, item id, matches made).
        self.on_posted: PostedHook | None = None

    def next_id(self, name: str) -> int:
        """An id for a new row, from a block reserved in advance (ids need not be gapless; voucher
        numbers are, and are numbered separately)."""
        pool = self._id_pools[name]
        if not pool:
            ids = self.repo.next_ids(self.cid, name, 1024)
            pool.extend(reversed(ids))
            if name == "items":
                self._note_runs(ids)
        return pool.pop()

    def _note_runs(self, ids: Sequence[int]) -> None:
        first = prev = ids[0]
        for i in ids[1:]:
            if i != prev + 1:
                self._item_id_runs.append((first, prev))
                first = i
            prev = i
        self._item_id_runs.append((first, prev))

    def posted_here(self, item_id: int) -> bool:
        """Whether this batch wrote the item: a million-row import then needs no set of every
        document it posted to tell a document that is in its input twice from one posted before."""
        k = bisect.bisect_right(self._item_id_runs, (item_id, math.inf)) - 1
        return k >= 0 and self._item_id_runs[k][0] <= item_id <= self._item_id_runs[k][1]

    # -- planning ------------------------------------------------------------------------------------

    def is_closed(self, day: date) -> bool:
        return (day.year, day.month) in self.closed

    def first_open_day(self, day: date) -> date:
        period = Period.of(day)
        if not self.is_closed(day):
            return day
        while (period.year, period.month) in self.closed:
            period = period.next()
        return period.first_day()

    def rate_for(self, currency: str, on: date, given: Decimal | None) -> Decimal:
        if currency == self.company.currency:
            if given is not None and given != 1:
                raise ValidationFailed(f"rate must be 1 for the company currency {currency}", field="rate")
            return Decimal(1)
        if given is not None:
            if given <= 0:
                raise ValidationFailed(f"rate {given} must be positive", field="rate")
            return given
        key = (currency, on)
        if key not in self._rates:
            self._rates[key] = self.repo.rate_on(self.cid, currency, on)
        rate = self._rates[key]
        if rate is None:
            raise ValidationFailed(f"no exchange rate for {currency} on or before {on.isoformat()}; "
                                   f"give one or record it with `reskontro rate set`", field="rate")
        return rate

    def control_account(self, kind: PartyKind, group_code: str | None) -> str:
        key = (kind.value, group_code)
        if key not in self._group_accounts:
            self._group_accounts[key] = self.repo.group_control_account(self.cid, kind.value, group_code)
        override = self._group_accounts[key]
        if override:
            return override
        return (self.company.customer_control_account if kind is PartyKind.CUSTOMER
                else self.company.supplier_control_account)

    def default_counter(self, req: PostingRequest, card: PostingTerms, gross: Decimal) -> CounterLine:
        return default_counter(self.company, req.kind, req.item_type, card, gross)

    def plan(self, req: PostingRequest, party: tuple[int, PostingTerms]) -> _Plan:
        party_id, card = party
        try:
            currency = check_currency(req.currency or card.currency)
            amount = to_decimal(req.amount)
        except MoneyError as exc:
            raise ValidationFailed(str(exc), field="currency" if "currency" in str(exc) else "amount") from None
        if round_money(amount, currency) != amount:
            raise ValidationFailed(f"amount {amount} has more decimals than {currency} allows", field="amount")
        if req.item_type is ItemType.OPENING_BALANCE:
            if amount == 0:
                raise ValidationFailed("an opening balance cannot be zero", field="amount")
        elif amount <= 0:
            raise ValidationFailed(f"amount {amount} must be positive (the type gives the direction)",
                                   field="amount")
        if req.item_type is ItemType.REVERSAL:
            raise ValidationFailed("reversals are made with `voucher reverse`", field="type")
        if self.is_closed(req.doc_date):
            raise PeriodClosed(f"period {Period.of(req.doc_date)} is closed; nothing can be posted on "
                               f"{req.doc_date.isoformat()}", field="date")
        kid = None
        scheme = self.kid_scheme if req.kind is PartyKind.CUSTOMER and req.item_type in CHARGES else None
        if req.kid and scheme is not None:
            kid = scheme.check(req.kid)
        elif req.kid:
            try:
                kid = kid_mod.validate(req.kid)
            except kid_mod.InvalidLength:
                raise ValidationFailed(f"KID {req.kid!r} must be 2–25 characters", field="kid") from None
            except (kid_mod.InvalidFormat, kid_mod.InvalidChecksum):
                raise ValidationFailed(f"KID {req.kid!r} fails the MOD10 and MOD11 check digit",
                                       field="kid") from None
        if req.payee_account is not None:
            if req.kind is not PartyKind.SUPPLIER or req.item_type is not ItemType.INVOICE:
                raise ValidationFailed("only a supplier invoice says which account to pay to", field="payee_account")
            try:
                payee = bank_ids.validate_account(req.payee_account)
            except bank_ids.ValidationError as exc:
                raise ValidationFailed(f"payee account {req.payee_account!r} is not valid ({exc})",
                                       field="payee_account") from None
            req = replace(req, payee_account=payee)
        rate = self.rate_for(currency, req.doc_date, req.rate)
        if req.item_type in CHARGES:
            due = req.due_date or req.doc_date + timedelta(days=card.payment_terms_days)
            if due < req.doc_date:
                raise ValidationFailed(f"due date {due} is before the invoice date {req.doc_date}", field="due_date")
        else:
            due = req.doc_date
        vtype = voucher_type_for(req.kind, req.item_type)
        sign = ledger_sign(req.kind, req.item_type)
        gross = amount
        if req.item_type is ItemType.OPENING_BALANCE and amount < 0:
            sign, gross = -sign, -amount
        counters = list(req.lines) or [self.default_counter(req, card, gross)]
        for c in counters:
            if c.account not in self.accounts:
                raise ValidationFailed(f"account {c.account} does not exist", field="account")
        control = self.control_account(req.kind, card.group_code)
        lines = build_lines(control_account=control, sign=sign, gross=gross, currency=currency, rate=rate,
                            company_currency=self.company.currency, counters=counters,
                            vat_codes=self.vat_codes, description=req.description)
        plan = _Plan(req, party_id, card, vtype, currency, rate, due, lines, control)
        plan.document_number = (req.document_number or "").strip()
        if len(plan.document_number) > 60:
            raise ValidationFailed("document number is longer than 60 characters", field="document_number")
        if kid:
            plan.req = PostingRequest(**{**{f: getattr(req, f) for f in req.__dataclass_fields__}, "kid": kid})
        return plan

    # -- writing -------------------------------------------------------------------------------------

    def number(self, plans: Sequence[_Plan]) -> None:
        """Voucher ids, gapless numbers per series and year (in request order), item ids."""
        by_key: dict[tuple[str, int], list[_Plan]] = defaultdict(list)
        for p in plans:
            by_key[(SERIES[p.vtype], p.req.doc_date.year)].append(p)
        for (series, year), group in by_key.items():
            numbers = self.repo.next_voucher_numbers(self.cid, series, year, len(group))
            for p, n in zip(group, numbers, strict=True):
                p.series, p.number = series, n
        item_ids = self.repo.next_ids(self.cid, "items", len(plans))
        if item_ids:
            self._note_runs(item_ids)
        for p, vid, iid in zip(plans, self.repo.next_ids(self.cid, "vouchers", len(plans)), item_ids, strict=True):
            p.voucher_id, p.item_id = vid, iid
            if not p.document_number:
                p.document_number = f"{p.series}{p.req.doc_date.year}-{p.number}"
            if (self.kid_scheme is not None and not p.req.kid and p.req.kind is PartyKind.CUSTOMER
                    and p.req.item_type in CHARGES):
                try:
                    kid = self.kid_scheme.make(customer=p.card.number, invoice=p.document_number)
                except ReskontroError as exc:
                    raise _problem(p.req, exc) from None
                p.req = replace(p.req, kid=kid)

    def add_voucher(self, *, voucher_id: int, series: str, number: int, vtype: VoucherType, on: date,
                    description: str | None, lines: Sequence[Line], party_id: int | None,
                    reverses: int | None = None) -> None:
        check_balanced(lines)
        self.voucher_rows.append({
            "company_id": self.cid, "voucher_id": voucher_id, "series": series, "year": on.year, "number": number,
            "voucher_type": vtype.value, "voucher_date": on, "description": description,
            "reverses_voucher_id": reverses, "source": self.source, "created_at": self.now,
            "created_by": self.uow.actor})
        cc = self.company.currency
        for n, ln in enumerate(lines, start=1):
            self.line_rows.append({
                "company_id": self.cid, "voucher_id": voucher_id, "line_no": n, "line_date": on,
                "account": ln.account, "amount_minor": to_minor(ln.amount, cc), "currency": ln.currency,
                "currency_amount_minor": to_minor(ln.currency_amount, ln.currency), "vat_code": ln.vat_code,
                "department": ln.department, "project": ln.project,
                "party_id": party_id if ln.is_subledger else None, "description": ln.description})

    def add_item(self, p: _Plan) -> None:
        sub = p.lines[0]
        cc = self.company.currency
        amount_minor = to_minor(sub.currency_amount, p.currency)
        company_minor = to_minor(sub.amount, cc)
        req = p.req
        item_type = ItemType.REVERSAL if p.vtype is VoucherType.REVERSAL else req.item_type
        self.item_rows.append({
            "company_id": self.cid, "item_id": p.item_id, "voucher_id": p.voucher_id, "line_no": 1,
            "party_id": p.party_id, "kind": req.kind.value, "item_type": item_type.value,
            "document_number": p.document_number, "item_date": req.doc_date, "due_date": p.due, "kid": req.kid,
            "currency": p.currency, "rate": str(p.rate), "amount_minor": amount_minor, "open_minor": amount_minor,
            "amount_company_minor": company_minor, "open_company_minor": company_minor,
            "control_account": p.control_account, "description": req.description, "closed_on": None,
            "last_alloc_date": None, "payee_account": req.payee_account, "version": 1})
        self._keep(_ItemState(p.item_id, p.party_id, p.document_number, req.doc_date, p.currency, req.kid,
                              amount_minor, company_minor, amount_minor, company_minor, preexisting=False))

    def _keep(self, state: _ItemState) -> None:
        if state.id not in self.states:
            self.states[state.id] = state
            self.by_party[state.party_id].append(state.id)
            self.by_document[(state.party_id, state.document_number)].append(state.id)
            if state.kid:
                self.by_kid[(state.party_id, state.kid)].append(state.id)

    def _forget(self, item_id: int) -> None:
        it = self.states.pop(item_id)
        _drop(self.by_party, it.party_id, item_id)
        _drop(self.by_document, (it.party_id, it.document_number), item_id)
        if it.kid:
            _drop(self.by_kid, (it.party_id, it.kid), item_id)

    # -- matching ------------------------------------------------------------------------------------

    def load_open(self, party_ids: Iterable[int]) -> None:
        """Bring the parties' open items from the database into memory once (locked on PostgreSQL)."""
        todo = set(party_ids) - self.loaded_parties
        if todo:
            self.load_items(self.repo.open_items_of_parties(self.cid, todo, lock=True))
            self.loaded_parties |= todo

    def load_by_kid(self, keys: Iterable[tuple[int, str]]) -> None:
        """Bring the open items with these (party, KID) pairs into memory (locked on PostgreSQL)."""
        todo = set(keys)
        if todo:
            self.load_items(self.repo.open_items_by_kid(self.cid, todo, lock=True))

    def load_items(self, records: Iterable[ItemRecord]) -> None:
        for r in records:
            self._keep(_ItemState.of(r))

    def match(self, a_id: int, b_id: int, *, method: str, amount: Decimal | None = None) -> MatchMade:
        """Match two items in memory; the rows are written by :meth:`flush`."""
        cc = self.company.currency
        a, b = self.states[a_id], self.states[b_id]
        alloc = allocate(a.current(cc), b.current(cc), cc, amount)
        match_id = self.next_id("matches")
        on = alloc.on
        fx_voucher_id = None
        if alloc.fx_difference:
            on = self.first_open_day(on)
            fx_voucher_id = self.fx_voucher(alloc, on, a.party_id, a)
        self._record_match(match_id, "match", alloc, on, method, fx_voucher_id, None)
        return MatchMade(match_id, alloc.debit_id, alloc.credit_id, alloc.amount, method, fx_voucher_id)

    def _record_match(self, match_id: int, kind: str, alloc: Allocation, on: date, method: str,
                      fx_voucher_id: int | None, undoes: int | None) -> None:
        cc = self.company.currency
        sign = 1 if kind == "match" else -1
        debit, credit = self.states[alloc.debit_id], self.states[alloc.credit_id]
        cur = debit.currency
        amount_minor = to_minor(alloc.amount, cur)
        d_company, c_company = to_minor(alloc.debit_company, cc), to_minor(alloc.credit_company, cc)
        self.match_rows.append({
            "company_id": self.cid, "match_id": match_id, "match_kind": kind, "debit_item_id": alloc.debit_id,
            "credit_item_id": alloc.credit_id, "currency": cur, "amount_minor": sign * amount_minor,
            "debit_company_minor": sign * d_company, "credit_company_minor": sign * c_company, "match_date": on,
            "undoes_match_id": undoes, "fx_voucher_id": fx_voucher_id, "method": method,
            "created_at": self.now, "created_by": self.uow.actor})
        # Debit items' open amounts go down, credit items' go up (towards zero).
        for state, take, take_company in ((debit, amount_minor, d_company), (credit, -amount_minor, -c_company)):
            take, take_company = sign * take, sign * take_company
            self.alloc_rows.append({"company_id": self.cid, "match_id": match_id, "item_id": state.id,
                                    "alloc_date": on, "amount_minor": take, "amount_company_minor": take_company})
            state.open_minor -= take
            state.open_company_minor -= take_company
            state.taken_minor += take
            state.taken_company_minor += take_company
            state.last_alloc = on if state.last_alloc is None else max(state.last_alloc, on)
            state.closed_on = state.last_alloc if state.open_minor == 0 else None

    def fx_voucher(self, alloc: Allocation, on: date, party_id: int, item: _ItemState) -> int:
        """Post the realised exchange difference of a match: control account against agio/disagio."""
        cc = self.company.currency
        diff = alloc.fx_difference
        control = self._control_of(item.id)
        account = self.company.fx_loss_account if diff > 0 else self.company.fx_gain_account
        lines = [Line(control, -diff, cc, -diff, description=f"Kursdifferanse {item.document_number}",
                      is_subledger=True),
                 Line(account, diff, cc, diff, description=f"Kursdifferanse {item.document_number}")]
        voucher_id = self.next_id("vouchers")
        series = SERIES[VoucherType.FX_DIFFERENCE]
        number = self.repo.next_voucher_numbers(self.cid, series, on.year)[0]
        self.add_voucher(voucher_id=voucher_id, series=series, number=number, vtype=VoucherType.FX_DIFFERENCE,
                         on=on, description=f"Realised exchange difference, {item.document_number}", lines=lines,
                         party_id=party_id)
        return voucher_id

    def _control_of(self, item_id: int) -> str:
        for row in self.item_rows:
            if row["item_id"] == item_id:
                return str(row["control_account"])
        return self.repo.item(self.cid, item_id).control_account

    def _candidates(self, plan: _Plan, applies_to: str | None) -> list[OpenItem]:
        """The party's open items that the auto-match rules could pick, narrowed by index in rule order:
        the named document; else the KID; else document numbers in the text; else all (exact amount)."""
        cc = self.company.currency
        pid = plan.party_id

        def pick(ids: Iterable[int]) -> list[OpenItem]:
            me = self.states[plan.item_id]
            return [s.current(cc) for s in (self.states[i] for i in ids if i != plan.item_id)
                    if s.open_minor != 0 and (s.open_minor > 0) != (me.open_minor > 0)]

        if applies_to:
            return pick(self.by_document.get((pid, applies_to), ()))
        if plan.req.kid:
            found = pick(self.by_kid.get((pid, plan.req.kid), ()))
            if found:
                return found
        self.load_open([pid])  # loaded by KID only: the other rules need all of the party's open items
        tokens = document_numbers_in_text(plan.req.description)
        found = pick(i for tok in tokens for i in self.by_document.get((pid, tok), ()))
        if found:
            return found
        return pick(self.by_party.get(pid, ()))

    def auto_match(self, plan: _Plan, *, final: bool = True) -> None:
        cc = self.company.currency
        me = self.states[plan.item_id]
        applies_to = (plan.req.applies_to or "").strip() or None
        targets = choose_targets(me.current(cc), self._candidates(plan, applies_to), applies_to=applies_to,
                                 text=plan.req.description)
        if applies_to and not targets:
            named = [self.states[i] for i in self.by_document.get((plan.party_id, applies_to), ())]
            if not named:
                found = self.repo.items_by_document(self.cid, plan.party_id, applies_to)
                named = [_ItemState.of(f) for f in found]
            if named and named[0].currency != plan.currency:
                raise CurrencyMismatch(f"{applies_to} is in {named[0].currency}, this {plan.req.item_type} "
                                       f"in {plan.currency}", field="applies_to")
            if not named:
                if not final:  # the document may come later in the same import
                    self.deferred.append(plan)
                    return
                raise NotFound(f"document {applies_to!r} of party {plan.req.party_number} does not exist",
                               field="applies_to")
            return  # the named document is already settled: what was paid stays open as a credit
        method = ("applies_to" if applies_to else "kid" if plan.req.kid and targets and targets[0].kid == plan.req.kid
                  else "text" if targets and targets[0].document_number in (plan.req.description or "")
                  else "amount")
        for target in targets:
            if self.states[plan.item_id].open_minor == 0:
                break
            plan.matches.append(self.match(plan.item_id, target.id, method=method))

    def flush(self) -> None:
        """Write everything planned, in foreign-key order, with bulk inserts and updates.

        Settled items then leave memory: they can no longer be matched, so a batch of millions of
        rows keeps only the open ones.
        """
        final = {iid: s for iid, s in self.states.items() if not s.preexisting}
        for row in self.item_rows:
            s = final.get(row["item_id"])
            if s is not None:
                row["open_minor"], row["open_company_minor"], row["closed_on"], row["last_alloc_date"] = (
                    s.open_minor, s.open_company_minor, s.closed_on, s.last_alloc)
        self.repo.insert_rows("vouchers", self.voucher_rows)
        self.repo.insert_rows("voucher_lines", self.line_rows)
        self.repo.insert_rows("items", self.item_rows)
        self.repo.insert_rows("matches", self.match_rows)
        self.repo.insert_rows("allocations", self.alloc_rows)
        takes = [(s.id, s.taken_minor, s.taken_company_minor) for s in self.states.values()
                 if s.preexisting and (s.taken_minor or s.taken_company_minor)]
        self.repo.settled_totals(self.cid, [x[0] for x in takes], -1)  # out of their settlement day…
        self.repo.apply_allocations(self.cid, takes)
        self.repo.settled_totals(self.cid, [x[0] for x in takes], 1)  # …and into the new one, if settled
        self.repo.add_totals(self.cid, voucher_ids=[r["voucher_id"] for r in self.voucher_rows],
                             item_ids=[r["item_id"] for r in self.item_rows],
                             match_ids=[r["match_id"] for r in self.match_rows], parties=not self.defer_parties)
        if self.defer_parties:
            # An allocation is between items of one party, one of them the settling item a stream posted (in
            # this chunk, or an earlier one for a match deferred to ``finish``): its items name every party.
            self.touched_parties.update(r["party_id"] for r in self.item_rows)
        self.match_count += sum(1 for m in self.match_rows if m["match_kind"] == "match")
        for name in ("voucher_rows", "line_rows", "item_rows", "match_rows", "alloc_rows"):
            setattr(self, name, [])
        for iid in [iid for iid, s in self.states.items() if s.open_minor == 0]:
            self._forget(iid)
        for s in self.states.values():
            s.preexisting = True
            s.taken_minor = s.taken_company_minor = 0

    # -- one chunk of a batch ------------------------------------------------------------------------------

    def resolve_parties(self, requests: Sequence[PostingRequest]) -> None:
        if self._all_parties:
            return
        keys = {(r.kind.value, r.party_number.strip()) for r in requests} - set(self.cards)
        if not keys:
            return
        if len(keys) > 500:
            self._all_parties = True  # read the whole register once and keep it
            found = self.repo.posting_terms_by_numbers(self.cid, None)
        else:
            found = self.repo.posting_terms_by_numbers(self.cid, keys)
        for pid, card in found.items():
            self.cards[(card.kind.value, card.number)] = (pid, card)

    def fail(self, req: PostingRequest, exc: ReskontroError, collect: bool) -> None:
        err = _problem(req, exc)
        if not collect:
            raise err
        self.problems.append(str(err))

    def _text_fits(self, req: PostingRequest, collect: bool) -> bool:
        """Text the database can hold (no control characters, within the columns), checked before any query
        uses it: PostgreSQL refuses a NUL even in a WHERE clause."""
        try:
            check_text(req.party_number, "party_number", 30)
            check_text((req.document_number or "").strip(), "document_number", 60)
            check_text(req.applies_to, "applies_to", 60)
            check_text(req.description, "description", 500, multiline=True)
        except ReskontroError as exc:
            self.fail(req, exc, collect)
            return False
        return True

    def post(self, requests: Sequence[PostingRequest], *, auto_match: bool, collect: bool,
             skip_identical: bool = False) -> list[_Plan]:
        """Plan, number, write and match one chunk. With ``collect``, problems are gathered and
        nothing more is written once there is one."""
        requests = [r for r in requests if self._text_fits(r, collect)]
        self.resolve_parties(requests)
        existing = self.repo.documents_by_number(self.cid, {(r.document_number or "").strip() for r in requests
                                                            if r.document_number})
        plans: list[_Plan] = []
        in_chunk: set[tuple[int, str, str]] = set()
        for req in requests:
            try:
                found = self.cards.get((req.kind.value, req.party_number.strip()))
                if found is None:
                    raise NotFound(f"{req.kind.value} {req.party_number!r} does not exist", field="party_number")
                plan = self.plan(req, found)
                if plan.document_number:
                    key = (found[0], req.item_type.value, plan.document_number)
                    before = existing.get(key)
                    if key in in_chunk or (before is not None and self.posted_here(before[0])):
                        raise DuplicateDocument(f"{req.item_type.value} {plan.document_number} of {req.kind.value} "
                                                f"{req.party_number} is in the input twice", field="document_number")
                    in_chunk.add(key)
                    if before is not None:
                        if skip_identical and self._same(plan, before):
                            self.skipped += 1
                            continue
                        raise DuplicateDocument(f"{req.item_type.value} {plan.document_number} already exists for "
                                                f"{req.kind.value} {req.party_number}"
                                                + (" with another amount or date" if skip_identical else ""),
                                                field="document_number")
                plans.append(plan)
            except ReskontroError as exc:
                self.fail(req, exc, collect)
        if self.problems:
            return []
        self.number(plans)
        for p in plans:
            self.add_voucher(voucher_id=p.voucher_id, series=p.series, number=p.number, vtype=p.vtype,
                             on=p.req.doc_date, description=p.req.description, lines=p.lines, party_id=p.party_id)
            self.add_item(p)
        if auto_match:
            settling = [p for p in plans if p.req.item_type in SETTLING]
            # A payment with a KID needs only the items with that KID (one index lookup for the chunk); its
            # party's other open items are read only if the KID settles nothing (``_candidates``).
            by_kid = [p for p in settling if p.req.kid and not (p.req.applies_to or "").strip()]
            self.load_by_kid((p.party_id, p.req.kid or "") for p in by_kid if p.party_id not in self.loaded_parties)
            kid_ids = {id(p) for p in by_kid}
            self.load_open(p.party_id for p in settling if id(p) not in kid_ids)
            for p in sorted(settling, key=lambda p: (p.req.doc_date, p.req.row or 0, p.item_id)):
                try:
                    self.auto_match(p, final=not collect)
                except ReskontroError as exc:
                    self.fail(p.req, exc, collect)
            if self.problems:
                return []
        self.flush()
        self.posted += len(plans)
        if self.on_posted is not None:
            for p in plans:
                self.on_posted(p.req, p.voucher_id, p.item_id, tuple(p.matches))
        return plans

    def finish(self) -> None:
        """Match what waited for a document later in the input; what still finds none is an error."""
        waiting, self.deferred = self.deferred, []
        if not waiting or self.problems:
            return
        for p in waiting:
            self.load_open([p.party_id])
            try:
                self.auto_match(p, final=True)
            except ReskontroError as exc:
                self.fail(p.req, exc, True)
        if not self.problems:
            self.flush()

    @staticmethod
    def _same(plan: _Plan, before: tuple[int, int, date, str]) -> bool:
        _, amount_minor, day, currency = before
        sub = plan.lines[0]
        return (currency == plan.currency and day == plan.req.doc_date
                and amount_minor == to_minor(sub.currency_amount, plan.currency))


def post_batch(uow: UnitOfWork, company: Company, requests: Sequence[PostingRequest], *, auto_match: bool = True,
               source: str | None = None) -> list[PostingResult]:
    """Post a few requests inside the caller's unit of work (no commit here); the first problem raises."""
    batch = _Batch(uow, company, source=source)
    plans = batch.post(requests, auto_match=auto_match, collect=False)
    batch.finish()
    _audit(uow, company.company_id, plans, source)
    return [PostingResult(p.voucher_id, f"{p.series}{p.req.doc_date.year}-{p.number}", p.item_id, p.document_number,
                          tuple(p.matches)) for p in plans]


@dataclass(frozen=True, slots=True)
class StreamSummary:
    posted: int
    skipped: int
    matches: int


CHUNK = 20_000


def post_stream(uow: UnitOfWork, company: Company, requests: Iterable[PostingRequest | ReskontroError], *,
                auto_match: bool = True, source: str | None = None, skip_identical: bool = False,
                progress: Callable[[int], None] | None = None, chunk_size: int | None = None,
                on_posted: PostedHook | None = None) -> StreamSummary:
    """Post any number of requests in chunks inside the caller's unit of work, keeping memory flat.

    Errors (also ones handed in from the parser as exceptions) are collected; at the end one
    :class:`ImportFailed` lists them all, and the caller's rollback leaves nothing posted.
    ``skip_identical`` skips a request whose document is already posted with the same amount and
    date (idempotent re-import); a different one is an error.
    """
    batch = _Batch(uow, company, source=source, defer_parties=True)
    batch.on_posted = on_posted
    chunk: list[PostingRequest] = []
    total = 0
    size = chunk_size or CHUNK
    analyzed = [size // 2]

    def run() -> None:
        batch.post(chunk, auto_match=auto_match, collect=True, skip_identical=skip_identical)
        if progress:
            progress(len(chunk))
        chunk.clear()
        if batch.posted >= 2 * analyzed[0]:  # keep the planner's statistics in step with the load
            uow.repo.analyze(("items", "allocations", "vouchers", "voucher_lines", "matches"))
            analyzed[0] = batch.posted

    for item in requests:
        total += 1
        if isinstance(item, ReskontroError):
            batch.problems.append(str(item))
            continue
        chunk.append(item)
        if len(chunk) >= size:
            run()
    if chunk:
        run()
    batch.finish()
    if batch.problems:
        raise ImportFailed(f"{len(batch.problems)} of {total} rows have errors; nothing was posted", batch.problems)
    uow.repo.recount_parties(company.company_id, sorted(batch.touched_parties))
    if batch.posted:
        uow.repo.audit(company.company_id, "batch", source or "batch", "post",
                       [(None, None, f"{batch.posted} vouchers, {batch.match_count} matches")])
    return StreamSummary(batch.posted, batch.skipped, batch.match_count)


def _audit(uow: UnitOfWork, company_id: int, plans: Sequence[_Plan], source: str | None) -> None:
    if len(plans) == 1:
        p = plans[0]
        uow.repo.audit(company_id, "voucher", p.voucher_id, "post",
                       [(None, None, f"{p.series}{p.req.doc_date.year}-{p.number} {p.req.item_type.value} "
                                     f"{p.document_number}")])
    elif plans:
        uow.repo.audit(company_id, "batch", source or "batch", "post",
                       [(None, None, f"{len(plans)} vouchers, {sum(len(p.matches) for p in plans)} matches")])


def post_transaction(*, uow: UnitOfWork, company_id: int, request: PostingRequest,
                     auto_match: bool = True) -> PostingResult:
    """Post one invoice, credit note, payment, write-off or opening balance, and auto-match it."""
    with uow:
        company = uow.repo.company(company_id)
        result = post_batch(uow, company, [request], auto_match=auto_match, source="manual")[0]
        uow.commit()
    return result


@dataclass(frozen=True, slots=True)
class PostingDefaults:
    """What a posting for a party gets where the request leaves a field out, for a form to show before
    anything is posted: the card's currency and payment terms, and the counter line of the type."""

    kind: PartyKind
    number: str
    item_type: ItemType
    currency: str
    payment_terms_days: int
    account: str
    vat_code: str | None
    department: str | None
    project: str | None


def posting_defaults(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str,
                     item_type: ItemType) -> PostingDefaults:
    """The defaults :func:`post_transaction` would use for this party and type (nothing is written)."""
    with uow:
        company = uow.repo.company(company_id)
        found = uow.repo.party_by_number(company_id, kind.value, number)
        if found is None:
            raise NotFound(f"{kind.value} {number!r} does not exist", field="party_number")
    terms = found.card.posting_terms()
    counter = default_counter(company, kind, item_type, terms, Decimal(1))
    return PostingDefaults(kind, terms.number, item_type, terms.currency, terms.payment_terms_days, counter.account,
                           counter.vat_code, counter.department, counter.project)


# -- matching by hand ----------------------------------------------------------------------------------


def match_items(*, uow: UnitOfWork, company_id: int, item_a: int, item_b: int,
                amount: Decimal | None = None) -> MatchMade:
    """Match two open items of the same party by hand (full when ``amount`` is None, else partial)."""
    with uow:
        company = uow.repo.company(company_id)
        batch = _Batch(uow, company, source="manual")
        found = uow.repo.items(company_id, sorted({item_a, item_b}), lock=True)
        if len(found) != 2:
            missing = {item_a, item_b} - {f.item_id for f in found}
            raise NotFound(f"item {', '.join(map(str, sorted(missing))) or item_a} does not exist", field="item")
        batch.load_items(found)
        made = batch.match(item_a, item_b, method="manual", amount=amount)
        batch.flush()
        uow.repo.audit(company_id, "match", made.match_id, "match",
                       [("amount", None, made.amount), ("items", None, f"{item_a},{item_b}")])
        uow.commit()
    return made


def _load_locked(uow: UnitOfWork, batch: _Batch, company_id: int, item_ids: Iterable[int]) -> list[ItemRecord]:
    """The items, locked (PostgreSQL) in id order like every matcher, into the batch; a missing one is NotFound."""
    ids = sorted(set(item_ids))
    found = uow.repo.items(company_id, ids, lock=True)
    missing = set(ids) - {f.item_id for f in found}
    if missing:
        raise NotFound(f"item {', '.join(map(str, sorted(missing)))} does not exist", field="item")
    batch.load_items(found)
    return found


def _check_party(uow: UnitOfWork, company_id: int, found: Sequence[ItemRecord],
                 party: tuple[PartyKind, str] | None) -> None:
    """With ``party``, every item must be that party's: an item of another party is as missing as none."""
    if party is None:
        return
    kind, number = party
    record = uow.repo.party_by_number(company_id, kind.value, number)
    if record is None:
        raise NotFound(f"{kind.value} {number!r} does not exist", field="number")
    others = sorted(f.item_id for f in found if f.party_id != record.party_id)
    if others:
        raise NotFound(f"item {', '.join(map(str, others))} is not {kind.value} {number}'s", field="item")


def _audit_matches(uow: UnitOfWork, company_id: int, made: Sequence[MatchMade]) -> None:
    for m in made:
        uow.repo.audit(company_id, "match", m.match_id, "match",
                       [("amount", None, m.amount), ("items", None, f"{m.debit_item_id},{m.credit_item_id}")])


def match_selected(*, uow: UnitOfWork, company_id: int, item_ids: Sequence[int], amount: Decimal | None = None,
                   party: tuple[PartyKind, str] | None = None) -> list[MatchMade]:
    """Match several open items of one party by hand, in one transaction: all of it or nothing.

    The debits (invoices, ...) and the credits (payments, credit notes, ...) are each taken oldest
    first (by date, then id). The oldest open debit is matched against the oldest open credit for all
    that fits; whichever is used up gives way to the next on its side, until one side is used up —
    or, with ``amount``, until that much has been matched in all. So one invoice and two part
    payments settle the invoice with both; two invoices and one payment settle the older invoice
    first and put the rest on the newer. Two items are simply :func:`match_items`.

    Every item must be open, of the same party and currency (of ``party``, when given), with at least
    one on each side; any refusal (here or by the database) leaves nothing matched.
    """
    ids = sorted(set(item_ids))
    if len(ids) < 2:
        raise ValidationFailed("choose at least two items: one that is owed and one that settles it", field="items")
    with uow:
        company = uow.repo.company(company_id)
        batch = _Batch(uow, company, source="manual")
        found = _load_locked(uow, batch, company_id, ids)
        _check_party(uow, company_id, found, party)
        if len({f.party_id for f in found}) > 1:
            raise MatchRefused("the items belong to different parties", field="items")
        currencies = sorted({f.currency for f in found})
        if len(currencies) > 1:
            raise CurrencyMismatch(f"the items are in {' and '.join(currencies)}; a match is in one currency",
                                   field="items")
        currency = currencies[0]
        settled = [f.document_number for f in found if f.open_minor == 0]
        if settled:
            raise MatchRefused(f"item {settled[0]} has nothing open", field="items")
        cap: int | None = None
        if amount is not None:
            try:
                if amount <= 0 or round_money(amount, currency) != amount:
                    raise ValidationFailed(f"match amount {amount} must be positive, in whole {currency} minor units",
                                           field="amount")
            except MoneyError as exc:
                raise ValidationFailed(str(exc), field="amount") from None
            cap = to_minor(amount, currency)
        order = sorted(found, key=lambda f: (f.item_date, f.item_id))
        debits = [f.item_id for f in order if f.open_minor > 0]
        credits = [f.item_id for f in order if f.open_minor < 0]
        if not debits or not credits:
            side = "debits (owed)" if debits else "credits (settling)"
            raise MatchRefused(f"the items are all {side}; a match needs one of each", field="items")
        made: list[MatchMade] = []
        d = c = 0
        while d < len(debits) and c < len(credits) and (cap is None or cap > 0):
            debit, credit = batch.states[debits[d]], batch.states[credits[c]]
            take = min(debit.open_minor, -credit.open_minor)
            if cap is not None:
                take = min(take, cap)
                cap -= take
            made.append(batch.match(debit.id, credit.id, method="manual", amount=from_minor(take, currency)))
            if debit.open_minor == 0:
                d += 1
            if credit.open_minor == 0:
                c += 1
        if cap:
            most = sum((m.amount for m in made), Decimal(0))
            raise OverAllocation(f"match amount {amount} is more than the {most} these items can settle",
                                 field="amount")
        batch.flush()
        _audit_matches(uow, company_id, made)
        uow.commit()
    return made


def match_within(uow: UnitOfWork, company: Company, pairs: Sequence[tuple[int, int, Decimal | None]], *,
                 method: str) -> list[MatchMade]:
    """Make given matches inside the caller's unit of work (no commit here), in order; each pair takes all that
    fits, or the amount given. A payment proposal nets a supplier's credit notes against its invoices so."""
    batch = _Batch(uow, company, source=method)
    _load_locked(uow, batch, company.company_id, (i for a, b, _ in pairs for i in (a, b)))
    made = [batch.match(a, b, method=method, amount=amount) for a, b, amount in pairs]
    batch.flush()
    _audit_matches(uow, company.company_id, made)
    return made


def match_pairs(*, uow: UnitOfWork, company_id: int, pairs: Sequence[tuple[int, int, Decimal | None]],
                party: tuple[PartyKind, str] | None = None) -> list[MatchMade]:
    """Make several given matches (item, item, amount or None for all that fits) in one transaction —
    accepting a list of suggestions at once, say. If one is refused, none is made."""
    if not pairs:
        raise ValidationFailed("no matches to make", field="pairs")
    with uow:
        batch = _Batch(uow, uow.repo.company(company_id), source="manual")
        found = _load_locked(uow, batch, company_id, (i for a, b, _ in pairs for i in (a, b)))
        _check_party(uow, company_id, found, party)
        for a, _b, amount in pairs:
            currency = batch.states[a].currency
            if amount is not None and (amount <= 0 or round_money(amount, currency) != amount):
                raise ValidationFailed(f"match amount {amount} must be positive, in whole {currency} minor units",
                                       field="amount")
        made = [batch.match(a, b, method="manual", amount=amount) for a, b, amount in pairs]
        batch.flush()
        _audit_matches(uow, company_id, made)
        uow.commit()
    return made


def _unmatch(batch: _Batch, match_id: int, on: date) -> int:
    repo, cid = batch.repo, batch.cid
    m = repo.match(cid, match_id)
    if m["match_kind"] != "match":
        raise ValidationFailed(f"{match_id} is itself an unmatch", field="match")
    if repo.is_undone(cid, match_id):
        raise AlreadyReversed(f"match {match_id} is already undone", field="match")
    batch.load_items(repo.items(cid, [m["debit_item_id"], m["credit_item_id"]], lock=True))
    cc = batch.company.currency
    cur = m["currency"]
    alloc = Allocation(m["debit_item_id"], m["credit_item_id"], from_minor(m["amount_minor"], cur),
                       from_minor(m["debit_company_minor"], cc), from_minor(m["credit_company_minor"], cc),
                       max(on, m["match_date"]))
    when = batch.first_open_day(alloc.on)
    fx_reversal = None
    if m["fx_voucher_id"] is not None:
        fx_reversal = _reverse_lines_only(batch, int(m["fx_voucher_id"]), when)
    new_id = repo.next_ids(cid, "matches")[0]
    batch._record_match(new_id, "unmatch", alloc, when, "manual", fx_reversal, match_id)
    return new_id


def unmatch(*, uow: UnitOfWork, company_id: int, match_id: int, party: tuple[PartyKind, str] | None = None) -> int:
    """Undo a match with a dated unmatch event (the match stays in history); return the event's id.

    With ``party``, a match of another party's items is refused as not found."""
    with uow:
        batch = _Batch(uow, uow.repo.company(company_id), source="manual")
        if party is not None:
            m = uow.repo.match(company_id, match_id)
            _check_party(uow, company_id, [uow.repo.item(company_id, int(m["debit_item_id"]))], party)
        new_id = _unmatch(batch, match_id, uow.today())
        batch.flush()
        uow.repo.audit(company_id, "match", match_id, "unmatch", [("undone_by", None, new_id)])
        uow.commit()
    return new_id


def _reverse_lines_only(batch: _Batch, voucher_id: int, on: date) -> int:
    """Reverse a voucher that has no items (an exchange-difference voucher)."""
    repo, cid, cc = batch.repo, batch.cid, batch.company.currency
    original = repo.voucher(cid, voucher_id)
    rows = repo.voucher_lines(cid, voucher_id)
    lines = [Line(r["account"], -from_minor(r["amount_minor"], cc), r["currency"],
                  -from_minor(r["currency_amount_minor"], r["currency"]), r["vat_code"], r["department"],
                  r["project"], r["description"], r["party_id"] is not None) for r in rows]
    party_ids = {r["party_id"] for r in rows if r["party_id"] is not None}
    new_id = repo.next_ids(cid, "vouchers")[0]
    series = SERIES[VoucherType.REVERSAL]
    number = repo.next_voucher_numbers(cid, series, on.year)[0]
    batch.add_voucher(voucher_id=new_id, series=series, number=number, vtype=VoucherType.REVERSAL, on=on,
                      description=f"Reversal of {original['series']}{original['year']}-{original['number']}",
                      lines=lines, party_id=party_ids.pop() if party_ids else None, reverses=voucher_id)
    return new_id


@dataclass(frozen=True, slots=True)
class ReversalResult:
    voucher_id: int
    voucher_ref: str
    unmatched: tuple[int, ...]


def parse_voucher_ref(text: str) -> tuple[str, int, int]:
    """``SF2026-15`` → ("SF", 2026, 15)."""
    import re

    m = re.fullmatch(r"([A-Z]+[0-9]?)(\d{4})-(\d+)", text.strip().upper())
    if not m:
        raise ValidationFailed(f"voucher {text!r} is not SERIESYYYY-NUMBER, e.g. SF2026-15", field="voucher")
    return m.group(1), int(m.group(2)), int(m.group(3))


def reverse_voucher(*, uow: UnitOfWork, company_id: int, voucher_ref: str, on: date | None = None,
                    reason: str | None = None) -> ReversalResult:
    """Post a reversal of a voucher; its items are unmatched and matched against the reversal."""
    series, year, number = parse_voucher_ref(voucher_ref)
    with uow:
        original = uow.repo.voucher_by_number(company_id, series, year, number)
        if original is None:
            raise NotFound(f"voucher {voucher_ref} does not exist", field="voucher")
        result = reverse_posted(uow, uow.repo.company(company_id), int(original["voucher_id"]), on=on, reason=reason)
        uow.commit()
    return result


def reverse_posted(uow: UnitOfWork, company: Company, voucher_id: int, *, on: date | None = None,
                   reason: str | None = None) -> ReversalResult:
    """Reverse a voucher inside the caller's unit of work (no commit here): see :func:`reverse_voucher`."""
    repo, company_id, vid = uow.repo, company.company_id, voucher_id
    original = repo.voucher(company_id, vid)
    voucher_ref = f"{original['series']}{original['year']}-{original['number']}"
    if original["voucher_type"] in (VoucherType.REVERSAL.value, VoucherType.FX_DIFFERENCE.value):
        raise ValidationFailed(f"{voucher_ref} is a {original['voucher_type']} voucher and cannot be reversed; "
                               f"unmatch or post a new transaction", field="voucher")
    if repo.reversal_of(company_id, vid) is not None:
        raise AlreadyReversed(f"voucher {voucher_ref} is already reversed", field="voucher")
    when = on or original["voucher_date"]
    batch = _Batch(uow, company, source="reversal")
    if batch.is_closed(when):
        raise PeriodClosed(f"period {Period.of(when)} is closed; give a reversal date in an open period",
                           field="date")
    cc = company.currency
    rows = repo.voucher_lines(company_id, vid)
    lines = reversal_lines([Line(r["account"], from_minor(r["amount_minor"], cc), r["currency"],
                                 from_minor(r["currency_amount_minor"], r["currency"]), r["vat_code"],
                                 r["department"], r["project"], r["description"], r["party_id"] is not None)
                            for r in rows])
    items = repo.items_by_voucher(company_id, vid)
    unmatched: list[int] = []
    for item in items:
        for m in repo.matches_of_item(company_id, item.item_id):
            unmatched.append(_unmatch(batch, int(m["match_id"]), when))
    new_vid = repo.next_ids(company_id, "vouchers")[0]
    rseries = SERIES[VoucherType.REVERSAL]
    rnumber = repo.next_voucher_numbers(company_id, rseries, when.year)[0]
    party_ids = {r["party_id"] for r in rows if r["party_id"] is not None}
    description = reason or f"Reversal of {voucher_ref}"
    batch.add_voucher(voucher_id=new_vid, series=rseries, number=rnumber, vtype=VoucherType.REVERSAL, on=when,
                      description=description, lines=lines,
                      party_id=next(iter(party_ids)) if party_ids else None, reverses=vid)
    batch.load_items(items)
    for item in items:
        rid = repo.next_ids(company_id, "items")[0]
        card = repo.party(company_id, item.party_id).card
        req = PostingRequest(card.kind, ItemType(item.item_type), card.number, when,
                             abs(from_minor(item.amount_minor, item.currency)), currency=item.currency,
                             description=description)
        sub = next(ln for ln in lines if ln.is_subledger)
        plan = _Plan(req, item.party_id, card.posting_terms(), VoucherType.REVERSAL, item.currency,
                     Decimal(item.rate), when, [sub], item.control_account, voucher_id=new_vid, item_id=rid,
                     document_number=item.document_number)
        batch.add_item(plan)
        batch.item_rows[-1]["line_no"] = next(n for n, r in enumerate(rows, 1) if r["party_id"] is not None)
        batch.match(item.item_id, rid, method="reversal")
    batch.flush()
    repo.audit(company_id, "voucher", vid, "reverse",
               [("reversed_by", None, f"{rseries}{when.year}-{rnumber}"), ("reason", None, reason)])
    return ReversalResult(new_vid, f"{rseries}{when.year}-{rnumber}", tuple(unmatched))
