"""Any report of the catalogue as a printable PDF table: A4 landscape, header row on every page.

The same typed columns and streamed rows as the XLSX/CSV/JSON writers (``formats.tabular.export``),
so every query result that exports to Excel also prints. Layout, in millimetres (A4 landscape,
297 × 210): margins 12, so the table is 273 wide. Page 1 starts with the report's title, the
company, the parameters as run and the run time; every page repeats the column headers and ends with
a footer (company, title, "Side 2 av 7" / "Page 2 of 7").

* Column widths come from the headers and the first 200 rows (text measured in the font), scaled to
  the page width; amounts, rates, numbers and dates keep their width, text columns give way and
  long text is cut with "…". Rows are one line high, zebra-striped; amounts are right-aligned.
* Numbers are written as they are (an amount keeps its currency's decimals, JPY none, KWD three),
  grouped the language's way: nb/nn ``-1 234,50`` (no-break space), en ``-1,234.50``; dates nb/nn
  ``31.12.2026``, en ISO 8601. Text goes through :func:`~reskontro.formats.pdf.statement.safe_text`
  (Helvetica with Windows-1252: æøå and € print; CJK and emoji become "?").
* A PDF is for reading, not for 100k rows: at most ``max_rows`` rows are printed (default 20 000,
  about 560 pages). A longer result prints its first ``max_rows`` rows and says so in red above the
  table on page 1 and under it, naming Excel or CSV as the way to get every row; the function
  returns how many rows it printed and whether it stopped early.
* The totals row (bold, over a rule) and the summary lines (e.g. the ledger specification's GL
  reconciliation) come after the rows, as the XLSX writer puts them on its Parameters sheet.

Output is deterministic for equal input (the creation date is ``run_at``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any, BinaryIO

from fpdf import FPDF

from reskontro.formats.pdf.statement import resolve_language, safe_text
from reskontro.formats.tabular.export import Column, ColumnKind

__all__ = ["PdfReport", "format_number", "write_pdf"]

PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 12.0
TABLE_W = PAGE_W - 2 * MARGIN
ROW_H, HEAD_H, FONT_PT = 4.6, 5.6, 7.5
PAD = 1.2
SAMPLE_ROWS = 200
MAX_ROWS = 20_000
_NUMERIC = {ColumnKind.AMOUNT, ColumnKind.RATE, ColumnKind.INTEGER}
_TEXTS = {
    "nb": {"page": "Side {n} av {total}", "run": "Kjørt", "limit": "Rapporten har mer enn {n} rader; PDF-en viser "
           "de første {n}. Eksporter til Excel eller CSV for alle rader, eller snevre inn utvalget.",
           "yes": "ja", "no": "nei", "none": "Ingen rader."},
    "en": {"page": "Page {n} of {total}", "run": "Run", "limit": "The report has more than {n} rows; the PDF shows "
           "the first {n}. Export to Excel or CSV for every row, or narrow the selection.",
           "yes": "yes", "no": "no", "none": "No rows."},
}


@dataclass(frozen=True, slots=True)
class PdfReport:
    """What :func:`write_pdf` printed."""

    rows: int
    truncated: bool


def format_number(value: Decimal | int, language: str) -> str:
    """Digits as they are (no rounding), grouped by three: nb/nn ``-1 234,50``, en ``-1,234.50``."""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,f}"
    if text.startswith("-") and set(text[1:]) <= {"0", ".", ","}:
        text = text[1:]  # -0.00 prints as 0.00
    if resolve_language(language) in ("nb", "nn"):
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def _cell_text(value: Any, kind: ColumnKind, language: str, texts: Mapping[str, str]) -> str:
    if value is None:
        return ""
    if kind in _NUMERIC and isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return format_number(value, language)
    if isinstance(value, bool):
        return texts["yes"] if value else texts["no"]
    if isinstance(value, dt.datetime):  # in its own zone, named when it has one
        zone = f" {value.tzname()}" if value.tzinfo else ""
        return (f"{value:%Y-%m-%d %H:%M}" if language == "en" else f"{value:%d.%m.%Y %H:%M}") + zone
    if isinstance(value, dt.date):
        return value.isoformat() if language == "en" else f"{value:%d.%m.%Y}"
    return safe_text(str(value))


class _ReportPDF(FPDF):
    def __init__(self, *, title: str, company: str, language: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report_title, self.company, self.language = title, company, language
        self.columns: list[tuple[str, float, str]] = []  # title, width, align
        self.core_fonts_encoding = "cp1252"  # æøå, €, – and … in Helvetica (safe_text keeps text inside it)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.alias_nb_pages("\x00pages\x00")  # a control character cannot come from the data (safe_text)

    def header(self) -> None:
        if self.page_no() > 1 and self.columns:
            self.set_y(MARGIN)
            self.column_headers()

    def footer(self) -> None:
        self.set_y(PAGE_H - MARGIN + 2)
        self.set_font("Helvetica", "", 6.5)
        self.set_text_color(90, 90, 90)
        self.cell(TABLE_W / 2, 4, safe_text(f"{self.company} · {self.report_title}"), align="L")
        page = _TEXTS[self.language]["page"].format(n=self.page_no(), total="\x00pages\x00")
        self.cell(TABLE_W / 2, 4, page, align="R")
        self.set_text_color(0, 0, 0)

    def column_headers(self) -> None:
        self.set_font("Helvetica", "B", FONT_PT)
        self.set_fill_color(226, 231, 238)
        for title, width, align in self.columns:
            self.cell(width, HEAD_H, _fit(self, title, width), align=align, fill=True)
        self.ln(HEAD_H)
        self.set_font("Helvetica", "", FONT_PT)

    def room_for(self, height: float) -> None:
        if self.get_y() + height > PAGE_H - MARGIN - 2:
            self.add_page()


def _fit(pdf: FPDF, text: str, width: float) -> str:
    room = width - 2 * PAD
    if pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _widths(pdf: FPDF, columns: Sequence[Column], titles: Sequence[str], sample: list[list[str]]) -> list[float]:
    pdf.set_font("Helvetica", "B", FONT_PT)
    head = [pdf.get_string_width(t) + 2 * PAD + 0.5 for t in titles]
    pdf.set_font("Helvetica", "", FONT_PT)
    # Totals come after the rows (a stream knows them only at its end): numbers get room for more digits.
    room = {kind: pdf.get_string_width(sample_text) for kind, sample_text in (
        (ColumnKind.AMOUNT, "-999 999 999,99"), (ColumnKind.RATE, "99 999,99"), (ColumnKind.INTEGER, "9 999 999"))}
    wanted = []
    for n, column in enumerate(columns):
        texts = sorted((pdf.get_string_width(row[n]) for row in sample), reverse=True)
        # the 95th-percentile width, so one long name does not take the page; numbers and dates need it all
        body = texts[0] if column.kind != ColumnKind.TEXT and texts else (
            texts[len(texts) // 20] if texts else 0.0)
        body = max(body, room.get(column.kind, 0.0))
        wanted.append(max(head[n] if column.kind != ColumnKind.TEXT else min(head[n], 30.0), body + 2 * PAD + 0.5,
                          8.0))
    total = sum(wanted)
    if total <= TABLE_W:
        # widen the text columns in proportion to their text, at most to twice that: a few columns make a
        # narrower table rather than a number column 10 cm wide
        text_cols = [n for n, c in enumerate(columns) if c.kind == ColumnKind.TEXT] or list(range(len(columns)))
        text_width = sum(wanted[n] for n in text_cols)
        grow = min((TABLE_W - total) / text_width, 1.0)
        for n in text_cols:
            wanted[n] *= 1 + grow
        return wanted
    fixed = sum(w for w, c in zip(wanted, columns, strict=True) if c.kind != ColumnKind.TEXT)
    flexible = total - fixed
    if fixed < TABLE_W and flexible > 0:  # text columns give way first
        scale = (TABLE_W - fixed) / flexible
        return [w * scale if c.kind == ColumnKind.TEXT else w for w, c in zip(wanted, columns, strict=True)]
    return [w * TABLE_W / total for w in wanted]


def write_pdf(out: BinaryIO, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *, title: str,
              company: str, parameters: Sequence[tuple[str, str]] = (), run_at: dt.datetime | None = None,
              totals: Mapping[str, Any] | None = None, summary: Sequence[tuple[str, str]] = (),
              language: str = "nb", max_rows: int = MAX_ROWS) -> PdfReport:
    """Print the report: ``columns`` (titles as they should appear, in the reader's language), the rows as
    they stream, then ``totals`` and ``summary``. ``totals`` may be a mapping the row stream completes
    (as :class:`~reskontro.services.report_catalog.ReportResult` does); it is read after the rows."""
    language = "en" if resolve_language(language) == "en" else "nb"
    texts = _TEXTS[language]
    pdf = _ReportPDF(title=title, company=company, language=language)
    if run_at is not None:
        pdf.set_creation_date(run_at if run_at.tzinfo else run_at.replace(tzinfo=dt.UTC))
    pdf.set_title(safe_text(title))
    pdf.set_author(safe_text(company))
    kinds = [c.kind for c in columns]
    keys = [c.key for c in columns]

    def line(row: Mapping[str, Any]) -> list[str]:
        return [_cell_text(row.get(k), kind, language, texts) for k, kind in zip(keys, kinds, strict=True)]

    stream = iter(rows)
    sample = [line(r) for r in islice(stream, SAMPLE_ROWS)]
    titles = [safe_text(c.title) for c in columns]
    widths = _widths(pdf, columns, titles, sample)
    aligns = ["R" if k in _NUMERIC else "L" for k in kinds]
    table_w = sum(widths)

    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(TABLE_W, 7, _fit(pdf, safe_text(title), TABLE_W), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    info = [safe_text(company)]
    if run_at is not None:
        info.append(f"{texts['run']} {_cell_text(run_at, ColumnKind.DATETIME, language, texts)}")
    pdf.cell(TABLE_W, 4.5, "  ·  ".join(info), new_x="LMARGIN", new_y="NEXT")
    if parameters:
        pdf.multi_cell(TABLE_W, 4, safe_text("   ".join(f"{k}: {v}" for k, v in parameters)),
                       new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.columns = list(zip(titles, widths, aligns, strict=True))
    pdf.column_headers()

    printed = 0
    truncated = False

    def draw(cells: list[str], *, bold: bool = False) -> None:
        nonlocal printed
        pdf.room_for(ROW_H)
        if printed % 2 == 1 and not bold:
            pdf.set_fill_color(246, 248, 251)
            pdf.rect(MARGIN, pdf.get_y(), table_w, ROW_H, style="F")
        for text, width, align in zip(cells, widths, aligns, strict=True):
            pdf.cell(width, ROW_H, _fit(pdf, text, width) if text else "", align=align)
        pdf.ln(ROW_H)

    for cells in sample:
        if printed == max_rows:
            truncated = True
            break
        draw(cells)
        printed += 1
    if not truncated:
        for row in stream:
            if printed == max_rows:
                truncated = True
                break
            draw(line(row))
            printed += 1
    close = getattr(stream, "close", None)
    if truncated and close is not None:
        close()  # release the database: the rest will not be read

    if printed == 0:
        pdf.set_font("Helvetica", "I", FONT_PT)
        pdf.cell(TABLE_W, ROW_H, texts["none"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", FONT_PT)
    if totals and not truncated:
        pdf.room_for(ROW_H + 1)
        pdf.set_draw_color(60, 60, 60)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + table_w, pdf.get_y())
        pdf.set_font("Helvetica", "B", FONT_PT)
        draw(line(totals), bold=True)
        pdf.set_font("Helvetica", "", FONT_PT)
    if truncated:
        notice = texts["limit"].format(n=format_number(max_rows, language))
        pdf.room_for(ROW_H * 2)
        pdf.set_text_color(170, 20, 20)
        pdf.multi_cell(TABLE_W, 4, notice, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        here = (pdf.page, pdf.get_y())
        pdf.page = 1  # the same notice at the top of page 1, where it is seen first
        pdf.set_xy(MARGIN, MARGIN + 7)
        pdf.set_font("Helvetica", "B", 8)
        pdf.set_text_color(170, 20, 20)
        pdf.cell(TABLE_W, 4.5, _fit(pdf, notice, TABLE_W), align="R")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("Helvetica", "", FONT_PT)
        pdf.page = here[0]
        pdf.set_y(here[1])
    if summary:
        pdf.ln(2)
        for name, value in summary:
            pdf.room_for(4.5)
            pdf.set_font("Helvetica", "B", 8)
            pdf.cell(70, 4.5, _fit(pdf, safe_text(name), 70))
            pdf.set_font("Helvetica", "", 8)
            pdf.cell(TABLE_W - 70, 4.5, _fit(pdf, safe_text(value), TABLE_W - 70), new_x="LMARGIN", new_y="NEXT")
    out.write(bytes(pdf.output()))
    return PdfReport(printed, truncated)
