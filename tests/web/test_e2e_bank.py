"""End to end in a real headless browser: a bank file uploaded, previewed, imported, and its stranger parked.

Reuses the browser and server of ``test_e2e.py`` (Debian's Chromium driven by Playwright, uvicorn on 127.0.0.1
over the test's database). Select with ``pytest -m e2e``.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from reskontro.services import bank_payments as bank
from tests.builders import post
from tests.builders_bank import ocr_file
from tests.conftest import Ctx
from tests.web.test_e2e import Server, _shot, _sign_in, chromium, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e


def test_an_accountant_imports_a_bank_file_and_parks_the_stranger(chromium, server: Server,  # type: ignore[no-untyped-def]  # noqa: F811
                                                                    ctx: Ctx) -> None:
    from playwright.sync_api import expect

    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account="15031234562", name="Driftskonto")
    post(ctx, "invoice", "10002", "2500.00", date(2026, 6, 1), document_number="F3001", kid="0003001005")
    data = ocr_file([{"amount": "2500.00", "kid": "0003001005", "date": date(2026, 6, 20)},
                     {"amount": "777.00", "date": date(2026, 6, 21)}])
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="nb-NO")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    backend = ctx.backend
    _sign_in(page, server, "accountant")

    # g b: the bank page; the file is uploaded under any name and previewed.
    page.keyboard.press("g")
    page.keyboard.press("b")
    page.wait_for_url(re.compile(r".*/bank$"))
    expect(page.get_by_role("heading", name="Bank", exact=True)).to_be_visible()
    expect(page.locator("table.bank-accounts")).to_contain_text("1503.12.34562")
    _shot(page, "bank", backend)
    page.get_by_label("Bankfil (OCR Giro eller camt-XML)").set_input_files(
        files=[{"name": "OCR.D200626.dat", "mimeType": "application/octet-stream", "buffer": data}])
    page.get_by_role("button", name="Last opp og forhåndsvis").click()
    expect(page.get_by_role("heading", name=re.compile("Forhåndsvisning av bankfil"))).to_be_visible()
    expect(page.locator('[data-would="posted"]')).to_have_text("1")
    expect(page.locator('[data-would="review"]')).to_have_text("1")
    expect(page.locator("table.bank-preview tbody tr")).to_have_count(2)
    expect(page.locator('table.bank-preview tr[data-outcome="posted"]')).to_contain_text("Nordlys Handel AS")
    _shot(page, "bank-preview", backend)

    # Confirm: imported; the stranger waits in the review queue.
    page.get_by_role("button", name="Importer filen").click()
    expect(page.get_by_text("Filen er importert.")).to_be_visible()
    _shot(page, "bank-imported", backend)
    page.get_by_role("link", name="Gå til behandlingskøen").click()
    page.wait_for_url(re.compile(r".*/bank/queue$"))
    expect(page.get_by_role("heading", name="Bankbetalinger til behandling")).to_be_visible()
    rows = page.locator("table.bank-queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("777,00")
    _shot(page, "bank-queue", backend)

    # The payment: no suggestion fits; it is parked on the suspense account after the confirm dialog.
    rows.first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/bank/payments/\d+$"))
    expect(page.get_by_role("heading", name=re.compile("Bankbetaling"))).to_be_visible()
    _shot(page, "bank-payment", backend)
    page.get_by_role("button", name="Parker på interimskontoen").click()
    dialog = page.locator("dialog.confirm")
    expect(dialog).to_contain_text("Parkere 777,00 NOK på interimskontoen?")
    dialog.get_by_role("button", name="Parker", exact=True).click()
    page.wait_for_url(re.compile(r".*/bank/queue\?.*done=suspense.*"))
    expect(page.locator("#bank-notice")).to_contain_text("er parkert på interimskontoen som bilag")
    expect(page.locator("table.bank-queue tbody tr.empty-row")).to_have_count(1)
    page.get_by_role("link", name=re.compile("På interimskonto")).click()
    expect(page.locator("table.bank-queue tbody tr")).to_contain_text("777,00")
    _shot(page, "bank-suspense", backend)
    context.close()
    assert problems == [], problems
