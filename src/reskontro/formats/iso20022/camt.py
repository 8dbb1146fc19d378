"""ISO 20022 camt.054 (debit/credit notification) and camt.053 (statement): the bank's account entries in XML.

Norwegian banks deliver incoming KID payments as camt.054 "C" (replacing or beside the OCR Giro file), the
bookings of our pain.001 batches as camt.054 "D", and the end-of-day statement as camt.053. We read
camt.054.001.02 and .08 and camt.053.001.02; the root namespace says which.

A file is taken in three steps, and stops at the first that finds a fault: safe XML (no DOCTYPE, see
:mod:`.xml`), the official schema of its version (every fault, with line and path), then the controls the
schema cannot express — the transactions of an entry add up to it, a batch has as many transactions as it
says, a statement's summary and balances agree with its entries. Every fault names its element path
(``/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[2]``); a file with any fault yields no transaction.

Only booked entries (status ``BOOK``) become transactions: pending and informational ones are the bank's
forecast, not money on the account. Each ``NtryDtls/TxDtls`` is one transaction (a KID payment inside a
batch entry); an entry without ``TxDtls`` is one transaction of the entry's amount.

``credit`` and ``reversal``: ISO says that on a reversal ``CdtDbtInd`` is the direction of the reversing
entry itself — a ``DBIT`` with ``RvslInd`` takes back an earlier credit. :class:`BankTransaction` follows OCR
Giro instead, where a reversal (type 18) is a *credit* taken back. So ``credit`` is the direction of the
transaction being reversed (``CdtDbtInd`` flipped when ``RvslInd`` is true), and the importer treats a
reversal the same way whichever file it came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reskontro.formats.iso20022 import xml
from reskontro.formats.payments import BankFile, BankFileInvalid, BankTransaction
from reskontro.formats.result import Problem
from reskontro.identifiers.bank import ValidationError, validate_account

__all__ = ["MESSAGES", "message_of", "parse"]

_NS = "urn:iso:std:iso:20022:tech:xsd:"
#: The messages we read: version → (body element, report element).
MESSAGES = {
    "camt.054.001.02": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    "camt.054.001.08": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    "camt.053.001.02": ("BkToCstmrStmt", "Stmt"),
}

#: lxml's element type (lxml ships no type hints).
Element = Any
#: Elements that repeat, whose paths always carry their position (``Ntry[1]`` even when it is alone).
_REPEATING = frozenset({"Ntfctn", "Stmt", "Ntry", "NtryDtls", "TxDtls", "Bal"})


@dataclass(frozen=True, slots=True)
class _Entry:
    """What the transactions of one ``Ntry`` share."""

    account: str
    amount: Decimal
    currency: str
    credit: bool
    reversal: bool
    booking_date: date
    value_date: date | None
    reference: str | None
    code: str | None


class _Reader:
    """One pass over a schema-valid message.

    Elements are reached by walking their children and comparing tags, not with ``find`` or ``iterchildren``:
    those cost several microseconds a call in lxml, and a file of a hundred thousand transactions needs millions.
    """

    def __init__(self, source: str, message: str, ns: str) -> None:
        self.source = source
        self.message = message
        self.prefix = f"{{{ns}}}"
        self.v08 = message.endswith(".08")
        self.problems: list[Problem] = []
        self.transactions: list[BankTransaction] = []
        self.skip = len(self.prefix)

    def problem(self, el: Element | None, path: str, code: str, message: str) -> None:
        line = el.sourceline if el is not None else None
        self.problems.append(Problem(self.source, line, path, code, message, unit="line"))

    def name(self, el: Element) -> str:
        """The local name of an element ("Amt" for ``{urn:…camt.054.001.02}Amt``): after the schema check every
        element we visit is in the message's namespace (only ``SplmtryData`` may hold others, and we skip it)."""
        return str(el.tag[self.skip:])

    def kids(self, el: Element | None) -> dict[str, Element]:
        """The children by local name (we look up only those the schema does not let repeat)."""
        if el is None:
            return {}
        skip = self.skip
        return {child.tag[skip:]: child for child in el}

    def each(self, el: Element | None, name: str) -> list[Element]:
        """The children called ``name``, in order."""
        tag = self.prefix + name
        return [] if el is None else [child for child in el if child.tag == tag]

    def child(self, el: Element | None, *names: str) -> Element | None:
        """The element at the path ``names`` below ``el`` (first match at each step), or None."""
        for name in names:
            if el is None:
                return None
            tag = self.prefix + name
            for child in el:
                if child.tag == tag:
                    el = child
                    break
            else:
                return None
        return el

    def text(self, el: Element | None, *names: str) -> str | None:
        found = self.child(el, *names) if names else el
        if found is None or found.text is None:
            return None
        return str(found.text).strip() or None

    def day(self, el: Element | None) -> date | None:
        """A ``DateAndDateTimeChoice``: its ``Dt``, or the date of its ``DtTm`` (the schema checked the form)."""
        if el is None or len(el) == 0:
            return None
        text = el[0].text
        return date.fromisoformat(text.strip()[:10]) if text else None

    def account_id(self, el: Element | None) -> str | None:
        """An ``AccountIdentification`` choice: the ``IBAN``, or the ``Othr/Id``."""
        if el is None or len(el) == 0:
            return None
        choice = el[0]
        return self.text(choice) if self.name(choice) == "IBAN" else self.text(choice, "Id")

    def account(self, acct: Element | None, path: str) -> str:
        """Our account (``Acct``): its IBAN or other id, compacted; a Norwegian IBAN becomes its BBAN."""
        text = self.account_id(self.child(acct, "Id"))
        if text is None:
            self.problem(acct, f"{path}/Id", "account", "the account has neither an IBAN nor an Othr/Id")
            return ""
        try:
            return validate_account(text)
        except ValidationError:
            self.problem(acct, f"{path}/Id", "account", f"{text!r} is not a valid account number (BBAN or IBAN)")
            return text

    def code(self, el: Element | None) -> str | None:
        """A ``BkTxCd``: domain/family/sub-family joined with ``/``, else the proprietary code."""
        if el is None:
            return None
        domain = self.child(el, "Domn")
        if domain is not None:
            family = self.child(domain, "Fmly")
            parts = [self.text(domain, "Cd"), self.text(family, "Cd"), self.text(family, "SubFmlyCd")]
            return "/".join(part for part in parts if part)
        return self.text(el, "Prtry", "Cd")

    def read(self, body: Element, body_tag: str, report_tag: str) -> None:
        for i, report in enumerate(self.each(body, report_tag), start=1):
            self.report(report, f"/Document/{body_tag}/{report_tag}[{i}]")

    def report(self, report: Element, path: str) -> None:
        account = self.account(self.child(report, "Acct"), f"{path}/Acct")
        count = n_credits = 0
        credits = debits = booked_net = Decimal(0)
        for j, ntry in enumerate(self.each(report, "Ntry"), start=1):
            kids = self.kids(ntry)
            amount = Decimal(kids["Amt"].text)
            crdt = kids["CdtDbtInd"].text == "CRDT"
            count += 1
            if crdt:
                credits += amount
                n_credits += 1
            else:
                debits += amount
            status = kids["Sts"]
            if (status.text if len(status) == 0 else status[0].text) != "BOOK":  # .08: Sts/Cd or Sts/Prtry
                continue
            booked_net += amount if crdt else -amount
            self.entry(ntry, kids, f"{path}/Ntry[{j}]", account, amount, crdt)
        self.summary(report, path, count, n_credits, credits, debits)
        if self.message.startswith("camt.053"):
            self.balances(report, path, booked_net)

    def entry(self, ntry: Element, kids: dict[str, Element], path: str, account: str, amount: Decimal,
              crdt: bool) -> None:
        currency = kids["Amt"].get("Ccy")
        reversal = self.text(kids.get("RvslInd")) in ("true", "1")
        booking = self.day(kids.get("BookgDt"))
        if booking is None:
            self.problem(ntry, f"{path}/BookgDt", "booking_date", "a booked entry needs its booking date (BookgDt)")
            return
        e = _Entry(account, amount, currency, crdt != reversal, reversal, booking, self.day(kids.get("ValDt")),
                   self.text(kids.get("AcctSvcrRef")), self.code(kids.get("BkTxCd")))
        details: list[tuple[str, Element]] = []
        for k, nd in enumerate(self.each(ntry, "NtryDtls"), start=1):
            txs = list(self.each(nd, "TxDtls"))
            stated = self.text(nd, "Btch", "NbOfTxs")
            # A batch without TxDtls is a lump sum (a statement shows our pain.001 batch so): nothing to count.
            if stated is not None and txs and int(stated) != len(txs):
                self.problem(nd, f"{path}/NtryDtls[{k}]/Btch/NbOfTxs", "control_count",
                             f"the batch says {int(stated)} transactions, the entry details have {len(txs)}")
            details.extend((f"{path}/NtryDtls[{k}]/TxDtls[{m}]", tx) for m, tx in enumerate(txs, start=1))
        if not details:
            self.transactions.append(BankTransaction(
                location=path, account=account, booking_date=booking, amount=amount, currency=currency,
                credit=e.credit, reversal=reversal, value_date=e.value_date, bank_reference=e.reference,
                entry_reference=e.reference,
                transaction_type=e.code))
            return
        parts = [(tx_path, tx, self.kids(tx)) for tx_path, tx in details]
        amounts = [self.tx_amount(tx_kids, tx_path, currency) for tx_path, _, tx_kids in parts]
        known = [a for a in amounts if a is not None]
        if len(parts) == 1 and not known:
            amounts = [amount]  # one transaction without an amount of its own: the entry's
        elif len(known) < len(parts):
            for (tx_path, tx, _), a in zip(parts, amounts, strict=True):
                if a is None:
                    self.problem(tx, f"{tx_path}/AmtDtls/TxAmt/Amt", "missing_amount",
                                 "an entry with several transactions needs each transaction's amount")
            return
        elif sum(known, Decimal(0)) != amount:
            self.problem(ntry, path, "control_sum",
                         f"the transactions sum to {sum(known, Decimal(0))}, the entry amount is {amount}")
        if self.problems:
            return  # the file will be refused: no need to read further records
        for (tx_path, _, tx_kids), a in zip(parts, amounts, strict=True):
            if a is not None:
                self.transactions.append(self.transaction(tx_kids, tx_path, e, a))

    def tx_amount(self, kids: dict[str, Element], path: str, currency: str) -> Decimal | None:
        """``TxDtls/Amt`` (.08) or ``TxDtls/AmtDtls/TxAmt/Amt``, which must be in the entry's currency."""
        el = kids.get("Amt")
        where = "Amt"
        if el is None:
            el = self.child(kids.get("AmtDtls"), "TxAmt", "Amt")
            where = "AmtDtls/TxAmt/Amt"
        if el is None:
            return None
        if el.get("Ccy") != currency:
            self.problem(el, f"{path}/{where}", "currency", f"the transaction is in {el.get('Ccy')}, its entry in "
                         f"{currency}")
        return Decimal(el.text)

    def transaction(self, kids: dict[str, Element], path: str, e: _Entry, amount: Decimal) -> BankTransaction:
        kid = None
        texts: list[str] = []
        for part in kids.get("RmtInf", ()):
            local = self.name(part)
            if local == "Ustrd":
                if part.text and part.text.strip():
                    texts.append(part.text.strip())
            elif local == "Strd" and kid is None:
                for ref in self.each(part, "CdtrRefInf"):
                    ref_kids = self.kids(ref)
                    if self.text(ref_kids.get("Tp"), "CdOrPrtry", "Cd") == "SCOR":
                        kid = self.text(ref_kids.get("Ref"))
                        break
        name = counterparty = None
        parties = self.kids(kids.get("RltdPties"))
        if parties:
            party, acct = ("Dbtr", "DbtrAcct") if e.credit else ("Cdtr", "CdtrAcct")
            name = self.text(parties.get(party), *(("Pty", "Nm") if self.v08 else ("Nm",)))
            counterparty = _their_account(self.account_id(self.child(parties.get(acct), "Id")))
        refs = self.kids(kids.get("Refs"))
        end_to_end = self.text(refs.get("EndToEndId"))
        return BankTransaction(
            location=path,
            account=e.account,
            booking_date=e.booking_date,
            amount=amount,
            currency=e.currency,
            credit=e.credit,
            reversal=e.reversal,
            value_date=e.value_date,
            kid=kid,
            text=" ".join(texts) or None,
            counterparty_name=name,
            counterparty_account=counterparty,
            # The transaction's own reference when the bank gives one: one per KID payment, not per batch.
            bank_reference=self.text(refs.get("AcctSvcrRef")) or e.reference,
            entry_reference=e.reference,
            end_to_end_id=None if end_to_end == "NOTPROVIDED" else end_to_end,
            transaction_type=self.code(kids.get("BkTxCd")) or e.code,
        )

    def summary(self, report: Element, path: str, count: int, n_credits: int, credits: Decimal,
                debits: Decimal) -> None:
        """``TxsSummry``: each count and sum it states must be that of the entries."""
        summary = self.child(report, "TxsSummry")
        if summary is None:
            return
        base = f"{path}/TxsSummry"
        for name, n, total in (("TtlNtries", count, credits + debits), ("TtlCdtNtries", n_credits, credits),
                               ("TtlDbtNtries", count - n_credits, debits)):
            el = self.child(summary, name)
            if el is None:
                continue
            what = {"TtlNtries": "entries", "TtlCdtNtries": "credit entries", "TtlDbtNtries": "debit entries"}[name]
            stated = self.text(el, "NbOfNtries")
            if stated is not None and int(stated) != n:
                self.problem(el, f"{base}/{name}/NbOfNtries", "control_count",
                             f"{name} says {int(stated)} entries, the {what} are {n}")
            stated = self.text(el, "Sum")
            if stated is not None and Decimal(stated) != total:
                self.problem(el, f"{base}/{name}/Sum", "control_sum",
                             f"{name} says a sum of {Decimal(stated)}, the {what} sum to {total}")
        # The net: .02 says TtlNtries/TtlNetNtryAmt + CdtDbtInd, .08 TtlNtries/TtlNetNtry/Amt + CdtDbtInd.
        totals = self.child(summary, "TtlNtries")
        net_el, sign, where = self.child(totals, "TtlNetNtryAmt"), self.text(totals, "CdtDbtInd"), "TtlNetNtryAmt"
        if net_el is None:
            net_el, where = self.child(totals, "TtlNetNtry", "Amt"), "TtlNetNtry/Amt"
            sign = self.text(totals, "TtlNetNtry", "CdtDbtInd")
        if net_el is not None:
            stated_net = Decimal(net_el.text) * (-1 if sign == "DBIT" else 1)
            if stated_net != credits - debits:
                self.problem(net_el, f"{base}/TtlNtries/{where}", "control_sum",
                             f"the summary says a net of {stated_net}, the entries' net is {credits - debits}")

    def balances(self, stmt: Element, path: str, booked_net: Decimal) -> None:
        """Opening balance (OPBD, else PRCD) + credits − debits = closing balance (CLBD)."""
        found: dict[str, tuple[Decimal, Element, int]] = {}
        for n, bal in enumerate(self.each(stmt, "Bal"), start=1):
            kind = self.text(bal, "Tp", "CdOrPrtry", "Cd")
            if kind in ("OPBD", "PRCD", "CLBD") and kind not in found:
                value = Decimal(self.text(bal, "Amt") or "0")
                found[kind] = (-value if self.text(bal, "CdtDbtInd") == "DBIT" else value, bal, n)
        opening = found.get("OPBD") or found.get("PRCD")
        closing = found.get("CLBD")
        if opening is None or closing is None:
            return
        if opening[0] + booked_net != closing[0]:
            self.problem(closing[1], f"{path}/Bal[{closing[2]}]", "control_sum",
                         f"opening balance {opening[0]} + booked entries {booked_net} = {opening[0] + booked_net}, "
                         f"but the closing balance is {closing[0]}")


def _their_account(text: str | None) -> str | None:
    """A counterparty's account, compacted when it is a valid one; else as the bank wrote it (it is not ours
    to refuse). A plain 11-digit BBAN is taken as it is: checking it costs more than it tells."""
    if text is None or (len(text) == 11 and text.isdigit()):
        return text
    try:
        return validate_account(text)
    except ValidationError:
        return text


def _path(el: Element) -> str:
    return xml.element_path(el, _REPEATING)


def message_of(root: Element) -> tuple[str, str]:
    """(namespace, message name) of a root element; the name is "" when the namespace is not ISO 20022."""
    tag = str(root.tag)
    ns = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    return ns, ns.removeprefix(_NS) if ns.startswith(_NS) else ""


def parse(data: bytes, source: str) -> BankFile:
    """The booked transactions of a camt.054/camt.053 file, or :class:`BankFileInvalid` naming every fault."""
    try:
        root = xml.load(data, source)
    except xml.XmlRefused as exc:
        raise BankFileInvalid(source, [exc.problem]) from None
    ns, message = message_of(root)
    if message not in MESSAGES:
        local = str(root.tag).rsplit("}", 1)[-1]
        raise BankFileInvalid(source, [Problem(
            source, root.sourceline, f"/{local}", "unsupported_message",
            f"namespace {ns!r} is not a message we read ({', '.join(MESSAGES)})", unit="line")])
    problems = xml.schema_problems(root, message, source, _REPEATING)
    if problems:
        raise BankFileInvalid(source, problems)
    body_tag, report_tag = MESSAGES[message]
    r = _Reader(source, message, ns)
    body = r.child(root, body_tag)
    msg_id = r.text(body, "GrpHdr", "MsgId")
    created_text = r.text(body, "GrpHdr", "CreDtTm") or ""
    created: datetime | None = None
    try:
        created = datetime.fromisoformat(created_text)
    except ValueError:
        r.problem(r.child(body, "GrpHdr", "CreDtTm"), f"/Document/{body_tag}/GrpHdr/CreDtTm", "date",
                  f"CreDtTm {created_text!r} is not a date and time we can read")
    r.read(body, body_tag, report_tag)
    if r.problems:
        raise BankFileInvalid(source, r.problems)
    assert created is not None
    return BankFile(message, f"{message[:8]}:{msg_id}", created, tuple(r.transactions))
