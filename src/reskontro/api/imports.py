"""Imports of parties and transactions from CSV or XLSX files (migration from another system)."""

from __future__ import annotations

from typing import Annotated, BinaryIO

from fastapi import APIRouter, File, UploadFile

from reskontro.api.deps import IDEMPOTENT, Writer, upload_name
from reskontro.api.openapi import WRITE
from reskontro.api.schemas import ImportOut
from reskontro.services import imports

router = APIRouter(tags=["imports"])

Upload = Annotated[UploadFile, File(description="A CSV (UTF-8, ; or , separated) or XLSX file.")]


def _name(file: UploadFile) -> str:
    return upload_name(file, " ending in .csv or .xlsx")


def _summary(s: imports.ImportSummary) -> ImportOut:
    return ImportOut(rows=s.rows, created=s.created, updated=s.updated, skipped=s.skipped, matches=s.matches)


@router.post("/companies/{company_id}/imports/parties", response_model=ImportOut,
             summary="Import customers and suppliers", responses=WRITE, dependencies=IDEMPOTENT)
def import_parties(a: Writer, file: Upload) -> ImportOut:
    """Create or update parties from a file, all rows or none. Every problem is reported in ``errors`` with
    its row; a re-import changes only what differs."""
    data: BinaryIO = file.file
    return _summary(imports.import_parties(uow=a.uow(), company_id=a.company_id, data=data, filename=_name(file)))


@router.post("/companies/{company_id}/imports/transactions", response_model=ImportOut,
             summary="Import invoices, credit notes and payments", responses=WRITE, dependencies=IDEMPOTENT)
def import_transactions(a: Writer, file: Upload) -> ImportOut:
    """Post transactions from a file against the migration account, auto-matching as they go; all rows or
    none. Every problem is reported in ``errors`` with its row; rows already posted are skipped."""
    data: BinaryIO = file.file
    return _summary(imports.import_transactions(uow=a.uow(), company_id=a.company_id, data=data,
                                                filename=_name(file)))
