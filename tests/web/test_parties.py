"""Customers and suppliers in the browser: lists (search, sort, filters, paging), the card's tabs, and the
card form with its messages next to the fields."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from reskontro.domain.parties import PartyKind
from reskontro.services import listings, parties
from tests.builders import count, customer, post, supplier
from tests.conftest import Ctx
from tests.web.conftest import Web

_ROW_NUMBERS = re.compile(r'<tr>\s*<td><a href="/c/\d+/(?:customer|supplier)/([^"]+)">')


def numbers(html: str) -> list[str]:
    return _ROW_NUMBERS.findall(html)


def test_the_customer_list_searches_by_name_number_and_org_number(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001", name="Fjordlys Bakeri AS", org_number="923456783", city="Bergen")
    customer(ctx, "10002", name="Nordlys Handel AS")
    customer(ctx, "20001", name="Sørlys AS")
    supplier(ctx, "10003", name="Fjordlys Leverandør AS")
    b = web.sign_in("read_only")
    assert numbers(b.get(web.url("/customers")).text) == ["10001", "10002", "20001"]
    assert numbers(b.get(web.url("/customers"), params={"q": "FJORD"}).text) == ["10001"]
    assert numbers(b.get(web.url("/customers"), params={"q": "lys"}).text) == ["10001", "10002", "20001"]
    assert numbers(b.get(web.url("/customers"), params={"q": "1000"}).text) == ["10001", "10002"]
    assert numbers(b.get(web.url("/customers"), params={"q": "923 456 783"}).text) == ["10001"]
    assert numbers(b.get(web.url("/suppliers"), params={"q": "fjord"}).text) == ["10003"]
    empty = b.get(web.url("/customers"), params={"q": "finnes ikke"}).text
    assert numbers(empty) == [] and "Ingen treff." in empty


def test_live_search_answers_htmx_with_the_table_alone(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001", name="Fjordlys AS")
    b = web.sign_in("read_only")
    response = b.get(web.url("/customers"), params={"q": "fjord"},
                     headers={"HX-Request": "true", "HX-Target": "party-list"})
    assert response.text.lstrip().startswith('<div id="party-list"')
    assert "<html" not in response.text and numbers(response.text) == ["10001"]
    history = b.get(web.url("/customers"), params={"q": "fjord"},
                    headers={"HX-Request": "true", "HX-Target": "party-list", "HX-History-Restore-Request": "true"})
    assert "<html" in history.text


def test_the_list_sorts_by_number_or_name_either_way(web: Web, ctx: Ctx) -> None:
    customer(ctx, "3", name="Alfa AS")
    customer(ctx, "1", name="Charlie AS")
    customer(ctx, "2", name="Bravo AS")
    b = web.sign_in("read_only")
    url = web.url("/customers")
    assert numbers(b.get(url, params={"sort": "number", "dir": "desc"}).text) == ["3", "2", "1"]
    assert numbers(b.get(url, params={"sort": "name"}).text) == ["3", "2", "1"]
    page = b.get(url, params={"sort": "name", "dir": "desc"}).text
    assert numbers(page) == ["1", "2", "3"]
    assert 'aria-sort="descending"' in page
    assert b.get(url, params={"sort": "balance"}).status_code == 404  # not a sort order


def test_the_list_pages_by_key_forward_and_back(web: Web, ctx: Ctx) -> None:
    for n in range(1, 61):
        customer(ctx, f"{n:05d}", name=f"Kunde {n:02d} AS")
    b = web.sign_in("read_only")
    first = b.get(web.url("/customers")).text
    assert numbers(first) == [f"{n:05d}" for n in range(1, 51)]
    nxt = re.search(r'rel="next" data-shortcut="]" href="([^"]+)"', first)
    assert nxt is not None and 'rel="prev"' not in first
    second = b.get(nxt.group(1).replace("&amp;", "&")).text
    assert numbers(second) == [f"{n:05d}" for n in range(51, 61)]
    assert 'rel="next"' not in second
    prev = re.search(r'rel="prev" data-shortcut="\[" href="([^"]+)"', second)
    assert prev is not None
    back = b.get(prev.group(1).replace("&amp;", "&")).text
    assert numbers(back) == numbers(first)
    assert 'rel="prev"' not in back
    assert b.get(web.url("/customers"), params={"after": "bm9uc2Vuc2U"}).status_code == 200  # a stale cursor


def test_the_list_filters_by_group_currency_blocks_and_free_fields(web: Web, ctx: Ctx) -> None:
    parties.create_group(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, code="VIP",
                         name="Viktige")
    parties.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="region", label="Region",
                              field_type="choice", choices=("Vest", "Nord"))
    parties.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="avtale", label="Avtale",
                              field_type="bool")
    customer(ctx, "1", group_code="VIP")
    customer(ctx, "2", currency="EUR")
    customer(ctx, "3")
    parties.set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="3",
                      block="credit_stop", reason="Konkurs")
    parties.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="2",
                           code="region", value="Vest")
    parties.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="1",
                           code="avtale", value="yes")
    b = web.sign_in("read_only")
    url = web.url("/customers")
    assert numbers(b.get(url, params={"group": "VIP"}).text) == ["1"]
    assert numbers(b.get(url, params={"currency": "eur"}).text) == ["2"]
    blocked = b.get(url, params={"blocked": "yes"}).text
    assert numbers(blocked) == ["3"] and "Kredittstopp" in blocked
    assert numbers(b.get(url, params={"blocked": "no"}).text) == ["1", "2"]
    assert numbers(b.get(url, params={"field": "region", "value": "Vest"}).text) == ["2"]
    assert numbers(b.get(url, params={"field": "avtale", "value": "ja"}).text) == ["1"]  # canonical: yes
    assert "Ikke en gyldig verdi" in b.get(url, params={"field": "region", "value": "Sør"}).text
    assert "Det frie feltet finnes ikke." in b.get(url, params={"field": "nope", "value": "x"}).text
    page = b.get(url).text
    assert '<option value="VIP">VIP Viktige</option>' in page and '<option value="region">Region</option>' in page


def test_the_list_shows_balance_and_overdue_in_the_company_currency(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    post(ctx, "invoice", "10001", "1234.50", date(2026, 5, 1))  # due 2026-05-15: overdue on 2026-06-30
    post(ctx, "invoice", "10001", "1000.00", date(2026, 6, 25))  # not due yet
    b = web.sign_in("read_only")
    row = b.get(web.url("/customers")).text
    assert "2\u00a0234,50" in row  # balance
    assert '<td class="num neg">1\u00a0234,50</td>' in row  # overdue


def test_the_card_shows_every_field_and_its_tabs(web: Web, ctx: Ctx) -> None:
    parties.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="region", label="Region",
                              field_type="text")
    customer(ctx, "10001", name="Fjordlys AS", org_number="923456783", email="post@fjordlys.no", language="en",
             currency="EUR", bank_account="DE89370400440532013000", bic="COBADEFFXXX", city="Bergen")
    parties.set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10001",
                           code="region", value="Vest")
    parties.set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10001",
                      block="reminder_block", reason="Tvist om faktura")
    b = web.sign_in("read_only")
    card = b.get(web.url("/customer/10001")).text
    for shown in ("Fjordlys AS", "923 456 783", "post@fjordlys.no", "English", "EUR", "DE89 3704 0044 0532 0130 00",
                  "COBADEFFXXX", "Bergen", "Region", "Vest", "Purrestopp", "Tvist om faktura",
                  "Faste konteringsregler"):
        assert shown in card, shown
    for tab in ("ledger", "open-items", "contacts", "documents", "follow-ups"):
        assert f'href="/c/{web.cid}/customer/10001/{tab}"' in card
    assert b.get(web.url("/customer/99999")).status_code == 404
    assert b.get(web.url("/supplier/10001")).status_code == 404  # the kind is part of the address
    assert b.get(web.url("/partner/10001")).status_code == 404


def test_the_ledger_tab_runs_the_balance_and_the_open_items_tab_shows_what_is_open(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    post(ctx, "invoice", "10001", "1000.00", date(2026, 5, 1), document_number="F1")
    post(ctx, "invoice", "10001", "500.00", date(2026, 6, 1), document_number="F2")
    post(ctx, "payment", "10001", "1000.00", date(2026, 6, 5), applies_to="F1")
    b = web.sign_in("read_only")
    ledger = b.get(web.url("/customer/10001/ledger")).text
    balances = re.findall(r'<td class="num strong">([^<]+)</td>', ledger)
    assert balances == ["1\u00a0000,00", "1\u00a0500,00", "500,00"]
    assert "\u22121\u00a0000,00" in ledger  # the payment, with a real minus sign
    assert "01.05.2026" in ledger and "Faktura" in ledger and "Betaling" in ledger
    items = b.get(web.url("/customer/10001/open-items")).text
    assert "F2" in items and ">F1<" not in items
    assert re.search(r"Sum åpent</th><td class=\"num strong\">500,00", items)
    english = web.sign_in("read_only")
    english.post("/lang", {"lang": "en", "next": "/"})
    assert "2026-05-01" in english.get(web.url("/customer/10001/ledger")).text


def test_an_empty_card_says_so_on_each_tab(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    assert "Ingenting er postert på dette kortet ennå." in b.get(web.url("/customer/10001/ledger")).text
    assert "Ingen åpne poster" in b.get(web.url("/customer/10001/open-items")).text
    assert "Ingen kontaktpersoner ennå." in b.get(web.url("/customer/10001/contacts")).text
    assert "Ingen dokumenter ennå." in b.get(web.url("/customer/10001/documents")).text
    assert "Ingen oppfølginger ennå." in b.get(web.url("/customer/10001/follow-ups")).text
    suppliers = b.get(web.url("/suppliers")).text
    assert "Ingen leverandører ennå." in suppliers and "Legg inn den første leverandøren" in suppliers


def test_creating_a_customer_shows_every_problem_next_to_its_field(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    form = b.get(web.url("/customers/new")).text
    assert 'for="f-org_number"' in form and 'hx-get="/c/' in form
    response = b.post(web.url("/customers/new"), {
        "number": "", "name": "", "org_number": "923456784", "email": "not-an-address", "currency": "NOK",
        "payment_terms_days": "400", "credit_limit": "12,345", "bank_account": "1234", "country": "Norge",
        "language": "nb"})
    assert response.status_code == 422
    html = response.text
    for field, message in [("number", "Oppgi nummeret"), ("name", "Oppgi navnet."),
                           ("org_number", "Ikke et gyldig organisasjonsnummer"),
                           ("email", "Ikke en e-postadresse."), ("credit_limit", "Oppgi et beløp"),
                           ("bank_account", "Ikke et gyldig kontonummer"), ("country", "Bruk en landkode")]:
        found = re.search(rf'<small class="error" id="f-{field}-msg" role="alert">([^<]*)</small>', html)
        assert found is not None and message in found.group(1), field
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', html), field
    assert 'value="923456784"' in html  # what was typed is kept
    assert 'id="form-errors"' in html
    taken = b.post(web.url("/customers/new"), {"number": "10001", "name": "Dobbel AS", "currency": "NOK",
                                               "payment_terms_days": "14", "language": "nb"})
    assert taken.status_code == 422 and "Det finnes allerede en med dette nummeret." in taken.text
    assert count(ctx, "parties") == 1


def test_a_new_customer_is_saved_with_its_free_fields_in_one_go_and_opens(web: Web, ctx: Ctx) -> None:
    parties.define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="region", label="Region",
                              field_type="choice", choices=("Vest", "Nord"), required=True)
    b = web.sign_in("accountant")
    fields = {"number": "10002", "name": "Nordlys AS", "org_number": "923 456 783", "currency": "NOK",
              "payment_terms_days": "30", "credit_limit": "50 000,00", "language": "en", "vat_registered": "on",
              "rules.account": "3000", "rules.vat_code": "3", "bank_account": "1503.12.34562"}
    missing = b.post(web.url("/customers/new"), fields)
    assert missing.status_code == 422 and "Feltet må fylles ut." in missing.text
    assert count(ctx, "parties") == 0
    created = b.post(web.url("/customers/new"), {**fields, "free_field.region": "Nord"})
    assert created.status_code == 303 and created.headers["location"] == web.url("/customer/10002")
    detail = listings.party_detail(uow=ctx.uow(), company_id=ctx.company_id, kind="customer", number="10002")
    assert detail.card.org_number == "923456783" and detail.card.credit_limit == 50000
    assert detail.card.vat_registered and detail.card.language == "en" and detail.card.rules.account == "3000"
    assert detail.card.bank_account == "15031234562"
    assert detail.free_fields == {"region": "Nord"}
    assert "Nordlys AS" in b.get(created.headers["location"]).text


def test_editing_a_card_keeps_its_blocks_and_refuses_a_stale_save(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001", name="Gammelt Navn AS")
    parties.set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10001",
                      block="credit_stop", reason="Sen betaler")
    b = web.sign_in("accountant")
    form = b.get(web.url("/customer/10001/edit")).text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None and 'value="Gammelt Navn AS"' in form
    fields = {"number": "10001", "name": "Nytt Navn AS", "currency": "NOK", "payment_terms_days": "14",
              "language": "nb", "country": "NO", "version": version.group(1)}
    assert b.post(web.url("/customer/10001/edit"), fields).status_code == 303
    card = listings.party_detail(uow=ctx.uow(), company_id=ctx.company_id, kind="customer", number="10001").card
    assert card.name == "Nytt Navn AS" and card.credit_stop is not None
    stale = b.post(web.url("/customer/10001/edit"), {**fields, "name": "Tredje Navn AS"})
    assert stale.status_code == 422 and "Noen andre lagret kortet" in stale.text


def test_the_org_number_is_checked_as_it_is_typed(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001", name="Fjordlys AS", org_number="923456783")
    b = web.sign_in("accountant")
    url = web.url("/validate/org-number")

    def check(value: str, **extra: str) -> str:
        response = b.get(url, params={"org_number": value, **extra}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        return response.text

    assert "4 av 9 sifre" in check("9234")
    assert "Ikke et gyldig organisasjonsnummer" in check("923456784")
    assert "Ikke et gyldig organisasjonsnummer" in check("92345678x")
    valid = check("923 456 783")
    assert "✓ 923 456 783" in valid and "også på" in valid and "10001 Fjordlys AS" in valid
    assert "også på" not in check("923456783", kind="customer", number="10001")  # the card itself
    assert check("").strip().endswith("></small>")


def test_contacts_documents_and_follow_ups_are_added_from_their_tabs(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    base = "/customer/10001"
    b.get(web.url(base + "/contacts"))
    assert b.post(web.url(base + "/contacts"), {"name": ""}).status_code == 422
    assert b.post(web.url(base + "/contacts"), {"name": "Kari Nordmann", "email": "kari@x.no",
                                                "role": "Regnskap"}).status_code == 303
    assert "Kari Nordmann" in b.get(web.url(base + "/contacts")).text

    content = "Kontrakt æøå".encode() * 100
    upload = b.client.post(web.url(base + "/documents"), data={"csrf_token": b.csrf, "doc_type": "contract"},
                           files={"file": ("kontrakt æ.pdf", content, "application/pdf")}, follow_redirects=False)
    assert upload.status_code == 303
    tab = b.get(web.url(base + "/documents")).text
    link = re.search(r'href="(/c/\d+/documents/\d+)" download>kontrakt æ.pdf<', tab)
    assert link is not None and "Kontrakt" in tab
    download = b.get(link.group(1))
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(content).digest()
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''kontrakt%20%C3%A6.pdf" in download.headers["content-disposition"]
    assert download.headers["content-type"] == "application/octet-stream"  # never rendered on our origin
    no_file = b.client.post(web.url(base + "/documents"), data={"csrf_token": b.csrf},
                            files={"file": ("", b"", "application/octet-stream")})
    assert no_file.status_code == 422

    assert b.post(web.url(base + "/follow-ups"), {"title": "", "due_date": "32.13.2026"}).status_code == 422
    assert b.post(web.url(base + "/follow-ups"), {"title": "Ring om betaling",
                                                  "due_date": "2026-07-01"}).status_code == 303
    tab = b.get(web.url(base + "/follow-ups")).text
    assert "Ring om betaling" in tab and "01.07.2026" in tab
    action = re.search(r'action="(/c/\d+/follow-ups/\d+)"', tab)
    assert action is not None
    done = b.post(action.group(1), {"status": "done", "back": web.url(base + "/follow-ups")})
    assert done.headers["location"] == web.url(base + "/follow-ups")
    assert "Utført" in b.get(web.url(base + "/follow-ups")).text
    elsewhere = b.post(action.group(1), {"status": "open", "back": "https://evil.example/"})
    assert elsewhere.headers["location"] == web.url("/")


def test_blocks_are_set_with_a_reason_and_lifted(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    b.get(web.url("/customer/10001"))
    url = web.url("/customer/10001/blocks/credit_stop")
    no_reason = b.post(url, {"reason": " ", "action": "set"})
    assert no_reason.status_code == 422 and "Oppgi en årsak til sperren." in no_reason.text
    assert b.post(url, {"reason": "Konkurs", "action": "set"}).status_code == 303
    card = b.get(web.url("/customer/10001")).text
    assert "Konkurs" in card and "Opphev" in card
    assert b.post(url, {"action": "lift"}).status_code == 303
    assert "Konkurs" not in b.get(web.url("/customer/10001")).text
    wrong_kind = b.post(web.url("/customer/10001/blocks/payment_block"), {"reason": "x"})
    assert wrong_kind.status_code == 422  # a payment block is for suppliers
