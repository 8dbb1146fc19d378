"""ISO 20022 pain.002 (Customer Payment Status Report): the bank's verdict on a pain.001 we sent.

The report answers one original message (``OrgnlGrpInfAndSts``: ``OrgnlMsgId`` with a group status ``GrpSts``),
and may go down to its payment groups (``OrgnlPmtInfAndSts``: ``OrgnlPmtInfId`` with ``PmtInfSts``) and to single
transfers (``TxInfAndSts``: ``OrgnlEndToEndId`` with ``TxSts``). A status is ``ACTC`` (technically accepted),
``ACCP``/``ACSP``/``ACSC``/``ACWC`` (accepted, in settlement, settled, with change), ``PDNG`` (pending), ``PART``
(some accepted, some not), ``RCVD`` (received) or ``RJCT`` (rejected, with a reason code in ``StsRsnInf/Rsn/Cd``
such as ``AC04`` closed account or ``AM04`` insufficient funds, and free text in ``AddtlInf``).

Each status becomes one :class:`~reskontro.formats.payments.TransferStatus`: the group's and a payment group's
with ``end_to_end_id`` None, a transfer's with its ``EndToEndId``. A transfer without a status of its own takes
its payment group's, or else the message's (the way CGI-MP reports write a rejected group), unless that is
``PART``, which says nothing about one transfer.

The document is read safely (:func:`reskontro.formats.iso20022.xml.load`) and checked against the official
schema of its version before any value is used; any fault refuses the whole report with every problem
(row = line, column = element path). Versions: pain.002.001.03; pain.002.001.10 is read once its official
schema is in ``schemas/`` (none of the packages we take schemas from ships it yet).
"""

from __future__ import annotations

import re
from datetime import datetime
from importlib import resources

from lxml import etree

from reskontro.formats.iso20022 import xml
from reskontro.formats.payments import BankFileInvalid, StatusReport, TransferStatus
from reskontro.formats.result import Problem

__all__ = ["VERSIONS", "element_path", "parse"]

#: The pain.002 versions this parser reads (each needs its schema in ``schemas/``).
VERSIONS = ("pain.002.001.03", "pain.002.001.10")
_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:"


def parse(data: bytes, source: str) -> StatusReport:
    """The statuses in a pain.002 document, or :class:`BankFileInvalid` with every problem found."""
    try:
        root = xml.load(data, source)
    except xml.XmlRefused as exc:
        raise BankFileInvalid(source, [exc.problem]) from None
    message = _message(root, source)
    problems = xml.schema_problems(root, message, source)
    if problems:
        raise BankFileInvalid(source, problems)

    ns = {"p": _NAMESPACE + message}
    report = root.find("p:CstmrPmtStsRpt", ns)
    msg_id = report.findtext("p:GrpHdr/p:MsgId", namespaces=ns)
    created_text = report.findtext("p:GrpHdr/p:CreDtTm", namespaces=ns)
    created = _datetime(created_text)
    if created is None:
        problems.append(Problem(source, report.find("p:GrpHdr/p:CreDtTm", ns).sourceline, "GrpHdr/CreDtTm",
                                "bad_datetime", f"CreDtTm {created_text!r} is not a date and time we can read",
                                unit="line"))

    group = report.find("p:OrgnlGrpInfAndSts", ns)
    original_msg_id = group.findtext("p:OrgnlMsgId", namespaces=ns)
    group_status = group.findtext("p:GrpSts", namespaces=ns)
    here = "/Document/CstmrPmtStsRpt"
    statuses: list[TransferStatus] = []
    if group_status:
        statuses.append(_status(group, ns, f"{here}/OrgnlGrpInfAndSts", original_msg_id, None, None, group_status))
    infos = report.findall("p:OrgnlPmtInfAndSts", ns)
    for i, info in enumerate(infos, start=1):
        info_path = _step(here, "OrgnlPmtInfAndSts", i, len(infos))
        info_id = info.findtext("p:OrgnlPmtInfId", namespaces=ns)
        info_status = info.findtext("p:PmtInfSts", namespaces=ns)
        if info_status:
            statuses.append(_status(info, ns, info_path, original_msg_id, info_id, None, info_status))
        inherited = info_status or group_status
        transactions = info.findall("p:TxInfAndSts", ns)
        for j, tx in enumerate(transactions, start=1):
            tx_path = _step(info_path, "TxInfAndSts", j, len(transactions))
            end_to_end = tx.findtext("p:OrgnlEndToEndId", namespaces=ns)
            status = tx.findtext("p:TxSts", namespaces=ns) or (inherited if inherited != "PART" else None)
            if not end_to_end:
                problems.append(Problem(source, tx.sourceline, tx_path, "no_end_to_end_id",
                                        "a transaction status without OrgnlEndToEndId names no transfer of ours",
                                        unit="line"))
            elif not status:
                problems.append(Problem(source, tx.sourceline, tx_path, "no_status",
                                        f"transaction {end_to_end!r} has no TxSts, and its group's status "
                                        f"({inherited or 'none'}) does not tell it", unit="line"))
            else:
                statuses.append(_status(tx, ns, tx_path, original_msg_id, info_id, end_to_end, status))
    if problems or created is None:
        raise BankFileInvalid(source, problems)
    return StatusReport(format=message, key=f"pain.002:{msg_id}", created=created, statuses=tuple(statuses))


def _message(root: etree._Element, source: str) -> str:
    """The message name from the root's namespace, if it is a pain.002 version we have the schema of."""
    tag = etree.QName(root)
    message = (tag.namespace or "").removeprefix(_NAMESPACE)
    if tag.localname != "Document" or not message.startswith("pain.002."):
        raise BankFileInvalid(source, [Problem(source, root.sourceline, tag.localname, "not_pain002",
                                               f"not a pain.002 document (root {tag.text})", unit="line")])
    if message not in VERSIONS:
        raise BankFileInvalid(source, [Problem(source, root.sourceline, "Document", "unsupported_version",
                                               f"{message} is not a version we read ({', '.join(VERSIONS)})",
                                               unit="line")])
    schema_file = resources.files("reskontro.formats.iso20022") / "schemas" / f"{message}.xsd"
    if not schema_file.is_file():
        raise BankFileInvalid(source, [Problem(source, root.sourceline, "Document", "unsupported_version",
                                               f"{message} cannot be read yet: its official schema is not shipped",
                                               unit="line")])
    return message


def _step(parent: str, name: str, position: int, count: int) -> str:
    return f"{parent}/{name}[{position}]" if count > 1 else f"{parent}/{name}"


def _status(el: etree._Element, ns: dict[str, str], location: str, original_msg_id: str, info_id: str | None,
            end_to_end_id: str | None, status: str) -> TransferStatus:
    code = None
    texts: list[str] = []
    for reason in el.iterfind("p:StsRsnInf", ns):
        if code is None:
            code = reason.findtext("p:Rsn/p:Cd", namespaces=ns) or reason.findtext("p:Rsn/p:Prtry", namespaces=ns)
        texts.extend(t.text.strip() for t in reason.iterfind("p:AddtlInf", ns) if t.text and t.text.strip())
    return TransferStatus(location=location, original_message_id=original_msg_id,
                          original_payment_info_id=info_id, end_to_end_id=end_to_end_id, status=status,
                          reason_code=code, reason_text=" ".join(texts) or None)


element_path = xml.element_path


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _datetime(text: str | None) -> datetime | None:
    """An ISO date-time as the schema allows it (``Z``, an offset, or none; any number of decimals)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()))
    except ValueError:
        return None
