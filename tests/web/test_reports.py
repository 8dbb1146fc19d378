"""Reports in the browser: every report of the catalogue renders with its defaults and with filters, a bad
filter shows beside its field, a large result shows its first rows only, and the Excel, CSV and PDF downloads
hold the catalogue's rows; saved queries are saved, run and deleted."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reskontro.domain.parties import PartyKind
from reskontro.services import report_catalog
from reskontro.services.companies import set_rate
from reskontro.services.parties import create_group, define_free_field, set_free_value
from reskontro.services.report_catalog import REPORTS, ReportResult
from reskontro.web import report_view
from tests.builders import count, customer, gl_voucher, post, supplier
from tests.conftest import Ctx
from tests.web.conftest import Browser, Web

D = date(2026, 3, 2)


@pytest.fixture
def ledger(ctx: Ctx) -> Ctx:
    """Two customers in different groups, one with a free field; NOK and EUR invoices; a supplier."""
    create_group(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, code="EXPORT", name="Eksport")
    customer(ctx, "10001", name="Fjordlys Bakeri AS", group_code="EXPORT")
    customer(ctx, "10002", name="Nordlys Handel AS", payment_terms_days=30)
    supplier(ctx, "50001", name="Havbruk Leverandør AS")
    define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="region", label="Region", field_type="text")
    set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10002",
                   code="region", value="Vest")
    set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency="EUR", on=date(2026, 1, 1), rate="11.50")
    post(ctx, "invoice", "10001", "1000.00", D, document_number="A1")                      # due 03-16
    post(ctx, "invoice", "10001", "200.00", D, document_number="A2", currency="EUR")        # 2300 NOK
    post(ctx, "invoice", "10002", "5000.00", date(2026, 6, 1), document_number="B1")       # due 07-01
    post(ctx, "invoice", "10002", "300.00", date(2026, 1, 5), document_number="B2")
    post(ctx, "payment", "10002", "300.00", date(2026, 4, 1), applies_to="B2")
    post(ctx, "invoice", "50001", "8000.00", date(2026, 5, 2), kind=PartyKind.SUPPLIER, document_number="L1")
    return ctx


def cells(html: str) -> list[list[str]]:
    """The report table's body as text, row by row."""
    body = html[html.index('<div class="table-wrap report-table">'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    return [[html_lib.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def heads(html: str) -> list[str]:
    return [html_lib.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>',
                                                      html[html.index("report-table"):])]


def totals(html: str) -> list[str]:
    foot = re.search(r'<div class="table-wrap report-table">.*?<tfoot><tr>(.*?)</tr></tfoot>', html, re.S)
    assert foot is not None, "no totals row"
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", foot.group(1), re.S)]


def error_beside(html: str, name: str) -> str:
    found = re.search(rf'<small class="error" id="f-{name}-msg"[^>]*>([^<]*)</small>', html)
    assert found is not None, f"no message slot for {name}"
    return found.group(1)


def catalogue(ctx: Ctx, name: str, **params: str) -> ReportResult:
    return report_catalog.run_report(uow=ctx.uow(readonly=True), company_id=ctx.company_id, name=name,
                                     params=params)


# -- pages -----------------------------------------------------------------------------------------------


def test_the_index_lists_every_report_of_the_catalogue(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    html = b.get(web.url("/reports")).text
    for name in REPORTS:
        assert f'href="/c/{web.cid}/reports/{name}"' in html, name
        assert name in report_view.REPORT_LABELS, f"the report {name} has no label in web/report_view.py"
    assert "Aldersfordelt saldoliste" in html and "Reskontrospesifikasjon" in html
    assert "Ingen lagrede søk ennå." in html


@pytest.mark.parametrize("name", list(REPORTS))
def test_each_report_renders_with_its_default_parameters(web: Web, ledger: Ctx, name: str) -> None:
    b = web.sign_in("read_only")
    page = b.get(web.url(f"/reports/{name}"))
    assert page.status_code == 200, page.text[-2000:]
    spec = REPORTS[name]
    if any(p.required for p in spec.params):  # a party ledger needs a party: the form first, no error yet
        assert '<div class="table-wrap report-table">' not in page.text and 'id="form-errors"' not in page.text
        page = b.get(web.url(f"/reports/{name}"), params={"party": "10001"})
        assert page.status_code == 200, page.text[-2000:]
    assert '<div class="table-wrap report-table">' in page.text
    assert 'data-shortcut="e"' in page.text and "Excel</a>" in page.text and "PDF</a>" in page.text


def test_aged_shows_buckets_totals_and_links_parties_to_their_cards(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("accountant")
    html = b.get(web.url("/reports/aged"), params={"as_of": "2026-06-30", "kind": "customer"}).text
    assert "Aldersfordelt saldoliste per 30.06.2026" in html
    assert heads(html) == ["Nummer", "Navn", "Reskontro", "Ikke forfalt", "1–30", "31–60", "61–90", "> 90", "Sum"]
    rows = {r[0]: r for r in cells(html)}
    assert rows["10001"][7] == "3\u00a0300,00" and rows["10002"][3] == "5\u00a0000,00"
    assert rows["10001"][2] == "Kunde"
    assert f'<a href="/c/{web.cid}/customer/10001">10001</a>' in html
    assert totals(html)[0] == "Sum" and totals(html)[-1] == "8\u00a0300,00"
    # Both ledgers: the totals row is the net of what customers owe and what is owed to suppliers, each beside it.
    html = b.get(web.url("/reports/aged"), params={"as_of": "2026-06-30"}).text
    assert totals(html)[0] == "Netto (kunder − leverandører)" and totals(html)[-1] == "300,00"
    assert "Kunder, sum" in html and "Leverandører, sum" in html and "8\u00a0000,00" in html
    # Other buckets, by document date, in English.
    b.post("/lang", {"lang": "en", "next": "/"})
    html = b.get(web.url("/reports/aged"), params={"as_of": "2026-06-30", "buckets": "10,20,30,60,120,180",
                                                    "by": "document_date"}).text
    assert heads(html)[3:] == ["Not due", "1–10", "11–20", "21–30", "31–60", "61–120", "121–180", "> 180", "Total"]
    assert "3,300.00" in html and "Aged open items as of 2026-06-30" in html


def test_open_items_filters_group_currency_free_field_and_party(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")

    def docs(**params: str) -> list[str]:
        page = b.get(web.url("/reports/open-items"), params={"as_of": "2026-06-30", **params})
        assert page.status_code == 200, page.text[-1500:]
        return [r[3] for r in cells(page.text)]

    assert docs() == ["A1", "A2", "B1", "L1"]
    assert docs(kind="customer", group="EXPORT") == ["A1", "A2"]
    assert docs(currency="EUR") == ["A2"]
    assert docs(**{"field.region": "Vest"}) == ["B1"]
    assert docs(kind="customer", party="10002") == ["B1"]
    assert docs(kind="supplier") == ["L1"]
    assert docs(overdue_only="yes", kind="customer") == ["A1", "A2"]
    html = b.get(web.url("/reports/open-items"), params={"as_of": "2026-03-31"}).text
    assert [r[3] for r in cells(html)] == ["A1", "A2", "B2"]  # historic: B2 was paid on 1 April
    # The form offers the company's groups, currencies and free fields.
    assert '<option value="EXPORT">EXPORT Eksport</option>' in html and '<option value="EUR">EUR</option>' in html
    assert 'name="field.region"' in html and ">Region</label>" in html


def test_filters_typed_the_norwegian_way_are_written_the_catalogues_way_in_the_url(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    r = b.get(web.url("/reports/open-items"), params={"as_of": "30.06.2026", "min_amount": "2 000,00",
                                                      "max_amount": "", "party": "", "kind": ""},
              follow_redirects=False)
    assert r.status_code == 303
    assert parse_qs(urlsplit(r.headers["location"]).query) == {"as_of": ["2026-06-30"], "min_amount": ["2000.00"]}
    html = b.get(r.headers["location"]).text
    assert [r[3] for r in cells(html)] == ["A2", "B1", "L1"]
    assert 'value="2000.00"' in html


@pytest.mark.parametrize(("name", "params", "field", "message"), [
    ("aged", {"buckets": "30,x"}, "buckets", "Oppgi økende hele antall dager"),
    ("aged", {"as_of": "2026-13-01"}, "as_of", "Oppgi en dato"),
    ("aged", {"top": "0"}, "top", "Oppgi et helt tall over null"),
    ("open-items", {"party": "99999"}, "party", "Det finnes ingen kunde eller leverandør med dette nummeret."),
    ("open-items", {"min_amount": "mye"}, "min_amount", "Oppgi et beløp"),
    ("ledger-spec", {"date_from": "2026-06-01", "date_to": "2026-05-01"}, "date_from", "Perioden starter etter"),
    ("party-ledger", {"kind": "customer", "date_to": "2026-06-30"}, "party", "Feltet må fylles ut."),
])
def test_a_bad_filter_is_shown_beside_its_field(web: Web, ledger: Ctx, name: str, params: dict[str, str],
                                                field: str, message: str) -> None:
    b = web.sign_in("read_only")
    page = b.get(web.url(f"/reports/{name}"), params=params)
    assert page.status_code == 422
    assert message in error_beside(page.text, field)
    assert f'id="f-{field}"' in page.text and 'aria-invalid="true"' in page.text
    assert '<div class="table-wrap report-table">' not in page.text and "Excel</a>" not in page.text


def test_a_filter_the_report_does_not_take_is_named(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    page = b.get(web.url("/reports/top-debtors"), params={"colour": "blue"})
    assert page.status_code == 422 and "Rapporten har ikke noe utvalg som heter colour." in page.text


def test_a_large_result_shows_its_first_rows_and_points_to_the_export(web: Web, ctx: Ctx,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(5):
        customer(ctx, f"2000{n}")
        post(ctx, "invoice", f"2000{n}", "100.00", date(2026, 6, 1), document_number=f"X{n}")
    monkeypatch.setattr(report_view, "PAGE_ROWS", 3)
    b = web.sign_in("read_only")
    aged = b.get(web.url("/reports/aged")).text  # the first parties' rows
    assert len(cells(aged)) == 3 and "Viser de første 3 radene; det er flere." in aged
    assert totals(aged)[-1] == "500,00"  # the totals cover every row (from the maintained totals)
    ledger_spec = b.get(web.url("/reports/ledger-spec"), params={"date_from": "2026-01-01"}).text
    assert len(cells(ledger_spec)) == 3 and totals(ledger_spec)[-1] == "500,00"
    items = b.get(web.url("/reports/open-items")).text  # a stream: read 3 rows, then closed
    assert len(cells(items)) == 3 and "Viser de første 3 radene; det er flere." in items
    assert totals(items)[-1] == "500,00"
    # A filter only the rows can apply: the total of 3 rows read would be wrong, so there is none.
    some = b.get(web.url("/reports/open-items"), params={"min_amount": "1"}).text
    assert len(cells(some)) == 3 and "summene står i eksporten" in some
    assert "<tfoot>" not in some[some.index("report-table"):]
    assert "Eksporter til Excel for alle rader" in some


def test_a_stream_is_read_one_row_past_the_page_and_closed() -> None:
    read: list[int] = []
    closed: list[bool] = []

    def rows() -> Any:
        try:
            for n in range(10_000):
                read.append(n)
                yield {"n": n}
        finally:
            closed.append(True)

    result = ReportResult("x", "x", (), (), rows())
    taken, more, total = report_view.read_rows(result, 3)
    assert [r["n"] for r in taken] == [0, 1, 2] and more and total is None
    assert read == [0, 1, 2, 3] and closed == [True]


def test_the_ledger_specification_shows_the_gl_reconciliation_and_a_difference_in_red(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    params = {"date_from": "2026-03-01", "date_to": "2026-06-30"}
    html = b.get(web.url("/reports/ledger-spec"), params=params).text
    assert "Stemmer med hovedboken" in html and "diff-bad" not in html
    assert "Hovedbokskonto 1500" in html and "Inngående 01.03.2026" in html
    gl_voucher(ledger, 999999, date(2026, 5, 5), (("1500", 12345), ("1920", -12345)))
    html = b.get(web.url("/reports/ledger-spec"), params=params).text
    assert "Stemmer ikke med hovedboken" in html
    assert re.search(r'<td class="num diff-bad">123,45</td>', html)


def test_statement_and_payment_behaviour_summaries_are_formatted(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    html = b.get(web.url("/reports/statement"), params={"party": "10001", "date_to": "2026-06-30"}).text
    assert '<dt>Åpne poster</dt><dd class="num">2</dd>' in html and "Utgående saldo" in html
    assert '<dt>Sum åpent</dt><dd class="num">3\u00a0300,00</dd>' in html
    assert "Inngående saldo" in html  # the ledger's first line, translated


# -- downloads -------------------------------------------------------------------------------------------


def download(b: Browser, web: Web, name: str, **params: str) -> Any:
    r = b.get(web.url(f"/reports/{name}/export"), params=params)
    assert r.status_code == 200, r.text[-1500:]
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    return r


def test_the_excel_download_has_the_catalogues_rows_with_headers_in_the_readers_language(web: Web,
                                                                                        ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    r = download(b, web, "aged", format="xlsx", as_of="2026-06-30")
    assert r.headers["content-disposition"] == 'attachment; filename="aged-2026-06-30.xlsx"'
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    book = load_workbook(io.BytesIO(r.content))
    sheet = book.worksheets[0]
    got = list(sheet.iter_rows(values_only=True))
    assert got[0] == ("Nummer", "Navn", "Reskontro", "Ikke forfalt", "1–30", "31–60", "61–90", "> 90", "Sum")
    expected = list(catalogue(ledger, "aged", as_of="2026-06-30").rows)
    assert len(got) - 1 == len(expected) == 3
    for row, want in zip(got[1:], expected, strict=True):
        assert row[0] == want["party_number"] and row[2] == want["kind"]
        assert Decimal(str(row[-1])) == want["total"]
    params = dict(row[:2] for row in book["Parameters"].iter_rows(values_only=True) if row[0])
    assert params.get("Per dato") == "2026-06-30"
    assert any(str(v).startswith("Aldersfordelt saldoliste per 30.06.2026") for v in params)


def test_the_csv_download_is_norwegian_by_default_and_english_with_a_comma(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    r = download(b, web, "open-items", format="csv", as_of="2026-06-30")
    assert r.content.startswith(b"\xef\xbb\xbf")
    text = r.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["party_number", "party_name", "kind", "document_number"]
    assert [x[3] for x in rows[1:]] == ["A1", "A2", "B1", "L1"]
    a2 = next(x for x in rows if x[3] == "A2")
    assert a2[-1] == "2300,00" and a2[-3] == "200,00"
    r = download(b, web, "open-items", format="csv", sep=",", as_of="2026-06-30")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert next(x for x in rows if x[3] == "A2")[-1] == "2300.00"
    # The transactions report has a set-based export (the database writes the lines): the same rules.
    r = download(b, web, "transactions", format="csv", date_from="2026-01-01", date_to="2026-06-30")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert r.content.startswith(b"\xef\xbb\xbf") and rows[0][0] == "party_number"
    a2 = next(x for x in rows if x[4] == "A2")
    assert a2[10] == "200,00" and a2[11] == "2300,00"


def test_the_pdf_download_reads_back(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    r = download(b, web, "aged", format="pdf", as_of="2026-06-30", kind="customer")
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Aldersfordelt saldoliste per 30.06.2026" in text
    assert "Fjordlys Bakeri AS" in text and "8 300,00" in text.replace("\u00a0", " ")
    assert "Per dato: 2026-06-30" in text
    # The ledger specification's reconciliation prints under the table.
    r = download(b, web, "ledger-spec", format="pdf", date_from="2026-03-01", date_to="2026-06-30")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Hovedbokskonto 1500" in text and "Differanse hovedbok - reskontro, Utgående 0,00" in text


def test_the_statements_pdf_is_the_window_envelope_letter(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    r = download(b, web, "statement", format="pdf", party="10001", date_to="2026-06-30")
    assert r.headers["content-disposition"] == 'attachment; filename="statement-10001-2026-06-30.pdf"'
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Fjordlys Bakeri AS" in text and "Kontoutskrift" in text


def test_a_download_with_a_bad_parameter_is_refused_and_another_companys_is_not_found(web: Web,
                                                                                      ledger: Ctx) -> None:
    from tests.api.conftest import other_company

    b = web.sign_in("read_only")
    assert b.get(web.url("/reports/aged/export"), params={"buckets": "x"}).status_code == 422
    assert b.get(web.url("/reports/nope/export")).status_code == 404
    other = other_company(ledger)
    assert b.get(f"/c/{other}/reports/aged/export").status_code == 404


# -- saved queries ---------------------------------------------------------------------------------------


def save(b: Browser, web: Web, name: str, report: str, query: str, shared: bool = False) -> Any:
    form = {"name": name, "report": report, "query": query}
    if shared:
        form["shared"] = "on"
    return b.post(web.url("/saved-queries"), form)


def test_a_saved_query_is_saved_listed_run_and_deleted(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("accountant")
    page = b.get(web.url("/reports/aged"), params={"kind": "customer", "buckets": "30,60"})
    assert 'name="query" value="kind=customer&amp;buckets=30%2C60"' in page.text
    r = save(b, web, "Forfalt kunder", "aged", "kind=customer&buckets=30%2C60", shared=True)
    assert r.status_code == 303
    assert parse_qs(urlsplit(r.headers["location"]).query) == {"kind": ["customer"], "buckets": ["30,60"],
                                                               "saved": ["Forfalt kunder"]}
    assert "Lagret søk: Forfalt kunder" in b.get(r.headers["location"]).text
    index = b.get(web.url("/reports")).text
    link = re.search(r'<td><a href="([^"]+)">Forfalt kunder</a></td>', index)
    assert link is not None and "delt" in index
    ran = b.get(link.group(1).replace("&amp;", "&")).text
    assert heads(ran)[3:] == ["Ikke forfalt", "1–30", "31–60", "> 60", "Sum"]
    # Another accountant sees the shared query but may not delete it.
    other = web.sign_in("admin")
    assert "Forfalt kunder" in other.get(web.url("/reports")).text
    assert other.post(web.url("/saved-queries/delete"), {"name": "Forfalt kunder"}).status_code == 403
    r = b.post(web.url("/saved-queries/delete"), {"name": "Forfalt kunder"})
    assert r.status_code == 303
    index = b.get(r.headers["location"]).text
    assert "Det lagrede søket Forfalt kunder er slettet." in index and ">Forfalt kunder</a>" not in index


def test_a_query_with_a_bad_name_or_a_filter_the_report_does_not_take_is_not_saved(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("accountant")
    before = count(ledger, "saved_queries")
    r = save(b, web, "   ", "aged", "kind=customer")
    assert r.status_code == 422 and "Gi søket et navn" in error_beside(r.text, "name")
    assert save(b, web, "x", "aged", "colour=blue").status_code == 422
    assert save(b, web, "x", "nope", "").status_code == 404
    assert count(ledger, "saved_queries") == before


def test_a_read_only_user_keeps_private_queries_but_cannot_share_one(web: Web, ledger: Ctx) -> None:
    b = web.sign_in("read_only")
    page = b.get(web.url("/reports/top-debtors"))
    assert 'name="shared"' not in page.text  # no sharing offered
    assert save(b, web, "Mine", "top-debtors", "n=5", shared=True).status_code == 403
    assert save(b, web, "Mine", "top-debtors", "n=5").status_code == 303
    assert "Mine" in b.get(web.url("/reports")).text
    assert "Mine" not in web.sign_in("accountant").get(web.url("/reports")).text  # private
    assert b.post(web.url("/saved-queries/delete"), {"name": "Mine"}).status_code == 303
    assert count(ledger, "saved_queries") == 0


def test_the_table_body_escapes_every_text_and_link() -> None:
    table = report_view.Table([("Navn", False)], [
        [report_view.Cell("<script>alert(1)</script> & Co", "num neg", '/c/1/x?a=1&b="2"')],
        [report_view.Cell("Fjell AS")]], None, 2, 2, False)
    assert str(table.body_html()) == (
        '<tr><td class="num neg"><a href="/c/1/x?a=1&amp;b=&#34;2&#34;">&lt;script&gt;alert(1)&lt;/script&gt; '
        '&amp; Co</a></td></tr>\n<tr><td>Fjell AS</td></tr>\n')
