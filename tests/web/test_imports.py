"""Imports in the browser: upload, a preview that writes nothing, confirm once; the kept file belongs to one
company, user and session, and goes when it is confirmed, discarded or expired."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from reskontro.domain.errors import NotFound
from reskontro.web import uploads
from reskontro.web.uploads import UploadStore
from tests.builders import HEADER, PARTIES, count
from tests.conftest import Ctx
from tests.web.conftest import Browser, Web

TRANSACTIONS = HEADER + (
    "100001,customer,invoice,F1,2026-01-10,2026-01-24,1000.00,NOK,0001000108,Faktura 1,\n"
    "100001,customer,payment,P1,2026-01-20,,400.00,NOK,0001000108,,\n"
    "100002,customer,invoice,F2,2026-01-11,,250.00,NOK,,,\n"
)
TABLES = ("parties", "vouchers", "voucher_lines", "items", "matches", "allocations", "imports", "audit_events")


def counts(ctx: Ctx) -> dict[str, int]:
    return {table: count(ctx, table) for table in TABLES}


def upload(b: Browser, web: Web, kind: str, content: str | bytes, name: str = "file.csv") -> Any:
    b.get(web.url("/import"))
    data = content.encode() if isinstance(content, str) else content
    return b.client.post(web.url("/import"), data={"csrf_token": b.csrf, "kind": kind},
                         files={"file": (name, data, "text/csv")}, follow_redirects=False)


def previewed(b: Browser, web: Web, kind: str, content: str | bytes, name: str = "file.csv") -> tuple[str, str]:
    """(the preview's URL, its page)."""
    r = upload(b, web, kind, content, name)
    assert r.status_code == 303, r.text[-1500:]
    page = b.get(r.headers["location"])
    assert page.status_code == 200
    return r.headers["location"], page.text


def test_a_preview_shows_what_would_be_created_and_writes_nothing(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("accountant")
    before = counts(ctx)
    url, html = previewed(b, web, "parties", PARTIES, "kunder.csv")
    assert "Forhåndsvisning av import: kunder.csv" in html and "3 rader" in html
    assert '<span class="kpi-value" data-would="created">3</span>' in html
    assert '<span class="kpi-value" data-would="skipped">0</span>' in html
    assert counts(ctx) == before, "a preview wrote something"
    # Confirm: the parties are created; a second confirm imports nothing and shows the same result.
    r = b.post(url + "/confirm")
    assert r.status_code == 303 and r.headers["location"] == url
    html = b.get(url).text
    assert "Filen er importert." in html and "3 opprettet, 0 oppdatert, 0 uendret." in html
    assert count(ctx, "parties") == before["parties"] + 3
    after = counts(ctx)
    again = b.post(url + "/confirm")
    assert again.status_code == 303 and counts(ctx) == after
    assert "Filen er importert." in b.get(url).text


def test_transactions_preview_then_confirm_posts_once_and_the_same_file_again_posts_nothing(web: Web,
                                                                                           ctx: Ctx) -> None:
    b = web.sign_in("admin")
    url, _ = previewed(b, web, "parties", PARTIES)
    b.post(url + "/confirm")
    before = counts(ctx)
    url, html = previewed(b, web, "transactions", TRANSACTIONS, "poster.csv")
    assert '<span class="kpi-value" data-would="created">3</span>' in html
    assert '<span class="kpi-value" data-would="matches">1</span>' in html
    assert counts(ctx) == before
    assert b.post(url + "/confirm").status_code == 303
    assert count(ctx, "vouchers") == before["vouchers"] + 3
    assert "3 bokført, 0 fantes fra før og ble hoppet over, 1 utlignet." in b.get(url).text
    # The same file uploaded again: the preview says it was imported and would post nothing.
    vouchers = count(ctx, "vouchers")
    url2, html = previewed(b, web, "transactions", TRANSACTIONS, "poster.csv")
    assert url2 != url and "Denne filen ble importert" in html
    assert '<span class="kpi-value" data-would="created">0</span>' in html and "Importer (ingenting nytt)" in html
    b.post(url2 + "/confirm")
    assert count(ctx, "vouchers") == vouchers


def test_every_row_error_is_shown_with_its_row_and_column_and_nothing_can_be_imported(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("accountant")
    url, _ = previewed(b, web, "parties", PARTIES)
    b.post(url + "/confirm")
    bad = HEADER + (
        "100001,customer,invoice,F1,2026-01-10,,1000.00,NOK,,,\n"
        "100001,customer,invoice,F2,10/01/2026,,1000.00,NOK,,,\n"
        "999999,customer,invoice,F5,2026-01-10,,10.00,NOK,,,\n"
        "100001,customer,invoice,F6,2026-01-10,,10.00,NOK,0001000109,,\n"
    )
    before = counts(ctx)
    url, html = previewed(b, web, "transactions", bad, "feil.csv")
    assert "3 problemer: ingenting kan importeres" in html
    for row, column in (("3", "date"), ("4", "party_number"), ("5", "kid")):
        assert f'<tr><td class="num">{row}</td><td class="mono">{column}</td>' in html, (row, column)
    # Each in bokmål, with the parser's or the ledger's own words (and the values at fault) beside it.
    assert ("Oppgi en dato som ÅÅÅÅ-MM-DD eller DD.MM.ÅÅÅÅ. <span class=\"muted detail\" lang=\"en\">"
            "&#39;10/01/2026&#39; is not a date") in html
    assert "Ingen kunde eller leverandør har dette nummeret: importer eller opprett parten først." in html
    assert "KID-en har feil kontrollsiffer (verken MOD10 eller MOD11)." in html
    assert "/confirm" not in html
    assert counts(ctx) == before
    # A confirm sent anyway imports nothing and shows the problems.
    r = b.post(url + "/confirm")
    assert r.status_code == 422 and "Ingenting ble importert" in r.text
    assert counts(ctx) == before


def test_an_xlsx_file_is_previewed_like_csv(web: Web, ctx: Ctx) -> None:
    wb = Workbook()
    ws = wb.active
    for line in PARTIES.strip().splitlines():
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    b = web.sign_in("accountant")
    _, html = previewed(b, web, "parties", buf.getvalue(), "kunder.xlsx")
    assert '<span class="kpi-value" data-would="created">3</span>' in html


def test_the_upload_form_refuses_a_missing_file_a_wrong_kind_and_another_file_type(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("accountant")
    b.get(web.url("/import"))
    r = b.client.post(web.url("/import"), data={"csrf_token": b.csrf, "kind": "parties"}, follow_redirects=False)
    assert r.status_code == 422 and "Velg en CSV- eller XLSX-fil." in r.text
    r = upload(b, web, "vouchers", PARTIES)
    assert r.status_code == 422 and "Velg hva filen inneholder." in r.text
    r = upload(b, web, "parties", b"%PDF-1.4", "kunder.pdf")
    assert r.status_code == 422 and "Filen må være CSV (.csv) eller Excel (.xlsx)." in r.text


def test_a_file_over_the_limit_is_refused_and_not_kept(web: Web, ctx: Ctx, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    web.web.state.uploads = UploadStore(tmp_path / "up")
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 100)
    b = web.sign_in("accountant")
    r = upload(b, web, "parties", PARTIES)
    assert r.status_code == 413 and "høyst 50 MB" in r.text
    assert list((tmp_path / "up").iterdir()) == []


def test_the_kept_file_belongs_to_its_session_and_goes_when_confirmed_or_discarded(web: Web, ctx: Ctx,
                                                                                   tmp_path: Path) -> None:
    store = UploadStore(tmp_path / "up")
    web.web.state.uploads = store
    b = web.sign_in("accountant")
    url, _ = previewed(b, web, "parties", PARTIES)
    token = url.rsplit("/", 1)[-1]
    assert stat.S_IMODE(os.stat(tmp_path / "up").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "up" / f"{token}.data").st_mode) == 0o600
    # The same user in another browser (another session), and another accountant: not found.
    assert web.sign_in("accountant").get(url).status_code == 404
    other = web.sign_in("admin")
    assert other.get(url).status_code == 404
    assert other.post(url + "/confirm").status_code == 404
    assert count(ctx, "parties") == 0
    b.post(url + "/confirm")
    assert not (tmp_path / "up" / f"{token}.data").exists()
    url, _ = previewed(b, web, "parties", PARTIES)
    token = url.rsplit("/", 1)[-1]
    assert b.post(url + "/discard").status_code == 303
    assert not any(p.name.startswith(token) for p in (tmp_path / "up").iterdir())
    assert b.get(url).status_code == 404


def test_an_upload_expires_and_is_swept_away(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = UploadStore(tmp_path / "up", lifetime=3600, clock=lambda: now[0])
    kept = store.save(company_id=1, user_id=2, session_id=3, kind="parties", filename="a.csv",
                      data=io.BytesIO(b"x" * 10))
    assert store.find(kept.token, company_id=1, user_id=2, session_id=3).size == 10
    with pytest.raises(NotFound):
        store.find(kept.token, company_id=1, user_id=2, session_id=4)
    now[0] += 3601
    with pytest.raises(NotFound):
        store.find(kept.token, company_id=1, user_id=2, session_id=3)
    for path in (tmp_path / "up").iterdir():
        os.utime(path, (now[0] - 3602, now[0] - 3602))
    assert store.sweep() == 2 and list((tmp_path / "up").iterdir()) == []


@pytest.mark.parametrize("token", ["../../etc/passwd", "a" * 42, "a" * 42 + "/", "a" * 42 + ".", ""])
def test_a_token_never_names_a_path_outside_the_folder(tmp_path: Path, token: str) -> None:
    with pytest.raises(NotFound):
        UploadStore(tmp_path).find(token, company_id=1, user_id=1, session_id=1)


def test_a_read_only_user_cannot_open_the_import(web: Web, ctx: Ctx) -> None:
    b = web.sign_in("read_only")
    assert b.get(web.url("/import")).status_code == 403
    assert f'href="/c/{web.cid}/import"' not in b.get(web.url("/")).text
    assert 'data-shortcut="g i"' not in b.get(web.url("/reports")).text
