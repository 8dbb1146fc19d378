"""Incoming bank files, whatever their format: tell OCR Giro from camt by their first bytes and parse.

A user uploads "the file from the bank" without saying what it is; the format is in the bytes: an OCR Giro
file begins with its transmission start record ``NY000010``, a camt file is XML whose root namespace names
the message (``urn:iso:std:iso:20022:tech:xsd:camt.054.001.02``).
"""

from __future__ import annotations

import re

from reskontro.formats import ocr_giro
from reskontro.formats.iso20022 import camt
from reskontro.formats.payments import BankFile, BankFileInvalid
from reskontro.formats.result import Problem

__all__ = ["detect", "parse"]

#: How far into a file its root element is looked for (past the XML declaration and comments).
_HEAD = 64 * 1024
_SKIP = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*(\s[^>]*)?/?>")
_CAMT = re.compile(rb"^camt\.\d{3}\.\d{3}\.\d{2}$")


def detect(data: bytes) -> str | None:
    """``"ocr-giro"``, the camt message (e.g. ``"camt.054.001.02"``) of an XML file, or None."""
    if data.startswith(b"NY000010"):
        return ocr_giro.FORMAT
    head = _SKIP.sub(b"", data[:_HEAD].removeprefix(b"\xef\xbb\xbf")).lstrip(b" \t\r\n")
    if not head.startswith(b"<"):
        return None
    root = _ROOT.search(head)
    if root is None:
        return None
    prefix = (root.group(1) or b":")[:-1]
    declaration = rb"xmlns:" + re.escape(prefix) if prefix else rb"xmlns"
    found = re.search(declaration + rb"\s*=\s*[\"']urn:iso:std:iso:20022:tech:xsd:([^\"']+)[\"']", root.group(0))
    if found is None or not _CAMT.match(found.group(1)):
        return None
    return found.group(1).decode("ascii")


def parse(data: bytes, source: str) -> BankFile:
    """The transactions of an OCR Giro or camt file, or :class:`BankFileInvalid` (also for any other file)."""
    kind = detect(data)
    if kind == ocr_giro.FORMAT:
        return ocr_giro.parse(data, source)
    if kind is not None or data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"<"):
        # Any XML goes to the camt reader: a DOCTYPE is refused there as an attack, a camt version or message we
        # do not read is refused naming its namespace.
        return camt.parse(data, source)
    raise BankFileInvalid(source, [Problem(source, None, None, "unknown_format",
                                           "not a bank file we read: neither OCR Giro (NY000010…) nor camt.053/054 "
                                           "XML")])
