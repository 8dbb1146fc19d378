"""Repositories: the write side's SQL. They never commit; the unit of work does.

Every statement filters on ``company_id``. Rows cross into the services as domain objects
(:class:`PartyCard`, :class:`OpenItem`, :class:`VatCode`) or as the small records below.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from reskontro.domain.errors import ConcurrentUpdate, NotFound, OverAllocation
from reskontro.domain.kid_scheme import KidScheme
from reskontro.domain.matching import OpenItem
from reskontro.domain.parties import (
    Block,
    FreeFieldDef,
    FreeFieldType,
    PartyCard,
    PartyKind,
    PostingRules,
    PostingTerms,
)
from reskontro.domain.vouchers import VatCode
from reskontro.money import from_minor, to_minor
from reskontro.store import tables as t
from reskontro.store import totals


@dataclass(frozen=True, slots=True)
class Company:
    company_id: int
    name: str
    org_number: str | None
    currency: str
    customer_control_account: str
    supplier_control_account: str
    bank_account: str
    opening_balance_account: str
    fx_gain_account: str
    fx_loss_account: str
    write_off_account: str
    sales_account: str
    purchase_account: str
    kid_algorithm: str | None = None
    kid_length: int | None = None
    kid_source: str | None = None
    kid_customer_digits: int | None = None
    suspense_account: str = "2990"
    payment_approvals: int = 1
    reminder_fee_account: str = "3910"
    interest_account: str = "8050"

    def kid_scheme(self) -> KidScheme | None:
        """The KID scheme of the company's OCR agreement, or None when it makes no KIDs."""
        if self.kid_algorithm is None or self.kid_length is None or self.kid_source is None:
            return None
        return KidScheme(self.kid_algorithm, self.kid_length, self.kid_source,  # type: ignore[arg-type]
                         self.kid_customer_digits)


@dataclass(frozen=True, slots=True)
class PartyRecord:
    party_id: int
    version: int
    card: PartyCard


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """An item as stored, amounts in minor units (GL sign)."""

    item_id: int
    voucher_id: int
    party_id: int
    kind: str
    item_type: str
    document_number: str
    item_date: date
    due_date: date
    kid: str | None
    currency: str
    rate: str
    amount_minor: int
    open_minor: int
    amount_company_minor: int
    open_company_minor: int
    control_account: str
    description: str | None

    def as_open_item(self, company_currency: str) -> OpenItem:
        return OpenItem(
            id=self.item_id, party_id=self.party_id, document_number=self.document_number, date=self.item_date,
            currency=self.currency, amount=from_minor(self.amount_minor, self.currency),
            open=from_minor(self.open_minor, self.currency),
            amount_company=from_minor(self.amount_company_minor, company_currency),
            open_company=from_minor(self.open_company_minor, company_currency), kid=self.kid)


def _block(reason: str | None, since: date | None) -> Block | None:
    return Block(reason, since) if reason and since else None


def card_from_row(row: RowMapping, company_currency: str = "NOK") -> PartyCard:
    limit = row["credit_limit_minor"]
    return PartyCard(
        kind=PartyKind(row["kind"]), number=row["number"], name=row["name"], org_number=row["org_number"],
        vat_registered=bool(row["vat_registered"]), address=row["address"], postal_code=row["postal_code"],
        city=row["city"], country=row["country"], postal_address=row["postal_address"],
        postal_postal_code=row["postal_postal_code"], postal_city=row["postal_city"],
        postal_country=row["postal_country"], email=row["email"], phone=row["phone"], language=row["language"],
        currency=row["currency"], payment_terms_days=row["payment_terms_days"],
        credit_limit=None if limit is None else from_minor(limit, row["currency"]),
        group_code=row["group_code"], bank_account=row["bank_account"], bic=row["bic"],
        rules=PostingRules(row["rule_account"], row["rule_vat_code"], row["rule_department"], row["rule_project"]),
        reminder_block=_block(row["reminder_block_reason"], row["reminder_block_since"]),
        credit_stop=_block(row["credit_stop_reason"], row["credit_stop_since"]),
        payment_block=_block(row["payment_block_reason"], row["payment_block_since"]),
    )


def card_values(card: PartyCard) -> dict[str, Any]:
    """Column values of a party card."""
    return {
        "kind": card.kind.value, "number": card.number, "name": card.name, "org_number": card.org_number,
        "vat_registered": card.vat_registered, "address": card.address, "postal_code": card.postal_code,
        "city": card.city, "country": card.country, "postal_address": card.postal_address,
        "postal_postal_code": card.postal_postal_code, "postal_city": card.postal_city,
        "postal_country": card.postal_country, "email": card.email, "phone": card.phone,
        "language": card.language, "currency": card.currency, "payment_terms_days": card.payment_terms_days,
        "credit_limit_minor": None if card.credit_limit is None else to_minor(card.credit_limit, card.currency),
        "group_code": card.group_code, "bank_account": card.bank_account, "bic": card.bic,
        "rule_account": card.rules.account, "rule_vat_code": card.rules.vat_code,
        "rule_department": card.rules.department, "rule_project": card.rules.project,
        "reminder_block_reason": card.reminder_block.reason if card.reminder_block else None,
        "reminder_block_since": card.reminder_block.since if card.reminder_block else None,
        "credit_stop_reason": card.credit_stop.reason if card.credit_stop else None,
        "credit_stop_since": card.credit_stop.since if card.credit_stop else None,
        "payment_block_reason": card.payment_block.reason if card.payment_block else None,
        "payment_block_since": card.payment_block.since if card.payment_block else None,
    }


def _conflict(table: str, exc: Exception) -> ConcurrentUpdate:
    """A unique or check constraint refused a bulk insert: someone else wrote the same key meanwhile."""
    return ConcurrentUpdate(f"the database refused rows for {table} ({str(exc).splitlines()[0]}); another user "
                            f"may have posted the same document at the same time — nothing was saved, try again")


class Repository:
    """All writes and the reads that writes need, for one connection."""

    def __init__(self, conn: Connection, *, now: Callable[[], datetime], actor: str) -> None:
        self.conn = conn
        self.now = now
        self.actor = actor
        self.is_postgres = conn.dialect.name == "postgresql"

    # -- ids ---------------------------------------------------------------------------------------

    def next_ids(self, company_id: int, name: str, count: int = 1) -> list[int]:
        """``count`` fresh ids for a table of the company."""
        if count <= 0:
            return []
        if self.is_postgres:
            rows = self.conn.execute(text("SELECT nextval('reskontro_ids') FROM generate_series(1, :n)"),
                                     {"n": count}).scalars().all()
            return sorted(int(r) for r in rows)
        c = t.id_counters
        last = self.conn.execute(
            update(c).where(c.c.company_id == company_id, c.c.name == name)
            .values(last_id=c.c.last_id + count).returning(c.c.last_id)).scalar()
        if last is None:
            self.conn.execute(insert(c).values(company_id=company_id, name=name, last_id=count))
            last = count
        return list(range(int(last) - count + 1, int(last) + 1))

    # -- companies ---------------------------------------------------------------------------------

    def insert_company(self, values: dict[str, Any]) -> int:
        company_id = int(self.conn.execute(select(func.coalesce(func.max(t.companies.c.company_id), 0) + 1))
                         .scalar_one())
        self.conn.execute(insert(t.companies).values(company_id=company_id, created_at=self.now(),
                                                     created_by=self.actor, **values))
        return company_id

    def update_company(self, company_id: int, values: dict[str, Any]) -> None:
        self.conn.execute(update(t.companies).where(t.companies.c.company_id == company_id).values(**values))

    def company(self, company_id: int) -> Company:
        row = self.conn.execute(select(t.companies).where(t.companies.c.company_id == company_id)).mappings().first()
        if row is None:
            raise NotFound(f"company {company_id} does not exist", field="company")
        return Company(**{k: row[k] for k in Company.__dataclass_fields__})

    def companies(self) -> list[Company]:
        rows = self.conn.execute(select(t.companies).order_by(t.companies.c.company_id)).mappings().all()
        return [Company(**{k: r[k] for k in Company.__dataclass_fields__}) for r in rows]

    def company_by_org(self, org_number: str) -> Company | None:
        cid = self.conn.execute(select(t.companies.c.company_id).where(t.companies.c.org_number == org_number)
                                ).scalar()
        return None if cid is None else self.company(int(cid))

    def insert_rows(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk insert into the named table: COPY on PostgreSQL, one executemany on SQLite.

        Large batches bypass SQLAlchemy's per-row parameter handling (it costs more than the insert
        itself) but still convert values with the column types' own bind processors, so what is
        stored is exactly what the ORM-level insert would store.
        """
        if not rows:
            return
        tbl = t.metadata.tables[table]
        if len(rows) < 50:
            self.conn.execute(insert(tbl), list(rows))
            return
        cols = list(rows[0])
        dbapi = self.conn.connection.driver_connection
        assert dbapi is not None
        if self.is_postgres:
            import psycopg

            try:
                with dbapi.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in cols])
            except psycopg.errors.IntegrityError as exc:
                raise _conflict(table, exc) from None
            return
        dialect = self.conn.dialect
        procs = [(k, p) for k, c in enumerate(cols)
                 if (p := tbl.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"

        def values(row: dict[str, Any]) -> list[Any]:
            out = [row[c] for c in cols]
            for k, p in procs:  # only dates, timestamps and booleans need converting
                if out[k] is not None:
                    out[k] = p(out[k])
            return out

        cur = dbapi.cursor()
        try:
            cur.executemany(sql, map(values, rows))
        except sqlite3.IntegrityError as exc:
            raise _conflict(table, exc) from None
        finally:
            cur.close()

    def analyze(self, tables: Sequence[str]) -> None:
        """Refresh PostgreSQL's statistics while a large batch grows the tables inside one transaction,
        so the planner keeps choosing the indexes (ANALYZE counts the transaction's own new rows)."""
        if self.is_postgres:
            for table in tables:
                self.conn.execute(text(f"ANALYZE {t.metadata.tables[table].name}"))

    def account_numbers(self, company_id: int) -> set[str]:
        a = t.accounts
        return set(self.conn.execute(select(a.c.number).where(a.c.company_id == company_id)).scalars())

    def accounts(self, company_id: int) -> list[RowMapping]:
        a = t.accounts
        return list(self.conn.execute(select(a).where(a.c.company_id == company_id).order_by(a.c.number))
                    .mappings())

    def vat_codes(self, company_id: int) -> dict[str, VatCode]:
        v = t.vat_codes
        rows = self.conn.execute(select(v).where(v.c.company_id == company_id)).mappings()
        return {r["code"]: VatCode(r["code"], Decimal(r["rate_hundredths"]) / 100, r["account"], r["direction"],
                                   r["saft_code"], r["description"]) for r in rows}

    def group_control_account(self, company_id: int, kind: str, group_code: str | None) -> str | None:
        if not group_code:
            return None
        g = t.party_groups
        return self.conn.execute(select(g.c.control_account).where(
            g.c.company_id == company_id, g.c.kind == kind, g.c.code == group_code)).scalar()

    def group_exists(self, company_id: int, kind: str, code: str) -> bool:
        g = t.party_groups
        return self.conn.execute(select(g.c.code).where(g.c.company_id == company_id, g.c.kind == kind,
                                                        g.c.code == code)).first() is not None

    # -- periods and rates ---------------------------------------------------------------------------

    def period_status(self, company_id: int, year: int, month: int) -> str:
        p = t.periods
        status = self.conn.execute(select(p.c.status).where(
            p.c.company_id == company_id, p.c.year == year, p.c.month == month)).scalar()
        return status or "open"

    def closed_periods(self, company_id: int) -> set[tuple[int, int]]:
        p = t.periods
        rows = self.conn.execute(select(p.c.year, p.c.month).where(p.c.company_id == company_id,
                                                                    p.c.status == "closed"))
        return {(int(y), int(m)) for y, m in rows}

    def set_period_status(self, company_id: int, year: int, month: int, status: str) -> None:
        p = t.periods
        values = {"status": status, "changed_at": self.now(), "changed_by": self.actor}
        done = self.conn.execute(update(p).where(p.c.company_id == company_id, p.c.year == year, p.c.month == month)
                                 .values(**values)).rowcount
        if not done:
            self.conn.execute(insert(p).values(company_id=company_id, year=year, month=month, **values))

    def rate_on(self, company_id: int, currency: str, on: date) -> Decimal | None:
        r = t.currency_rates
        value = self.conn.execute(select(r.c.rate).where(
            r.c.company_id == company_id, r.c.currency == currency, r.c.rate_date <= on)
            .order_by(r.c.rate_date.desc()).limit(1)).scalar()
        return None if value is None else Decimal(value)

    def set_rate(self, company_id: int, currency: str, on: date, rate: Decimal) -> None:
        r = t.currency_rates
        done = self.conn.execute(update(r).where(r.c.company_id == company_id, r.c.currency == currency,
                                                 r.c.rate_date == on).values(rate=str(rate))).rowcount
        if not done:
            self.conn.execute(insert(r).values(company_id=company_id, currency=currency, rate_date=on, rate=str(rate)))

    # -- audit ---------------------------------------------------------------------------------------

    def audit(self, company_id: int, entity: str, entity_id: str | int, action: str,
              changes: Iterable[tuple[str | None, Any, Any]] = ((None, None, None),)) -> None:
        """Write one audit event per (field, old, new)."""
        changes = list(changes)
        ids = self.next_ids(company_id, "audit_events", len(changes))
        at = self.now()
        self.insert_rows("audit_events", [
            {"company_id": company_id, "audit_id": i, "at": at, "actor": self.actor, "entity": entity,
             "entity_id": str(entity_id), "action": action, "field": f,
             "old_value": None if old is None else str(old), "new_value": None if new is None else str(new)}
            for i, (f, old, new) in zip(ids, changes, strict=True)])

    def audit_events(self, company_id: int, entity: str, entity_id: str | int) -> list[RowMapping]:
        a = t.audit_events
        return list(self.conn.execute(select(a).where(
            a.c.company_id == company_id, a.c.entity == entity, a.c.entity_id == str(entity_id))
            .order_by(a.c.audit_id)).mappings())

    # -- parties -------------------------------------------------------------------------------------

    def insert_party(self, company_id: int, card: PartyCard) -> int:
        party_id = self.next_ids(company_id, "parties")[0]
        self.conn.execute(insert(t.parties).values(company_id=company_id, party_id=party_id, version=1,
                                                   created_at=self.now(), created_by=self.actor,
                                                   **card_values(card)))
        self.note_bank_accounts(company_id, [(party_id, card)])
        return party_id

    def note_bank_accounts(self, company_id: int, cards: Sequence[tuple[int, PartyCard]], source: str = "card"
                           ) -> None:
        """A supplier's bank account that is new to it waits for a second user's approval before the due list pays
        to it (``bank_account_approvals``); an account it had approved or waiting already is left as it is."""
        wanted = {(pid, c.bank_account): c.bic for pid, c in cards
                  if c.kind is PartyKind.SUPPLIER and c.bank_account}
        if not wanted:
            return
        a = t.bank_account_approvals
        known: set[tuple[int, str]] = set()
        pids = sorted({pid for pid, _ in wanted})
        for k in range(0, len(pids), 1000):
            q = select(a.c.party_id, a.c.account).where(a.c.company_id == company_id,
                                                        a.c.party_id.in_(pids[k:k + 1000]),
                                                        a.c.status.in_(("pending", "approved")))
            known.update((int(pid), acc) for pid, acc in self.conn.execute(q))
        new = [(key, bic) for key, bic in wanted.items() if key not in known]
        if not new:
            return
        ids = self.next_ids(company_id, "bank_account_approvals", len(new))
        now = self.now()
        self.insert_rows("bank_account_approvals", [{
            "company_id": company_id, "approval_id": aid, "party_id": pid, "account": acc, "bic": bic,
            "source": source, "status": "pending", "requested_by": self.actor, "requested_at": now,
            "decided_by": None, "decided_at": None, "note": None} for aid, ((pid, acc), bic) in zip(ids, new,
                                                                                                   strict=True)])

    def insert_parties(self, company_id: int, cards: Sequence[PartyCard], source: str = "card") -> list[int]:
        """Bulk insert of new parties, each with a creation audit event."""
        ids = self.next_ids(company_id, "parties", len(cards))
        now = self.now()
        self.insert_rows("parties", [{"company_id": company_id, "party_id": pid, "version": 1, "created_at": now,
                                      "created_by": self.actor, **card_values(c)} for pid, c in zip(ids, cards,
                                                                                                     strict=True)])
        audit_ids = self.next_ids(company_id, "audit_events", len(cards))
        self.insert_rows("audit_events", [{
            "company_id": company_id, "audit_id": aid, "at": now, "actor": self.actor, "entity": "party",
            "entity_id": str(pid), "action": "create", "field": "number", "old_value": None, "new_value": c.number}
            for aid, pid, c in zip(audit_ids, ids, cards, strict=True)])
        self.note_bank_accounts(company_id, list(zip(ids, cards, strict=True)), source)
        return ids

    def update_party(self, company_id: int, party_id: int, version: int, card: PartyCard, source: str = "card"
                     ) -> int:
        """Save the card if nobody else changed it since ``version``; return the new version."""
        p = t.parties
        done = self.conn.execute(update(p).where(p.c.company_id == company_id, p.c.party_id == party_id,
                                                 p.c.version == version)
                                 .values(version=version + 1, **card_values(card))).rowcount
        if not done:
            raise ConcurrentUpdate(f"party {card.number} was changed by someone else; reload and try again")
        self.note_bank_accounts(company_id, [(party_id, card)], source)
        return version + 1

    def party(self, company_id: int, party_id: int) -> PartyRecord:
        p = t.parties
        row = self.conn.execute(select(p).where(p.c.company_id == company_id, p.c.party_id == party_id)
                                ).mappings().first()
        if row is None:
            raise NotFound(f"party {party_id} does not exist", field="party")
        return PartyRecord(row["party_id"], row["version"], card_from_row(row))

    def party_by_number(self, company_id: int, kind: str | None, number: str) -> PartyRecord | None:
        p = t.parties
        q = select(p).where(p.c.company_id == company_id, p.c.number == number)
        if kind:
            q = q.where(p.c.kind == kind)
        rows = self.conn.execute(q.limit(2)).mappings().all()
        if len(rows) != 1:
            return None
        row = rows[0]
        return PartyRecord(row["party_id"], row["version"], card_from_row(row))

    def parties_by_numbers(self, company_id: int, keys: Iterable[tuple[str, str]] | None) -> dict[int, PartyCard]:
        """party_id → card for the (kind, number) pairs that exist; ``None`` reads the whole register."""
        p = t.parties
        return {int(r["party_id"]): card_from_row(r)
                for r in self._parties_by_numbers(select(p).where(p.c.company_id == company_id), keys)}

    def posting_terms_by_numbers(self, company_id: int, keys: Iterable[tuple[str, str]] | None
                                 ) -> dict[int, PostingTerms]:
        """party_id → what posting needs from the card, for the (kind, number) pairs that exist
        (``None``: the whole register); reads only those columns."""
        p = t.parties
        q = select(p.c.party_id, p.c.kind, p.c.number, p.c.currency, p.c.payment_terms_days, p.c.group_code,
                   p.c.rule_account, p.c.rule_vat_code, p.c.rule_department, p.c.rule_project
                   ).where(p.c.company_id == company_id)
        return {int(r["party_id"]): PostingTerms.of(
                    PartyKind(r["kind"]), r["number"], r["currency"], r["payment_terms_days"], r["group_code"],
                    PostingRules(r["rule_account"], r["rule_vat_code"], r["rule_department"], r["rule_project"]))
                for r in self._parties_by_numbers(q, keys)}

    def _parties_by_numbers(self, q: Any, keys: Iterable[tuple[str, str]] | None) -> Iterator[RowMapping]:
        p = t.parties
        if keys is None:
            yield from self.conn.execute(q).mappings()
            return
        wanted = set(keys)
        numbers = sorted({n for _, n in wanted})
        for k in range(0, len(numbers), 1000):
            for row in self.conn.execute(q.where(p.c.number.in_(numbers[k:k + 1000]))).mappings():
                if (row["kind"], row["number"]) in wanted:
                    yield row

    def parties_for_ids(self, company_id: int, party_ids: Iterable[int]) -> dict[int, PartyCard]:
        p = t.parties
        ids = sorted(set(party_ids))
        if not ids:
            return {}
        rows = self.conn.execute(select(p).where(p.c.company_id == company_id, p.c.party_id.in_(ids))).mappings()
        return {int(r["party_id"]): card_from_row(r) for r in rows}

    def voucher_ref_of(self, company_id: int, voucher_id: int) -> str:
        v = self.voucher(company_id, voucher_id)
        return f"{v['series']}{v['year']}-{v['number']}"

    def free_field_defs(self, company_id: int) -> dict[str, FreeFieldDef]:
        f = t.free_field_defs
        rows = self.conn.execute(select(f).where(f.c.company_id == company_id)).mappings()
        return {r["code"]: FreeFieldDef(r["code"], r["label"], FreeFieldType(r["field_type"]),
                                        tuple(json.loads(r["choices"])), bool(r["required"])) for r in rows}

    def set_free_value(self, company_id: int, party_id: int, code: str, values: dict[str, Any]) -> str | None:
        """Upsert a party's free-field value; return the previous text value."""
        v = t.party_free_values
        where = and_(v.c.company_id == company_id, v.c.party_id == party_id, v.c.code == code)
        old = self.conn.execute(select(v.c.value_text).where(where)).scalar()
        if old is None:
            self.conn.execute(insert(v).values(company_id=company_id, party_id=party_id, code=code, **values))
        else:
            self.conn.execute(update(v).where(where).values(**values))
        return old

    def free_values(self, company_id: int, party_id: int) -> dict[str, str]:
        v = t.party_free_values
        rows = self.conn.execute(select(v.c.code, v.c.value_text).where(
            v.c.company_id == company_id, v.c.party_id == party_id))
        return {c: val for c, val in rows}

    def rows_of(self, table_name: str, company_id: int, **where: Any) -> list[RowMapping]:
        """All rows of a party-owned table (contacts, documents, follow-ups) matching ``where``."""
        table = t.metadata.tables[table_name]
        conds = [table.c.company_id == company_id, *(table.c[k] == v for k, v in where.items())]
        pk = list(table.primary_key.columns)
        return list(self.conn.execute(select(table).where(*conds).order_by(*pk)).mappings())

    def update_row(self, table_name: str, company_id: int, key: dict[str, Any], values: dict[str, Any]) -> int:
        table = t.metadata.tables[table_name]
        conds = [table.c.company_id == company_id, *(table.c[k] == v for k, v in key.items())]
        return int(self.conn.execute(update(table).where(*conds).values(**values)).rowcount)

    # -- vouchers ------------------------------------------------------------------------------------

    def next_voucher_numbers(self, company_id: int, series: str, year: int, count: int = 1) -> list[int]:
        """Gapless numbers: the counter row stays locked until commit, and a rollback gives them back."""
        c = t.voucher_counters
        last = self.conn.execute(
            update(c).where(c.c.company_id == company_id, c.c.series == series, c.c.year == year)
            .values(last_number=c.c.last_number + count).returning(c.c.last_number)).scalar()
        if last is None:
            try:
                with self.conn.begin_nested():
                    self.conn.execute(insert(c).values(company_id=company_id, series=series, year=year,
                                                       last_number=count))
                last = count
            except IntegrityError:  # another transaction created the counter first
                return self.next_voucher_numbers(company_id, series, year, count)
        return list(range(int(last) - count + 1, int(last) + 1))

    def voucher(self, company_id: int, voucher_id: int) -> RowMapping:
        v = t.vouchers
        row = self.conn.execute(select(v).where(v.c.company_id == company_id, v.c.voucher_id == voucher_id)
                                ).mappings().first()
        if row is None:
            raise NotFound(f"voucher {voucher_id} does not exist", field="voucher")
        return row

    def voucher_by_number(self, company_id: int, series: str, year: int, number: int) -> RowMapping | None:
        v = t.vouchers
        return self.conn.execute(select(v).where(v.c.company_id == company_id, v.c.series == series,
                                                 v.c.year == year, v.c.number == number)).mappings().first()

    def reversal_of(self, company_id: int, voucher_id: int) -> int | None:
        v = t.vouchers
        return self.conn.execute(select(v.c.voucher_id).where(
            v.c.company_id == company_id, v.c.reverses_voucher_id == voucher_id)).scalar()

    def voucher_lines(self, company_id: int, voucher_id: int) -> list[RowMapping]:
        vl = t.voucher_lines
        return list(self.conn.execute(select(vl).where(vl.c.company_id == company_id, vl.c.voucher_id == voucher_id)
                                      .order_by(vl.c.line_no)).mappings())

    # -- items ---------------------------------------------------------------------------------------

    def _items_select(self, company_id: int) -> Any:
        i = t.items
        return select(*(i.c[name] for name in ItemRecord.__dataclass_fields__)).where(i.c.company_id == company_id)

    def _to_items(self, rows: Iterable[Any]) -> list[ItemRecord]:
        # The select names ItemRecord's fields in order: plain tuples, no mapping per row (a bank file of 100k
        # payments loads hundreds of thousands of items).
        return [ItemRecord(*r) for r in rows]

    def items_by_voucher(self, company_id: int, voucher_id: int) -> list[ItemRecord]:
        q = self._items_select(company_id).where(t.items.c.voucher_id == voucher_id)
        return self._to_items(self.conn.execute(q))

    def item(self, company_id: int, item_id: int, *, lock: bool = False) -> ItemRecord:
        found = self.items(company_id, [item_id], lock=lock)
        if not found:
            raise NotFound(f"item {item_id} does not exist", field="item")
        return found[0]

    def items(self, company_id: int, item_ids: Sequence[int], *, lock: bool = False) -> list[ItemRecord]:
        """Items by id; ``lock`` takes row locks (PostgreSQL) in id order, so two matchers never deadlock."""
        q = self._items_select(company_id).where(t.items.c.item_id.in_(list(item_ids))).order_by(t.items.c.item_id)
        if lock and self.is_postgres:
            q = q.with_for_update()
        return self._to_items(self.conn.execute(q))

    def item_by_document(self, company_id: int, party_id: int, item_type: str, document_number: str
                         ) -> ItemRecord | None:
        i = t.items
        q = self._items_select(company_id).where(i.c.party_id == party_id, i.c.item_type == item_type,
                                                 i.c.document_number == document_number)
        found = self._to_items(self.conn.execute(q))
        return found[0] if found else None

    def open_items_of_party(self, company_id: int, party_id: int, currency: str | None = None) -> list[ItemRecord]:
        i = t.items
        q = self._items_select(company_id).where(i.c.party_id == party_id, i.c.open_minor != 0)
        if currency:
            q = q.where(i.c.currency == currency)
        # "+ 0": ordered by (item_date, item_id), SQLite would walk the company's whole date index to skip
        # the sort (0.1–0.4 s at 1.75M items); so it reads the party's items by index and sorts those few.
        return self._to_items(self.conn.execute(q.order_by(i.c.item_date, i.c.item_id + 0)))

    def documents_by_number(self, company_id: int, document_numbers: Iterable[str]
                            ) -> dict[tuple[int, str, str], tuple[int, int, date, str]]:
        """(party_id, item_type, document_number) → (item_id, amount_minor, item_date, currency) of items
        with those document numbers, for duplicate checks and idempotent imports."""
        i = t.items
        docs = sorted(set(document_numbers))
        out: dict[tuple[int, str, str], tuple[int, int, date, str]] = {}
        for k in range(0, len(docs), 1000):
            q = select(i.c.party_id, i.c.item_type, i.c.document_number, i.c.item_id, i.c.amount_minor,
                       i.c.item_date, i.c.currency).where(i.c.company_id == company_id,
                                                          i.c.document_number.in_(docs[k:k + 1000]))
            for p, ty, d, iid, a, dt, cur in self.conn.execute(q):
                out[(int(p), ty, d)] = (int(iid), int(a), dt, cur)
        return out

    def open_items_of_parties(self, company_id: int, party_ids: Iterable[int], *, lock: bool = False
                              ) -> list[ItemRecord]:
        """Open items of the parties, in id order (locked on PostgreSQL when asked)."""
        i = t.items
        ids = sorted(set(party_ids))
        out: list[ItemRecord] = []
        for k in range(0, len(ids), 1000):
            q = self._items_select(company_id).where(i.c.open_minor != 0, i.c.party_id.in_(ids[k:k + 1000]))
            if lock and self.is_postgres:
                q = q.order_by(i.c.item_id).with_for_update()
            out.extend(self._to_items(self.conn.execute(q)))
        return out

    def open_items_by_kid(self, company_id: int, keys: Iterable[tuple[int, str]], *, lock: bool = False
                          ) -> list[ItemRecord]:
        """Open items with these (party, KID) pairs, through the KID index (locked on PostgreSQL when asked)."""
        i = t.items
        wanted = set(keys)
        kids = sorted({k for _, k in wanted})
        out: list[ItemRecord] = []
        for k in range(0, len(kids), 1000):
            q = self._items_select(company_id).where(i.c.kid.in_(kids[k:k + 1000]), i.c.open_minor != 0)
            if lock and self.is_postgres:
                q = q.order_by(i.c.item_id).with_for_update()
            out.extend(r for r in self._to_items(self.conn.execute(q)) if (r.party_id, r.kid) in wanted)
        return out

    def items_by_document(self, company_id: int, party_id: int, document_number: str) -> list[ItemRecord]:
        i = t.items
        q = self._items_select(company_id).where(i.c.party_id == party_id, i.c.document_number == document_number)
        return self._to_items(self.conn.execute(q))

    def apply_allocations(self, company_id: int, takes: Sequence[tuple[int, int, int]]) -> None:
        """Reduce items' open amounts (GL sign) by (item_id, take, take in company currency) with relative
        UPDATEs in one statement (PostgreSQL) or one executemany (SQLite); call after the allocations
        are written.

        The CHECK constraints refuse an update that would cross zero, and on PostgreSQL the row lock
        makes a second concurrent matcher wait and then see the reduced amount. ``last_alloc_date`` becomes
        the latest allocation date, and ``closed_on`` too when the item is settled, so as-of queries know
        which items changed after a date and when each closed.
        """
        if not takes:
            return
        last = ("(SELECT MAX(a.alloc_date) FROM allocations a WHERE a.company_id = items.company_id "
                "AND a.item_id = items.item_id)")
        try:
            with self.conn.begin_nested():
                if self.is_postgres:
                    self.conn.execute(text(
                        "UPDATE items SET open_minor = items.open_minor - v.take, "
                        "open_company_minor = items.open_company_minor - v.tc, version = items.version + 1, "
                        f"last_alloc_date = {last}, "
                        f"closed_on = CASE WHEN items.open_minor - v.take = 0 THEN {last} END "
                        "FROM unnest(CAST(:ids AS bigint[]), CAST(:takes AS bigint[]), CAST(:tcs AS bigint[])) "
                        "AS v(iid, take, tc) WHERE items.company_id = :cid AND items.item_id = v.iid"),
                        {"ids": [x[0] for x in takes], "takes": [x[1] for x in takes],
                         "tcs": [x[2] for x in takes], "cid": company_id})
                else:
                    self.conn.execute(text(
                        "UPDATE items SET open_minor = open_minor - :take, "
                        "open_company_minor = open_company_minor - :tc, version = version + 1, "
                        f"last_alloc_date = {last}, closed_on = CASE WHEN open_minor - :take = 0 THEN {last} END "
                        "WHERE company_id = :cid AND item_id = :iid"),
                        [{"iid": iid, "take": take, "tc": tc, "cid": company_id} for iid, take, tc in takes])
        except IntegrityError:
            ids = ", ".join(str(iid) for iid, _, _ in takes[:5])
            raise OverAllocation(f"item {ids} does not have that much open (another user matched it first); "
                                 f"nothing was matched", field="amount") from None

    def add_totals(self, company_id: int, *, voucher_ids: Sequence[int], item_ids: Sequence[int],
                   match_ids: Sequence[int], parties: bool = True) -> None:
        """Count what a batch has just written into the maintained totals (:mod:`reskontro.store.totals`);
        without ``parties``, all but the per-party sums (the caller recounts those: :meth:`recount_parties`)."""
        totals.add(self.conn, company_id, voucher_ids=voucher_ids, item_ids=item_ids, match_ids=match_ids,
                   parties=parties)

    def recount_parties(self, company_id: int, party_ids: Sequence[int]) -> None:
        """Count the parties' sums anew from their items (:func:`reskontro.store.totals.recount_parties`)."""
        totals.recount_parties(self.conn, company_id, party_ids)

    def settled_totals(self, company_id: int, item_ids: Sequence[int], sign: int) -> None:
        """Take existing items out of the settlement totals (-1) before their allocations change, put them back
        (+1) after (:func:`reskontro.store.totals.settled`)."""
        totals.settled(self.conn, company_id, item_ids, sign)

    def matches_of_item(self, company_id: int, item_id: int) -> list[RowMapping]:
        """Matches on the item that are still in force (not undone), oldest first."""
        m = t.matches
        undone = select(m.c.undoes_match_id).where(m.c.company_id == company_id, m.c.undoes_match_id.is_not(None))
        return list(self.conn.execute(select(m).where(
            m.c.company_id == company_id, m.c.match_kind == "match",
            (m.c.debit_item_id == item_id) | (m.c.credit_item_id == item_id),
            m.c.match_id.not_in(undone)).order_by(m.c.match_id)).mappings())

    def match(self, company_id: int, match_id: int) -> RowMapping:
        m = t.matches
        row = self.conn.execute(select(m).where(m.c.company_id == company_id, m.c.match_id == match_id)
                                ).mappings().first()
        if row is None:
            raise NotFound(f"match {match_id} does not exist", field="match")
        return row

    def is_undone(self, company_id: int, match_id: int) -> bool:
        m = t.matches
        return self.conn.execute(select(m.c.match_id).where(m.c.company_id == company_id,
                                                            m.c.undoes_match_id == match_id)).first() is not None
