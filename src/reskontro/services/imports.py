"""Migration imports: parties and transactions from CSV or XLSX.

A file is checked whole before anything is written: every problem is reported with its row and
column, and a file with any problem posts nothing (one transaction per file). Re-importing rows
that are already there posts nothing new: parties are matched on (kind, number) and updated only
where a field differs; transactions on (party, type, document number), and a row that is already
posted with the same amount and date is skipped, while one that differs is an error.

Imported invoices and credit notes are history from the previous system, whose GL already holds
their revenue and VAT; so their counter line is the company's migration account (2980), not a
revenue account, and payments likewise.

**Preview.** :func:`preview_import` runs the real import in a unit of work and rolls it back
(``dry_run``): it sees exactly what the import would — unknown parties, closed periods, a document
already posted with another amount — and writes nothing. It returns the counts the import would
report and every problem split into row, field and message (:class:`ImportProblem`), with the earlier
imports of the same file (by SHA-256).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Literal

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
                   progress: Progress | None = None, dry_run: bool = False) -> ImportSummary:
    """Create or update customers and suppliers from a file; all rows or none. ``dry_run`` does everything but
    the commit: the summary says what the import would do, and nothing is written."""
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
            repo.update_party(company_id, pid, record.version, card, source="import")
            repo.audit(company_id, "party", pid, "import_update", diff)
            updated += 1
        if problems:
            raise _fail(problems, total)
        ids = repo.insert_parties(company_id, new_cards, source="import")
        created = len(ids)
        if progress:
            progress(len(cards))
        repo.audit(company_id, "import", file_sha256(data)[:16], "import_parties",
                   [("file", None, filename), ("created", None, created), ("updated", None, updated)])
        _record_import(uow, company_id, "parties", filename, file_sha256(data), total, created + updated, skipped)
        if dry_run:
            return ImportSummary(total, created, updated, skipped)  # leaving the block rolls it all back
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
                        progress: Progress | None = None, dry_run: bool = False) -> ImportSummary:
    """Post invoices, credit notes and payments from a file, auto-matching as they go; all rows or none.

    The file is streamed in chunks, so memory stays flat for millions of rows; everything is still
    one transaction, rolled back whole when any row has a problem. ``dry_run`` posts and matches
    everything and then rolls it back: the summary is what the import would do.
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
        if not dry_run:
            uow.commit()
    return ImportSummary(counts["rows"], summary.posted, 0, summary.skipped, summary.matches)


# -- preview ---------------------------------------------------------------------------------------------

ImportKind = Literal["parties", "transactions"]
IMPORT_KINDS: tuple[ImportKind, ...] = ("parties", "transactions")
#: A preview keeps this many problems with their rows (the count says how many there are in all).
MAX_PREVIEW_PROBLEMS = 1000

# "row 7, column 'amount': ..." (formats.result.Problem) or "row 7, field 'kid': ..." (ReskontroError); the file
# name comes first where the parser put it.
_WHERE = re.compile(r"^row (?P<row>\d+)(?:, (?:column|field) '(?P<field>[^']*)')?: (?P<message>.*)$", re.S)
_FILE_ONLY = re.compile(r"^(?:column|field) '(?P<field>[^']*)': (?P<message>.*)$", re.S)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One problem of an import file: its row (None for the file as a whole), field or column, and message."""

    row: int | None
    field: str | None
    message: str

    @classmethod
    def parse(cls, text: str, filename: str) -> ImportProblem:
        """Split a problem as :class:`ImportFailed` lists it (``"tx.csv, row 7, column 'amount': ..."``)."""
        rest = text[len(filename) + 2:] if text.startswith(filename + ", ") else text
        rest = rest[len(filename) + 2:] if rest.startswith(filename + ": ") else rest
        found = _WHERE.match(rest)
        if found is not None:
            return cls(int(found["row"]), found["field"], found["message"])
        found = _FILE_ONLY.match(rest)
        if found is not None:
            return cls(None, found["field"], found["message"])
        return cls(None, None, rest)


@dataclass(frozen=True, slots=True)
class PreviousImport:
    """An earlier import of the same file (same SHA-256)."""

    kind: str
    filename: str
    created_at: datetime
    created_by: str
    rows_posted: int
    rows_skipped: int


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What importing a file would do. ``summary`` is None when it has problems (then nothing would be
    imported); ``problems`` holds the first :data:`MAX_PREVIEW_PROBLEMS` of ``problem_count``."""

    kind: ImportKind
    filename: str
    sha256: str
    rows: int
    summary: ImportSummary | None
    problems: tuple[ImportProblem, ...]
    problem_count: int
    previous: tuple[PreviousImport, ...]

    @property
    def ok(self) -> bool:
        return self.summary is not None


def _rows_of(message: str) -> int:
    found = re.search(r"in (\d+) rows|of (\d+) rows", message)
    return int(next(g for g in found.groups() if g)) if found else 0


def preview_import(*, uow: UnitOfWork, company_id: int, kind: ImportKind, data: bytes | BinaryIO,
                   filename: str) -> ImportPreview:
    """Run the import of a parties or transactions file and roll it back: the counts it would report, or
    every problem with its row and field. Nothing is written, whatever the file holds."""
    if kind not in IMPORT_KINDS:
        raise ValidationFailed(f"an import is of {' or '.join(IMPORT_KINDS)}, not {kind!r}", field="kind")
    sha = file_sha256(data)
    run = import_parties if kind == "parties" else import_transactions
    summary: ImportSummary | None = None
    problems: list[ImportProblem] = []
    count = rows = 0
    try:
        summary = run(uow=uow, company_id=company_id, data=data, filename=filename, dry_run=True)
        rows = summary.rows
    except ImportFailed as exc:
        count = len(exc.problems)
        parsed = (ImportProblem.parse(p, filename) for p in exc.problems[:MAX_PREVIEW_PROBLEMS])
        problems = sorted(parsed, key=lambda x: (x.row is not None, x.row or 0))  # the file's own first
        rows = _rows_of(exc.message)
    if not isinstance(data, bytes):
        data.seek(0)
    with uow:
        before = uow.repo.rows_of("imports", company_id, sha256=sha)
    previous = tuple(PreviousImport(r["import_kind"], r["filename"], r["created_at"], r["created_by"],
                                    r["rows_posted"], r["rows_skipped"]) for r in before)
    return ImportPreview(kind, filename, sha, rows, summary, tuple(problems), count, previous)


def recent_imports(*, uow: UnitOfWork, company_id: int, limit: int = 10) -> list[PreviousImport]:
    """The company's latest imports, newest first."""
    with uow:
        uow.repo.company(company_id)
        rows = uow.repo.rows_of("imports", company_id)
    latest = sorted(rows, key=lambda r: r["import_id"], reverse=True)[:limit]
    return [PreviousImport(r["import_kind"], r["filename"], r["created_at"], r["created_by"], r["rows_posted"],
                           r["rows_skipped"]) for r in latest]
