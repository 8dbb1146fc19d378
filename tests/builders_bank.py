"""Builders of bank files for tests and benchmarks: OCR Giro, camt.054 and camt.053, valid unless edited after.

Plain string formatting, so 100 000 transactions build in about a second. Each transaction is a dict; every key
has a default, so ``[{"amount": "100"}]`` is a file. Common keys:

- ``amount``: NOK as ``str``/``Decimal``/``int`` (2 decimals at most)
- ``kid``: the KID, or None; ``text``: free text (OCR: needs type 20/21; camt: ``Ustrd``)
- ``date``: the booking date (default 2026-01-28); the value date is ``bank_date`` in OCR (None: ``000000``),
  ``value_date`` in camt; both default to the booking date
- ``payer_account``: the counterparty's account; ``name``: the counterparty's name (camt)
- OCR only: ``type`` ("10"), ``sign`` ("0" or "-"), ``reference`` (archive reference, 9 digits)
- camt only: ``reversal`` (bool), ``status`` ("BOOK"), ``end_to_end_id``, ``currency`` ("NOK"), ``reference``
  (AcctSvcrRef), and for camt053 ``credit`` (bool). With ``per_entry`` > 1, an entry takes its date, status,
  reversal and reference from its first transaction.

``credit`` is the direction of the original payment, as in :class:`BankTransaction`: a reversal is written the
ISO way, as an entry booked the other way with ``RvslInd`` (a credit taken back is a ``DBIT``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

DAY = date(2026, 1, 28)


def _ore(amount: Any) -> int:
    if isinstance(amount, int):
        return amount * 100
    value = Decimal(str(amount)) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more than 2 decimals")
    return int(value)


_DDMMYY: dict[date, str] = {}


def _ddmmyy(day: date | None) -> str:
    if day is None:
        return "000000"
    text = _DDMMYY.get(day)
    if text is None:
        text = _DDMMYY[day] = day.strftime("%d%m%y")
    return text


# --- OCR Giro -------------------------------------------------------------------------------------------------


def ocr_file(transactions: Sequence[dict[str, Any]], *, number: str = "1000001", account: str = "15031234562",
             sender: str = "00008080", recipient: str = "00123456", agreement: str = "000000000") -> bytes:
    """An OCR Giro file: one transmission with one assignment to ``account``, transactions numbered from 1."""
    lines = [f"NY000010{sender:>8}{number:>7}{recipient:>8}" + "0" * 49,
             f"NY090020{agreement:>9}{number:>7}{account:>11}" + "0" * 45]
    total = 0
    days: list[date] = []
    for n, tx in enumerate(transactions, start=1):
        tt = str(tx.get("type", "10"))
        day = tx.get("date", DAY)
        days.append(day)
        ore = _ore(tx.get("amount", "100.00"))
        total += ore
        kid = tx.get("kid") or ""
        ddmmyy = _ddmmyy(day)
        lines.append(f"NY09{tt}30{n:07d}{ddmmyy}01{ddmmyy[:2]}100001{tx.get('sign', '0')}{ore:017d}{kid:>25}000000")
        reference = tx.get("reference", f"{n:09d}")
        bank_date = _ddmmyy(tx.get("bank_date", day)) if "bank_date" in tx else ddmmyy
        lines.append(f"NY09{tt}31{n:07d}{'0' * 10}{reference:>9}{'0' * 7}{bank_date}"
                     f"{tx.get('payer_account') or '0' * 11:>11}" + "0" * 22)
        text = tx.get("text")
        if text is not None:
            if tt not in ("20", "21"):
                raise ValueError("an OCR text record is only for transaction types 20 and 21")
            lines.append(f"NY09{tt}32{n:07d}{text:<40.40}" + "0" * 25)
    first, last = (min(days), max(days)) if days else (DAY, DAY)
    count = len(transactions)
    lines.append(f"NY090088{count:08d}{len(lines):08d}{total:017d}{_ddmmyy(last)}{_ddmmyy(first)}{_ddmmyy(last)}"
                 + "0" * 21)  # len(lines) counts the transmission start: that is the assignment end itself
    lines.append(f"NY000089{count:08d}{len(lines) + 1:08d}{total:017d}{_ddmmyy(last)}" + "0" * 33)
    return ("\n".join(lines) + "\n").encode("iso-8859-1")


# --- camt -----------------------------------------------------------------------------------------------------


def _account(account: str) -> str:
    if account[:2].isalpha():
        return f"<Id><IBAN>{escape(account)}</IBAN></Id>"
    return f"<Id><Othr><Id>{escape(account)}</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>"


def _remittance(tx: dict[str, Any]) -> str:
    parts = []
    if tx.get("text"):
        parts.append(f"<Ustrd>{escape(tx['text'])}</Ustrd>")
    if tx.get("kid"):
        parts.append("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                     f"<Ref>{escape(tx['kid'])}</Ref></CdtrRefInf></Strd>")
    return f"<RmtInf>{''.join(parts)}</RmtInf>" if parts else ""


def _tx_details(tx: dict[str, Any], *, version: str, credit: bool) -> str:
    amount = f"<Amt Ccy={quoteattr(tx.get('currency', 'NOK'))}>{Decimal(str(tx.get('amount', '100.00'))):.2f}</Amt>"
    refs = f"<Refs><EndToEndId>{escape(tx.get('end_to_end_id', 'NOTPROVIDED'))}</EndToEndId></Refs>"
    party, acct = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
    parties = ""
    if tx.get("name") or tx.get("payer_account"):
        name = ""
        if tx.get("name"):
            name = f"<Nm>{escape(tx['name'])}</Nm>"
            name = f"<{party}><Pty>{name}</Pty></{party}>" if version == "08" else f"<{party}>{name}</{party}>"
        account = f"<{acct}>{_account(tx['payer_account'])}</{acct}>" if tx.get("payer_account") else ""
        parties = f"<RltdPties>{name}{account}</RltdPties>"
    # .08 puts the amount straight in TxDtls/Amt (.02 only has AmtDtls/TxAmt/Amt): both readings get used.
    amounts = amount if version == "08" else f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>"
    return f"<TxDtls>{refs}{amounts}{parties}{_remittance(tx)}</TxDtls>"


def _entry(txs: Sequence[dict[str, Any]], n: int, *, version: str, credit: bool) -> str:
    first = txs[0]
    total = sum((Decimal(str(t.get("amount", "100.00"))) for t in txs), Decimal(0))
    reversal = bool(first.get("reversal"))
    # ``credit`` is the direction of the original transaction; a reversal books the other way (ISO's rule).
    indicator = "CRDT" if credit != reversal else "DBIT"
    status = escape(first.get("status", "BOOK"))
    status = f"<Sts><Cd>{status}</Cd></Sts>" if version == "08" else f"<Sts>{status}</Sts>"
    day = first.get("date", DAY).isoformat()
    value = first.get("value_date", first.get("date", DAY)).isoformat()
    family = ("RCDT", "VCOM") if credit else ("ICDT", "DMCT")
    head = (f"<Ntry><NtryRef>{n}</NtryRef><Amt Ccy={quoteattr(first.get('currency', 'NOK'))}>{total:.2f}</Amt>"
            f"<CdtDbtInd>{indicator}</CdtDbtInd>{'<RvslInd>true</RvslInd>' if reversal else ''}{status}"
            f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{value}</Dt></ValDt>"
            f"<AcctSvcrRef>{escape(first.get('reference', f'REF-{n}'))}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family[0]}</Cd><SubFmlyCd>{family[1]}</SubFmlyCd></Fmly></Domn>"
            "</BkTxCd>")
    batch = f"<Btch><NbOfTxs>{len(txs)}</NbOfTxs></Btch>" if len(txs) > 1 else ""
    body = "".join(_tx_details(t, version=version, credit=credit) for t in txs)
    return f"{head}<NtryDtls>{batch}{body}</NtryDtls></Ntry>"


def camt054(transactions: Sequence[dict[str, Any]], *, version: str = "02", msg_id: str = "MSG-1",
            account: str = "15031234562", credit: bool = True, per_entry: int = 1) -> bytes:
    """A schema-valid camt.054.001.``version`` notification: ``per_entry`` transactions (TxDtls) per entry."""
    entries = [_entry(transactions[i:i + per_entry], i // per_entry + 1, version=version, credit=credit)
               for i in range(0, len(transactions), per_entry)]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}"><BkToCstmrDbtCdtNtfctn>'
            f"<GrpHdr><MsgId>{escape(msg_id)}</MsgId><CreDtTm>2026-01-28T18:05:00+01:00</CreDtTm></GrpHdr>"
            f"<Ntfctn><Id>{escape(msg_id)}-1</Id><CreDtTm>2026-01-28T18:05:00+01:00</CreDtTm>"
            f"<Acct>{_account(account)}<Ccy>NOK</Ccy></Acct>\n"
            + "\n".join(entries)
            + "\n</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n").encode("utf-8")


def camt053(transactions: Sequence[dict[str, Any]], *, msg_id: str = "STMT-1", account: str = "15031234562",
            opening: Decimal | str = "0.00") -> bytes:
    """A schema-valid camt.053.001.02 statement, one entry per transaction, with balances and summary that
    agree with them. A transaction's ``credit`` (default True) gives its direction."""
    opening_value = Decimal(str(opening))
    credits = debits = Decimal(0)
    n_credits = 0
    entries = []
    for n, tx in enumerate(transactions, start=1):
        credit = bool(tx.get("credit", True))
        amount = Decimal(str(tx.get("amount", "100.00")))
        if credit != bool(tx.get("reversal")):
            credits += amount
            n_credits += 1
        else:
            debits += amount
        entries.append(_entry([tx], n, version="02", credit=credit))
    closing = opening_value + credits - debits

    def balance(code: str, value: Decimal, day: str) -> str:
        return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"NOK\">{abs(value):.2f}</Amt>"
                f"<CdtDbtInd>{'DBIT' if value < 0 else 'CRDT'}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>")

    net = credits - debits
    summary = (f"<TxsSummry><TtlNtries><NbOfNtries>{len(entries)}</NbOfNtries><Sum>{credits + debits:.2f}</Sum>"
               f"<TtlNetNtryAmt>{abs(net):.2f}</TtlNetNtryAmt><CdtDbtInd>{'DBIT' if net < 0 else 'CRDT'}</CdtDbtInd>"
               f"</TtlNtries><TtlCdtNtries><NbOfNtries>{n_credits}</NbOfNtries><Sum>{credits:.2f}</Sum></TtlCdtNtries>"
               f"<TtlDbtNtries><NbOfNtries>{len(entries) - n_credits}</NbOfNtries><Sum>{debits:.2f}</Sum>"
               "</TtlDbtNtries></TxsSummry>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            f"<GrpHdr><MsgId>{escape(msg_id)}</MsgId><CreDtTm>2026-02-01T06:00:00+01:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>{escape(msg_id)}-1</Id><CreDtTm>2026-02-01T06:00:00+01:00</CreDtTm>"
            f"<Acct>{_account(account)}<Ccy>NOK</Ccy></Acct>\n"
            + balance("OPBD", opening_value, "2026-01-01") + "\n" + balance("CLBD", closing, "2026-01-31") + "\n"
            + summary + "\n" + "\n".join(entries)
            + "\n</Stmt></BkToCstmrStmt></Document>\n").encode("utf-8")
