"""Company isolation in the web UI, route by route: a user of company A reaches nothing of company B.

The walker takes every route of the web app (``tests/web/routes.py``), so a route added later is walked
too, and calls each as an accountant of A (with a valid CSRF token, so that what answers is the access
check and not the CSRF check):

1. with B's company id in the path (and B's party number, document and follow-up ids): always 404 —
   the very page a company that does not exist gets;
2. with A's company id but B's record ids wherever the route names a record: 404 as well;
3. a page of A that names no record: 200, A's own view.

No answer may contain B's data, and nothing of B's may change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from reskontro.domain.parties import PartyCard, PartyKind
from reskontro.services import bank_payments as bank
from reskontro.services import parties
from tests.api.conftest import other_company
from tests.builders import count, post
from tests.builders_bank import camt054
from tests.conftest import Ctx
from tests.web.conftest import Web, new_user
from tests.web.routes import Call, Records, company_calls, walk
from tests.web.test_payments import exported_proposal


@dataclass
class CompanyB:
    records: Records
    secrets: tuple[str, ...]


def b_upload(web: Web, username: str, company_id: int, tag: str) -> str:
    """A pending import file of B's user in B (its preview names B's secret), by its token."""
    browser = web.sign_in(username)
    browser.get(f"/c/{company_id}/import")
    content = ("number,kind,name,org_number,email,language,currency,payment_terms_days,credit_limit,address,"
               f"postal_code,city,country\nB-888,customer,Bravo Import {tag} AS,,,nb,NOK,14,,,,,NO\n").encode()
    r = browser.client.post(f"/c/{company_id}/import", data={"csrf_token": browser.csrf, "kind": "parties"},
                            files={"file": (f"bravo-import-{tag}.csv", content, "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return r.headers["location"].rsplit("/", 1)[-1]


def populate_b(ctx: Ctx, web: Web | None = None) -> CompanyB:
    tag = uuid.uuid4().hex[:8]
    cid = other_company(ctx, name=f"Bravo Secret {tag}")
    b = Ctx(ctx.app, cid)
    parties.create_party(uow=b.uow(), company_id=cid, card=PartyCard(
        kind=PartyKind.CUSTOMER, number="B-777", name=f"Bravo Kunde {tag} AS", org_number="923456783"))
    parties.define_free_field(uow=b.uow(), company_id=cid, code="bfield", label=f"Bravo felt {tag}",
                              field_type="text")
    parties.set_free_value(uow=b.uow(), company_id=cid, kind=PartyKind.CUSTOMER, number="B-777", code="bfield",
                           value=f"bravo verdi {tag}")
    invoice = post(b, "invoice", "B-777", "1000.00", date(2026, 5, 1), description=f"Bravo faktura {tag}")
    paid = post(b, "payment", "B-777", "400.00", date(2026, 5, 10), applies_to=invoice.document_number)
    document_id = parties.attach_document(uow=b.uow(), company_id=cid, kind=PartyKind.CUSTOMER, number="B-777",
                                          filename=f"bravo-secret-{tag}.pdf", content=b"%PDF-1.4 bravo")
    parties.add_contact(uow=b.uow(), company_id=cid, kind=PartyKind.CUSTOMER, number="B-777",
                        name=f"Bravo Kontakt {tag}")
    follow_up_id = parties.add_follow_up(uow=b.uow(), company_id=cid, kind=PartyKind.CUSTOMER, number="B-777",
                                         title=f"Bravo oppfølging {tag}")
    bank.add_bank_account(uow=b.uow(), company_id=cid, account="15031234562", name=f"Bravo Bank {tag}")
    bank.import_bank_file(uow=b.uow(), company_id=cid, filename=f"bravo-bank-{tag}.xml",
                          data=camt054([{"amount": "12.34", "name": f"Bravo Betaler {tag}"}], msg_id=f"B-{tag}"))
    payment_id = bank.review_queue(uow=b.uow(), company_id=cid).rows[0].bank_payment_id
    proposal_id, approval_id = exported_proposal(b, number="B-L1", name=f"Bravo Leverandør {tag} AS",
                                                 document=f"Bravo-LF-{tag}")
    bravo = new_user(ctx, cid, "admin", prefix="bravo")
    upload = b_upload(web, bravo, cid, tag) if web is not None else "u" * 43
    return CompanyB(Records(cid, "B-777", document_id, follow_up_id, voucher=invoice.voucher_ref,
                            match_id=paid.matches[0].match_id, upload=upload, bank_payment_id=payment_id,
                            proposal_id=proposal_id, approval_id=approval_id),
                    secrets=(f"Bravo Secret {tag}", f"Bravo Kunde {tag}", f"bravo-secret-{tag}",
                             f"Bravo Kontakt {tag}", f"Bravo oppfølging {tag}", f"bravo verdi {tag}",
                             f"Bravo faktura {tag}", f"Bravo felt {tag}", "923 456 783", f"bravo-import-{tag}",
                             f"Bravo Import {tag}", f"Bravo Bank {tag}", f"bravo-bank-{tag}",
                             f"Bravo Betaler {tag}", f"Bravo Leverandør {tag}", f"Bravo-LF-{tag}"))


def test_a_user_of_one_company_gets_404_for_every_page_of_another(web: Web, ctx: Ctx) -> None:
    b = populate_b(ctx, web)
    b_audit, a_audit = count(Ctx(ctx.app, b.records.company_id), "audit_events"), count(ctx, "audit_events")
    a_records = Records(web.cid, "A-none", 1, 1)  # A has no records: B's ids name nothing in A
    browser = web.sign_in("accountant")
    seen: list[tuple[str, int]] = []

    def check(call: Call, company_id: int, records: Records, allowed: tuple[int, ...]) -> None:
        response = browser.client.request(call.method, call.url(company_id, records),
                                          **call.request({"csrf_token": browser.csrf}))
        what = f"{call.method} {call.url(company_id, records)}"
        seen.append((what, response.status_code))
        assert response.status_code in allowed, f"{what}: {response.status_code} {response.text[:300]}"
        for secret in b.secrets:
            assert secret.lower() not in response.text.lower(), f"{what} shows B's {secret!r}"
        if response.status_code == 404:
            assert "Siden finnes ikke, eller du har ikke tilgang til den." in response.text

    for call in company_calls():
        check(call, b.records.company_id, b.records, (404,))
        if call.names_record:
            check(call, web.cid, b.records, (404,))
        elif call.method == "GET":
            check(call, web.cid, a_records, (200,))
    assert len(seen) >= 20
    assert count(Ctx(ctx.app, b.records.company_id), "audit_events") == b_audit, "A's user changed company B"
    assert count(ctx, "audit_events") == a_audit, "a refused request changed company A"


def test_a_company_that_does_not_exist_answers_exactly_like_anothers(web: Web, ctx: Ctx) -> None:
    b = populate_b(ctx)
    browser = web.sign_in("accountant")
    missing = browser.get("/c/2147483000/customers")
    foreign = browser.get(f"/c/{b.records.company_id}/customers")
    assert missing.status_code == foreign.status_code == 404
    assert missing.text == foreign.text
    assert browser.get("/c/not-a-number/").status_code == 404
    assert browser.get("/c/0/").status_code == 404
    # B's org number is checked against A's cards only: nothing tells A that B has a card with it.
    check = browser.get(web.url("/validate/org-number"), params={"org_number": "923456783"})
    assert check.status_code == 200 and "923 456 783" in check.text and "B-777" not in check.text


def test_a_route_the_walker_does_not_know_fails_the_walk() -> None:
    from fastapi import APIRouter

    router = APIRouter()
    router.get("/c/{company_id}/widgets/{widget_id}")(lambda company_id, widget_id: None)
    router.post("/c/{company_id}/gadgets")(lambda company_id: None)
    router.get("/status")(lambda: None)
    calls, uncovered = walk(router.routes)
    assert uncovered == [
        "GET /c/{company_id}/widgets/{widget_id}: add path parameter(s) ['widget_id'] to PATH_PARAMS",
        "POST /c/{company_id}/gadgets: add its form to FORMS",
        "GET /status: not under /c/{company_id}/ and not in GLOBAL"]
    assert calls == []
