"""The folder collection agency: batches out through an outbox, status files in through an inbox."""

from __future__ import annotations

import errno
import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reskontro.domain.errors import NotFound
from reskontro.formats.collection import (
    CaseBatch,
    ClaimDocument,
    ClaimItemType,
    CollectionCase,
    Creditor,
    Debtor,
    DebtorType,
    read_status_file,
    write_case_batch_csv,
    write_case_batch_json,
)
from reskontro.integrations.collection import BatchConflict, CollectionAgency, FolderAgency, UnsafeFileName


def make_batch(ref: str = "B-1", name: str = "Ola Nordmann") -> CaseBatch:
    invoice = ClaimDocument(document_number="2026-7", item_type=ClaimItemType.INVOICE, item_date=date(2026, 1, 2),
                            due_date=date(2026, 1, 16), currency="NOK", original=Decimal("800.00"),
                            open=Decimal("800.00"))
    debtor = Debtor(party_number="501", name=name, debtor_type=DebtorType.CONSUMER, address=("Bakken 2",),
                    postal_code="7010", city="Trondheim")
    case = CollectionCase(case_ref="C-9", currency="NOK", debtor=debtor, documents=(invoice,),
                          principal=Decimal(800), fees=Decimal(0), interest=Decimal(0), interest_from=None,
                          warning_sent_on=date(2026, 2, 2), warning_deadline=date(2026, 2, 16),
                          ready_on=date(2026, 2, 17))
    creditor = Creditor(name="Nidvarer AS", org_number="923609016", bank_account="NO9386011117947",
                        address=("Kaia 3",), postal_code="7010", city="Trondheim", contact_email="post@nid.no")
    return CaseBatch(batch_ref=ref, created_at=datetime(2026, 2, 17, 7, 0, tzinfo=UTC), creditor=creditor,
                     cases=(case,))


STATUS = (b"agency_ref;case_ref;event_id;event_date;status;currency;paid_principal;paid_fees;paid_interest;"
          b"agency_fee;remitted\nA-1;C-9;E-1;2026-02-20;acknowledged;NOK;0;0;0;0;0\n")


def test_the_folder_agency_is_a_collection_agency(tmp_path: Path) -> None:
    agency: CollectionAgency = FolderAgency(tmp_path, name="Lindorff-folder")
    assert agency.name == "Lindorff-folder"


def test_a_batch_is_written_to_the_outbox_as_json_and_csv(tmp_path: Path) -> None:
    batch = make_batch()
    written = FolderAgency(tmp_path).send_cases(batch)
    assert written == [str(tmp_path / "outbox" / "B-1.csv"), str(tmp_path / "outbox" / "B-1.json")]
    assert (tmp_path / "outbox" / "B-1.json").read_bytes() == write_case_batch_json(batch)
    assert (tmp_path / "outbox" / "B-1.csv").read_bytes() == write_case_batch_csv(batch)
    assert json.loads((tmp_path / "outbox" / "B-1.json").read_bytes())["cases"][0]["case_ref"] == "C-9"
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == ["B-1.csv", "B-1.json"]  # no temp files


def test_sending_the_same_batch_again_changes_nothing(tmp_path: Path) -> None:
    agency = FolderAgency(tmp_path)
    first = agency.send_cases(make_batch())
    stamp = os.stat(first[1]).st_mtime_ns
    assert agency.send_cases(make_batch()) == first
    assert os.stat(first[1]).st_mtime_ns == stamp


def test_a_batch_is_never_overwritten_with_other_content(tmp_path: Path) -> None:
    agency = FolderAgency(tmp_path)
    agency.send_cases(make_batch())
    before = {p.name: p.read_bytes() for p in (tmp_path / "outbox").iterdir()}
    with pytest.raises(BatchConflict, match=r"B-1\.csv is already in") as caught:
        agency.send_cases(make_batch(name="Kari Nordmann"))
    assert caught.value.code == "collection_batch_conflict"
    assert {p.name: p.read_bytes() for p in (tmp_path / "outbox").iterdir()} == before


def test_a_batch_file_is_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "disk gone")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk gone"):
        FolderAgency(tmp_path).send_cases(make_batch())
    assert list((tmp_path / "outbox").iterdir()) == []  # neither a half file nor a temp file is left


def test_without_hard_links_the_file_is_renamed_into_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(source: object, target: object) -> None:
        raise OSError(errno.EPERM, "no hard links here")

    monkeypatch.setattr(os, "link", no_links)
    agency = FolderAgency(tmp_path)
    agency.send_cases(make_batch())
    assert (tmp_path / "outbox" / "B-1.json").read_bytes() == write_case_batch_json(make_batch())
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == ["B-1.csv", "B-1.json"]
    with pytest.raises(BatchConflict):
        agency.send_cases(make_batch(name="Kari Nordmann"))


def test_a_batch_ref_that_leaves_the_folder_is_refused(tmp_path: Path) -> None:
    batch = make_batch()
    object.__setattr__(batch, "batch_ref", "../escape")  # the record refuses it; the adapter checks again
    with pytest.raises(UnsafeFileName, match="not a plain file name"):
        FolderAgency(tmp_path / "agency").send_cases(batch)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the outbox


def test_status_files_are_listed_and_moved_to_done_when_taken(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "2026-02-21.csv").write_bytes(STATUS)
    (inbox / "2026-02-20.JSON").write_bytes(b"{}")
    (inbox / "readme.txt").write_bytes(b"not a status file")
    (inbox / ".2026-02-22.csv.part").write_bytes(b"being written")
    agency = FolderAgency(tmp_path)
    files = agency.fetch_status_files()
    assert [name for name, _ in files] == ["2026-02-20.JSON", "2026-02-21.csv"]
    assert read_status_file(files[1][1], files[1][0]).events[0].event_id == "E-1"
    agency.mark_taken("2026-02-21.csv")
    assert (inbox / "done" / "2026-02-21.csv").read_bytes() == STATUS
    assert [name for name, _ in agency.fetch_status_files()] == ["2026-02-20.JSON"]
    agency.mark_taken("2026-02-21.csv")  # taken already: nothing to do


def test_an_agency_that_reuses_a_name_keeps_every_file(tmp_path: Path) -> None:
    agency = FolderAgency(tmp_path)
    (tmp_path / "inbox").mkdir()
    for day in (b"E-1", b"E-2", b"E-2"):
        (tmp_path / "inbox" / "status.csv").write_bytes(STATUS.replace(b"E-1", day))
        agency.mark_taken("status.csv")
    done = tmp_path / "inbox" / "done"
    assert sorted(p.name for p in done.iterdir()) == ["status.csv", "status~2.csv"]
    assert b"E-2" in (done / "status~2.csv").read_bytes()
    assert agency.fetch_status_files() == []


def test_no_inbox_means_no_status_files(tmp_path: Path) -> None:
    assert FolderAgency(tmp_path).fetch_status_files() == []


@pytest.mark.parametrize("name", ["../outbox/B-1.json", "done/x.csv", "/etc/passwd", "..", ".", ".hidden.csv",
                                  "a\\b.csv", "", " x.csv"])
def test_mark_taken_refuses_names_outside_the_inbox(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafeFileName):
        FolderAgency(tmp_path).mark_taken(name)


def test_a_link_out_of_the_inbox_is_neither_fetched_nor_taken(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_bytes(b"private")
    (tmp_path / "agency" / "inbox").mkdir(parents=True)
    (tmp_path / "agency" / "inbox" / "link.csv").symlink_to(secret)
    agency = FolderAgency(tmp_path / "agency")
    assert agency.fetch_status_files() == []
    with pytest.raises(UnsafeFileName, match="leads outside"):
        agency.mark_taken("link.csv")
    assert secret.read_bytes() == b"private"


def test_taking_a_file_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"no status file 'missing\.csv'"):
        FolderAgency(tmp_path).mark_taken("missing.csv")
