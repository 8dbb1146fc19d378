"""Matching (utligning) in the browser: tick a party's open items and match them, accept suggestions, undo a
match.

The matching tab of a party card (``/c/{id}/customer/10001/matching``) shows the suggestions of
:func:`reskontro.services.matching.suggest_matches` with a button each (and one for all of them), the open
items with a checkbox each — the ticked sum and what stays open after the match update as you tick
(``static/app.js``; the server checks everything again) — and the party's latest matches with an undo
button. The open-items tab has the same checkboxes and button.

**More than two ticked items** are matched by :func:`reskontro.services.posting.match_selected`: debits and
credits each oldest first, pair by pair, all that fits, in one transaction — one refusal and nothing is
matched. An amount limits the total (a part match). Accepting suggestions makes exactly the pairs shown
(:func:`~reskontro.services.posting.match_pairs`), also all or nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from reskontro.domain.errors import NotFound, ReskontroError
from reskontro.domain.parties import PartyKind
from reskontro.money import MoneyError
from reskontro.services import listings, matching, posting
from reskontro.services.parties import BLOCK_KINDS
from reskontro.web.deps import Desk, Reader, Writer
from reskontro.web.forms import parse_amount
from reskontro.web.i18n import N_, Translator
from reskontro.web.render import Links, page
from reskontro.web.routes.auth import Form, local_path, text
from reskontro.web.routes.postings import labels

router = APIRouter()

Kind = Annotated[PartyKind, Path()]
Number = Annotated[str, Path(min_length=1, max_length=30)]
MatchId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Cursor = Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_\-]*$")]

#: Open items on one page of the matching tab (a party with more pages through them).
ITEMS_PAGE_SIZE = 200
MATCHES_SHOWN = 100
#: At most this many items are matched in one go.
MAX_TICKED = 500
BACK_TABS = ("matching", "open-items")

MESSAGES = {
    "items": N_("Tick at least two items: one that is owed and one that settles it."),
    "sides": N_("Tick at least one item on each side: an invoice and a payment or credit note, say."),
    "currency": N_("The ticked items are in different currencies; match one currency at a time."),
    "settled": N_("One of the ticked items is settled already; reload the page."),
    "amount": N_("Give an amount above zero that the ticked items can settle, or leave it blank for all that fits."),
    "taken": N_("Someone else matched one of these items meanwhile; reload the page and try again."),
    "undone": N_("This match has been undone already."),
    "suggestion": N_("The suggestion no longer fits the open items; reload the page."),
}


def problem_of(exc: ReskontroError) -> str:
    """The (untranslated) message for a refused match."""
    if exc.code == "over_allocation":
        return MESSAGES["taken"] if "another user" in exc.message else MESSAGES["amount"]
    if exc.code == "currency_mismatch":
        return MESSAGES["currency"]
    if exc.code == "already_reversed":
        return MESSAGES["undone"]
    if exc.code == "match_refused":
        if "nothing open" in exc.message:
            return MESSAGES["settled"]
        if "one of each" in exc.message:
            return MESSAGES["sides"]
    if exc.field == "amount":
        return MESSAGES["amount"]
    if exc.field == "items":
        return MESSAGES["items"]
    return exc.message


def card_context(desk: Desk, kind: PartyKind, number: str) -> dict[str, Any]:
    """What ``parties/card.html`` (the card's head and tabs) needs."""
    detail = listings.party_detail(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                   number=number)
    blocks = [name for name, applies in BLOCK_KINDS.items() if applies is kind]
    return {"kind": kind, "detail": detail, "card": detail.card, "blocks": blocks,
            "today": desk.uow(readonly=True).today(), **labels()}


def _matching_page(request: Request, desk: Desk, kind: PartyKind, number: str, *, after: str | None = None,
                   status: int = 200, problem: str | None = None, ticked: set[int] | None = None,
                   amount: str = "") -> Response:
    t = Translator(desk.visitor.lang)
    context = card_context(desk, kind, number)
    items = listings.party_open_items(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                      number=number, after=after, limit=ITEMS_PAGE_SIZE)
    suggestions = matching.suggest_matches(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                           number=number)
    matches = listings.party_matches(uow=desk.uow(readonly=True), company_id=desk.company_id, kind=kind.value,
                                     number=number, limit=MATCHES_SHOWN)
    notice = None
    query = request.query_params
    if query.get("matched", "").isdigit():
        notice = t.ngettext("%(num)d match made.", "%(num)d matches made.", int(query["matched"]))
    elif query.get("unmatched"):
        notice = t.gettext("The match is undone: both items are open again.")
    return page(request, desk.visitor, "matching/page.html", desk=desk, tab="matching", items=items, after=after,
                suggestions=suggestions, matches=matches, problem=t.gettext(problem) if problem else None,
                ticked=ticked or set(), amount=amount, notice=notice, back="matching", status=status, **context)


@router.get("/c/{company_id}/{kind}/{number}/matching")
def matching_tab(request: Request, desk: Reader, kind: Kind, number: Number, after: Cursor = None) -> Response:
    return _matching_page(request, desk, kind, number, after=after)


def _ticked(data: FormData) -> list[int]:
    ids: list[int] = []
    for value in data.getlist("item")[:MAX_TICKED + 1]:
        if isinstance(value, str) and value.isdigit() and len(value) <= 19:
            ids.append(int(value))
    return ids


def _back(desk: Desk, kind: PartyKind, number: str, data: FormData, **query: int) -> str:
    tab = text(data, "back", 20)
    url = Links(desk.company_id).party(kind, number, tab if tab in BACK_TABS else "matching")
    return url + "?" + "&".join(f"{k}={v}" for k, v in query.items())


@router.post("/c/{company_id}/{kind}/{number}/matches")
def match_ticked(request: Request, desk: Writer, kind: Kind, number: Number, data: Form) -> Response:
    """Match the ticked items (``item``, two or more; ``amount`` limits the total) in one transaction."""
    ids = _ticked(data)
    amount_text = text(data, "amount", 40).strip()
    amount: Decimal | None = None
    problem = None
    if len(ids) < 2:
        problem = MESSAGES["items"]
    elif len(ids) > MAX_TICKED:
        problem = N_("Tick at most 500 items at a time.")
    if amount_text:
        try:
            amount = parse_amount(amount_text, desk.visitor.lang)
        except MoneyError:
            problem = problem or MESSAGES["amount"]
    if problem is None:
        try:
            made = posting.match_selected(uow=desk.uow(), company_id=desk.company_id, item_ids=ids, amount=amount,
                                          party=(kind, number))
        except NotFound:
            raise
        except ReskontroError as exc:
            problem = problem_of(exc)
        else:
            return RedirectResponse(_back(desk, kind, number, data, matched=len(made)), status_code=303)
    return _matching_page(request, desk, kind, number, status=422, problem=problem, ticked=set(ids),
                          amount=amount_text)


def _pairs(data: FormData) -> list[tuple[int, int, Decimal | None]]:
    pairs: list[tuple[int, int, Decimal | None]] = []
    for value in data.getlist("pair")[:MAX_TICKED]:
        parts = value.split(":") if isinstance(value, str) else []
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[2]) > 30:
            continue
        try:
            amount = Decimal(parts[2]) if parts[2] else None
        except InvalidOperation:
            continue
        if amount is not None and not amount.is_finite():
            continue
        pairs.append((int(parts[0]), int(parts[1]), amount))
    return pairs


@router.post("/c/{company_id}/{kind}/{number}/matches/suggested")
def match_suggested(request: Request, desk: Writer, kind: Kind, number: Number, data: Form) -> Response:
    """Make the suggested matches sent (``pair`` = ``debit:credit:amount``, one or all), all or nothing."""
    pairs = _pairs(data)
    problem: str = MESSAGES["suggestion"]
    if pairs:
        try:
            made = posting.match_pairs(uow=desk.uow(), company_id=desk.company_id, pairs=pairs, party=(kind, number))
        except NotFound:
            raise
        except ReskontroError as exc:
            problem = MESSAGES["suggestion"] if exc.code in ("match_refused", "over_allocation") else problem_of(exc)
        else:
            return RedirectResponse(_back(desk, kind, number, data, matched=len(made)), status_code=303)
    return _matching_page(request, desk, kind, number, status=422, problem=problem)


@router.post("/c/{company_id}/{kind}/{number}/matches/{match_id}/unmatch")
def unmatch(request: Request, desk: Writer, kind: Kind, number: Number, match_id: MatchId, data: Form) -> Response:
    """Undo a match (a dated unmatch event; the match stays in the history) and go back where it was undone."""
    try:
        posting.unmatch(uow=desk.uow(), company_id=desk.company_id, match_id=match_id, party=(kind, number))
    except NotFound:
        raise
    except ReskontroError as exc:
        return _matching_page(request, desk, kind, number, status=422, problem=problem_of(exc))
    back = local_path(text(data, "back"))
    if back and back.startswith(f"/c/{desk.company_id}/"):
        return RedirectResponse(urlsplit(back).path + "?unmatched=1", status_code=303)
    return RedirectResponse(Links(desk.company_id).party(kind, number, "matching") + "?unmatched=1",
                            status_code=303)
