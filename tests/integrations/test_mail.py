"""Sending mail over SMTP, against a real SMTP server on 127.0.0.1 (aiosmtpd in a thread).

Each test starts its own server on a port the kernel picks, so tests run in parallel. TLS uses a
certificate from a throwaway CA made for the test run (trustme), given to the client as ``ca_file``.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import trustme

from reskontro.integrations.mail import (
    Attachment,
    InvalidMail,
    MailError,
    OutgoingMail,
    SmtpMailer,
    SmtpSecurity,
    SmtpSettings,
)
from reskontro.settings import Settings
from tests.smtp_server import PASSWORD, USER, Inbox

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n\x00\xff binary\r\n%%EOF\n"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def smtp_settings(port: int, **changes: Any) -> SmtpSettings:
    plain = SmtpSettings(host="127.0.0.1", port=port, security=SmtpSecurity.NONE, username=None, password=None,
                         sender="Demo AS <faktura@demo.no>", timeout=5)
    return replace(plain, **changes)


def reminder(**changes: Any) -> OutgoingMail:
    mail = OutgoingMail(
        to=("Kunde AS <kunde@example.no>",),
        subject="Purring på faktura 10001",
        text="Hei!\n\nVi minner om faktura 10001, forfalt 1. mars. Beløp: 1 250,00 kr.\n\nMvh\nDemo AS\n",
        attachments=(Attachment("purring-10001.pdf", "application/pdf", PDF),),
        reply_to="Regnskap <regnskap@demo.no>",
    )
    return replace(mail, **changes)


# --- delivery ---------------------------------------------------------------------------------------

def test_a_reminder_arrives_with_its_headers_text_and_pdf(serve: Callable[..., int]) -> None:
    inbox = Inbox()
    port = serve(inbox)
    mail = reminder(attachments=(Attachment("purring-10001.pdf", "application/pdf", PDF),
                                 Attachment("påminnelse.pdf", "application/pdf", PDF[::-1])))

    message_id = SmtpMailer(smtp_settings(port)).send(mail)

    [got] = inbox.received
    assert got.mail_from == "faktura@demo.no"
    assert got.rcpt_tos == ["kunde@example.no"]
    assert not got.encrypted
    message = got.parsed()
    assert message["From"] == "Demo AS <faktura@demo.no>"
    assert message["To"] == "Kunde AS <kunde@example.no>"
    assert message["Subject"] == "Purring på faktura 10001"
    assert message["Reply-To"] == "Regnskap <regnskap@demo.no>"
    assert message["Message-ID"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@demo.no>")
    assert message["Date"].datetime.tzinfo is not None
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == mail.text  # the wire has CRLF line ends
    attachments = [(part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
                   for part in message.iter_attachments()]
    assert attachments == [("purring-10001.pdf", "application/pdf", PDF),
                           ("påminnelse.pdf", "application/pdf", PDF[::-1])]
    assert all(part["Content-Transfer-Encoding"] == "base64" for part in message.iter_attachments())
    assert max(len(line) for line in got.content.splitlines()) <= 998  # RFC 5322 line limit
    assert got.content.isascii()  # 7-bit: no server needs 8BITMIME


def test_a_retry_keeps_the_message_id_the_caller_gave(serve: Callable[..., int]) -> None:
    inbox = Inbox()
    mailer = SmtpMailer(smtp_settings(serve(inbox)))

    first = mailer.send(reminder(message_id="reminder-10001-1@demo.no"))
    second = mailer.send(reminder(message_id="<reminder-10001-1@demo.no>"))

    assert first == second == "<reminder-10001-1@demo.no>"
    assert [r.parsed()["Message-ID"] for r in inbox.received] == [first, first]


def test_several_recipients_each_get_the_mail(serve: Callable[..., int]) -> None:
    inbox = Inbox()
    port = serve(inbox)

    SmtpMailer(smtp_settings(port)).send(reminder(to=("kunde@example.no", '"Hansen, Ola" <ola@example.no>')))

    [got] = inbox.received
    assert got.rcpt_tos == ["kunde@example.no", "ola@example.no"]
    assert got.parsed()["To"].addresses[1].display_name == "Hansen, Ola"


def test_a_domain_with_norwegian_letters_goes_out_in_its_idna_form(serve: Callable[..., int]) -> None:
    inbox = Inbox()
    port = serve(inbox)

    SmtpMailer(smtp_settings(port)).send(reminder(to=("Bjørn Ås <bjorn@blåbær.no>",)))

    [got] = inbox.received
    assert got.rcpt_tos == ["bjorn@xn--blbr-roah.no"]
    [to] = got.parsed()["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Bjørn Ås", "bjorn@xn--blbr-roah.no")


# --- TLS and AUTH -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_then_login(serve: Callable[..., int], server_tls: ssl.SSLContext, ca_file: str,
                             mechanism: str) -> None:
    inbox = Inbox()
    other = {"PLAIN": "LOGIN", "LOGIN": "PLAIN"}[mechanism]
    port = serve(inbox, tls_context=server_tls, require_starttls=True, authenticator=inbox.authenticator(),
                 auth_required=True, auth_exclude_mechanism=[other])
    settings = smtp_settings(port, security=SmtpSecurity.STARTTLS, username=USER, password=PASSWORD, ca_file=ca_file)

    SmtpMailer(settings).send(reminder())

    [got] = inbox.received
    assert got.encrypted
    assert got.login == USER.encode()
    assert inbox.mechanisms == [mechanism]


def test_a_password_with_norwegian_letters_logs_in(serve: Callable[..., int], server_tls: ssl.SSLContext,
                                                   ca_file: str) -> None:
    inbox = Inbox()
    port = serve(inbox, tls_context=server_tls, require_starttls=True, auth_required=True,
                 authenticator=inbox.authenticator(password="blåbærsyltetøy"))
    settings = smtp_settings(port, security=SmtpSecurity.STARTTLS, username=USER, password="blåbærsyltetøy",
                             ca_file=ca_file)

    SmtpMailer(settings).send(reminder())

    assert [r.login for r in inbox.received] == [USER.encode()]


def test_a_wrong_password_is_a_permanent_error(serve: Callable[..., int], server_tls: ssl.SSLContext,
                                              ca_file: str) -> None:
    inbox = Inbox()
    port = serve(inbox, tls_context=server_tls, require_starttls=True, auth_required=True,
                 authenticator=inbox.authenticator())
    settings = smtp_settings(port, security=SmtpSecurity.STARTTLS, username=USER, password="feil", ca_file=ca_file)

    with pytest.raises(MailError) as failure:
        SmtpMailer(settings).send(reminder())

    assert (failure.value.transient, failure.value.code) == (False, 535)
    assert f"127.0.0.1:{port}" in str(failure.value)
    assert "feil" not in str(failure.value)
    assert inbox.received == []


def test_implicit_tls_then_login(serve: Callable[..., int], server_tls: ssl.SSLContext, ca_file: str) -> None:
    inbox = Inbox()
    # aiosmtpd counts only STARTTLS as "TLS" for AUTH, so it is told not to insist on it here.
    port = serve(inbox, ssl_context=server_tls, authenticator=inbox.authenticator(), auth_require_tls=False)
    settings = smtp_settings(port, security=SmtpSecurity.TLS, username=USER, password=PASSWORD, ca_file=ca_file)

    SmtpMailer(settings).send(reminder())

    [got] = inbox.received
    assert got.encrypted
    assert got.login == USER.encode()


@pytest.mark.parametrize("security", [SmtpSecurity.STARTTLS, SmtpSecurity.TLS])
def test_a_certificate_from_an_unknown_ca_is_refused(serve: Callable[..., int], server_tls: ssl.SSLContext,
                                                     tmp_path: Path, security: SmtpSecurity) -> None:
    inbox = Inbox()
    tls = {"tls_context": server_tls} if security is SmtpSecurity.STARTTLS else {"ssl_context": server_tls}
    port = serve(inbox, **tls)
    stranger = tmp_path / "another-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))

    with pytest.raises(MailError) as failure:
        SmtpMailer(smtp_settings(port, security=security, ca_file=str(stranger))).send(reminder())

    assert not failure.value.transient
    assert "certificate" in str(failure.value) and f"127.0.0.1:{port}" in str(failure.value)
    assert inbox.received == []


def test_a_server_without_starttls_is_not_used_unencrypted(serve: Callable[..., int], ca_file: str) -> None:
    inbox = Inbox()
    port = serve(inbox)

    with pytest.raises(MailError, match="does not offer STARTTLS") as failure:
        SmtpMailer(smtp_settings(port, security=SmtpSecurity.STARTTLS, ca_file=ca_file)).send(reminder())

    assert not failure.value.transient
    assert inbox.received == []


def test_login_without_encryption_only_to_a_loopback_host(serve: Callable[..., int]) -> None:
    inbox = Inbox()
    port = serve(inbox, authenticator=inbox.authenticator(), auth_require_tls=False)

    SmtpMailer(smtp_settings(port, username=USER, password=PASSWORD)).send(reminder())

    assert [r.login for r in inbox.received] == [USER.encode()]
    with pytest.raises(ValueError, match=r"unencrypted to smtp\.example\.no"):
        smtp_settings(port, host="smtp.example.no", username=USER, password=PASSWORD)


# --- failures: transient or permanent -----------------------------------------------------------------

def test_a_refused_recipient_is_permanent_and_the_session_goes_on(serve: Callable[..., int]) -> None:
    inbox = Inbox(refuse={"borte@example.no": "550 5.1.1 <borte@example.no>: No such user"})
    port = serve(inbox)

    with SmtpMailer(smtp_settings(port)).session() as session:
        with pytest.raises(MailError) as failure:
            session.send(reminder(to=("borte@example.no",)))
        session.send(reminder())

    assert (failure.value.transient, failure.value.code) == (False, 550)
    assert "borte@example.no" in str(failure.value) and "No such user" in str(failure.value)
    assert [r.rcpt_tos for r in inbox.received] == [["kunde@example.no"]]


def test_a_451_is_transient(serve: Callable[..., int]) -> None:
    port = serve(Inbox(refuse={"kunde@example.no": "451 4.3.0 Try again later"}))

    with pytest.raises(MailError) as failure:
        SmtpMailer(smtp_settings(port)).send(reminder())

    assert (failure.value.transient, failure.value.code) == (True, 451)
    assert "kunde@example.no" in str(failure.value)


def test_a_recipient_refused_among_accepted_ones_is_not_retried(serve: Callable[..., int]) -> None:
    inbox = Inbox(refuse={"borte@example.no": "550 5.1.1 No such user"})
    port = serve(inbox)

    with pytest.raises(MailError) as failure:
        SmtpMailer(smtp_settings(port)).send(reminder(to=("kunde@example.no", "borte@example.no")))

    # kunde@ has it: sending it again would give kunde@ a second copy.
    assert (failure.value.transient, failure.value.code) == (False, 550)
    assert "borte@example.no" in str(failure.value)
    assert [r.rcpt_tos for r in inbox.received] == [["kunde@example.no"]]


def test_nothing_listening_is_transient() -> None:
    with socket.socket() as held:  # bound but not listening: connections are refused, and no one else gets the port
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        with pytest.raises(MailError) as failure:
            SmtpMailer(smtp_settings(port)).send(reminder())

    assert failure.value.transient
    assert failure.value.code is None
    assert f"127.0.0.1:{port}" in str(failure.value)


@pytest.mark.parametrize("say_421", [False, True], ids=["drops", "says-421"])
def test_a_batch_goes_on_when_the_server_closes_the_connection(serve: Callable[..., int], say_421: bool) -> None:
    inbox = Inbox(mails_per_connection=10, say_421_before_closing=say_421)
    port = serve(inbox)
    mails = [reminder(to=(f"kunde{n}@example.no",), message_id=f"reminder-{n}@demo.no") for n in range(20)]

    with SmtpMailer(smtp_settings(port)).session() as session:
        sent = [session.send(mail) for mail in mails]

    assert sent == [f"<reminder-{n}@demo.no>" for n in range(20)]
    assert [r.rcpt_tos for r in inbox.received] == [[f"kunde{n}@example.no"] for n in range(20)]
    assert [r.parsed()["Message-ID"] for r in inbox.received] == sent
    assert sorted(inbox.per_connection.values()) == [10, 10]


# --- checked before sending -----------------------------------------------------------------------------

@pytest.mark.parametrize("changes", [
    {"subject": "Purring\r\nBcc: alle@example.com"},
    {"subject": "Purring\nX-Spam: no"},
    {"to": ("kunde@example.no\r\nBcc: alle@example.com",)},
    {"to": ("kunde@example.no, annen@example.com",)},
    {"to": ("ikke-en-adresse",)},
    {"to": ()},
    {"to": "kunde@example.no"},
    {"reply_to": "svar@demo.no\nBcc: alle@example.com"},
    {"message_id": "<id@demo.no>\r\nBcc: alle@example.com"},
    {"attachments": lambda: (Attachment("purring.pdf\r\nBcc: x", "application/pdf", PDF),)},
], ids=["subject-crlf", "subject-lf", "to-crlf", "to-two", "to-bad", "to-none", "to-str", "reply-to-lf",
        "message-id-crlf", "filename-crlf"])
def test_header_injection_and_bad_addresses_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidMail) as failure:
        reminder(**{key: value() if callable(value) else value for key, value in changes.items()})

    assert isinstance(failure.value, ValueError) and not failure.value.transient


# --- settings from the environment -----------------------------------------------------------------------

def test_no_smtp_host_means_no_mail() -> None:
    assert SmtpSettings.from_env({}) is None
    assert SmtpSettings.from_env({"RESKONTRO_SMTP_HOST": "  ", "RESKONTRO_SMTP_PORT": "x"}) is None
    assert Settings.from_env(environ={}).smtp is None


def test_smtp_settings_default_to_starttls_on_587() -> None:
    env = {"RESKONTRO_SMTP_HOST": "smtp.example.no", "RESKONTRO_SMTP_FROM": "Demo AS <faktura@demo.no>"}

    settings = SmtpSettings.from_env(env)

    assert settings == SmtpSettings(host="smtp.example.no", port=587, security=SmtpSecurity.STARTTLS,
                                    username=None, password=None, sender="Demo AS <faktura@demo.no>",
                                    timeout=30.0, ca_file=None)
    assert Settings.from_env(environ=env).smtp == settings


@pytest.mark.parametrize(("security", "port"), [("tls", 465), ("TLS", 465), ("none", 25), ("starttls", 587)])
def test_the_default_port_follows_the_security(security: str, port: int) -> None:
    settings = SmtpSettings.from_env({"RESKONTRO_SMTP_HOST": "localhost", "RESKONTRO_SMTP_FROM": "faktura@demo.no",
                                      "RESKONTRO_SMTP_SECURITY": security})

    assert settings is not None and settings.port == port


def test_smtp_settings_read_every_variable(ca_file: str) -> None:
    settings = SmtpSettings.from_env({
        "RESKONTRO_SMTP_HOST": "smtp.example.no", "RESKONTRO_SMTP_PORT": "2525", "RESKONTRO_SMTP_SECURITY": "tls",
        "RESKONTRO_SMTP_USER": USER, "RESKONTRO_SMTP_PASSWORD": " hemmelig ", "RESKONTRO_SMTP_FROM": USER,
        "RESKONTRO_SMTP_TIMEOUT": "2.5", "RESKONTRO_SMTP_CA_FILE": ca_file})

    assert settings == SmtpSettings(host="smtp.example.no", port=2525, security=SmtpSecurity.TLS, username=USER,
                                    password=" hemmelig ", sender=USER, timeout=2.5, ca_file=ca_file)


@pytest.mark.parametrize(("name", "value"), [
    ("RESKONTRO_SMTP_PORT", "smtp"),
    ("RESKONTRO_SMTP_PORT", "70000"),
    ("RESKONTRO_SMTP_PORT", "0"),
    ("RESKONTRO_SMTP_SECURITY", "ssl"),
    ("RESKONTRO_SMTP_TIMEOUT", "soon"),
    ("RESKONTRO_SMTP_TIMEOUT", "-1"),
    ("RESKONTRO_SMTP_FROM", "ikke en adresse"),
    ("RESKONTRO_SMTP_FROM", ""),
    ("RESKONTRO_SMTP_PASSWORD", ""),
    ("RESKONTRO_SMTP_CA_FILE", "/no/such/ca.pem"),
])
def test_a_bad_smtp_setting_names_its_variable(name: str, value: str) -> None:
    env = {"RESKONTRO_SMTP_HOST": "smtp.example.no", "RESKONTRO_SMTP_FROM": "faktura@demo.no",
           "RESKONTRO_SMTP_USER": USER, "RESKONTRO_SMTP_PASSWORD": PASSWORD, name: value}

    with pytest.raises(ValueError, match=name):
        SmtpSettings.from_env(env)


def test_a_password_to_a_remote_host_without_encryption_is_refused() -> None:
    env = {"RESKONTRO_SMTP_HOST": "smtp.example.no", "RESKONTRO_SMTP_FROM": "faktura@demo.no",
           "RESKONTRO_SMTP_SECURITY": "none", "RESKONTRO_SMTP_USER": USER, "RESKONTRO_SMTP_PASSWORD": PASSWORD}

    with pytest.raises(ValueError, match="RESKONTRO_SMTP_SECURITY is 'none'"):
        SmtpSettings.from_env(env)
    assert SmtpSettings.from_env({**env, "RESKONTRO_SMTP_HOST": "127.0.0.1"}) is not None


def test_the_password_is_never_shown() -> None:
    settings = smtp_settings(587, security=SmtpSecurity.STARTTLS, username=USER, password="s3cr3t-passord")

    assert "s3cr3t-passord" not in repr(settings)
    assert "s3cr3t-passord" not in str(settings)
    assert "s3cr3t-passord" not in repr(Settings(database_url="sqlite://", smtp=settings))
