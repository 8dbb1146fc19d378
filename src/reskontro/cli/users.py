"""``reskontro user``: users, their roles in companies, and API tokens.

Whoever runs the command line has the database itself, so these commands need no sign-in; they
are how the first admin is made. The API and web UI authenticate with what is set up here.
A token is printed once, when it is issued; only its hash is kept.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from reskontro.domain.access import Role
from reskontro.services import access

users_app = typer.Typer(no_args_is_help=True, help="Users, their roles in companies, and API tokens.")

_USER = Annotated[str, typer.Argument(help="User name (lower-case letters, digits and . _ @ -).")]

# The helpers (database state, error handling, tables) live in cli/app.py, which mounts this module's
# ``users_app``: they are imported inside the commands so that either module can be imported first.


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
def user_add(
    username: _USER,
    display_name: Annotated[str | None, typer.Option(help="Full name, for display.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from the first line of stdin.")] = False,
) -> None:
    """Create a user (asks for the password twice unless --password-stdin)."""
    from reskontro.cli.app import console, run, state

    a = state.app()
    password = _read_password(password_stdin)
    user_id = run(lambda: access.create_user(uow=a.uow(), username=username, password=password,
                                             display_name=display_name))
    console.print(f"Created user {username.strip().lower()} (id {user_id}); grant a role with "
                  f"`reskontro user grant`.", highlight=False)


@users_app.command("password")
def user_password(
    username: _USER,
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from the first line of stdin.")] = False,
) -> None:
    """Set a new password for a user."""
    from reskontro.cli.app import console, run, state

    a = state.app()
    password = _read_password(password_stdin)
    run(lambda: access.set_password(uow=a.uow(), username=username, password=password))
    console.print(f"Password of {username} changed.", highlight=False)


@users_app.command("grant")
def user_grant(
    username: _USER,
    company: Annotated[int, typer.Option("--company", help="Company id.")],
    role: Annotated[Role, typer.Option("--role", help="admin, accountant or read_only.")],
) -> None:
    """Give a user a role in a company, or change it."""
    from reskontro.cli.app import console, run, state

    a = state.app()
    run(lambda: access.grant(uow=a.uow(), username=username, company_id=company, role=role))
    console.print(f"{username} is {role.value} in company {company}.", highlight=False)


@users_app.command("revoke")
def user_revoke(
    username: _USER,
    company: Annotated[int, typer.Option("--company", help="Company id.")],
) -> None:
    """Take away a user's role in a company."""
    from reskontro.cli.app import console, run, state

    a = state.app()
    run(lambda: access.revoke(uow=a.uow(), username=username, company_id=company))
    console.print(f"{username} has no role in company {company} any more.", highlight=False)


@users_app.command("disable")
def user_disable(username: _USER) -> None:
    """Stop a user's password and tokens from working (roles are kept)."""
    from reskontro.cli.app import console, run, state

    a = state.app()
    run(lambda: access.set_disabled(uow=a.uow(), username=username, disabled=True))
    console.print(f"{username} is disabled.", highlight=False)


@users_app.command("enable")
def user_enable(username: _USER) -> None:
    """Let a disabled user sign in again."""
    from reskontro.cli.app import console, run, state

    a = state.app()
    run(lambda: access.set_disabled(uow=a.uow(), username=username, disabled=False))
    console.print(f"{username} is enabled.", highlight=False)


@users_app.command("token")
def user_token(
    username: _USER,
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. the integration's name.")],
    expires_days: Annotated[int | None, typer.Option("--expires-days", min=1,
                                                     help="Days until it expires (default: never).")] = None,
) -> None:
    """Issue an API token. It is printed once, now; only its hash is stored."""
    from reskontro.cli.app import err, run, state

    a = state.app()
    expires = None if expires_days is None else datetime.now(UTC) + timedelta(days=expires_days)
    token_id, plaintext = run(lambda: access.issue_token(uow=a.uow(), username=username, name=name,
                                                         expires_at=expires))
    err.print(f"Token {token_id} for {username}" + (f", expires {_when(expires)}" if expires else "") + ".",
              highlight=False)
    err.print("[yellow]This is the only time the token is shown: store it safely now.[/yellow]")
    typer.echo(plaintext)


@users_app.command("tokens")
def user_tokens(username: _USER) -> None:
    """List a user's API tokens (prefix only; the tokens themselves are not stored)."""
    from reskontro.cli.app import Format, render, run, state

    a = state.app()
    rows = run(lambda: access.list_tokens(uow=a.uow(readonly=True), username=username))
    shown = [{**r, **{k: _when(r[k]) for k in ("created_at", "last_used_at", "expires_at", "revoked_at")},
              "prefix": f"{r['prefix']}…"} for r in rows]
    render(shown, ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"], Format.table,
           None, title=f"API tokens of {username}")


@users_app.command("revoke-token")
def user_revoke_token(
    username: _USER,
    token_id: Annotated[int, typer.Argument(help="The token's id (see `reskontro user tokens`).")],
) -> None:
    """Revoke an API token; it stops working at once."""
    from reskontro.cli.app import console, run, state

    a = state.app()
    run(lambda: access.revoke_token(uow=a.uow(), username=username, token_id=token_id))
    console.print(f"Token {token_id} of {username} is revoked.", highlight=False)


@users_app.command("list")
def user_list() -> None:
    """List users and their roles (company id: role)."""
    from reskontro.cli.app import Format, render, run, state

    a = state.app()
    users = run(lambda: access.list_users(uow=a.uow(readonly=True)))
    rows: list[dict[str, Any]] = [
        {"id": u["id"], "username": u["username"], "display_name": u["display_name"],
         "status": "disabled" if u["disabled"] else "active",
         "roles": ", ".join(f"{cid}: {role.value}" for cid, role in u["roles"].items())} for u in users]
    render(rows, ["id", "username", "display_name", "status", "roles"], Format.table, None, title="Users")
