"""End to end in a real headless browser: the due list opened from the top bar, a payment proposal made from it,
and the proposal found in the list.

Reuses the browser and server of ``test_e2e.py`` (Debian's Chromium driven by Playwright, uvicorn on 127.0.0.1
over the test's database). Select with ``pytest -m e2e``.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from reskontro.domain.parties import PartyKind
from reskontro.services import bank_payments as bank
from reskontro.services import payments_out as pay
from tests.builders import post, supplier
from tests.conftest import Ctx
from tests.web.test_e2e import Server, _shot, _sign_in, chromium, server  # noqa: F401 (fixtures)
from tests.web.test_payments import as_user

pytestmark = pytest.mark.e2e


def test_an_accountant_makes_a_payment_proposal_from_the_due_list(chromium, server: Server,  # type: ignore[no-untyped-def]  # noqa: F811
                                                                  ctx: Ctx) -> None:
    from playwright.sync_api import expect

    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account="15031234562", name="Driftskonto")
    supplier(ctx, "L2001", name="Leverandør Testdata AS", bank_account="12065432100")
    for a in pay.account_approvals(uow=ctx.uow(), company_id=ctx.company_id):
        pay.decide_account(uow=as_user(ctx, "anne"), company_id=ctx.company_id, approval_id=a.approval_id,
                           approve=True)
    post(ctx, "invoice", "L2001", "10000.00", date(2026, 6, 1), kind=PartyKind.SUPPLIER, document_number="S-7788",
         due_date=date(2026, 7, 1), kid="20250001235")
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="nb-NO")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    backend = ctx.backend
    _sign_in(page, server, "accountant")

    # The top bar's "Betalinger": the due list, a week ahead; the supplier with its approved account.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Betalinger").click()
    page.wait_for_url(re.compile(r".*/payments$"))
    expect(page.get_by_role("heading", name="Utbetalinger: forfallsliste")).to_be_visible()
    supplier_block = page.locator('section[data-supplier="L2001"]')
    expect(supplier_block).to_contain_text("Leverandør Testdata AS")
    expect(supplier_block).to_contain_text("1206.54.32100")
    expect(supplier_block).to_contain_text("Første betaling til denne kontoen.")
    expect(page.locator('[data-total="NOK"]')).to_contain_text("10\u00a0000,00")
    expect(page.get_by_label("Betal fra")).to_have_value("15031234562")
    expect(page.get_by_label("Betalingsdato")).to_have_value("2026-07-01")
    _shot(page, "payments-due", backend)

    # Only the ticked invoice; the proposal page follows.
    supplier_block.get_by_label("Betal S-7788").check()
    page.get_by_role("button", name="Lag forslaget").click()
    page.wait_for_url(re.compile(r".*/payments/proposals/\d+\?done=created$"))
    expect(page.get_by_role("heading", name=re.compile(r"Betalingsforslag \d+"))).to_be_visible()
    expect(page.locator("#payments-notice")).to_contain_text("Forslaget er laget med 1 betaling.")
    expect(page.locator("table.proposal-lines tbody tr")).to_have_count(1)
    expect(page.locator("table.proposal-lines")).to_contain_text("S-7788")
    expect(page.locator("#proposal-status")).to_have_text("Utkast")
    _shot(page, "payments-proposal", backend)
    proposal_id = page.url.split("?")[0].rsplit("/", 1)[1]

    # The list of proposals shows it; the due list no longer offers the invoice.
    page.get_by_role("link", name="Betalingsforslag", exact=True).click()
    page.wait_for_url(re.compile(r".*/payments/proposals$"))
    row = page.locator(f'table.proposals tr[data-proposal="{proposal_id}"]')
    expect(row).to_contain_text("Utkast")
    expect(row).to_contain_text("10\u00a0000,00")
    _shot(page, "payments-proposals", backend)
    page.get_by_role("link", name="Forfallsliste").click()
    expect(page.locator('section[data-supplier="L2001"]')).to_have_count(0)
    context.close()
    assert problems == [], problems
