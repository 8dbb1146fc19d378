"""A real SMTP server on 127.0.0.1 for tests: aiosmtpd in a thread, on a port the kernel picks."""

from __future__ import annotations

import email
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "faktura@demo.no", "hemmelig passord"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    encrypted: bool
    login: bytes | None

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it is sent, and can refuse recipients or limit a connection."""

    refuse: dict[str, str] = field(default_factory=dict)
    mails_per_connection: int | None = None  # then refuse the next MAIL and close the connection
    say_421_before_closing: bool = False
    received: list[Received] = field(default_factory=list)
    per_connection: Counter[Any] = field(default_factory=Counter)
    mechanisms: list[str] = field(default_factory=list)

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        if self.mails_per_connection is not None and self.per_connection[session.peer] >= self.mails_per_connection:
            if self.say_421_before_closing:
                await server.push("421 4.7.0 Too many mails on one connection, closing")
            assert server.transport is not None
            server.transport.close()
            return "421 4.7.0 Closing"  # not sent: the connection is closed
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert server.transport is not None and isinstance(envelope.content, bytes)
        auth = session.auth_data
        self.received.append(Received(
            mail_from=str(envelope.mail_from), rcpt_tos=list(envelope.rcpt_tos), content=envelope.content,
            encrypted=server.transport.get_extra_info("cipher") is not None,
            login=auth.login if isinstance(auth, LoginPassword) else None))
        self.per_connection[session.peer] += 1
        return "250 2.0.0 Queued"

    def authenticator(self, password: str = PASSWORD) -> Callable[..., AuthResult]:
        def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
            self.mechanisms.append(mechanism)
            ok = isinstance(data, LoginPassword) and data == (USER.encode(), password.encode())
            return AuthResult(success=ok, handled=False, auth_data=data)
        return check


class _AnyPortController(Controller):
    """A Controller on port 0 (the kernel picks a free one), which it reads back before its self-test."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def serve() -> Iterator[Callable[..., int]]:
    """Start an SMTP server on 127.0.0.1 for ``handler``; return its port. Stopped (thread joined) after the test."""
    controllers: list[Controller] = []

    def start(handler: Inbox, **options: Any) -> int:
        controller = _AnyPortController(handler, hostname="127.0.0.1", port=0, ready_timeout=5, **options)
        controller.start()
        controllers.append(controller)
        return int(controller.port)

    yield start
    for controller in controllers:
        controller.stop()


