"""A report of the catalogue written to a file for a person: Excel, CSV, JSON or a printable PDF.

The rows are the catalogue's (:func:`reskontro.services.report_catalog.run_report`), written by the one
entry point for files (:func:`~reskontro.services.report_catalog.write_report`: xlsx, csv, json) or by the
PDF table writer (:func:`reskontro.formats.pdf.report.write_pdf`). What may differ from the CLI's and the
API's files is only what a reader sees as labels: the caller (the web UI) hands in :class:`Labels` in the
reader's language — column titles, the report's title, parameter names, the totals row's words and the
summary lines — for the xlsx header and Parameters sheet and for the PDF. Keys, values and the CSV header
(the column keys) stay the catalogue's, so every door gives the same data.

A PDF is for reading: it prints at most :data:`~reskontro.formats.pdf.report.MAX_ROWS` rows and says so;
the rows it does not print are never read (the result is closed).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import BinaryIO, TypeVar, cast

from reskontro.formats.pdf.report import write_pdf
from reskontro.services import report_catalog
from reskontro.services.report_catalog import ReportResult
from reskontro.services.unit_of_work import UnitOfWork

#: The formats :func:`write_report_file` writes.
FILE_FORMATS = ("xlsx", "csv", "json", "pdf")


def _same_title(key: str, title: str) -> str:
    return title


def _own_title(result: ReportResult) -> str:
    return result.title


def _same(text: str) -> str:
    return text


def _own_summary(result: ReportResult) -> Sequence[tuple[str, str]]:
    return result.summary


@dataclass(frozen=True, slots=True)
class Labels:
    """What a reader sees, in their language; each defaults to the catalogue's own (English) text."""

    #: (column key, the catalogue's title) → the title to print.
    column: Callable[[str, str], str] = field(default=_same_title)
    #: The report's heading, from the result (its parameters as run).
    title: Callable[[ReportResult], str] = field(default=_own_title)
    #: A parameter's name (``as_of``) → its label.
    parameter: Callable[[str], str] = field(default=_same)
    #: A word of the totals row (``Total``, ``Closing balance``) → its translation.
    word: Callable[[str], str] = field(default=_same)
    #: The summary lines under the table (e.g. the ledger specification's GL reconciliation).
    summary: Callable[[ReportResult], Sequence[tuple[str, str]]] = field(default=_own_summary)


@dataclass(frozen=True, slots=True)
class WrittenReport:
    """What was written: the rows, whether a PDF stopped early, the report's name and the parameters as run."""

    rows: int
    truncated: bool
    name: str
    parameters: tuple[tuple[str, str], ...]


def _labelled(result: ReportResult, labels: Labels) -> tuple[tuple[str, str], ...]:
    """Relabel the result for a reader; returns the parameters with their labels."""
    result.columns = tuple(replace(c, title=labels.column(c.key, c.title)) for c in result.columns)
    result.title = labels.title(result)
    if result.totals:
        # Only the totals row's words ("Total"); its figures may still be adding up while the rows stream.
        for key, value in list(result.totals.items()):
            if isinstance(value, str):
                result.totals[key] = labels.word(value)
    result.summary = list(labels.summary(result))
    return tuple((labels.parameter(k), v) for k, v in result.parameters)


def write_report_file(*, uow: UnitOfWork, company_id: int, name: str, params: Mapping[str, str | None],
                      out: BinaryIO, fmt: str, separator: str = ",", labels: Labels | None = None,
                      company: str = "", language: str = "nb", run_at: datetime | None = None) -> WrittenReport:
    """Run report ``name`` with ``params`` and write it to ``out`` as xlsx, csv, json or pdf.

    ``labels`` name things in the reader's language in xlsx and PDF; ``separator`` is the CSV delimiter
    (``;`` writes decimal commas); ``company`` and ``language`` are for the PDF. The result is always
    closed, also when writing fails.
    """
    if fmt not in FILE_FORMATS:
        raise ValueError(f"no file format {fmt!r}; the formats are {', '.join(FILE_FORMATS)}")
    result = report_catalog.run_report(uow=uow, company_id=company_id, name=name, params=params)
    as_run = result.parameters
    run_at = run_at or datetime.now(UTC)
    try:
        if fmt == "pdf":
            shown = _labelled(result, labels or Labels())
            printed = write_pdf(out, result.columns, result.rows, title=result.title, company=company,
                                parameters=shown, run_at=run_at, totals=result.totals, summary=result.summary,
                                language=language)
            return WrittenReport(printed.rows, printed.truncated, name, as_run)
        if fmt == "xlsx":
            result.parameters = _labelled(result, labels or Labels())
        rows = report_catalog.write_report(result, out, fmt=fmt, separator=separator, run_at=run_at)
        return WrittenReport(rows, False, name, as_run)
    finally:
        result.close()


T = TypeVar("T")
#: A download is written here first: in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 2**20
CHUNK_BYTES = 256 * 1024


def spooled(write: Callable[[BinaryIO], T]) -> tuple[BinaryIO, T]:
    """Run ``write`` into a spooled temporary file and return it rewound, with what ``write`` returned. The
    whole file is written before a response starts, so a report of a million rows never sits in memory and an
    error found while reading its rows is still a proper error rather than a cut-off download. On an error the
    file is closed and the error raised."""
    spool = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES))  # noqa: SIM115 - the caller closes
    try:
        value = write(spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, value


def chunks(spool: BinaryIO) -> Iterator[bytes]:
    """The file's bytes in blocks, for a streaming response; the file is closed when they are read (or dropped)."""
    try:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()
