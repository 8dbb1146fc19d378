"""Bank files and the review queue in the browser: upload, a preview that writes nothing, confirm once; the
bank accounts and the KID scheme; the queue, its suggestions, posting by hand and the suspense account."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from reskontro.services import bank_payments as bank
from reskontro.services.companies import get_company
from reskontro.services.reports import open_items_report
from reskontro.web.routes import bank as bank_routes
from tests.builders import count, customer, gl_balance, post
from tests.builders_bank import camt054, ocr_file
from tests.conftest import Ctx
from tests.web.conftest import Browser, Web

JAN = date(2026, 1, 15)
ACCOUNT = "15031234562"
NBSP = "\u00a0"
TABLES = ("vouchers", "items", "matches", "bank_files", "bank_payments", "audit_events")


def counts(ctx: Ctx) -> dict[str, int]:
    return {table: count(ctx, table) for table in TABLES}


def open_docs(ctx: Ctx) -> dict[str, Decimal]:
    rows = open_items_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=date(2026, 6, 30))
    return {r["document_number"]: r["open_amount"] for r in rows}


def with_bank_account(ctx: Ctx) -> None:
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=ACCOUNT, name="Driftskonto")


def upload(b: Browser, web: Web, content: bytes, name: str = "innbetalinger.txt") -> Any:
    b.get(web.url("/bank"))
    return b.client.post(web.url("/bank"), data={"csrf_token": b.csrf},
                         files={"file": (name, content, "application/octet-stream")}, follow_redirects=False)


def previewed(b: Browser, web: Web, content: bytes, name: str = "innbetalinger.txt") -> tuple[str, str]:
    """(the preview's URL, its page)."""
    r = upload(b, web, content, name)
    assert r.status_code == 303, r.text[-1500:]
    page = b.get(r.headers["location"])
    assert page.status_code == 200, page.text[-1500:]
    return r.headers["location"], page.text


def kpi(html: str, name: str) -> str:
    found = re.search(rf'data-would="{name}">([^<]*)<', html)
    assert found is not None, name
    return found.group(1).strip()


def queued(ctx: Ctx, status: str = "review") -> list[bank.QueuedPayment]:
    return bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id, status=status).rows


# -- upload, preview, confirm ----------------------------------------------------------------------------------


def test_an_ocr_file_is_previewed_then_confirmed_and_settles_the_invoice_by_kid(web: Web, ctx: Ctx) -> None:
    with_bank_account(ctx)
    customer(ctx, "1001", name="Fjordlys Bakeri AS")
    post(ctx, "invoice", "1001", "15000.00", JAN, document_number="10001", kid="0001000108")
    data = ocr_file([{"amount": "15000.00", "kid": "0001000108"}, {"amount": "499.00"}])
    b = web.sign_in("accountant")
    before = counts(ctx)
    url, html = previewed(b, web, data, "OCR.20260128.dat")
    assert "Forhåndsvisning av bankfil: OCR.20260128.dat" in html
    assert (kpi(html, "transactions"), kpi(html, "posted"), kpi(html, "review")) == ("2", "1", "1")
    assert kpi(html, "amount_in") == f"15{NBSP}499,00"
    assert "etter KID 1, etter fakturanummer i teksten 0, etter betaler 0" in html
    # Each transaction: where in the file, date, amount, KID, outcome, how it was tied, the customer.
    assert '<td class="mono nowrap" lang="en">line 3</td>' in html and "28.01.2026" in html
    assert f"15{NBSP}000,00" in html and "0001000108" in html and "Blir bokført" in html
    assert "Til behandling" in html and f'href="/c/{web.cid}/customer/1001">1001</a> Fjordlys Bakeri AS' in html
    assert counts(ctx) == before, "a preview wrote something"
    assert open_docs(ctx) == {"10001": Decimal("15000.00")}

    r = b.post(url + "/confirm")
    assert r.status_code == 303 and r.headers["location"] == url
    html = b.get(url).text
    assert "Filen er importert." in html
    assert "2 transaksjoner: 1 bokført (1 utlignet en faktura), 1 til behandling" in html
    assert open_docs(ctx) == {}
    assert gl_balance(ctx, "1920") == Decimal("15000.00")  # the 499 waits for review, unposted
    # A second confirm (a double click, the back button) imports nothing and shows the same result.
    after = counts(ctx)
    again = b.post(url + "/confirm")
    assert again.status_code == 303 and counts(ctx) == after
    assert "Filen er importert." in b.get(url).text
    # The bank page lists the file.
    page = b.get(web.url("/bank")).text
    assert "OCR.20260128.dat" in page and "1000001" in page


def test_the_same_file_uploaded_again_is_named_as_imported_before_and_posts_nothing(web: Web, ctx: Ctx) -> None:
    with_bank_account(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    data = ocr_file([{"amount": "100.00", "kid": "0001000108"}])
    b = web.sign_in("accountant")
    url, _ = previewed(b, web, data)
    b.post(url + "/confirm")
    before = counts(ctx)
    url2, html = previewed(b, web, data, "renamed.txt")
    assert url2 != url
    assert "Denne filen er importert før (samme nøkkel i banken, " in html and "Importer (ingenting nytt)" in html
    r = b.post(url2 + "/confirm")
    assert r.status_code == 303
    assert "var importert før (samme nøkkel i banken): ingenting ble bokført nå" in b.get(url2).text
    assert counts(ctx) == before


def test_a_damaged_file_shows_every_problem_with_its_line_and_offers_no_confirm(web: Web, ctx: Ctx) -> None:
    with_bank_account(ctx)
    customer(ctx, "1001")
    post(ctx, "invoice", "1001", "100.00", JAN, document_number="10001", kid="0001000108")
    data = ocr_file([{"amount": "100.00", "kid": "0001000108"}]).replace(b"00000000000010000", b"00000000000010001", 1)
    b = web.sign_in("accountant")
    before = counts(ctx)
    url, html = previewed(b, web, data, "skadet.txt")
    assert re.search(r"\d+ problemer?: ingenting kan importeres", html)
    problems = re.findall(r'<tr><td><span lang="en">([^<]*)</span></td></tr>', html)
    assert problems and all("skadet.txt" in p for p in problems)
    assert any(re.search(r"line \d+", p) for p in problems), problems
    assert "/confirm" not in html and "Glem denne filen" in html
    # A confirm sent anyway imports nothing and shows the problems.
    r = b.post(url + "/confirm")
    assert r.status_code == 422 and "Ingenting ble importert" in r.text and "skadet.txt" in r.text
    assert counts(ctx) == before
    assert b.post(url + "/discard").status_code == 303
    assert b.get(url).status_code == 404


def test_without_a_bank_account_the_page_says_one_must_be_registered_first(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("accountant")
    html = b.get(web.url("/bank")).text
    assert 'id="no-bank-account"' in html and "kan først importeres når kontoen den gjelder er registrert" in html
    # A file sent anyway is refused as a whole: its account is not the company's.
    _, html = previewed(b, web, ocr_file([{"amount": "5.00"}]), "ocr.txt")
    assert "account 1503.12.34562 is not one of the company&#39;s bank accounts" in html
    assert "/confirm" not in html


def test_the_upload_form_wants_a_file(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("accountant")
    b.get(web.url("/bank"))
    r = b.client.post(web.url("/bank"), data={"csrf_token": b.csrf}, follow_redirects=False)
    assert r.status_code == 422 and "Velg filen fra banken." in r.text


def test_a_read_only_user_cannot_upload_but_sees_the_queue_without_controls(web: Web, ctx: Ctx) -> None:
    with_bank_account(ctx)
    bank.import_bank_file(uow=ctx.uow(), company_id=ctx.company_id, data=ocr_file([{"amount": "5.00"}]),
                          filename="ocr.txt")
    b = web.sign_in("read_only")
    assert b.get(web.url("/bank")).status_code == 403
    r = b.client.post(web.url("/bank"), data={"csrf_token": b.csrf},
                      files={"file": ("ocr.txt", ocr_file([{"amount": "7.00"}]), "text/plain")}, follow_redirects=False)
    assert r.status_code == 403 and "kan se alt her, men ikke endre noe" in r.text
    home = b.get(web.url("/")).text
    assert f'href="/c/{web.cid}/bank/queue"' in home  # the top bar's "Bank" opens the queue for a reader
    queue = b.get(web.url("/bank/queue")).text
    assert "5,00" in queue and 'method="post"' not in queue.split("<main", 1)[1].split("</main>")[0]
    payment_id = queued(ctx)[0].bank_payment_id
    page = b.get(web.url(f"/bank/payments/{payment_id}"))
    assert page.status_code == 200 and "Parker på interimskontoen" not in page.text
    assert "/resolve" not in page.text and "/suspense" not in page.text
    assert b.post(web.url(f"/bank/payments/{payment_id}/suspense")).status_code == 403
    assert len(queued(ctx)) == 1


def test_an_import_files_token_is_not_a_bank_files_and_back(web: Web, ctx: Ctx) -> None:
    with_bank_account(ctx)
    b = web.sign_in("accountant")
    bank_url, _ = previewed(b, web, ocr_file([{"amount": "5.00"}]))
    token = bank_url.rsplit("/", 1)[-1]
    assert b.get(web.url(f"/import/{token}")).status_code == 404
    assert b.post(web.url(f"/import/{token}/confirm")).status_code == 404
    b.get(web.url("/import"))
    r = b.client.post(web.url("/import"), data={"csrf_token": b.csrf, "kind": "parties"},
                      files={"file": ("p.csv", b"number,kind,name\n", "text/csv")}, follow_redirects=False)
    import_token = r.headers["location"].rsplit("/", 1)[-1]
    assert b.get(web.url(f"/bank/{import_token}")).status_code == 404


# -- the review queue ------------------------------------------------------------------------------------------


def _queue_with_a_stranger(ctx: Ctx) -> int:
    """Two customers with an invoice of 999 each; a payment of 999 from "P. Hansen" waits for review."""
    with_bank_account(ctx)
    customer(ctx, "1001", name="Kari Nordmann")
    customer(ctx, "1002", name="Per Hansen")
    post(ctx, "invoice", "1001", "999.00", JAN, document_number="20001")
    post(ctx, "invoice", "1002", "999.00", JAN, document_number="20002")
    bank.import_bank_file(uow=ctx.uow(), company_id=ctx.company_id, filename="camt.xml",
                          data=camt054([{"amount": "999.00", "name": "P. Hansen", "text": "Betaling"}]))
    return queued(ctx)[0].bank_payment_id


def test_the_queue_lists_an_unmatched_payment_and_a_suggestion_button_posts_it(web: Web, ctx: Ctx) -> None:
    payment_id = _queue_with_a_stranger(ctx)
    b = web.sign_in("accountant")
    html = b.get(web.url("/bank/queue")).text
    assert "Bankbetalinger til behandling" in html and "P. Hansen" in html and "999,00" in html
    assert f'href="/c/{web.cid}/bank/payments/{payment_id}"' in html
    assert "1–1 av 1, eldste først." in html
    page = b.get(web.url(f"/bank/payments/{payment_id}")).text
    assert f"Bankbetaling {payment_id}" in page and "camt.xml" in page and "Betaling" in page
    # The suggestions, best first, with their reasons in bokmål and a button each.
    rows = page.split('class="grid compact bank-suggestions"', 1)[1].split("</table>", 1)[0]
    assert rows.index("20002") < rows.index("20001")
    assert "nøyaktig beløp, betalerens navn" in rows
    forms = re.findall(r'name="party_number" value="([^"]+)">\s*<input type="hidden" name="invoice" value="([^"]+)">',
                       rows)
    assert forms == [("1002", "20002"), ("1001", "20001")]
    r = b.post(web.url(f"/bank/payments/{payment_id}/resolve"), {"party_number": "1002", "invoice": "20002"})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/c/{web.cid}/bank/queue?")
    html = b.get(r.headers["location"]).text
    notice = re.search(r'id="bank-notice">([^<]*)<', html)
    assert notice is not None
    assert re.fullmatch(rf"Bankbetaling {payment_id} er bokført på 1002 som bilag [A-Z]+2026-\d+\. "
                        r"Den utlignet 20002\. ", notice.group(1)), notice.group(1)
    assert "Ingen bankbetalinger venter på behandling." in html
    assert open_docs(ctx) == {"20001": Decimal("999.00")}
    # The payment page now says it is posted and offers nothing more; a second post is refused politely.
    page = b.get(web.url(f"/bank/payments/{payment_id}")).text
    assert ">Bokført<" in page and "/resolve" not in page
    again = b.post(web.url(f"/bank/payments/{payment_id}/resolve"), {"party_number": "1001"})
    assert again.status_code == 422 and "Denne betalingen er allerede behandlet" in again.text
    assert open_docs(ctx) == {"20001": Decimal("999.00")}


def test_posting_by_hand_to_an_unknown_party_shows_the_problem_beside_the_field(web: Web, ctx: Ctx) -> None:
    payment_id = _queue_with_a_stranger(ctx)
    b = web.sign_in("accountant")
    b.get(web.url(f"/bank/payments/{payment_id}"))
    before = counts(ctx)
    r = b.post(web.url(f"/bank/payments/{payment_id}/resolve"), {"party_number": "9999", "note": "ringt"})
    assert r.status_code == 422
    assert 'id="f-party_number-msg" role="alert">Ingen kunde eller leverandør har dette nummeret' in r.text
    assert 'value="9999"' in r.text and 'value="ringt"' in r.text
    r = b.post(web.url(f"/bank/payments/{payment_id}/resolve"), {"party_number": "1001", "invoice": "X-1"})
    assert r.status_code == 422 and "Parten har ikke noe dokument med dette nummeret." in r.text
    r = b.post(web.url(f"/bank/payments/{payment_id}/resolve"), {"party_number": ""})
    assert r.status_code == 422 and "Oppgi nummeret til en kunde (innbetaling)" in r.text
    assert counts(ctx) == before
    # By hand without an invoice: the rules pick one (the exact amount) and the notice names it.
    r = b.post(web.url(f"/bank/payments/{payment_id}/resolve"), {"party_number": "1001", "note": "ringt"})
    assert r.status_code == 303
    assert "er bokført på 1001 som bilag" in b.get(r.headers["location"]).text
    assert open_docs(ctx) == {"20002": Decimal("999.00")}


def test_suspense_parks_a_payment_and_it_can_be_posted_from_there(web: Web, ctx: Ctx) -> None:
    payment_id = _queue_with_a_stranger(ctx)
    b = web.sign_in("accountant")
    page = b.get(web.url(f"/bank/payments/{payment_id}")).text
    assert "Parker på interimskontoen" in page and "data-confirm=" in page
    r = b.post(web.url(f"/bank/payments/{payment_id}/suspense"), {"note": "ukjent"})
    assert r.status_code == 303
    html = b.get(r.headers["location"]).text
    assert re.search(rf"Bankbetaling {payment_id} er parkert på interimskontoen som bilag [A-Z]+2026-\d+\.", html)
    assert (gl_balance(ctx, "1920"), gl_balance(ctx, "2990")) == (Decimal("999.00"), Decimal("-999.00"))
    suspense = b.get(web.url("/bank/queue?status=suspense")).text
    assert "Bankbetalinger på interimskontoen" in suspense and "P. Hansen" in suspense
    assert '<span class="count">1</span>' in suspense
    # From the suspense account: no second parking, but it can be posted to its customer.
    page = b.get(web.url(f"/bank/payments/{payment_id}")).text
    assert "Parker på interimskontoen" not in page and "Bokfør mot denne fakturaen" in page
    assert b.post(web.url(f"/bank/payments/{payment_id}/suspense")).status_code == 422
    r = b.post(web.url(f"/bank/payments/{payment_id}/resolve"), {"party_number": "1002", "invoice": "20002"})
    assert r.status_code == 303 and "status=suspense" in r.headers["location"]
    assert gl_balance(ctx, "2990") == 0 and open_docs(ctx) == {"20001": Decimal("999.00")}


def test_the_queue_is_paged_oldest_first_and_money_out_is_negative(web: Web, ctx: Ctx,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with_bank_account(ctx)
    monkeypatch.setattr(bank_routes, "QUEUE_PAGE_SIZE", 2)
    bank.import_bank_file(uow=ctx.uow(), company_id=ctx.company_id, filename="camt.xml", data=camt054(
        [{"amount": "1.00", "date": date(2026, 1, 3)}, {"amount": "2.00", "date": date(2026, 1, 1)},
         {"amount": "3.00", "date": date(2026, 1, 2)}]))
    bank.import_bank_file(uow=ctx.uow(), company_id=ctx.company_id, filename="ut.xml",
                          data=camt054([{"amount": "4.00", "date": date(2026, 1, 4)}], msg_id="OUT-1", credit=False))
    b = web.sign_in("accountant")
    first = b.get(web.url("/bank/queue")).text
    assert first.index("01.01.2026") < first.index("02.01.2026") and "03.01.2026" not in first
    assert "1–2 av 4, eldste først." in first
    assert f'href="/c/{web.cid}/bank/queue?offset=2"' in first
    second = b.get(web.url("/bank/queue?offset=2")).text
    assert "03.01.2026" in second and "\u22124,00" in second and "3–4 av 4" in second
    assert f'href="/c/{web.cid}/bank/queue"' in second  # back to the first page
    assert b.get(web.url("/bank/queue?status=posted")).status_code == 404


# -- bank accounts and the KID scheme ------------------------------------------------------------------------


def test_the_add_bank_account_form_validates_and_registers(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("accountant")
    html = b.get(web.url("/bank")).text
    assert 'name="gl_account" type="text" value="1920"' in html
    r = b.post(web.url("/bank/accounts"), {"account": "15031234563", "name": "Drift", "gl_account": "1920"})
    assert r.status_code == 422
    assert 'id="f-account-msg" role="alert">Ikke et gyldig kontonummer' in r.text and 'value="15031234563"' in r.text
    r = b.post(web.url("/bank/accounts"), {"account": ACCOUNT, "name": "", "gl_account": "1920"})
    assert r.status_code == 422 and "Gi kontoen et navn på høyst 100 tegn." in r.text
    r = b.post(web.url("/bank/accounts"), {"account": ACCOUNT, "name": "Drift", "gl_account": "1999"})
    assert r.status_code == 422 and 'id="f-gl_account-msg" role="alert">Kontoen finnes ikke.' in r.text
    assert bank.list_bank_accounts(uow=ctx.uow(), company_id=ctx.company_id) == []
    r = b.post(web.url("/bank/accounts"), {"account": "1503 12 34562", "name": "Drift", "gl_account": "1920"})
    assert r.status_code == 303
    html = b.get(r.headers["location"]).text
    assert "Bankkontoen er registrert." in html and "1503.12.34562" in html and 'id="no-bank-account"' not in html
    r = b.post(web.url("/bank/accounts"), {"account": "NO72 1503 1234 562", "name": "Igjen", "gl_account": ""})
    assert r.status_code == 422 and "Denne bankkontoen er registrert fra før." in r.text
    assert [a.account for a in bank.list_bank_accounts(uow=ctx.uow(), company_id=ctx.company_id)] == [ACCOUNT]


def test_the_kid_scheme_form_saves_and_refuses_what_cannot_work(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("admin")
    html = b.get(web.url("/bank")).text
    assert "Intet KID-oppsett" in html
    r = b.post(web.url("/bank/kid-scheme"), {"kid_algorithm": "mod11", "kid_length": "40", "kid_source": "invoice"})
    assert r.status_code == 422 and 'id="f-kid_length-msg" role="alert">Oppgi lengden på KID-en' in r.text
    r = b.post(web.url("/bank/kid-scheme"), {"kid_algorithm": "mod10", "kid_length": "10",
                                             "kid_source": "customer_invoice", "kid_customer_digits": ""})
    assert r.status_code == 422 and "Oppgi hvor mange sifre kundenummeret tar" in r.text
    r = b.post(web.url("/bank/kid-scheme"), {"kid_algorithm": "luhn", "kid_length": "10", "kid_source": "invoice"})
    assert r.status_code == 422 and "Velg MOD10, MOD11 eller ingen." in r.text
    assert get_company(uow=ctx.uow(), company_id=ctx.company_id).kid_scheme() is None
    r = b.post(web.url("/bank/kid-scheme"), {"kid_algorithm": "mod11", "kid_length": "8",
                                             "kid_source": "customer_invoice", "kid_customer_digits": "3"})
    assert r.status_code == 303
    html = b.get(r.headers["location"]).text
    assert "KID-oppsettet er lagret." in html
    assert "Kundefakturaer får en KID på 8 tegn med MOD11-kontrollsiffer, laget av: Kundenummer og fakturanummer." \
        in html
    assert '<option value="mod11" selected>' in html
    scheme = get_company(uow=ctx.uow(), company_id=ctx.company_id).kid_scheme()
    assert scheme is not None and (scheme.algorithm, scheme.length, scheme.source, scheme.customer_digits) == (
        "mod11", 8, "customer_invoice", 3)
    # An invoice posted now gets its KID made by the scheme.
    customer(ctx, "100")
    post(ctx, "invoice", "100", "100.00", JAN, document_number="4")
    assert "10000041" in b.get(web.url("/customer/100/open-items")).text
    # "None" clears it.
    r = b.post(web.url("/bank/kid-scheme"), {"kid_algorithm": "", "kid_length": "", "kid_source": "invoice"})
    assert r.status_code == 303
    assert get_company(uow=ctx.uow(), company_id=ctx.company_id).kid_scheme() is None


# -- languages -------------------------------------------------------------------------------------------------


def test_the_pages_are_in_bokmal_by_default_and_in_english_when_chosen(web: Web, ctx: Ctx) -> None:
    payment_id = _queue_with_a_stranger(ctx)
    b = web.sign_in("accountant")
    html = b.get(web.url("/bank")).text
    assert '<html lang="nb">' in html
    for text in ("Importer en bankfil", "Bankkontoer", "KID-oppsett", "Siste bankfiler", "Behandlingskø",
                 "Last opp og forhåndsvis", ">Bank<"):
        assert text in html, text
    page = b.get(web.url(f"/bank/payments/{payment_id}")).text
    for text in ("Betalingen", "Forslag", "Bokfør på en kunde", "Fakturanummer (valgfritt)", "Interimskonto",
                 "Bokføringsdato", "999,00"):
        assert text in page, text
    b.post("/lang", {"lang": "en", "next": "/"})
    html = b.get(web.url("/bank")).text
    assert '<html lang="en">' in html and "Import a bank file" in html and "KID scheme" in html
    page = b.get(web.url(f"/bank/payments/{payment_id}")).text
    assert "Post to a customer" in page and "exact amount, payer's name" in page and "999.00" in page
