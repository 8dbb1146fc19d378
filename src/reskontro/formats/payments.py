"""The records that bank files carry, whatever their format.

Incoming files (Nets OCR Giro, ISO 20022 camt.054 credit and debit notifications, camt.053 statements)
are parsed into a :class:`BankFile` of :class:`BankTransaction`; outgoing supplier payments are written
from a :class:`PaymentOrder` of :class:`CreditTransfer` (ISO 20022 pain.001), and their status comes back
as a :class:`StatusReport` (pain.002). Every parser checks the whole file and reports every problem with
where it was found (line, or element path); a file with a problem yields no records at all, so nothing of
it is posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from reskontro.formats.result import Problem


class BankFileInvalid(ValueError):
    """A bank file that cannot be taken: ``problems`` names each fault with its line or element path."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        first = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
        super().__init__(f"{first}{more}")


@dataclass(frozen=True, slots=True)
class BankTransaction:
    """One payment on one of our bank accounts, as the bank reported it.

    ``amount`` is positive; ``credit`` says the direction (True: money in, a customer's payment; False: money
    out, one of our supplier payments). ``reversal`` marks the bank taking back an earlier transaction
    (OCR types 18 and 20, a ``-`` sign, camt ``RvslInd``). ``kid`` is as the bank gave it: the importer checks
    its check digit. ``location`` is where in the file it was read ("line 12", or an element path).
    """

    location: str
    account: str  # our account: a compact BBAN (11 digits) or IBAN
    booking_date: date
    amount: Decimal
    currency: str
    credit: bool
    reversal: bool = False
    value_date: date | None = None
    kid: str | None = None
    text: str | None = None  # the free remittance text (camt Ustrd, OCR text record)
    counterparty_name: str | None = None  # the payer on a credit, the payee on a debit
    counterparty_account: str | None = None
    bank_reference: str | None = None  # the bank's archive reference (OCR) or AcctSvcrRef (camt)
    end_to_end_id: str | None = None  # on debits: the EndToEndId of our pain.001
    transaction_type: str | None = None  # OCR transaction type ("10", "18"…) or the camt BkTxCd
    agreement_id: str | None = None  # OCR: the payee's agreement (assignment start), when the file gives one
    # camt: the entry's AcctSvcrRef, the same in a notification and the statement that books it again, where the
    # transaction's own reference (``bank_reference``) may differ
    entry_reference: str | None = None


@dataclass(frozen=True, slots=True)
class BankFile:
    """A parsed bank file whose control totals (record counts, sums) were checked.

    ``key`` is the file's identity at the bank, the key that stops it being imported twice: for OCR Giro
    ``ocr:<data sender>:<transmission number>:<data recipient>``, for camt ``<message name>:<GrpHdr/MsgId>``.
    """

    format: str  # "ocr-giro", "camt.054.001.02", "camt.054.001.08", "camt.053.001.02"
    key: str
    created: datetime | date
    transactions: tuple[BankTransaction, ...]


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """One supplier payment to make: a pain.001 ``CdtTrfTxInf``."""

    end_to_end_id: str  # ours, comes back on the camt.054 debit and the pain.002
    amount: Decimal
    currency: str
    creditor_name: str
    creditor_account: str  # compact BBAN (11 digits) or IBAN
    debtor_account: str  # ours, compact BBAN or IBAN
    requested_date: date
    creditor_bic: str | None = None  # required for a foreign IBAN
    creditor_country: str | None = None
    kid: str | None = None  # structured creditor reference (SCOR); else ``text`` goes as unstructured
    text: str | None = None
    debtor_bic: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """A pain.001 message: the transfers are grouped into one ``PmtInf`` per debtor account, execution date
    and currency by the writer."""

    message_id: str
    created: datetime
    initiating_party_name: str
    initiating_org_number: str | None
    debtor_name: str
    transfers: tuple[CreditTransfer, ...]


@dataclass(frozen=True, slots=True)
class TransferStatus:
    """The bank's verdict on one transfer (or, with ``end_to_end_id`` None, on a whole group or message)."""

    location: str
    original_message_id: str
    original_payment_info_id: str | None
    end_to_end_id: str | None
    status: str  # ACCP, ACSC, ACTC, ACWC, PDNG, PART, RJCT
    reason_code: str | None = None
    reason_text: str | None = None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A pain.002 payment status report."""

    format: str  # "pain.002.001.03", "pain.002.001.10"
    key: str  # "pain.002:<GrpHdr/MsgId>"
    created: datetime
    statuses: tuple[TransferStatus, ...]
