"""Ledger invariants under random operations (hypothesis state machine), on SQLite and PostgreSQL.

After every step: every voucher balances; for every control account and several dates the GL
balance equals the open sub-ledger items; every item's open amount, now and at past dates, equals
its original amount minus its allocations up to that date and never crosses zero; a reversed
voucher nets to zero with its reversal.
"""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from reskontro.domain.errors import ReskontroError
from reskontro.domain.parties import PartyKind
from reskontro.services.companies import init_company
from reskontro.services.posting import match_items, reverse_voucher, unmatch
from reskontro.services.reports import reconciliation_report
from reskontro.store import queries
from tests.builders import customer, post, raw, supplier
from tests.conftest import Ctx

START = date(2026, 1, 1)
CHECK_DATES = (date(2026, 1, 20), date(2026, 2, 15), date(2026, 3, 31))
PARTIES = (("10001", PartyKind.CUSTOMER, None), ("10002", PartyKind.CUSTOMER, None),
           ("10003", PartyKind.CUSTOMER, "EUR"), ("50001", PartyKind.SUPPLIER, None))

amounts = st.integers(min_value=1, max_value=500_000).map(lambda c: f"{Decimal(c) / 100:.2f}")
days = st.integers(min_value=0, max_value=80)
party_choice = st.sampled_from(PARTIES)
rates = st.sampled_from([Decimal("11.00"), Decimal("11.25"), Decimal("10.90")])


class LedgerMachine(RuleBasedStateMachine):
    items = Bundle("items")
    matches = Bundle("matches")
    vouchers = Bundle("vouchers")

    def __init__(self, base: Ctx) -> None:
        super().__init__()
        self.ctx = Ctx(base.app, init_company(uow=base.uow(), name="Invariants AS"), date(2026, 4, 1))
        for number, kind, currency in PARTIES:
            maker = customer if kind is PartyKind.CUSTOMER else supplier
            maker(self.ctx, number, **({"currency": currency} if currency else {}))
        self.n = 0

    def _post(self, item_type: str, party: tuple[str, PartyKind, str | None], amount: str, day: int,
              **extra: object) -> tuple[int, str] | None:
        number, kind, currency = party
        self.n += 1
        if currency:
            extra["rate"] = extra.pop("rate", Decimal("11.00"))
        try:
            result = post(self.ctx, item_type, number, amount, START + timedelta(days=day), kind=kind,
                          document_number=f"D{self.n}", **extra)
        except ReskontroError:
            return None
        return result.item_id, result.voucher_ref

    @rule(target=items, party=party_choice, amount=amounts, day=days, kid=st.booleans())
    def invoice(self, party: tuple[str, PartyKind, str | None], amount: str, day: int, kid: bool) -> int:
        posted = self._post("invoice", party, amount, day, kid="12343" if kid else None)
        return posted[0] if posted else -1

    @rule(target=items, party=party_choice, amount=amounts, day=days, how=st.sampled_from(["kid", "text", "none"]),
          rate=rates)
    def payment(self, party: tuple[str, PartyKind, str | None], amount: str, day: int, how: str,
                rate: Decimal) -> int:
        extra: dict[str, object] = {"rate": rate} if party[2] else {}
        if how == "kid":
            extra["kid"] = "12343"
        elif how == "text":
            extra["description"] = f"Betaling D{max(self.n - 1, 1)}"
        posted = self._post("payment", party, amount, day, **extra)
        return posted[0] if posted else -1

    @rule(target=items, party=party_choice, amount=amounts, day=days)
    def credit_note(self, party: tuple[str, PartyKind, str | None], amount: str, day: int) -> int:
        posted = self._post("credit_note", party, amount, day)
        return posted[0] if posted else -1

    @rule(target=matches, a=items, b=items, partial=st.one_of(st.none(), amounts))
    def match(self, a: int, b: int, partial: str | None) -> int:
        try:
            made = match_items(uow=self.ctx.uow(), company_id=self.ctx.company_id, item_a=a, item_b=b,
                               amount=Decimal(partial) if partial else None)
        except ReskontroError:
            return -1
        return made.match_id

    @rule(m=matches)
    def undo(self, m: int) -> None:
        with contextlib.suppress(ReskontroError):
            unmatch(uow=self.ctx.uow(), company_id=self.ctx.company_id, match_id=m)

    @rule(item=items)
    def reverse(self, item: int) -> None:
        ref = raw(self.ctx, "SELECT v.series || CAST(v.year AS TEXT) || '-' || CAST(v.number AS TEXT) FROM items i "
                  "JOIN vouchers v ON v.company_id = i.company_id AND v.voucher_id = i.voucher_id "
                  "WHERE i.company_id = :c AND i.item_id = :i", c=self.ctx.company_id, i=item).scalar()
        if ref is None:
            return
        with contextlib.suppress(ReskontroError):
            reverse_voucher(uow=self.ctx.uow(), company_id=self.ctx.company_id, voucher_ref=ref,
                            on=date(2026, 3, 31))

    @invariant()
    def every_voucher_balances(self) -> None:
        bad = raw(self.ctx, "SELECT voucher_id FROM voucher_lines WHERE company_id = :c GROUP BY voucher_id "
                  "HAVING SUM(amount_minor) <> 0", c=self.ctx.company_id).all()
        assert bad == []

    @invariant()
    def gl_equals_open_items_for_every_control_account_and_date(self) -> None:
        for day in (*CHECK_DATES, self.ctx.today_value):
            for row in reconciliation_report(uow=self.ctx.uow(), company_id=self.ctx.company_id, as_of=day):
                assert row["difference"] == 0, (day, row)

    @invariant()
    def open_amounts_follow_from_allocations_at_every_date(self) -> None:
        cid = self.ctx.company_id
        items = {r.item_id: r for r in raw(self.ctx, "SELECT item_id, party_id, item_date, amount_minor, "
                                           "open_minor, open_company_minor, amount_company_minor, kind FROM items "
                                           "WHERE company_id = :c", c=cid)}
        allocs: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
        for r in raw(self.ctx, "SELECT item_id, alloc_date, amount_minor, amount_company_minor FROM allocations "
                     "WHERE company_id = :c", c=cid):
            allocs[r.item_id].append((_as_date(r.alloc_date), r.amount_minor, r.amount_company_minor))
        for iid, it in items.items():
            taken = sum(a for _, a, _ in allocs[iid])
            assert it.open_minor == it.amount_minor - taken
            assert it.open_company_minor == it.amount_company_minor - sum(c for _, _, c in allocs[iid])
            assert abs(it.open_minor) <= abs(it.amount_minor)
            assert it.open_minor == 0 or (it.open_minor > 0) == (it.amount_minor > 0)
        for day in CHECK_DATES:
            expected = {}
            for iid, it in items.items():
                if _as_date(it.item_date) > day:
                    continue
                open_then = it.amount_minor - sum(a for d, a, _ in allocs[iid] if d <= day)
                assert abs(open_then) <= abs(it.amount_minor)
                if open_then:
                    expected[iid] = open_then
            expected_by_party: dict[int, int] = defaultdict(int)
            for iid, it in items.items():
                if iid in expected:
                    expected_by_party[it.party_id] += it.amount_company_minor - sum(
                        c for d, _, c in allocs[iid] if d <= day)
            with self.ctx.app.engine.connect() as conn:
                got = {r.item_id: r.open_minor for r in queries.open_items(conn, cid, day)}
                aged = {r.party_id: r.total for r in queries.aged(conn, cid, day, (30, 60, 90))}
            assert got == expected, day
            assert aged == {p: v for p, v in expected_by_party.items() if v or p in aged}, day

    @invariant()
    def a_reversed_voucher_nets_to_zero_with_its_reversal(self) -> None:
        nets = raw(self.ctx, "SELECT r.voucher_id, SUM(l.amount_minor) FROM vouchers r JOIN voucher_lines l ON "
                   "l.company_id = r.company_id AND l.voucher_id IN (r.voucher_id, r.reverses_voucher_id) "
                   "WHERE r.company_id = :c AND r.reverses_voucher_id IS NOT NULL AND r.voucher_type = 'reversal' "
                   "GROUP BY r.voucher_id, l.account HAVING SUM(l.amount_minor) <> 0", c=self.ctx.company_id).all()
        assert nets == []


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_ledger_invariants_hold_under_random_operations(ctx: Ctx) -> None:
    run_state_machine_as_test(
        lambda: LedgerMachine(ctx),
        settings=settings(max_examples=int(os.environ.get("LEDGER_EXAMPLES", "12")), stateful_step_count=18,
                          deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
