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
from tests.web.conftest import PASSWORD, new_user

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
            browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
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
    uv = uvicorn.Server(uvicorn.Config(create_site(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
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
    context.close()
