"""Every broken rule is a named exception under :class:`ReskontroError`.

Each class has a stable ``code`` (used by the API's problem+json and by tests) and a message that
names the field, row or element at fault. The CLI prints the message on one line and exits
with :attr:`ReskontroError.exit_code`.
"""

from __future__ import annotations


class ReskontroError(Exception):
    """Root of all domain errors."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{prefix}{self.message}"


class ValidationFailed(ReskontroError):
    """A value does not pass validation (org number, KID, bank account, e-mail...)."""

    code = "invalid_value"


class NotFound(ReskontroError):
    code = "not_found"


class AlreadyExists(ReskontroError):
    code = "already_exists"


class DuplicateDocument(AlreadyExists):
    code = "duplicate_document"


class CurrencyMismatch(ReskontroError):
    code = "currency_mismatch"


class Unbalanced(ReskontroError):
    code = "unbalanced_voucher"


class PeriodClosed(ReskontroError):
    code = "period_closed"


class OverAllocation(ReskontroError):
    code = "over_allocation"


class MatchRefused(ReskontroError):
    """Two items cannot be matched (different parties, same sign, already closed...)."""

    code = "match_refused"


class AlreadyReversed(ReskontroError):
    code = "already_reversed"


class ImportFailed(ReskontroError):
    """An import file has problems; nothing was posted. ``problems`` lists every one of them."""

    code = "import_failed"

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join([self.message, *self.problems])


class ConcurrentUpdate(ReskontroError):
    """Another transaction changed the same record; try again."""

    code = "concurrent_update"
