"""Reminder runs: exclusions, idempotent reruns and crashes, e-mail delivery against a real SMTP server, interest
notes after late payment, and the dated rate table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.errors import AlreadyExists, NotFound, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.domain.reminders import Level, LevelType, Routine
from reskontro.integrations.mail import MailError, OutgoingMail, SmtpMailer, SmtpSecurity, SmtpSettings
from reskontro.services import reminders as rem
from reskontro.services.parties import set_block
from tests.builders import count, customer, post, raw
from tests.conftest import Ctx
from tests.smtp_server import Inbox

INVOICED = date(2026, 3, 1)  # due 15 March with 14 days' terms
FIRST = date(2026, 3, 29)


def propose(ctx: Ctx, on: date = FIRST) -> rem.RunSummary:
    ctx.today_value = on
    return rem.propose_run(uow=ctx.uow(), company_id=ctx.company_id)


def run(ctx: Ctx, on: date = FIRST) -> rem.RunSummary:
    proposed = propose(ctx, on)
    if proposed.run_id is None:
        return proposed
    return rem.approve_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=proposed.run_id)


def invoice(ctx: Ctx, party: str, doc: str, amount: str = "1000.00") -> int:
    return post(ctx, "invoice", party, amount, INVOICED, document_number=doc).item_id


# -- exclusions --------------------------------------------------------------------------------------------------


def test_blocked_customers_disputed_and_promised_items_are_left_out(ctx: Ctx) -> None:
    for number in ("1", "2", "3", "4"):
        customer(ctx, number)
    invoice(ctx, "1", "A")
    disputed = invoice(ctx, "2", "B")
    promised = invoice(ctx, "3", "C")
    invoice(ctx, "4", "D")
    set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="4", block="reminder_block",
              reason="Avtale om nedbetaling")
    rem.dispute_item(uow=ctx.uow(), company_id=ctx.company_id, item_id=disputed, reason="Varen kom aldri",
                     owner="kari", deadline=date(2026, 4, 30), on=date(2026, 3, 20))
    rem.promise_payment(uow=ctx.uow(), company_id=ctx.company_id, item_id=promised, promised=date(2026, 4, 5))
    summary = propose(ctx)
    detail = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=summary.run_id or 0)
    assert [r.party_number for r in detail.reminders] == ["1"]
    with pytest.raises(AlreadyExists):
        rem.dispute_item(uow=ctx.uow(), company_id=ctx.company_id, item_id=disputed, reason="again")
    (dispute,) = rem.list_disputes(uow=ctx.uow(), company_id=ctx.company_id)
    assert (dispute["owner"], dispute["deadline"], dispute["reason"]) == ("kari", date(2026, 4, 30), "Varen kom aldri")


def test_interest_pauses_while_disputed(ctx: Ctx) -> None:
    customer(ctx, "1")
    item = invoice(ctx, "1", "A", "10000.00")
    rem.dispute_item(uow=ctx.uow(), company_id=ctx.company_id, item_id=item, reason="Feil pris", on=date(2026, 3, 20))
    rem.resolve_dispute(uow=ctx.uow(), company_id=ctx.company_id, item_id=item, resolution="Prisen stemmer",
                        on=date(2026, 3, 29))
    run(ctx, date(2026, 3, 30))
    warning = run(ctx, date(2026, 4, 14))
    # 16 Mar … 14 Apr is 30 days, of which 20–29 Mar (10) were disputed: 20 × 10 000 × 12 % / 365 = 65.75
    assert warning.interest == Decimal("65.75")


def test_a_proposal_holds_its_items_and_cancelling_frees_them(ctx: Ctx) -> None:
    customer(ctx, "1")
    invoice(ctx, "1", "A")
    first = propose(ctx)
    assert first.letters == 1
    assert propose(ctx).run_id is None  # the items are held by the first proposal
    rem.cancel_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=first.run_id or 0)
    assert propose(ctx).letters == 1


def test_a_paid_item_makes_the_proposal_stale(ctx: Ctx) -> None:
    customer(ctx, "1")
    invoice(ctx, "1", "A")
    proposal = propose(ctx)
    post(ctx, "payment", "1", "1000.00", FIRST, applies_to="A")
    with pytest.raises(ValidationFailed, match="paid since it was made"):
        rem.approve_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=proposal.run_id or 0)


# -- idempotency and crashes -------------------------------------------------------------------------------------


def test_approving_twice_posts_once(ctx: Ctx) -> None:
    customer(ctx, "1")
    invoice(ctx, "1", "A")
    proposal = propose(ctx)
    rem.approve_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=proposal.run_id or 0)
    with pytest.raises(ValidationFailed, match="not a proposal"):
        rem.approve_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=proposal.run_id or 0)
    assert count(ctx, "vouchers") == 2  # the invoice and one fee


def test_a_crash_in_the_middle_of_approving_leaves_nothing_and_the_rerun_posts_once(
        ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    customer(ctx, "1")
    customer(ctx, "2")
    invoice(ctx, "1", "A")
    invoice(ctx, "2", "B")
    proposal = propose(ctx)
    calls = {"n": 0}
    real = rem.render_reminder_letter

    def crash_on_second(letter: object) -> bytes:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return real(letter)  # type: ignore[arg-type]

    monkeypatch.setattr(rem, "render_reminder_letter", crash_on_second)
    with pytest.raises(RuntimeError):
        rem.approve_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=proposal.run_id or 0)
    assert count(ctx, "vouchers") == 2  # the two invoices: no fee survived the crash
    monkeypatch.setattr(rem, "render_reminder_letter", real)
    done = rem.approve_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=proposal.run_id or 0)
    assert done.fees == Decimal(75)
    assert count(ctx, "vouchers") == 4
    assert run(ctx).run_id is None  # and the same day again: nothing


def test_the_database_refuses_a_second_fee_for_the_same_level(ctx: Ctx) -> None:
    customer(ctx, "1")
    invoice(ctx, "1", "A")
    done = run(ctx)
    (letter,) = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=done.run_id or 0).reminders
    with pytest.raises(Exception, match=r"(?i)unique"):
        raw(ctx, "INSERT INTO reminder_lines (company_id, reminder_id, item_id, level_no, open_minor, fee_minor, "
                 "fee_offset_minor, compensation_minor, interest_minor, reasons) SELECT company_id, :r, item_id, "
                 "level_no, open_minor, fee_minor, 0, 0, 0, '[]' FROM reminder_lines WHERE reminder_id = :old",
            r=letter.reminder_id + 1000, old=letter.reminder_id)


# -- e-mail ------------------------------------------------------------------------------------------------------


def smtp(port: int) -> SmtpMailer:
    return SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, security=SmtpSecurity.NONE, username=None,
                                   password=None, sender="Demo AS <faktura@demo.example>", timeout=5))


def test_letters_are_e_mailed_with_the_pdf_and_never_twice(ctx: Ctx, serve: Callable[..., int]) -> None:
    customer(ctx, "1", email="kari@example.no")
    customer(ctx, "2")  # no address: a printed letter
    invoice(ctx, "1", "A")
    invoice(ctx, "2", "B")
    done = run(ctx)
    inbox = Inbox()
    mailer = smtp(serve(inbox))
    result = rem.deliver(uow=ctx.uow(), company_id=ctx.company_id, mailer=mailer)
    assert (result.sent, result.failed, result.to_print) == (1, 0, 0)
    (mail,) = inbox.received
    message = mail.parsed()
    assert mail.rcpt_tos == ["kari@example.no"]
    assert message["Subject"].startswith("Betalingspåminnelse")
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert rem.deliver(uow=ctx.uow(), company_id=ctx.company_id, mailer=mailer).sent == 0
    assert len(inbox.received) == 1
    views = {r.party_number: r for r in rem.get_run(uow=ctx.uow(), company_id=ctx.company_id,
                                                    run_id=done.run_id or 0).reminders}
    assert (views["1"].channel, views["1"].delivery) == ("email", "sent")
    assert (views["2"].channel, views["2"].delivery) == ("letter", "pending")
    _name, pdf = rem.print_batch(uow=ctx.uow(), company_id=ctx.company_id) or ("", b"")
    assert pdf.startswith(b"%PDF")
    assert rem.print_batch(uow=ctx.uow(), company_id=ctx.company_id) is None  # printed once


class Flaky:
    """A mailer that fails as told, then delivers through the real one."""

    def __init__(self, real: SmtpMailer, failures: list[MailError]) -> None:
        self.real, self.failures = real, failures

    def send(self, mail: OutgoingMail) -> str:
        if self.failures:
            raise self.failures.pop(0)
        return self.real.send(mail)


def test_a_temporary_failure_is_recorded_and_retried(ctx: Ctx, serve: Callable[..., int]) -> None:
    customer(ctx, "1", email="kari@example.no")
    invoice(ctx, "1", "A")
    run(ctx)
    inbox = Inbox()
    flaky = Flaky(smtp(serve(inbox)), [MailError("451 try again later", transient=True, code=451)])
    first = rem.deliver(uow=ctx.uow(), company_id=ctx.company_id, mailer=flaky)
    assert (first.sent, first.failed) == (0, 1)
    assert "451" in first.errors[0]
    second = rem.deliver(uow=ctx.uow(), company_id=ctx.company_id, mailer=flaky)
    assert second.sent == 1
    assert len(inbox.received) == 1


def test_a_refused_address_sends_the_letter_to_print(ctx: Ctx, serve: Callable[..., int]) -> None:
    customer(ctx, "1", email="gone@example.no")
    invoice(ctx, "1", "A")
    done = run(ctx)
    inbox = Inbox(refuse={"gone@example.no": "550 5.1.1 No such user"})
    result = rem.deliver(uow=ctx.uow(), company_id=ctx.company_id, mailer=smtp(serve(inbox)))
    assert result.to_print == 1
    (view,) = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=done.run_id or 0).reminders
    assert (view.channel, view.delivery) == ("letter", "pending")
    assert "550" in (view.last_error or "")


def test_a_crash_while_sending_leaves_the_reminder_sending_and_it_is_not_sent_again(
        ctx: Ctx, serve: Callable[..., int]) -> None:
    customer(ctx, "1", email="kari@example.no")
    invoice(ctx, "1", "A")
    done = run(ctx)
    inbox = Inbox()
    real = smtp(serve(inbox))

    class DiesAfterSending:
        def send(self, mail: OutgoingMail) -> str:
            real.send(mail)
            raise KeyboardInterrupt  # the process dies before it records the success

    with pytest.raises(KeyboardInterrupt):
        rem.deliver(uow=ctx.uow(), company_id=ctx.company_id, mailer=DiesAfterSending())
    assert rem.deliver(uow=ctx.uow(), company_id=ctx.company_id, mailer=real).sent == 0
    assert len(inbox.received) == 1
    (view,) = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=done.run_id or 0).reminders
    assert view.delivery == "sending"


# -- automatic runs and interest notes ------------------------------------------------------------------------


def test_an_automatic_routine_runs_posts_and_sends_without_anyone(ctx: Ctx, serve: Callable[..., int]) -> None:
    standard = rem.get_routine(uow=ctx.uow(), company_id=ctx.company_id, code="STANDARD")
    rem.save_routine(uow=ctx.uow(), company_id=ctx.company_id,
                     routine=Routine(standard.routine.routine_id, "STANDARD", standard.routine.name,
                                     standard.routine.levels, automatic=True, late_payment_interest=True,
                                     min_interest=Decimal(10)), version=standard.version)
    customer(ctx, "1", email="kari@example.no")
    customer(ctx, "2", email="ola@example.no")
    invoice(ctx, "1", "A", "10000.00")
    invoice(ctx, "2", "B", "20000.00")
    post(ctx, "payment", "2", "20000.00", date(2026, 3, 25), applies_to="B")  # 10 days late
    inbox = Inbox()
    mailer = smtp(serve(inbox))
    ctx.today_value = FIRST
    result = rem.run_automatic(uow=ctx.uow(), company_id=ctx.company_id, mailer=mailer)
    assert result.run is not None
    assert result.run.letters == 1
    # the late payment: 16–25 March, 10 days × 20 000 × 12 % / 365 = 65.75
    assert result.interest_notes is not None
    assert result.interest_notes.interest == Decimal("65.75")
    assert result.delivery.sent == 2
    again = rem.run_automatic(uow=ctx.uow(), company_id=ctx.company_id, mailer=mailer)
    assert again.run is not None
    assert again.run.run_id is None
    assert again.interest_notes is None
    assert len(inbox.received) == 2


# -- rates and routines ----------------------------------------------------------------------------------------


def test_rates_are_dated_rows_the_user_corrects_with_an_audit_trail(ctx: Ctx) -> None:
    rem.set_legal_rate(uow=ctx.uow(), company_id=ctx.company_id, kind="late_interest", valid_from=date(2026, 7, 1),
                       value="11.75", source="FOR-2026-06-20-1")
    rates = rem.list_rates(uow=ctx.uow(), company_id=ctx.company_id)
    assert [r.value for r in rates if r.kind == "late_interest"][-1] == Decimal("11.75")
    rem.set_legal_rate(uow=ctx.uow(), company_id=ctx.company_id, kind="late_interest", valid_from=date(2026, 7, 1),
                       value="11.50", source="FOR-2026-06-20-1 (corrected)")
    assert raw(ctx, "SELECT COUNT(*) FROM audit_events WHERE company_id = :c AND entity = 'legal_rate'",
               c=ctx.company_id).scalar() == 4
    with pytest.raises(ValidationFailed, match="rate kind 'x'"):
        rem.set_legal_rate(uow=ctx.uow(), company_id=ctx.company_id, kind="x", valid_from=date(2026, 7, 1),
                           value="1", source="s")
    with pytest.raises(ValidationFailed, match="where the rate comes from"):
        rem.set_legal_rate(uow=ctx.uow(), company_id=ctx.company_id, kind="inkassosats",
                           valid_from=date(2027, 1, 1), value="800", source=" ")
    rem.delete_legal_rate(uow=ctx.uow(), company_id=ctx.company_id, kind="late_interest", valid_from=date(2026, 7, 1))
    with pytest.raises(NotFound):
        rem.delete_legal_rate(uow=ctx.uow(), company_id=ctx.company_id, kind="late_interest",
                              valid_from=date(2026, 7, 1))


def test_a_new_inkassosats_changes_the_fee_from_its_date(ctx: Ctx) -> None:
    rem.set_legal_rate(uow=ctx.uow(), company_id=ctx.company_id, kind="inkassosats", valid_from=date(2026, 3, 20),
                       value="800", source="new regulation")
    customer(ctx, "1")
    invoice(ctx, "1", "A")
    assert run(ctx).fees == Decimal("40.00")  # 800 / 20


def test_a_routine_breaking_the_law_is_refused_and_a_stale_form_too(ctx: Ctx) -> None:
    bad = Routine(0, "BAD", "bad", (Level(1, LevelType.WARNING, 14, 7),))
    with pytest.raises(ValidationFailed, match="at least 14 days"):
        rem.save_routine(uow=ctx.uow(), company_id=ctx.company_id, routine=bad)
    view = rem.get_routine(uow=ctx.uow(), company_id=ctx.company_id, code="STANDARD")
    rem.save_routine(uow=ctx.uow(), company_id=ctx.company_id, routine=view.routine, version=view.version)
    with pytest.raises(AlreadyExists, match="changed by someone else"):
        rem.save_routine(uow=ctx.uow(), company_id=ctx.company_id, routine=view.routine, version=view.version)


def test_a_group_routine_applies_to_its_customers_and_a_card_routine_wins(ctx: Ctx) -> None:
    from reskontro.services.parties import create_group
    create_group(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, code="STOR", name="Store kunder")
    lenient = Routine(0, "LENIENT", "Mild", (Level(1, LevelType.REMINDER, days_after=30, deadline_days=14,
                                                    charge_fee=False),))
    rem.save_routine(uow=ctx.uow(), company_id=ctx.company_id, routine=lenient)
    rem.assign_routine(uow=ctx.uow(), company_id=ctx.company_id, routine_code="LENIENT", group="STOR")
    customer(ctx, "1", group_code="STOR")
    customer(ctx, "2", group_code="STOR")
    rem.assign_routine(uow=ctx.uow(), company_id=ctx.company_id, routine_code="STANDARD", customer="2")
    invoice(ctx, "1", "A")
    invoice(ctx, "2", "B")
    summary = propose(ctx)
    detail = rem.get_run(uow=ctx.uow(), company_id=ctx.company_id, run_id=summary.run_id or 0)
    assert [r.party_number for r in detail.reminders] == ["2"]  # 1 waits 30 days under the group's routine
