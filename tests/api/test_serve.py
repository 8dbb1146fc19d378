"""``reskontro serve`` for real: uvicorn on a free port of 127.0.0.1 over a SQLite file, spoken to over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from reskontro.bootstrap import build
from reskontro.cli import serve as serve_module
from reskontro.services import access
from reskontro.services.companies import init_company
from reskontro.settings import Settings
from tests.api.conftest import PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_server_answers_over_http_with_a_token_from_sign_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    app = build(Settings(database_url=url, actor="setup"))
    app.migrate()
    company = init_company(uow=app.uow(), name="Servert AS")
    access.create_user(uow=app.uow(), username="kari", password=PASSWORD)
    access.grant(uow=app.uow(), username="kari", company_id=company, role="accountant")
    app.close()
    port = free_port()
    env = {**os.environ, "RESKONTRO_DATABASE_URL": url}
    code = f"from reskontro.cli.serve import serve; serve('127.0.0.1', {port}, log_level='info')"
    server = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                out = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"the server did not start:\n{out}")
            time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=10) as client:
            token = client.post("/auth/login", json={"username": "kari", "password": PASSWORD}).json()["token"]
            me = client.get("/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200
            assert me.json()["companies"][0]["name"] == "Servert AS"
            created = client.post(f"/companies/{company}/parties", headers={"Authorization": f"Bearer {token}"},
                                  json={"kind": "customer", "number": "1", "name": "Over HTTP AS"})
            assert created.status_code == 201
            assert created.headers["location"] == f"/companies/{company}/parties/customer/1"
            assert client.get("/me").status_code == 401
            assert "server" not in {k.lower() for k in me.headers}
    finally:
        server.terminate()
        try:
            out, _ = server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
    assert token not in out.decode()


def test_the_serve_command_takes_the_database_from_the_global_option(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[tuple[object, ...], dict[str, object]]] = []
    monkeypatch.setattr(serve_module, "serve", lambda *a, **k: calls.append((a, k)))
    cli = typer.Typer()

    @cli.callback()
    def main(database: str | None = typer.Option(None, "--database")) -> None:
        """The real CLI's global options, as far as serve needs them."""

    cli.command("serve")(serve_module.serve_command)
    result = CliRunner().invoke(cli, ["--database", "sqlite:///x.sqlite3", "serve", "--port", "8123", "--no-migrate"])
    assert result.exit_code == 0, result.output
    assert calls == [(("127.0.0.1", 8123), {"database": "sqlite:///x.sqlite3", "migrate": False, "log_level": "info",
                                             "proxy_headers": False, "jobs": True})]
