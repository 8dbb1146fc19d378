"""Company isolation, route by route: a user of company A reaches nothing of company B.

The walker takes every operation in the generated OpenAPI document — so routes added later are
walked too — and calls it as an accountant of A twice:

1. with company B's id in the path (and B's party numbers, voucher refs, match, document and
   follow-up ids...): every answer must be 403 or 404;
2. with A's company id but B's record ids wherever the route names a record (in the path or the
   body): every answer must be 403 or 404, since those records are not A's.

No answer may contain B's data (B's names, which the requests never send), and B's audit trail
must not have grown. A route with a path parameter or request body the tables below do not know
fails the test, naming what to add (``PATH_PARAMS``/``ROUTE_PARAMS``, ``BODIES``, ``QUERY_PARAMS``,
``NOT_RECORDS``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from tests.api.conftest import Api, new_user, other_company
from tests.builders import count
from tests.builders_bank import camt054
from tests.conftest import Ctx


@dataclass
class Company:
    """Company B: its ids, and the names that must never appear in an answer to A's user."""

    company_id: int
    customer: str
    supplier: str
    voucher: str
    item_a: int
    item_b: int
    match_id: int
    document_id: int
    follow_up_id: int
    query: str
    field_code: str
    secrets: tuple[str, ...]
    bank_payment_id: int = 0


def populate_b(api: Api) -> Company:
    """A company B with one of everything, made through the API by B's own admin."""
    tag = uuid.uuid4().hex[:8]
    cid = other_company(api.ctx, name=f"Bravo Secret {tag}")
    _, token = new_user(api.ctx, cid, "admin", prefix="bravo")
    headers = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, status: int = 201, **kw: Any) -> Any:
        response = api.client.request(method, f"/companies/{cid}{path}", headers=headers, **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    # A has no records at all, so B's ids name nothing in A even on SQLite, where ids count per company.
    call("POST", "/parties", json={"kind": "customer", "number": "B-777", "name": f"Bravo Kunde {tag} AS"})
    call("POST", "/parties", json={"kind": "supplier", "number": "B-888", "name": f"Bravo Leverandør {tag} AS"})
    call("POST", "/free-fields", json={"code": "bfield", "label": f"Bravo felt {tag}", "type": "text"})
    call("PUT", "/parties/customer/B-777/free-fields/bfield", 204, json={"value": f"bravo verdi {tag}"})
    invoice = call("POST", "/postings", json={"kind": "customer", "type": "invoice", "party_number": "B-777",
                                              "amount": "1000.00", "date": "2026-05-01",
                                              "description": f"Bravo faktura {tag}"})
    payment = call("POST", "/postings", json={"kind": "customer", "type": "payment", "party_number": "B-777",
                                              "amount": "400.00", "date": "2026-05-10", "auto_match": False})
    match = call("POST", "/matches", json={"item_a": invoice["item_id"], "item_b": payment["item_id"]})
    document = call("POST", "/parties/customer/B-777/documents",
                    files={"file": (f"bravo-secret-{tag}.pdf", b"%PDF-1.4 bravo", "application/pdf")})
    call("POST", "/parties/customer/B-777/contacts", json={"name": f"Bravo Kontakt {tag}"})
    follow_up = call("POST", "/parties/customer/B-777/follow-ups", json={"title": f"Bravo oppfølging {tag}"})
    call("POST", "/saved-queries", json={"name": "b-query", "report": "aged", "shared": True,
                                         "parameters": {"note": f"bravo parameter {tag}"}})
    call("POST", "/bank/accounts", json={"account": "15031234562", "name": f"Bravo konto {tag}"})
    camt = camt054([{"amount": "5.00", "name": f"Bravo betaler {tag}"}], msg_id=f"B-{tag}")
    call("POST", "/bank/files", 200, files={"file": ("b.xml", camt, "application/xml")})
    queued = call("GET", "/bank/queue", 200)["rows"][0]["bank_payment_id"]
    return Company(cid, "B-777", "B-888", invoice["voucher"], invoice["item_id"], payment["item_id"],
                   match["match_id"], document["document_id"], follow_up["follow_up_id"], "b-query", "bfield",
                   secrets=(f"Bravo Secret {tag}", f"Bravo Kunde {tag}", f"Bravo Leverandør {tag}",
                            f"bravo-secret-{tag}", f"Bravo Kontakt {tag}", f"Bravo oppfølging {tag}",
                            f"bravo verdi {tag}", f"Bravo faktura {tag}", f"bravo parameter {tag}",
                            f"Bravo felt {tag}", f"Bravo konto {tag}", f"Bravo betaler {tag}"),
                   bank_payment_id=queued)


#: Path parameter -> B's value. A new route with another path parameter must be added here.
PATH_PARAMS = {
    "kind": lambda b: "customer",
    "number": lambda b: b.customer,
    "block": lambda b: "credit_stop",
    "follow_up_id": lambda b: b.follow_up_id,
    "document_id": lambda b: b.document_id,
    "code": lambda b: b.field_code,
    "ref": lambda b: b.voucher,
    "match_id": lambda b: b.match_id,
    "name": lambda b: b.query,
    "bank_payment_id": lambda b: b.bank_payment_id,
    # A has no proposals or approvals at all: these ids name nothing of A's (and B's company is not A's to reach).
    "proposal_id": lambda b: 1,
    "approval_id": lambda b: 1,
    "line_no": lambda b: 1,
}

#: Per-route overrides of PATH_PARAMS, for a route whose parameter of a common name means something else
#: (e.g. ``{"/companies/{company_id}/reports/{name}": {"name": lambda b: "aged"}}``).
ROUTE_PARAMS: dict[str, dict[str, Any]] = {}
#: Required query parameter -> (B's value, whether it names one of B's records). A route with a required
#: query parameter not listed here fails the walk.
QUERY_PARAMS: dict[str, tuple[Any, bool]] = {
    "kind": (lambda b: "customer", False),
    "party": (lambda b: b.customer, True),
}
#: Routes whose extra path parameters name no record of a company (a report's name, say): with A's company
#: they are A's own view, so a GET must answer 200 (without B's data), like a company-level list.
NOT_RECORDS: set[str] = set()

_CSV_PARTIES = b"number,kind,name\nZ-1,customer,Ny AS\n"


def _csv_transactions(b: Company) -> bytes:
    return (b"party_number,kind,type,document_number,date,amount\n"
            + f"{b.customer},customer,invoice,X1,2026-06-01,10.00\n".encode())


#: (METHOD, path) -> request arguments for routes that take a body, with B's ids wherever one names a record,
#: and whether the body names B's records (then A's company must answer 403/404 as well).
BODIES: dict[tuple[str, str], tuple[Any, bool]] = {
    ("POST", "/companies/{company_id}/parties"): (
        lambda b: {"json": {"kind": "customer", "number": "Z-1", "name": "Ny AS"}}, False),
    ("PATCH", "/companies/{company_id}/parties/{kind}/{number}"): (lambda b: {"json": {"city": "Oslo"}}, True),
    ("PUT", "/companies/{company_id}/parties/{kind}/{number}/blocks/{block}"): (
        lambda b: {"json": {"reason": "probe"}}, True),
    ("DELETE", "/companies/{company_id}/parties/{kind}/{number}/blocks/{block}"): (lambda b: {}, True),
    ("POST", "/companies/{company_id}/parties/{kind}/{number}/contacts"): (lambda b: {"json": {"name": "X"}}, True),
    ("POST", "/companies/{company_id}/parties/{kind}/{number}/follow-ups"): (
        lambda b: {"json": {"title": "X"}}, True),
    ("PATCH", "/companies/{company_id}/follow-ups/{follow_up_id}"): (lambda b: {"json": {"status": "done"}}, True),
    ("POST", "/companies/{company_id}/parties/{kind}/{number}/documents"): (
        lambda b: {"files": {"file": ("x.txt", b"x", "text/plain")}}, True),
    ("POST", "/companies/{company_id}/free-fields"): (lambda b: {"json": {"code": "zfield", "type": "text"}}, False),
    ("PUT", "/companies/{company_id}/parties/{kind}/{number}/free-fields/{code}"): (
        lambda b: {"json": {"value": "x"}}, True),
    ("POST", "/companies/{company_id}/postings"): (
        lambda b: {"json": {"kind": "customer", "type": "payment", "party_number": b.customer, "amount": "1.00",
                            "date": "2026-06-01"}}, True),
    ("POST", "/companies/{company_id}/vouchers/{ref}/reverse"): (lambda b: {"json": {}}, True),
    ("POST", "/companies/{company_id}/matches"): (
        lambda b: {"json": {"item_a": b.item_a, "item_b": b.item_b, "amount": "1.00"}}, True),
    ("POST", "/companies/{company_id}/matches/{match_id}/unmatch"): (lambda b: {}, True),
    ("POST", "/companies/{company_id}/imports/parties"): (
        lambda b: {"files": {"file": ("p.csv", _CSV_PARTIES, "text/csv")}}, False),
    ("POST", "/companies/{company_id}/imports/transactions"): (
        lambda b: {"files": {"file": ("t.csv", _csv_transactions(b), "text/csv")}}, False),
    ("POST", "/companies/{company_id}/saved-queries"): (
        lambda b: {"json": {"name": "z-query", "report": "aged"}}, False),
    ("DELETE", "/companies/{company_id}/saved-queries/{name}"): (lambda b: {}, True),
    ("POST", "/companies/{company_id}/bank/accounts"): (
        lambda b: {"json": {"account": "12065432100", "name": "Z"}}, False),
    ("PUT", "/companies/{company_id}/bank/kid-scheme"): (lambda b: {"json": {"algorithm": "mod10", "length": 10}},
                                                         False),
    ("POST", "/companies/{company_id}/bank/files/preview"): (
        lambda b: {"files": {"file": ("c.xml", camt054([{"amount": "1.00"}], msg_id="Z-1"), "application/xml")}},
        False),
    ("POST", "/companies/{company_id}/bank/files"): (
        lambda b: {"files": {"file": ("c.xml", camt054([{"amount": "1.00"}], msg_id="Z-1"), "application/xml")}},
        False),
    ("POST", "/companies/{company_id}/bank/payments/{bank_payment_id}/resolve"): (
        lambda b: {"json": {"party_number": b.customer}}, True),
    ("POST", "/companies/{company_id}/bank/payments/{bank_payment_id}/suspense"): (lambda b: {"json": {}}, True),
    ("POST", "/companies/{company_id}/payments/accounts/{approval_id}/decide"): (
        lambda b: {"json": {"approve": True}}, True),
    ("POST", "/companies/{company_id}/payments/proposals"): (
        lambda b: {"json": {"debtor_account": "15031234562", "execution_date": "2099-01-02"}}, False),
    ("PATCH", "/companies/{company_id}/payments/proposals/{proposal_id}/lines/{line_no}"): (
        lambda b: {"json": {"amount": "1.00"}}, True),
    ("POST", "/companies/{company_id}/payments/proposals/{proposal_id}/approve"): (lambda b: {}, True),
    ("POST", "/companies/{company_id}/payments/proposals/{proposal_id}/cancel"): (lambda b: {}, True),
    ("POST", "/companies/{company_id}/payments/proposals/{proposal_id}/export"): (lambda b: {"json": {}}, True),
    ("POST", "/companies/{company_id}/payments/status-reports"): (
        lambda b: {"files": {"file": ("s.xml", b"<x/>", "application/xml")}}, False),
    ("PUT", "/companies/{company_id}/payments/settings"): (lambda b: {"json": {"approvals": 2}}, False),
    ("PUT", "/companies/{company_id}/payments/bankrupt/{number}"): (lambda b: {"json": {"since": None}}, True),
}

#: Routes outside any company, and how each is checked.
GLOBAL = {"/auth/login": "sign-in: no company data", "/auth/logout": "revokes the caller's token only",
          "/me": "lists only the caller's companies", "/companies": "lists only the caller's companies"}

_PARAM = re.compile(r"{([^}]+)}")


def _url(path: str, company_id: int, b: Company) -> str:
    params = {**PATH_PARAMS, **ROUTE_PARAMS.get(path, {})}

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        return str(company_id) if name == "company_id" else quote(str(params[name](b)), safe="")
    return _PARAM.sub(value, path)


def _audit_count(ctx: Ctx, company_id: int) -> int:
    return count(Ctx(ctx.app, company_id), "audit_events")


def walk(api: Api, b: Company, doc: dict[str, Any]) -> tuple[list[str], list[tuple[str, str, int]]]:
    """Call every operation of ``doc`` as A's accountant with B's ids; return (uncovered routes, calls made)."""
    headers = api.headers("accountant")
    uncovered: list[str] = []
    calls: list[tuple[str, str, int]] = []

    def check(response: httpx.Response, what: str, allowed: tuple[int, ...] = (403, 404)) -> None:
        calls.append((what, response.request.url.path, response.status_code))
        assert response.status_code in allowed, f"{what}: {response.status_code} {response.text[:300]}"
        for secret in b.secrets:
            assert secret.lower() not in response.text.lower(), f"{what} shows B's {secret!r}"

    for path, operations in doc["paths"].items():
        for method in (m.upper() for m in operations):
            what = f"{method} {path}"
            if path in GLOBAL:
                if method == "GET":
                    response = api.client.get(path, headers=headers)
                    check(response, what, (200,))
                    listed = response.json()["companies"] if path == "/me" else response.json()
                    assert [c["company_id"] for c in listed] == [api.cid]
                continue
            if not path.startswith("/companies/{company_id}/"):
                uncovered.append(f"{what}: not under /companies/{{company_id}} and not in GLOBAL")
                continue
            known = {**PATH_PARAMS, **ROUTE_PARAMS.get(path, {})}
            unknown = [p for p in _PARAM.findall(path) if p != "company_id" and p not in known]
            if unknown:
                uncovered.append(f"{what}: add path parameter(s) {unknown} to PATH_PARAMS or ROUTE_PARAMS")
                continue
            body, names_b = BODIES.get((method, path), (None, False))
            if body is None and method != "GET":
                uncovered.append(f"{what}: add its request body to BODIES")
                continue
            kwargs = body(b) if body else {}
            required = [q["name"] for q in operations[method.lower()].get("parameters", [])
                        if q.get("in") == "query" and q.get("required")]
            if [q for q in required if q not in QUERY_PARAMS]:
                uncovered.append(f"{what}: add query parameter(s) {[q for q in required if q not in QUERY_PARAMS]} "
                                 f"to QUERY_PARAMS")
                continue
            if required:
                kwargs["params"] = {q: QUERY_PARAMS[q][0](b) for q in required}
                names_b = names_b or any(QUERY_PARAMS[q][1] for q in required)
            # 1. B's company in the path.
            check(api.client.request(method, _url(path, b.company_id, b), headers=headers, **kwargs), what)
            # 2. A's company with B's records (only routes that name a record).
            names_record = (len(_PARAM.findall(path)) > 1 and path not in NOT_RECORDS) or names_b
            if names_record:
                check(api.client.request(method, _url(path, api.cid, b), headers=headers, **kwargs),
                      f"{what} (A's company, B's ids)")
            elif method == "GET":
                check(api.client.get(_url(path, api.cid, b), headers=headers, **kwargs), f"{what} (A's company)",
                      (200,))
    return uncovered, calls


def test_a_user_of_one_company_reaches_nothing_of_another_on_any_route(api: Api) -> None:
    b = populate_b(api)
    b_audit, a_audit = _audit_count(api.ctx, b.company_id), _audit_count(api.ctx, api.cid)
    uncovered, calls = walk(api, b, api.app.openapi())
    assert not uncovered, "routes the isolation walker does not cover:\n" + "\n".join(uncovered)
    assert len({c[0].split(" (")[0] for c in calls}) >= 30
    assert _audit_count(api.ctx, b.company_id) == b_audit, "a request of A's user changed company B"
    assert _audit_count(api.ctx, api.cid) == a_audit, "a refused request changed company A"


def test_a_route_the_walker_does_not_know_fails_the_walk(api: Api) -> None:
    b = Company(0, "", "", "", 0, 0, 0, 0, 0, "", "", secrets=())
    paths = {
        "/companies/{company_id}/widgets/{widget_id}": {"get": {}},
        "/companies/{company_id}/widgets": {"post": {}},
        "/status": {"get": {}},
        "/companies/{company_id}/gadgets": {"get": {"parameters": [{"name": "serial", "in": "query",
                                                                     "required": True}]}},
    }
    uncovered, calls = walk(api, b, {"paths": paths})
    assert uncovered == [
        "GET /companies/{company_id}/widgets/{widget_id}: add path parameter(s) ['widget_id'] to PATH_PARAMS or "
        "ROUTE_PARAMS",
        "POST /companies/{company_id}/widgets: add its request body to BODIES",
        "GET /status: not under /companies/{company_id} and not in GLOBAL",
        "GET /companies/{company_id}/gadgets: add query parameter(s) ['serial'] to QUERY_PARAMS"]
    assert calls == []
