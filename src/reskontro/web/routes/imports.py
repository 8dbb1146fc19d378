"""Importing parties and transactions in the browser: upload, preview, confirm.

=========================================  ======  ===================================================
page                                       role    what
=========================================  ======  ===================================================
``/c/{id}/import``                         write   the upload form (parties or transactions, CSV or
                                                   XLSX) and the company's latest imports
``POST /c/{id}/import``                    write   keeps the file (:mod:`reskontro.web.uploads`), runs
                                                   the preview, shows it (303 to the preview page)
``/c/{id}/import/{upload}``                write   the preview: rows, what would be created, updated or
                                                   skipped, every problem with its row and field; or,
                                                   once confirmed, what was imported
``POST /c/{id}/import/{upload}/confirm``   write   imports the kept file (all rows or none)
``POST /c/{id}/import/{upload}/discard``   write   forgets the upload
=========================================  ======  ===================================================

**Nothing is written by a preview.** :func:`reskontro.services.imports.preview_import` runs the real import
and rolls it back, so it catches what only the ledger knows (an unknown party, a closed period, a document
already posted with another amount) and writes nothing.

**Posted once.** Imports are idempotent by content (rows already there are skipped), and the confirm reserves
the key ``web-import:<token>`` with the idempotency service the API and the posting form use: a double click
or a confirm sent again shows the first one's result and imports nothing.

Read-only users get 403 on every page here (the upload form too).
"""

from __future__ import annotations

from typing import Annotated, Any, BinaryIO, cast

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from reskontro.domain.errors import ImportFailed, NotFound
from reskontro.services import imports
from reskontro.services.imports import IMPORT_KINDS, ImportKind, ImportPreview, ImportSummary
from reskontro.web import import_problems
from reskontro.web.deps import Desk, Writer
from reskontro.web.errors import TooLarge
from reskontro.web.i18n import N_, Translator
from reskontro.web.render import Links, page
from reskontro.web.routes.auth import Form, text
from reskontro.web.uploads import MAX_UPLOAD_BYTES, PendingUpload, UploadStore, UploadTooLarge, confirm_once

router = APIRouter()

Token = Annotated[str, Path(min_length=43, max_length=43, pattern=r"^[A-Za-z0-9_-]{43}$")]
KEY_PREFIX = "web-import:"
#: Problems shown on the preview page (the count says how many there are).
PROBLEMS_SHOWN = 1000
KIND_LABELS = {"parties": N_("Customers and suppliers"), "transactions": N_("Transactions")}
MESSAGES = {
    "file": N_("Choose a CSV or XLSX file."),
    "kind": N_("Choose what the file holds."),
    "size": N_("An import file may be at most 50 MB in the browser; import larger files with the command line."),
    "suffix": N_("The file must be CSV (.csv) or Excel (.xlsx)."),
}


def _store(request: Request) -> UploadStore:
    store: UploadStore = request.app.state.uploads
    return store


def _upload(request: Request, desk: Desk, token: str) -> PendingUpload:
    pending = _store(request).find(token, company_id=desk.company_id, user_id=desk.session.principal.user_id,
                                   session_id=desk.session.session_id)
    if pending.kind not in IMPORT_KINDS:  # a bank file's token (web/routes/bank.py): not an import
        raise NotFound("there is no such upload", field="upload")
    return pending


def _preview_record(p: ImportPreview) -> dict[str, Any]:
    summary = p.summary
    return {"rows": p.rows, "ok": p.ok, "problem_count": p.problem_count,
            "summary": None if summary is None else {"rows": summary.rows, "created": summary.created,
                                                     "updated": summary.updated, "skipped": summary.skipped,
                                                     "matches": summary.matches},
            "problems": [{"row": x.row, "field": x.field, "message": x.message,
                          "explained": import_problems.explain(x.field, x.message)}
                         for x in p.problems[:PROBLEMS_SHOWN]],
            "previous": [{"kind": x.kind, "filename": x.filename, "at": x.created_at.isoformat(),
                          "by": x.created_by, "posted": x.rows_posted, "skipped": x.rows_skipped}
                         for x in p.previous]}


def _summary_record(s: ImportSummary) -> dict[str, Any]:
    return {"rows": s.rows, "created": s.created, "updated": s.updated, "skipped": s.skipped, "matches": s.matches}


def _form(request: Request, desk: Desk, *, errors: dict[str, str] | None = None, kind: str = "parties",
          status: int = 200) -> Response:
    recent = imports.recent_imports(uow=desk.uow(readonly=True), company_id=desk.company_id)
    return page(request, desk.visitor, "imports/upload.html", desk=desk, errors=errors or {}, kind=kind,
                kinds=KIND_LABELS, recent=recent, status=status, max_mb=MAX_UPLOAD_BYTES // (1024 * 1024))


@router.get("/c/{company_id}/import")
def import_form(request: Request, desk: Writer) -> Response:
    return _form(request, desk)


@router.post("/c/{company_id}/import")
def upload(request: Request, desk: Writer, data: Form) -> Response:
    """Keep the file, preview its import (nothing is written) and show the preview."""
    t = Translator(desk.visitor.lang)
    kind = text(data, "kind", 20)
    file = data.get("file")
    errors: dict[str, str] = {}
    if kind not in IMPORT_KINDS:
        errors["kind"] = t.gettext(MESSAGES["kind"])
    if not isinstance(file, UploadFile) or not file.filename:
        errors["file"] = t.gettext(MESSAGES["file"])
    elif not file.filename.lower().endswith((".csv", ".xlsx")):
        errors["file"] = t.gettext(MESSAGES["suffix"])
    if errors or not isinstance(file, UploadFile) or file.filename is None:
        return _form(request, desk, errors=errors, kind=kind, status=422)
    filename = file.filename.replace("\\", "/").rsplit("/", 1)[-1][:255]
    store = _store(request)
    try:
        pending = store.save(company_id=desk.company_id, user_id=desk.session.principal.user_id,
                             session_id=desk.session.session_id, kind=kind, filename=filename, data=file.file)
    except UploadTooLarge:
        raise TooLarge(t.gettext(MESSAGES["size"]), field="file") from None
    with store.open(pending) as stored:
        preview = imports.preview_import(uow=desk.uow(), company_id=desk.company_id,
                                         kind=cast(ImportKind, pending.kind), data=stored, filename=pending.filename)
    pending.preview = _preview_record(preview)
    store.update(pending)
    return RedirectResponse(Links(desk.company_id).upload(pending.token), status_code=303)


@router.get("/c/{company_id}/import/{upload}")
def preview_page(request: Request, desk: Writer, upload: Token) -> Response:
    pending = _upload(request, desk, upload)
    return _preview(request, desk, pending)


def _preview(request: Request, desk: Desk, pending: PendingUpload, *, status: int = 200,
             notice: str | None = None) -> Response:
    return page(request, desk.visitor, "imports/preview.html", desk=desk, upload=pending, p=pending.preview,
                result=pending.result, kinds=KIND_LABELS, status=status, notice=notice)


@router.post("/c/{company_id}/import/{upload}/confirm")
def confirm(request: Request, desk: Writer, upload: Token) -> Response:
    """Import the kept file: all rows or none; a second confirm imports nothing and shows the first result."""
    t = Translator(desk.visitor.lang)
    store = _store(request)
    pending = _upload(request, desk, upload)
    importer = imports.import_parties if pending.kind == "parties" else imports.import_transactions

    def run(stored: BinaryIO) -> dict[str, Any]:
        return _summary_record(importer(uow=desk.uow(), company_id=desk.company_id, data=stored,
                                        filename=pending.filename))

    def failed(exc: Exception) -> Response | None:
        if not isinstance(exc, ImportFailed):
            return None
        # The ledger changed since the preview (a period closed, a party went): show the problems now.
        with store.open(pending) as stored:
            preview = imports.preview_import(uow=desk.uow(), company_id=desk.company_id,
                                             kind=cast(ImportKind, pending.kind), data=stored,
                                             filename=pending.filename)
        pending.preview = _preview_record(preview)
        store.update(pending)
        return _preview(request, desk, pending, status=422, notice=t.gettext(
            "Nothing was imported: the ledger changed since the preview. The problems are below."))

    return cast(Response, confirm_once(
        store=store, pending=pending, uow=desk.uow, company_id=desk.company_id,
        user_id=desk.session.principal.user_id, key=KEY_PREFIX + pending.token,
        location=Links(desk.company_id).upload(pending.token), run=run, failed=failed,
        busy=lambda: _preview(request, desk, pending, status=409, notice=t.gettext(
            "This file is being imported already (a double click?). Reload the page in a moment."))))


@router.post("/c/{company_id}/import/{upload}/discard")
def discard(request: Request, desk: Writer, upload: Token) -> Response:
    pending = _upload(request, desk, upload)
    _store(request).delete(pending)
    return RedirectResponse(Links(desk.company_id).imports, status_code=303)
