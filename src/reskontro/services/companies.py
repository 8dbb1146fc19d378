"""Companies: creation with the Norwegian standard chart (NS 4102) and VAT codes, periods, rates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from reskontro.domain.errors import AlreadyExists, NotFound, PeriodClosed, ValidationFailed
from reskontro.domain.kid_scheme import KidScheme
from reskontro.domain.periods import Period
from reskontro.identifiers import orgnr
from reskontro.money import MoneyError, check_currency, to_decimal
from reskontro.services import reminders
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store.repositories import Company as Company  # re-exported: the interfaces name it from here

#: The part of NS 4102 this module posts to: (number, name, type, control kind).
STANDARD_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("1500", "Kundefordringer", "asset", "customer"),
    ("1530", "Opptjent, ikke fakturert driftsinntekt", "asset", None),
    ("1550", "Kundefordringer, konsern", "asset", "customer"),
    ("1580", "Avsetning tap på kundefordringer", "asset", None),
    ("1920", "Bankinnskudd", "asset", None),
    ("1950", "Bankinnskudd for skattetrekk", "asset", None),
    ("2050", "Annen egenkapital", "equity", None),
    ("2400", "Leverandørgjeld", "liability", "supplier"),
    ("2460", "Leverandørgjeld, konsern", "liability", "supplier"),
    ("2700", "Utgående merverdiavgift", "liability", None),
    ("2710", "Inngående merverdiavgift", "liability", None),
    ("2740", "Oppgjørskonto merverdiavgift", "liability", None),
    ("2900", "Annen kortsiktig gjeld", "liability", None),
    ("2980", "Mellomregning inngående balanse / migrering", "liability", None),
    ("2990", "Mellomregning / uavklarte innbetalinger", "liability", None),
    ("3000", "Salgsinntekt, avgiftspliktig", "income", None),
    ("3100", "Salgsinntekt, avgiftsfri", "income", None),
    ("3200", "Salgsinntekt, utenfor avgiftsområdet", "income", None),
    ("3900", "Annen driftsrelatert inntekt", "income", None),
    ("3910", "Purregebyr", "income", None),
    ("3920", "Inkassogebyr", "income", None),
    ("4000", "Innkjøp av råvarer og halvfabrikata", "expense", None),
    ("4300", "Innkjøp av varer for videresalg", "expense", None),
    ("6300", "Leie lokale", "expense", None),
    ("6540", "Inventar", "expense", None),
    ("6700", "Fremmed tjeneste", "expense", None),
    ("6800", "Kontorrekvisita", "expense", None),
    ("6900", "Telefon, internett", "expense", None),
    ("7140", "Reisekostnad", "expense", None),
    ("7770", "Bank- og kortgebyrer", "expense", None),
    ("7830", "Tap på fordringer", "expense", None),
    ("8040", "Renteinntekt", "income", None),
    ("8050", "Forsinkelsesrente, inntekt", "income", None),
    ("8060", "Valutagevinst (agio)", "income", None),
    ("8140", "Rentekostnad", "expense", None),
    ("8150", "Forsinkelsesrente, kostnad", "expense", None),
    ("8160", "Valutatap (disagio)", "expense", None),
)

#: VAT codes: (code, description, rate %, account, direction, SAF-T standard tax code).
STANDARD_VAT_CODES: tuple[tuple[str, str, str, str | None, str, str], ...] = (
    ("0", "Ingen mva-behandling", "0", None, "none", "0"),
    ("1", "Fradrag inngående mva, alminnelig sats", "25", "2710", "input", "1"),
    ("11", "Fradrag inngående mva, middels sats", "15", "2710", "input", "11"),
    ("13", "Fradrag inngående mva, lav sats", "12", "2710", "input", "13"),
    ("3", "Utgående mva, alminnelig sats", "25", "2700", "output", "3"),
    ("31", "Utgående mva, middels sats", "15", "2700", "output", "31"),
    ("33", "Utgående mva, lav sats", "12", "2700", "output", "33"),
    ("5", "Omsetning fritatt for mva (nullsats)", "0", None, "output", "5"),
    ("6", "Omsetning utenfor mva-loven", "0", None, "output", "6"),
    ("52", "Utførsel av varer og tjenester (nullsats)", "0", None, "output", "52"),
)

DEFAULT_COMPANY_NAME = "Mitt Firma AS"


def init_company(*, uow: UnitOfWork, name: str = DEFAULT_COMPANY_NAME, org_number: str | None = None,
                 currency: str = "NOK") -> int:
    """Create a company with the standard accounts and VAT codes; return its id.

    A second company with the same org number is refused.
    """
    if not name.strip():
        raise ValidationFailed("a company needs a name", field="company_name")
    org = None
    if org_number:
        try:
            org = orgnr.validate(org_number)
        except orgnr.ValidationError as exc:
            raise ValidationFailed(f"org number {org_number!r} is not valid ({exc})", field="org_number") from None
    try:
        currency = check_currency(currency)
    except MoneyError as exc:
        raise ValidationFailed(str(exc), field="currency") from None
    with uow:
        if org and uow.repo.company_by_org(org):
            raise AlreadyExists(f"a company with org number {org} already exists", field="org_number")
        company_id = uow.repo.insert_company({
            "name": name.strip(), "org_number": org, "currency": currency,
            "customer_control_account": "1500", "supplier_control_account": "2400", "bank_account": "1920",
            "opening_balance_account": "2980", "fx_gain_account": "8060", "fx_loss_account": "8160",
            "write_off_account": "7830", "sales_account": "3000", "purchase_account": "4000"})
        uow.repo.insert_rows("accounts", [
            {"company_id": company_id, "number": n, "name": nm, "account_type": ty, "control_kind": ck}
            for n, nm, ty, ck in STANDARD_ACCOUNTS])
        uow.repo.insert_rows("vat_codes", [
            {"company_id": company_id, "code": c, "description": d, "rate_hundredths": int(Decimal(r) * 100),
             "account": a, "direction": di, "saft_code": s} for c, d, r, a, di, s in STANDARD_VAT_CODES])
        uow.repo.audit(company_id, "company", company_id, "create", [("name", None, name.strip())])
        reminders.seed_defaults(uow, company_id)
        uow.commit()
    return company_id


def get_company(*, uow: UnitOfWork, company_id: int) -> Company:
    with uow:
        return uow.repo.company(company_id)


def list_companies(*, uow: UnitOfWork) -> list[Company]:
    with uow:
        return uow.repo.companies()


def companies_by_ids(*, uow: UnitOfWork, company_ids: Iterable[int]) -> list[Company]:
    """The companies with these ids (a user's, say), by name; ids of no company are left out."""
    found = []
    with uow:
        for company_id in sorted(set(company_ids)):
            try:
                found.append(uow.repo.company(company_id))
            except NotFound:
                continue
    return sorted(found, key=lambda c: (c.name.lower(), c.company_id))


def set_kid_scheme(*, uow: UnitOfWork, company_id: int, algorithm: str | None, length: int | None = None,
                   source: str = "invoice", customer_digits: int | None = None) -> KidScheme | None:
    """Set the KID scheme of the company's OCR agreement (``algorithm`` None: customer invoices get no KID made).

    From then on every customer invoice posted without a KID gets one, and a KID given on one must have the
    scheme's length and check digit.
    """
    scheme = None
    if algorithm is not None:
        if length is None:
            raise ValidationFailed("a KID scheme needs its length", field="kid_length")
        scheme = KidScheme(algorithm.lower(), length, source, customer_digits)  # type: ignore[arg-type]
    with uow:
        before = uow.repo.company(company_id).kid_scheme()
        values = {"kid_algorithm": scheme.algorithm if scheme else None,
                  "kid_length": scheme.length if scheme else None,
                  "kid_source": scheme.source if scheme else None,
                  "kid_customer_digits": scheme.customer_digits if scheme else None}
        uow.repo.update_company(company_id, values)
        uow.repo.audit(company_id, "company", company_id, "kid_scheme",
                       [("kid_scheme", _scheme_text(before), _scheme_text(scheme))])
        uow.commit()
    return scheme


def _scheme_text(scheme: KidScheme | None) -> str | None:
    if scheme is None:
        return None
    digits = f", customer {scheme.customer_digits} digits" if scheme.customer_digits else ""
    return f"{scheme.algorithm} {scheme.length} from {scheme.source}{digits}"


def set_suspense_account(*, uow: UnitOfWork, company_id: int, account: str) -> None:
    """The GL account bank payments that no one can place are parked on (2990 by default)."""
    with uow:
        before = uow.repo.company(company_id).suspense_account
        if account not in uow.repo.account_numbers(company_id):
            raise ValidationFailed(f"account {account} does not exist", field="account")
        uow.repo.update_company(company_id, {"suspense_account": account})
        uow.repo.audit(company_id, "company", company_id, "update", [("suspense_account", before, account)])
        uow.commit()


def close_period(*, uow: UnitOfWork, company_id: int, period: Period) -> None:
    """Close a month: nothing posts into it afterwards."""
    with uow:
        uow.repo.company(company_id)
        uow.repo.set_period_status(company_id, period.year, period.month, "closed")
        uow.repo.audit(company_id, "period", str(period), "close", [("status", "open", "closed")])
        uow.commit()


def reopen_period(*, uow: UnitOfWork, company_id: int, period: Period) -> None:
    with uow:
        uow.repo.company(company_id)
        uow.repo.set_period_status(company_id, period.year, period.month, "open")
        uow.repo.audit(company_id, "period", str(period), "reopen", [("status", "closed", "open")])
        uow.commit()


def check_open(uow: UnitOfWork, company_id: int, day: date) -> None:
    """Raise :class:`PeriodClosed` when the day's month is closed (inside a service's unit of work)."""
    if uow.repo.period_status(company_id, day.year, day.month) == "closed":
        raise PeriodClosed(f"period {Period.of(day)} is closed; nothing can be posted on {day.isoformat()}",
                           field="date")


def set_rate(*, uow: UnitOfWork, company_id: int, currency: str, on: date, rate: str | Decimal) -> None:
    """Record an exchange rate (company currency per unit of ``currency``) valid from ``on``."""
    try:
        currency = check_currency(currency)
        value = to_decimal(rate)
    except MoneyError as exc:
        raise ValidationFailed(str(exc), field="rate") from None
    if value <= 0:
        raise ValidationFailed(f"rate {rate} must be positive", field="rate")
    with uow:
        uow.repo.company(company_id)
        uow.repo.set_rate(company_id, currency, on, value)
        uow.repo.audit(company_id, "currency_rate", f"{currency}@{on.isoformat()}", "set", [("rate", None, value)])
        uow.commit()
