"""Migration imports: parties and transactions from CSV or XLSX.

A file is checked whole before anything is written: every problem is reported with its row and
column, and a file with any problem posts nothing (one transaction per file). Re-importing rows
that are already there posts nothing new: parties are matched on (kind, number) and updated only
where a field differs; transactions on (party, type, document number), and a row that is already
posted with the same amount and date is skipped, while one that differs is an error.

Imported invoices and credit notes are history from the previous system, whose GL already holds
their revenue and VAT; so their counter line is the company's migration account (2980), not a
revenue account, and payments likewise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from reskontro.domain.errors import ImportFailed, ReskontroError, ValidationFailed
from reskontro.domain.parties import PartyCard, card_changes, validate_card
from reskontro.domain.vouchers import CounterLine
from reskontro.formats.result import Problem
from reskontro.formats.tabular.imports import PartyRow, iter_transactions, parse_parties
from reskontro.services.posting import PostingRequest, post_stream
from reskontro.services.unit_of_work import UnitOfWork

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int
    created: int
    updated: int
    skipped: int
    matches: int = 0


def _fail(problems: list[Problem] | list[str], total: int) -> ImportFailed:
    texts = [str(p) for p in problems]
    return ImportFailed(f"{len(texts)} problem(s) in {total} rows; nothing was imported", texts)


def _card(row: PartyRow) -> PartyCard:
    from reskontro.domain.parties import PostingRules

    v = row.values
    yes = v.get("vat_registered", "").lower() in {"yes", "ja", "true", "1", "y", "j"}
    return PartyCard(
        kind=row.kind, number=v["number"], name=v["name"], org_number=v.get("org_number") or None,
        vat_registered=yes or (bool(v.get("org_number")) and v.get("vat_registered", "") == ""),
        address=v.get("address"), postal_code=v.get("postal_code"), city=v.get("city"),
        country=v.get("country") or "NO", email=v.get("email") or None, phone=v.get("phone") or None,
        language=v.get("language") or "nb", currency=v.get("currency") or "NOK",
        payment_terms_days=row.payment_terms_days if row.payment_terms_days is not None else 14,
        credit_limit=row.credit_limit, group_code=v.get("group") or None,
        bank_account=v.get("bank_account") or None, bic=v.get("bic") or None,
        rules=PostingRules(v.get("account") or None, v.get("vat_code") or None, v.get("department") or None,
                           v.get("project") or None))


def import_parties(*, uow: UnitOfWork, company_id: int, data: bytes | BinaryIO, filename: str,
                   progress: Progress | None = None) -> ImportSummary:
    """Create or update customers and suppliers from a file; all rows or none."""
    parsed = parse_parties(data, filename)
    problems: list[str] = [str(p) for p in parsed.problems]
    cards: list[tuple[int, PartyCard]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in parsed.records:
        try:
            card = validate_card(_card(row))
        except ReskontroError as exc:
            problems.append(str(Problem(filename, row.row, exc.field, exc.code, exc.message)))
            continue
        key = (card.kind.value, card.number)
        if key in seen:
            problems.append(str(Problem(filename, row.row, "number", "duplicate",
                                        f"{card.kind.value} {card.number} is also on row {seen[key]}")))
            continue
        seen[key] = row.row
        cards.append((row.row, card))
    total = len(parsed.records) + len(parsed.problems)
    if problems:
        raise _fail(problems, total)
    created = updated = skipped = 0
    with uow:
        repo = uow.repo
        repo.company(company_id)
        accounts, vat_codes = repo.account_numbers(company_id), repo.vat_codes(company_id)
        existing = {(c.kind.value, c.number): pid for pid, c in
                    repo.parties_by_numbers(company_id, seen.keys()).items()}
        current = repo.parties_by_numbers(company_id, seen.keys())
        new_cards: list[PartyCard] = []
        for row_no, card in cards:
            for value, field, known in ((card.rules.account, "account", accounts),
                                        (card.rules.vat_code, "vat_code", vat_codes)):
                if value and value not in known:
                    problems.append(str(Problem(filename, row_no, field, "unknown", f"{field} {value} does not exist")))
            if card.group_code and not repo.group_exists(company_id, card.kind.value, card.group_code):
                problems.append(str(Problem(filename, row_no, "group", "unknown",
                                            f"{card.kind.value} group {card.group_code} does not exist")))
            pid = existing.get((card.kind.value, card.number))
            if pid is None:
                new_cards.append(card)
                continue
            diff = card_changes(current[pid], card)
            if not diff:
                skipped += 1
                continue
            record = repo.party(company_id, pid)
            repo.update_party(company_id, pid, record.version, card)
            repo.audit(company_id, "party", pid, "import_update", diff)
            updated += 1
        if problems:
            raise _fail(problems, total)
        ids = repo.insert_parties(company_id, new_cards)
        created = len(ids)
        if progress:
            progress(len(cards))
        repo.audit(company_id, "import", file_sha256(data)[:16], "import_parties",
                   [("file", None, filename), ("created", None, created), ("updated", None, updated)])
        _record_import(uow, company_id, "parties", filename, file_sha256(data), total, created + updated, skipped)
        if created > 1000:  # a register this much larger needs fresh planner statistics (PostgreSQL)
            repo.analyze(("parties", "audit_events"))
        uow.commit()
    return ImportSummary(total, created, updated, skipped)


def _record_import(uow: UnitOfWork, company_id: int, kind: str, filename: str, sha: str, total: int,
                   posted: int, skipped: int) -> None:
    uow.repo.insert_rows("imports", [{
        "company_id": company_id, "import_id": uow.repo.next_ids(company_id, "imports")[0], "import_kind": kind,
        "filename": filename[-255:], "sha256": sha, "rows_total": total,
        "rows_posted": posted, "rows_skipped": skipped, "created_at": uow.now(), "created_by": uow.actor}])


def file_sha256(data: bytes | BinaryIO) -> str:
    """SHA-256 of the file's bytes; a file object is read in blocks and rewound."""
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    for block in iter(lambda: data.read(1 << 20), b""):
        digest.update(block)
    data.seek(0)
    return digest.hexdigest()


def transaction_requests(data: bytes | BinaryIO, filename: str, migration_account: str
                         ) -> Iterator[PostingRequest | ReskontroError]:
    """The posting requests of a transactions file, one per row, or an error for a bad row.

    Imported history already lives in the previous system's GL, so every counter line goes to the
    migration account.
    """
    for r in iter_transactions(data, filename):
        if isinstance(r, Problem):
            yield ValidationFailed(str(r))
            continue
        yield PostingRequest(
            kind=r.kind, item_type=r.type, party_number=r.party_number, doc_date=r.date, amount=r.amount,
            document_number=r.document_number, due_date=r.due_date, currency=r.currency, rate=r.rate,
            kid=r.kid, description=r.description, applies_to=r.applies_to,
            lines=(CounterLine(migration_account, r.amount),), row=r.row)


def import_transactions(*, uow: UnitOfWork, company_id: int, data: bytes | BinaryIO, filename: str,
                        progress: Progress | None = None) -> ImportSummary:
    """Post invoices, credit notes and payments from a file, auto-matching as they go; all rows or none.

    The file is streamed in chunks, so memory stays flat for millions of rows; everything is still
    one transaction, rolled back whole when any row has a problem.
    """
    sha = file_sha256(data)
    with uow:
        company = uow.repo.company(company_id)
        migration = company.opening_balance_account
        counts = {"rows": 0}

        def requests() -> Iterator[PostingRequest | ReskontroError]:
            for req in transaction_requests(data, filename, migration):
                counts["rows"] += 1
                yield req

        try:
            summary = post_stream(uow, company, requests(), source=f"import:{sha[:16]}", skip_identical=True,
                                  progress=progress)
        except ImportFailed as exc:
            problems = [p if p.startswith(filename) else f"{filename}, {p}" for p in exc.problems]
            raise _fail(problems, counts["rows"]) from None
        _record_import(uow, company_id, "transactions", filename, sha, counts["rows"], summary.posted,
                       summary.skipped)
        uow.commit()
    return ImportSummary(counts["rows"], summary.posted, 0, summary.skipped, summary.matches)
