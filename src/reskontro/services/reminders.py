"""Reminders (purring): rate tables, routines, disputes and promises, and the reminder run.

A run on a day:

1. **propose** — every overdue claim its routine (card, group, company default) takes one level further, grouped
   into one letter per customer, level and currency, each fee and interest amount with its reasons
   (``domain.reminders``). Nothing is posted; the proposal holds its items (a second proposal leaves them out).
2. **approve** — in one transaction: fees, § 3a compensation and interest are posted as items on the customer
   (voucher series P), each letter is rendered in the customer's language and archived on the customer, the items
   get their new level, the run its print batch. A crash before the commit leaves nothing; the unique
   (item, level) of ``reminder_lines`` keeps a level — and so a fee — from being posted twice.
3. **deliver** — e-mail letters are sent one by one: each is marked ``sending`` and committed before the SMTP
   conversation and ``sent`` after it, so a crash in between leaves it ``sending`` — never sent again by itself,
   shown for a person to check. Failures are kept with their error and retried (temporary ones by the next
   delivery, permanent ones go to print).

A routine marked automatic does all three on its own: ``reskontro reminders run --auto`` (cron) and
``reskontro serve`` call :func:`run_automatic`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from reskontro.domain.errors import AlreadyExists, NotFound, ValidationFailed
from reskontro.domain.legal_rates import DEFAULT_RATES, RATE_UNITS, DatedRate, RateKind, RateTable
from reskontro.domain.parties import PartyCard, PartyKind
from reskontro.domain.reminders import (
    Channel,
    Claim,
    DebtorType,
    FeeBasis,
    Level,
    LevelType,
    PlannedLetter,
    Reason,
    Routine,
    SentLevel,
    explain,
    interest_decision,
    plan_customer,
)
from reskontro.domain.vouchers import ItemType
from reskontro.formats.pdf import Address, resolve_language
from reskontro.formats.pdf.merge import merge_pdfs
from reskontro.formats.pdf.reminder_letter import (
    ReminderLetter,
    ReminderLetterLine,
    default_body,
    fill_body,
    render_print_batch,
    render_reminder_letter,
)
from reskontro.integrations.mail import Attachment, Mailer, MailError, OutgoingMail
from reskontro.money import from_minor, to_decimal, to_minor
from reskontro.services.posting import PostingRequest, post_batch
from reskontro.services.statements import party_address
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import bank as bank_sql
from reskontro.store import reminders as sql

#: A row as the store gives it.
Row = Mapping[Any, Any]

# -- rates -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateRow:
    kind: str
    valid_from: date
    value: Decimal
    unit: str
    source: str
    created_by: str


def seed_defaults(uow: UnitOfWork, company_id: int) -> None:
    """Give a new company the known legal rates and the standard routine (inside the caller's transaction)."""
    now = uow.now()
    if not sql.rate_rows(uow.repo.conn, company_id):
        uow.repo.insert_rows("legal_rates", [
            {"company_id": company_id, "kind": r.kind.value, "valid_from": r.valid_from, "value": str(r.value),
             "source": r.source, "created_at": now, "created_by": uow.actor} for r in DEFAULT_RATES])
    routines, _ = sql.routine_rows(uow.repo.conn, company_id)
    if not routines:
        _insert_routine(uow, company_id, STANDARD_ROUTINE, is_default=True)


def list_rates(*, uow: UnitOfWork, company_id: int) -> list[RateRow]:
    with uow:
        uow.repo.company(company_id)
        return [RateRow(r["kind"], r["valid_from"], Decimal(r["value"]), RATE_UNITS[RateKind(r["kind"])],
                        r["source"], r["created_by"]) for r in sql.rate_rows(uow.repo.conn, company_id)]


def _rate_kind(kind: str) -> RateKind:
    try:
        return RateKind(kind)
    except ValueError:
        raise ValidationFailed(f"rate kind {kind!r} is not one of {', '.join(k.value for k in RateKind)}",
                               field="kind") from None


def set_legal_rate(*, uow: UnitOfWork, company_id: int, kind: str, valid_from: date, value: str | Decimal,
                   source: str) -> RateRow:
    """Add a dated rate, or correct the one of that kind and date (audited with before → after)."""
    rk = _rate_kind(kind)
    try:
        amount = to_decimal(value)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="value") from None
    rate = DatedRate(rk, valid_from, amount, source.strip())
    if not rate.source:
        raise ValidationFailed("say where the rate comes from (the regulation, a link)", field="source")
    with uow:
        uow.repo.company(company_id)
        before = {(r["kind"], r["valid_from"]): r for r in sql.rate_rows(uow.repo.conn, company_id)}
        old = before.get((rk.value, valid_from))
        values = {"value": str(amount), "source": rate.source}
        if old is None:
            uow.repo.insert_rows("legal_rates", [{"company_id": company_id, "kind": rk.value,
                                                  "valid_from": valid_from, **values, "created_at": uow.now(),
                                                  "created_by": uow.actor}])
        else:
            sql.update_rate(uow.repo.conn, company_id, rk.value, valid_from, values)
        uow.repo.audit(company_id, "legal_rate", f"{rk.value}@{valid_from.isoformat()}", "set",
                       [("value", None if old is None else old["value"], str(amount)),
                        ("source", None if old is None else old["source"], rate.source)])
        uow.commit()
    return RateRow(rk.value, valid_from, amount, RATE_UNITS[rk], rate.source, uow.actor)


def delete_legal_rate(*, uow: UnitOfWork, company_id: int, kind: str, valid_from: date) -> None:
    rk = _rate_kind(kind)
    with uow:
        if not sql.delete_rate(uow.repo.conn, company_id, rk.value, valid_from):
            raise NotFound(f"no {rk.value} rate from {valid_from.isoformat()}", field="valid_from")
        uow.repo.audit(company_id, "legal_rate", f"{rk.value}@{valid_from.isoformat()}", "delete")
        uow.commit()


def _rate_table(uow: UnitOfWork, company_id: int) -> RateTable:
    return RateTable(DatedRate(RateKind(r["kind"]), r["valid_from"], Decimal(r["value"]), r["source"])
                     for r in sql.rate_rows(uow.repo.conn, company_id))


# -- routines --------------------------------------------------------------------------------------------------

STANDARD_ROUTINE = Routine(0, "STANDARD", "Standard: purring, inkassovarsel, inkasso", (
    Level(1, LevelType.REMINDER, days_after=14, deadline_days=14, channels=(Channel.LETTER, Channel.EMAIL)),
    Level(2, LevelType.WARNING, days_after=1, deadline_days=14, charge_interest=True,
          channels=(Channel.LETTER, Channel.EMAIL)),
    Level(3, LevelType.COLLECTION, days_after=1, deadline_days=0, charge_fee=False, channels=()),
), fee_basis=FeeBasis.LETTER, late_payment_interest=False, min_interest=Decimal(50))


@dataclass(frozen=True, slots=True)
class RoutineView:
    routine: Routine
    is_default: bool
    active: bool
    version: int


def _level_row(company_id: int, routine_id: int, lv: Level) -> dict[str, Any]:
    return {"company_id": company_id, "routine_id": routine_id, "level_no": lv.level_no,
            "level_type": lv.level_type.value, "days_after": lv.days_after, "deadline_days": lv.deadline_days,
            "min_amount_minor": to_minor(lv.min_amount, "NOK"), "charge_fee": lv.charge_fee,
            "charge_interest": lv.charge_interest, "channels": ",".join(c.value for c in lv.channels),
            "titles": json.dumps(dict(lv.titles), ensure_ascii=False, sort_keys=True),
            "texts": json.dumps(dict(lv.texts), ensure_ascii=False, sort_keys=True)}


def _insert_routine(uow: UnitOfWork, company_id: int, routine: Routine, *, is_default: bool) -> int:
    routine.validate()
    routine_id = uow.repo.next_ids(company_id, "reminder_routines")[0]
    if is_default:
        sql.clear_default(uow.repo.conn, company_id)
    uow.repo.insert_rows("reminder_routines", [{
        "company_id": company_id, "routine_id": routine_id, "code": routine.code, "name": routine.name,
        "is_default": is_default, "automatic": routine.automatic, "fee_basis": routine.fee_basis.value,
        "b2b_compensation": routine.b2b_compensation, "late_payment_interest": routine.late_payment_interest,
        "min_interest_minor": to_minor(routine.min_interest, "NOK"), "active": True, "version": 1,
        "created_at": uow.now(), "created_by": uow.actor}])
    sql.replace_levels(uow.repo.conn, company_id, routine_id,
                       [_level_row(company_id, routine_id, lv) for lv in routine.levels])
    uow.repo.audit(company_id, "reminder_routine", routine_id, "create", [("routine", None, _describe(routine))])
    return routine_id


def _describe(routine: Routine) -> str:
    levels = "; ".join(f"{lv.level_no} {lv.level_type.value} +{lv.days_after}d deadline {lv.deadline_days}d"
                       f"{' fee' if lv.charge_fee else ''}{' interest' if lv.charge_interest else ''}"
                       f" {'/'.join(c.value for c in lv.channels) or 'no letter'}" for lv in routine.levels)
    flags = [f"fee per {routine.fee_basis.value}"]
    if routine.automatic:
        flags.append("automatic")
    if routine.b2b_compensation:
        flags.append("§ 3a compensation")
    if routine.late_payment_interest:
        flags.append("interest notes after late payment")
    return f"{routine.code} {routine.name}: {levels} ({', '.join(flags)})"


def _routines(uow: UnitOfWork, company_id: int) -> list[RoutineView]:
    routines, levels = sql.routine_rows(uow.repo.conn, company_id)
    by_routine: dict[int, list[Level]] = defaultdict(list)
    for lv in levels:
        by_routine[lv["routine_id"]].append(Level(
            lv["level_no"], LevelType(lv["level_type"]), lv["days_after"], lv["deadline_days"],
            from_minor(lv["min_amount_minor"], "NOK"), bool(lv["charge_fee"]), bool(lv["charge_interest"]),
            tuple(Channel(c) for c in lv["channels"].split(",") if c), json.loads(lv["titles"]),
            json.loads(lv["texts"])))
    return [RoutineView(Routine(r["routine_id"], r["code"], r["name"], tuple(by_routine[r["routine_id"]]),
                                bool(r["automatic"]), FeeBasis(r["fee_basis"]), bool(r["b2b_compensation"]),
                                bool(r["late_payment_interest"]), from_minor(r["min_interest_minor"], "NOK")),
                        bool(r["is_default"]), bool(r["active"]), r["version"]) for r in routines]


def list_routines(*, uow: UnitOfWork, company_id: int) -> list[RoutineView]:
    with uow:
        uow.repo.company(company_id)
        return _routines(uow, company_id)


def _routine_by_code(uow: UnitOfWork, company_id: int, code: str) -> RoutineView:
    for view in _routines(uow, company_id):
        if view.routine.code == code:
            return view
    raise NotFound(f"reminder routine {code!r} does not exist", field="routine")


def get_routine(*, uow: UnitOfWork, company_id: int, code: str) -> RoutineView:
    with uow:
        return _routine_by_code(uow, company_id, code)


def save_routine(*, uow: UnitOfWork, company_id: int, routine: Routine, is_default: bool = False,
                 active: bool = True, version: int | None = None) -> RoutineView:
    """Create the routine (a new code) or replace the one with its code (``version`` guards a stale form)."""
    routine.validate()
    if not routine.code.strip() or len(routine.code) > 20:
        raise ValidationFailed("a routine needs a code of at most 20 characters", field="code")
    with uow:
        uow.repo.company(company_id)
        existing = {v.routine.code: v for v in _routines(uow, company_id)}
        old = existing.get(routine.code)
        if old is None:
            routine_id = _insert_routine(uow, company_id, routine, is_default=is_default or not existing)
        else:
            routine_id = old.routine.routine_id
            if not active and (old.is_default or is_default):
                raise ValidationFailed("the default routine cannot be switched off; make another the default",
                                       field="active")
            if is_default:
                sql.clear_default(uow.repo.conn, company_id)
            done = sql.update_routine(uow.repo.conn, company_id, routine_id, {
                "name": routine.name, "is_default": is_default or old.is_default, "automatic": routine.automatic,
                "fee_basis": routine.fee_basis.value, "b2b_compensation": routine.b2b_compensation,
                "late_payment_interest": routine.late_payment_interest,
                "min_interest_minor": to_minor(routine.min_interest, "NOK"), "active": active,
                "version": old.version + 1}, version)
            if not done:
                raise AlreadyExists(f"routine {routine.code} was changed by someone else; reload it", field="version")
            sql.replace_levels(uow.repo.conn, company_id, routine_id,
                               [_level_row(company_id, routine_id, lv) for lv in routine.levels])
            uow.repo.audit(company_id, "reminder_routine", routine_id, "update",
                           [("routine", _describe(old.routine), _describe(routine))])
        uow.commit()
        return next(v for v in _routines(uow, company_id) if v.routine.routine_id == routine_id)


def assign_routine(*, uow: UnitOfWork, company_id: int, routine_code: str | None, customer: str | None = None,
                   group: str | None = None) -> None:
    """Give a customer (or a customer group) its own routine; ``routine_code`` None: back to the group's / the
    company default."""
    if (customer is None) == (group is None):
        raise ValidationFailed("name a customer or a group", field="customer")
    with uow:
        routine_id = (None if routine_code is None
                      else _routine_by_code(uow, company_id, routine_code).routine.routine_id)
        if customer is not None:
            found = uow.repo.party_by_number(company_id, "customer", customer)
            if found is None:
                raise NotFound(f"customer {customer!r} does not exist", field="customer")
            sql.set_party_routine(uow.repo.conn, company_id, found.party_id, routine_id)
            uow.repo.audit(company_id, "party", found.party_id, "reminder_routine", [("routine", None, routine_code)])
        else:
            assert group is not None
            if not sql.set_group_routine(uow.repo.conn, company_id, group, routine_id):
                raise NotFound(f"customer group {group!r} does not exist", field="group")
            uow.repo.audit(company_id, "party_group", f"customer:{group}", "reminder_routine",
                           [("routine", None, routine_code)])
        uow.commit()


# -- disputes and promises ---------------------------------------------------------------------------------------


def _customer_item(uow: UnitOfWork, company_id: int, item_id: int) -> Row:
    row = sql.item_row(uow.repo.conn, company_id, item_id, lock=True)
    if row is None or row["kind"] != "customer":
        raise NotFound(f"customer item {item_id} does not exist", field="item")
    return row


def dispute_item(*, uow: UnitOfWork, company_id: int, item_id: int, reason: str, owner: str | None = None,
                 deadline: date | None = None, on: date | None = None) -> int:
    """Mark an item disputed (reklamasjon): reminders and interest pause until the dispute is resolved."""
    if not reason.strip():
        raise ValidationFailed("say why the item is disputed", field="reason")
    with uow:
        item = _customer_item(uow, company_id, item_id)
        day = on or uow.today()
        if sql.open_dispute(uow.repo.conn, company_id, item_id) is not None:
            raise AlreadyExists(f"item {item['document_number']} is already disputed", field="item")
        if deadline is not None and deadline < day:
            raise ValidationFailed("the dispute's deadline is before today", field="deadline")
        dispute_id = uow.repo.next_ids(company_id, "item_disputes")[0]
        who = (owner or uow.actor).strip()
        uow.repo.insert_rows("item_disputes", [{
            "company_id": company_id, "dispute_id": dispute_id, "item_id": item_id, "reason": reason.strip()[:500],
            "owner": who, "deadline": deadline, "opened_on": day, "closed_on": None, "resolution": None,
            "created_at": uow.now(), "created_by": uow.actor}])
        sql.set_item(uow.repo.conn, company_id, item_id, {"disputed_since": day, "dispute_note": reason.strip()[:500],
                                                          "dispute_owner": who, "dispute_deadline": deadline})
        uow.repo.audit(company_id, "item", item_id, "dispute", [("disputed_since", None, day),
                                                                 ("dispute_note", None, reason.strip())])
        uow.commit()
    return dispute_id


def resolve_dispute(*, uow: UnitOfWork, company_id: int, item_id: int, resolution: str,
                    on: date | None = None) -> None:
    """End the dispute: reminders go on from where they were, and interest for the disputed days stays off."""
    with uow:
        item = _customer_item(uow, company_id, item_id)
        found = sql.open_dispute(uow.repo.conn, company_id, item_id)
        if found is None:
            raise NotFound(f"item {item['document_number']} is not disputed", field="item")
        day = on or uow.today()
        sql.close_dispute(uow.repo.conn, company_id, found["dispute_id"], day, resolution.strip()[:500])
        sql.set_item(uow.repo.conn, company_id, item_id, {"disputed_since": None, "dispute_note": None,
                                                          "dispute_owner": None, "dispute_deadline": None})
        uow.repo.audit(company_id, "item", item_id, "resolve_dispute",
                       [("disputed_since", found["opened_on"], None), ("resolution", None, resolution.strip())])
        uow.commit()


def list_disputes(*, uow: UnitOfWork, company_id: int, open_only: bool = True) -> list[dict[str, Any]]:
    with uow:
        return [dict(r) for r in sql.disputes(uow.repo.conn, company_id, open_only=open_only)]


def promise_payment(*, uow: UnitOfWork, company_id: int, item_id: int, promised: date | None) -> None:
    """The customer promised to pay by ``promised``: no reminder until that day has passed (None: withdrawn)."""
    with uow:
        item = _customer_item(uow, company_id, item_id)
        sql.set_item(uow.repo.conn, company_id, item_id, {"promised_date": promised})
        uow.repo.audit(company_id, "item", item_id, "promise", [("promised_date", item["promised_date"], promised)])
        uow.commit()


# -- the run ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: int | None
    run_date: date
    status: str
    letters: int
    claims: int
    fees: Decimal
    interest: Decimal
    compensation: Decimal
    skipped: int = 0  # letters below their level's minimum
    to_collection: int = 0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Customer:
    """What a proposal needs of a customer's card."""

    routine_id: int
    debtor: DebtorType
    email: str | None
    language: str


def _claims(uow: UnitOfWork, company_id: int, on: date,
            default_routine: int | None) -> tuple[dict[int, list[Claim]], dict[int, _Customer]]:
    """Claims by customer, and what the proposal needs of each customer (read with the claims)."""
    conn = uow.repo.conn
    rows = sql.candidates(conn, company_id, on, default_routine)
    hist: dict[int, list[SentLevel]] = defaultdict(list)
    comp: dict[int, int] = defaultdict(int)
    for h in sql.history(conn, company_id, on):
        hist[h["item_id"]].append(SentLevel(h["level_no"], LevelType(h["level_type"]), h["letter_date"],
                                            h["deadline"], from_minor(h["fee_minor"], "NOK"),
                                            from_minor(h["fee_offset_minor"], "NOK")))
        comp[h["item_id"]] += h["compensation_minor"]
    allocs: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for item_id, day, amount in sql.part_paid_allocations(conn, company_id, on):
        allocs[item_id].append((day, amount))
    disputes: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for item_id, opened, closed in sql.past_disputes(conn, company_id, on):
        disputes[item_id].append((opened, closed))
    by_party: dict[int, list[Claim]] = defaultdict(list)
    customers: dict[int, _Customer] = {}
    for r in rows:
        if r.routine_id is None:
            continue
        cur = r.currency
        by_party[r.party_id].append(Claim(
            r.item_id, r.document_number, r.due_date, cur, from_minor(r.amount_minor, cur),
            from_minor(r.open_minor, cur), tuple(hist.get(r.item_id, ())), from_minor(comp.get(r.item_id, 0), "NOK"),
            r.interest_to, tuple((d, from_minor(a, cur)) for d, a in allocs.get(r.item_id, ())),
            tuple(disputes.get(r.item_id, ()))))
        if r.party_id not in customers:
            customers[r.party_id] = _Customer(r.routine_id, DebtorType.BUSINESS if r.org_number
                                              else DebtorType.CONSUMER, r.email, r.language)
    return by_party, customers


def propose_run(*, uow: UnitOfWork, company_id: int, on: date | None = None, routine: str | None = None,
                automatic: bool = False, progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """Propose the reminders of a day: letters, fees, interest, hand-overs to collection. Posts nothing."""
    with uow:
        summary = _propose(uow, company_id, on or uow.today(), routine, automatic=automatic, progress=progress)
        uow.commit()
    return summary


def _propose(uow: UnitOfWork, company_id: int, on: date, routine_code: str | None, *, automatic: bool,
             progress: Callable[[int, int], None] | None = None) -> RunSummary:
    company = uow.repo.company(company_id)
    views = [v for v in _routines(uow, company_id) if v.active]
    if not views:
        raise NotFound("no active reminder routine; create one first (reminders routine-default)", field="routine")
    default = next((v.routine.routine_id for v in views if v.is_default), None)
    routines = {v.routine.routine_id: v.routine for v in views}
    if routine_code is not None:
        wanted = next((v.routine for v in views if v.routine.code == routine_code), None)
        if wanted is None:
            raise NotFound(f"reminder routine {routine_code!r} does not exist or is switched off", field="routine")
        routines = {wanted.routine_id: wanted}
    if automatic:
        routines = {k: r for k, r in routines.items() if r.automatic}
    rates = _rate_table(uow, company_id)
    by_party, customers = _claims(uow, company_id, on, default)
    plans: list[tuple[int, int, PlannedLetter]] = []
    skipped = 0
    warnings: set[str] = set()
    done = 0
    for party_id, claims in by_party.items():
        rid = customers[party_id].routine_id
        if rid not in routines:
            continue
        try:
            letters, skips = plan_customer(routines[rid], claims, on=on, rates=rates,
                                           company_currency=company.currency, debtor=customers[party_id].debtor)
        except NotFound as exc:
            raise ValidationFailed(f"the rate table cannot price this run: {exc.message}", field="rates") from None
        skipped += len(skips)
        for letter in letters:
            plans.append((party_id, rid, letter))
            for pc in letter.claims:
                if any("rate carried forward" in r.params.get("pieces", "") for r in pc.reasons):
                    warnings.add("the late-interest rate of the current half-year is missing from the rate "
                                 "table; the last known rate was carried forward")
        done += 1
        if progress and done % 1000 == 0:
            progress(done, len(by_party))
    if not plans:
        return RunSummary(None, on, "empty", 0, 0, Decimal(0), Decimal(0), Decimal(0), skipped,
                          warnings=tuple(sorted(warnings)))
    run_id = uow.repo.next_ids(company_id, "reminder_runs")[0]
    now = uow.now()
    uow.repo.insert_rows("reminder_runs", [{
        "company_id": company_id, "run_id": run_id, "run_date": on,
        "routine_id": None if routine_code is None else next(iter(routines)), "status": "proposed",
        "automatic": automatic, "print_batch": None, "approved_by": None, "approved_at": None,
        "created_at": now, "created_by": uow.actor}])
    ids = uow.repo.next_ids(company_id, "reminders", len(plans))
    reminder_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    cc = company.currency
    for reminder_id, (party_id, rid, letter) in zip(ids, plans, strict=True):
        card = customers[party_id]
        collection = letter.level.level_type is LevelType.COLLECTION
        channel = None if collection else _channel(letter.level, card.email)
        reminder_rows.append({
            "company_id": company_id, "reminder_id": reminder_id, "run_id": run_id, "party_id": party_id,
            "routine_id": rid, "level_no": letter.level.level_no, "level_type": letter.level.level_type.value,
            "currency": letter.currency, "letter_date": on, "deadline": letter.deadline,
            "principal_minor": to_minor(letter.principal, letter.currency),
            "fee_minor": to_minor(letter.fees, cc), "compensation_minor": to_minor(letter.compensation, cc),
            "interest_minor": to_minor(letter.interest, letter.currency), "language": card.language,
            "status": "proposed", "fee_item_id": None, "compensation_item_id": None, "interest_item_id": None,
            "document_id": None, "channel": channel or "none",
            "email_to": card.email if channel == Channel.EMAIL.value else None,
            "delivery": "none" if channel is None else "pending", "attempts": 0, "last_error": None,
            "sent_at": None, "message_id": None})
        for pc in letter.claims:
            line_rows.append({
                "company_id": company_id, "reminder_id": reminder_id, "item_id": pc.claim.item_id,
                "level_no": letter.level.level_no, "open_minor": to_minor(pc.claim.open, letter.currency),
                "fee_minor": to_minor(pc.fee, cc), "fee_offset_minor": to_minor(pc.fee_offset, cc),
                "compensation_minor": to_minor(pc.compensation, cc),
                "interest_minor": to_minor(pc.interest, letter.currency), "interest_from": pc.interest_from,
                "interest_to": pc.interest_to, "reasons": json.dumps([r.to_dict() for r in pc.reasons])})
    uow.repo.insert_rows("reminders", reminder_rows)
    uow.repo.insert_rows("reminder_lines", line_rows)
    summary = _summary(run_id, on, "proposed", [p[2] for p in plans], skipped, tuple(sorted(warnings)))
    uow.repo.audit(company_id, "reminder_run", run_id, "propose",
                   [(None, None, f"{summary.letters} letters, {summary.claims} claims, fees {summary.fees}, "
                                 f"interest {summary.interest}")])
    return summary


def _channel(level: Level, email: str | None) -> str:
    """E-mail when the level allows it and the card has an address; else a letter (also when only e-mail is
    allowed: a reminder must reach the customer)."""
    if Channel.EMAIL in level.channels and email:
        return Channel.EMAIL.value
    return Channel.LETTER.value


def _summary(run_id: int, on: date, status: str, letters: Sequence[PlannedLetter], skipped: int,
             warnings: tuple[str, ...]) -> RunSummary:
    coll = sum(1 for lt in letters if lt.level.level_type is LevelType.COLLECTION)
    return RunSummary(run_id, on, status, len(letters) - coll, sum(len(lt.claims) for lt in letters),
                      sum((lt.fees for lt in letters), Decimal(0)),
                      sum((lt.interest for lt in letters), Decimal(0)),
                      sum((lt.compensation for lt in letters), Decimal(0)), skipped, coll, warnings)


def cancel_run(*, uow: UnitOfWork, company_id: int, run_id: int) -> None:
    """Drop a proposal: its items are free for the next one. A posted run cannot be cancelled (its fees are
    corrected by crediting them, like any posted document)."""
    with uow:
        run = sql.run_row(uow.repo.conn, company_id, run_id, lock=True)
        if run is None:
            raise NotFound(f"reminder run {run_id} does not exist", field="run")
        if run["status"] != "proposed":
            raise ValidationFailed(f"reminder run {run_id} is {run['status']}; only a proposal can be cancelled",
                                   field="run")
        sql.delete_proposal_lines(uow.repo.conn, company_id, run_id)
        for r in sql.reminders_of_run(uow.repo.conn, company_id, run_id):
            sql.set_reminder(uow.repo.conn, company_id, r["reminder_id"], {"status": "cancelled", "delivery": "none"})
        sql.set_run(uow.repo.conn, company_id, run_id, {"status": "cancelled"})
        uow.repo.audit(company_id, "reminder_run", run_id, "cancel", [("status", "proposed", "cancelled")])
        uow.commit()


@dataclass(frozen=True, slots=True)
class CompanyFacts:
    address: Address
    org_number: str | None
    bank_account: str | None


def _company_facts(uow: UnitOfWork, company_id: int) -> CompanyFacts:
    company = uow.repo.company(company_id)
    accounts = bank_sql.bank_accounts(uow.repo.conn, company_id)
    own = next((a.account for a in accounts if a.currency == company.currency), None)
    return CompanyFacts(Address(company.name, (), None, None, "NORGE"), company.org_number, own)


def approve_run(*, uow: UnitOfWork, company_id: int, run_id: int, now: datetime | None = None) -> RunSummary:
    """Post the proposal's fees and interest, render and archive its letters, set its items' levels — in one
    transaction. Approving a run twice posts nothing the second time."""
    with uow:
        summary = _approve(uow, company_id, run_id, now or uow.now())
        uow.commit()
    return summary


def _approve(uow: UnitOfWork, company_id: int, run_id: int, now: datetime) -> RunSummary:
    conn = uow.repo.conn
    run = sql.run_row(conn, company_id, run_id, lock=True)
    if run is None:
        raise NotFound(f"reminder run {run_id} does not exist", field="run")
    if run["status"] != "proposed":
        raise ValidationFailed(f"reminder run {run_id} is {run['status']}, not a proposal", field="run")
    company = uow.repo.company(company_id)
    cc = company.currency
    on: date = run["run_date"]
    reminders = sql.reminders_of_run(conn, company_id, run_id)
    lines = sql.reminder_lines_of(conn, company_id, [r["reminder_id"] for r in reminders])
    lines_of: dict[int, list[Row]] = defaultdict(list)
    for ln in lines:
        lines_of[ln["reminder_id"]].append(ln)
    stale = [ln["document_number"] for ln in lines if ln["open_now_minor"] <= 0 and ln["level_no"] > 0]
    if stale:
        raise ValidationFailed(f"{len(stale)} items of the proposal were paid since it was made (first: "
                               f"{stale[0]}); cancel it and propose again", field="run")
    cards = sql.cards_by_ids(conn, company_id, [r["party_id"] for r in reminders])
    # 1. fees, compensation, interest: one posting each, all in this transaction
    requests: list[PostingRequest] = []
    owners: list[tuple[int, str]] = []
    for r in reminders:
        card = cards[r["party_id"]]
        rid = r["reminder_id"]
        for what, minor, cur, item_type, prefix, text in (
                ("fee_item_id", r["fee_minor"], cc, ItemType.REMINDER_FEE, "G", "Purregebyr"),
                ("compensation_item_id", r["compensation_minor"], cc, ItemType.REMINDER_FEE, "K",
                 "Standardkompensasjon (forsinkelsesrenteloven § 3a)"),
                ("interest_item_id", r["interest_minor"], r["currency"], ItemType.INTEREST, "R",
                 "Forsinkelsesrente")):
            if minor:
                requests.append(PostingRequest(PartyKind.CUSTOMER, item_type, card.number, on,
                                               from_minor(minor, cur), document_number=f"{prefix}{rid}",
                                               due_date=r["deadline"], currency=cur,
                                               description=f"{text}, purring {rid}"))
                owners.append((rid, what))
    posted = post_batch(uow, company, requests, auto_match=False, source=f"reminder run {run_id}")
    posted_ids: dict[int, dict[str, int]] = defaultdict(dict)
    for (rid, what), res in zip(owners, posted, strict=True):
        posted_ids[rid][what] = res.item_id
    # 2. the items' new levels
    deadline_of = {r["reminder_id"]: r["deadline"] for r in reminders}
    sql.set_item_state(conn, company_id, [
        {"b_item": ln["item_id"], "b_level": ln["level_no"], "b_on": on, "b_deadline": deadline_of[ln["reminder_id"]],
         "b_interest_to": ln["interest_to"]} for ln in lines if ln["level_no"] > 0])
    for ln in lines:  # an interest note (level 0) moves only the day interest was charged to
        if ln["level_no"] == 0:
            sql.set_item(conn, company_id, ln["item_id"], {"interest_to": ln["interest_to"]})
    # 3. letters
    facts = _company_facts(uow, company_id)
    charges = sql.open_charges(conn, company_id, sorted({r["party_id"] for r in reminders}))
    charges_of: dict[int, list[Row]] = defaultdict(list)
    for ch in charges:
        charges_of[ch["party_id"]].append(ch)
    highest: dict[int, int] = {}
    for r in reminders:
        if r["level_type"] != LevelType.COLLECTION.value:
            highest[r["party_id"]] = max(highest.get(r["party_id"], 0), r["reminder_id"])
    routines = {v.routine.routine_id: v.routine for v in _routines(uow, company_id)}
    letters: list[ReminderLetter] = []
    to_print: list[ReminderLetter] = []
    documents: list[dict[str, Any]] = []
    collection_items: list[int] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    doc_ids = uow.repo.next_ids(company_id, "documents", sum(1 for r in reminders if r["channel"] != "none"))
    doc_iter = iter(doc_ids)
    for r in reminders:
        rid = r["reminder_id"]
        values: dict[str, Any] = {"status": "posted", **posted_ids.get(rid, {})}
        if r["level_type"] == LevelType.COLLECTION.value:
            collection_items.extend(ln["item_id"] for ln in lines_of[rid])
            updates.append((rid, values))
            continue
        card = cards[r["party_id"]]
        own_charges = charges_of[r["party_id"]] if highest.get(r["party_id"]) == rid else []
        letter = _letter(r, lines_of[rid], own_charges, card, facts, routines.get(r["routine_id"]), now, cc)
        letters.append(letter)
        pdf = render_reminder_letter(letter)
        document_id = next(doc_iter)
        documents.append({"company_id": company_id, "document_id": document_id, "party_id": r["party_id"],
                          "filename": _letter_name(r, card), "content_type": "application/pdf",
                          "doc_type": "reminder", "size": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest(),
                          "storage": "database", "content": pdf, "path": None, "created_at": now,
                          "created_by": uow.actor})
        values["document_id"] = document_id
        if r["channel"] == Channel.LETTER.value:
            to_print.append(letter)
        updates.append((rid, values))
    uow.repo.insert_rows("documents", documents)
    for rid, values in updates:
        sql.set_reminder(conn, company_id, rid, values)
    for item_id in collection_items:
        sql.set_item(conn, company_id, item_id, {"ready_for_collection": on})
    sql.set_run(conn, company_id, run_id, {
        "status": "posted", "approved_by": uow.actor, "approved_at": now,
        "print_batch": render_print_batch(to_print) if to_print else None})
    uow.repo.audit(company_id, "reminder_run", run_id, "approve",
                   [("status", "proposed", "posted"), (None, None, f"{len(letters)} letters, {len(posted)} postings, "
                                                                   f"{len(collection_items)} to collection")])
    return _posted_summary(reminders, lines, on, run_id, cc)


def _posted_summary(reminders: Sequence[Row], lines: Sequence[Row], on: date,
                    run_id: int, cc: str) -> RunSummary:
    coll = sum(1 for r in reminders if r["level_type"] == LevelType.COLLECTION.value)
    return RunSummary(run_id, on, "posted", len(reminders) - coll, len(lines),
                      sum((from_minor(r["fee_minor"], cc) for r in reminders), Decimal(0)),
                      sum((from_minor(r["interest_minor"], r["currency"]) for r in reminders), Decimal(0)),
                      sum((from_minor(r["compensation_minor"], cc) for r in reminders), Decimal(0)),
                      to_collection=coll)


def _letter_name(r: Row, card: PartyCard) -> str:
    kind = {"reminder": "purring", "warning": "inkassovarsel", "interest": "rentenota"}.get(r["level_type"], "brev")
    return f"{kind}-{card.number}-{r['letter_date'].isoformat()}-{r['reminder_id']}.pdf"


def _letter(r: Row, lines: Sequence[Row], charges: Sequence[Row],
            card: PartyCard, facts: CompanyFacts, routine: Routine | None, now: datetime, cc: str) -> ReminderLetter:
    cur = r["currency"]
    lang = card.language
    out: list[ReminderLetterLine] = []
    notes: list[str] = []
    kids = {ln["kid"] for ln in lines if ln["kid"]}
    for ln in lines:
        out.append(ReminderLetterLine(ln["document_number"], ln["item_type"], ln["item_date"], ln["due_date"],
                                      cur, from_minor(ln["amount_minor"], cur), from_minor(ln["open_minor"], cur),
                                      from_minor(ln["fee_minor"], cc),
                                      from_minor(ln["interest_minor"], cur)))
        for reason in json.loads(ln["reasons"]):
            notes.append(f"{ln['document_number']}: {explain(Reason.from_dict(reason), lang)}")
    listed = {ln["item_id"] for ln in lines}
    for ch in charges:
        if ch["item_id"] in listed or ch["currency"] != cur:
            continue
        out.append(ReminderLetterLine(ch["document_number"], ch["item_type"], ch["item_date"], ch["due_date"],
                                      cur, from_minor(ch["amount_minor"], cur), from_minor(ch["open_minor"], cur),
                                      Decimal(0), Decimal(0)))
    fee = from_minor(r["fee_minor"], cc)
    comp = from_minor(r["compensation_minor"], cc)
    interest = from_minor(r["interest_minor"], cur)
    total = sum((x.open for x in out), Decimal(0)) + fee + comp + interest
    level = routine.level(r["level_no"]) if routine is not None and r["level_no"] > 0 else None
    title = None
    template = default_body(r["level_type"], lang)
    if level is not None:
        keys = (lang, resolve_language(lang), "nb" if resolve_language(lang) in ("nb", "nn") else "en")
        title = next((level.titles[k] for k in keys if level.titles.get(k)), None)
        template = next((level.texts[k] for k in keys if level.texts.get(k)), template)
    if r["level_type"] == "interest":
        title = "Rentenota" if lang in ("nb", "nn", "no") else "Interest note"
        template = _INTEREST_TEXT["nb" if lang in ("nb", "nn", "no") else "en"]
    body = fill_body(template, total=total, currency=cur, deadline=r["deadline"], company=facts.address.name,
                     language=lang)
    return ReminderLetter(
        company=facts.address, company_org_number=facts.org_number, company_bank_account=facts.bank_account,
        party=party_address(card), party_number=card.number, language=lang, currency=cur, level_no=r["level_no"],
        level_type=r["level_type"] if r["level_type"] != "interest" else "reminder", title=title, body=body,
        letter_date=r["letter_date"], deadline=r["deadline"], reference=str(r["reminder_id"]),
        kid=next(iter(kids)) if len(kids) == 1 else None, lines=tuple(out), fee_total=fee, interest_total=interest,
        compensation=comp, total_due=total, legal_notes=tuple(notes), generated_at=now)


_INTEREST_TEXT = {
    "nb": "Fakturaene nedenfor ble betalt etter forfall. Etter forsinkelsesrenteloven beregner vi forsinkelsesrente "
          "for dagene fra forfall til betaling. Vennligst betal {total} innen {deadline}.",
    "en": "The invoices below were paid after their due date. Under the Norwegian Late Payment Interest Act we charge "
          "interest for the days from the due date to payment. Please pay {total} by {deadline}.",
}


# -- delivery ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    sent: int
    failed: int
    to_print: int
    errors: tuple[str, ...] = ()


_SUBJECTS = {"nb": {"reminder": "Betalingspåminnelse", "warning": "Inkassovarsel", "interest": "Rentenota"},
             "en": {"reminder": "Payment reminder", "warning": "Debt collection notice", "interest": "Interest note"}}
_MAIL_TEXT = {"nb": "Hei,\n\nvedlagt er {title} fra {company}: {total} forfaller {deadline}.\n\nMed vennlig hilsen\n"
                    "{company}\n",
              "en": "Hello,\n\nattached is a {title} from {company}: {total} falls due on {deadline}.\n\nKind regards\n"
                    "{company}\n"}
#: After this many failed attempts a reminder goes to print instead.
MAX_ATTEMPTS = 3


def deliver(*, uow: UnitOfWork, company_id: int, mailer: Mailer | None, run_id: int | None = None) -> DeliveryResult:
    """Send the e-mail reminders still to send (all runs, or one). A permanent failure, or the third temporary
    one, sends the reminder to print instead; nothing already ``sent`` or ``sending`` is sent again."""
    with uow:
        company = uow.repo.company(company_id)
        todo = [r for r in sql.undelivered(uow.repo.conn, company_id, Channel.EMAIL.value)
                if run_id is None or r["run_id"] == run_id]
    sent = failed = to_print = 0
    errors: list[str] = []
    for r in todo:
        rid = r["reminder_id"]
        if mailer is None:
            with uow:
                _to_print(uow, company_id, rid, "no SMTP server is configured (RESKONTRO_SMTP_HOST)")
                uow.commit()
            to_print += 1
            continue
        with uow:  # claim it: from here on a crash leaves it "sending", never sent twice by us
            if not sql.set_reminder(uow.repo.conn, company_id, rid,
                                    {"delivery": "sending", "attempts": r["attempts"] + 1},
                                    expect_delivery=("pending", "failed")):
                continue
            document = uow.repo.rows_of("documents", company_id, document_id=r["document_id"])[0]
            card = uow.repo.party(company_id, r["party_id"]).card
            uow.commit()
        try:
            mail = _mail(r, card, company.name, bytes(document["content"]), document["filename"], company_id)
            message_id = mailer.send(mail)
        except MailError as exc:
            error = str(exc)[:500]
            errors.append(f"reminder {rid} to {r['email_to']}: {error}")
            with uow:
                if not exc.transient or r["attempts"] + 1 >= MAX_ATTEMPTS:
                    _to_print(uow, company_id, rid, error)
                    to_print += 1
                else:
                    sql.set_reminder(uow.repo.conn, company_id, rid, {"delivery": "failed", "last_error": error})
                    failed += 1
                uow.repo.audit(company_id, "reminder", rid, "email_failed", [("delivery", "sending", error)])
                uow.commit()
            continue
        with uow:
            sql.set_reminder(uow.repo.conn, company_id, rid, {"delivery": "sent", "sent_at": uow.now(),
                                                               "message_id": message_id, "last_error": None})
            uow.repo.audit(company_id, "reminder", rid, "email_sent", [("delivery", "sending", "sent")])
            uow.commit()
        sent += 1
    return DeliveryResult(sent, failed, to_print, tuple(errors))


def _to_print(uow: UnitOfWork, company_id: int, reminder_id: int, error: str) -> None:
    sql.set_reminder(uow.repo.conn, company_id, reminder_id,
                     {"channel": Channel.LETTER.value, "delivery": "pending", "last_error": error[:500]})


def _mail(r: Row, card: PartyCard, company: str, pdf: bytes, filename: str,
          company_id: int) -> OutgoingMail:
    lang = "nb" if card.language in ("nb", "nn", "no") else "en"
    title = _SUBJECTS[lang].get(r["level_type"], _SUBJECTS[lang]["reminder"])
    total = from_minor(r["principal_minor"] + r["interest_minor"], r["currency"]) + from_minor(
        r["fee_minor"] + r["compensation_minor"], r["currency"])
    text = _MAIL_TEXT[lang].format(title=title.lower(), company=company, total=f"{r['currency']} {total}",
                                   deadline=r["deadline"].isoformat())
    return OutgoingMail(to=(r["email_to"],), subject=f"{title} {r['reminder_id']} – {company}", text=text,
                        attachments=(Attachment(filename, "application/pdf", pdf),),
                        message_id=f"<reminder-{company_id}-{r['reminder_id']}@reskontro>")


def print_batch(*, uow: UnitOfWork, company_id: int, run_id: int | None = None) -> tuple[str, bytes] | None:
    """One PDF of every letter still to print (of a run, or all), for the mailing machine; they are then
    ``printed``. None when there is nothing to print."""
    with uow:
        todo = [r for r in sql.undelivered(uow.repo.conn, company_id, Channel.LETTER.value)
                if run_id is None or r["run_id"] == run_id]
        if not todo:
            return None
        pdfs = [bytes(uow.repo.rows_of("documents", company_id, document_id=r["document_id"])[0]["content"])
                for r in todo]
        for r in todo:
            sql.set_reminder(uow.repo.conn, company_id, r["reminder_id"], {"delivery": "printed",
                                                                         "sent_at": uow.now()})
        uow.repo.audit(company_id, "reminder_run", run_id or 0, "print", [(None, None, f"{len(todo)} letters")])
        uow.commit()
    return f"reminders-{run_id or 'all'}-{datetime.now(UTC):%Y%m%d%H%M%S}.pdf", merge_pdfs(pdfs)


# -- automatic runs and interest notes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AutoResult:
    run: RunSummary | None
    interest_notes: RunSummary | None
    delivery: DeliveryResult


def run_automatic(*, uow: UnitOfWork, company_id: int, mailer: Mailer | None, on: date | None = None) -> AutoResult:
    """What cron or ``serve`` does each day: the automatic routines' proposal is approved at once, interest notes
    for late payments are posted, and e-mails go out. Running it again the same day posts and sends nothing new."""
    with uow:
        day = on or uow.today()
        if not any(v.routine.automatic and v.active for v in _routines(uow, company_id)):
            run: RunSummary | None = None
        else:
            proposed = _propose(uow, company_id, day, None, automatic=True)
            run = _approve(uow, company_id, proposed.run_id, uow.now()) if proposed.run_id is not None else proposed
        uow.commit()
    notes = interest_notes(uow=uow, company_id=company_id, on=day, automatic_only=True)
    return AutoResult(run, notes, deliver(uow=uow, company_id=company_id, mailer=mailer))


def interest_notes(*, uow: UnitOfWork, company_id: int, on: date | None = None, since: date | None = None,
                   automatic_only: bool = False) -> RunSummary | None:
    """Interest notes (rentenota) for invoices paid after their due date under routines that ask for them: interest
    from the due date (or from where reminders charged it to) to the payment, one note per customer and currency.
    Each item gets one note at most (level 0)."""
    with uow:
        day = on or uow.today()
        uow.repo.company(company_id)
        views = {v.routine.routine_id: v for v in _routines(uow, company_id) if v.active}
        default = next((k for k, v in views.items() if v.is_default), None)
        rates = _rate_table(uow, company_id)
        rows: list[Row] = list(sql.paid_late(uow.repo.conn, company_id, since or day - timedelta(days=365), day))
        chosen: list[tuple[Row, Routine]] = []
        for r in rows:
            rid = r["p_routine"] or r["g_routine"] or default
            view = views.get(rid) if rid is not None else None
            if view is None or not view.routine.late_payment_interest:
                continue
            if automatic_only and not view.routine.automatic:
                continue
            chosen.append((r, view.routine))
        allocs: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for item_id, day_, amount in sql.allocations_of(uow.repo.conn, company_id, [r["item_id"] for r, _ in chosen]):
            allocs[item_id].append((day_, amount))
        disputes: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
        for item_id, opened, closed in sql.disputes_of(uow.repo.conn, company_id, [r["item_id"] for r, _ in chosen]):
            disputes[item_id].append((opened, closed))
        notes: dict[tuple[int, str], list[tuple[Row, Routine, Reason, date]]] = defaultdict(list)
        for row, routine in chosen:
            r = row
            cur = r["currency"]
            claim = Claim(r["item_id"], r["document_number"], r["due_date"], cur, from_minor(r["amount_minor"], cur),
                          Decimal(0), interest_to=r["interest_to"],
                          allocations=tuple((d, from_minor(a, cur)) for d, a in allocs[r["item_id"]]),
                          disputes=tuple(disputes[r["item_id"]]))
            reason, _calc, start = interest_decision(claim, on=r["closed_on"], rates=rates,
                                                     minimum=routine.min_interest)
            if reason is not None and reason.code == "interest":
                notes[(r["party_id"], cur)].append((r, routine, reason, start))
        if not notes:
            return None
        run_id = uow.repo.next_ids(company_id, "reminder_runs")[0]
        uow.repo.insert_rows("reminder_runs", [{
            "company_id": company_id, "run_id": run_id, "run_date": day, "routine_id": None, "status": "proposed",
            "automatic": automatic_only, "print_batch": None, "approved_by": None, "approved_at": None,
            "created_at": uow.now(), "created_by": uow.actor}])
        cards = sql.cards_by_ids(uow.repo.conn, company_id, [p for p, _ in notes])
        ids = uow.repo.next_ids(company_id, "reminders", len(notes))
        reminder_rows, line_rows = [], []
        for reminder_id, ((party_id, cur), members) in zip(ids, notes.items(), strict=True):
            card = cards[party_id]
            total = sum((m[2].amount for m in members), Decimal(0))
            channel = Channel.EMAIL.value if card.email else Channel.LETTER.value
            reminder_rows.append({
                "company_id": company_id, "reminder_id": reminder_id, "run_id": run_id, "party_id": party_id,
                "routine_id": members[0][1].routine_id, "level_no": 0, "level_type": "interest", "currency": cur,
                "letter_date": day, "deadline": day + timedelta(days=14), "principal_minor": 0, "fee_minor": 0,
                "compensation_minor": 0, "interest_minor": to_minor(total, cur), "language": card.language,
                "status": "proposed", "fee_item_id": None, "compensation_item_id": None, "interest_item_id": None,
                "document_id": None, "channel": channel, "email_to": card.email if card.email else None,
                "delivery": "pending", "attempts": 0, "last_error": None, "sent_at": None, "message_id": None})
            for m, _routine, reason, start in members:
                line_rows.append({
                    "company_id": company_id, "reminder_id": reminder_id, "item_id": m["item_id"], "level_no": 0,
                    "open_minor": 0, "fee_minor": 0, "fee_offset_minor": 0, "compensation_minor": 0,
                    "interest_minor": to_minor(reason.amount, cur), "interest_from": start,
                    "interest_to": m["closed_on"], "reasons": json.dumps([reason.to_dict()])})
        uow.repo.insert_rows("reminders", reminder_rows)
        uow.repo.insert_rows("reminder_lines", line_rows)
        summary = _approve(uow, company_id, run_id, uow.now())
        uow.commit()
    return summary


# -- reading -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderView:
    reminder_id: int
    run_id: int
    party_number: str
    party_name: str
    level_no: int
    level_type: str
    currency: str
    letter_date: date
    deadline: date
    principal: Decimal
    fee: Decimal
    compensation: Decimal
    interest: Decimal
    status: str
    channel: str
    email_to: str | None
    delivery: str
    attempts: int
    last_error: str | None
    document_id: int | None
    lines: tuple[dict[str, Any], ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class RunDetail:
    run_id: int
    run_date: date
    status: str
    automatic: bool
    created_by: str
    approved_by: str | None
    has_print_batch: bool
    reminders: tuple[ReminderView, ...]


def list_runs(*, uow: UnitOfWork, company_id: int, limit: int = 50) -> list[dict[str, Any]]:
    with uow:
        cc = uow.repo.company(company_id).currency
        return [{**dict(r), "fees": from_minor(r["fees_minor"], cc)}
                for r in sql.runs(uow.repo.conn, company_id, limit)]


def get_run(*, uow: UnitOfWork, company_id: int, run_id: int) -> RunDetail:
    with uow:
        cc = uow.repo.company(company_id).currency
        run = sql.run_row(uow.repo.conn, company_id, run_id)
        if run is None:
            raise NotFound(f"reminder run {run_id} does not exist", field="run")
        reminders = sql.reminders_of_run(uow.repo.conn, company_id, run_id)
        lines = sql.reminder_lines_of(uow.repo.conn, company_id, [r["reminder_id"] for r in reminders])
    by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ln in lines:
        cur = ln["currency"]
        by[ln["reminder_id"]].append({
            "item_id": ln["item_id"], "document_number": ln["document_number"], "due_date": ln["due_date"],
            "currency": cur, "open": from_minor(ln["open_minor"], cur), "fee": from_minor(ln["fee_minor"], cc),
            "compensation": from_minor(ln["compensation_minor"], cc),
            "interest": from_minor(ln["interest_minor"], cur), "interest_from": ln["interest_from"],
            "interest_to": ln["interest_to"],
            "reasons": [Reason.from_dict(x) for x in json.loads(ln["reasons"])]})
    return RunDetail(run_id, run["run_date"], run["status"], bool(run["automatic"]), run["created_by"],
                     run["approved_by"], run["print_batch"] is not None,
                     tuple(_view(r, cc, tuple(by[r["reminder_id"]])) for r in reminders))


def _view(r: Row, cc: str, lines: tuple[dict[str, Any], ...] = ()) -> ReminderView:
    cur = r["currency"]
    return ReminderView(r["reminder_id"], r["run_id"], r.get("party_number", ""), r.get("party_name", ""),
                        r["level_no"], r["level_type"], cur, r["letter_date"], r["deadline"],
                        from_minor(r["principal_minor"], cur), from_minor(r["fee_minor"], cc),
                        from_minor(r["compensation_minor"], cc), from_minor(r["interest_minor"], cur), r["status"],
                        r["channel"] or "none", r["email_to"], r["delivery"], r["attempts"], r["last_error"],
                        r["document_id"], lines)


def party_reminders(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str) -> list[ReminderView]:
    """A customer's reminders, newest first: level, date, channel, letter and delivery status."""
    with uow:
        cc = uow.repo.company(company_id).currency
        found = uow.repo.party_by_number(company_id, kind.value, number)
        if found is None:
            raise NotFound(f"{kind.value} {number!r} does not exist", field="party")
        rows = sql.reminders_of_party(uow.repo.conn, company_id, found.party_id)
        lines = sql.reminder_lines_of(uow.repo.conn, company_id, [r["reminder_id"] for r in rows])
    by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ln in lines:
        by[ln["reminder_id"]].append({"document_number": ln["document_number"], "item_id": ln["item_id"]})
    return [_view({**dict(r), "party_number": found.card.number, "party_name": found.card.name}, cc,
                  tuple(by[r["reminder_id"]])) for r in rows]


def item_reminders(*, uow: UnitOfWork, company_id: int, item_id: int) -> list[dict[str, Any]]:
    """An item's reminder history with the reasons of each amount."""
    with uow:
        cc = uow.repo.company(company_id).currency
        item = sql.item_row(uow.repo.conn, company_id, item_id)
        if item is None:
            raise NotFound(f"item {item_id} does not exist", field="item")
        rows = sql.reminders_of_item(uow.repo.conn, company_id, item_id)
    return [{**dict(r), "fee": from_minor(r["fee_minor"], cc), "interest": from_minor(r["interest_minor"],
                                                                                       item["currency"]),
             "compensation": from_minor(r["compensation_minor"], cc),
             "reasons": [Reason.from_dict(x) for x in json.loads(r["reasons"])]} for r in rows]


def letter_preview(*, uow: UnitOfWork, company_id: int, reminder_id: int, now: datetime | None = None) -> bytes:
    """The letter as it will look (a proposal) or as it was archived (posted)."""
    with uow:
        r = next(iter(uow.repo.rows_of("reminders", company_id, reminder_id=reminder_id)), None)
        if r is None:
            raise NotFound(f"reminder {reminder_id} does not exist", field="reminder")
        if r["document_id"] is not None:
            return bytes(uow.repo.rows_of("documents", company_id, document_id=r["document_id"])[0]["content"])
        if r["level_type"] == LevelType.COLLECTION.value:
            raise ValidationFailed("a hand-over to collection has no letter", field="reminder")
        cc = uow.repo.company(company_id).currency
        lines = sql.reminder_lines_of(uow.repo.conn, company_id, [reminder_id])
        card = uow.repo.party(company_id, r["party_id"]).card
        charges = sql.open_charges(uow.repo.conn, company_id, [r["party_id"]])
        routines = {v.routine.routine_id: v.routine for v in _routines(uow, company_id)}
        letter = _letter(r, lines, charges, card, _company_facts(uow, company_id), routines.get(r["routine_id"]),
                         now or uow.now(), cc)
    return render_reminder_letter(letter)


def run_print_batch(*, uow: UnitOfWork, company_id: int, run_id: int) -> bytes:
    """The print batch made when the run was approved (every letter of it that went by post)."""
    with uow:
        run = sql.run_row(uow.repo.conn, company_id, run_id)
        if run is None:
            raise NotFound(f"reminder run {run_id} does not exist", field="run")
        if run["print_batch"] is None:
            raise NotFound(f"reminder run {run_id} has no letters to print", field="run")
        return bytes(run["print_batch"])

