"""Reports on the page: the filter form generated from a report's parameters, the labels of reports,
parameters, choices and columns in the reader's language, and the result as a dense table.

The catalogue (:mod:`reskontro.services.report_catalog`) takes parameters as text, as a query string
holds them. The form sends them by GET, so a report's URL is its query: it can be shared, bookmarked and
saved. What a person types the Norwegian way (``31.12.2026``, ``10 000,50``) is written the catalogue's
way (``2026-12-31``, ``10000.50``) first, and empty fields are left out, so the URL holds only what was
chosen (:func:`canonical`).

The table is made in Python, cell by cell, from the catalogue's typed columns: amounts with
:func:`~reskontro.web.formatting.amount_formatter` (the same text as everywhere, at a tenth of Babel's
cost per value: a page has thousands), right-aligned, red when negative; party numbers link to the card
and vouchers to the voucher.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

from reskontro.domain.errors import ReskontroError
from reskontro.domain.parties import FreeFieldDef, PartyKind
from reskontro.money import MoneyError
from reskontro.services.report_catalog import FIELD_PREFIX, NET_TOTAL, REPORTS, Param, ReportResult, ReportSpec
from reskontro.services.report_output import Labels
from reskontro.web.formatting import amount_formatter, day
from reskontro.web.forms import parse_amount
from reskontro.web.i18n import N_, Translator
from reskontro.web.posting_forms import parse_day
from reskontro.web.render import Links
from reskontro.web.routes.parties import TYPE_LABELS

#: Rows shown on a report page; the export has them all.
PAGE_ROWS = 500

#: Each report's name and what it shows, in the order of the index page.
REPORT_LABELS: dict[str, tuple[str, str]] = {
    "open-items": (N_("Open items"), N_("Items open at a date: customers, suppliers or one party, filtered by "
                                        "group, currency, due date, amount, dispute, collection, blocks and "
                                        "free fields.")),
    "aged": (N_("Aged open items"), N_("Open amounts per party in aging buckets at any date, by due date or "
                                       "document date, per party or per currency.")),
    "ledger-spec": (N_("Ledger specification"), N_("Per party opening balance, debits, credits and closing "
                                                   "balance for a period, reconciled against the GL control "
                                                   "accounts.")),
    "party-ledger": (N_("Party ledger"), N_("One party's transactions in a period with running balance.")),
    "statement": (N_("Statement"), N_("A party statement: the transactions of a period and the open items at its "
                                      "end; as PDF in the party's language for a window envelope.")),
    "payment-behaviour": (N_("Payment behaviour"), N_("Per customer: invoices paid, share paid late, average days "
                                                      "after due, DSO.")),
    "top-debtors": (N_("Top debtors"), N_("The parties with the largest open balance, with the overdue part.")),
    "transactions": (N_("Transactions"), N_("Every invoice, credit note, payment and adjustment of a period, with "
                                            "its open amount now.")),
    "reconcile": (N_("Reconciliation"), N_("The control accounts of the GL against the open items of the "
                                           "sub-ledgers.")),
}

PARAM_LABELS: dict[str, str] = {
    "as_of": N_("As of"), "kind": N_("Ledger"), "party": N_("Party"), "group": N_("Group"),
    "currency": N_("Currency"), "due_before": N_("Due before"), "min_amount": N_("Open amount from"),
    "max_amount": N_("Open amount up to"), "overdue_only": N_("Overdue only"), "disputed": N_("Disputed"),
    "in_collection": N_("In collection"), "blocked": N_("Party blocked"), "buckets": N_("Buckets (days overdue)"),
    "by": N_("Age by"), "per": N_("One row per"), "top": N_("Only the top"), "date_from": N_("From"),
    "date_to": N_("To"), "n": N_("How many"), "type": N_("Type"),
}

#: The label of each choice of a choice parameter.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "by": {"due_date": N_("Due date"), "document_date": N_("Document date")},
    "per": {"party": N_("Party"), "currency": N_("Party and currency")},
    "type": TYPE_LABELS,
    "kind": {"customer": N_("Customers"), "supplier": N_("Suppliers")},
}

#: Column titles by the catalogue's title (without the currency code or date it may end with, which is kept).
TITLE_LABELS: dict[str, str] = {
    "Number": N_("Number"), "Name": N_("Name"), "Kind": N_("Ledger"), "Document": N_("Document"),
    "Type": N_("Type"), "Voucher": N_("Voucher"), "Date": N_("Date"), "Due date": N_("Due date"),
    "Days overdue": N_("Days overdue"), "KID": N_("KID"), "Currency": N_("Currency"),
    "Amount (currency)": N_("Amount (currency)"), "Open (currency)": N_("Open (currency)"), "Open": N_("Open"),
    "Not due": N_("Not due"), "Total": N_("Total"), "Total (currency)": N_("Total (currency)"),
    "Opening": N_("Opening"), "Debit": N_("Debit"), "Credit": N_("Credit"), "Closing": N_("Closing"),
    "Text": N_("Text"), "Amount": N_("Amount"), "Balance": N_("Balance"), "Invoices paid": N_("Invoices paid"),
    "Paid late": N_("Paid late"), "Share late %": N_("Share late %"),
    "Avg days after due": N_("Average days after due"),
    "Amount-weighted days after due": N_("Amount-weighted days after due"), "Invoiced": N_("Invoiced"),
    "Open at end": N_("Open at end"), "DSO days": N_("DSO days"), "#": "#", "Overdue": N_("Overdue"),
    "Open now": N_("Open now"), "Account": N_("Account"), "Sub-ledger": N_("Sub-ledger"),
    "GL balance": N_("GL balance"), "Open items": N_("Open items"), "Difference": N_("Difference"),
}
#: The figures of the ledger specification's reconciliation.
FIGURE_LABELS: dict[str, str] = {"opening": N_("Opening"), "debit": N_("Debit"), "credit": N_("Credit"),
                                 "closing": N_("Closing")}

#: Words the catalogue writes into rows and totals.
WORDS: dict[str, str] = {
    "Total": N_("Total"), "Opening balance": N_("Balance brought forward"), "Closing balance": N_("Closing balance"),
    NET_TOTAL: N_("Net (customers − suppliers)"),
}

#: Summary lines under a table, by the catalogue's name.
SUMMARY_LABELS: dict[str, str] = {
    "open items": N_("Open items"), "total open": N_("Total open"), "of which overdue": N_("Of which overdue"),
    "DSO": N_("DSO"), "customers total": N_("Customers, total"), "suppliers total": N_("Suppliers, total"),
    "open receivables at the end ÷ invoiced in the period × days in the period":
        N_("open receivables at the end ÷ invoiced in the period × days in the period"),
}

#: The message beside a parameter the catalogue refused, by the parameter's kind.
PARAM_MESSAGES: dict[str, str] = {
    "date": N_("Give a date, e.g. 31.12.2026."),
    "int": N_("Give a whole number above zero."),
    "amount": N_("Give an amount, e.g. 10 000,00."),
    "bool": N_("Choose yes or no."),
    "kind": N_("Choose customers or suppliers."),
    "currency": N_("Use a three-letter currency code, like NOK or EUR."),
    "buckets": N_("Give increasing whole numbers of days separated by commas, like 30,60,90."),
    "choice": N_("Choose one of the options."),
    "text": N_("This field is required."),
    "party": N_("There is no customer or supplier with this number."),
    "period": N_("The period starts after it ends."),
    "required": N_("This field is required."),
    "field": N_("Not a valid value for this field."),
}

_CODE = re.compile(r"\(([A-Z]{3})\)$")
_ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")


def report_title(name: str, t: Translator) -> str:
    spec = REPORTS[name]
    return t.gettext(REPORT_LABELS[name][0]) if name in REPORT_LABELS else spec.title


def report_help(name: str, t: Translator) -> str:
    spec = REPORTS[name]
    return t.gettext(REPORT_LABELS[name][1]) if name in REPORT_LABELS else spec.help


def param_label(name: str, t: Translator, free_fields: Mapping[str, FreeFieldDef] | None = None) -> str:
    if name.startswith(FIELD_PREFIX):
        code = name[len(FIELD_PREFIX):]
        found = (free_fields or {}).get(code)
        return found.label if found else code
    return t.gettext(PARAM_LABELS[name]) if name in PARAM_LABELS else name


def column_title(key: str, title: str, t: Translator, lang: str) -> str:
    """The column's title in the reader's language, keeping the currency code or date of the catalogue's
    title (``Open (NOK)`` → ``Åpent (NOK)``, ``Opening 2026-01-01`` → ``Inngående 01.01.2026``); the aging
    buckets (``1–30``, ``> 90``) read the same in both languages."""
    base, suffix = title, ""
    code = _CODE.search(title)
    if code:
        base, suffix = title[:code.start()].rstrip(), f" ({code.group(1)})"
    else:
        found = _ISO_DAY.search(title)
        if found and found.end() == len(title):
            base, suffix = title[:found.start()].rstrip(), f" {day(date.fromisoformat(found.group(1)), lang)}"
    if base not in TITLE_LABELS:
        return title
    return t.gettext(TITLE_LABELS[base]) + suffix


def word(text: str, t: Translator) -> str:
    return t.gettext(WORDS[text]) if text in WORDS else text


# -- the form --------------------------------------------------------------------------------------------


@dataclass
class FormField:
    """One parameter as the form shows it."""

    name: str
    label: str
    widget: str  # date, text, party, amount, number, buckets, select
    value: str
    options: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""
    required: bool = False
    error: str = ""


@dataclass
class ReportForm:
    spec: ReportSpec
    fields: list[FormField]
    free_fields: list[FormField]
    errors: dict[str, str]
    problem: str = ""


def canonical(spec: ReportSpec, pairs: Iterable[tuple[str, str]], lang: str) -> dict[str, str]:
    """The parameters of a submitted form as the catalogue reads them: empty ones left out, dates and
    amounts typed the Norwegian way written ISO and plain; what cannot be read is kept for the catalogue to
    refuse by name. Names the report does not take are kept too (the catalogue names them)."""
    kinds = {p.name: p.kind for p in spec.params}
    out: dict[str, str] = {}
    for name, raw in pairs:
        value = raw.strip()
        if not value:
            out.pop(name, None)
            continue
        kind = kinds.get(name)
        try:
            if kind == "date" and value.lower() != "today":
                value = parse_day(value).isoformat()
            elif kind == "amount":
                value = str(parse_amount(value, lang))
            elif kind == "currency":
                value = value.upper()
            elif kind in ("kind", "bool"):
                value = value.lower()
            elif kind == "buckets":
                value = value.replace(" ", "").replace(";", ",")
        except (ValueError, MoneyError, InvalidOperation):
            pass
        out[name] = value
    return out


def _today_hint(p: Param, t: Translator, lang: str, today: date) -> str:
    if p.default == "today":
        return t.gettext("Blank: today (%(day)s)", day=day(today, lang))
    if p.name == "date_from":
        return t.gettext("Blank: 1 January of the end date's year")
    return ""


def build_form(spec: ReportSpec, raw: Mapping[str, str], errors: Mapping[str, str], t: Translator, *,
               today: date, groups: Sequence[tuple[str, str]], currencies: Sequence[str],
               free_fields: Sequence[FreeFieldDef], problem: str = "") -> ReportForm:
    """The filter form of a report, filled with ``raw`` (as submitted), with ``errors`` beside the fields."""
    lang = t.lang
    all_label = t.gettext("All")
    fields: list[FormField] = []
    for p in spec.params:
        value = raw.get(p.name, "")
        f = FormField(p.name, param_label(p.name, t), "text", value, required=p.required,
                      error=errors.get(p.name, ""))
        if p.kind == "date":
            f.widget, f.hint = "date", _today_hint(p, t, lang, today)
        elif p.kind == "kind":
            names = CHOICE_LABELS["kind"]
            if p.default is None:
                f.widget = "select"
                f.options = [("", t.gettext("Both")), *((k, t.gettext(v)) for k, v in names.items())]
            else:
                f.widget = "select"
                f.options = [("", t.gettext(names[p.default]))] + [(k, t.gettext(v)) for k, v in names.items()
                                                                   if k != p.default]
                if value == p.default:
                    f.value = ""
        elif p.kind == "bool":
            f.widget = "select"
            yes, no = t.gettext("Yes"), t.gettext("No")
            if p.default is None:
                f.options = [("", all_label), ("yes", yes), ("no", no)]
            else:  # blank is the default: the URL stays short
                default = "yes" if p.default == "yes" else "no"
                f.options = [("", yes if default == "yes" else no), ("no" if default == "yes" else "yes",
                                                                     no if default == "yes" else yes)]
                if value == default:
                    f.value = ""
        elif p.kind == "choice":
            f.widget = "select"
            names = CHOICE_LABELS.get(p.name, {})
            shown = [(c, t.gettext(names[c]) if c in names else c) for c in p.choices]
            if p.default is None:
                f.options = [("", all_label), *shown]
            else:
                f.options = [("" if c == p.default else c, label) for c, label in shown]
                if value == p.default:
                    f.value = ""
        elif p.kind == "currency":
            f.widget = "select"
            f.options = [("", all_label), *((c, c) for c in currencies)]
            if value and value not in currencies:
                f.options.append((value, value))
        elif p.name == "group":
            f.widget = "select"
            f.options = [("", all_label), *((code, f"{code} {name}") for code, name in groups)]
            if value and value not in {code for code, _ in groups}:
                f.options.append((value, value))
        elif p.name == "party":
            f.widget = "party"
            f.hint = t.gettext("Number; type a name to search") if not p.required else ""
        elif p.kind == "amount":
            f.widget = "amount"
        elif p.kind == "int":
            f.widget = "number"
            if p.default:
                f.hint = t.gettext("Blank: %(n)s", n=p.default)
        elif p.kind == "buckets":
            f.widget, f.hint = "buckets", t.gettext("Blank: %(n)s", n=p.default or "")
        fields.append(f)
    extra: list[FormField] = []
    if spec.free_fields:
        for d in free_fields:
            name = f"{FIELD_PREFIX}{d.code}"
            f = FormField(name, d.label, "text", raw.get(name, ""), error=errors.get(name, ""))
            if d.choices:
                f.widget, f.options = "select", [("", all_label), *((c, c) for c in d.choices)]
            extra.append(f)
    return ReportForm(spec, fields, extra, dict(errors), problem)


def refusal(spec: ReportSpec, exc: ReskontroError) -> tuple[str, str] | None:
    """(parameter, untranslated message) for a refusal the form can show beside a field; None otherwise."""
    name = exc.field or ""
    params = {p.name: p for p in spec.params}
    if name == "party" and exc.code == "not_found":
        return name, PARAM_MESSAGES["party"]
    if name == "date_from" and "after it ends" in exc.message:
        return name, PARAM_MESSAGES["period"]
    if name in params:
        p = params[name]
        if exc.message.startswith("report ") and " needs " in exc.message:
            return name, PARAM_MESSAGES["required"]
        return name, PARAM_MESSAGES.get(p.kind, PARAM_MESSAGES["text"])
    if name.startswith(FIELD_PREFIX) or name.startswith("free_field"):
        return (name if name.startswith(FIELD_PREFIX) else FIELD_PREFIX + name.split(".", 1)[-1]), \
            PARAM_MESSAGES["field"]
    return None


# -- the table -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    css: str = ""
    href: str | None = None
    #: The text is made here from a number or a date (digits, spaces, signs): it needs no escaping.
    plain: bool = False


@dataclass
class Table:
    """The rows of a page (at most :data:`PAGE_ROWS`), with the totals when every row was read."""

    titles: list[tuple[str, bool]]  # title, numeric
    rows: list[list[Cell]]
    totals: list[Cell] | None
    shown: int
    total_rows: int | None  # None: more than shown, how many is not counted
    more: bool

    def body_html(self) -> Markup:
        """The ``<tr>`` rows of the table body, made in Python: a page has up to 7 000 cells, and a template loop
        over them costs a fifth of the page's time. Every text and link is escaped."""
        out: list[str] = []
        add = out.append
        for row in self.rows:
            add("<tr>")
            for c in row:
                text = c.text if c.plain else escape(c.text)
                if c.href:
                    add(f'<td class="{escape(c.css)}"><a href="{escape(c.href)}">{text}</a></td>' if c.css else
                        f'<td><a href="{escape(c.href)}">{text}</a></td>')
                elif c.plain:
                    add(f'<td class="{c.css}">{text}</td>')  # the formatter's own classes and text
                else:
                    add(f'<td class="{escape(c.css)}">{text}</td>' if c.css else f"<td>{text}</td>")
            add("</tr>\n")
        return Markup("".join(out))


_NUMERIC = {"amount", "rate", "integer"}


class Formatter:
    """Cells of one page: the language's number and date formats, the labels of codes, links."""

    def __init__(self, t: Translator, links: Links, *, kind: str | None) -> None:
        self.t = t
        self.lang = t.lang
        self.money = amount_formatter(self.lang)
        self.links = links
        self.kind = kind
        self.kind_labels = {k: t.gettext(v) for k, v in {"customer": N_("Customer"),
                                                         "supplier": N_("Supplier")}.items()}
        self.type_labels = {k: t.gettext(v) for k, v in TYPE_LABELS.items()}
        self.words = {k: t.gettext(v) for k, v in WORDS.items()}

    def cells(self, columns: Sequence[tuple[str, str]], row: Mapping[str, Any], *, totals: bool = False
              ) -> list[Cell]:
        out: list[Cell] = []
        money, lang = self.money, self.lang
        for key, kind in columns:
            value = row.get(key)
            if value is None:
                out.append(Cell(""))
            elif kind in _NUMERIC:
                neg = value < 0
                out.append(Cell(money(value), "num neg" if neg else "num", None, True))
            elif kind == "date":
                out.append(Cell(value.strftime("%d.%m.%Y") if lang == "nb" else value.isoformat(), "nowrap", None,
                                True))
            elif kind == "bool":
                out.append(Cell(self.t.gettext("Yes") if value else self.t.gettext("No")))
            elif totals:
                out.append(Cell(self.words.get(value, str(value)), "strong"))
            elif key == "party_number":
                party_kind = row.get("kind") or self.kind
                href = self.links.party(party_kind, value) if party_kind in ("customer", "supplier") else None
                out.append(Cell(value, "nowrap", href))
            elif key == "voucher":
                out.append(Cell(value, "nowrap", self.links.voucher(value)))
            elif key == "kind":
                out.append(Cell(self.kind_labels.get(value, value)))
            elif key == "type":
                out.append(Cell(self.type_labels.get(value, value)))
            elif key == "description":
                out.append(Cell(self.words.get(value, value), "truncate"))
            else:
                out.append(Cell(str(value)))
        return out


def read_rows(result: ReportResult, limit: int | None = None) -> tuple[list[Mapping[str, Any]], bool, int | None]:
    """The first ``limit`` rows (default :data:`PAGE_ROWS`), whether there are more, and how many there are
    when that is known without reading them (a list); a stream is read one row past the limit and then closed,
    never to its end."""
    limit = PAGE_ROWS if limit is None else limit
    rows = result.rows
    if isinstance(rows, list):
        result.close()
        return rows[:limit], len(rows) > limit, len(rows)
    iterator = iter(rows)
    taken: list[Mapping[str, Any]] = []
    more = False
    try:
        for row in iterator:
            if len(taken) == limit:
                more = True
                break
            taken.append(row)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
        result.close()
    return taken, more, None if more else len(taken)


def build_table(result: ReportResult, fmt: Formatter, *, limit: int | None = None) -> Table:
    columns = [(c.key, c.kind.value) for c in result.columns]
    titles = [(column_title(c.key, c.title, fmt.t, fmt.lang), c.kind.value in _NUMERIC) for c in result.columns]
    rows, more, total = read_rows(result, limit)
    body = [fmt.cells(columns, r) for r in rows]
    totals = None
    # A stream's totals are whole once every row was read, or when they come from the maintained totals.
    if result.totals and (total is not None or result.totals_whole):
        totals = fmt.cells(columns, result.totals, totals=True)
    return Table(titles, body, totals, len(rows), total, more)


# -- summary lines ---------------------------------------------------------------------------------------


@dataclass
class Reconciliation:
    """The ledger specification's check: each GL control account, the sub-ledger, and the difference."""

    keys: tuple[str, ...]
    accounts: list[tuple[str, dict[str, Decimal]]]
    subledger: dict[str, Decimal]
    difference: dict[str, Decimal]

    @property
    def agrees(self) -> bool:
        return all(v == 0 for v in self.difference.values())

    @property
    def gl_total(self) -> dict[str, Decimal]:
        return {k: sum((figures.get(k, Decimal(0)) for _, figures in self.accounts), Decimal(0)) for k in self.keys}


_FIGURE = re.compile(r"(opening|debit|credit|closing) (-?[0-9.]+)")


def reconciliation(result: ReportResult) -> Reconciliation | None:
    """The GL reconciliation of a ledger specification, read from its summary lines and totals."""
    if result.name != "ledger-spec" or result.totals is None:
        return None
    keys = ("opening", "debit", "credit", "closing")
    accounts: list[tuple[str, dict[str, Decimal]]] = []
    difference: dict[str, Decimal] = {}
    for name, value in result.summary:
        if name.startswith("GL "):
            accounts.append((name[3:], {k: Decimal(v) for k, v in _FIGURE.findall(value)}))
        elif name.startswith("difference "):
            difference[name.split()[1]] = Decimal(value)
    subledger = {k: result.totals[k] for k in keys}
    return Reconciliation(keys, accounts, subledger, difference)


def summary_lines(result: ReportResult, t: Translator) -> list[tuple[str, str, str]]:
    """(label, value, css) of the summary lines the page shows (the ledger specification has its own table)."""
    if result.name == "ledger-spec":
        return []
    money = amount_formatter(t.lang)
    out = []
    for name, value in result.summary:
        label = t.gettext(SUMMARY_LABELS[name]) if name in SUMMARY_LABELS else name
        try:
            number = Decimal(value)
        except InvalidOperation:
            out.append((label, t.gettext(SUMMARY_LABELS[value]) if value in SUMMARY_LABELS else value, ""))
            continue
        out.append((label, money(number), "num neg" if number < 0 else "num"))
    return out


def labels_for(t: Translator) -> Labels:
    """The file labels (xlsx, PDF) in the reader's language."""
    lang = t.lang

    def summary(result: ReportResult) -> list[tuple[str, str]]:
        money = amount_formatter(lang)
        lines = []
        for name, value in result.summary:
            if name.startswith("GL "):
                shown = "  ".join(f"{t.gettext(FIGURE_LABELS[k])} {money(Decimal(v))}"
                                  for k, v in _FIGURE.findall(value))
                lines.append((t.gettext("GL account %(account)s", account=name[3:]), shown))
            elif name.startswith("difference "):
                key = name.split()[1]
                lines.append((t.gettext("Difference GL − sub-ledger, %(what)s", what=t.gettext(FIGURE_LABELS[key])),
                              money(Decimal(value))))
            else:
                label = t.gettext(SUMMARY_LABELS[name]) if name in SUMMARY_LABELS else name
                try:
                    lines.append((label, money(Decimal(value))))
                except InvalidOperation:
                    lines.append((label, t.gettext(SUMMARY_LABELS[value]) if value in SUMMARY_LABELS else value))
        return lines

    return Labels(column=lambda key, title: column_title(key, title, t, lang),
                  title=lambda result: heading(result, t),
                  parameter=lambda name: param_label(name, t),
                  word=lambda text: word(text, t), summary=summary)


def heading(result: ReportResult, t: Translator) -> str:
    """The report's title with its date or period: "Aldersfordelt saldoliste per 30.06.2026"."""
    lang = t.lang
    shown = dict(result.parameters)
    title = report_title(result.name, t) if result.name in REPORTS else result.title
    if "party" in shown and result.name in ("party-ledger", "statement"):
        title = f"{title} {shown['party']}"
    if "as_of" in shown:
        return t.gettext("%(title)s as of %(day)s", title=title, day=_day(shown["as_of"], lang))
    if "date_to" in shown:
        start = shown.get("date_from") or f"{shown['date_to'][:4]}-01-01"
        return f"{title} {_day(start, lang)}–{_day(shown['date_to'], lang)}"
    return title


def _day(iso: str, lang: str) -> str:
    try:
        return day(date.fromisoformat(iso), lang)
    except ValueError:
        return iso


def party_kind_of(result_kind: str | None, name: str) -> str | None:
    """The kind of the parties in a report's rows when the rows do not say (payment behaviour: customers)."""
    if name == "payment-behaviour":
        return PartyKind.CUSTOMER.value
    return result_kind
