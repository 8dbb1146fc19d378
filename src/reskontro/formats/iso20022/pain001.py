"""ISO 20022 pain.001 (Customer Credit Transfer Initiation): our supplier payments, as Norwegian banks take them.

One message (``GrpHdr``: ``MsgId``, ``CreDtTm``, ``NbOfTxs``, ``CtrlSum``, the initiating party with its orgnr in
``Id/OrgId/Othr`` scheme ``CUST``) holds one ``PmtInf`` per debtor account, requested execution date, currency and
service level, each with the transfers (``CdtTrfTxInf``) in the order they were given. The layout follows the
Nordic/CGI-MP guidelines the banks' MIGs are written from (see ``shared/reference/norway.md`` §5.1):

- accounts: a Norwegian account is its 11-digit BBAN in ``Othr/Id`` with ``SchmeNm/Cd`` ``BBAN`` (a Norwegian
  IBAN is written as its BBAN); a foreign one is an ``IBAN``, and its bank's BIC goes in ``CdtrAgt``;
- service level ``SEPA`` for a EUR transfer to an IBAN in the SEPA area, ``NURG`` (non-urgent) otherwise;
  category purpose ``SUPP``; charges ``SLEV``;
- a KID is a structured creditor reference (``Strd/CdtrRefInf``, type ``SCOR``); otherwise the text goes in
  ``Ustrd`` (at most 140 characters).

Versions ``.03`` (2009, taken by every Norwegian bank) and ``.09`` (2019: ``ReqdExctnDt/Dt`` and ``BICFI``) are
written. Every input fault is found before anything is written and reported together as
:class:`~reskontro.formats.payments.BankFileInvalid` (row = the transfer's 1-based position, column = the field);
the document is then checked against the official XSD, so an invalid file is never returned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from reskontro import money
from reskontro.formats.iso20022 import xml
from reskontro.formats.payments import BankFileInvalid, CreditTransfer, PaymentOrder
from reskontro.formats.result import Problem
from reskontro.identifiers import bank, kid, orgnr

__all__ = ["VERSIONS", "clean_text", "render"]

#: The versions :func:`render` writes, by the short name it takes.
VERSIONS: dict[str, str] = {"03": "pain.001.001.03", "09": "pain.001.001.09"}

#: Longest ``Cdtr/Nm`` / ``Dbtr/Nm`` the banks take (the schema allows 140; CGI-MP and EPC say 70).
NAME_MAX = 70
#: Longest ``Ustrd``.
TEXT_MAX = 140
#: Longest ``MsgId``, ``PmtInfId``, ``InstrId``, ``EndToEndId`` (Max35Text).
ID_MAX = 35
#: ``InstdAmt`` and ``CtrlSum`` have at most 18 digits in all.
TOTAL_DIGITS = 18

#: Countries whose IBAN a SEPA credit transfer reaches: the EU, the EEA, the long-standing non-EEA scheme members
#: and the territories with an IBAN prefix of their own (the 2024-25 accessions are left out until banks route them).
_SEPA_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
_SEPA_OTHER = "IS LI NO AD CH GB GG GI IM JE MC SM VA AX BL GF GP MF MQ PM RE YT"
SEPA_COUNTRIES = frozenset(f"{_SEPA_EU} {_SEPA_OTHER}".split())

#: The BIC patterns of the two schemas (``.03`` refuses a few that stdnum and ``.09`` take).
_BIC_PATTERN = {
    "03": re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?"),
    "09": re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?"),
}

# Characters a name or text keeps as they are: printable ASCII (XML escaping handles ``<&>``) and the Nordic
# letters Norwegian banks take in UTF-8 files. Anything else is transliterated by clean_text.
_KEPT = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~" \
        "ÆØÅæøåÄÖÜäöüÉé"
_ALL_KEPT = re.compile(f"[{re.escape(_KEPT)}]*")
_KEPT_SET = frozenset(_KEPT)
#: Transliterations NFKD does not give.
_SPECIAL = {
    "ß": "ss", "Þ": "Th", "þ": "th", "Ð": "D", "ð": "d", "Đ": "D", "đ": "d", "Ł": "L", "ł": "l",
    "Œ": "OE", "œ": "oe", "Ŋ": "N", "ŋ": "n", "ı": "i", "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"',
    "”": '"', "„": '"', "«": '"', "»": '"', "‹": "'", "›": "'", "–": "-", "—": "-", "‐": "-", "‑": "-",
    "−": "-", "…": "...", "€": "EUR", "£": "GBP", "§": "S", "°": "o", "×": "x", "·": ".",
}
#: What stands for a character that has no transliteration (another script, a symbol).
UNKNOWN = "?"


def clean_text(text: str, limit: int) -> str:
    """``text`` as a bank takes it: control characters gone, white space single, foreign letters transliterated.

    ``æøå`` (and ``äöü``, ``é``) stay, accents elsewhere are dropped (``Müller`` keeps its ü, ``Çelik`` becomes
    ``Celik``), a character with no Latin form becomes ``?``; the result is cut to ``limit`` characters, which
    is safe since every kept character is one code point.

    >>> clean_text("  Ærlig\\tNæring \\x00AS ", 70)
    'Ærlig Næring AS'
    >>> clean_text("Société Générale – Łódź", 70)
    'Société Générale - Lodz'
    """
    if not _ALL_KEPT.fullmatch(text):
        text = _transliterate(text)
    text = " ".join(text.split())
    return text[:limit].rstrip()


def _transliterate(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _KEPT_SET:
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category[0] == "C":  # control, format, surrogate, private use, unassigned
            out.append(" " if ch in "\t\n\r\v\f\x85" else "")
        elif category[0] == "Z":
            out.append(" ")
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if c in _KEPT_SET)
            out.append(base or (UNKNOWN if category[0] != "M" else ""))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Tx:
    """One transfer, checked and in the form it is written."""

    position: int  # 1-based, in the order given
    transfer: CreditTransfer
    currency: str
    amount: str  # formatted with the currency's decimals
    value: Decimal
    decimals: int
    creditor_name: str
    creditor_account: str
    creditor_bic: str | None
    creditor_country: str | None
    debtor_account: str
    debtor_bic: str | None
    kid: str | None
    text: str | None
    service_level: str


@dataclass(slots=True)
class _Group:
    """One ``PmtInf``: debtor account, date, currency and service level, with its transfers."""

    requested_date: date
    debtor_account: str
    currency: str
    service_level: str
    transactions: list[_Tx]


def render(order: PaymentOrder, version: str = "09") -> bytes:
    """The pain.001 document of ``order`` (``version`` "09" → pain.001.001.09, "03" → pain.001.001.03), UTF-8.

    Raises :class:`BankFileInvalid` naming every transfer and field at fault; nothing is written then.
    """
    if version not in VERSIONS:
        raise ValueError(f"pain.001 version {version!r} is not one of {', '.join(VERSIONS)}")
    message = VERSIONS[version]
    source = f"{message}:{order.message_id}"
    problems: list[Problem] = []
    header = _check_order(order, source, problems)
    transactions = _check_transfers(order, version, source, problems)
    groups = _group(transactions, source, problems)
    if problems:
        raise BankFileInvalid(source, problems)

    root = _document(order, header, groups, version, message)
    problems = xml.schema_problems(root, message, source)
    if problems:  # a bug in this module: say so rather than hand a bank a file it refuses
        raise BankFileInvalid(source, problems)
    body: bytes = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# --- checks -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    initiating_name: str
    debtor_name: str
    org_number: str | None


def _check_order(order: PaymentOrder, source: str, problems: list[Problem]) -> _Header:
    def fault(column: str, code: str, message: str) -> None:
        problems.append(Problem(source, None, column, code, message, unit="transfer"))

    _check_id(order.message_id, "message_id", None, source, problems)
    if not order.transfers:
        fault("transfers", "no_transfers", "a payment order needs at least one transfer")
    initiating = clean_text(order.initiating_party_name or "", NAME_MAX)
    if not initiating:
        fault("initiating_party_name", "empty", "the initiating party needs a name")
    debtor = clean_text(order.debtor_name or "", NAME_MAX)
    if not debtor:
        fault("debtor_name", "empty", "the debtor needs a name")
    org_number = None
    if order.initiating_org_number is not None:
        try:
            org_number = orgnr.validate(order.initiating_org_number)
        except orgnr.ValidationError as exc:
            fault("initiating_org_number", "invalid_orgnr",
                  f"organisation number {order.initiating_org_number!r} is not valid: {exc}")
    return _Header(initiating, debtor, org_number)


def _check_id(value: str, column: str, row: int | None, source: str, problems: list[Problem]) -> None:
    if not value or not value.strip():
        problems.append(Problem(source, row, column, "empty", f"{column} is empty", unit="transfer"))
    elif len(value) > ID_MAX:
        problems.append(Problem(source, row, column, "too_long",
                                f"{column} {value!r} has {len(value)} characters; at most {ID_MAX} are allowed",
                                unit="transfer"))
    elif clean_text(value, ID_MAX) != value:
        problems.append(Problem(source, row, column, "bad_characters",
                                f"{column} {value!r} has control characters, surrounding or double spaces, or "
                                "characters a bank does not take", unit="transfer"))


def _check_transfers(order: PaymentOrder, version: str, source: str, problems: list[Problem]) -> list[_Tx]:
    out: list[_Tx] = []
    seen: dict[str, int] = {}
    accounts: dict[str, str | Exception] = {}
    for position, tr in enumerate(order.transfers, start=1):
        faults = _Faults(source, position, problems, accounts)
        _check_id(tr.end_to_end_id, "end_to_end_id", position, source, problems)
        if tr.end_to_end_id in seen:
            faults.add("end_to_end_id", "duplicate",
                       f"end_to_end_id {tr.end_to_end_id!r} is also that of transfer {seen[tr.end_to_end_id]}")
        else:
            seen[tr.end_to_end_id] = position
        currency = faults.currency(tr.currency)
        value, amount, decimals = faults.amount(tr.amount, currency)
        name = clean_text(tr.creditor_name or "", NAME_MAX)
        if not name:
            faults.add("creditor_name", "empty", "the creditor needs a name")
        creditor_account = faults.account(tr.creditor_account, "creditor_account")
        debtor_account = faults.account(tr.debtor_account, "debtor_account")
        creditor_bic = faults.bic(tr.creditor_bic, "creditor_bic", version)
        debtor_bic = faults.bic(tr.debtor_bic, "debtor_bic", version)
        if creditor_account and not creditor_account.isdigit() and tr.creditor_bic is None:
            faults.add("creditor_bic", "bic_required",
                       f"a transfer to the foreign IBAN {creditor_account} needs the BIC of the creditor's bank")
        country = faults.country(tr.creditor_country)
        kid_value = faults.kid(tr.kid)
        text = None
        if tr.kid is None and tr.text:  # a KID payment carries no message: the KID is the message
            text = clean_text(tr.text, TEXT_MAX) or None
        if not isinstance(tr.requested_date, date):
            faults.add("requested_date", "bad_date", f"requested_date {tr.requested_date!r} is not a date")
        if faults.count == 0 and value is not None:
            sepa = currency == "EUR" and not creditor_account.isdigit() and creditor_account[:2] in SEPA_COUNTRIES
            out.append(_Tx(position, tr, currency, amount, value, decimals, name, creditor_account, creditor_bic,
                           country, debtor_account, debtor_bic, kid_value, text, "SEPA" if sepa else "NURG"))
    return out


class _Faults:
    """The checks of one transfer's fields, each adding a :class:`Problem` for its row and counting them."""

    def __init__(self, source: str, row: int, problems: list[Problem],
                 accounts: dict[str, str | Exception]) -> None:
        self.source = source
        self.row = row
        self.problems = problems
        self.start = len(problems)
        self.accounts = accounts

    @property
    def count(self) -> int:
        return len(self.problems) - self.start

    def add(self, column: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.row, column, code, message, unit="transfer"))

    def currency(self, raw: str) -> str:
        try:
            return money.check_currency(raw or "")
        except money.MoneyError as exc:
            self.add("currency", "bad_currency", str(exc))
            return ""

    def amount(self, raw: Decimal, currency: str) -> tuple[Decimal | None, str, int]:
        try:
            value = money.to_decimal(raw)
        except money.MoneyError as exc:
            self.add("amount", "bad_amount", str(exc))
            return None, "", 0
        if value <= 0:
            self.add("amount", "not_positive", f"amount {value} must be more than zero")
            return None, "", 0
        if not currency:
            return None, "", 0
        decimals = money.exponent(currency)
        try:
            money.to_minor(value, currency)
        except money.MoneyError:
            self.add("amount", "too_many_decimals",
                     f"amount {value} has more decimals than the {decimals} that {currency} has")
            return None, "", 0
        text = format(money.round_money(value, currency), "f")
        if len(text.replace(".", "")) > TOTAL_DIGITS:
            self.add("amount", "too_large", f"amount {value} has more than {TOTAL_DIGITS} digits")
            return None, "", 0
        return value, text, decimals

    def account(self, raw: str, column: str) -> str:
        # A batch pays the same accounts from the same account many times over: check each number once.
        known = self.accounts.get(raw)
        if known is None:
            try:
                known = bank.validate_account(raw or "")
            except bank.ValidationError as exc:
                known = exc
            self.accounts[raw] = known
        if isinstance(known, Exception):
            self.add(column, "invalid_account",
                     f"{column} {raw!r} is neither a valid Norwegian account number nor a valid IBAN: {known}")
            return ""
        return known

    def bic(self, raw: str | None, column: str, version: str) -> str | None:
        if raw is None:
            return None
        try:
            code = bank.validate_bic(raw)
        except bank.ValidationError as exc:
            self.add(column, "invalid_bic", f"{column} {raw!r} is not a valid BIC: {exc}")
            return None
        if not _BIC_PATTERN[version].fullmatch(code):
            self.add(column, "invalid_bic", f"{column} {code!r} is not a BIC that {VERSIONS[version]} takes")
            return None
        return code

    def country(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        code = raw.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            self.add("creditor_country", "bad_country",
                     f"creditor_country {raw!r} is not a two-letter ISO 3166 country code")
            return None
        return code

    def kid(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        try:
            return kid.validate(raw)
        except (kid.InvalidFormat, kid.InvalidLength, kid.InvalidChecksum) as exc:
            self.add("kid", "invalid_kid", f"KID {raw!r} is not valid: {exc}")
            return None


def _group(transactions: list[_Tx], source: str, problems: list[Problem]) -> list[_Group]:
    groups: dict[tuple[date, str, str, str], _Group] = {}
    for tx in transactions:
        key = (tx.transfer.requested_date, tx.debtor_account, tx.currency, tx.service_level)
        group = groups.get(key)
        if group is None:
            groups[key] = group = _Group(*key, transactions=[])
        group.transactions.append(tx)
    ordered = [groups[key] for key in sorted(groups)]
    # One debtor account is at one bank: two BICs for it is a mistake in the data, not a second PmtInf.
    bics: dict[str, tuple[str, int]] = {}
    for tx in transactions:
        if tx.debtor_bic is None:
            continue
        first = bics.setdefault(tx.debtor_account, (tx.debtor_bic, tx.position))
        if first[0] != tx.debtor_bic:
            problems.append(Problem(source, tx.position, "debtor_bic", "conflicting_bic",
                                    f"debtor_bic {tx.debtor_bic} differs from {first[0]} of transfer {first[1]} "
                                    f"for the same debtor account {tx.debtor_account}", unit="transfer"))
    for group in ordered:
        total = sum((tx.value for tx in group.transactions), Decimal(0))
        if len(_sum_text(total, group.transactions).replace(".", "")) > TOTAL_DIGITS:
            problems.append(Problem(source, group.transactions[0].position, "amount", "too_large",
                                    f"the sum {total} of a payment group has more than {TOTAL_DIGITS} digits",
                                    unit="transfer"))
    return ordered


def _sum_text(total: Decimal, transactions: list[_Tx]) -> str:
    """A control sum with as many decimals as its amounts have, and at least two."""
    decimals = max([2, *(tx.decimals for tx in transactions)])
    return format(total.quantize(Decimal(1).scaleb(-decimals)), "f")


# --- the document -------------------------------------------------------------------------------------------------


def _document(order: PaymentOrder, header: _Header, groups: list[_Group], version: str,
              message: str) -> etree._Element:
    ns = f"urn:iso:std:iso:20022:tech:xsd:{message}"
    prefix = f"{{{ns}}}"
    tags: dict[str, str] = {}

    def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        qname = tags.get(tag)
        if qname is None:
            qname = tags[tag] = prefix + tag
        el = etree.SubElement(parent, qname)
        if text is not None:
            el.text = text
        return el

    def path(parent: etree._Element, tag_path: str, text: str | None = None) -> etree._Element:
        *walk, last = tag_path.split("/")
        for tag in walk:
            parent = sub(parent, tag)
        return sub(parent, last, text)

    def account(parent: etree._Element, number: str) -> None:
        ident = sub(parent, "Id")
        if number.isdigit():
            other = sub(ident, "Othr")
            sub(other, "Id", number)
            path(other, "SchmeNm/Cd", "BBAN")
        else:
            sub(ident, "IBAN", number)

    def agent(parent: etree._Element, bic: str | None) -> None:
        fin = sub(parent, "FinInstnId")
        if bic:
            sub(fin, "BICFI" if version == "09" else "BIC", bic)
        else:
            path(fin, "Othr/Id", "NOTPROVIDED")

    def organisation(parent: etree._Element, number: str, scheme: str) -> None:
        other = path(parent, "Id/OrgId/Othr")
        sub(other, "Id", number)
        path(other, "SchmeNm/Cd", scheme)

    all_tx = [tx for group in groups for tx in group.transactions]
    id_prefix = _prefix(order.message_id, len(all_tx), len(groups))

    root = etree.Element(prefix + "Document", nsmap={None: ns})
    initiation = sub(root, "CstmrCdtTrfInitn")
    grp = sub(initiation, "GrpHdr")
    sub(grp, "MsgId", order.message_id)
    sub(grp, "CreDtTm", order.created.isoformat(timespec="seconds"))
    sub(grp, "NbOfTxs", str(len(all_tx)))
    sub(grp, "CtrlSum", _sum_text(sum((tx.value for tx in all_tx), Decimal(0)), all_tx))
    party = sub(grp, "InitgPty")
    sub(party, "Nm", header.initiating_name)
    if header.org_number:
        organisation(party, header.org_number, "CUST")

    for number, group in enumerate(groups, start=1):
        info = sub(initiation, "PmtInf")
        sub(info, "PmtInfId", f"{id_prefix}-{number}")
        sub(info, "PmtMtd", "TRF")
        sub(info, "BtchBookg", "true")
        sub(info, "NbOfTxs", str(len(group.transactions)))
        sub(info, "CtrlSum", _sum_text(sum((tx.value for tx in group.transactions), Decimal(0)),
                                       group.transactions))
        kind = sub(info, "PmtTpInf")
        path(kind, "SvcLvl/Cd", group.service_level)
        path(kind, "CtgyPurp/Cd", "SUPP")
        when = group.requested_date.isoformat()
        if version == "09":
            path(info, "ReqdExctnDt/Dt", when)
        else:
            sub(info, "ReqdExctnDt", when)
        debtor = sub(info, "Dbtr")
        sub(debtor, "Nm", header.debtor_name)
        if header.org_number:
            organisation(debtor, header.org_number, "BANK")
        account(sub(info, "DbtrAcct"), group.debtor_account)
        agent(sub(info, "DbtrAgt"), next((tx.debtor_bic for tx in group.transactions if tx.debtor_bic), None))
        sub(info, "ChrgBr", "SLEV")
        for tx in group.transactions:
            _transaction(sub(info, "CdtTrfTxInf"), tx, id_prefix, sub, path, account, agent)
    return root


def _transaction(el: etree._Element, tx: _Tx, id_prefix: str, sub: Callable[..., etree._Element],
                 path: Callable[..., etree._Element], account: Callable[..., None],
                 agent: Callable[..., None]) -> None:
    ids = sub(el, "PmtId")
    sub(ids, "InstrId", f"{id_prefix}-{tx.position:04d}")
    sub(ids, "EndToEndId", tx.transfer.end_to_end_id)
    sub(sub(el, "Amt"), "InstdAmt", tx.amount).set("Ccy", tx.currency)
    if tx.creditor_bic or not tx.creditor_account.isdigit():
        agent(sub(el, "CdtrAgt"), tx.creditor_bic)
    creditor = sub(el, "Cdtr")
    sub(creditor, "Nm", tx.creditor_name)
    if tx.creditor_country:
        path(creditor, "PstlAdr/Ctry", tx.creditor_country)
    account(sub(el, "CdtrAcct"), tx.creditor_account)
    if tx.kid:
        reference = path(el, "RmtInf/Strd/CdtrRefInf")
        path(reference, "Tp/CdOrPrtry/Cd", "SCOR")
        sub(reference, "Ref", tx.kid)
    elif tx.text:
        path(el, "RmtInf/Ustrd", tx.text)


def _prefix(message_id: str, transactions: int, groups: int) -> str:
    """The start of ``PmtInfId`` and ``InstrId``: the ``MsgId``, cut so that ``-<number>`` still fits 35."""
    longest = max(len(f"-{transactions:04d}"), len(f"-{groups}"))
    return message_id[: ID_MAX - longest]
