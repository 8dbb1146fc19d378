"""Reminder routines (purrerutiner) and the legal guard-rails every reminder passes.

A routine is an ordered list of levels — payment reminders (purring), a collection warning (inkassovarsel) and
"ready for collection". A claim (one overdue customer item) climbs one level at a time:

* level 1 comes ``days_after`` days after the due date; a later level ``days_after`` days after the previous
  letter, and never before the previous letter's payment deadline has passed;
* "ready for collection" needs an inkassovarsel whose deadline has passed (inkassoloven § 9).

Fees (inkassoforskriften §§ 1-2, 1-3), checked per claim whatever the routine says:

* a fee is the dated fraction of the inkassosats *on the day the letter is sent*;
* no fee until 14 days after the due date;
* at most two fees per claim: two purringer, or one purring and one inkassovarsel (the betalingsoppfordring that
  could follow is the collection agency's);
* the second fee only if the debtor has let a payment deadline of at least 14 days pass in the first;
* fees only on letters in NOK (the inkassosats is a NOK amount).

Between businesses (forsinkelsesrenteloven § 3a), a routine may claim the standard compensation (EUR 40 in NOK,
dated) once per claim instead of the fees: later reminder fees on that claim are offset against it, so the
debtor never pays both for the same costs.

Every charge, and every fee a level would have charged but the law did not allow, carries a :class:`Reason`
(rule, rate, dates) that is stored with the reminder and printed on the letter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from reskontro.domain.errors import ValidationFailed
from reskontro.domain.legal_rates import InterestCalc, RateKind, RateTable, late_interest
from reskontro.money import round_money

#: Days after the due date before a fee may be charged (inkassoforskriften § 1-2).
FEE_WAIT_DAYS = 14
#: The shortest deadline of an inkassovarsel (inkassoloven § 9), and of a first purring whose fee allows a second.
LEGAL_DEADLINE_DAYS = 14
#: Most fees per claim (inkassoforskriften § 1-3, leaving the betalingsoppfordring to the agency).
MAX_FEES = 2


class LevelType(StrEnum):
    REMINDER = "reminder"
    WARNING = "warning"
    COLLECTION = "collection"


class DebtorType(StrEnum):
    CONSUMER = "consumer"
    BUSINESS = "business"


class Channel(StrEnum):
    LETTER = "letter"
    EMAIL = "email"


class FeeBasis(StrEnum):
    LETTER = "letter"  # one fee per letter, carried by its oldest claim that may bear one
    CLAIM = "claim"  # one fee per claim (invoice) in the letter


@dataclass(frozen=True, slots=True)
class Level:
    level_no: int
    level_type: LevelType
    days_after: int
    deadline_days: int
    min_amount: Decimal = Decimal(0)
    charge_fee: bool = True
    charge_interest: bool = False
    channels: tuple[Channel, ...] = (Channel.LETTER,)
    titles: Mapping[str, str] = field(default_factory=dict)  # language → title; none = the standard one
    texts: Mapping[str, str] = field(default_factory=dict)  # language → letter text; none = the standard one


@dataclass(frozen=True, slots=True)
class Routine:
    routine_id: int
    code: str
    name: str
    levels: tuple[Level, ...]
    automatic: bool = False
    fee_basis: FeeBasis = FeeBasis.LETTER
    b2b_compensation: bool = False
    late_payment_interest: bool = False  # interest notes for invoices paid late, after the fact
    min_interest: Decimal = Decimal(0)  # interest below this is not charged yet (it keeps running)

    def validate(self) -> None:
        """Refuse a routine the law or the engine cannot follow, naming the level and field."""
        if not self.levels:
            raise ValidationFailed("a routine needs at least one level", field="levels")
        warnings = 0
        for i, lv in enumerate(self.levels, start=1):
            where = f"levels[{i}]"
            if lv.level_no != i:
                raise ValidationFailed(f"level {lv.level_no} is number {i}: levels are numbered 1, 2, 3 …",
                                       field=f"{where}.level_no")
            if lv.days_after < 0 or lv.deadline_days < 0 or lv.min_amount < 0:
                raise ValidationFailed("days, deadline and minimum amount must not be negative", field=where)
            if lv.level_type is LevelType.WARNING:
                warnings += 1
                if warnings > 1:
                    raise ValidationFailed("a routine has one inkassovarsel level", field=f"{where}.level_type")
                if lv.deadline_days < LEGAL_DEADLINE_DAYS:
                    raise ValidationFailed(
                        f"an inkassovarsel gives at least {LEGAL_DEADLINE_DAYS} days to pay (inkassoloven § 9); "
                        f"level {i} gives {lv.deadline_days}", field=f"{where}.deadline_days")
            if lv.level_type is LevelType.COLLECTION:
                if i != len(self.levels):
                    raise ValidationFailed("ready for collection is the last level", field=f"{where}.level_type")
                if warnings == 0:
                    raise ValidationFailed("ready for collection needs an inkassovarsel level before it "
                                           "(inkassoloven § 9)", field=f"{where}.level_type")
            elif lv.level_type is LevelType.REMINDER and lv.deadline_days < 1:
                raise ValidationFailed("a reminder gives at least one day to pay", field=f"{where}.deadline_days")
        if self.min_interest < 0:
            raise ValidationFailed("the minimum interest must not be negative", field="min_interest")

    def level(self, level_no: int) -> Level | None:
        return self.levels[level_no - 1] if 1 <= level_no <= len(self.levels) else None


@dataclass(frozen=True, slots=True)
class SentLevel:
    """A level a claim has reached: when, with what deadline, and what fee it bore."""

    level_no: int
    level_type: LevelType
    sent_on: date
    deadline: date
    fee: Decimal = Decimal(0)
    fee_offset: Decimal = Decimal(0)  # a fee the law allowed but the § 3a compensation already covered


@dataclass(frozen=True, slots=True)
class Claim:
    """One overdue customer item as a reminder sees it. Amounts in the item's currency, the customer owing > 0."""

    item_id: int
    document_number: str
    due_date: date
    currency: str
    amount: Decimal
    open: Decimal
    sent: tuple[SentLevel, ...] = ()
    compensation: Decimal = Decimal(0)  # § 3a compensation charged on it so far
    interest_to: date | None = None  # interest charged up to and including this day
    allocations: tuple[tuple[date, Decimal], ...] = ()  # what payments took off it, by date
    disputes: tuple[tuple[date, date | None], ...] = ()  # stretches it was disputed: no interest then

    @property
    def last(self) -> SentLevel | None:
        return self.sent[-1] if self.sent else None


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an amount was (or was not) charged: a code, the amount, the rule and the values it used."""

    code: str
    amount: Decimal
    rule: str
    params: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "amount": str(self.amount), "rule": self.rule, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Reason:
        params = d.get("params")
        return cls(str(d["code"]), Decimal(str(d["amount"])), str(d["rule"]),
                   {str(k): str(v) for k, v in params.items()} if isinstance(params, Mapping) else {})


def next_level_date(routine: Routine, claim: Claim) -> tuple[Level, date] | None:
    """The claim's next level and the first day it may be reached; None at the routine's end."""
    last = claim.last
    level = routine.level(last.level_no + 1 if last else 1)
    if level is None:
        return None
    if last is None:
        return level, claim.due_date + timedelta(days=level.days_after)
    earliest = max(last.sent_on + timedelta(days=level.days_after), last.deadline + timedelta(days=1))
    if level.level_type is LevelType.COLLECTION:
        warning = next((s for s in reversed(claim.sent) if s.level_type is LevelType.WARNING), None)
        if warning is None:
            return None
        earliest = max(earliest, warning.deadline + timedelta(days=1))
    return level, earliest


def fee_decision(level: Level, claim: Claim, *, on: date, rates: RateTable, letter_currency: str,
                 company_currency: str) -> Reason | None:
    """The fee this level may charge on the claim on ``on`` (code ``fee``), or why it may not; None when the level
    charges no fee at all."""
    if not level.charge_fee or level.level_type is LevelType.COLLECTION:
        return None
    rule = "inkassoforskriften § 1-2"
    first_day = claim.due_date + timedelta(days=FEE_WAIT_DAYS)
    if letter_currency != company_currency or company_currency != "NOK":
        return Reason("no_fee_currency", Decimal(0), rule, {"currency": letter_currency})
    if on < first_day:
        return Reason("no_fee_too_early", Decimal(0), rule,
                      {"due_date": claim.due_date.isoformat(), "first_day": first_day.isoformat()})
    charged = [s for s in claim.sent if s.fee > 0 or s.fee_offset > 0]
    if len(charged) >= MAX_FEES:
        return Reason("no_fee_cap", Decimal(0), "inkassoforskriften § 1-3", {"fees": str(len(charged))})
    if level.level_type is LevelType.WARNING and any(s.level_type is LevelType.WARNING for s in charged):
        return Reason("no_fee_cap", Decimal(0), "inkassoforskriften § 1-3", {"fees": str(len(charged))})
    if charged:
        first = charged[0]
        given = (first.deadline - first.sent_on).days
        if given < LEGAL_DEADLINE_DAYS or on <= first.deadline:
            return Reason("no_fee_second", Decimal(0), "inkassoforskriften § 1-3",
                          {"first_sent": first.sent_on.isoformat(), "first_deadline": first.deadline.isoformat(),
                           "days_given": str(given)})
    kind = RateKind.WARNING_FEE_FRACTION if level.level_type is LevelType.WARNING else RateKind.REMINDER_FEE_FRACTION
    sats = rates.at(RateKind.INKASSOSATS, on)
    fraction = rates.at(kind, on)
    amount = round_money(sats.value * fraction.value, company_currency)
    return Reason("fee", amount, rule, {"inkassosats": str(sats.value), "inkassosats_from": sats.valid_from.isoformat(),
                                        "fraction": str(fraction.value), "on": on.isoformat(),
                                        "level_type": level.level_type.value})


def compensation_decision(claim: Claim, *, on: date, rates: RateTable) -> Reason:
    """The § 3a standard compensation of a business claim, once per claim; dated by the day it is claimed."""
    rate = rates.at(RateKind.B2B_COMPENSATION, on)
    return Reason("compensation", round_money(rate.value, "NOK"), "forsinkelsesrenteloven § 3a",
                  {"amount_from": rate.valid_from.isoformat(), "on": on.isoformat()})


def interest_decision(claim: Claim, *, on: date, rates: RateTable,
                      minimum: Decimal = Decimal(0)) -> tuple[Reason | None, InterestCalc, date]:
    """Interest on the claim from the day after its due date (or after interest was last charged to) up to ``on``.

    Returns the reason (code ``interest``, or ``interest_below_minimum`` when too small to charge yet — it keeps
    running), the calculation, and the first day counted."""
    start = max(claim.due_date, claim.interest_to or claim.due_date) + timedelta(days=1)
    calc = late_interest(original=claim.amount, allocations=claim.allocations, start=start, end=on, rates=rates,
                         currency=claim.currency, paused=claim.disputes)
    if calc.amount <= 0:
        return None, calc, start
    pieces = "; ".join(f"{p.start.isoformat()}..{p.end.isoformat()} {p.balance} x {p.rate} % x {p.days}/365"
                       + (" (rate carried forward)" if p.carried else "") for p in calc.pieces)
    params = {"from": start.isoformat(), "to": on.isoformat(), "days": str(calc.days), "pieces": pieces,
              "paused_days": str(calc.paused_days)}
    if calc.amount < minimum:
        params["minimum"] = str(minimum)
        return Reason("interest_below_minimum", Decimal(0), "forsinkelsesrenteloven §§ 2-3", params), calc, start
    return Reason("interest", calc.amount, "forsinkelsesrenteloven §§ 2-3", params), calc, start


# -- the plan for one customer ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedClaim:
    claim: Claim
    level: Level
    fee: Decimal
    fee_offset: Decimal
    compensation: Decimal
    interest: Decimal
    interest_from: date | None
    interest_to: date | None  # charged up to here (None: no interest charged now)
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class PlannedLetter:
    """One letter (or, at "ready for collection", one hand-over) for one customer, level and currency."""

    level: Level
    currency: str
    deadline: date
    claims: tuple[PlannedClaim, ...]

    @property
    def principal(self) -> Decimal:
        return sum((c.claim.open for c in self.claims), Decimal(0))

    @property
    def fees(self) -> Decimal:
        return sum((c.fee for c in self.claims), Decimal(0))

    @property
    def interest(self) -> Decimal:
        return sum((c.interest for c in self.claims), Decimal(0))

    @property
    def compensation(self) -> Decimal:
        return sum((c.compensation for c in self.claims), Decimal(0))


@dataclass(frozen=True, slots=True)
class Skipped:
    level_no: int
    currency: str
    reason: str  # below_minimum
    amount: Decimal


def plan_customer(routine: Routine, claims: Sequence[Claim], *, on: date, rates: RateTable, company_currency: str,
                  debtor: DebtorType) -> tuple[list[PlannedLetter], list[Skipped]]:
    """The letters one customer gets on ``on``: its claims due a new level, grouped by level and currency."""
    groups: dict[tuple[int, str], list[tuple[Claim, Level]]] = {}
    for claim in claims:
        nxt = next_level_date(routine, claim)
        if nxt is None or nxt[1] > on or claim.open <= 0:
            continue
        groups.setdefault((nxt[0].level_no, claim.currency), []).append((claim, nxt[0]))
    letters: list[PlannedLetter] = []
    skipped: list[Skipped] = []
    for (level_no, currency), members in sorted(groups.items()):
        level = members[0][1]
        principal = sum((c.open for c, _ in members), Decimal(0))
        if principal < level.min_amount:
            skipped.append(Skipped(level_no, currency, "below_minimum", principal))
            continue
        members.sort(key=lambda m: (m[0].due_date, m[0].document_number))
        planned = [_plan_claim(routine, c, lv, on=on, rates=rates, currency=currency,
                               company_currency=company_currency, debtor=debtor) for c, lv in members]
        if routine.fee_basis is FeeBasis.LETTER:
            planned = _one_fee_per_letter(planned)
        deadline = on + timedelta(days=level.deadline_days)
        letters.append(PlannedLetter(level, currency, deadline, tuple(planned)))
    return letters, skipped


def _plan_claim(routine: Routine, claim: Claim, level: Level, *, on: date, rates: RateTable, currency: str,
                company_currency: str, debtor: DebtorType) -> PlannedClaim:
    reasons: list[Reason] = []
    fee = offset = compensation = interest = Decimal(0)
    interest_from: date | None = None
    interest_to: date | None = None
    fee_reason = fee_decision(level, claim, on=on, rates=rates, letter_currency=currency,
                              company_currency=company_currency)
    b2b = routine.b2b_compensation and debtor is DebtorType.BUSINESS and currency == company_currency == "NOK"
    if b2b and level.charge_fee and level.level_type is not LevelType.COLLECTION and claim.compensation == 0:
        comp = compensation_decision(claim, on=on, rates=rates)
        compensation = comp.amount
        reasons.append(comp)
    if fee_reason is not None:
        if fee_reason.code == "fee" and (compensation or claim.compensation):
            covered = (compensation or claim.compensation) - sum((s.fee_offset for s in claim.sent), Decimal(0))
            offset = min(fee_reason.amount, max(covered, Decimal(0)))
            fee = fee_reason.amount - offset
            if offset:
                reasons.append(Reason("fee_offset", offset, "forsinkelsesrenteloven § 3a",
                                      {"fee": str(fee_reason.amount), "covered": str(covered)}))
            if fee:
                reasons.append(Reason("fee", fee, fee_reason.rule, fee_reason.params))
        else:
            fee = fee_reason.amount
            reasons.append(fee_reason)
    if level.charge_interest and level.level_type is not LevelType.COLLECTION:
        reason, _calc, start = interest_decision(claim, on=on, rates=rates, minimum=routine.min_interest)
        if reason is not None:
            reasons.append(reason)
            if reason.code == "interest":
                interest, interest_from, interest_to = reason.amount, start, on
    return PlannedClaim(claim, level, fee, offset, compensation, interest, interest_from, interest_to, tuple(reasons))


def _one_fee_per_letter(planned: list[PlannedClaim]) -> list[PlannedClaim]:
    """Keep the fee on the oldest claim that may bear one; the others get a note that the letter's fee is there."""
    bearer = next((p for p in planned if p.fee > 0), None)
    if bearer is None:
        return planned
    out: list[PlannedClaim] = []
    for p in planned:
        if p is bearer or p.fee == 0:
            out.append(p)
            continue
        reasons = (*(r for r in p.reasons if r.code != "fee"),
                   Reason("fee_per_letter", Decimal(0), "routine", {"document": bearer.claim.document_number}))
        out.append(PlannedClaim(p.claim, p.level, Decimal(0), p.fee_offset, p.compensation, p.interest,
                                p.interest_from, p.interest_to, reasons))
    return out


# -- words ----------------------------------------------------------------------------------------------------

_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "fee": "Gebyr {amount}: {fraction} av inkassosatsen {inkassosats} kr (gjelder fra {inkassosats_from}) "
               "den {on} ({rule}); sendt minst 14 dager etter forfall.",
        "no_fee_currency": "Ikke gebyr: gebyrene er kronebeløp, og kravet er i {currency}.",
        "no_fee_too_early": "Ikke gebyr: forfall {due_date}; gebyr tidligst {first_day} ({rule}).",
        "no_fee_cap": "Ikke gebyr: kravet har allerede {fees} gebyr, høyeste antall ({rule}).",
        "no_fee_second": "Ikke gebyr: et nytt gebyr krever at fristen i første purring (sendt {first_sent}, frist "
                         "{first_deadline}, {days_given} dager) var minst 14 dager og er utløpt ({rule}).",
        "fee_per_letter": "Ett gebyr per brev, belastet faktura {document}.",
        "compensation": "Standardkompensasjon {amount} (næringsdrivende skyldner, {rule}; beløpet gjelder fra "
                        "{amount_from}).",
        "fee_offset": "Gebyret {fee} er dekket av standardkompensasjonen ({rule}): {amount} trukket fra.",
        "interest": "Forsinkelsesrente {amount} for {days} dager, {from} til {to} ({rule}): {pieces}.",
        "interest_below_minimum": "Forsinkelsesrente under {minimum} belastes ikke nå; den løper videre.",
    },
    "en": {
        "fee": "Fee {amount}: {fraction} of the inkassosats NOK {inkassosats} (from {inkassosats_from}) on {on} "
               "({rule}); sent at least 14 days after the due date.",
        "no_fee_currency": "No fee: the fees are NOK amounts, and the claim is in {currency}.",
        "no_fee_too_early": "No fee: due {due_date}; a fee at the earliest on {first_day} ({rule}).",
        "no_fee_cap": "No fee: the claim already bears {fees} fees, the most allowed ({rule}).",
        "no_fee_second": "No fee: a second fee needs the first reminder's deadline (sent {first_sent}, deadline "
                         "{first_deadline}, {days_given} days) to be at least 14 days and passed ({rule}).",
        "fee_per_letter": "One fee per letter, charged on invoice {document}.",
        "compensation": "Standard compensation {amount} (business debtor, {rule}; amount valid from {amount_from}).",
        "fee_offset": "The fee {fee} is covered by the standard compensation ({rule}): {amount} deducted.",
        "interest": "Late-payment interest {amount} for {days} days, {from} to {to} ({rule}): {pieces}.",
        "interest_below_minimum": "Late-payment interest below {minimum} is not charged yet; it keeps running.",
    },
}


def explain(reason: Reason, language: str) -> str:
    """The reason as a sentence in ``nb`` or ``en`` (other languages: ``en``; ``nn`` and ``no``: ``nb``)."""
    lang = "nb" if language in ("nb", "nn", "no") else "en"
    template = _TEXTS[lang].get(reason.code)
    if template is None:
        return f"{reason.code}: {reason.amount} ({reason.rule})"
    values = {**reason.params, "amount": str(reason.amount), "rule": reason.rule}
    try:
        return template.format(**values)
    except KeyError:
        return f"{reason.code}: {reason.amount} ({reason.rule})"
