"""Customers and suppliers: the card, free fields, contacts, documents, follow-ups and blocks.

Every change to a party writes audit events (who, when, field, old → new).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from reskontro.domain.errors import AlreadyExists, NotFound, ValidationFailed
from reskontro.domain.parties import (
    Block,
    FreeFieldDef,
    FreeFieldType,
    PartyCard,
    PartyKind,
    card_changes,
    parse_free_value,
    validate_card,
)
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store.repositories import PartyRecord

BLOCKS = ("reminder_block", "credit_stop", "payment_block")
#: Which blocks apply to which kind of party.
BLOCK_KINDS = {"reminder_block": PartyKind.CUSTOMER, "credit_stop": PartyKind.CUSTOMER,
               "payment_block": PartyKind.SUPPLIER}
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def _check_refs(uow: UnitOfWork, company_id: int, card: PartyCard) -> None:
    """References on the card (posting account, VAT code, group) must exist in the company."""
    if card.rules.account and card.rules.account not in uow.repo.account_numbers(company_id):
        raise ValidationFailed(f"account {card.rules.account} does not exist", field="rules.account")
    if card.rules.vat_code and card.rules.vat_code not in uow.repo.vat_codes(company_id):
        raise ValidationFailed(f"VAT code {card.rules.vat_code} does not exist", field="rules.vat_code")
    if card.group_code and not uow.repo.group_exists(company_id, card.kind.value, card.group_code):
        raise ValidationFailed(f"{card.kind.value} group {card.group_code} does not exist", field="group_code")


def _create(uow: UnitOfWork, company_id: int, card: PartyCard) -> int:
    uow.repo.company(company_id)
    _check_refs(uow, company_id, card)
    if uow.repo.party_by_number(company_id, card.kind.value, card.number):
        raise AlreadyExists(f"{card.kind.value} {card.number} already exists", field="number")
    party_id = uow.repo.insert_party(company_id, card)
    empty = PartyCard(kind=card.kind, number="", name="")
    uow.repo.audit(company_id, "party", party_id, "create", card_changes(empty, card))
    return party_id


def create_party(*, uow: UnitOfWork, company_id: int, card: PartyCard) -> int:
    """Create a customer or supplier from a validated card; the number is unique per kind."""
    card = validate_card(card)
    with uow:
        party_id = _create(uow, company_id, card)
        uow.commit()
    return party_id


def _find(uow: UnitOfWork, company_id: int, kind: PartyKind | str | None, number: str) -> PartyRecord:
    k = kind.value if isinstance(kind, PartyKind) else kind
    found = uow.repo.party_by_number(company_id, k, number)
    if found is None:
        raise NotFound(f"{k or 'party'} {number!r} does not exist", field="number")
    return found


def get_party(*, uow: UnitOfWork, company_id: int, number: str, kind: PartyKind | str | None = None) -> PartyRecord:
    with uow:
        return _find(uow, company_id, kind, number)


def update_party(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str, changes: dict[str, Any],
                 expected_version: int | None = None) -> PartyCard:
    """Change fields of a card (``{"email": "...", "rules": PostingRules(...)}``), audited field by field.

    ``expected_version`` makes the save refuse when someone else saved the card in between.
    """
    with uow:
        new = _update(uow, company_id, kind, _find(uow, company_id, kind, number), changes, expected_version)
        uow.commit()
    return new


def _update(uow: UnitOfWork, company_id: int, kind: PartyKind, found: PartyRecord, changes: dict[str, Any],
            expected_version: int | None) -> PartyCard:
    unknown = set(changes) - set(PartyCard.__dataclass_fields__) - {"kind"}
    if unknown or "kind" in changes:
        raise ValidationFailed(f"cannot change {', '.join(sorted(unknown | ({'kind'} & set(changes))))}",
                               field=sorted(unknown | ({"kind"} & set(changes)))[0])
    new = validate_card(replace(found.card, **changes))
    if new.number != found.card.number and uow.repo.party_by_number(company_id, kind.value, new.number):
        raise AlreadyExists(f"{kind.value} {new.number} already exists", field="number")
    _check_refs(uow, company_id, new)
    diff = card_changes(found.card, new)
    if diff:
        uow.repo.update_party(company_id, found.party_id, expected_version or found.version, new)
        uow.repo.audit(company_id, "party", found.party_id, "update", diff)
    return new


def set_block(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str, block: str,
              reason: str | None, since: date | None = None) -> PartyCard:
    """Set (with a reason) or lift (reason None) a reminder block, credit stop or payment block."""
    if block not in BLOCKS:
        raise ValidationFailed(f"block {block!r} must be one of {', '.join(BLOCKS)}", field="block")
    if BLOCK_KINDS[block] is not kind:
        raise ValidationFailed(f"a {block.replace('_', ' ')} applies to {BLOCK_KINDS[block].value}s only",
                               field="block")
    if reason is not None and not reason.strip():
        raise ValidationFailed("a block needs a reason", field="reason")
    value = Block(reason.strip(), since or uow.today()) if reason else None
    return update_party(uow=uow, company_id=company_id, kind=kind, number=number, changes={block: value})


def list_audit(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str) -> list[dict[str, Any]]:
    with uow:
        found = _find(uow, company_id, kind, number)
        return [dict(r) for r in uow.repo.audit_events(company_id, "party", found.party_id)]


# -- free fields ---------------------------------------------------------------------------------------


def define_free_field(*, uow: UnitOfWork, company_id: int, code: str, label: str, field_type: str,
                      choices: tuple[str, ...] = (), required: bool = False) -> None:
    """Define a typed custom field on the party card (text, number, date, bool or choice)."""
    code = code.strip().lower()
    if not code.replace("_", "").isalnum() or len(code) > 40:
        raise ValidationFailed(f"field code {code!r} must be letters, digits and _ (at most 40)", field="code")
    try:
        ftype = FreeFieldType(field_type)
    except ValueError:
        raise ValidationFailed(f"type {field_type!r} must be one of {', '.join(t.value for t in FreeFieldType)}",
                               field="type") from None
    if ftype is FreeFieldType.CHOICE and not choices:
        raise ValidationFailed("a choice field needs its choices", field="choices")
    with uow:
        uow.repo.company(company_id)
        if code in uow.repo.free_field_defs(company_id):
            raise AlreadyExists(f"free field {code} already exists", field="code")
        uow.repo.insert_rows("free_field_defs", [{
            "company_id": company_id, "code": code, "label": label.strip() or code, "field_type": ftype.value,
            "choices": json.dumps(list(choices)), "required": required}])
        uow.repo.audit(company_id, "free_field", code, "create", [("type", None, ftype.value)])
        uow.commit()


def set_free_value(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str, code: str,
                   value: str) -> None:
    """Set a party's value for a free field, validated by the field's type."""
    with uow:
        found = _find(uow, company_id, kind, number)
        defs = uow.repo.free_field_defs(company_id)
        if code not in defs:
            raise NotFound(f"free field {code!r} is not defined", field="code")
        _set_free(uow, company_id, found.party_id, defs[code], value)
        uow.commit()


def _free_columns(definition: FreeFieldDef, value: str) -> dict[str, Any]:
    """The stored columns of a free-field value: canonical text (searchable) and the typed column."""
    parsed = parse_free_value(definition, value)
    values: dict[str, Any] = {"value_text": "", "value_number_micro": None, "value_date": None, "value_bool": None}
    if isinstance(parsed, bool):
        values.update(value_text="yes" if parsed else "no", value_bool=parsed)
    elif isinstance(parsed, Decimal):
        micro = parsed.scaleb(6)
        if micro != micro.to_integral_value():
            raise ValidationFailed(f"{value!r} has more than 6 decimals", field=f"free_field.{definition.code}")
        values.update(value_text=str(parsed.normalize()), value_number_micro=int(micro))
    elif isinstance(parsed, date):
        values.update(value_text=parsed.isoformat(), value_date=parsed)
    else:
        values.update(value_text=parsed)
    return values


def canonical_free_text(definition: FreeFieldDef, value: str) -> str:
    """A free-field value as it is stored and searched: ``ja`` → ``yes``, ``1,50`` → ``1.5``."""
    text: str = _free_columns(definition, value)["value_text"]
    return text


def _set_free(uow: UnitOfWork, company_id: int, party_id: int, definition: FreeFieldDef, value: str) -> None:
    values = _free_columns(definition, value)
    old = uow.repo.set_free_value(company_id, party_id, definition.code, values)
    uow.repo.audit(company_id, "party", party_id, "update",
                   [(f"free_field.{definition.code}", old, values["value_text"])])


def save_party(*, uow: UnitOfWork, company_id: int, card: PartyCard, free_values: dict[str, str],
               number: str | None = None, expected_version: int | None = None) -> PartyCard:
    """Create a party (``number`` None) or replace the editable fields of one, with its free-field values,
    in one transaction: either everything is saved or nothing (the web UI's card form).

    An empty free-field value leaves the field unset (or as it was); a required field must have a value.
    Blocks are not changed here (:func:`set_block`).
    """
    card = validate_card(card)
    with uow:
        defs = uow.repo.free_field_defs(company_id)
        unknown = sorted(set(free_values) - set(defs))
        if unknown:
            raise NotFound(f"free field {unknown[0]!r} is not defined", field=f"free_field.{unknown[0]}")
        if number is None:
            party_id = _create(uow, company_id, card)
            old_values: dict[str, str] = {}
            saved = card
        else:
            found = _find(uow, company_id, card.kind, number)
            party_id = found.party_id
            old_values = uow.repo.free_values(company_id, party_id)
            changes = {f: getattr(card, f) for f in PartyCard.__dataclass_fields__
                       if f not in ("kind", "reminder_block", "credit_stop", "payment_block")}
            saved = _update(uow, company_id, card.kind, found, changes, expected_version)
        for code, definition in sorted(defs.items()):
            value = (free_values.get(code) or "").strip()
            if not value:
                if definition.required and not old_values.get(code):
                    raise ValidationFailed(f"{definition.label} is required", field=f"free_field.{code}")
                continue
            if canonical_free_text(definition, value) != old_values.get(code):
                _set_free(uow, company_id, party_id, definition, value)
        uow.commit()
    return saved


@dataclass(frozen=True, slots=True)
class CardOptions:
    """What the card form offers to choose from: the kind's groups, accounts, VAT codes, currencies in use
    and free fields."""

    groups: list[tuple[str, str]]  # code, name
    accounts: list[tuple[str, str]]  # number, name
    vat_codes: list[tuple[str, str]]  # code, description
    currencies: list[str]
    free_fields: list[FreeFieldDef]


def card_options(*, uow: UnitOfWork, company_id: int, kind: PartyKind) -> CardOptions:
    with uow:
        company = uow.repo.company(company_id)
        groups = [(r["code"], r["name"]) for r in uow.repo.rows_of("party_groups", company_id, kind=kind.value)]
        accounts = [(r["number"], r["name"]) for r in uow.repo.accounts(company_id)]
        vat = sorted(((c.code, c.description) for c in uow.repo.vat_codes(company_id).values()),
                     key=lambda x: (len(x[0]), x[0]))
        rated = {r["currency"] for r in uow.repo.rows_of("currency_rates", company_id)}
        defs = uow.repo.free_field_defs(company_id)
    return CardOptions(groups, accounts, vat, [company.currency, *sorted(rated - {company.currency})],
                       [defs[c] for c in sorted(defs)])


# -- contacts, documents, follow-ups ---------------------------------------------------------------------


def add_contact(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str, name: str,
                role: str | None = None, email: str | None = None, phone: str | None = None) -> int:
    if not name.strip():
        raise ValidationFailed("a contact needs a name", field="name")
    probe = validate_card(PartyCard(kind=kind, number="x", name="x", email=email))
    with uow:
        found = _find(uow, company_id, kind, number)
        contact_id = uow.repo.next_ids(company_id, "contacts")[0]
        uow.repo.insert_rows("contacts", [{"company_id": company_id, "contact_id": contact_id,
                                           "party_id": found.party_id, "name": name.strip(), "role": role,
                                           "email": probe.email, "phone": phone}])
        uow.repo.audit(company_id, "party", found.party_id, "add_contact", [("contact", None, name.strip())])
        uow.commit()
    return contact_id


def attach_document(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str, filename: str,
                    content: bytes, doc_type: str = "other", content_type: str | None = None,
                    folder: Path | None = None) -> int:
    """Store a file on the party with its SHA-256; in the database, or in ``folder`` when one is configured."""
    name = Path(filename).name
    if not name or name in (".", ".."):
        raise ValidationFailed(f"file name {filename!r} is not usable", field="filename")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(f"the file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB", field="file")
    digest = hashlib.sha256(content).hexdigest()
    ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    with uow:
        found = _find(uow, company_id, kind, number)
        document_id = uow.repo.next_ids(company_id, "documents")[0]
        row: dict[str, Any] = {"company_id": company_id, "document_id": document_id, "party_id": found.party_id,
                               "filename": name, "content_type": ctype, "doc_type": doc_type, "size": len(content),
                               "sha256": digest, "created_at": uow.now(), "created_by": uow.actor}
        if folder is None:
            row.update(storage="database", content=content, path=None)
        else:
            # Content-addressed: the same file stored twice is one file on disk.
            target = folder / str(company_id) / digest[:2] / digest
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.write_bytes(content)
            row.update(storage="folder", content=None, path=str(target))
        uow.repo.insert_rows("documents", [row])
        uow.repo.audit(company_id, "party", found.party_id, "attach_document", [("document", None, f"{name} {digest}")])
        uow.commit()
    return document_id


def read_document(*, uow: UnitOfWork, company_id: int, document_id: int) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of a stored document; the SHA-256 is checked on the way out."""
    with uow:
        rows = uow.repo.rows_of("documents", company_id, document_id=document_id)
        if not rows:
            raise NotFound(f"document {document_id} does not exist", field="document")
        row = rows[0]
    content = bytes(row["content"]) if row["storage"] == "database" else Path(row["path"]).read_bytes()
    if hashlib.sha256(content).hexdigest() != row["sha256"]:
        raise ValidationFailed(f"document {document_id} does not match its stored SHA-256", field="document")
    return row["filename"], row["content_type"], content


def add_follow_up(*, uow: UnitOfWork, company_id: int, kind: PartyKind, number: str, title: str,
                  note: str | None = None, owner: str | None = None, due_date: date | None = None) -> int:
    if not title.strip():
        raise ValidationFailed("a follow-up needs a title", field="title")
    with uow:
        found = _find(uow, company_id, kind, number)
        follow_up_id = uow.repo.next_ids(company_id, "follow_ups")[0]
        uow.repo.insert_rows("follow_ups", [{
            "company_id": company_id, "follow_up_id": follow_up_id, "party_id": found.party_id,
            "title": title.strip(), "note": note, "owner": owner or uow.actor, "due_date": due_date,
            "status": "open", "done_at": None, "created_at": uow.now(), "created_by": uow.actor}])
        uow.repo.audit(company_id, "party", found.party_id, "add_follow_up", [("follow_up", None, title.strip())])
        uow.commit()
    return follow_up_id


def set_follow_up_status(*, uow: UnitOfWork, company_id: int, follow_up_id: int, status: str) -> None:
    if status not in ("open", "done", "cancelled"):
        raise ValidationFailed(f"status {status!r} must be open, done or cancelled", field="status")
    with uow:
        rows = uow.repo.rows_of("follow_ups", company_id, follow_up_id=follow_up_id)
        if not rows:
            raise NotFound(f"follow-up {follow_up_id} does not exist", field="follow_up")
        uow.repo.update_row("follow_ups", company_id, {"follow_up_id": follow_up_id},
                            {"status": status, "done_at": uow.now() if status == "done" else None})
        uow.repo.audit(company_id, "party", rows[0]["party_id"], "follow_up_status",
                       [(f"follow_up.{follow_up_id}", rows[0]["status"], status)])
        uow.commit()


def create_group(*, uow: UnitOfWork, company_id: int, kind: PartyKind, code: str, name: str,
                 control_account: str | None = None) -> None:
    """A customer or supplier group; ``control_account`` overrides 1500/2400 for its parties."""
    with uow:
        if control_account and control_account not in uow.repo.account_numbers(company_id):
            raise ValidationFailed(f"account {control_account} does not exist", field="control_account")
        if uow.repo.group_exists(company_id, kind.value, code):
            raise AlreadyExists(f"{kind.value} group {code} already exists", field="code")
        uow.repo.insert_rows("party_groups", [{"company_id": company_id, "kind": kind.value, "code": code,
                                               "name": name, "control_account": control_account}])
        uow.repo.audit(company_id, "party_group", f"{kind.value}:{code}", "create",
                       [("control_account", None, control_account)])
        uow.commit()
