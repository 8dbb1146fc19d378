"""Every route of the web UI, with what a test needs to call it: the walkers of the isolation, CSRF and
read-only tests take the routes from the app itself, so a route added later is walked too — and one whose
path parameter or form the tables below do not know fails those tests, naming what to add.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from reskontro.web.app import routers


@dataclass
class Records:
    """One company's records that routes name: a customer, a document, a follow-up (and the customer's
    voucher and match, where the company has them)."""

    company_id: int
    customer: str
    document_id: int
    follow_up_id: int
    voucher: str = "SF2026-1"
    match_id: int = 1
    upload: str = "u" * 43  # a pending import file's token (web/uploads.py); none by default
    bank_payment_id: int = 1  # a payment of a bank file (web/routes/bank.py); none by default
    proposal_id: int = 1  # a payment proposal (web/routes/payments.py); none by default
    approval_id: int = 1  # a supplier bank account's approval (web/routes/payments.py); none by default


#: Path parameter -> its value in a company (and whether it names a record of that company).
PATH_PARAMS: dict[str, tuple[Callable[[Records], Any], bool]] = {
    "kind": (lambda r: "customer", False),
    "number": (lambda r: r.customer, True),
    "document_id": (lambda r: r.document_id, True),
    "follow_up_id": (lambda r: r.follow_up_id, True),
    "block": (lambda r: "credit_stop", False),
    "voucher": (lambda r: r.voucher, True),
    "match_id": (lambda r: r.match_id, True),
    "report": (lambda r: "aged", False),
    "upload": (lambda r: r.upload, True),
    "bank_payment_id": (lambda r: r.bank_payment_id, True),
    "proposal_id": (lambda r: r.proposal_id, True),
    "line_no": (lambda r: 1, False),
    "approval_id": (lambda r: r.approval_id, True),
}

#: (METHOD, path) -> a form that the route would accept (files as (name, bytes, type)).
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/login"): {"username": "nobody", "password": "wrong"},
    ("POST", "/logout"): {},
    ("POST", "/lang"): {"lang": "en", "next": "/"},
    ("POST", "/account/password"): {"current_password": "x", "new_password": "y", "confirm_password": "y"},
    ("POST", "/c/{company_id}/customers/new"): {"number": "Z-1", "name": "Ny AS"},
    ("POST", "/c/{company_id}/suppliers/new"): {"number": "Z-2", "name": "Ny AS"},
    ("POST", "/c/{company_id}/follow-ups/{follow_up_id}"): {"status": "done"},
    ("POST", "/c/{company_id}/{kind}/{number}/contacts"): {"name": "Probe"},
    ("POST", "/c/{company_id}/{kind}/{number}/documents"): {"doc_type": "other",
                                                            "file": ("probe.txt", b"probe", "text/plain")},
    ("POST", "/c/{company_id}/{kind}/{number}/follow-ups"): {"title": "Probe"},
    ("POST", "/c/{company_id}/{kind}/{number}/blocks/{block}"): {"reason": "probe"},
    ("POST", "/c/{company_id}/{kind}/{number}/edit"): {"number": "Z-3", "name": "Endret AS"},
    ("POST", "/c/{company_id}/postings"): {"type": "invoice", "kind": "customer", "party": "10001",
                                           "date": "2026-06-01", "amount": "100,00"},
    ("POST", "/c/{company_id}/vouchers/{voucher}/reverse"): {"date": "2026-06-30"},
    ("POST", "/c/{company_id}/{kind}/{number}/matches"): {"item": ["1", "2"]},
    ("POST", "/c/{company_id}/{kind}/{number}/matches/suggested"): {"pair": "1:2:"},
    ("POST", "/c/{company_id}/{kind}/{number}/matches/{match_id}/unmatch"): {},
    ("POST", "/c/{company_id}/saved-queries"): {"name": "Probe", "report": "aged", "query": "kind=customer"},
    ("POST", "/c/{company_id}/saved-queries/delete"): {"name": "Probe"},
    ("POST", "/c/{company_id}/import"): {"kind": "parties", "file": ("probe.csv", b"number,kind\n", "text/csv")},
    ("POST", "/c/{company_id}/import/{upload}/confirm"): {},
    ("POST", "/c/{company_id}/import/{upload}/discard"): {},
    ("POST", "/c/{company_id}/bank"): {"file": ("probe.txt", b"NY000010", "text/plain")},
    ("POST", "/c/{company_id}/bank/accounts"): {"account": "15031234562", "name": "Probe", "gl_account": "1920"},
    ("POST", "/c/{company_id}/bank/kid-scheme"): {"kid_algorithm": "mod10", "kid_length": "10",
                                                  "kid_source": "invoice"},
    ("POST", "/c/{company_id}/bank/{upload}/confirm"): {},
    ("POST", "/c/{company_id}/bank/{upload}/discard"): {},
    ("POST", "/c/{company_id}/bank/payments/{bank_payment_id}/resolve"): {"party_number": "10001"},
    ("POST", "/c/{company_id}/bank/payments/{bank_payment_id}/suspense"): {},
    ("POST", "/c/{company_id}/payments/proposals"): {"debtor_account": "15031234562", "execution_date": "2026-07-01",
                                                     "due_by": ""},
    ("POST", "/c/{company_id}/payments/proposals/{proposal_id}/lines/{line_no}"): {"amount": "1,00"},
    ("POST", "/c/{company_id}/payments/proposals/{proposal_id}/approve"): {},
    ("POST", "/c/{company_id}/payments/proposals/{proposal_id}/cancel"): {},
    ("POST", "/c/{company_id}/payments/proposals/{proposal_id}/export"): {"version": "09"},
    ("POST", "/c/{company_id}/payments/status-reports"): {"file": ("probe.xml", b"<x/>", "application/xml")},
    ("POST", "/c/{company_id}/payments/settings"): {"payment_approvals": "2"},
    ("POST", "/c/{company_id}/payments/accounts/{approval_id}"): {"decision": "approve"},
}

#: Changes a read-only user may make, and why: they concern only the user's own things, not the books
#: (the API allows the same). The read-only walker leaves them out; tests/web/test_reports.py covers them.
PERSONAL: dict[tuple[str, str], str] = {
    ("POST", "/c/{company_id}/saved-queries"): "saves the user's own private query (sharing one needs write)",
    ("POST", "/c/{company_id}/saved-queries/delete"): "deletes the user's own saved query",
}

#: GET pages that only a user who may write can open (a read-only user gets 403, like their POSTs).
WRITE_PAGES = ("/new", "/edit", "/postings", "/postings/kid", "/import", "/import/{upload}", "/bank", "/bank/{upload}")


def personal_action(url: str) -> bool:
    """Whether a form's action is one of :data:`PERSONAL` (for the "no edit controls" check)."""
    return any(re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)), url) for _, path in PERSONAL)

#: Routes outside any company, and why they show no company's data.
GLOBAL: dict[str, str] = {
    "/": "redirects to one of the caller's own companies",
    "/login": "the sign-in form",
    "/logout": "ends the caller's own session",
    "/lang": "sets the caller's language cookie",
    "/account": "the caller's own companies and password",
    "/account/password": "changes the caller's own password",
}

_PARAM = re.compile(r"{([^}]+)}")


@dataclass
class Call:
    method: str
    path: str  # the route's path template
    names_record: bool

    def url(self, company_id: int, records: Records) -> str:
        def value(m: re.Match[str]) -> str:
            name = m.group(1)
            return str(company_id) if name == "company_id" else quote(str(PATH_PARAMS[name][0](records)), safe="")
        return _PARAM.sub(value, self.path)

    def request(self, form: dict[str, Any] | None = None) -> dict[str, Any]:
        """Keyword arguments for the test client: the route's form (and files), plus ``form``."""
        data: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for k, v in {**FORMS.get((self.method, self.path), {}), **(form or {})}.items():
            (files if isinstance(v, tuple) else data)[k] = v
        out: dict[str, Any] = {"data": data, "follow_redirects": False}
        if files:
            out["files"] = files
        return out


def web_routes() -> list[BaseRoute]:
    """The routes of every router the web app includes (``reskontro.web.app.ROUTER_MODULES``)."""
    return [route for router in routers() for route in router.routes]


def walk(routes: Iterable[BaseRoute]) -> tuple[list[Call], list[str]]:
    """Every (method, route), and what the tables above do not cover."""
    calls: list[Call] = []
    uncovered: list[str] = []
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(route.methods - {"HEAD"}):
            what = f"{method} {route.path}"
            params = [p for p in _PARAM.findall(route.path) if p != "company_id"]
            unknown = [p for p in params if p not in PATH_PARAMS]
            if unknown:
                uncovered.append(f"{what}: add path parameter(s) {unknown} to PATH_PARAMS")
                continue
            if method != "GET" and (method, route.path) not in FORMS:
                uncovered.append(f"{what}: add its form to FORMS")
                continue
            if not route.path.startswith("/c/{company_id}/") and route.path not in GLOBAL:
                uncovered.append(f"{what}: not under /c/{{company_id}}/ and not in GLOBAL")
                continue
            calls.append(Call(method, route.path, any(PATH_PARAMS[p][1] for p in params)))
    return calls, uncovered


def company_calls() -> Iterator[Call]:
    calls, uncovered = walk(web_routes())
    assert not uncovered, "web routes the walker does not cover:\n" + "\n".join(uncovered)
    yield from (c for c in calls if c.path.startswith("/c/{company_id}/"))
