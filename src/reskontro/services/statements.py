"""Party statements (kontoutskrift) as PDF in the party's language, from the same report definition
as the statement's data (``report statement``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from reskontro.domain.errors import NotFound
from reskontro.domain.parties import PartyCard, PartyKind
from reskontro.domain.vouchers import natural_sign
from reskontro.formats.pdf import Address, Statement, StatementLine, StatementOpenItem, render_statement
from reskontro.money import from_minor
from reskontro.services.report_catalog import REPORTS, parse_params
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import queries

_COUNTRY_NAMES = {"NO": "NORGE", "SE": "SVERIGE", "DK": "DANMARK", "FI": "FINLAND", "DE": "GERMANY",
                  "GB": "UNITED KINGDOM", "US": "USA"}


def party_address(card: PartyCard) -> Address:
    """Where letters to the party go: its postal address when it has one, else its street address."""
    country = card.postal_country or card.country
    return Address(card.name, tuple(x for x in (card.postal_address or card.address,) if x),
                   card.postal_postal_code or card.postal_code, card.postal_city or card.city,
                   _COUNTRY_NAMES.get(country, country))


def build_statement(*, uow: UnitOfWork, company_id: int, params: Mapping[str, str | None],
                    now: datetime | None = None) -> Statement:
    """The statement of one party for a period: its lines with running balance and its open items at the end."""
    values = parse_params(REPORTS["statement"], params, uow.today())
    kind: PartyKind = values["kind"]
    date_to: date = values["date_to"]
    date_from: date = values["date_from"] or date(date_to.year, 1, 1)
    sign = natural_sign(kind)
    with uow:
        repo = uow.repo
        company = repo.company(company_id)
        cc = company.currency
        found = repo.party_by_number(company_id, kind.value, values["party"])
        if found is None:
            raise NotFound(f"{kind.value} {values['party']!r} does not exist", field="party")
        opening, lines = queries.party_ledger(repo.conn, company_id, found.party_id, date_from=date_from,
                                              date_to=date_to)
        opens = queries.open_items(repo.conn, company_id, date_to, party_id=found.party_id)
    card = found.card
    party = party_address(card)
    stmt_lines = tuple(StatementLine(ln.line_date, ln.voucher_ref, ln.document_number,
                                     ln.item_type or ln.voucher_type, ln.description, ln.due_date, ln.currency,
                                     from_minor(sign * ln.amount_minor, cc), from_minor(sign * ln.balance_minor, cc))
                       for ln in lines)
    opening_balance = from_minor(sign * opening, cc)
    open_items = tuple(StatementOpenItem(r.document_number, r.item_type, r.item_date, r.due_date, r.currency,
                                         from_minor(sign * r.amount_minor, r.currency),
                                         from_minor(sign * r.open_minor, r.currency),
                                         max((date_to - r.due_date).days, 0), r.kid) for r in opens)
    closing = stmt_lines[-1].balance if stmt_lines else opening_balance
    return Statement(
        company=Address(company.name, (), None, None, "NORGE"), company_org_number=company.org_number,
        company_bank_account=None, party=party, party_number=card.number, party_kind=kind.value,
        language=card.language, currency=cc, date_from=date_from, date_to=date_to,
        opening_balance=opening_balance, lines=stmt_lines, closing_balance=closing, open_items=open_items,
        generated_at=now or datetime.now(UTC))


def statement_pdf(*, uow: UnitOfWork, company_id: int, params: Mapping[str, str | None],
                  now: datetime | None = None) -> bytes:
    return render_statement(build_statement(uow=uow, company_id=company_id, params=params, now=now))
