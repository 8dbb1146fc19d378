"""Import files between their preview and the confirm: kept on the server, named only by a random token.

An uploaded file is written, as it is read (at most :data:`MAX_UPLOAD_BYTES`), into a private folder of the
system's temporary directory (mode 0700, owned by the server's user), under a token of 256 random bits,
with a small JSON record beside it: the company, user and session it belongs to, the import kind, the
file's name, size and SHA-256, when it was uploaded, and the preview (counts and problems).

* The browser only ever sends the token back. It must match :data:`TOKEN` before it names a file, and the
  record must belong to the company, user and session of the request; anything else is "not found" — the
  same answer as a token that never existed.
* Confirming imports the stored file and deletes it (the record stays, with the result, until it expires,
  so a confirm sent twice shows the first one's result).
* Files and records older than :data:`LIFETIME` are swept away at every upload; a session that ends leaves
  its uploads to expire.

One folder per server user, so several worker processes of one server share it. On a cluster of servers a
preview and its confirm must reach the same server (sticky sessions), or the folder must be shared.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from reskontro.domain.errors import NotFound, ReskontroError

#: The largest import file taken in the browser (the command line takes any size).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: How long an upload waits for its confirm.
LIFETIME = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_BLOCK = 1 << 20


class UploadTooLarge(ReskontroError):
    code = "too_large"


@dataclass
class PendingUpload:
    """An uploaded import file waiting for its confirm, and what its preview found."""

    token: str
    company_id: int
    user_id: int
    session_id: int
    kind: str
    filename: str
    size: int
    sha256: str
    uploaded_at: float
    preview: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None


def default_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"reskontro-uploads-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


class UploadStore:
    """Pending import files in one private folder (see the module's description)."""

    def __init__(self, folder: Path | None = None, *, lifetime: int = LIFETIME,
                 clock: Callable[[], float] = time.time) -> None:
        self.folder = folder or default_folder()
        self.lifetime = lifetime
        self.clock = clock

    def _ready(self) -> Path:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = self.folder.stat()
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            raise PermissionError(f"{self.folder} belongs to another user; refusing to keep uploads there")
        if st.st_mode & 0o077:
            self.folder.chmod(0o700)
        return self.folder

    def _paths(self, token: str) -> tuple[Path, Path]:
        if not TOKEN.match(token):
            raise NotFound("there is no such upload", field="upload")
        return self.folder / f"{token}.data", self.folder / f"{token}.json"

    def save(self, *, company_id: int, user_id: int, session_id: int, kind: str, filename: str, data: BinaryIO,
             limit: int | None = None) -> PendingUpload:
        """Store an uploaded file as it is read; more than ``limit`` bytes (default :data:`MAX_UPLOAD_BYTES`) is
        refused and nothing is kept."""
        limit = MAX_UPLOAD_BYTES if limit is None else limit
        folder = self._ready()
        self.sweep()
        token = secrets.token_urlsafe(32)
        target, record = self._paths(token)
        digest = hashlib.sha256()
        size = 0
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                while block := data.read(_BLOCK):
                    size += len(block)
                    if size > limit:
                        raise UploadTooLarge(f"the file is larger than {limit // (1024 * 1024)} MB", field="file")
                    digest.update(block)
                    out.write(block)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        upload = PendingUpload(token, company_id, user_id, session_id, kind, filename[-255:], size,
                               digest.hexdigest(), self.clock())
        self._write(upload)
        assert record.parent == folder
        return upload

    def _write(self, upload: PendingUpload) -> None:
        _, record = self._paths(upload.token)
        partial = record.with_suffix(".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(upload), out, ensure_ascii=False, default=str)
        partial.replace(record)

    def update(self, upload: PendingUpload) -> None:
        self._write(upload)

    def find(self, token: str, *, company_id: int, user_id: int, session_id: int) -> PendingUpload:
        """The upload of this token if it belongs to this company, user and session and has not expired."""
        _, record = self._paths(token)
        try:
            values = json.loads(record.read_text(encoding="utf-8"))
            upload = PendingUpload(**values)
        except (OSError, ValueError, TypeError):
            raise NotFound("there is no such upload", field="upload") from None
        if (upload.company_id, upload.user_id, upload.session_id) != (company_id, user_id, session_id) \
                or self.clock() - upload.uploaded_at > self.lifetime:
            raise NotFound("there is no such upload", field="upload")
        return upload

    def open(self, upload: PendingUpload) -> BinaryIO:
        """The stored file (for the preview and the import)."""
        target, _ = self._paths(upload.token)
        try:
            return target.open("rb")
        except OSError:
            raise NotFound("the uploaded file is gone; upload it again", field="upload") from None

    def discard_file(self, upload: PendingUpload) -> None:
        target, _ = self._paths(upload.token)
        target.unlink(missing_ok=True)

    def delete(self, upload: PendingUpload) -> None:
        target, record = self._paths(upload.token)
        target.unlink(missing_ok=True)
        record.unlink(missing_ok=True)

    def sweep(self) -> int:
        """Delete uploads older than the lifetime; returns how many files went."""
        if not self.folder.is_dir():
            return 0
        cutoff = self.clock() - self.lifetime
        gone = 0
        for path in self.folder.iterdir():
            if path.suffix not in (".data", ".json", ".tmp"):
                continue
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone += 1
        return gone


def confirm_once(*, store: UploadStore, pending: PendingUpload, uow: Callable[[], Any], company_id: int,
                 user_id: int, key: str, location: str, run: Callable[[BinaryIO], dict[str, Any]],
                 busy: Callable[[], Any], failed: Callable[[Exception], Any | None]) -> Any:
    """Import a kept file once: the confirm of every upload-preview-confirm page.

    The key (``web-import:<token>``, ``web-bank:<token>``) is reserved with the idempotency service the API and
    the posting form use, so a double click or a confirm sent again imports nothing: a finished one redirects to
    ``location`` (which shows the first result), one still running answers ``busy()``. ``run`` imports the
    stored file and returns the result record kept with the upload. When it raises, the key is released and
    ``failed(exc)`` answers (it returns None for an error it does not handle, which is raised again).
    """
    from fastapi.responses import RedirectResponse

    from reskontro.services import access

    if pending.result is not None:
        return RedirectResponse(location, status_code=303)
    before = access.reserve_idempotency(uow=uow(), company_id=company_id, user_id=user_id, key=key,
                                        request_hash=pending.sha256)
    if before is not None:
        return RedirectResponse(location, status_code=303) if before.status == "done" else busy()
    try:
        with store.open(pending) as stored:
            result = run(stored)
    except Exception as exc:
        access.release_idempotency(uow=uow(), company_id=company_id, user_id=user_id, key=key)
        answer = failed(exc)
        if answer is None:
            raise
        return answer
    pending.result = result
    store.update(pending)
    store.discard_file(pending)
    access.complete_idempotency(uow=uow(), company_id=company_id, user_id=user_id, key=key, status_code=303,
                                content_type="text/uri-list", body=location.encode())
    return RedirectResponse(location, status_code=303)
