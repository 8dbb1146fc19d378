"""End to end in a real headless browser: Debian's Chromium driven by Playwright, against uvicorn on 127.0.0.1.

The server runs the real site (web UI + API) on a free port over the test's database (SQLite and
PostgreSQL); the browser signs in, switches language, searches a customer as it types, opens the card
and its ledger, checks an org number as it is typed, saves a new customer, and finds that a read-only
user is offered no change. Screenshots of the main pages go to ``test-output/screenshots/`` (not
committed) for a person to look at.

Playwright's own browser download is not used: the browser is ``RESKONTRO_CHROMIUM`` or
``/usr/bin/chromium`` (``make browser`` / ``.ci/run`` install Debian's package). Without a browser that
starts, these tests are skipped — except in CI (``CI=true``), where they fail. Select them with
``pytest -m e2e``; leave them out with ``-m "not e2e"``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import uvicorn

from reskontro.bootstrap import build
from reskontro.domain.parties import PartyKind
from reskontro.site import create_site
from tests.builders import customer, post, supplier
from tests.conftest import Ctx
from tests.web.conftest import PASSWORD, new_user, private_uploads

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the end-to-end browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
        return
    executable = os.environ.get("RESKONTRO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        _unavailable(f"no Chromium at {executable} (make browser, or apt-get install chromium)")
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--lang=nb-NO"])
        except Error as exc:
            _unavailable(f"Chromium at {executable} does not start: {exc}")
            return
        yield browser
        browser.close()


@dataclass
class Server:
    base: str
    company_id: int
    users: dict[str, str]


@pytest.fixture
def server(ctx: Ctx) -> Iterator[Server]:
    """uvicorn on a free port of 127.0.0.1, serving the site over the test's company, on the test's clock."""
    customer(ctx, "10001", name="Fjordlys Bakeri AS", org_number="923456783", city="Bergen")
    customer(ctx, "10002", name="Nordlys Handel AS", city="Tromsø")
    for n in range(3, 40):
        customer(ctx, f"100{n:02d}", name=f"Kunde {n:02d} AS")
    supplier(ctx, "50001", name="Havbruk Leverandør AS")
    post(ctx, "invoice", "10001", "12500.00", date(2026, 4, 1), document_number="F1001")
    post(ctx, "invoice", "10001", "1234.50", date(2026, 6, 1), document_number="F1002")
    post(ctx, "payment", "10001", "5000.00", date(2026, 4, 20), applies_to="F1001")
    post(ctx, "invoice", "50001", "8000.00", date(2026, 5, 2), kind=PartyKind.SUPPLIER)
    users = {role: new_user(ctx, ctx.company_id, role, prefix=f"e2e{role[:4]}") for role in ("accountant", "read_only")}
    app = build(ctx.app.settings, today=lambda: ctx.today_value)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    site = create_site(app)
    uv = uvicorn.Server(uvicorn.Config(site, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        with private_uploads(site):
            yield Server(f"http://127.0.0.1:{port}", ctx.company_id, users)
    finally:
        uv.should_exit = True
        thread.join(10)
        app.close()


def _shot(page, name: str, backend: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{backend}-{name}.png"), full_page=True)


def _sign_in(page, server: Server, role: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.base + "/")
    assert page.url.endswith("/login")
    page.get_by_label("Brukernavn").fill(server.users[role])
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(re.compile(rf".*/c/{server.company_id}/$"))


def test_an_accountant_finds_a_customer_and_reads_the_ledger(chromium, server: Server, ctx: Ctx) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="nb-NO")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    backend = ctx.backend

    _sign_in(page, server, "accountant")
    expect(page.get_by_role("heading", name="Oversikt")).to_be_visible()
    expect(page.locator(".kpi").first).to_contain_text("8\u00a0734,50")  # 12 500 − 5 000 + 1 234,50
    _shot(page, "dashboard-nb", backend)

    # The language switch, and back.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator(".kpi").first).to_contain_text("8,734.50")
    _shot(page, "dashboard-en", backend)
    page.get_by_role("button", name="Norsk").click()
    expect(page.get_by_role("heading", name="Oversikt")).to_be_visible()

    # g c: the customers; / focuses the search, which filters as one types (htmx).
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url(re.compile(r".*/customers$"))
    expect(page.locator("#party-list tbody tr")).to_have_count(39)
    _shot(page, "customers", backend)
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("fjordlys")
    expect(page.locator("#party-list tbody tr")).to_have_count(1)
    expect(page.locator("#party-list")).to_contain_text("Fjordlys Bakeri AS")
    assert "q=fjordlys" in page.url  # the search is in the address, for the back button and bookmarks

    # The card, its ledger with the running balance, and its open items.
    page.get_by_role("link", name="10001").click()
    expect(page.get_by_role("heading", name=re.compile("Fjordlys Bakeri AS"))).to_be_visible()
    expect(page.locator(".card-head")).to_contain_text("923 456 783")
    _shot(page, "card", backend)
    tabs = page.get_by_role("navigation", name="Kort")
    tabs.get_by_role("link", name="Reskontro").click()
    balances = page.locator("td.num.strong")
    expect(balances).to_have_text(["12\u00a0500,00", "7\u00a0500,00", "8\u00a0734,50"])
    _shot(page, "ledger", backend)
    tabs.get_by_role("link", name="Åpne poster").click()
    expect(page.locator(".tab-body tbody tr")).to_have_count(2)
    _shot(page, "open-items", backend)

    # A new customer: the org number is checked as it is typed; the card opens when saved.
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url(re.compile(r".*/customers$"))
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r".*/customers/new$"))
    page.get_by_label("Org.nr.").fill("923456784")
    expect(page.locator("#f-org_number-msg")).to_contain_text("Ikke et gyldig organisasjonsnummer")
    page.get_by_label("Org.nr.").fill("923456783")
    expect(page.locator("#f-org_number-msg")).to_contain_text("også på")
    page.get_by_role("textbox", name="Nummer", exact=True).fill("10099")
    page.get_by_role("textbox", name="Navn", exact=True).fill("Ny Kunde AS")
    page.get_by_label("E-post for faktura").fill("ikke en adresse")
    page.get_by_role("button", name="Lagre").click()
    expect(page.locator("#f-email-msg")).to_have_text("Ikke en e-postadresse.")
    expect(page.locator("#form-errors")).to_be_focused()
    _shot(page, "new-customer-errors", backend)
    page.get_by_label("E-post for faktura").fill("faktura@nykunde.no")
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_url(re.compile(r".*/customer/10099$"))
    expect(page.get_by_role("heading", name=re.compile("Ny Kunde AS"))).to_be_visible()

    # The help overlay lists the shortcuts.
    page.keyboard.press("?")
    expect(page.locator("dialog#help")).to_be_visible()
    _shot(page, "help", backend)
    page.keyboard.press("Escape")
    expect(page.locator("dialog#help")).to_be_hidden()

    page.get_by_text(server.users["accountant"]).click()
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(re.compile(r".*/login$"))
    context.close()
    # No script errors and nothing the Content-Security-Policy blocked (the form refused on purpose is a 422).
    expected = "Failed to load resource: the server responded with a status of 422"
    assert [p for p in problems if not p.startswith(expected)] == [], problems


def test_an_accountant_posts_an_invoice_and_a_part_payment_and_matches_them(chromium, server: Server,  # type: ignore[no-untyped-def]
                                                                            ctx: Ctx) -> None:
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="nb-NO")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    backend = ctx.backend
    base = f"{server.base}/c/{server.company_id}"
    _sign_in(page, server, "accountant")

    # g p: the postings page; the party picker finds the customer as one types, ↓ and Enter open the form.
    page.keyboard.press("g")
    page.keyboard.press("p")
    page.wait_for_url(re.compile(r".*/postings$"))
    expect(page.locator("#picker-q")).to_be_focused()
    page.keyboard.type("nordlys")
    expect(page.locator("[data-picker-item]")).to_have_count(1)
    expect(page.locator("#party-picker")).to_contain_text("Nordlys Handel AS")
    _shot(page, "posting-picker", backend)
    page.keyboard.press("ArrowDown")
    expect(page.locator("[data-picker-item]").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/postings\?type=invoice&kind=customer&party=10002$"))
    expect(page.get_by_role("heading", name="Ny kundefaktura")).to_be_visible()

    # The invoice: the due date follows the date by the card's 14 days, the KID is checked as it is typed,
    # and the amount is typed the Norwegian way.
    page.get_by_label("Dokumentnummer").fill("F2001")
    page.locator("#f-date").fill("2026-06-10")
    expect(page.get_by_label("Forfallsdato")).to_have_value("2026-06-24")
    page.get_by_label("Beløp").fill("10 000,00")
    page.get_by_label("KID").fill("0001000109")
    expect(page.locator("#f-kid-msg")).to_contain_text("Ikke en gyldig KID")
    page.get_by_label("KID").fill("0001000108")
    expect(page.locator("#f-kid-msg")).to_contain_text("Gyldig KID (MOD10)")
    expect(page.locator("#f-account")).to_have_value("3000")
    # Split: 2 000 of it at 15 % VAT on a second line; the first line takes the rest, shown as it is typed.
    page.get_by_role("button", name="Legg til linje").click()
    expect(page.locator("#f-amount_2")).to_be_visible()
    expect(page.locator("#f-amount")).to_have_value("10 000,00")
    page.locator("#f-vat_code_2").select_option("31")
    page.locator("#f-amount_2").fill("2 000,00")
    expect(page.locator("[data-split-rest]")).to_have_text("8\u00a0000,00")
    _shot(page, "posting-invoice", backend)
    page.get_by_role("button", name="Bokfør").click()
    page.wait_for_url(re.compile(r".*/vouchers/SF2026-3\?posted=1$"))
    expect(page.locator(".alert.ok")).to_contain_text("Bokført som SF2026-3.")
    expect(page.locator("#v-lines + table tbody tr")).to_have_count(5)  # receivable, 2 × (sales, output VAT)
    _shot(page, "voucher", backend)

    # A part payment from the voucher page (b); 4 000 matches nothing by itself, so it stays open.
    page.keyboard.press("b")
    page.wait_for_url(re.compile(r".*/postings\?type=payment&kind=customer&party=10002$"))
    expect(page.get_by_role("heading", name="Registrer innbetaling")).to_be_visible()
    page.get_by_label("Dokumentnummer").fill("B-77")
    page.locator("#f-date").fill("2026-06-20")
    page.get_by_label("Beløp").fill("4000")
    page.get_by_role("button", name="Bokfør").click()
    page.wait_for_url(re.compile(r".*/vouchers/IB2026-2\?posted=1$"))

    # The matching tab: tick both, the sums follow, m matches; the invoice has 6 000 left.
    page.goto(f"{base}/customer/10002/matching")
    expect(page.get_by_text("Ingen forslag")).to_be_visible()  # 4 000 against 10 000: nothing to suggest
    page.get_by_role("checkbox", name="Velg F2001").check()
    expect(page.locator('[data-sum="rest"]')).to_have_text("10\u00a0000,00")
    expect(page.locator("[data-match-button]")).to_be_disabled()
    page.locator("tr", has_text="B-77").locator("td").nth(4).click()  # a click on the row ticks it too
    expect(page.get_by_role("checkbox", name="Velg B-77")).to_be_checked()
    expect(page.locator('[data-sum="debit"]')).to_have_text("10\u00a0000,00")
    expect(page.locator('[data-sum="credit"]')).to_have_text("\u22124\u00a0000,00")
    expect(page.locator('[data-sum="matched"]')).to_have_text("4\u00a0000,00")
    expect(page.locator('[data-sum="rest"]')).to_have_text("6\u00a0000,00")
    _shot(page, "matching-ticked", backend)
    page.keyboard.press("m")
    page.wait_for_url(re.compile(r".*/customer/10002/matching\?matched=1$"))
    expect(page.locator(".alert.ok")).to_contain_text("1 utligning gjort.")
    expect(page.locator("tr", has_text="F2001").locator("[data-open-cell]")).to_contain_text("6\u00a0000,00")
    expect(page.locator("#m-matches ~ table tbody tr")).to_have_count(1)
    _shot(page, "matching-done", backend)
    page.get_by_role("navigation", name="Kort").get_by_role("link", name="Åpne poster").click()
    expect(page.locator(".tab-body tbody tr")).to_have_count(1)
    expect(page.locator(".tab-body tfoot")).to_contain_text("6\u00a0000,00")

    # The payment is reversed after a confirm dialog: its match is undone, the invoice is open in full again.
    page.goto(f"{base}/vouchers/IB2026-2")
    page.get_by_role("button", name="Tilbakefør …").click()
    dialog = page.locator("dialog.confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Tilbakeføre IB2026-2?")
    _shot(page, "reverse-confirm", backend)
    dialog.get_by_role("button", name="Tilbakefør").click()
    page.wait_for_url(re.compile(r".*/vouchers/M2026-1\?reversed=1$"))
    expect(page.locator(".alert.ok")).to_contain_text("Tilbakeføring bokført som M2026-1.")
    _shot(page, "reversal", backend)
    page.goto(f"{base}/customer/10002/open-items")
    expect(page.locator("tr", has_text="F2001").locator("[data-open-cell]")).to_contain_text("10\u00a0000,00")
    page.goto(f"{base}/vouchers?from=2026-01-01")
    expect(page.locator("main tbody tr")).to_have_count(7)  # 4 from the fixture, the invoice, payment, reversal
    _shot(page, "vouchers", backend)

    # The help overlay lists the new shortcuts.
    page.keyboard.press("?")
    expect(page.locator("dialog#help")).to_contain_text("Utlign de valgte postene")
    page.keyboard.press("Escape")
    context.close()
    expected = "Failed to load resource: the server responded with a status of 422"
    assert [p for p in problems if not p.startswith(expected)] == [], problems


def test_a_read_only_user_is_offered_no_change(chromium, server: Server, ctx: Ctx) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    _sign_in(page, server, "read_only")
    expect(page.locator(".company-menu")).to_contain_text("Kun lesing")
    page.goto(f"{server.base}/c/{server.company_id}/customers")
    expect(page.get_by_role("link", name="Ny kunde")).to_have_count(0)
    page.goto(f"{server.base}/c/{server.company_id}/customer/10001")
    expect(page.get_by_role("link", name="Rediger")).to_have_count(0)
    expect(page.get_by_role("button", name="Sett sperre")).to_have_count(0)
    _shot(page, "card-read-only", ctx.backend)
    response = page.goto(f"{server.base}/c/{server.company_id}/customer/10001/edit")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Ikke tillatt")).to_be_visible()
    # No posting, no matching: no link, no button, no checkbox; a forged POST with a valid token is refused.
    page.goto(f"{server.base}/c/{server.company_id}/customer/10001/open-items")
    expect(page.get_by_role("link", name=re.compile("Ny faktura"))).to_have_count(0)
    expect(page.get_by_role("link", name="Postering")).to_have_count(0)
    expect(page.locator('input[type="checkbox"]')).to_have_count(0)
    expect(page.get_by_role("button", name="Utlign valgte")).to_have_count(0)
    page.goto(f"{server.base}/c/{server.company_id}/customer/10001/matching")
    expect(page.get_by_role("button", name=re.compile("Utlign|Opphev"))).to_have_count(0)
    _shot(page, "matching-read-only", ctx.backend)
    page.goto(f"{server.base}/c/{server.company_id}/vouchers/SF2026-1")
    expect(page.get_by_role("button", name=re.compile("Tilbakefør"))).to_have_count(0)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    forged = page.request.post(f"{server.base}/c/{server.company_id}/postings", form={
        "csrf_token": token or "", "type": "invoice", "kind": "customer", "party": "10001", "date": "2026-06-01",
        "amount": "100"}, max_redirects=0)
    assert forged.status == 403 and "kan se alt her, men ikke endre noe" in forged.text()
    reverse = page.request.post(f"{server.base}/c/{server.company_id}/vouchers/SF2026-1/reverse",
                                form={"csrf_token": token or ""}, max_redirects=0)
    assert reverse.status == 403
    response = page.goto(f"{server.base}/c/{server.company_id}/postings")
    assert response is not None and response.status == 403
    # Reports yes, import no.
    page.goto(f"{server.base}/c/{server.company_id}/reports/aged")
    expect(page.get_by_role("link", name="Excel", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Import", exact=True)).to_have_count(0)
    expect(page.get_by_label("Del med alle i selskapet")).to_have_count(0)
    response = page.goto(f"{server.base}/c/{server.company_id}/import")
    assert response is not None and response.status == 403
    context.close()


def test_an_accountant_runs_the_aged_report_exports_it_to_excel_and_previews_an_import(  # type: ignore[no-untyped-def]
        chromium, server: Server, ctx: Ctx, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="nb-NO", accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    backend = ctx.backend
    _sign_in(page, server, "accountant")

    # g r: the reports; the aged report with its defaults (customers and suppliers, today).
    page.keyboard.press("g")
    page.keyboard.press("r")
    page.wait_for_url(re.compile(r".*/reports$"))
    expect(page.get_by_role("heading", name="Rapporter")).to_be_visible()
    _shot(page, "reports", backend)
    page.get_by_role("link", name=re.compile("^Aldersfordelt saldoliste")).click()
    page.wait_for_url(re.compile(r".*/reports/aged$"))
    expect(page.get_by_role("heading", name="Aldersfordelt saldoliste per 30.06.2026")).to_be_visible()
    row = page.locator(".report-table tbody tr", has_text="Fjordlys Bakeri AS")
    expect(row).to_contain_text("8\u00a0734,50")
    expect(row.get_by_role("link", name="10001")).to_have_attribute("href", f"/c/{server.company_id}/customer/10001")
    # Only customers: the filter goes into the address.
    page.get_by_label("Reskontro").select_option("customer")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r".*/reports/aged\?kind=customer$"))
    expect(page.locator(".report-table tbody tr")).to_have_count(1)  # the supplier is gone
    _shot(page, "report-aged-nb", backend)

    # In English, the Excel button downloads every row with English headers.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Aged open items as of 2026-06-30")).to_be_visible()
    _shot(page, "report-aged-en", backend)
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel", exact=True).click()
    download = info.value
    assert download.suggested_filename == "aged-2026-06-30.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Number", "Name", "Ledger", "Not due", "1–30", "31–60", "61–90", "> 90", "Total")
    fjordlys = next(r for r in rows if r[0] == "10001")
    assert fjordlys[1] == "Fjordlys Bakeri AS" and fjordlys[2] == "customer"
    assert round(fjordlys[-1], 2) == 8734.5
    # Back in Norwegian, "e" exports too, with Norwegian headers.
    page.get_by_role("button", name="Norsk").click()
    expect(page.get_by_role("heading", name="Aldersfordelt saldoliste per 30.06.2026")).to_be_visible()
    with page.expect_download() as info:
        page.keyboard.press("e")
    info.value.save_as(tmp_path / "nb.xlsx")
    assert next(load_workbook(tmp_path / "nb.xlsx").worksheets[0].iter_rows(values_only=True))[:3] == (
        "Nummer", "Navn", "Reskontro")

    # The other report pages, for a person to look at.
    base = f"{server.base}/c/{server.company_id}"
    page.goto(f"{base}/reports/ledger-spec?date_from=2026-01-01&date_to=2026-06-30")
    expect(page.locator(".recon")).to_contain_text("Stemmer med hovedboken")
    _shot(page, "report-ledger-spec", backend)
    page.goto(f"{base}/reports/open-items?kind=customer")
    expect(page.locator(".report-table tbody tr")).to_have_count(2)
    _shot(page, "report-open-items", backend)
    page.get_by_label("Part", exact=True).fill("fjord")  # the party picker offers the matching customers as one types
    expect(page.locator("#party-options option")).to_have_count(1)
    expect(page.locator("#party-options option").first).to_have_attribute("value", "10001")
    page.goto(f"{base}/reports/aged?buckets=30,x")
    expect(page.locator("#f-buckets-msg")).to_contain_text("Oppgi økende hele antall dager")
    _shot(page, "report-bad-filter", backend)

    # g i: import a file of customers; the preview shows what would happen and writes nothing until confirmed.
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url(re.compile(r".*/import$"))
    _shot(page, "import", backend)
    bad = ("number,kind,name,org_number,email,language,currency,payment_terms_days,credit_limit,address,"
           "postal_code,city,country\n"
           "20001,customer,Ny Kunde AS,923456784,,nb,NOK,14,,,,,NO\n"
           "20002,kunde,Feil AS,,,nb,NOK,14,,,,,NO\n")
    page.get_by_label("Fil (CSV eller XLSX)").set_input_files(
        files=[{"name": "kunder.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
    page.get_by_role("button", name="Last opp og forhåndsvis").click()
    expect(page.get_by_role("heading", name=re.compile("problemer: ingenting kan importeres"))).to_be_visible()
    expect(page.locator("table.problems tbody tr")).to_have_count(2)
    _shot(page, "import-preview-errors", backend)
    page.goto(f"{base}/import")
    good = bad.replace("923456784", "923456783").replace("kunde,Feil", "customer,Riktig")
    page.get_by_label("Fil (CSV eller XLSX)").set_input_files(
        files=[{"name": "kunder.csv", "mimeType": "text/csv", "buffer": good.encode()}])
    page.get_by_role("button", name="Last opp og forhåndsvis").click()
    expect(page.locator('[data-would="created"]')).to_have_text("2")
    _shot(page, "import-preview", backend)
    page.get_by_role("button", name="Importer filen").click()
    expect(page.get_by_text("Filen er importert.")).to_be_visible()
    _shot(page, "import-done", backend)
    page.goto(f"{base}/customer/20002")
    expect(page.get_by_role("heading", name=re.compile("Riktig AS"))).to_be_visible()
    context.close()
    expected = "Failed to load resource: the server responded with a status of 422"
    assert [p for p in problems if not p.startswith(expected)] == [], problems
