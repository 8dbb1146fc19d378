"""Join PDFs into one (a print batch of letters archived one by one), with pypdf."""

from __future__ import annotations

import io
from collections.abc import Sequence

from pypdf import PdfWriter


def merge_pdfs(pdfs: Sequence[bytes], *, duplex: bool = False) -> bytes:
    """One PDF of all pages of ``pdfs`` in order; ``duplex`` pads each to an even page count with a blank page, so
    every letter starts on a new sheet when printed on both sides."""
    writer = PdfWriter()
    for data in pdfs:
        writer.append(io.BytesIO(data))
        if duplex and len(writer.pages) % 2:
            last = writer.pages[-1]
            writer.add_blank_page(width=float(last.mediabox.width), height=float(last.mediabox.height))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
