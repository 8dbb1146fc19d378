"""The schema. Every table carries ``company_id``, and it leads every key and index.

Money is an integer in minor units (``*_minor``) beside an ISO 4217 code. Vouchers and their
lines are append-only; items carry their open amount, maintained in the same transaction as the
matches that change it, with CHECK constraints that keep it between zero and the original.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _company() -> Column[int]:
    return Column("company_id", Integer, nullable=False)


def _created() -> list[Column[object]]:
    return [Column("created_at", DateTime(timezone=True), nullable=False),
            Column("created_by", String(100), nullable=False)]


companies = Table(
    "companies", metadata,
    Column("company_id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("org_number", String(9)),
    Column("currency", String(3), nullable=False),
    Column("customer_control_account", String(10), nullable=False),
    Column("supplier_control_account", String(10), nullable=False),
    Column("bank_account", String(10), nullable=False),
    Column("opening_balance_account", String(10), nullable=False),
    Column("fx_gain_account", String(10), nullable=False),
    Column("fx_loss_account", String(10), nullable=False),
    Column("write_off_account", String(10), nullable=False),
    Column("sales_account", String(10), nullable=False),
    Column("purchase_account", String(10), nullable=False),
    *_created(),
    # Payments (migration 0011). KID scheme of the company's OCR agreement: NULL algorithm = no KIDs made.
    Column("kid_algorithm", String(5)),  # mod10 / mod11
    Column("kid_length", Integer),  # the fixed length, check digit included
    Column("kid_source", String(20)),  # invoice / customer / customer_invoice
    Column("kid_customer_digits", Integer),  # with customer_invoice: how many digits the customer number takes
    Column("suspense_account", String(10), nullable=False, server_default="2990"),
    # Payments out (migration 0012): how many users approve a payment proposal (2: not the proposer alone).
    Column("payment_approvals", Integer, nullable=False, server_default="1"),
    # Reminders (migration 0014): where fees (and the § 3a compensation) and late-payment interest are posted.
    Column("reminder_fee_account", String(10), nullable=False, server_default="3910"),
    Column("interest_account", String(10), nullable=False, server_default="8050"),
    UniqueConstraint("org_number"),
    CheckConstraint("kid_algorithm IS NULL OR (kid_algorithm IN ('mod10', 'mod11') AND kid_length BETWEEN 2 AND 25 "
                    "AND kid_source IN ('invoice', 'customer', 'customer_invoice'))", name="kid_scheme"),
    CheckConstraint("payment_approvals IN (1, 2)", name="payment_approvals"),
)

id_counters = Table(
    "id_counters", metadata,
    _company(),
    Column("name", String(40), nullable=False),
    Column("last_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "name"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
)

accounts = Table(
    "accounts", metadata,
    _company(),
    Column("number", String(10), nullable=False),
    Column("name", String(200), nullable=False),
    Column("account_type", String(20), nullable=False),  # asset, liability, equity, income, expense
    Column("control_kind", String(10)),  # customer / supplier for sub-ledger control accounts
    PrimaryKeyConstraint("company_id", "number"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
)

vat_codes = Table(
    "vat_codes", metadata,
    _company(),
    Column("code", String(10), nullable=False),
    Column("description", String(200), nullable=False),
    Column("rate_hundredths", Integer, nullable=False),  # 2500 = 25 %
    Column("account", String(10)),
    Column("direction", String(10), nullable=False),
    Column("saft_code", String(10), nullable=False),
    PrimaryKeyConstraint("company_id", "code"),
    ForeignKeyConstraint(["company_id", "account"], ["accounts.company_id", "accounts.number"]),
)

periods = Table(
    "periods", metadata,
    _company(),
    Column("year", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # open / closed
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(100), nullable=False),
    PrimaryKeyConstraint("company_id", "year", "month"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    CheckConstraint("month BETWEEN 1 AND 12", name="month"),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
)

currency_rates = Table(
    "currency_rates", metadata,
    _company(),
    Column("currency", String(3), nullable=False),
    Column("rate_date", Date, nullable=False),
    Column("rate", String(30), nullable=False),  # company currency per unit, exact decimal text
    PrimaryKeyConstraint("company_id", "currency", "rate_date"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
)

party_groups = Table(
    "party_groups", metadata,
    _company(),
    Column("kind", String(10), nullable=False),
    Column("code", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("control_account", String(10)),
    Column("reminder_routine_id", BigInteger),  # the group's reminder routine (migration 0014)
    PrimaryKeyConstraint("company_id", "kind", "code"),
    ForeignKeyConstraint(["company_id", "control_account"], ["accounts.company_id", "accounts.number"]),
)

parties = Table(
    "parties", metadata,
    _company(),
    Column("party_id", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("number", String(30), nullable=False),
    Column("name", String(200), nullable=False),
    Column("org_number", String(9)),
    Column("vat_registered", Boolean, nullable=False),
    Column("address", String(200)),
    Column("postal_code", String(20)),
    Column("city", String(100)),
    Column("country", String(2), nullable=False),
    Column("postal_address", String(200)),
    Column("postal_postal_code", String(20)),
    Column("postal_city", String(100)),
    Column("postal_country", String(2)),
    Column("email", String(254)),
    Column("phone", String(40)),
    Column("language", String(5), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("credit_limit_minor", BigInteger),
    Column("group_code", String(20)),
    Column("bank_account", String(34)),
    Column("bic", String(11)),
    Column("rule_account", String(10)),
    Column("rule_vat_code", String(10)),
    Column("rule_department", String(20)),
    Column("rule_project", String(20)),
    Column("reminder_block_reason", String(200)),
    Column("reminder_block_since", Date),
    Column("credit_stop_reason", String(200)),
    Column("credit_stop_since", Date),
    Column("payment_block_reason", String(200)),
    Column("payment_block_since", Date),
    Column("bankrupt_since", Date),  # set from the register (issue 7) or by hand: the due list flags the supplier
    Column("reminder_routine_id", BigInteger),  # the card's own reminder routine, before its group's (0014)
    Column("version", Integer, nullable=False),
    *_created(),
    PrimaryKeyConstraint("company_id", "party_id"),
    UniqueConstraint("company_id", "kind", "number"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    ForeignKeyConstraint(["company_id", "kind", "group_code"],
                         ["party_groups.company_id", "party_groups.kind", "party_groups.code"]),
    ForeignKeyConstraint(["company_id", "rule_account"], ["accounts.company_id", "accounts.number"]),
    ForeignKeyConstraint(["company_id", "rule_vat_code"], ["vat_codes.company_id", "vat_codes.code"]),
    CheckConstraint("kind IN ('customer', 'supplier')", name="kind"),
    Index("ix_parties_org_number", "company_id", "org_number"),
    Index("ix_parties_name", "company_id", "kind", "name"),
)

free_field_defs = Table(
    "free_field_defs", metadata,
    _company(),
    Column("code", String(40), nullable=False),
    Column("label", String(200), nullable=False),
    Column("field_type", String(10), nullable=False),
    Column("choices", Text, nullable=False),  # JSON array
    Column("required", Boolean, nullable=False),
    PrimaryKeyConstraint("company_id", "code"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    CheckConstraint("field_type IN ('text', 'number', 'date', 'bool', 'choice')", name="field_type"),
)

party_free_values = Table(
    "party_free_values", metadata,
    _company(),
    Column("party_id", BigInteger, nullable=False),
    Column("code", String(40), nullable=False),
    Column("value_text", String(500), nullable=False),  # canonical text of every type, searchable
    Column("value_number_micro", BigInteger),  # numbers, exact, scaled by 10^6
    Column("value_date", Date),
    Column("value_bool", Boolean),
    PrimaryKeyConstraint("company_id", "party_id", "code"),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    ForeignKeyConstraint(["company_id", "code"], ["free_field_defs.company_id", "free_field_defs.code"]),
    Index("ix_party_free_values_search", "company_id", "code", "value_text"),
)

contacts = Table(
    "contacts", metadata,
    _company(),
    Column("contact_id", BigInteger, nullable=False),
    Column("party_id", BigInteger, nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(100)),
    Column("email", String(254)),
    Column("phone", String(40)),
    PrimaryKeyConstraint("company_id", "contact_id"),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    Index("ix_contacts_party", "company_id", "party_id"),
)

documents = Table(
    "documents", metadata,
    _company(),
    Column("document_id", BigInteger, nullable=False),
    Column("party_id", BigInteger, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("doc_type", String(40), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage", String(10), nullable=False),  # database / folder
    Column("content", LargeBinary),
    Column("path", String(500)),
    *_created(),
    PrimaryKeyConstraint("company_id", "document_id"),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    CheckConstraint("storage IN ('database', 'folder')", name="storage"),
    CheckConstraint("(storage = 'database' AND content IS NOT NULL) OR (storage = 'folder' AND path IS NOT NULL)",
                    name="content"),
    Index("ix_documents_party", "company_id", "party_id"),
)

follow_ups = Table(
    "follow_ups", metadata,
    _company(),
    Column("follow_up_id", BigInteger, nullable=False),
    Column("party_id", BigInteger, nullable=False),
    Column("title", String(200), nullable=False),
    Column("note", Text),
    Column("owner", String(100), nullable=False),
    Column("due_date", Date),
    Column("status", String(10), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    *_created(),
    PrimaryKeyConstraint("company_id", "follow_up_id"),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status"),
    Index("ix_follow_ups_party", "company_id", "party_id"),
    Index("ix_follow_ups_owner", "company_id", "owner", "status", "due_date"),
)

audit_events = Table(
    "audit_events", metadata,
    _company(),
    Column("audit_id", BigInteger, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(60), nullable=False),
    Column("action", String(40), nullable=False),
    Column("field", String(60)),
    Column("old_value", Text),
    Column("new_value", Text),
    PrimaryKeyConstraint("company_id", "audit_id"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    Index("ix_audit_events_entity", "company_id", "entity", "entity_id"),
)

voucher_counters = Table(
    "voucher_counters", metadata,
    _company(),
    Column("series", String(10), nullable=False),
    Column("year", Integer, nullable=False),
    Column("last_number", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "series", "year"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
)

vouchers = Table(
    "vouchers", metadata,
    _company(),
    Column("voucher_id", BigInteger, nullable=False),
    Column("series", String(10), nullable=False),
    Column("year", Integer, nullable=False),
    Column("number", BigInteger, nullable=False),
    Column("voucher_type", String(30), nullable=False),
    Column("voucher_date", Date, nullable=False),
    Column("description", String(500)),
    Column("reverses_voucher_id", BigInteger),
    Column("source", String(200)),
    *_created(),
    PrimaryKeyConstraint("company_id", "voucher_id"),
    UniqueConstraint("company_id", "series", "year", "number"),
    UniqueConstraint("company_id", "reverses_voucher_id"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    ForeignKeyConstraint(["company_id", "reverses_voucher_id"], ["vouchers.company_id", "vouchers.voucher_id"]),
    Index("ix_vouchers_date", "company_id", "voucher_date"),
)

voucher_lines = Table(
    "voucher_lines", metadata,
    _company(),
    Column("voucher_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("line_date", Date, nullable=False),
    Column("account", String(10), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # company currency, debit positive
    Column("currency", String(3), nullable=False),
    Column("currency_amount_minor", BigInteger, nullable=False),
    Column("vat_code", String(10)),
    Column("department", String(20)),
    Column("project", String(20)),
    Column("party_id", BigInteger),
    Column("description", String(500)),
    PrimaryKeyConstraint("company_id", "voucher_id", "line_no"),
    ForeignKeyConstraint(["company_id", "voucher_id"], ["vouchers.company_id", "vouchers.voucher_id"]),
    ForeignKeyConstraint(["company_id", "account"], ["accounts.company_id", "accounts.number"]),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    ForeignKeyConstraint(["company_id", "vat_code"], ["vat_codes.company_id", "vat_codes.code"]),
    # Covering: GL balances and party balances at a date are index-only sums.
    Index("ix_voucher_lines_account", "company_id", "account", "line_date", "amount_minor"),
    Index("ix_voucher_lines_party", "company_id", "party_id", "line_date", "amount_minor"),
)

_OPEN_WITHIN = (
    "(amount_minor >= 0 AND open_minor >= 0 AND open_minor <= amount_minor) OR "
    "(amount_minor <= 0 AND open_minor <= 0 AND open_minor >= amount_minor)"
)
_OPEN_COMPANY_WITHIN = _OPEN_WITHIN.replace("amount_minor", "amount_company_minor").replace(
    "open_minor", "open_company_minor")

items = Table(
    "items", metadata,
    _company(),
    Column("item_id", BigInteger, nullable=False),
    Column("voucher_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("party_id", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("item_type", String(20), nullable=False),
    Column("document_number", String(60), nullable=False),
    Column("item_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("kid", String(25)),
    Column("currency", String(3), nullable=False),
    Column("rate", String(30), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # currency, GL sign
    Column("open_minor", BigInteger, nullable=False),
    Column("amount_company_minor", BigInteger, nullable=False),
    Column("open_company_minor", BigInteger, nullable=False),
    Column("control_account", String(10), nullable=False),
    Column("description", String(500)),
    Column("closed_on", Date),  # date of the match that closed it; NULL while open
    Column("last_alloc_date", Date),  # latest allocation (match or unmatch) on it; NULL if never matched
    # Report filters, set by the dispute and collection features: NULL while not disputed / not at collection.
    Column("disputed_since", Date),
    Column("dispute_note", String(500)),
    Column("collection_since", Date),
    Column("payee_account", String(34)),  # a supplier invoice: the account it says to pay to (EHF, scan)
    # Reminders (migration 0014). The level reached, its letter date and deadline (the history is in
    # reminder_lines); interest charged up to and including interest_to; a promised payment date pauses reminders;
    # the dispute's owner and deadline beside disputed_since / dispute_note (the history is in item_disputes);
    # ready_for_collection: the day it was set ready to go to the collection agency.
    Column("reminder_level", Integer),
    Column("reminded_on", Date),
    Column("reminder_deadline", Date),
    Column("interest_to", Date),
    Column("promised_date", Date),
    Column("dispute_owner", String(100)),
    Column("dispute_deadline", Date),
    Column("ready_for_collection", Date),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("company_id", "item_id"),
    UniqueConstraint("company_id", "party_id", "item_type", "document_number"),
    ForeignKeyConstraint(["company_id", "voucher_id", "line_no"],
                         ["voucher_lines.company_id", "voucher_lines.voucher_id", "voucher_lines.line_no"]),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    CheckConstraint(_OPEN_WITHIN, name="open_within_amount"),
    CheckConstraint(_OPEN_COMPANY_WITHIN, name="open_company_within_amount"),
    CheckConstraint("kind IN ('customer', 'supplier')", name="kind"),
    # The open-items and aging reports read only this partial covering index when as-of is today;
    # at a past date, last_alloc_date says which open items need their later allocations added back, and
    # item_id (not the table's rowid) finds those allocations without a visit to the table row.
    Index("ix_items_open", "company_id", "kind", "party_id", "due_date", "item_date", "open_minor",
          "open_company_minor", "last_alloc_date", "item_id",
          sqlite_where=text("open_minor <> 0"), postgresql_where=text("open_minor <> 0")),
    # Items settled after a past date D that existed at D: both conditions are read from this index.
    Index("ix_items_closed_on", "company_id", "kind", "closed_on", "item_date",
          sqlite_where=text("closed_on IS NOT NULL"), postgresql_where=text("closed_on IS NOT NULL")),
    Index("ix_items_party", "company_id", "party_id", "item_date"),
    Index("ix_items_date", "company_id", "item_date", "item_id"),  # the transactions of a period, in date order
    # Covering (kind, party): a bank file's 100 000 KIDs find their customers without a visit to the table.
    Index("ix_items_kid", "company_id", "kid", "kind", "party_id", sqlite_where=text("kid IS NOT NULL"),
          postgresql_where=text("kid IS NOT NULL")),
    Index("ix_items_voucher", "company_id", "voucher_id"),
    Index("ix_items_document", "company_id", "document_number"),
)

matches = Table(
    "matches", metadata,
    _company(),
    Column("match_id", BigInteger, nullable=False),
    Column("match_kind", String(10), nullable=False),  # match / unmatch
    Column("debit_item_id", BigInteger, nullable=False),
    Column("credit_item_id", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # currency, positive for a match
    Column("debit_company_minor", BigInteger, nullable=False),
    Column("credit_company_minor", BigInteger, nullable=False),
    Column("match_date", Date, nullable=False),
    Column("undoes_match_id", BigInteger),
    Column("fx_voucher_id", BigInteger),
    Column("method", String(20), nullable=False),  # manual, applies_to, kid, text, amount, reversal, import
    *_created(),
    PrimaryKeyConstraint("company_id", "match_id"),
    UniqueConstraint("company_id", "undoes_match_id"),
    ForeignKeyConstraint(["company_id", "debit_item_id"], ["items.company_id", "items.item_id"]),
    ForeignKeyConstraint(["company_id", "credit_item_id"], ["items.company_id", "items.item_id"]),
    ForeignKeyConstraint(["company_id", "undoes_match_id"], ["matches.company_id", "matches.match_id"]),
    ForeignKeyConstraint(["company_id", "fx_voucher_id"], ["vouchers.company_id", "vouchers.voucher_id"]),
    CheckConstraint("match_kind IN ('match', 'unmatch')", name="match_kind"),
    CheckConstraint("(match_kind = 'match' AND amount_minor > 0 AND undoes_match_id IS NULL) OR "
                    "(match_kind = 'unmatch' AND amount_minor < 0 AND undoes_match_id IS NOT NULL)",
                    name="amount_sign"),
    CheckConstraint("debit_item_id <> credit_item_id", name="two_items"),
    Index("ix_matches_debit", "company_id", "debit_item_id"),
    Index("ix_matches_credit", "company_id", "credit_item_id"),
)

# One row per item and match: what the match took off that item's open amount (GL sign of the item).
allocations = Table(
    "allocations", metadata,
    _company(),
    Column("match_id", BigInteger, nullable=False),
    Column("item_id", BigInteger, nullable=False),
    Column("alloc_date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("amount_company_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "match_id", "item_id"),
    ForeignKeyConstraint(["company_id", "match_id"], ["matches.company_id", "matches.match_id"]),
    ForeignKeyConstraint(["company_id", "item_id"], ["items.company_id", "items.item_id"]),
    Index("ix_allocations_item", "company_id", "item_id", "alloc_date", "amount_minor", "amount_company_minor"),
    Index("ix_allocations_date", "company_id", "alloc_date", "item_id"),
)

# -- maintained totals (migration 0008) ---------------------------------------------------------------------
# Written by the posting engine in the same transaction as the rows they sum (``Repository.add_totals``), so
# the whole-ledger figures of a report page (aging totals, GL and sub-ledger balances, the largest balances)
# read a few thousand rows instead of every item and line. ``services.totals.recount`` checks them against
# the rows they come from.

#: Σ open amount now (GL sign) of the items with this kind, control account, currency, due date and date:
#: an item adds its amount, each allocation takes its amount off.
def _item_key() -> list[Column[object]]:
    """The columns of an item that the open totals are kept by."""
    return [Column("kind", String(10), nullable=False), Column("control_account", String(10), nullable=False),
            Column("currency", String(3), nullable=False), Column("due_date", Date, nullable=False),
            Column("item_date", Date, nullable=False)]


open_totals = Table(
    "open_totals", metadata,
    _company(),
    *_item_key(),
    Column("open_minor", BigInteger, nullable=False),
    Column("open_company_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "kind", "control_account", "currency", "due_date", "item_date"),
    Index("ix_open_totals_item_date", "company_id", "item_date"),
)

#: Σ what allocations dated ``alloc_date`` took off the items with this key (GL sign of the items): the open
#: amounts at a past date D are ``open_totals`` (items dated by D) plus these for ``alloc_date > D``.
alloc_totals = Table(
    "alloc_totals", metadata,
    _company(),
    *_item_key(),
    Column("alloc_date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("amount_company_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "kind", "control_account", "currency", "due_date", "item_date", "alloc_date"),
    Index("ix_alloc_totals_date", "company_id", "alloc_date"),
)

#: Σ debits and Σ credits (company currency, both positive) of the voucher lines on an account on a day, split
#: by the kind of the line's party ('' for a line without one): the GL side and the sub-ledger side of a period.
gl_totals = Table(
    "gl_totals", metadata,
    _company(),
    Column("account", String(10), nullable=False),
    Column("party_kind", String(10), nullable=False),
    Column("day", Date, nullable=False),
    Column("debit_minor", BigInteger, nullable=False),
    Column("credit_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "account", "party_kind", "day"),
)

#: The items posted on a day, by kind and type: how many and Σ amount (company currency, GL sign).
posted_totals = Table(
    "posted_totals", metadata,
    _company(),
    Column("kind", String(10), nullable=False),
    Column("item_type", String(20), nullable=False),
    Column("item_date", Date, nullable=False),
    Column("items", BigInteger, nullable=False),
    Column("amount_company_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "kind", "item_type", "item_date"),
)

#: The items settled on a day (``closed_on``), by kind and type: how many, how many after their due date,
#: Σ days from due date to settlement (early negative), Σ those days × amount, and Σ amount (company currency,
#: GL sign). An item that is reopened (unmatched) leaves its day again.
settled_totals = Table(
    "settled_totals", metadata,
    _company(),
    Column("kind", String(10), nullable=False),
    Column("item_type", String(20), nullable=False),
    Column("closed_on", Date, nullable=False),
    Column("items", BigInteger, nullable=False),
    Column("late_items", BigInteger, nullable=False),
    Column("days_sum", BigInteger, nullable=False),
    Column("days_amount_sum", BigInteger, nullable=False),
    Column("amount_company_minor", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "kind", "item_type", "closed_on"),
)

#: Σ open amount now (company currency, GL sign) of each party's items.
party_totals = Table(
    "party_totals", metadata,
    _company(),
    Column("party_id", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("open_company_minor", BigInteger, nullable=False),
    # The part of it on items with a positive amount (GL sign): a bound on a customer's overdue amount; the
    # rest bounds a supplier's (``store.dashboard.top_overdue``).
    Column("open_debit_company_minor", BigInteger, nullable=False, server_default="0"),
    # No foreign key and no index on the balance: every posting updates these rows, and both would cost each
    # update (a derived sum; ``reskontro check`` recounts it).
    PrimaryKeyConstraint("company_id", "party_id"),
)

# -- bank files (migration 0011) ---------------------------------------------------------------------------

#: The company's own bank accounts: which GL account each one posts to, and the OCR agreement on it.
bank_accounts = Table(
    "bank_accounts", metadata,
    _company(),
    Column("account", String(34), nullable=False),  # compact BBAN or IBAN
    Column("name", String(100), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("gl_account", String(10), nullable=False),
    Column("bic", String(11)),
    Column("ocr_agreement_id", String(9)),
    *_created(),
    PrimaryKeyConstraint("company_id", "account"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    ForeignKeyConstraint(["company_id", "gl_account"], ["accounts.company_id", "accounts.number"]),
)

#: One row per bank file taken in; ``file_key`` (transmission number / message id) makes a second import of the
#: same file post nothing.
bank_files = Table(
    "bank_files", metadata,
    _company(),
    Column("bank_file_id", BigInteger, nullable=False),
    Column("file_key", String(200), nullable=False),
    Column("format", String(20), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("transactions", Integer, nullable=False),
    Column("posted", Integer, nullable=False),
    Column("review", Integer, nullable=False),
    *_created(),
    PrimaryKeyConstraint("company_id", "bank_file_id"),
    UniqueConstraint("company_id", "file_key"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
)

#: Every transaction of a bank file, and what became of it: posted to a party (``method`` says how it was
#: matched), waiting in the review queue, posted to the suspense account, or ignored (a debit on a credit file).
bank_payments = Table(
    "bank_payments", metadata,
    _company(),
    Column("bank_payment_id", BigInteger, nullable=False),
    Column("bank_file_id", BigInteger, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("location", String(200), nullable=False),
    Column("account", String(34), nullable=False),
    Column("booking_date", Date, nullable=False),
    Column("value_date", Date),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # positive; ``credit`` and ``reversal`` give the direction
    Column("credit", Boolean, nullable=False),
    Column("reversal", Boolean, nullable=False),
    Column("kid", String(25)),
    Column("text", String(500)),
    Column("counterparty_name", String(200)),
    Column("counterparty_account", String(34)),
    Column("bank_reference", String(60)),
    Column("end_to_end_id", String(60)),
    Column("transaction_type", String(40)),
    Column("entry_reference", String(60)),  # camt: the entry's reference (migration 0013)
    Column("status", String(10), nullable=False),  # posted / review / suspense / duplicate
    Column("method", String(10)),  # kid / text / payer / manual / suspense / reversal
    Column("party_id", BigInteger),
    Column("invoice_item_id", BigInteger),  # the item it was matched to, when one
    Column("voucher_id", BigInteger),  # the payment (or suspense, or reversal) voucher
    Column("reverses_payment_id", BigInteger),  # a reversal: the payment it took back
    Column("note", String(500)),  # why it waits in the queue, or what the user wrote when resolving it
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(100)),
    PrimaryKeyConstraint("company_id", "bank_payment_id"),
    UniqueConstraint("company_id", "bank_file_id", "seq"),
    UniqueConstraint("company_id", "reverses_payment_id"),
    ForeignKeyConstraint(["company_id", "bank_file_id"], ["bank_files.company_id", "bank_files.bank_file_id"]),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    ForeignKeyConstraint(["company_id", "voucher_id"], ["vouchers.company_id", "vouchers.voucher_id"]),
    ForeignKeyConstraint(["company_id", "reverses_payment_id"],
                         ["bank_payments.company_id", "bank_payments.bank_payment_id"]),
    CheckConstraint("status IN ('posted', 'review', 'suspense', 'duplicate')", name="status"),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    Index("ix_bank_payments_review", "company_id", "booking_date", sqlite_where=text("status = 'review'"),
          postgresql_where=text("status = 'review'")),
    Index("ix_bank_payments_kid", "company_id", "kid", sqlite_where=text("kid IS NOT NULL"),
          postgresql_where=text("kid IS NOT NULL")),
    # The same payment read again from another file: found by its bank reference.
    Index("ix_bank_payments_reference", "company_id", "bank_reference", sqlite_where=text("bank_reference IS NOT NULL"),
          postgresql_where=text("bank_reference IS NOT NULL")),
    Index("ix_bank_payments_entry", "company_id", "entry_reference", sqlite_where=text("entry_reference IS NOT NULL"),
          postgresql_where=text("entry_reference IS NOT NULL")),
)

# -- payments out (migration 0012) ---------------------------------------------------------------------------

#: A supplier bank account as it came onto a card (by hand, by import or from an invoice), and whether a second
#: user approved it: the due list pays only to an approved account of the supplier.
bank_account_approvals = Table(
    "bank_account_approvals", metadata,
    _company(),
    Column("approval_id", BigInteger, nullable=False),
    Column("party_id", BigInteger, nullable=False),
    Column("account", String(34), nullable=False),
    Column("bic", String(11)),
    Column("source", String(10), nullable=False),  # card / import / invoice / migration
    Column("status", String(10), nullable=False),  # pending / approved / rejected
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(100)),
    Column("decided_at", DateTime(timezone=True)),
    Column("note", String(500)),
    PrimaryKeyConstraint("company_id", "approval_id"),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    CheckConstraint("status = 'pending' OR decided_by IS NOT NULL", name="decided"),
    Index("ix_bank_account_approvals_party", "company_id", "party_id", "account"),
)

#: A payment proposal: supplier items chosen from the due list, approved, then written as a pain.001.
payment_proposals = Table(
    "payment_proposals", metadata,
    _company(),
    Column("proposal_id", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # draft / approved / exported / cancelled
    Column("debtor_account", String(34), nullable=False),  # ours, from bank_accounts
    Column("execution_date", Date, nullable=False),
    Column("message_id", String(35)),
    Column("pain_version", String(2)),
    Column("file", LargeBinary),  # the pain.001 as written, for download
    Column("exported_at", DateTime(timezone=True)),
    Column("exported_by", String(100)),
    Column("version", Integer, nullable=False),
    *_created(),
    PrimaryKeyConstraint("company_id", "proposal_id"),
    UniqueConstraint("company_id", "message_id"),
    ForeignKeyConstraint(["company_id", "debtor_account"], ["bank_accounts.company_id", "bank_accounts.account"]),
    CheckConstraint("status IN ('draft', 'approved', 'exported', 'cancelled')", name="status"),
)

payment_approvals = Table(
    "payment_approvals", metadata,
    _company(),
    Column("proposal_id", BigInteger, nullable=False),
    Column("approved_by", String(100), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("company_id", "proposal_id", "approved_by"),
    ForeignKeyConstraint(["company_id", "proposal_id"], ["payment_proposals.company_id",
                                                         "payment_proposals.proposal_id"]),
)

#: One payment of a proposal: an item, the amount to pay (a part payment is less than its open amount), where to.
payment_lines = Table(
    "payment_lines", metadata,
    _company(),
    Column("proposal_id", BigInteger, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("item_id", BigInteger, nullable=False),
    Column("party_id", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # positive: what is paid
    Column("creditor_account", String(34), nullable=False),
    Column("creditor_bic", String(11)),
    Column("kid", String(25)),
    Column("text", String(140)),
    Column("end_to_end_id", String(35), nullable=False),
    # proposed → in_payment (exported) → paid (the bank's debit came back) | rejected (pain.002) | cancelled
    Column("status", String(10), nullable=False),
    Column("reason", String(500)),  # why the bank rejected it
    Column("bank_payment_id", BigInteger),  # the debit that paid it
    PrimaryKeyConstraint("company_id", "proposal_id", "line_no"),
    UniqueConstraint("company_id", "end_to_end_id"),
    ForeignKeyConstraint(["company_id", "proposal_id"], ["payment_proposals.company_id",
                                                         "payment_proposals.proposal_id"]),
    ForeignKeyConstraint(["company_id", "item_id"], ["items.company_id", "items.item_id"]),
    CheckConstraint("status IN ('proposed', 'in_payment', 'paid', 'rejected', 'cancelled')", name="status"),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    Index("ix_payment_lines_item", "company_id", "item_id"),
)

# -- reminders and collection (migration 0014) ---------------------------------------------------------------

#: The dated legal rates (``domain.legal_rates.RateKind``): value is exact decimal text.
legal_rates = Table(
    "legal_rates", metadata,
    _company(),
    Column("kind", String(30), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("value", String(30), nullable=False),
    Column("source", String(200), nullable=False),
    *_created(),
    PrimaryKeyConstraint("company_id", "kind", "valid_from"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    CheckConstraint("kind IN ('inkassosats', 'reminder_fee_fraction', 'warning_fee_fraction', 'late_interest', "
                    "'b2b_compensation')", name="kind"),
)

reminder_routines = Table(
    "reminder_routines", metadata,
    _company(),
    Column("routine_id", BigInteger, nullable=False),
    Column("code", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("is_default", Boolean, nullable=False),  # the company's routine for customers without their own
    Column("automatic", Boolean, nullable=False),  # run, post and send without review (cron / serve)
    Column("fee_basis", String(10), nullable=False),  # letter / claim
    Column("b2b_compensation", Boolean, nullable=False),
    Column("late_payment_interest", Boolean, nullable=False),
    Column("min_interest_minor", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    *_created(),
    PrimaryKeyConstraint("company_id", "routine_id"),
    UniqueConstraint("company_id", "code"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    CheckConstraint("fee_basis IN ('letter', 'claim')", name="fee_basis"),
)

reminder_levels = Table(
    "reminder_levels", metadata,
    _company(),
    Column("routine_id", BigInteger, nullable=False),
    Column("level_no", Integer, nullable=False),
    Column("level_type", String(10), nullable=False),
    Column("days_after", Integer, nullable=False),
    Column("deadline_days", Integer, nullable=False),
    Column("min_amount_minor", BigInteger, nullable=False),
    Column("charge_fee", Boolean, nullable=False),
    Column("charge_interest", Boolean, nullable=False),
    Column("channels", String(20), nullable=False),  # "letter", "email", "letter,email"
    Column("titles", Text, nullable=False),  # JSON object language → title
    Column("texts", Text, nullable=False),  # JSON object language → letter text
    PrimaryKeyConstraint("company_id", "routine_id", "level_no"),
    ForeignKeyConstraint(["company_id", "routine_id"],
                         ["reminder_routines.company_id", "reminder_routines.routine_id"]),
    CheckConstraint("level_type IN ('reminder', 'warning', 'collection')", name="level_type"),
)

#: Each time an item was disputed: reminders and interest pause from opened_on to closed_on.
item_disputes = Table(
    "item_disputes", metadata,
    _company(),
    Column("dispute_id", BigInteger, nullable=False),
    Column("item_id", BigInteger, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("deadline", Date),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("resolution", String(500)),
    *_created(),
    PrimaryKeyConstraint("company_id", "dispute_id"),
    ForeignKeyConstraint(["company_id", "item_id"], ["items.company_id", "items.item_id"]),
    Index("ix_item_disputes_item", "company_id", "item_id"),
)

#: A reminder run: a proposal on a day, approved (or automatic), posted, its letters sent.
reminder_runs = Table(
    "reminder_runs", metadata,
    _company(),
    Column("run_id", BigInteger, nullable=False),
    Column("run_date", Date, nullable=False),
    Column("routine_id", BigInteger),  # NULL: every routine
    Column("status", String(10), nullable=False),  # proposed / posted / cancelled
    Column("automatic", Boolean, nullable=False),
    Column("print_batch", LargeBinary),  # the letters to print, one PDF
    Column("approved_by", String(100)),
    Column("approved_at", DateTime(timezone=True)),
    *_created(),
    PrimaryKeyConstraint("company_id", "run_id"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    CheckConstraint("status IN ('proposed', 'posted', 'cancelled')", name="status"),
    Index("ix_reminder_runs_date", "company_id", "run_date"),
)

#: One letter (or collection hand-over) of a run: one customer, level and currency.
reminders = Table(
    "reminders", metadata,
    _company(),
    Column("reminder_id", BigInteger, nullable=False),
    Column("run_id", BigInteger, nullable=False),
    Column("party_id", BigInteger, nullable=False),
    Column("routine_id", BigInteger, nullable=False),
    Column("level_no", Integer, nullable=False),
    Column("level_type", String(10), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("letter_date", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("principal_minor", BigInteger, nullable=False),
    Column("fee_minor", BigInteger, nullable=False),  # company currency
    Column("compensation_minor", BigInteger, nullable=False),  # company currency
    Column("interest_minor", BigInteger, nullable=False),  # the letter's currency
    Column("language", String(5), nullable=False),
    Column("status", String(10), nullable=False),  # proposed / posted / cancelled
    Column("fee_item_id", BigInteger),
    Column("compensation_item_id", BigInteger),
    Column("interest_item_id", BigInteger),
    Column("document_id", BigInteger),  # the letter, archived on the customer
    Column("channel", String(10)),  # letter / email / none (a collection hand-over)
    Column("email_to", String(254)),
    Column("delivery", String(10), nullable=False),  # pending / sending / printed / sent / failed / none
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(500)),
    Column("sent_at", DateTime(timezone=True)),
    Column("message_id", String(200)),
    PrimaryKeyConstraint("company_id", "reminder_id"),
    UniqueConstraint("company_id", "run_id", "party_id", "level_no", "currency"),
    ForeignKeyConstraint(["company_id", "run_id"], ["reminder_runs.company_id", "reminder_runs.run_id"]),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    ForeignKeyConstraint(["company_id", "document_id"], ["documents.company_id", "documents.document_id"]),
    CheckConstraint("status IN ('proposed', 'posted', 'cancelled')", name="status"),
    CheckConstraint("delivery IN ('pending', 'sending', 'printed', 'sent', 'failed', 'none')", name="delivery"),
    Index("ix_reminders_party", "company_id", "party_id", "letter_date"),
    Index("ix_reminders_run", "company_id", "run_id"),
)

#: What a reminder did to each item, and why: the unique (item, level) is what keeps a fee from being posted twice.
reminder_lines = Table(
    "reminder_lines", metadata,
    _company(),
    Column("reminder_id", BigInteger, nullable=False),
    Column("item_id", BigInteger, nullable=False),
    Column("level_no", Integer, nullable=False),
    Column("open_minor", BigInteger, nullable=False),  # item currency, natural sign
    Column("fee_minor", BigInteger, nullable=False),
    Column("fee_offset_minor", BigInteger, nullable=False),
    Column("compensation_minor", BigInteger, nullable=False),
    Column("interest_minor", BigInteger, nullable=False),
    Column("interest_from", Date),
    Column("interest_to", Date),
    Column("reasons", Text, nullable=False),  # JSON list of domain.reminders.Reason
    PrimaryKeyConstraint("company_id", "reminder_id", "item_id"),
    UniqueConstraint("company_id", "item_id", "level_no"),
    ForeignKeyConstraint(["company_id", "reminder_id"], ["reminders.company_id", "reminders.reminder_id"]),
    ForeignKeyConstraint(["company_id", "item_id"], ["items.company_id", "items.item_id"]),
)

#: A claim handed to (or ready for) the collection agency.
collection_cases = Table(
    "collection_cases", metadata,
    _company(),
    Column("case_id", BigInteger, nullable=False),
    Column("party_id", BigInteger, nullable=False),
    Column("status", String(15), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("principal_minor", BigInteger, nullable=False),
    Column("fees_minor", BigInteger, nullable=False),
    Column("interest_minor", BigInteger, nullable=False),
    Column("agency", String(40)),
    Column("batch_ref", String(60)),
    Column("sent_at", DateTime(timezone=True)),
    Column("agency_ref", String(60)),
    Column("closed_on", Date),
    Column("note", String(500)),
    Column("version", Integer, nullable=False),
    *_created(),
    PrimaryKeyConstraint("company_id", "case_id"),
    ForeignKeyConstraint(["company_id", "party_id"], ["parties.company_id", "parties.party_id"]),
    CheckConstraint("status IN ('ready', 'sent', 'paused', 'partly_paid', 'paid', 'closed', 'written_off', "
                    "'recalled', 'estate')", name="status"),
    Index("ix_collection_cases_party", "company_id", "party_id"),
    Index("ix_collection_cases_status", "company_id", "status"),
)

collection_case_items = Table(
    "collection_case_items", metadata,
    _company(),
    Column("case_id", BigInteger, nullable=False),
    Column("item_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("company_id", "case_id", "item_id"),
    ForeignKeyConstraint(["company_id", "case_id"], ["collection_cases.company_id", "collection_cases.case_id"]),
    ForeignKeyConstraint(["company_id", "item_id"], ["items.company_id", "items.item_id"]),
    Index("ix_collection_case_items_item", "company_id", "item_id"),
)

#: Each event of an agency's status file, taken once (``event_id``), with what it posted.
collection_events = Table(
    "collection_events", metadata,
    _company(),
    Column("event_id", String(100), nullable=False),
    Column("case_id", BigInteger, nullable=False),
    Column("event_date", Date, nullable=False),
    Column("status", String(15), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_principal_minor", BigInteger, nullable=False),
    Column("paid_fees_minor", BigInteger, nullable=False),
    Column("paid_interest_minor", BigInteger, nullable=False),
    Column("agency_fee_minor", BigInteger, nullable=False),
    Column("remitted_minor", BigInteger, nullable=False),
    Column("voucher_ids", String(200)),
    Column("filename", String(255), nullable=False),
    *_created(),
    PrimaryKeyConstraint("company_id", "event_id"),
    ForeignKeyConstraint(["company_id", "case_id"], ["collection_cases.company_id", "collection_cases.case_id"]),
    Index("ix_collection_events_case", "company_id", "case_id"),
)

imports = Table(
    "imports", metadata,
    _company(),
    Column("import_id", BigInteger, nullable=False),
    Column("import_kind", String(20), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_posted", Integer, nullable=False),
    Column("rows_skipped", Integer, nullable=False),
    *_created(),
    PrimaryKeyConstraint("company_id", "import_id"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    Index("ix_imports_sha", "company_id", "sha256"),
)

# -- identity, access and per-user data ------------------------------------------------------------------
#
# Users, their API tokens and their web sessions are identity, not company data: one person can work in
# several companies. They are the only tables besides ``companies`` without ``company_id`` (on Citus they
# would be reference tables, copied to every node). What a user may do in a company is a membership, which is
# company data.

users = Table(
    "users", metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False),
    Column("display_name", String(200)),
    Column("password_hash", String(200), nullable=False),  # argon2id, PHC string; never the password
    Column("disabled", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("username"),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("prefix", String(8), nullable=False),  # the first characters of the token, to recognise it; not secret
    Column("token_sha256", String(64), nullable=False),  # the token itself is shown once and never stored
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    UniqueConstraint("token_sha256"),
    ForeignKeyConstraint(["user_id"], ["users.user_id"]),
    Index("ix_api_tokens_user", "user_id"),
)

# "Which companies may this user see" scans memberships by user_id: no index can serve it without
# breaking the rule that company_id leads every index, and with few companies per database the scan
# is a handful of pages (it runs once per authentication, not per row of a report).
memberships = Table(
    "memberships", metadata,
    _company(),
    Column("user_id", Integer, nullable=False),
    Column("role", String(20), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("granted_by", String(100), nullable=False),
    PrimaryKeyConstraint("company_id", "user_id"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    ForeignKeyConstraint(["user_id"], ["users.user_id"]),
    CheckConstraint("role IN ('admin', 'accountant', 'read_only')", name="role"),
)

# A signed-in browser of the web UI. Identity like ``users`` and ``api_tokens``, so no company_id: one
# sign-in reaches every company the user has a role in (the role is read from memberships on each
# request). The cookie holds a random secret; only its SHA-256 is stored.
web_sessions = Table(
    "web_sessions", metadata,
    Column("session_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("token_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("token_sha256"),
    ForeignKeyConstraint(["user_id"], ["users.user_id"]),
    Index("ix_web_sessions_user", "user_id"),
    Index("ix_web_sessions_expires_at", "expires_at"),
)

# One row per API request made with an Idempotency-Key: the key is reserved (pending) before the
# request runs and holds its response once done, so a retry replays the response and posts nothing.
idempotency_keys = Table(
    "idempotency_keys", metadata,
    _company(),
    Column("user_id", Integer, nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(128), nullable=False),
    Column("status", String(10), nullable=False),
    Column("status_code", Integer),
    Column("content_type", String(200)),
    Column("body", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("company_id", "user_id", "key"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
    ForeignKeyConstraint(["user_id"], ["users.user_id"]),
    CheckConstraint("status IN ('pending', 'done')", name="status"),
)

saved_queries = Table(
    "saved_queries", metadata,
    _company(),
    Column("query_id", BigInteger, nullable=False),
    Column("owner", String(100), nullable=False),  # a username (or the CLI's actor)
    Column("name", String(100), nullable=False),
    Column("report", String(40), nullable=False),
    Column("parameters", Text, nullable=False),  # JSON object of str -> str
    Column("shared", Boolean, nullable=False),
    *_created(),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("company_id", "query_id"),
    UniqueConstraint("company_id", "owner", "name"),
    ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
)
