"""Every change needs the CSRF token of the session, and a read-only user can change nothing.

Both walk every route of the web app (``tests/web/routes.py``), so a route added later is covered: an
unsafe request without the token, or with another session's, is a 403 before anything runs; a
read-only user gets 403 on every change of a company, and sees no control that would make one.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from reskontro.domain.parties import PartyKind
from reskontro.services import bank_payments as bank
from reskontro.services import parties
from tests.builders import count, customer, post
from tests.builders_bank import ocr_file
from tests.conftest import Ctx
from tests.web.conftest import PASSWORD, Web
from tests.web.routes import PERSONAL, WRITE_PAGES, Records, company_calls, personal_action, walk, web_routes
from tests.web.test_payments import exported_proposal


def a_records(web: Web, ctx: Ctx) -> Records:
    """A's own customer, document, follow-up, voucher and match, so that a write route's record exists."""
    customer(ctx, "10001")
    document_id = parties.attach_document(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER,
                                          number="10001", filename="a.txt", content=b"a")
    follow_up_id = parties.add_follow_up(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER,
                                         number="10001", title="Ring")
    invoice = post(ctx, "invoice", "10001", "1000.00", date(2026, 5, 1), document_number="A-1")
    paid = post(ctx, "payment", "10001", "400.00", date(2026, 5, 10), applies_to="A-1")
    # A bank payment waiting for review, so that its page and forms exist.
    bank.add_bank_account(uow=ctx.uow(), company_id=ctx.company_id, account="15031234562", name="Drift")
    bank.import_bank_file(uow=ctx.uow(), company_id=ctx.company_id, data=ocr_file([{"amount": "5.00"}]),
                          filename="ocr.txt")
    queued = bank.review_queue(uow=ctx.uow(), company_id=ctx.company_id).rows[0]
    # A payment proposal written as a pain.001, and its supplier's approved bank account.
    proposal_id, approval_id = exported_proposal(ctx)
    return Records(web.cid, "10001", document_id, follow_up_id, voucher=invoice.voucher_ref,
                   match_id=paid.matches[0].match_id, bank_payment_id=queued.bank_payment_id,
                   proposal_id=proposal_id, approval_id=approval_id)


def unsafe_calls(web: Web) -> list:  # type: ignore[type-arg]
    calls, uncovered = walk(web_routes())
    assert not uncovered, "\n".join(uncovered)
    return [c for c in calls if c.method != "GET"]


@pytest.mark.parametrize("token", ["missing", "another session's", "the anonymous one"])
def test_every_change_without_the_sessions_csrf_token_is_refused(web: Web, ctx: Ctx, token: str) -> None:
    records = a_records(web, ctx)
    other = web.sign_in("admin")
    b = web.sign_in("admin")
    anonymous = b.client.cookies.get("reskontro_csrf")
    sent = {"missing": None, "another session's": other.csrf, "the anonymous one": anonymous}[token]
    before = count(ctx, "audit_events")
    calls = unsafe_calls(web)
    assert len(calls) >= 10
    for call in calls:
        if call.path == "/login":
            continue  # before sign-in: see the next test
        form = {} if sent is None else {"csrf_token": sent}
        response = b.client.request(call.method, call.url(web.cid, records), **call.request(form))
        assert response.status_code == 403, f"{call.method} {call.path}: {response.status_code}"
        assert "Skjemaet var utløpt" in response.text
    assert count(ctx, "audit_events") == before
    assert b.get(web.url("/")).status_code == 200, "the session survived (logout was refused)"


def test_the_login_form_is_protected_by_the_anonymous_token(web: Web) -> None:
    b = web.browser()
    b.get("/login")
    fields = {"username": web.users["accountant"], "password": PASSWORD}
    assert b.post("/login", fields, csrf=False).status_code == 403
    assert b.post("/login", {**fields, "csrf_token": "x" * 43}).status_code == 403
    fresh = web.browser()  # a form posted from elsewhere, without ever loading ours: no cookie to match
    assert fresh.post("/login", {**fields, "csrf_token": b.csrf}).status_code == 403
    assert b.post("/login", fields).status_code == 303


def test_htmx_sends_the_token_as_a_header(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    b = web.sign_in("accountant")
    url = web.url("/customer/10001/contacts")
    refused = b.client.post(url, data={"name": "Kari"}, headers={"HX-Request": "true"})
    assert refused.status_code == 403 and refused.headers["X-Message"]
    ok = b.client.post(url, data={"name": "Kari"}, headers={"X-CSRF-Token": b.csrf}, follow_redirects=False)
    assert ok.status_code == 303


def test_a_read_only_user_gets_403_on_every_change_and_nothing_changes(web: Web, ctx: Ctx) -> None:
    records = a_records(web, ctx)
    b = web.sign_in("read_only")
    before = count(ctx, "audit_events")
    writes = [c for c in company_calls() if c.method != "GET" and (c.method, c.path) not in PERSONAL]
    assert len(writes) >= 8
    for call in writes:
        response = b.client.request(call.method, call.url(web.cid, records), **call.request({"csrf_token": b.csrf}))
        assert response.status_code == 403, f"{call.method} {call.path}: {response.status_code}"
        assert "kan se alt her, men ikke endre noe" in response.text
    # The forms of a change are refused too, not only their submission.
    for path in ("/customers/new", "/suppliers/new", "/customer/10001/edit", "/postings",
                 "/postings?type=payment&kind=customer&party=10001", "/postings/kid?kid=12", "/import",
                 f"/import/{records.upload}", "/bank", f"/bank/{records.upload}"):
        assert b.get(web.url(path)).status_code == 403
    assert count(ctx, "audit_events") == before


_POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]+)"', re.S)


@pytest.mark.parametrize("role", ["read_only", "accountant"])
def test_a_read_only_user_sees_no_edit_controls(web: Web, ctx: Ctx, role: str) -> None:
    records = a_records(web, ctx)
    b = web.sign_in(role)
    pages = [c.url(web.cid, records) for c in company_calls() if c.method == "GET"
             and not c.path.endswith(("/documents/{document_id}", "/export", *WRITE_PAGES))]
    assert len(pages) >= 8
    writes_seen = set()
    for url in pages:
        html = b.get(url).text
        actions = {a for a in _POST_FORM.findall(html) if not personal_action(a)} - {"/logout", "/lang"}
        edit_links = re.findall(r'href="[^"]*/(?:new|edit)"', html)
        if role == "read_only":
            assert not actions, f"{url} offers a change: {actions}"
            assert not edit_links, f"{url} links to a form: {edit_links}"
            assert "Kun lesing" in html or "<html" not in html  # the badge, on every full page
        writes_seen |= actions | set(edit_links)
    if role == "accountant":
        assert len(writes_seen) >= 6  # the same pages do offer an accountant the changes
