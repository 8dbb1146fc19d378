"""The shared conformance sample: import both files, then open items and aging at two dates.

Reads ``../shared/examples/core-ledger``; skips with a message where that folder is absent.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from reskontro.services.imports import import_parties, import_transactions
from reskontro.services.reports import aged_report, open_items_report
from tests.conftest import SHARED, Ctx

EXAMPLE = SHARED / "examples" / "core-ledger"

pytestmark = pytest.mark.skipif(not EXAMPLE.is_dir(), reason=f"conformance sample not found at {EXAMPLE}")


def _load(ctx: Ctx) -> None:
    import_parties(uow=ctx.uow(), company_id=ctx.company_id, data=(EXAMPLE / "parties.csv").read_bytes(),
                   filename="parties.csv")
    import_transactions(uow=ctx.uow(), company_id=ctx.company_id,
                        data=(EXAMPLE / "transactions.csv").read_bytes(), filename="transactions.csv")


@pytest.mark.parametrize("expected_file", sorted(p.name for p in EXAMPLE.glob("expected-*.json"))
                         if EXAMPLE.is_dir() else [])
def test_open_items_and_aging_match_the_expected_results(ctx: Ctx, expected_file: str) -> None:
    _load(ctx)
    expected = json.loads((EXAMPLE / expected_file).read_text())
    as_of = date.fromisoformat(Path(expected_file).stem.removeprefix("expected-"))

    items = open_items_report(uow=ctx.uow(readonly=True), company_id=ctx.company_id, as_of=as_of)
    got_items = {f"{r['party_number']}/{r['document_number']}": r["open_amount"] for r in items}
    assert got_items == {k: Decimal(v) for k, v in expected["open_items"].items()}

    report = aged_report(uow=ctx.uow(readonly=True), company_id=ctx.company_id, as_of=as_of)
    got_aged = {r["party_number"]: {k: r[k] for k in ("not_due", "days_1_30", "days_31_60", "days_61_90",
                                                       "days_over_90", "total")} for r in report.rows}
    want_aged = {p: {k: Decimal(v) for k, v in buckets.items()} for p, buckets in expected["aged"].items()}
    assert got_aged == want_aged
