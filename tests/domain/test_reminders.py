"""Reminder routines and the legal guard-rails on fees, compensation and interest (inkassoforskriften, inkassoloven
§ 9, forsinkelsesrenteloven §§ 3, 3a)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from reskontro.domain.errors import ValidationFailed
from reskontro.domain.legal_rates import DEFAULT_RATES, RateTable
from reskontro.domain.reminders import (
    Claim,
    DebtorType,
    FeeBasis,
    Level,
    LevelType,
    Reason,
    Routine,
    SentLevel,
    explain,
    fee_decision,
    next_level_date,
    plan_customer,
)

RATES = RateTable(DEFAULT_RATES)
DUE = date(2026, 3, 2)
REMINDER = Level(1, LevelType.REMINDER, days_after=14, deadline_days=14)
WARNING = Level(2, LevelType.WARNING, days_after=1, deadline_days=14, charge_interest=True)
COLLECTION = Level(3, LevelType.COLLECTION, days_after=1, deadline_days=0, charge_fee=False)
ROUTINE = Routine(1, "STD", "Standard", (REMINDER, WARNING, COLLECTION))


def claim(*sent: SentLevel, open_: str = "1000", **kw: object) -> Claim:
    return Claim(7, "10001", DUE, "NOK", Decimal(1000), Decimal(open_), tuple(sent), **kw)  # type: ignore[arg-type]


def d(n: int) -> date:
    return DUE + timedelta(days=n)


def test_the_standard_routine_is_valid() -> None:
    ROUTINE.validate()


@pytest.mark.parametrize(("levels", "message", "field"), [
    ((), "at least one level", "levels"),
    ((Level(2, LevelType.REMINDER, 14, 14),), "numbered", "levels[1].level_no"),
    ((Level(1, LevelType.WARNING, 14, 10),), "at least 14 days", "levels[1].deadline_days"),
    ((Level(1, LevelType.COLLECTION, 14, 0),), "inkassovarsel level before it", "levels[1].level_type"),
    ((Level(1, LevelType.WARNING, 14, 14), Level(2, LevelType.COLLECTION, 1, 0), Level(3, LevelType.REMINDER, 1, 1)),
     "last level", "levels[2].level_type"),
    ((Level(1, LevelType.WARNING, 14, 14), Level(2, LevelType.WARNING, 1, 14)), "one inkassovarsel",
     "levels[2].level_type"),
])
def test_a_routine_the_law_cannot_follow_is_refused_naming_the_level(levels: tuple[Level, ...], message: str,
                                                                     field: str) -> None:
    with pytest.raises(ValidationFailed, match=message) as caught:
        Routine(1, "X", "x", levels).validate()
    assert caught.value.field == field


def test_levels_follow_the_due_date_then_the_previous_deadline() -> None:
    assert next_level_date(ROUTINE, claim()) == (REMINDER, d(14))
    first = SentLevel(1, LevelType.REMINDER, d(14), d(28), Decimal("37.50"))
    # one day after the previous letter, but never before its deadline has passed
    assert next_level_date(ROUTINE, claim(first)) == (WARNING, d(29))
    warning = SentLevel(2, LevelType.WARNING, d(29), d(43), Decimal("37.50"))
    assert next_level_date(ROUTINE, claim(first, warning)) == (COLLECTION, d(44))
    assert next_level_date(ROUTINE, claim(first, warning, SentLevel(3, LevelType.COLLECTION, d(44), d(44)))) is None


def test_the_fee_is_the_fraction_of_the_inkassosats_on_the_day_sent() -> None:
    reason = fee_decision(REMINDER, claim(), on=d(14), rates=RATES, letter_currency="NOK", company_currency="NOK")
    assert reason is not None
    assert (reason.code, reason.amount) == ("fee", Decimal("37.50"))  # 750 × 1/20 in 2026
    old = Claim(7, "1", date(2025, 11, 1), "NOK", Decimal(1), Decimal(1))
    reason = fee_decision(REMINDER, old, on=date(2025, 12, 31), rates=RATES, letter_currency="NOK",
                          company_currency="NOK")
    assert reason is not None
    assert reason.amount == Decimal("35.00")  # 700 × 1/20 in 2025


def test_no_fee_before_fourteen_days_after_due() -> None:
    reason = fee_decision(REMINDER, claim(), on=d(13), rates=RATES, letter_currency="NOK", company_currency="NOK")
    assert reason is not None
    assert reason.code == "no_fee_too_early"
    assert reason.params["first_day"] == d(14).isoformat()


def test_a_second_fee_needs_a_first_deadline_of_fourteen_days_that_has_passed() -> None:
    short = SentLevel(1, LevelType.REMINDER, d(14), d(24), Decimal("37.50"))
    reason = fee_decision(WARNING, claim(short), on=d(30), rates=RATES, letter_currency="NOK", company_currency="NOK")
    assert reason is not None
    assert reason.code == "no_fee_second"
    fair = SentLevel(1, LevelType.REMINDER, d(14), d(28), Decimal("37.50"))
    reason = fee_decision(WARNING, claim(fair), on=d(29), rates=RATES, letter_currency="NOK", company_currency="NOK")
    assert reason is not None
    assert reason.code == "fee"


def test_at_most_two_fees_per_claim() -> None:
    r1 = SentLevel(1, LevelType.REMINDER, d(14), d(28), Decimal("37.50"))
    r2 = SentLevel(2, LevelType.REMINDER, d(29), d(43), Decimal("37.50"))
    third = Level(3, LevelType.WARNING, 1, 14)
    reason = fee_decision(third, claim(r1, r2), on=d(44), rates=RATES, letter_currency="NOK", company_currency="NOK")
    assert reason is not None
    assert reason.code == "no_fee_cap"


def test_no_fee_on_a_letter_in_another_currency() -> None:
    reason = fee_decision(REMINDER, claim(), on=d(20), rates=RATES, letter_currency="EUR", company_currency="NOK")
    assert reason is not None
    assert reason.code == "no_fee_currency"


def test_a_consumer_plan_with_interest_on_the_warning() -> None:
    first = SentLevel(1, LevelType.REMINDER, d(14), d(28), Decimal("37.50"))
    letters, skipped = plan_customer(ROUTINE, [claim(first)], on=d(29), rates=RATES, company_currency="NOK",
                                     debtor=DebtorType.CONSUMER)
    assert skipped == []
    (letter,) = letters
    assert letter.level is WARNING
    assert letter.deadline == d(43)
    (pc,) = letter.claims
    assert pc.fee == Decimal("37.50")
    # 29 days (3 Mar … 31 Mar) on 1 000 at 12.00 %: 9.534… → 9.53
    assert pc.interest == Decimal("9.53")
    assert (pc.interest_from, pc.interest_to) == (d(1), d(29))
    assert [r.code for r in pc.reasons] == ["fee", "interest"]


def test_a_business_gets_the_standard_compensation_once_instead_of_fees() -> None:
    routine = Routine(1, "B2B", "b2b", (REMINDER, WARNING, COLLECTION), b2b_compensation=True)
    letters, _ = plan_customer(routine, [claim()], on=d(14), rates=RATES, company_currency="NOK",
                               debtor=DebtorType.BUSINESS)
    (pc,) = letters[0].claims
    assert (pc.compensation, pc.fee, pc.fee_offset) == (Decimal(460), Decimal(0), Decimal("37.50"))
    assert [r.code for r in pc.reasons] == ["compensation", "fee_offset"]
    first = SentLevel(1, LevelType.REMINDER, d(14), d(28), Decimal(0), Decimal("37.50"))
    letters, _ = plan_customer(routine, [claim(first, compensation=Decimal(460))], on=d(29), rates=RATES,
                               company_currency="NOK", debtor=DebtorType.BUSINESS)
    (pc,) = letters[0].claims
    assert (pc.compensation, pc.fee, pc.fee_offset) == (Decimal(0), Decimal(0), Decimal("37.50"))


def test_one_fee_per_letter_sits_on_the_oldest_claim() -> None:
    a = Claim(1, "A", DUE, "NOK", Decimal(100), Decimal(100))
    b = Claim(2, "B", DUE - timedelta(days=3), "NOK", Decimal(200), Decimal(200))
    letters, _ = plan_customer(ROUTINE, [a, b], on=d(14), rates=RATES, company_currency="NOK",
                               debtor=DebtorType.CONSUMER)
    (letter,) = letters
    assert [(c.claim.document_number, c.fee) for c in letter.claims] == [("B", Decimal("37.50")), ("A", Decimal(0))]
    per_claim = Routine(1, "C", "c", ROUTINE.levels, fee_basis=FeeBasis.CLAIM)
    letters, _ = plan_customer(per_claim, [a, b], on=d(14), rates=RATES, company_currency="NOK",
                               debtor=DebtorType.CONSUMER)
    assert letters[0].fees == Decimal(75)


def test_a_letter_below_the_level_minimum_is_skipped() -> None:
    routine = Routine(1, "M", "m", (Level(1, LevelType.REMINDER, 14, 14, min_amount=Decimal(500)),))
    letters, skipped = plan_customer(routine, [claim(open_="499")], on=d(14), rates=RATES, company_currency="NOK",
                                     debtor=DebtorType.CONSUMER)
    assert letters == []
    assert skipped[0].reason == "below_minimum"


def test_reasons_read_as_sentences_and_survive_json() -> None:
    reason = fee_decision(REMINDER, claim(), on=d(14), rates=RATES, letter_currency="NOK", company_currency="NOK")
    assert reason is not None
    assert Reason.from_dict(reason.to_dict()) == reason
    assert "0.05 av inkassosatsen 750 kr" in explain(reason, "nb")
    assert "0.05 of the inkassosats NOK 750" in explain(reason, "en")
