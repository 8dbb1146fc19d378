"""Payments out in the browser: the due list with its warnings and the blocked suppliers left out; supplier bank
accounts approved by a second user; a proposal made, changed, approved (by one or two users), written as a pain.001
that validates and downloaded; the bank's pain.002 putting a rejected payment back in the due list."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from lxml import etree

from reskontro.domain.parties import PartyCard, PartyKind
from reskontro.formats.iso20022 import xml
from reskontro.services import bank_payments as bank
from reskontro.services import payments_out as pay
from reskontro.services.parties import create_party, set_block
from reskontro.store.uow import SqlUnitOfWork
from reskontro.web.routes.payments import next_weekday
from tests.builders import count, post, supplier
from tests.builders_pain import pain002
from tests.conftest import Ctx
from tests.web.conftest import Browser, Web, new_user

S = PartyKind.SUPPLIER
OURS = "15031234562"
JAN = date(2026, 1, 10)
DUE = date(2026, 2, 9)
NBSP = "\u00a0"
PAIN001_09 = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def as_user(ctx: Ctx, actor: str) -> SqlUnitOfWork:
    """A unit of work of another user than the tests' "tester"."""
    return SqlUnitOfWork(ctx.app.engine, actor=actor, today=lambda: ctx.today_value)


def approve_all(ctx: Ctx) -> None:
    """Every pending supplier account approved by a second user ("anne")."""
    for a in pay.account_approvals(uow=ctx.uow(), company_id=ctx.company_id):
        pay.decide_account(uow=as_user(ctx, "anne"), company_id=ctx.company_id, approval_id=a.approval_id,
                           approve=True)


def invoice(ctx: Ctx, party: str, amount: str, doc: str, **fields: object) -> None:
    post(ctx, "invoice", party, amount, JAN, kind=S, document_number=doc, due_date=DUE, **fields)


def exported_proposal(ctx: Ctx, *, number: str = "L2001", name: str = "Leverandør Testdata AS",
                      account: str = "12065432100", document: str = "S-7788") -> tuple[int, int]:
    """A supplier whose account a second user approved, an invoice of 10 000, and a proposal paying it that is
    approved and written as a pain.001 (the company's bank account must be registered): (proposal, approval)."""
    supplier(ctx, number, name=name, bank_account=account)
    approval = next(a for a in pay.account_approvals(uow=ctx.uow(), company_id=ctx.company_id)
                    if a.party_number == number)
    pay.decide_account(uow=as_user(ctx, "anne"), company_id=ctx.company_id, approval_id=approval.approval_id,
                       approve=True)
    post(ctx, "invoice", number, "10000.00", date(2026, 5, 1), kind=S, document_number=document,
         due_date=date(2026, 6, 1), kid="20250001235")
    p = pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account=OURS,
                            execution_date=date(2026, 7, 1))
    pay.approve_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    pay.export_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=p.proposal_id)
    return p.proposal_id, approval.approval_id


def setup(ctx: Ctx) -> None:
    """Our bank account; L2001 and L2002 with approved accounts, a 10 000 and a 1 250 invoice."""
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=OURS, name="Driftskonto")
    supplier(ctx, "L2001", name="Leverandør Testdata AS", bank_account="12065432100")
    supplier(ctx, "L2002", name="Smaa Leveranser AS", bank_account="30001234567")
    approve_all(ctx)
    invoice(ctx, "L2001", "10000.00", "S-7788", kid="20250001235")
    invoice(ctx, "L2002", "1250.00", "4455")


def second_accountant(web: Web, ctx: Ctx) -> Browser:
    return web.sign_in(new_user(ctx, ctx.company_id, "accountant", prefix="second"))


def notice(html: str) -> str:
    found = re.search(r'id="payments-notice">([^<]*)<', html)
    assert found is not None, html[-2000:]
    return found.group(1).strip()


def problem(html: str) -> str:
    found = re.search(r'id="form-errors" tabindex="-1">([^<]*)<', html)
    assert found is not None, html[-2000:]
    return found.group(1).strip()


def block(html: str, number: str) -> str:
    """The due list's section of one supplier."""
    return html.split(f'data-supplier="{number}"', 1)[1].split("</section>", 1)[0]


def make_proposal(b: Browser, web: Web, **fields: object) -> str:
    """Make a proposal from the due list's form; the proposal page's URL."""
    b.get(web.url("/payments"))
    r = b.post(web.url("/payments/proposals"), {"debtor_account": OURS, "execution_date": "2026-07-01",
                                                "due_by": "", **fields})
    assert r.status_code == 303, r.text[-2000:]
    assert re.search(r"/payments/proposals/\d+\?done=created$", r.headers["location"])
    return str(r.headers["location"].split("?")[0])


# -- the due list ----------------------------------------------------------------------------------------------


def test_the_due_list_shows_each_supplier_with_its_warnings_and_leaves_the_blocked_out(web: Web, ctx: Ctx) -> None:
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=OURS, name="Driftskonto")
    supplier(ctx, "L2001", name="Leverandør Testdata AS", bank_account="12065432100")
    supplier(ctx, "L2003", name="Stengt AS", bank_account="98765432103")
    approve_all(ctx)
    supplier(ctx, "L2002", name="Smaa Leveranser AS", bank_account="30001234567")  # waits for approval
    invoice(ctx, "L2001", "10000.00", "S-7788", payee_account="30001234567", kid="20250001235")
    post(ctx, "credit_note", "L2001", "250.00", JAN, kind=S, document_number="K-1")
    invoice(ctx, "L2002", "1250.00", "4455")
    invoice(ctx, "L2003", "99.00", "X-1")
    set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=S, number="L2003", block="payment_block",
              reason="tvist")
    pay.set_bankrupt(uow=ctx.uow(), company_id=ctx.company_id, number="L2002", since=date(2026, 1, 20))
    b = web.sign_in("accountant")
    r = b.get(web.url("/payments"))
    assert r.status_code == 200
    html = r.text
    assert "Utbetalinger: forfallsliste" in html and f'href="/c/{web.cid}/payments" aria-current="page"' in html
    # The filter's due date is a week from today (the test clock: 2026-06-30); the execution date the next weekday.
    assert 'name="due_by" type="date" value="2026-07-07"' in html
    assert 'name="execution_date" type="date" value="2026-07-01"' in html
    one = block(html, "L2001")
    assert "Leverandør Testdata AS" in one and "1206.54.32100" in one and ">godkjent<" in one
    assert "Første betaling til denne kontoen." in one
    assert "Fakturaen sier at det skal betales til 3000.12.34567; kortet har 1206.54.32100." in one
    assert "S-7788" in one and "K-1" in one and "Kreditnota" in one and "20250001235" in one
    assert f"10{NBSP}000,00" in one and "\u2212250,00" in one
    assert f'data-net="L2001">9{NBSP}750,00<' in one
    assert one.count('name="item_ids"') == 1  # the invoice can be ticked, the credit note not
    two = block(html, "L2002")
    assert ">venter på godkjenning<" in two and "Bankkontoen venter på godkjenning av en annen bruker." in two
    assert "Konkurs siden 20.01.2026." in two and 'name="item_ids"' not in two and "betales ikke" in two
    assert 'data-supplier="L2003"' not in html
    left_out = html.split('id="left-out"', 1)[1].split("</section>", 1)[0]
    assert "L2003 Stengt AS: tvist" in left_out
    assert f'data-total="NOK">9{NBSP}750,00' in html  # only the payable supplier counts
    # Filters: a supplier, a currency, a date before anything falls due.
    html = b.get(web.url("/payments?supplier=L2002")).text
    assert 'data-supplier="L2002"' in html and 'data-supplier="L2001"' not in html
    assert 'name="supplier" value="L2002"' in html  # the proposal form keeps the filter
    assert 'data-supplier' not in b.get(web.url("/payments?currency=EUR")).text
    html = b.get(web.url("/payments?due_by=01.02.2026")).text
    assert "S-7788" not in html and 'data-supplier="L2002"' not in html and 'value="2026-02-01"' in html
    assert "Kreditnotaene dekker fakturaene: ingenting å betale." in block(html, "L2001")  # credits always come
    assert 'id="nothing-due"' in b.get(web.url("/payments?due_by=01.02.2026&supplier=L2002")).text
    assert 'data-supplier="L2001"' in b.get(web.url("/payments?due_by=")).text  # blank: everything open
    html = b.get(web.url("/payments?account=1206.54.32100")).text
    assert 'data-supplier="L2001"' in html and 'data-supplier="L2002"' not in html
    # Bad filters are shown beside their fields.
    r = b.get(web.url("/payments?currency=kroner&account=123&due_by=32.13.2026"))
    assert r.status_code == 422
    assert 'id="f-currency-msg" role="alert">Bruk en valutakode på tre bokstaver' in r.text
    assert 'id="f-due_by-msg" role="alert">Oppgi en dato som 31.12.2026' in r.text
    r = b.get(web.url("/payments?account=123"))
    assert r.status_code == 422 and 'id="f-account-msg" role="alert">Ikke et gyldig kontonummer' in r.text


# -- the bank-account guard ------------------------------------------------------------------------------------


def test_a_second_user_approves_a_pending_account_and_its_requester_is_refused(web: Web, ctx: Ctx) -> None:
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=OURS, name="Driftskonto")
    first = web.users["accountant"]
    b = web.sign_in("accountant")
    # The accountant puts the supplier's account on its card: it waits for a second user.
    create_party(uow=as_user(ctx, first), company_id=ctx.company_id, card=PartyCard(
        kind=S, number="L2001", name="Leverandør Testdata AS", bank_account="12065432100"))
    supplier(ctx, "L2009", name="Tvilsom AS", bank_account="30001234567")
    invoice(ctx, "L2001", "100.00", "A-1")
    invoice(ctx, "L2009", "50.00", "T-1")
    waiting = {a.party_number: a.approval_id for a in pay.account_approvals(uow=ctx.uow(), company_id=ctx.company_id)}
    html = b.get(web.url("/payments/accounts")).text
    assert "Leverandørkontoer til godkjenning" in html and '<span class="count">2</span>' in html
    row = html.split(f'data-approval="{waiting["L2001"]}"', 1)[1].split("</tr>", 1)[0]
    assert "Leverandør Testdata AS" in row and "1206.54.32100" in row and first in row and ">kortet<" in row
    assert f'action="/c/{web.cid}/payments/accounts/{waiting["L2001"]}"' in row
    before = count(ctx, "audit_events")
    r = b.post(web.url(f"/payments/accounts/{waiting['L2001']}"), {"decision": "approve", "note": "ringt"})
    assert r.status_code == 422
    assert problem(r.text) == "Du la denne kontoen på kortet: en annen bruker må godkjenne den."
    assert 'value="ringt"' in r.text
    assert count(ctx, "audit_events") == before
    assert ">venter på godkjenning<" in block(b.get(web.url("/payments")).text, "L2001")
    # A second accountant approves it (with a note), and rejects the other.
    other = second_accountant(web, ctx)
    other.get(web.url("/payments/accounts"))
    r = other.post(web.url(f"/payments/accounts/{waiting['L2001']}"), {"decision": "approve", "note": "ringt"})
    assert r.status_code == 303 and r.headers["location"].endswith(f"/payments/accounts?approval={waiting['L2001']}")
    html = other.get(r.headers["location"]).text
    assert notice(html) == ("Bankkontoen 1206.54.32100 til L2001 Leverandør Testdata AS er godkjent: betalinger kan "
                            "gå til den.")
    decided = html.split('class="grid compact account-decisions"', 1)[1]
    assert ">Godkjent<" in decided and other.username in decided and "ringt" in decided
    r = other.post(web.url(f"/payments/accounts/{waiting['L2009']}"), {"decision": "reject"})
    assert r.status_code == 303
    assert "er avvist: ingenting betales til den." in other.get(r.headers["location"]).text
    # Decided once: a second decision is refused politely; a made-up decision too.
    r = other.post(web.url(f"/payments/accounts/{waiting['L2009']}"), {"decision": "approve"})
    assert r.status_code == 422 and problem(r.text).startswith("Denne kontoen er allerede avgjort")
    r = other.post(web.url(f"/payments/accounts/{waiting['L2009']}"), {"decision": "maybe"})
    assert r.status_code == 422 and problem(r.text) == "Velg godkjenn eller avvis."
    assert other.post(web.url("/payments/accounts/999999"), {"decision": "approve"}).status_code == 404
    html = b.get(web.url("/payments?due_by=")).text
    assert ">godkjent<" in block(html, "L2001") and "Bankkontoen ble avvist." in block(html, "L2009")
    assert "Ingen bankkonto venter på godkjenning." in b.get(web.url("/payments/accounts")).text


# -- proposals -------------------------------------------------------------------------------------------------


def test_a_proposal_is_made_changed_approved_exported_and_downloaded_as_a_valid_pain001(web: Web, ctx: Ctx) -> None:
    setup(ctx)
    b = web.sign_in("accountant")
    url = make_proposal(b, web)
    html = b.get(url + "?done=created").text
    assert notice(html) == "Forslaget er laget med 2 betalinger. Kontroller dem og godkjenn forslaget."
    assert ">Utkast<" in html and "0 av 1" in html and "1503.12.34562" in html and "Driftskonto" in html
    lines = html.split('class="grid compact proposal-lines"', 1)[1]
    assert "S-7788" in lines and "4455" in lines and "20250001235" in lines and "Faktura 4455" in lines
    assert re.search(r"P\d+-1", lines) and "1206.54.32100" in lines and ">Foreslått<" in lines
    assert 'data-supplier="L2001"' not in b.get(web.url("/payments?due_by=")).text  # held by the proposal
    pid = int(url.rsplit("/", 1)[1])
    # A part payment, in Norwegian; more than is open is refused beside the line.
    r = b.post(web.url(f"/payments/proposals/{pid}/lines/1"), {"amount": "6 000,00", "action": "amount"})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=changed&line=1")
    html = b.get(r.headers["location"]).text
    assert notice(html) == "Linje 1 er endret. Forslaget må godkjennes på nytt."
    assert f"6{NBSP}000,00" in html and f"7{NBSP}250,00 NOK" in html
    r = b.post(web.url(f"/payments/proposals/{pid}/lines/2"), {"amount": "1250,01", "action": "amount"})
    assert r.status_code == 422
    assert problem(r.text) == "Linje 2: Beløpet er mer enn det som er åpent på fakturaen."
    assert 'value="1250,01" aria-invalid="true"' in r.text
    r = b.post(web.url(f"/payments/proposals/{pid}/lines/2"), {"amount": "tusen", "action": "amount"})
    assert r.status_code == 422 and problem(r.text).startswith("Linje 2: Oppgi et beløp over null")
    # Export before approval is refused; approve; export as pain.001.001.09.
    r = b.post(web.url(f"/payments/proposals/{pid}/export"), {"version": "09"})
    assert r.status_code == 422 and problem(r.text) == "Bare et godkjent forslag skrives til en betalingsfil."
    assert b.get(web.url(f"/payments/proposals/{pid}/pain001.xml")).status_code == 404  # no file yet
    r = b.post(web.url(f"/payments/proposals/{pid}/approve"))
    assert r.status_code == 303
    html = b.get(r.headers["location"]).text
    assert notice(html) == "Forslaget er godkjent. Lag betalingsfilen når du er klar."
    assert ">Godkjent<" in html and f"1 av 1: {b.username}" in html and 'name="version"' in html
    r = b.post(web.url(f"/payments/proposals/{pid}/export"), {"version": "09"})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=exported")
    html = b.get(r.headers["location"]).text
    assert notice(html).startswith("Betalingsfilen er laget.") and ">Eksportert<" in html
    assert f'href="/c/{web.cid}/payments/proposals/{pid}/pain001.xml"' in html
    assert ">Til betaling<" in html and "/approve" not in html and "/lines/" not in html
    download = b.get(web.url(f"/payments/proposals/{pid}/pain001.xml"))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/xml"
    assert re.fullmatch(r'attachment; filename="pain001-RSK-[A-Za-z0-9-]+\.xml"',
                        download.headers["content-disposition"])
    root = etree.fromstring(download.content)
    assert xml.schema_problems(root, "pain.001.001.09", "x") == []
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=PAIN001_09) == "7250.00"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=PAIN001_09) == "2"
    # The list shows it; an exported proposal changes no more.
    listing = b.get(web.url("/payments/proposals")).text
    row = listing.split(f'data-proposal="{pid}"', 1)[1].split("</tr>", 1)[0]
    assert ">Eksportert<" in row and f"7{NBSP}250,00" in row and b.username in row and "1503.12.34562" in row
    r = b.post(web.url(f"/payments/proposals/{pid}/cancel"))
    assert r.status_code == 422 and problem(r.text) == "Forslaget er eksportert eller avbrutt: det kan ikke endres."


def test_only_the_ticked_items_a_removed_line_and_a_cancelled_proposal_go_back_to_the_due_list(web: Web, ctx: Ctx
                                                                                              ) -> None:
    setup(ctx)
    invoice(ctx, "L2001", "300.00", "S-7789")
    b = web.sign_in("accountant")
    html = b.get(web.url("/payments?due_by=")).text
    ticks = dict(re.findall(r'name="item_ids" value="(\d+)" form="new-proposal" aria-label="Betal ([^"]+)"', html))
    assert set(ticks.values()) == {"S-7788", "S-7789", "4455"}
    chosen = [k for k, v in ticks.items() if v in ("S-7789", "4455")]
    url = make_proposal(b, web, item_ids=chosen)
    pid = int(url.rsplit("/", 1)[1])
    p = pay.get_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=pid)
    assert [ln.document_number for ln in p.lines] == ["S-7789", "4455"]
    assert [s.number for s in pay.due_list(uow=ctx.uow(), company_id=ctx.company_id).suppliers] == ["L2001"]
    r = b.post(web.url(f"/payments/proposals/{pid}/lines/2"), {"amount": "", "action": "remove"})
    assert r.status_code == 303
    html = b.get(r.headers["location"]).text
    assert notice(html) == "Linje 2 er tatt ut av forslaget; posten er tilbake i forfallslisten."
    assert 'data-line="2" data-status="cancelled" class="done"' in html and ">Tatt ut<" in html
    r = b.post(web.url(f"/payments/proposals/{pid}/lines/2"), {"amount": "1,00", "action": "amount"})
    assert r.status_code == 422
    assert problem(r.text) == "Denne linjen er ikke lenger med i forslaget. Last inn siden på nytt."
    assert 'data-supplier="L2002"' in b.get(web.url("/payments?due_by=")).text
    page = b.get(url).text
    assert "data-confirm=" in page
    r = b.post(web.url(f"/payments/proposals/{pid}/cancel"))
    assert r.status_code == 303
    assert notice(b.get(r.headers["location"]).text) == "Forslaget er avbrutt; postene er tilbake i forfallslisten."
    assert b.post(web.url(f"/payments/proposals/{pid}/approve")).status_code == 422
    assert b.post(web.url("/payments/proposals/999999/approve")).status_code == 404


def test_the_proposal_form_refuses_what_cannot_be_paid(web: Web, ctx: Ctx) -> None:
    setup(ctx)
    b = web.sign_in("accountant")
    b.get(web.url("/payments"))
    before = count(ctx, "payment_proposals")
    r = b.post(web.url("/payments/proposals"), {"debtor_account": "12065432100", "execution_date": "2026-07-01"})
    assert r.status_code == 422 and 'id="f-debtor_account-msg" role="alert">Velg en av selskapets bankkontoer.' \
        in r.text
    r = b.post(web.url("/payments/proposals"), {"debtor_account": OURS, "execution_date": "2026-06-01"})
    assert r.status_code == 422 and 'id="f-execution_date-msg" role="alert">Betalingsdatoen er passert' in r.text
    r = b.post(web.url("/payments/proposals"), {"debtor_account": OURS, "execution_date": "i morgen"})
    assert r.status_code == 422 and 'id="f-execution_date-msg" role="alert">Oppgi datoen banken' in r.text
    r = b.post(web.url("/payments/proposals"), {"debtor_account": OURS, "execution_date": "01.07.2026",
                                                "due_by": "2026-02-01"})
    assert r.status_code == 422 and problem(r.text).startswith("Ingenting kan betales innen den datoen")
    r = b.post(web.url("/payments/proposals"), {"debtor_account": OURS, "execution_date": "2026-07-01",
                                                "item_ids": ["999999"]})
    assert r.status_code == 422 and problem(r.text).startswith("En avkrysset post kan ikke betales")
    # A currency filter the service does not know: what the filtered list shows (nothing in EUR) is what is paid.
    r = b.post(web.url("/payments/proposals"), {"debtor_account": OURS, "execution_date": "2026-07-01",
                                                "currency": "EUR"})
    assert r.status_code == 422 and problem(r.text).startswith("Ingenting kan betales innen den datoen")
    assert count(ctx, "payment_proposals") == before
    assert next_weekday(date(2026, 7, 3)) == date(2026, 7, 6)  # Friday → Monday


def test_with_two_approvals_the_proposer_alone_is_not_enough(web: Web, ctx: Ctx) -> None:
    setup(ctx)
    b = web.sign_in("accountant")
    html = b.get(web.url("/payments/proposals")).text
    assert "Et forslag betales når 1 bruker har godkjent det." in html
    assert '<option value="1" selected>' in html
    r = b.post(web.url("/payments/settings"), {"payment_approvals": "3"})
    assert r.status_code == 422 and 'id="f-payment_approvals-msg" role="alert">Velg 1 eller 2.' in r.text
    r = b.post(web.url("/payments/settings"), {"payment_approvals": "2"})
    assert r.status_code == 303
    html = b.get(r.headers["location"]).text
    assert notice(html) == "Antall godkjenninger et forslag trenger, er lagret."
    assert "Et forslag betales når 2 brukere har godkjent det, ikke bare den som laget det." in html
    url = make_proposal(b, web)
    pid = int(url.rsplit("/", 1)[1])
    r = b.post(web.url(f"/payments/proposals/{pid}/approve"))
    html = b.get(r.headers["location"]).text
    assert notice(html) == ("Godkjenningen din er registrert (1 av 2). En annen bruker må også godkjenne "
                            "forslaget.")
    assert ">Utkast<" in html and 'id="waits-for-second"' in html and "/approve" not in html
    r = b.post(web.url(f"/payments/proposals/{pid}/approve"))
    assert r.status_code == 422
    assert problem(r.text) == "Du har allerede godkjent dette forslaget. En annen bruker må også godkjenne det."
    r = b.post(web.url(f"/payments/proposals/{pid}/export"), {"version": "09"})
    assert r.status_code == 422 and problem(r.text) == "Bare et godkjent forslag skrives til en betalingsfil."
    other = second_accountant(web, ctx)
    other.get(url)
    r = other.post(web.url(f"/payments/proposals/{pid}/approve"))
    html = other.get(r.headers["location"]).text
    assert ">Godkjent<" in html and f"2 av 2: {b.username}, {other.username}" in html
    r = other.post(web.url(f"/payments/proposals/{pid}/export"), {"version": "03"})
    assert r.status_code == 303
    body = other.get(web.url(f"/payments/proposals/{pid}/pain001.xml")).content
    assert xml.schema_problems(etree.fromstring(body), "pain.001.001.03", "x") == []


def test_a_read_only_user_sees_the_due_list_but_every_change_is_refused(web: Web, ctx: Ctx) -> None:
    setup(ctx)
    supplier(ctx, "L2005", name="Ny Konto AS", bank_account="98765432103")  # pending
    pid = pay.create_proposal(uow=ctx.uow(), company_id=ctx.company_id, debtor_account=OURS,
                              execution_date=date(2026, 7, 1), suppliers=["L2002"]).proposal_id
    approval = pay.account_approvals(uow=ctx.uow(), company_id=ctx.company_id)[0].approval_id
    b = web.sign_in("read_only")
    for path in ("/payments", "/payments/proposals", f"/payments/proposals/{pid}", "/payments/accounts"):
        r = b.get(web.url(path))
        assert r.status_code == 200, path
        main = r.text.split("<main", 1)[1].split("</main>", 1)[0]
        assert 'method="post"' not in main and 'type="checkbox"' not in main, path
        assert "Kun lesing" in r.text
    assert "Leverandør Testdata AS" in b.get(web.url("/payments")).text
    assert ">Betalinger<" in b.get(web.url("/")).text  # the top bar's entry
    before = count(ctx, "audit_events")
    forms = {"/payments/proposals": {"debtor_account": OURS, "execution_date": "2026-07-01"},
             f"/payments/proposals/{pid}/lines/1": {"amount": "1,00"},
             f"/payments/proposals/{pid}/approve": {}, f"/payments/proposals/{pid}/cancel": {},
             f"/payments/proposals/{pid}/export": {"version": "09"},
             "/payments/settings": {"payment_approvals": "2"},
             f"/payments/accounts/{approval}": {"decision": "approve"}}
    for path, data in forms.items():
        r = b.post(web.url(path), data)
        assert r.status_code == 403, path
        assert "kan se alt her, men ikke endre noe" in r.text
    r = b.client.post(web.url("/payments/status-reports"), data={"csrf_token": b.csrf},
                      files={"file": ("sts.xml", b"<x/>", "application/xml")}, follow_redirects=False)
    assert r.status_code == 403
    assert count(ctx, "audit_events") == before
    assert pay.get_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=pid).status == "draft"


# -- the bank's status report ----------------------------------------------------------------------------------


def test_a_pain002_rejects_a_payment_and_its_item_is_back_in_the_due_list(web: Web, ctx: Ctx) -> None:
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account=OURS, name="Driftskonto")
    pid, _ = exported_proposal(ctx)
    p = pay.get_proposal(uow=ctx.uow(), company_id=ctx.company_id, proposal_id=pid)
    b = web.sign_in("accountant")
    html = b.get(web.url("/payments/proposals")).text
    assert f'action="/c/{web.cid}/payments/status-reports"' in html
    assert 'data-supplier="L2001"' not in b.get(web.url("/payments?due_by=")).text  # in payment
    report = pain002([{"end_to_end_id": p.lines[0].end_to_end_id, "status": "RJCT", "reason_code": "AC04",
                       "reason_text": "Closed account"}, {"end_to_end_id": "NOT-OURS", "status": "ACCP"}],
                     original_msg_id=str(p.message_id), msg_id="STS-1")
    r = b.client.post(web.url("/payments/status-reports"), data={"csrf_token": b.csrf},
                      files={"file": ("sts.xml", report, "application/xml")}, follow_redirects=False)
    assert r.status_code == 303, r.text[-1500:]
    html = b.get(r.headers["location"]).text
    assert notice(html) == ("Statusrapporten er tatt inn: 1 avvist (tilbake i forfallslisten), 0 akseptert, 1 ikke "
                            "våre.")
    page = b.get(web.url(f"/payments/proposals/{pid}")).text
    assert ">Avvist av banken<" in page and "AC04 Closed account" in page
    due = b.get(web.url("/payments?due_by=")).text
    assert "S-7788" in block(due, "L2001")
    # The same report again changes nothing; a damaged one lists its problems; none at all is asked for.
    r = b.client.post(web.url("/payments/status-reports"), data={"csrf_token": b.csrf},
                      files={"file": ("sts.xml", report, "application/xml")}, follow_redirects=False)
    assert notice(b.get(r.headers["location"]).text) == "Denne statusrapporten er tatt inn før; ingenting ble endret."
    r = b.client.post(web.url("/payments/status-reports"), data={"csrf_token": b.csrf},
                      files={"file": ("x.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><x/>',
                                      "application/xml")}, follow_redirects=False)
    assert r.status_code == 422 and "Statusrapporten ble ikke tatt inn" in r.text and "DOCTYPE" in r.text
    r = b.client.post(web.url("/payments/status-reports"), data={"csrf_token": b.csrf}, follow_redirects=False)
    assert r.status_code == 422 and "Velg statusrapporten (pain.002) fra banken." in r.text


# -- languages -------------------------------------------------------------------------------------------------


def test_the_pages_are_in_bokmal_and_in_english_when_chosen(web: Web, ctx: Ctx) -> None:
    setup(ctx)
    supplier(ctx, "L2005", name="Ny Konto AS", bank_account="98765432103")
    invoice(ctx, "L2005", "10.00", "N-1")
    b = web.sign_in("accountant")
    b.post("/lang", {"lang": "nb", "next": "/"})
    html = b.get(web.url("/payments")).text
    assert '<html lang="nb">' in html
    for text in ("Forfallsliste", "Betalingsforslag", "Bankkontoer til godkjenning", "Lag et betalingsforslag",
                 "Betal fra", "Betalingsdato", "Forfall til og med", "Netto å betale", "Til betaling, NOK",
                 ">Betalinger<", "Bankkontoen venter på godkjenning av en annen bruker."):
        assert text in html, text
    html = b.get(web.url("/payments/proposals")).text
    for text in ("Statusrapport fra banken", "Godkjenninger et forslag trenger", "Ingen betalingsforslag ennå."):
        assert text in html, text
    b.post("/lang", {"lang": "en", "next": "/"})
    html = b.get(web.url("/payments")).text
    assert '<html lang="en">' in html and "Payments out: due list" in html and ">Payments<" in html
    assert "The bank account waits for a second user's approval." in html.replace("&#39;", "'")
    assert "10,000.00" in html and 'data-total="NOK">11,250.00' in html
    url = make_proposal(b, web)
    html = b.get(url + "?done=created").text
    assert "The proposal is made with 2 payments." in html and ">Draft<" in html and "Execution date" in html
    html = b.get(web.url("/payments/accounts")).text
    assert "Supplier bank accounts to approve" in html and "Ny Konto AS" in html
    assert Decimal("11250.00") == sum(pay.get_proposal(uow=ctx.uow(), company_id=ctx.company_id,
                                                       proposal_id=int(url.rsplit("/", 1)[1])).totals.values())
