"""``reskontro user``: make a user, give a role, issue a token shown once, list and revoke — from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from argon2 import profiles
from typer.testing import CliRunner

from reskontro.cli import app as cli_app
from reskontro.cli.app import app, main_options
from reskontro.cli.users import users_app
from reskontro.services import access

runner = CliRunner()

# The root options (--database, --company) as `reskontro` has them, with users_app mounted as `user`.
root = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
root.callback()(main_options)
root.add_typer(users_app, name="user")

PASSWORD = "a long enough secret"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RESKONTRO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("RESKONTRO_USER", "cli-tester")
    monkeypatch.delenv("RESKONTRO_COMPANY", raising=False)
    monkeypatch.setattr(cli_app.console, "width", 200)
    monkeypatch.setattr(access, "HASH_PARAMETERS", profiles.CHEAPEST)
    assert runner.invoke(app, ["init", "--company-name", "Fjordlys AS"]).exit_code == 0
    return tmp_path


def user(*args: str, code: int = 0, input: str | None = None) -> str:
    result = runner.invoke(root, ["user", *args], input=input)
    assert result.exit_code == code, result.output
    return result.output


def test_add_grant_and_list_users(env: Path) -> None:
    assert "Created user kari" in user("add", "Kari", "--display-name", "Kari Nordmann", "--password-stdin",
                                       input=PASSWORD + "\n")
    user("add", "ola", input=f"{PASSWORD}\n{PASSWORD}\n")  # asked twice, hidden
    assert "kari is accountant in company 1" in user("grant", "kari", "--company", "1", "--role", "accountant")
    user("grant", "ola", "--company", "1", "--role", "read_only")
    listed = user("list")
    assert "Kari Nordmann" in listed
    assert "1: accountant" in listed
    assert "1: read_only" in listed
    user("revoke", "ola", "--company", "1")
    assert "1: read_only" not in user("list")


def test_a_password_typed_twice_must_match(env: Path) -> None:
    out = user("add", "kari", input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert "do not match" in out
    assert "Created user kari" in out


def test_a_token_is_printed_once_and_listed_only_by_its_prefix(env: Path) -> None:
    user("add", "kari", "--password-stdin", input=PASSWORD + "\n")
    out = user("token", "kari", "--name", "ERP-integrasjon", "--expires-days", "30")
    token = next(line for line in out.splitlines() if line.startswith("rsk_"))
    assert "only time the token is shown" in out
    listed = user("tokens", "kari")
    assert "ERP-integrasjon" in listed
    assert token[:8] in listed
    assert token not in listed
    assert "revoked" in user("revoke-token", "kari", "1")
    assert access.authenticate_token(uow=cli_app.state.app().uow(), token=token) is None


@pytest.mark.parametrize(("args", "message"), [
    (("add", "kari", "--password-stdin"), "field 'password'"),
    (("add", "x", "--password-stdin"), "field 'username'"),
    (("grant", "nobody", "--company", "1", "--role", "admin"), "user 'nobody' does not exist"),
    (("grant", "kari", "--company", "99", "--role", "admin"), "company 99 does not exist"),
    (("revoke-token", "kari", "42"), "kari has no token 42"),
])
def test_bad_input_prints_one_clear_line_and_exits_1(env: Path, args: tuple[str, ...], message: str) -> None:
    user("add", "kari", "--password-stdin", input=PASSWORD + "\n")
    out = user(*args, code=1, input="short\n")
    assert "error:" in out
    assert message in out
    assert "Traceback" not in out


def test_a_role_outside_the_three_is_refused_by_the_option(env: Path) -> None:
    user("add", "kari", "--password-stdin", input=PASSWORD + "\n")
    assert "owner" in user("grant", "kari", "--company", "1", "--role", "owner", code=2)


def test_a_disabled_user_is_shown_as_such_and_can_be_enabled(env: Path) -> None:
    user("add", "kari", "--password-stdin", input=PASSWORD + "\n")
    user("disable", "kari")
    assert "disabled" in user("list")
    user("enable", "kari")
    assert "active" in user("list")
    user("password", "kari", "--password-stdin", input="another long secret\n")
    assert access.authenticate_password(uow=cli_app.state.app().uow(), username="kari",
                                        password="another long secret") is not None
