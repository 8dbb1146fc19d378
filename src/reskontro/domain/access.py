"""Who may do what in which company: roles, the signed-in principal and the one authorisation check.

A user is global (one person can keep the books of several companies); what they may do is a
*role per company*:

=============  =====  =====  ======
role           read   write  admin
=============  =====  =====  ======
``read_only``  yes    no     no
``accountant`` yes    yes    no
``admin``      yes    yes    yes
=============  =====  =====  ======

*Write* is every change to the ledger and the party cards; *admin* is granting roles in the
company. :func:`require` is the single check every interface calls. A user with no role in a
company gets the same :class:`~reskontro.domain.errors.NotFound` as for a company that does not
exist, so nobody can probe which company ids are in use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from reskontro.domain.errors import NotFound, ReskontroError, ValidationFailed

USERNAME_PATTERN = re.compile(r"[a-z0-9._@-]{3,100}")
MIN_PASSWORD_LENGTH = 10
#: Longer than any pass phrase; refuses megabyte "passwords" sent to make hashing expensive.
MAX_PASSWORD_LENGTH = 1024
MAX_IDEMPOTENCY_KEY_LENGTH = 255


class Forbidden(ReskontroError):
    """The user has a role in the company, but not one that allows this."""

    code = "forbidden"


class Role(StrEnum):
    ADMIN = "admin"
    ACCOUNTANT = "accountant"
    READ_ONLY = "read_only"

    @property
    def can_write(self) -> bool:
        return self in (Role.ADMIN, Role.ACCOUNTANT)

    @property
    def can_admin(self) -> bool:
        return self is Role.ADMIN

    @classmethod
    def parse(cls, value: Role | str) -> Role:
        """A role from its code; anything else names the field ``role``."""
        try:
            return cls(value.strip().lower() if isinstance(value, str) else value)
        except ValueError:
            raise ValidationFailed(f"role {value!r} must be one of {', '.join(r.value for r in cls)}",
                                   field="role") from None


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user and their role in each company (company id -> role)."""

    user_id: int
    username: str
    roles: Mapping[int, Role]

    def role_in(self, company_id: int) -> Role | None:
        return self.roles.get(company_id)


def require(principal: Principal, company_id: int, *, write: bool = False, admin: bool = False) -> Role:
    """The principal's role in the company, if it allows the action; else NotFound or Forbidden.

    No role at all raises the very NotFound a missing company raises (``field="company"``).
    """
    role = principal.role_in(company_id)
    if role is None:
        raise NotFound(f"company {company_id} does not exist", field="company")
    if admin and not role.can_admin:
        raise Forbidden(f"{principal.username} is {role.value} in company {company_id}; this needs admin",
                        field="role")
    if write and not role.can_write:
        raise Forbidden(f"{principal.username} is {role.value} in company {company_id}; this needs accountant "
                        f"or admin", field="role")
    return role


def validate_username(username: str) -> str:
    """The canonical (lower-case) user name: 3–100 of ``a-z 0-9 . _ @ -``."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        raise ValidationFailed(f"user name {username!r} must be 3–100 characters of a-z, 0-9 and . _ @ -",
                               field="username")
    return name


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"a password may have at most {MAX_PASSWORD_LENGTH} characters", field="password")
    return password


def validate_idempotency_key(key: str) -> str:
    """An ``Idempotency-Key`` is 1–255 printable ASCII characters (space to tilde)."""
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise ValidationFailed(f"must be 1–{MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters",
                               field="Idempotency-Key")
    return key
