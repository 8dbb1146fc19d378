"""Dated legal rates for reminders, collection and late-payment interest, and the interest arithmetic.

Every amount and rate the law sets is a row with a ``valid_from`` date, so the law can change (a new Inkasso
Act is on its way) without a release: the user adds a row. The rate of a day is the row with the latest
``valid_from`` on or before it.

* ``inkassosats`` — inkassoforskriften § 1-1, in NOK. The fees are fractions of it *on the day the letter is
  sent* (§ 1-2): ``reminder_fee_fraction`` for a purring (1/20 since 1 Oct 2020, 1/10 before) and
  ``warning_fee_fraction`` for an inkassovarsel (1/20).
* ``late_interest`` — forsinkelsesrenteloven § 3, percent a year, set per half-year (1 Jan and 1 Jul).
* ``b2b_compensation`` — forsinkelsesrenteloven § 3a, the NOK amount of EUR 40 set per half-year.

Interest is simple, per day, on the overdue principal: ``balance × rate / 100 × days / 365`` summed over the
stretches where balance and rate are constant, rounded once (half-up, to the øre) per item and charge. The day
count is actual/365 — the act names none, and this is the common practice. A day's balance is the one at the
end of the day before, so a payment on day *d* still bears interest for *d*: interest "until payment",
``payment date − due date`` days in all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.money import round_money

DAYS_IN_YEAR = Decimal(365)


class RateKind(StrEnum):
    INKASSOSATS = "inkassosats"
    REMINDER_FEE_FRACTION = "reminder_fee_fraction"
    WARNING_FEE_FRACTION = "warning_fee_fraction"
    LATE_INTEREST = "late_interest"
    B2B_COMPENSATION = "b2b_compensation"


#: What a rate of each kind is, for the rule texts and the forms.
RATE_UNITS: dict[RateKind, str] = {
    RateKind.INKASSOSATS: "NOK",
    RateKind.REMINDER_FEE_FRACTION: "fraction",
    RateKind.WARNING_FEE_FRACTION: "fraction",
    RateKind.LATE_INTEREST: "percent",
    RateKind.B2B_COMPENSATION: "NOK",
}

#: The law each kind comes from.
RATE_RULES: dict[RateKind, str] = {
    RateKind.INKASSOSATS: "inkassoforskriften § 1-1",
    RateKind.REMINDER_FEE_FRACTION: "inkassoforskriften § 1-2",
    RateKind.WARNING_FEE_FRACTION: "inkassoforskriften § 1-2",
    RateKind.LATE_INTEREST: "forsinkelsesrenteloven § 3",
    RateKind.B2B_COMPENSATION: "forsinkelsesrenteloven § 3a",
}


@dataclass(frozen=True, slots=True)
class DatedRate:
    kind: RateKind
    valid_from: date
    value: Decimal
    source: str = ""

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValidationFailed(f"{self.kind} from {self.valid_from} must not be negative", field="value")
        if RATE_UNITS[self.kind] == "fraction" and self.value > 1:
            raise ValidationFailed(f"{self.kind} is a fraction of the inkassosats; {self.value} is above 1",
                                   field="value")


def _d(text: str) -> Decimal:
    return Decimal(text)


_S = "collection-industry page, not confirmed in Lovdata — check and correct"
#: The rates as known when this table was written (``../shared/reference/norway.md`` §7, with its source tags).
#: Every company starts with these; users correct and extend them.
DEFAULT_RATES: tuple[DatedRate, ...] = (
    DatedRate(RateKind.INKASSOSATS, date(2017, 1, 1), _d("700"), "FOR-1989-07-14-562 § 1-1"),
    DatedRate(RateKind.INKASSOSATS, date(2026, 1, 1), _d("750"), _S),
    DatedRate(RateKind.REMINDER_FEE_FRACTION, date(2017, 1, 1), _d("0.10"), "inkassoforskriften § 1-2 before 2020"),
    DatedRate(RateKind.REMINDER_FEE_FRACTION, date(2020, 10, 1), _d("0.05"), "inkassoforskriften § 1-2 (1/20)"),
    DatedRate(RateKind.WARNING_FEE_FRACTION, date(2017, 1, 1), _d("0.10"), "inkassoforskriften § 1-2 before 2020"),
    DatedRate(RateKind.WARNING_FEE_FRACTION, date(2020, 10, 1), _d("0.05"), "inkassoforskriften § 1-2 (1/20)"),
    DatedRate(RateKind.LATE_INTEREST, date(2022, 1, 1), _d("8.50"), "regjeringen.no (secondary source)"),
    DatedRate(RateKind.LATE_INTEREST, date(2022, 7, 1), _d("9.25"), "regjeringen.no (secondary source)"),
    DatedRate(RateKind.LATE_INTEREST, date(2023, 1, 1), _d("10.75"), "regjeringen.no (secondary source)"),
    DatedRate(RateKind.LATE_INTEREST, date(2023, 7, 1), _d("11.75"), "regjeringen.no (secondary source)"),
    DatedRate(RateKind.LATE_INTEREST, date(2024, 1, 1), _d("12.50"), "regjeringen.no"),
    DatedRate(RateKind.LATE_INTEREST, date(2024, 7, 1), _d("12.50"), "policy rate 4.50 + 8 (derived)"),
    DatedRate(RateKind.LATE_INTEREST, date(2025, 1, 1), _d("12.50"), "FOR-2024-12-19-3279"),
    DatedRate(RateKind.LATE_INTEREST, date(2025, 7, 1), _d("12.25"), "policy rate 4.25 + 8 (derived)"),
    DatedRate(RateKind.LATE_INTEREST, date(2026, 1, 1), _d("12.00"), _S),
    DatedRate(RateKind.B2B_COMPENSATION, date(2022, 7, 1), _d("400"), _S),
    DatedRate(RateKind.B2B_COMPENSATION, date(2023, 1, 1), _d("410"), _S),
    DatedRate(RateKind.B2B_COMPENSATION, date(2024, 1, 1), _d("470"), "forsinkelsesrenteforskriften"),
    DatedRate(RateKind.B2B_COMPENSATION, date(2026, 1, 1), _d("460"), _S),
)


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """Days ``start`` … ``end`` (both included) under one rate. ``carried``: the rate's row is older than the
    half-year these days lie in — no row has been entered for that half-year yet."""

    start: date
    end: date
    rate: DatedRate
    carried: bool = False


class RateTable:
    """The dated rates of one company."""

    def __init__(self, rates: Iterable[DatedRate]) -> None:
        self._by_kind: dict[RateKind, list[DatedRate]] = {k: [] for k in RateKind}
        for r in rates:
            self._by_kind[r.kind].append(r)
        for rows in self._by_kind.values():
            rows.sort(key=lambda r: r.valid_from)
            for a, b in pairwise(rows):
                if a.valid_from == b.valid_from:
                    raise ValidationFailed(f"two {a.kind} rates from {a.valid_from}", field="valid_from")

    def rows(self, kind: RateKind) -> Sequence[DatedRate]:
        return tuple(self._by_kind[kind])

    def at(self, kind: RateKind, day: date) -> DatedRate:
        """The rate of ``kind`` on ``day``; :class:`NotFound` naming both if none is that old."""
        found: DatedRate | None = None
        for r in self._by_kind[kind]:
            if r.valid_from > day:
                break
            found = r
        if found is None:
            raise NotFound(f"no {kind} rate is valid on {day.isoformat()}; add one in the rate table", field=kind)
        return found

    def interest_periods(self, start: date, end: date) -> list[RatePeriod]:
        """The late-interest rates over days ``start`` … ``end``, split where a row starts or a half-year turns
        (a half-year without its own row carries the last rate, marked ``carried``)."""
        if end < start:
            return []
        bounds = {start}
        for r in self._by_kind[RateKind.LATE_INTEREST]:
            if start < r.valid_from <= end:
                bounds.add(r.valid_from)
        day = half_year_start(start)
        while day <= end:
            if day > start:
                bounds.add(day)
            day = date(day.year + 1, 1, 1) if day.month == 7 else date(day.year, 7, 1)
        starts = sorted(bounds)
        out: list[RatePeriod] = []
        for i, s in enumerate(starts):
            e = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else end
            rate = self.at(RateKind.LATE_INTEREST, s)
            out.append(RatePeriod(s, e, rate, carried=rate.valid_from < half_year_start(s)))
        return out


@dataclass(frozen=True, slots=True)
class InterestPiece:
    """Interest for days ``start`` … ``end`` on ``balance`` at ``rate`` percent a year (unrounded ``amount``)."""

    start: date
    end: date
    balance: Decimal
    rate: Decimal
    days: int
    amount: Decimal
    carried: bool = False


@dataclass(frozen=True, slots=True)
class InterestCalc:
    pieces: tuple[InterestPiece, ...]
    amount: Decimal  # rounded to the currency's minor unit
    paused_days: int  # days left out because the item was disputed

    @property
    def days(self) -> int:
        return sum(p.days for p in self.pieces)


def balances(original: Decimal, allocations: Iterable[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
    """The open balance after each allocation date: ``[(day, balance at the end of day)]``, sorted.

    ``allocations`` are amounts taken off the item (positive reduces it; an unmatch adds back with a negative)."""
    by_day: dict[date, Decimal] = {}
    for day, amount in allocations:
        by_day[day] = by_day.get(day, Decimal(0)) + amount
    out: list[tuple[date, Decimal]] = []
    balance = original
    for day in sorted(by_day):
        balance -= by_day[day]
        out.append((day, balance))
    return out


def late_interest(*, original: Decimal, allocations: Iterable[tuple[date, Decimal]], start: date, end: date,
                  rates: RateTable, currency: str,
                  paused: Iterable[tuple[date, date | None]] = ()) -> InterestCalc:
    """Interest for days ``start`` … ``end`` (both included) on the item's open balance day by day.

    ``start`` is the day after the due date (or after interest was last charged to). ``paused`` are the
    stretches ``(from, to)`` — ``to`` None = still open — during which the item was disputed: no interest then.
    """
    if end < start:
        return InterestCalc((), Decimal(0), 0)
    changes = balances(original, allocations)
    pauses = [(a, b or end) for a, b in paused]
    cuts = {start}
    for day, _ in changes:
        nxt = day + timedelta(days=1)  # the new balance bears interest from the next day
        if start < nxt <= end:
            cuts.add(nxt)
    for a, b in pauses:
        for d in (a, b + timedelta(days=1)):
            if start < d <= end:
                cuts.add(d)
    periods = rates.interest_periods(start, end)
    cuts.update(p.start for p in periods)
    ordered = sorted(cuts)
    pieces: list[InterestPiece] = []
    paused_days = 0
    total = Decimal(0)
    for i, s in enumerate(ordered):
        e = ordered[i + 1] - timedelta(days=1) if i + 1 < len(ordered) else end
        days = (e - s).days + 1
        if any(a <= s <= b for a, b in pauses):
            paused_days += days
            continue
        balance = original
        for day, bal in changes:
            if day < s:
                balance = bal
        if balance <= 0:
            continue
        period = next(p for p in periods if p.start <= s <= p.end)
        amount = balance * period.rate.value / 100 * days / DAYS_IN_YEAR
        total += amount
        pieces.append(InterestPiece(s, e, balance, period.rate.value, days, amount, period.carried))
    return InterestCalc(tuple(_merge(pieces)), round_money(total, currency), paused_days)


def _merge(pieces: list[InterestPiece]) -> list[InterestPiece]:
    """Join neighbouring pieces with the same balance and rate (a half-year turn without a change of rate)."""
    out: list[InterestPiece] = []
    for p in pieces:
        last = out[-1] if out else None
        if (last is not None and last.balance == p.balance and last.rate == p.rate and last.carried == p.carried
                and last.end + timedelta(days=1) == p.start):
            out[-1] = InterestPiece(last.start, p.end, p.balance, p.rate, last.days + p.days, last.amount + p.amount,
                                    p.carried)
        else:
            out.append(p)
    return out
