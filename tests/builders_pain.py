"""Builders for ISO 20022 payment test files: a pain.002 status report that validates against its schema."""

from __future__ import annotations

from typing import Any

from lxml import etree


def pain002(statuses: list[dict[str, Any]], *, version: str = "03", original_msg_id: str = "PAIN-20260130-1",
            msg_id: str = "STS-20260130-1", created: str = "2026-01-30T10:00:00",
            original_message_name: str = "pain.001.001.03", group_status: str | None = None,
            group_reason_code: str | None = None, group_reason_text: str | None = None) -> bytes:
    """A pain.002 (``version`` "03" or "10") answering ``original_msg_id``.

    Each status is a dict: a transfer's has ``end_to_end_id`` and ``status`` (``TxSts``; leave it out for a
    transfer that has none), a payment group's has no ``end_to_end_id`` and gives ``PmtInfSts``. Both may carry
    ``payment_info_id`` (default ``<original_msg_id>-1``; equal ids share one ``OrgnlPmtInfAndSts``),
    ``reason_code``, ``reason_proprietary`` and ``reason_text`` (a str, or a list for several ``AddtlInf``).
    """
    ns = f"urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version}"

    def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        el = etree.SubElement(parent, f"{{{ns}}}{tag}")
        el.text = text
        return el

    def reason(parent: etree._Element, code: str | None, proprietary: str | None, text: str | list[str] | None) -> None:
        if code is None and proprietary is None and text is None:
            return
        info = sub(parent, "StsRsnInf")
        if code is not None or proprietary is not None:
            rsn = sub(info, "Rsn")
            if code is not None:
                sub(rsn, "Cd", code)
            else:
                sub(rsn, "Prtry", proprietary)
        for line in [text] if isinstance(text, str) else (text or []):
            sub(info, "AddtlInf", line)

    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    report = sub(root, "CstmrPmtStsRpt")
    header = sub(report, "GrpHdr")
    sub(header, "MsgId", msg_id)
    sub(header, "CreDtTm", created)
    group = sub(report, "OrgnlGrpInfAndSts")
    sub(group, "OrgnlMsgId", original_msg_id)
    sub(group, "OrgnlMsgNmId", original_message_name)
    if group_status is not None:
        sub(group, "GrpSts", group_status)
    reason(group, group_reason_code, None, group_reason_text)

    infos: dict[str, dict[str, Any]] = {}
    for status in statuses:
        info_id = status.get("payment_info_id", f"{original_msg_id}-1")
        entry = infos.setdefault(info_id, {"status": None, "transactions": []})
        if status.get("end_to_end_id") is None:
            entry["status"] = status
        else:
            entry["transactions"].append(status)
    for info_id, entry in infos.items():
        info = sub(report, "OrgnlPmtInfAndSts")
        sub(info, "OrgnlPmtInfId", info_id)
        own = entry["status"]
        if own is not None:
            sub(info, "PmtInfSts", own["status"])
            reason(info, own.get("reason_code"), own.get("reason_proprietary"), own.get("reason_text"))
        for tx in entry["transactions"]:
            el = sub(info, "TxInfAndSts")
            sub(el, "OrgnlEndToEndId", tx["end_to_end_id"])
            if tx.get("status") is not None:
                sub(el, "TxSts", tx["status"])
            reason(el, tx.get("reason_code"), tx.get("reason_proprietary"), tx.get("reason_text"))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)
