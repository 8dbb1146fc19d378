"""Roles and the one authorisation check: read_only reads, accountant writes, admin grants; strangers see nothing."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from reskontro.domain.access import (
    Forbidden,
    Principal,
    Role,
    require,
    validate_idempotency_key,
    validate_password,
    validate_username,
)
from reskontro.domain.errors import NotFound, ReskontroError, ValidationFailed

OWN, OTHER = 1, 2


def someone(role: Role) -> Principal:
    return Principal(user_id=7, username="kari", roles=MappingProxyType({OWN: role}))


@pytest.mark.parametrize(("role", "write", "admin"), [
    (Role.READ_ONLY, False, False),
    (Role.ACCOUNTANT, True, False),
    (Role.ADMIN, True, True),
])
def test_each_role_allows_exactly_its_rights(role: Role, write: bool, admin: bool) -> None:
    assert (role.can_write, role.can_admin) == (write, admin)
    p = someone(role)
    assert require(p, OWN) is role
    for needs_write, needs_admin, allowed in ((True, False, write), (False, True, admin)):
        if allowed:
            assert require(p, OWN, write=needs_write, admin=needs_admin) is role
        else:
            with pytest.raises(Forbidden) as exc:
                require(p, OWN, write=needs_write, admin=needs_admin)
            assert exc.value.code == "forbidden"
            assert exc.value.field == "role"
            assert role.value in str(exc.value)


def test_a_company_without_membership_looks_exactly_like_a_missing_one() -> None:
    with pytest.raises(NotFound) as exc:
        require(someone(Role.ADMIN), OTHER)
    assert exc.value.field == "company"
    assert str(exc.value) == "field 'company': company 2 does not exist"


def test_the_principal_knows_its_role_per_company() -> None:
    p = Principal(user_id=1, username="ola", roles={OWN: Role.ADMIN, OTHER: Role.READ_ONLY})
    assert (p.role_in(OWN), p.role_in(OTHER), p.role_in(3)) == (Role.ADMIN, Role.READ_ONLY, None)


def test_forbidden_is_a_reskontro_error_so_every_interface_maps_it() -> None:
    assert issubclass(Forbidden, ReskontroError)


def test_roles_are_stored_as_lowercase_codes_and_parsed_leniently() -> None:
    assert [r.value for r in Role] == ["admin", "accountant", "read_only"]
    assert Role.parse(" Accountant ") is Role.ACCOUNTANT
    assert Role.parse(Role.ADMIN) is Role.ADMIN
    with pytest.raises(ValidationFailed) as exc:
        Role.parse("owner")
    assert exc.value.field == "role"


@pytest.mark.parametrize("name", ["ab", "a" * 101, "kari nordmann", "kåre", "ola/1", ""])
def test_a_username_is_3_to_100_of_a_small_alphabet(name: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_username(name)
    assert exc.value.field == "username"


def test_a_username_is_lowercased() -> None:
    assert validate_username(" Kari.Nordmann@Firma-1.no ") == "kari.nordmann@firma-1.no"
    assert validate_username("o_l") == "o_l"


def test_a_password_has_at_least_ten_characters() -> None:
    assert validate_password("x" * 10) == "x" * 10
    for bad in ("x" * 9, "x" * 1025):
        with pytest.raises(ValidationFailed) as exc:
            validate_password(bad)
        assert exc.value.field == "password"


@pytest.mark.parametrize("key", ["", "k" * 256, "ключ", "tab\there", "new\nline"])
def test_an_idempotency_key_is_1_to_255_printable_ascii_characters(key: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_idempotency_key(key)
    assert exc.value.field == "Idempotency-Key"


def test_a_uuid_or_any_printable_ascii_is_a_good_idempotency_key() -> None:
    for key in ("6f1c0e1e-0c3b-4bb5-9a1e-2b0f5d3c9a10", "k" * 255, "~ !x"):
        assert validate_idempotency_key(key) == key
