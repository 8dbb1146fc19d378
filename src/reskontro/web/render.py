"""Rendering pages: the template context every page shares, links, static file URLs, htmx detection."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from reskontro.domain.parties import PartyKind
from reskontro.web.deps import Desk, Visitor
from reskontro.web.i18n import Translator
from reskontro.web.templating import render

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The list page of each kind and the path segment of its cards.
LIST_SEGMENT = {PartyKind.CUSTOMER: "customers", PartyKind.SUPPLIER: "suppliers"}


@functools.cache
def static_url(name: str) -> str:
    """``/static/app.css?v=<hash>``: the hash changes with the file, so browsers may cache it."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


class Links:
    """URLs of a company's pages (party numbers are quoted, so any number makes a valid link)."""

    def __init__(self, company_id: int) -> None:
        self.base = f"/c/{company_id}"

    @property
    def dashboard(self) -> str:
        return f"{self.base}/"

    def parties(self, kind: PartyKind | str, **query: Any) -> str:
        url = f"{self.base}/{LIST_SEGMENT[PartyKind(kind)]}"
        shown = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{url}?{urlencode(shown)}" if shown else url

    def new(self, kind: PartyKind | str) -> str:
        return f"{self.base}/{LIST_SEGMENT[PartyKind(kind)]}/new"

    def party(self, kind: PartyKind | str, number: str, tab: str | None = None) -> str:
        url = f"{self.base}/{PartyKind(kind).value}/{quote(number, safe='')}"
        return f"{url}/{tab}" if tab else url

    def document(self, document_id: int) -> str:
        return f"{self.base}/documents/{document_id}"

    def follow_up(self, follow_up_id: int) -> str:
        return f"{self.base}/follow-ups/{follow_up_id}"

    @property
    def validate_org_number(self) -> str:
        return f"{self.base}/validate/org-number"

    def postings(self, **query: Any) -> str:
        """The posting form; ``type``, ``kind`` and ``party`` choose what and for whom."""
        shown = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.base}/postings?{urlencode(shown)}" if shown else f"{self.base}/postings"

    def voucher(self, ref: str, tab: str | None = None) -> str:
        url = f"{self.base}/vouchers/{quote(ref, safe='')}"
        return f"{url}/{tab}" if tab else url

    def vouchers(self, **query: Any) -> str:
        shown = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.base}/vouchers?{urlencode(shown)}" if shown else f"{self.base}/vouchers"

    def company(self, company_id: int) -> str:
        return f"/c/{company_id}/"

    @property
    def reports(self) -> str:
        return f"{self.base}/reports"

    def report(self, name: str, params: Any = (), **query: Any) -> str:
        """A report's page with its parameters (a mapping or pairs, kept in order) and ``query`` after them."""
        pairs = list(params.items()) if hasattr(params, "items") else list(params)
        pairs += [(k, v) for k, v in query.items() if v not in (None, "")]
        url = f"{self.base}/reports/{quote(name, safe='')}"
        return f"{url}?{urlencode(pairs)}" if pairs else url

    def report_export(self, name: str, params: Any = (), **query: Any) -> str:
        pairs = list(params.items()) if hasattr(params, "items") else list(params)
        pairs += [(k, v) for k, v in query.items() if v not in (None, "")]
        url = f"{self.base}/reports/{quote(name, safe='')}/export"
        return f"{url}?{urlencode(pairs)}" if pairs else url

    @property
    def saved_queries(self) -> str:
        return f"{self.base}/saved-queries"

    @property
    def imports(self) -> str:
        return f"{self.base}/import"

    def upload(self, token: str, action: str | None = None) -> str:
        url = f"{self.base}/import/{quote(token, safe='')}"
        return f"{url}/{action}" if action else url

    @property
    def bank(self) -> str:
        """Bank files: the upload form, the bank accounts, the KID scheme and the latest files."""
        return f"{self.base}/bank"

    @property
    def bank_accounts(self) -> str:
        return f"{self.base}/bank/accounts"

    @property
    def kid_scheme(self) -> str:
        return f"{self.base}/bank/kid-scheme"

    def bank_upload(self, token: str, action: str | None = None) -> str:
        url = f"{self.base}/bank/{quote(token, safe='')}"
        return f"{url}/{action}" if action else url

    def bank_queue(self, **query: Any) -> str:
        """The review queue (``status=suspense``: the payments parked on the suspense account)."""
        shown = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.base}/bank/queue?{urlencode(shown)}" if shown else f"{self.base}/bank/queue"

    def bank_payment(self, bank_payment_id: int, action: str | None = None) -> str:
        url = f"{self.base}/bank/payments/{int(bank_payment_id)}"
        return f"{url}/{action}" if action else url

    def payments(self, **query: Any) -> str:
        """Payments out: the due list (``due_by``, ``currency``, ``supplier``, ``account`` filter it)."""
        shown = {k: v for k, v in query.items() if v is not None}
        return f"{self.base}/payments?{urlencode(shown)}" if shown else f"{self.base}/payments"

    def payment_proposals(self, **query: Any) -> str:
        shown = {k: v for k, v in query.items() if v not in (None, "")}
        url = f"{self.base}/payments/proposals"
        return f"{url}?{urlencode(shown)}" if shown else url

    def payment_proposal(self, proposal_id: int, action: str | None = None, **query: Any) -> str:
        url = f"{self.base}/payments/proposals/{int(proposal_id)}"
        if action:
            url = f"{url}/{action}"
        shown = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{url}?{urlencode(shown)}" if shown else url

    def payment_line(self, proposal_id: int, line_no: int) -> str:
        return f"{self.base}/payments/proposals/{int(proposal_id)}/lines/{int(line_no)}"

    def payment_file(self, proposal_id: int) -> str:
        """The pain.001 of an exported proposal, as a download."""
        return f"{self.base}/payments/proposals/{int(proposal_id)}/pain001.xml"

    def payment_accounts(self, **query: Any) -> str:
        """Supplier bank accounts waiting for a second user's approval."""
        shown = {k: v for k, v in query.items() if v not in (None, "")}
        url = f"{self.base}/payments/accounts"
        return f"{url}?{urlencode(shown)}" if shown else url

    def payment_account(self, approval_id: int) -> str:
        return f"{self.base}/payments/accounts/{int(approval_id)}"

    @property
    def payment_settings(self) -> str:
        return f"{self.base}/payments/settings"

    @property
    def payment_status_reports(self) -> str:
        return f"{self.base}/payments/status-reports"


def is_htmx(request: Request) -> bool:
    """A request htmx made for a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def page(request: Request, who: Visitor, template: str, *, desk: Desk | None = None, status: int = 200,
         headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Render a template with the shared context: the visitor, the desk (company pages), translations,
    links, the CSRF token and static URLs."""
    t = Translator(who.lang)
    shared: dict[str, Any] = {
        "request": request, "visitor": who, "desk": desk, "csrf": who.csrf, "t": t, "static": static_url,
        "links": Links(desk.company_id) if desk else None, "kinds": PartyKind,
        "list_segment": {k.value: v for k, v in LIST_SEGMENT.items()}, "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return HTMLResponse(render(who.lang, template, {**shared, **context}), status_code=status, headers=headers)
