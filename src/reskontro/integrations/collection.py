"""Collection agencies (inkassobyråer): hand cases over, take their status files back.

An agency is anything with the three methods of :class:`CollectionAgency`; the services know no more of it.
:class:`FolderAgency` is the reference adapter: a folder the agency reads and writes (a shared disk, or one
an SFTP sync mirrors)::

    root/outbox/<batch_ref>.json   the case file (written last: when it is there, the batch is complete)
    root/outbox/<batch_ref>.csv    the same cases flat, for a spreadsheet
    root/inbox/*.csv | *.json      the agency's status files, not yet imported
    root/inbox/done/               status files we have imported (moved here by ``mark_taken``)

Every file appears whole or not at all: it is written to a hidden temporary file (``.<name>.<random>.tmp``) in
the same folder, flushed to disk, then given its name. A batch file that is already there is never replaced:
sent again with the same bytes it is left as it is (sending is idempotent), with other bytes it is an error
(:class:`BatchConflict`). File names are checked so that nothing is read or written outside the folder.

An agency with an API instead plugs in as another class with the same three methods (see
``docs/collection.md``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from reskontro.domain.errors import AlreadyExists, NotFound, ValidationFailed
from reskontro.formats.collection import CaseBatch, write_case_batch_csv, write_case_batch_json

#: What a status file's name ends with (compared without case).
STATUS_SUFFIXES = (".csv", ".json")


class CollectionAgency(Protocol):
    """A collection agency as the services see it."""

    name: str

    def send_cases(self, batch: CaseBatch) -> list[str]:
        """Hand the batch over; returns what was written (paths, or the agency's ids)."""
        ...

    def fetch_status_files(self) -> list[tuple[str, bytes]]:
        """The status files not yet taken, as (name, content), in name order."""
        ...

    def mark_taken(self, name: str) -> None:
        """Say that the status file ``name`` has been imported, so it is not fetched again."""
        ...


class BatchConflict(AlreadyExists):
    """A batch file of that name is already there with other content; it is never overwritten."""

    code = "collection_batch_conflict"


class UnsafeFileName(ValidationFailed):
    """A name that is not a plain file name in the folder (a path, ``..``, a hidden file)."""

    code = "unsafe_file_name"


def _safe_name(name: str, field: str) -> str:
    """``name`` if it is a plain, visible file name: no separator, not ``.``/``..``, no leading dot, no NUL."""
    if (not name or name != name.strip() or name.startswith(".") or "\x00" in name
            or any(sep in name for sep in ("/", "\\")) or Path(name).name != name):
        raise UnsafeFileName(f"{name!r} is not a plain file name", field=field)
    return name


def _inside(folder: Path, name: str, field: str) -> Path:
    """``folder / name``, refused if it would resolve outside the folder (say through a link)."""
    path = folder / _safe_name(name, field)
    if path.resolve().parent != folder.resolve():
        raise UnsafeFileName(f"{name!r} leads outside {folder}", field=field)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make a new name in ``folder`` durable (POSIX); where a folder cannot be opened there is nothing to do."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _move_no_clobber(source: Path, target: Path) -> bool:
    """Rename ``source`` to ``target`` unless ``target`` exists; False (``source`` left alone) if it does.

    A hard link makes the name atomically or fails if it is taken; on a file system without hard links the
    check and the rename are two steps.
    """
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError:  # no hard links here (some network and FAT file systems)
        if target.exists():
            return False
        os.replace(source, target)
        return True
    source.unlink()
    return True


def _write_new(target: Path, content: bytes) -> None:
    """Write ``content`` as ``target`` whole or not at all; an existing ``target`` must hold the same bytes."""
    if target.exists():
        if target.read_bytes() == content:
            return
        raise BatchConflict(f"{target.name} is already in {target.parent} with other content; a batch is "
                            "never overwritten: send it under a new batch_ref", field="batch_ref")
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if not _move_no_clobber(temp, target) and target.read_bytes() != content:
            raise BatchConflict(f"{target.name} appeared in {target.parent} with other content while it was "
                                "being written", field="batch_ref")
    finally:
        temp.unlink(missing_ok=True)
    _fsync_folder(target.parent)


class FolderAgency:
    """The reference adapter: batches into ``root/outbox``, status files from ``root/inbox`` (module docstring)."""

    def __init__(self, root: Path, name: str = "folder") -> None:
        self.root = Path(root)
        self.name = name
        self.outbox = self.root / "outbox"
        self.inbox = self.root / "inbox"
        self.done = self.inbox / "done"

    def send_cases(self, batch: CaseBatch) -> list[str]:
        """Write ``<batch_ref>.csv`` then ``<batch_ref>.json`` to the outbox; returns their paths.

        Both are checked against what is already there before either is written, so a conflict writes nothing.
        """
        stem = _safe_name(batch.batch_ref, "batch_ref")
        self.outbox.mkdir(parents=True, exist_ok=True)
        files = [(_inside(self.outbox, f"{stem}.csv", "batch_ref"), write_case_batch_csv(batch)),
                 (_inside(self.outbox, f"{stem}.json", "batch_ref"), write_case_batch_json(batch))]
        for path, content in files:
            if path.exists() and path.read_bytes() != content:
                raise BatchConflict(f"{path.name} is already in {self.outbox} with other content; a batch is "
                                    "never overwritten: send it under a new batch_ref", field="batch_ref")
        for path, content in files:
            _write_new(path, content)
        return [str(path) for path, _ in files]

    def fetch_status_files(self) -> list[tuple[str, bytes]]:
        """The ``*.csv`` and ``*.json`` files in the inbox, in name order (hidden files and links are passed over)."""
        if not self.inbox.is_dir():
            return []
        found = []
        for path in sorted(self.inbox.iterdir(), key=lambda p: p.name):
            if (path.name.startswith(".") or path.is_symlink() or not path.is_file()
                    or not path.name.lower().endswith(STATUS_SUFFIXES)):
                continue
            found.append((path.name, path.read_bytes()))
        return found

    def mark_taken(self, name: str) -> None:
        """Move the status file to ``inbox/done``; done already (the file is only there) is fine.

        Agencies that reuse a name (``status.csv`` every day) keep every file: a later one that differs is kept
        as ``status~2.csv``, ``status~3.csv``...
        """
        source = _inside(self.inbox, name, "name")
        if not source.is_file() or source.is_symlink():
            if (self.done / name).is_file():
                return
            raise NotFound(f"no status file {name!r} in {self.inbox}", field="name")
        self.done.mkdir(parents=True, exist_ok=True)
        content = source.read_bytes()
        stem, suffix = os.path.splitext(name)
        for n in range(1, 10_000):
            target = self.done / (name if n == 1 else f"{stem}~{n}{suffix}")
            if _move_no_clobber(source, target):
                _fsync_folder(self.done)
                _fsync_folder(self.inbox)
                return
            if target.read_bytes() == content:  # the same file taken before: drop the copy
                source.unlink()
                return
        raise AlreadyExists(f"too many status files named {name!r} in {self.done}", field="name")
