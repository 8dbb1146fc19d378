"""Postings in the browser: the form of each type posts exactly one voucher, or shows every problem beside its
field and posts nothing; Norwegian amounts; the party picker and the KID check as you type; the voucher page;
reversal; the voucher journal."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from reskontro.domain.periods import Period
from reskontro.services import listings
from reskontro.services.companies import close_period
from tests.builders import count, customer, item_open, lines_of, post, supplier
from tests.conftest import Ctx
from tests.web.conftest import Browser, Web

TODAY = date(2026, 6, 30)  # the test clock (Ctx.today_value)


_INPUT = re.compile(r'<input (?:id="[^"]*" )?(?:type="hidden" )?name="([^"]+)"(?: type="[^"]*")? value="([^"]*)"')
_SELECT = re.compile(r'<select id="[^"]*" name="([^"]+)".*?</select>', re.S)
_SELECTED = re.compile(r'<option value="([^"]*)" selected>')


def form_of(b: Browser, web: Web, **query: str) -> tuple[str, dict[str, str]]:
    """The posting form's page and what a browser would send as it stands: the hidden fields (the CSRF token
    and the form's key among them), the filled-in inputs and the chosen options."""
    page = b.get(web.url("/postings"), params=query)
    assert page.status_code == 200, page.text[:500]
    form = page.text[page.text.index('<form method="post" action="' + web.url("/postings")):]
    fields = {name: value.replace("&amp;", "&") for name, value in _INPUT.findall(form)}
    for select in _SELECT.finditer(form):
        chosen = _SELECTED.search(select.group(0))
        fields[select.group(1)] = chosen.group(1) if chosen else ""
    return page.text, fields


def submit(b: Browser, web: Web, item_type: str, party: str, kind: str = "customer", **fields: Any) -> httpx.Response:
    _, hidden = form_of(b, web, type=item_type, kind=kind, party=party)
    return b.post(web.url("/postings"), {**hidden, **fields})


def error_beside(html: str, name: str) -> str:
    found = re.search(rf'<small class="error" id="f-{name}-msg"[^>]*>([^<]*)</small>', html)
    assert found is not None, f"no message slot for {name}"
    return found.group(1)


def test_an_invoice_posts_one_voucher_and_the_voucher_page_shows_it(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001", name="Fjordlys Bakeri AS", payment_terms_days=14)
    b = web.sign_in("accountant")
    html, hidden = form_of(b, web, type="invoice", kind="customer", party="10001")
    assert "Ny kundefaktura" in html and "Fjordlys Bakeri AS" in html
    assert 'value="2026-07-14"' in html  # the due date from the card's 14 days, shown before posting
    assert 'data-terms="14"' in html and "14 dagers betalingsfrist fra kortet" in html
    assert "Standard for kortet: 3000" in html and 'value="3000" selected' in html and 'value="3" selected' in html
    before = count(ctx, "vouchers")
    response = b.post(web.url("/postings"), {**hidden, "document_number": "F-100", "date": "2026-06-15",
                                             "due_date": "", "amount": "12 500,00", "kid": "0001000108",
                                             "description": "Brød til kantina"})
    assert response.status_code == 303
    assert response.headers["location"] == web.url("/vouchers/SF2026-1?posted=1")
    assert count(ctx, "vouchers") == before + 1
    page = b.get(response.headers["location"]).text
    assert "Bokført som SF2026-1." in page
    assert "12\u00a0500,00" in page and "10\u00a0000,00" in page and "2\u00a0500,00" in page
    assert "F-100" in page and "0001000108" in page and "29.06.2026" in page  # due = date + 14 days
    assert f'href="{web.url("/customer/10001")}"' in page
    item = listings.list_items(uow=ctx.uow(), company_id=ctx.company_id, party_number="10001").items[0]
    assert item["amount"] == Decimal("12500.00") and item["kid"] == "0001000108"


@pytest.mark.parametrize("typed", ["1 234,50", "1234,50", "1.234,50", "1234.50", "1 234.50", "\u22121"])
def test_norwegian_and_plain_amounts_are_read_exactly(web: Web, ctx: Ctx, typed: str) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    response = submit(b, web, "invoice", "10001", date="2026-06-15", amount=typed)
    if typed.startswith("\u2212"):
        assert response.status_code == 422
        assert "Oppgi et beløp over null" in error_beside(response.text, "amount")
        assert count(ctx, "vouchers") == 0
        return
    assert response.status_code == 303, response.text[:800]
    item = listings.list_items(uow=ctx.uow(), company_id=ctx.company_id).items[0]
    assert item["amount"] == Decimal("1234.50") and isinstance(item["amount"], Decimal)


def test_english_amounts_group_with_commas(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    b.post("/lang", {"lang": "en", "next": "/"})
    response = submit(b, web, "invoice", "10001", date="2026-06-15", amount="1,234.50")
    assert response.status_code == 303
    assert listings.list_items(uow=ctx.uow(), company_id=ctx.company_id).items[0]["amount"] == Decimal("1234.50")


def test_bad_input_shows_every_problem_beside_its_field_and_posts_nothing(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    audit = count(ctx, "audit_events")
    response = submit(b, web, "invoice", "10001", date="31.02.2026", due_date="2026-01-01", amount="12,345",
                      currency="NOKK", kid="12345", account="9999")
    assert response.status_code == 422
    html = response.text
    assert "Ingenting ble bokført." in html and 'id="form-errors"' in html
    assert error_beside(html, "date") == "Oppgi en dato, f.eks. 31.12.2026."
    assert error_beside(html, "currency") == "Bruk en valutakode på tre bokstaver, som NOK eller EUR."
    assert error_beside(html, "kid").startswith("Ikke en gyldig KID")
    assert error_beside(html, "account") == "Kontoen finnes ikke."
    assert 'id="f-kid" name="kid" type="text" value="12345"' in html and 'aria-invalid="true"' in html
    assert count(ctx, "vouchers") == 0 and count(ctx, "items") == 0 and count(ctx, "audit_events") == audit
    # Too many decimals for NOK, and a due date before the invoice date.
    again = submit(b, web, "invoice", "10001", date="2026-06-15", due_date="2026-06-01", amount="12,345")
    assert "Oppgi et beløp over null" in error_beside(again.text, "amount")
    assert error_beside(again.text, "due_date") == "Oppgi en forfallsdato på eller etter bilagsdatoen."
    assert count(ctx, "vouchers") == 0


def test_the_services_refusals_come_back_beside_their_fields(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    post(ctx, "invoice", "10001", "100.00", date(2026, 5, 2), document_number="F-1")
    close_period(uow=ctx.uow(), company_id=ctx.company_id, period=Period(2026, 4))
    b = web.sign_in("accountant")
    vouchers = count(ctx, "vouchers")
    duplicate = submit(b, web, "invoice", "10001", document_number="F-1", date="2026-06-01", amount="50")
    assert duplicate.status_code == 422
    assert error_beside(duplicate.text, "document_number") == (
        "Dette dokumentnummeret er allerede bokført på denne parten.")
    closed = submit(b, web, "invoice", "10001", date="2026-04-10", amount="50")
    assert error_beside(closed.text, "date") == "Perioden er lukket: velg en dato i en åpen periode."
    unknown = submit(b, web, "payment", "10001", date="2026-06-01", amount="50", applies_to="F-404")
    assert error_beside(unknown.text, "applies_to") == "Denne parten har ikke noe dokument med dette nummeret."
    foreign = submit(b, web, "invoice", "10001", date="2026-06-01", amount="50", currency="EUR")
    assert error_beside(foreign.text, "rate").startswith("Oppgi valutakursen")
    assert 'data-fx-only hidden' not in foreign.text  # the rate field shows when it has a problem
    assert count(ctx, "vouchers") == vouchers


def test_a_part_payment_is_matched_to_the_invoice_it_names_and_the_voucher_shows_the_match(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    invoice = post(ctx, "invoice", "10001", "10000.00", date(2026, 6, 1), document_number="F-7")
    b = web.sign_in("accountant")
    html, _ = form_of(b, web, type="payment", kind="customer", party="10001")
    assert "Registrer innbetaling" in html
    assert '<option value="F-7">' in html  # the open invoices are offered for "settles document"
    assert 'name="due_date"' not in html and 'name="vat_code"' not in html
    response = submit(b, web, "payment", "10001", date="2026-06-20", amount="4 000", applies_to="F-7")
    assert response.status_code == 303 and "/vouchers/IB2026-1" in response.headers["location"]
    page = b.get(response.headers["location"]).text
    assert "Utligninger" in page and "F-7" in page and "4\u00a0000,00" in page and "angitt dokument" in page
    assert item_open(ctx, invoice.item_id) == Decimal("6000.00")
    assert [(a, v) for a, v, _ in lines_of(ctx, _voucher_id(ctx, "IB", 1))] == [("1500", Decimal("-4000.00")),
                                                                               ("1920", Decimal("4000.00"))]


def _voucher_id(ctx: Ctx, series: str, number: int) -> int:
    detail = listings.list_vouchers(uow=ctx.uow(), company_id=ctx.company_id, series=series)
    ref = f"{series}2026-{number}"
    assert any(v["voucher"] == ref for v in detail.items)
    from tests.builders import raw
    return int(raw(ctx, "SELECT voucher_id FROM vouchers WHERE company_id = :c AND series = :s AND number = :n",
                   c=ctx.company_id, s=series, n=number).scalar_one())


def test_credit_notes_and_write_offs_post_against_their_accounts(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    inv = post(ctx, "invoice", "10001", "1250.00", date(2026, 6, 1), document_number="F-9")
    b = web.sign_in("accountant")
    credit = submit(b, web, "credit_note", "10001", date="2026-06-10", amount="250", applies_to="F-9")
    assert credit.status_code == 303 and "/vouchers/SF2026-2" in credit.headers["location"]
    html, _ = form_of(b, web, type="write_off", kind="customer", party="10001")
    assert "Standard for kortet: 7830" in html
    write_off = submit(b, web, "write_off", "10001", date="2026-06-20", amount="1000", applies_to="F-9")
    assert write_off.status_code == 303 and "/vouchers/M2026-1" in write_off.headers["location"]
    assert item_open(ctx, inv.item_id) == Decimal("0.00")


def test_a_changed_account_and_vat_code_are_posted_with_the_cards_department(web: Web, ctx: Ctx) -> None:
    from tests.builders import rules

    customer(ctx, "10001", rules=rules(department="OSL"))
    b = web.sign_in("accountant")
    html, _ = form_of(b, web, type="invoice", kind="customer", party="10001")
    assert "Avdeling OSL" in html
    response = submit(b, web, "invoice", "10001", date="2026-06-15", amount="1000", account="3100", vat_code="")
    assert response.status_code == 303
    assert [(a, v) for a, v, _ in lines_of(ctx, _voucher_id(ctx, "SF", 1))] == [("1500", Decimal("1000.00")),
                                                                               ("3100", Decimal("-1000.00"))]
    page = b.get(response.headers["location"]).text
    assert "OSL" in page


def test_a_supplier_invoice_goes_to_purchases_with_input_vat(web: Web, ctx: Ctx) -> None:
    supplier(ctx, "50001", payment_terms_days=30)
    b = web.sign_in("accountant")
    html, _ = form_of(b, web, type="invoice", kind="supplier", party="50001")
    assert "Ny leverandørfaktura" in html and 'value="2026-07-30"' in html and "Leverandørens fakturanummer" in html
    response = submit(b, web, "invoice", "50001", kind="supplier", document_number="INV-77", date="2026-06-20",
                      amount="1250")
    assert response.status_code == 303 and "/vouchers/LF2026-1" in response.headers["location"]
    assert [(a, v) for a, v, _ in lines_of(ctx, _voucher_id(ctx, "LF", 1))] == [
        ("2400", Decimal("-1250.00")), ("4000", Decimal("1000.00")), ("2710", Decimal("250.00"))]


def test_a_form_sent_twice_posts_once(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    _, hidden = form_of(b, web, type="payment", kind="customer", party="10001")
    fields = {**hidden, "date": "2026-06-15", "amount": "500"}
    first = b.post(web.url("/postings"), fields)
    second = b.post(web.url("/postings"), fields)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"] + "&again=1"
    assert count(ctx, "vouchers") == 1
    assert "Ingenting ble bokført to ganger." in b.get(second.headers["location"]).text
    # A refused form releases its key: fixed, it posts.
    _, hidden = form_of(b, web, type="payment", kind="customer", party="10001")
    assert b.post(web.url("/postings"), {**hidden, "date": "2026-06-15", "amount": "x"}).status_code == 422
    assert b.post(web.url("/postings"), {**hidden, "date": "2026-06-15", "amount": "7"}).status_code == 303
    assert count(ctx, "vouchers") == 2


def test_the_party_picker_searches_as_you_type_and_enter_opens_a_single_hit(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001", name="Fjordlys Bakeri AS")
    customer(ctx, "10002", name="Nordlys Handel AS")
    supplier(ctx, "50001", name="Fjordlys Leverandør AS")
    b = web.sign_in("accountant")
    start = b.get(web.url("/postings")).text
    assert 'id="party-picker"' in start and "autofocus" in start
    live = b.get(web.url("/postings"), params={"type": "payment", "kind": "customer", "q": "lys"},
                 headers={"HX-Request": "true", "HX-Target": "party-picker"})
    assert live.text.lstrip().startswith('<div id="party-picker"') and "<html" not in live.text
    assert "10001" in live.text and "10002" in live.text and "50001" not in live.text
    assert "type=payment&amp;kind=customer&amp;party=10001" in live.text
    one = b.get(web.url("/postings"), params={"type": "invoice", "kind": "supplier", "q": "fjord"},
                follow_redirects=False)
    assert one.status_code == 303 and one.headers["location"].endswith("type=invoice&kind=supplier&party=50001")
    none = b.get(web.url("/postings"), params={"q": "finnes ikke"}).text
    assert "Ingen treff" in none
    assert b.get(web.url("/postings"), params={"party": "404"}).status_code == 404


def test_the_kid_is_checked_as_it_is_typed(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("accountant")
    url = web.url("/postings/kid")
    assert "Gyldig KID (MOD10)" in b.get(url, params={"kid": "0001000108"}).text
    assert "Gyldig KID (MOD11)" in b.get(url, params={"kid": "12343"}).text
    assert "Ikke en gyldig KID" in b.get(url, params={"kid": "0001000109"}).text
    assert "1 av 2–25 sifre" in b.get(url, params={"kid": "1"}).text
    assert 'id="f-kid-msg"' in b.get(url).text


def test_a_voucher_is_reversed_once_with_a_date_and_the_reversal_is_shown(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    inv = post(ctx, "invoice", "10001", "1000.00", date(2026, 6, 1), document_number="F-1")
    post(ctx, "payment", "10001", "400.00", date(2026, 6, 5), applies_to="F-1")
    b = web.sign_in("accountant")
    page = b.get(web.url("/vouchers/SF2026-1")).text
    assert "Tilbakefør bilaget" in page and f'value="{TODAY.isoformat()}"' in page and "data-confirm=" in page
    closed = b.post(web.url("/vouchers/SF2026-1/reverse"), {"date": "2026-13-01"})
    assert closed.status_code == 422 and "Oppgi en dato" in closed.text
    response = b.post(web.url("/vouchers/sf2026-1/reverse"), {"date": "2026-06-20", "reason": "Feil kunde"})
    assert response.status_code == 303 and response.headers["location"] == web.url("/vouchers/M2026-1?reversed=1")
    reversal = b.get(response.headers["location"]).text
    assert "Tilbakeføring bokført som M2026-1." in reversal and "Feil kunde" in reversal and "SF2026-1" in reversal
    assert "Tilbakefør bilaget" not in reversal  # a reversal is not reversed
    original = b.get(web.url("/vouchers/SF2026-1")).text
    assert "Tilbakeført av" in original and "Tilbakefør bilaget" not in original
    assert item_open(ctx, inv.item_id) == Decimal("0.00")
    again = b.post(web.url("/vouchers/SF2026-1/reverse"), {"date": "2026-06-21"})
    assert again.status_code == 422 and "Dette bilaget er allerede tilbakeført." in again.text
    vouchers = count(ctx, "vouchers")
    close_period(uow=ctx.uow(), company_id=ctx.company_id, period=Period(2026, 5))
    pay = b.post(web.url("/vouchers/IB2026-1/reverse"), {"date": "2026-05-31"})
    assert pay.status_code == 422 and "Perioden er lukket" in pay.text
    assert count(ctx, "vouchers") == vouchers
    assert b.get(web.url("/vouchers/SF2026-99")).status_code == 404
    assert b.get(web.url("/vouchers/not-a-voucher")).status_code == 404


def test_the_voucher_journal_lists_by_date_and_goes_to_a_voucher(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    post(ctx, "invoice", "10001", "100.00", date(2026, 6, 10), description="Juni-faktura")
    post(ctx, "invoice", "10001", "100.00", date(2026, 3, 10), description="Mars-faktura")
    b = web.sign_in("read_only")
    recent = b.get(web.url("/vouchers")).text
    assert "Juni-faktura" in recent and "Mars-faktura" not in recent  # the last 30 days by default
    spring = b.get(web.url("/vouchers"), params={"from": "2026-01-01", "series": "SF"}).text
    assert "Juni-faktura" in spring and "Mars-faktura" in spring
    jump = b.get(web.url("/vouchers"), params={"ref": " sf2026-2 "}, follow_redirects=False)
    assert jump.status_code == 303 and jump.headers["location"] == web.url("/vouchers/SF2026-2")
    assert "serien, året og nummeret" in b.get(web.url("/vouchers"), params={"ref": "tull"}).text
    # A read-only user reads vouchers but is offered no posting, no reversal.
    page = b.get(web.url("/vouchers/SF2026-1")).text
    main = page[page.index("<main"):page.index("</main>")]
    assert "Tilbakefør" not in main and "Ny faktura" not in main and "/postings" not in main and "<form" not in main


def test_the_card_offers_the_postings_with_their_shortcuts(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    card = b.get(web.url("/customer/10001")).text
    for shortcut, type_ in (("f", "invoice"), ("k", "credit_note"), ("b", "payment")):
        assert re.search(rf'href="[^"]*/postings\?type={type_}&amp;kind=customer&amp;party=10001" '
                         rf'data-shortcut="{shortcut}"', card), type_
    assert "Utligning" in card
    ro = web.sign_in("read_only").get(web.url("/customer/10001")).text
    assert "/postings" not in ro and 'data-shortcut="f"' not in ro


def test_an_invoice_split_over_lines_posts_each_with_its_vat_and_the_first_takes_the_rest(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    _, hidden = form_of(b, web, type="invoice", kind="customer", party="10001")
    # "Add line" shows the form again with a further line (the card's account and VAT code), posting nothing.
    typed = {**hidden, "date": "2026-06-15", "amount": "1 365,00", "add_line": "1"}
    again = b.post(web.url("/postings"), typed)
    assert again.status_code == 200 and "Linje 2: konto" in again.text and 'name="amount_2"' in again.text
    assert "Første linje tar resten av beløpet:" in again.text and count(ctx, "vouchers") == 0
    assert 'value="1 365,00"' in again.text  # what was typed stays
    # Over the amount: refused beside the amount, nothing posted; a line set to "remove" is dropped, amount and all.
    fields = {**hidden, "date": "2026-06-15", "amount": "1 365,00", "account": "3000", "vat_code": "3",
              "account_2": "3000", "vat_code_2": "31", "amount_2": "1 365,00", "account_3": "", "amount_3": "50"}
    refused = b.post(web.url("/postings"), fields)
    assert refused.status_code == 422 and "første linje tar resten" in error_beside(refused.text, "amount")
    assert 'name="amount_3"' not in refused.text and count(ctx, "vouchers") == 0
    bad = b.post(web.url("/postings"), {**fields, "amount_2": "12,345", "account_2": "9999"})
    assert "Oppgi linjens beløp inkl. mva." in error_beside(bad.text, "amount_2")
    assert error_beside(bad.text, "account_2") != ""
    # 1 250 at 25 % and 115 at 15 %: each line split into net and VAT by its own code.
    posted = b.post(web.url("/postings"), {**fields, "amount_2": "115"})
    assert posted.status_code == 303, posted.text[-2000:]
    assert lines_of(ctx, _voucher_id(ctx, "SF", 1)) == [
        ("1500", Decimal("1365.00"), None), ("3000", Decimal("-1000.00"), "3"), ("2700", Decimal("-250.00"), "3"),
        ("3000", Decimal("-100.00"), "31"), ("2700", Decimal("-15.00"), "31")]
