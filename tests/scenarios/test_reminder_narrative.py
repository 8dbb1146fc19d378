"""A consumer claim and a business claim walked through every step of the standard routine, with dates:

due → 14 days → purring with fee → its 14-day deadline → inkassovarsel (second fee, interest) → 14 days →
ready for collection. Every fee and interest amount is checked to the øre, and so is the letter's text.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from reskontro.domain.parties import PartyKind
from reskontro.domain.reminders import Channel, Level, LevelType, Routine
from reskontro.services import reminders as rem
from reskontro.services.reports import open_items_report
from tests.builders import customer, gl_balance, post
from tests.conftest import Ctx

INVOICED = date(2026, 3, 1)
DUE = date(2026, 3, 15)  # 14 days' terms


def run(ctx: Ctx, on: date) -> rem.RunSummary:
    ctx.today_value = on
    proposed = rem.propose_run(uow=ctx.uow(), company_id=ctx.company_id)
    if proposed.run_id is None:
        return proposed
    return rem.approve_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=proposed.run_id)


def open_items(ctx: Ctx, party: str) -> dict[str, Decimal]:
    rows = open_items_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=date(2026, 12, 31),
                             kind="customer", party_number=party)
    return {r["document_number"]: r["open_amount"] for r in rows}


def letter_text(ctx: Ctx, reminder_id: int) -> str:
    pdf = rem.letter_preview(uow=ctx.uow(), company_id=ctx.company_id, reminder_id=reminder_id)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_consumer_claim_from_due_date_to_collection(ctx: Ctx) -> None:
    customer(ctx, "20001", name="Kari Nordmann", address="Storgata 1", postal_code="0155", city="Oslo")
    post(ctx, "invoice", "20001", "10000.00", INVOICED, document_number="F-1001")

    # 13 days after due: too early for the first level (14 days)
    assert run(ctx, date(2026, 3, 28)).run_id is None

    # 14 days after due: a purring with the fee 1/20 × 750 = 37.50, deadline 14 days later
    first = run(ctx, date(2026, 3, 29))
    assert (first.letters, first.fees, first.interest) == (1, Decimal("37.50"), Decimal(0))
    detail = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=first.run_id or 0)
    (letter,) = detail.reminders
    assert (letter.level_type, letter.deadline, letter.channel) == ("reminder", date(2026, 4, 12), "letter")
    assert [r.code for r in letter.lines[0]["reasons"]] == ["fee"]
    text = letter_text(ctx, letter.reminder_id)
    assert "F-1001" in text
    assert "Kari Nordmann" in text
    assert "37,50" in text
    assert "12.04.2026" in text
    assert "av inkassosatsen 750 kr" in text
    assert open_items(ctx, "20001") == {"F-1001": Decimal("10000.00"), f"G{letter.reminder_id}": Decimal("37.50")}
    assert gl_balance(ctx, "3910") == Decimal("-37.50")

    # the same day again: nothing new is posted or sent
    assert run(ctx, date(2026, 3, 29)).run_id is None
    # until the deadline has passed, nothing more
    assert run(ctx, date(2026, 4, 12)).run_id is None

    # the day after the deadline: the inkassovarsel, its fee (the first deadline was 14 days and has passed)
    # and interest from the day after due: 29 days × 10 000 × 12.00 % / 365 = 95.342… → 95.34
    warning = run(ctx, date(2026, 4, 13))
    assert (warning.fees, warning.interest) == (Decimal("37.50"), Decimal("95.34"))
    detail = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=warning.run_id or 0)
    (letter2,) = detail.reminders
    assert (letter2.level_type, letter2.deadline) == ("warning", date(2026, 4, 27))
    reasons = {r.code: r for r in letter2.lines[0]["reasons"]}
    assert reasons["interest"].params["from"] == "2026-03-16"
    assert reasons["interest"].params["days"] == "29"
    text = letter_text(ctx, letter2.reminder_id)
    assert "95,34" in text
    assert "inkasso" in text.lower()
    # the letter lists the unpaid fee of the purring too
    assert f"G{letter.reminder_id}" in text
    assert gl_balance(ctx, "8050") == Decimal("-95.34")

    # 14 days' deadline: nothing on the 27th, ready for collection on the 28th; no more fees after that
    assert run(ctx, date(2026, 4, 27)).run_id is None
    handover = run(ctx, date(2026, 4, 28))
    assert (handover.to_collection, handover.letters, handover.fees) == (1, 0, Decimal(0))
    assert run(ctx, date(2026, 6, 30)).run_id is None
    assert sum(open_items(ctx, "20001").values()) == Decimal("10000.00") + Decimal("37.50") * 2 + Decimal("95.34")
    history = rem.party_reminders(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="20001")
    assert [h.level_type for h in history] == ["collection", "warning", "reminder"]


def test_a_business_claim_gets_the_standard_compensation_instead_of_fees(ctx: Ctx) -> None:
    standard = rem.get_routine(uow=ctx.uow(), company_id=ctx.company_id, code="STANDARD").routine
    b2b = Routine(0, "B2B", "Næringskunder", standard.levels, b2b_compensation=True)
    rem.save_routine(uow=ctx.uow(), company_id=ctx.company_id, routine=b2b)
    customer(ctx, "30001", name="Bedrift AS", org_number="923456783", email="faktura@bedrift.example")
    rem.assign_routine(uow=ctx.uow(), company_id=ctx.company_id, routine_code="B2B", customer="30001")
    post(ctx, "invoice", "30001", "10000.00", INVOICED, document_number="F-2001")

    first = run(ctx, date(2026, 3, 29))
    # § 3a: NOK 460 (2026) once per claim; the purring fee 37.50 is covered by it, not charged besides
    assert (first.compensation, first.fees) == (Decimal(460), Decimal(0))
    (letter,) = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=first.run_id or 0).reminders
    assert letter.channel == Channel.EMAIL.value  # the card has an e-mail address
    assert [r.code for r in letter.lines[0]["reasons"]] == ["compensation", "fee_offset"]
    text = letter_text(ctx, letter.reminder_id)
    assert "460,00" in text
    assert "forsinkelsesrenteloven § 3a" in text

    warning = run(ctx, date(2026, 4, 13))
    assert (warning.compensation, warning.fees, warning.interest) == (Decimal(0), Decimal(0), Decimal("95.34"))
    assert sum(open_items(ctx, "30001").values()) == Decimal("10000.00") + Decimal(460) + Decimal("95.34")


def test_a_second_fee_is_refused_when_the_first_deadline_was_short(ctx: Ctx) -> None:
    short = Routine(0, "SHORT", "Kort frist", (
        Level(1, LevelType.REMINDER, days_after=14, deadline_days=10),
        Level(2, LevelType.REMINDER, days_after=1, deadline_days=14),
    ))
    rem.save_routine(uow=ctx.uow(), company_id=ctx.company_id, routine=short, is_default=True)
    customer(ctx, "20002")
    post(ctx, "invoice", "20002", "500.00", INVOICED)
    assert run(ctx, date(2026, 3, 29)).fees == Decimal("37.50")
    second = run(ctx, date(2026, 4, 9))
    assert second.letters == 1
    assert second.fees == Decimal(0)
    (letter,) = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=second.run_id or 0).reminders
    assert [r.code for r in letter.lines[0]["reasons"]] == ["no_fee_second"]
