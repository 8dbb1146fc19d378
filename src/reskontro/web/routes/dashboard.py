"""The dashboard of a company: receivables and payables today, aging, the most overdue, recent changes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reskontro.domain.parties import PartyKind
from reskontro.services import dashboard as service
from reskontro.web.deps import Reader
from reskontro.web.i18n import N_
from reskontro.web.render import page

router = APIRouter()

#: Bucket labels of the aging chart (the dashboard's buckets are 30/60/90 days past due).
BUCKET_LABELS = {"not_due": N_("Not due"), "days_1_30": N_("1–30 days"), "days_31_60": N_("31–60 days"),
                 "days_61_90": N_("61–90 days"), "days_over_90": N_("Over 90 days")}


#: What an audit entry says, by (entity, action); anything else is shown by its codes.
ACTIONS = {
    ("party", "create"): N_("card created"), ("party", "update"): N_("card changed"),
    ("party", "import_update"): N_("card changed by an import"), ("party", "add_contact"): N_("contact added"),
    ("party", "attach_document"): N_("document added"), ("party", "add_follow_up"): N_("follow-up added"),
    ("party", "follow_up_status"): N_("follow-up status changed"),
    ("batch", "post"): N_("transactions posted"), ("voucher", "post"): N_("posted"),
    ("voucher", "reverse"): N_("reversed"), ("match", "match"): N_("items matched"),
    ("match", "unmatch"): N_("match undone"), ("import", "import_parties"): N_("parties imported"),
    ("company", "create"): N_("company created"), ("membership", "grant"): N_("role given"),
    ("membership", "revoke"): N_("role taken away"), ("user", "set_password"): N_("password changed"),
    ("user", "issue_token"): N_("API token issued"), ("user", "revoke_token"): N_("API token revoked"),
    ("user", "disable"): N_("user disabled"), ("user", "enable"): N_("user enabled"),
    ("free_field", "create"): N_("free field defined"), ("party_group", "create"): N_("group created"),
    ("period", "close"): N_("period closed"), ("period", "reopen"): N_("period reopened"),
    ("currency_rate", "set"): N_("exchange rate set"), ("saved_query", "create"): N_("query saved"),
    ("saved_query", "update"): N_("saved query changed"), ("saved_query", "delete"): N_("saved query deleted"),
}
#: What the entity of a non-party audit entry is called.
ENTITIES = {"batch": N_("Batch"), "voucher": N_("Voucher"), "match": N_("Match"), "import": N_("Import"),
            "company": N_("Company"), "membership": N_("User"), "user": N_("User"), "free_field": N_("Free field"),
            "party_group": N_("Group"), "period": N_("Period"), "currency_rate": N_("Rate"),
            "saved_query": N_("Saved query")}


@dataclass(frozen=True, slots=True)
class Bar:
    name: str
    amount: Decimal
    width: Decimal  # share of the longest bar of both charts, 0–100 (a negative amount draws no bar)


def bars(board: service.Dashboard) -> dict[PartyKind, list[Bar]]:
    """The aging chart's bars: both ledgers on one scale, so their lengths compare."""
    biggest = max((amount for a in board.aging.values() for _, amount in a.buckets), default=Decimal(0))
    out: dict[PartyKind, list[Bar]] = {}
    for kind, aging in board.aging.items():
        out[kind] = [Bar(name, amount, (max(amount, Decimal(0)) * 100 / biggest).quantize(Decimal("0.1"))
                         if biggest > 0 else Decimal(0)) for name, amount in aging.buckets]
    return out


@router.get("/c/{company_id}/")
def dashboard(request: Request, desk: Reader) -> Response:
    board = service.dashboard(uow=desk.uow(readonly=True), company_id=desk.company_id,
                              cache=request.app.state.dashboard_cache)
    return page(request, desk.visitor, "dashboard.html", desk=desk, board=board, bars=bars(board),
                bucket_labels=BUCKET_LABELS, actions=ACTIONS, entities=ENTITIES)
