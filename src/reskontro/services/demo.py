"""A demo company: ~200 customers, ~100 suppliers and a year of transactions, some overdue, some in EUR/SEK.

Deterministic for a seed, and dated relative to ``today`` so that there is always something
overdue. Everything is posted through the normal posting engine, so the demo ledger obeys the
same rules as a real one.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import netsgiro
from netsgiro.enums import AssignmentType, ServiceCode, TransactionType

from reskontro.domain.errors import AlreadyExists
from reskontro.domain.parties import PartyCard, PartyKind, PostingRules, validate_card
from reskontro.domain.vouchers import CounterLine, ItemType
from reskontro.identifiers import kid
from reskontro.money import round_money
from reskontro.services import access, reminders
from reskontro.services.bank_payments import add_bank_account, import_bank_file
from reskontro.services.companies import init_company, set_kid_scheme
from reskontro.services.posting import PostingRequest, post_stream
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import payments_out as payments_sql

_FIRST = ("Fjord", "Nord", "Vest", "Sol", "Berg", "Havn", "Skog", "Elve", "Lys", "Stein", "Bre", "Dal", "Vik",
          "Nes", "Holm", "Lia", "Mo", "Sand", "Eik", "Bjørk")
_LAST = ("handel", "bygg", "data", "transport", "konsult", "mat", "el", "rør", "maskin", "design", "service",
         "trykk", "regnskap", "eiendom", "sport", "media", "marin", "energi", "teknikk", "verksted")
_CITIES = (("0150", "Oslo"), ("5003", "Bergen"), ("7010", "Trondheim"), ("4006", "Stavanger"), ("9008", "Tromsø"),
           ("3015", "Drammen"), ("4610", "Kristiansand"), ("1706", "Sarpsborg"), ("2317", "Hamar"), ("6002", "Ålesund"))
_COST_ACCOUNTS = ("4000", "4300", "6300", "6540", "6700", "6800", "6900", "7140")


def org_number(rng: random.Random) -> str:
    """A random organisation number with a valid MOD11 check digit."""
    while True:
        body = str(rng.choice((8, 9))) + "".join(str(rng.randrange(10)) for _ in range(7))
        total = sum(int(d) * w for d, w in zip(body, (3, 2, 7, 6, 5, 4, 3, 2), strict=True))
        check = 11 - total % 11
        if check == 10:
            continue
        return body + str(0 if check == 11 else check)


def bank_account(rng: random.Random) -> str:
    """A random Norwegian account number with a valid MOD11 check digit."""
    while True:
        body = "".join(str(rng.randrange(10)) for _ in range(10))
        total = sum(int(d) * w for d, w in zip(body, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
        check = 11 - total % 11
        if check == 10:
            continue
        return body + str(0 if check == 11 else check)


#: The user the demo makes for the web UI (admin of the demo company only).
DEMO_USER = "demo"


def demo_login(*, uow_factory: Callable[[], UnitOfWork], company_id: int, username: str = DEMO_USER
               ) -> tuple[str, str]:
    """A user for trying the web UI on the demo company: ``(username, password)``.

    The password is random and shown once; running the demo again gives the user a new one (so whoever
    runs it can always sign in). The user is admin of the demo company and of nothing else.
    """
    password = f"demo-{secrets.token_urlsafe(9)}"
    try:
        access.create_user(uow=uow_factory(), username=username, password=password, display_name="Demo")
    except AlreadyExists:
        access.set_password(uow=uow_factory(), username=username, password=password)
    access.grant(uow=uow_factory(), username=username, company_id=company_id, role="admin")
    return username, password


@dataclass(frozen=True, slots=True)
class DemoSummary:
    company_id: int
    customers: int
    suppliers: int
    vouchers: int
    matches: int
    bank_posted: int = 0  # payments of the demo's bank file (yesterday's OCR Giro) matched by themselves
    bank_review: int = 0  # and those left in the review queue
    reminder_run: int | None = None  # today's reminder proposal, left for review
    reminder_letters: int = 0


#: The demo company's bank account (a valid kontonummer) and the OCR agreement on it.
DEMO_ACCOUNT = "15031234562"
DEMO_AGREEMENT = "000012345"

RATES = {"EUR": Decimal("11.50"), "SEK": Decimal("1.0000")}


def _rate(currency: str, day: date, rng_seed: int) -> Decimal:
    """A rate that wanders a little month by month, so settling at another rate posts agio/disagio."""
    base = RATES[currency]
    wobble = Decimal(((day.year * 12 + day.month + rng_seed) % 7) - 3) / Decimal(100)
    return round_money(base * (1 + wobble / 2), "NOK") if currency == "EUR" else (base + wobble / 3).quantize(
        Decimal("0.0001"))


def build_demo(*, uow_factory: Callable[[], UnitOfWork], today: date, customers: int = 200, suppliers: int = 100,
               seed: int = 2026, name: str = "Fjordlys Demo AS", progress: Callable[[int], None] | None = None
               ) -> DemoSummary:
    """Create the demo company and post a year of activity; returns what was made."""
    rng = random.Random(seed)
    company_id = init_company(uow=uow_factory(), name=name, org_number=None)
    # KIDs are the customer number (5 digits) and the invoice number (7), MOD10: 13 characters.
    set_kid_scheme(uow=uow_factory(), company_id=company_id, algorithm="mod10", length=13, source="customer_invoice",
                   customer_digits=5)
    add_bank_account(uow=uow_factory(), company_id=company_id, account=DEMO_ACCOUNT, name="Driftskonto",
                     ocr_agreement_id=DEMO_AGREEMENT)
    start = today - timedelta(days=365)
    cards: list[PartyCard] = []
    for n in range(1, customers + 1):
        postal, city = rng.choice(_CITIES)
        currency = "EUR" if n % 25 == 0 else "SEK" if n % 33 == 0 else "NOK"
        cards.append(validate_card(PartyCard(
            kind=PartyKind.CUSTOMER, number=str(10000 + n), name=f"{rng.choice(_FIRST)}{rng.choice(_LAST)} AS",
            org_number=org_number(rng), vat_registered=True, address=f"{rng.choice(_FIRST)}veien {rng.randint(1, 99)}",
            postal_code=postal, city=city, country="NO" if currency == "NOK" else ("DE" if currency == "EUR" else "SE"),
            email=f"faktura@kunde{n}.example.no", language="nb" if currency == "NOK" else "en", currency=currency,
            payment_terms_days=rng.choice((10, 14, 14, 30)), credit_limit=Decimal(rng.choice((50000, 100000, 250000))),
            rules=PostingRules(account="3000" if currency == "NOK" else "3100",
                               vat_code="3" if currency == "NOK" else "52"))))
    for n in range(1, suppliers + 1):
        postal, city = rng.choice(_CITIES)
        currency = "EUR" if n % 20 == 0 else "NOK"
        cards.append(validate_card(PartyCard(
            kind=PartyKind.SUPPLIER, number=str(50000 + n), name=f"{rng.choice(_FIRST)}{rng.choice(_LAST)} AS",
            org_number=org_number(rng), vat_registered=True, address=f"{rng.choice(_FIRST)}gata {rng.randint(1, 99)}",
            postal_code=postal, city=city, email=f"post@leverandor{n}.example.no", language="nb", currency=currency,
            payment_terms_days=rng.choice((14, 30, 30)), bank_account=bank_account(rng),
            rules=PostingRules(account=rng.choice(_COST_ACCOUNTS), vat_code="1" if currency == "NOK" else "0"))))
    uow = uow_factory()
    with uow:
        uow.repo.insert_parties(company_id, cards)
        for cur in RATES:
            month = date(start.year, start.month, 1)
            while month <= today:
                uow.repo.set_rate(company_id, cur, month, _rate(cur, month, seed))
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        uow.commit()

    requests: list[PostingRequest] = []
    unpaid: list[tuple[str, int, str, Decimal]] = []  # (customer, invoice number, KID, amount) of NOK invoices
    customers_list = [c for c in cards if c.kind is PartyKind.CUSTOMER]
    suppliers_list = [c for c in cards if c.kind is PartyKind.SUPPLIER]
    invoice_no = 100000
    for day_offset in range(0, 366):
        day = start + timedelta(days=day_offset)
        if day.weekday() >= 5:
            continue
        for card in rng.sample(customers_list, k=rng.randint(2, 5)):
            invoice_no += 1
            amount = Decimal(rng.randint(500_00, 80_000_00)) / 100
            kid_value = kid.create(f"{card.number}{invoice_no:07d}", "mod10")
            requests.append(PostingRequest(PartyKind.CUSTOMER, ItemType.INVOICE, card.number, day, amount,
                                           document_number=str(invoice_no), kid=kid_value,
                                           description=f"Faktura {invoice_no}"))
            due = day + timedelta(days=card.payment_terms_days)
            fate = rng.random()
            if rng.random() < 0.05:  # a credit note for part of it
                credit = round_money(amount * Decimal(rng.choice(("0.1", "0.2", "0.5"))), card.currency)
                requests.append(PostingRequest(PartyKind.CUSTOMER, ItemType.CREDIT_NOTE, card.number,
                                               day + timedelta(days=3), credit, document_number=f"K{invoice_no}",
                                               applies_to=str(invoice_no), description=f"Kreditnota til {invoice_no}"))
                amount -= credit
            pay_day = due + timedelta(days=rng.randint(-8, 4) if fate < 0.75 else rng.randint(5, 60))
            if fate < 0.9 and pay_day <= today:
                paid = amount if rng.random() > 0.08 else round_money(amount / 2, card.currency)
                requests.append(PostingRequest(PartyKind.CUSTOMER, ItemType.PAYMENT, card.number, pay_day, paid,
                                               document_number=f"INN{invoice_no}", kid=kid_value,
                                               description="Innbetaling OCR"))
            elif card.currency == "NOK" and day <= today:
                unpaid.append((card.number, invoice_no, kid_value, amount))
        if rng.random() < 0.8:
            card = rng.choice(suppliers_list)
            invoice_no += 1
            amount = Decimal(rng.randint(200_00, 150_000_00)) / 100
            doc = f"L{rng.randint(1000, 99999)}-{invoice_no}"
            requests.append(PostingRequest(PartyKind.SUPPLIER, ItemType.INVOICE, card.number, day, amount,
                                           document_number=doc, description=f"Faktura {doc}"))
            due = day + timedelta(days=card.payment_terms_days)
            if due <= today - timedelta(days=3) and rng.random() < 0.92:
                requests.append(PostingRequest(PartyKind.SUPPLIER, ItemType.PAYMENT, card.number, due, amount,
                                               document_number=f"UT{invoice_no}", applies_to=doc,
                                               description=f"Betaling {doc}"))
    requests = [r for r in requests if r.doc_date <= today]
    requests.sort(key=lambda r: (r.doc_date, r.item_type is not ItemType.INVOICE))
    requests = [PostingRequest(**{**{f: getattr(r, f) for f in r.__dataclass_fields__}, "row": n})
                for n, r in enumerate(requests, 1)]
    # One customer gets a fixed split posting rule to show counter lines.
    requests.append(PostingRequest(PartyKind.CUSTOMER, ItemType.INVOICE, customers_list[0].number, today, Decimal(
        "12500.00"), document_number=str(invoice_no + 1), description="Rådgivning og lisens",
        lines=(CounterLine("3000", Decimal("10000.00"), "3"), CounterLine("3900", Decimal("2500.00"), "3"))))
    uow = uow_factory()
    with uow:
        company = uow.repo.company(company_id)
        summary = post_stream(uow, company, requests, source="demo", progress=progress)
        uow.commit()
    bank = import_bank_file(uow=uow_factory(), company_id=company_id, data=_ocr_file(unpaid, today, rng),
                            filename=f"OCR{today:%Y%m%d}.txt")
    # The suppliers' bank accounts came onto the cards in this set-up: a controller approved all but two (those two
    # show the guard: the due list will not pay them until a second user approves).
    uow = uow_factory()
    with uow:
        pending = payments_sql.approvals(uow.repo.conn, company_id, "pending")
        for row in pending[2:]:
            payments_sql.decide_approval(uow.repo.conn, company_id, int(row["approval_id"]), "approved",
                                         "kontroller", uow.now(), "approved when the demo was set up")
        uow.commit()
    # Today's reminders, proposed under the standard routine and left for someone to review and approve.
    proposal = reminders.propose_run(uow=uow_factory(), company_id=company_id, on=today)
    return DemoSummary(company_id, len(customers_list), len(suppliers_list), summary.posted, summary.matches,
                       bank.posted, bank.review, proposal.run_id, proposal.letters)


def _ocr_file(unpaid: list[tuple[str, int, str, Decimal]], today: date, rng: random.Random) -> bytes:
    """Yesterday's OCR Giro file from the bank, written with netsgiro: a dozen invoices paid with their KID (one
    paid twice over), one paid with a stranger's KID and its number in the text, and three payments no rule can
    place (a mistyped KID, and two KIDs of no invoice here)."""
    day = today - timedelta(days=1)
    picks = rng.sample(unpaid, k=min(14, len(unpaid)))
    payments: list[tuple[TransactionType, Decimal, str, str | None]] = [
        (TransactionType.FROM_GIRO_DEBITED_ACCOUNT, amount * (2 if n == 0 else 1), kid_value, None)
        for n, (_, _, kid_value, amount) in enumerate(picks[:12])]
    def stranger() -> str:  # a KID of no invoice here (netsgiro writes no transaction without a KID)
        return kid.create(f"99{rng.randrange(10**10):010d}", "mod10")

    if len(picks) > 12:
        _, number, _, amount = picks[12]
        payments.append((TransactionType.PURCHASE_WITH_TEXT, amount, stranger(), f"Faktura {number}"))
    if len(picks) > 13:
        _, _, kid_value, amount = picks[13]
        payments.append((TransactionType.FROM_GIRO_DEBITED_ACCOUNT, amount, kid_value[:-1] + str(
            (int(kid_value[-1]) + 1) % 10), None))  # a KID mistyped: its check digit fails
    payments.append((TransactionType.PURCHASE_WITH_TEXT, Decimal("1250.00"), stranger(), "Kontingent Ola Nordmann"))
    payments.append((TransactionType.FROM_GIRO_DEBITED_ACCOUNT, Decimal("4999.00"), stranger(), None))
    transactions: list[netsgiro.Transaction | netsgiro.Agreement | netsgiro.PaymentRequest] = [netsgiro.Transaction(
        service_code=ServiceCode.OCR_GIRO, type=tt, number=n, date=day, amount=amount, kid=kid_value,
        reference=f"{rng.randrange(10**9):09d}", text=text, centre_id="01", day_code=day.day,
        partial_settlement_number=1, partial_settlement_serial_number="00001", sign="0", form_number="0000000000",
        bank_date=day, debit_account=bank_account(rng), filler=None)
        for n, (tt, amount, kid_value, text) in enumerate(payments, start=1)]
    assignment = netsgiro.Assignment(service_code=ServiceCode.OCR_GIRO, type=AssignmentType.TRANSACTIONS,
                                     number=f"{day:%y%m%d}1", account=DEMO_ACCOUNT, agreement_id=DEMO_AGREEMENT,
                                     date=day, transactions=list(transactions))
    transmission = netsgiro.Transmission(number=f"{day:%y%m%d}1", data_transmitter="00008080",
                                         data_recipient="00012345", date=day, assignments=[assignment])
    return str(transmission.to_ocr()).encode("iso-8859-1")
