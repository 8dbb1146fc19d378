"""E-mail over SMTP: how reminder letters (PDF) reach customers.

A mail is handed to one SMTP server (the company's relay or its mail provider's submission
service), which delivers it onward. The connection is secured in one of three ways
(:class:`SmtpSecurity`):

* ``starttls`` — connect in plain text, then upgrade with STARTTLS (RFC 3207); port 587, message
  submission (RFC 6409). A server that does not offer STARTTLS is refused, never used unencrypted.
* ``tls`` — TLS from the first byte ("implicit TLS", RFC 8314); port 465.
* ``none`` — no encryption; port 25. Meant for a relay on this machine: a user name and password
  are sent over it only when the host is a loopback address, and refused otherwise.

The server's certificate is always verified, against the system's CAs plus, where given, a CA
bundle of the company's own (``ca_file``; an in-house relay, or the throwaway CA of the tests).

The message (RFC 5322) is built with :class:`email.message.EmailMessage`: Date, From, To, Subject,
Message-ID and Reply-To headers, the text as ``text/plain; charset=utf-8`` in a 7-bit transfer
encoding (quoted-printable or base64, so no server needs 8BITMIME), and every attachment base64
with its file name (a name such as ``påminnelse.pdf`` is written per RFC 2231). Addresses, the
subject and file names are checked before anything is sent: a line break in any of them could add
headers of the sender's choosing ("header injection"), so it is refused with :class:`InvalidMail`.

The caller may give the Message-ID (RFC 5322 §3.6.4): when a reminder is sent again after a failure,
keeping its Message-ID lets receiving systems recognise the copy. :meth:`Mailer.send` returns the
Message-ID it used either way.

A failure is a :class:`MailError`. ``transient`` says whether trying again later may succeed: no
connection, a timeout, a dropped connection and 4xx replies (RFC 5321 §4.2.1: "transient negative
completion") are transient; 5xx replies, an untrusted certificate, refused credentials and a bad
address are permanent.

:class:`SmtpMailer` is the reference :class:`Mailer`: :meth:`SmtpMailer.send` opens a connection for
one mail; :meth:`SmtpMailer.session` keeps one connection for a batch and, when the server has
closed it between two mails (many servers limit the mails per connection), connects again once and
sends the mail that found it closed. A mail is only sent again when the server had not yet been
given its content (the DATA command), so a dropped connection never delivers a mail twice.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import math
import re
import smtplib
import ssl
import unicodedata
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = [
    "Attachment",
    "InvalidMail",
    "MailError",
    "Mailer",
    "OutgoingMail",
    "SmtpMailer",
    "SmtpSecurity",
    "SmtpSettings",
    "build_message",
]

logger = logging.getLogger("reskontro.integrations.mail")


class SmtpSecurity(StrEnum):
    """How the connection to the SMTP server is encrypted."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"

    @property
    def default_port(self) -> int:
        """The usual port: 587 for STARTTLS (submission), 465 for implicit TLS, 25 for none."""
        return _DEFAULT_PORTS[self]


_DEFAULT_PORTS = {SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465, SmtpSecurity.NONE: 25}

# The environment variable behind each field of SmtpSettings (SmtpSettings.from_env).
_ENV = {
    "host": "RESKONTRO_SMTP_HOST",
    "port": "RESKONTRO_SMTP_PORT",
    "security": "RESKONTRO_SMTP_SECURITY",
    "username": "RESKONTRO_SMTP_USER",
    "password": "RESKONTRO_SMTP_PASSWORD",
    "sender": "RESKONTRO_SMTP_FROM",
    "timeout": "RESKONTRO_SMTP_TIMEOUT",
    "ca_file": "RESKONTRO_SMTP_CA_FILE",
}


class MailError(Exception):
    """A mail could not be sent.

    ``transient`` is true when trying again later may succeed (no connection, a timeout, a 4xx reply);
    false when it will not without a change (a 5xx reply, a bad address, an untrusted certificate).
    ``code`` is the SMTP reply code where the server gave one.
    """

    def __init__(self, message: str, *, transient: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.code = code


class InvalidMail(MailError, ValueError):
    """The mail itself is wrong (a bad address, a line break in a header): permanent, and a ValueError."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class _SettingProblem(ValueError):
    """A field of :class:`SmtpSettings` is wrong; ``from_env`` names the variable behind it instead."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"SMTP setting {name} {problem}")
        self.name = name
        self.problem = problem


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send mail. The password never appears in ``repr`` or ``str``."""

    host: str
    port: int
    security: SmtpSecurity
    username: str | None
    password: str | None = field(repr=False)
    sender: str
    """The From address, e.g. ``Demo AS <faktura@demo.no>``; its address is also the envelope sender."""
    timeout: float = 30.0
    """Seconds to wait for the server, per network operation."""
    ca_file: str | None = None
    """A PEM bundle of CAs trusted in addition to the system's (an in-house relay's own CA)."""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "security", SmtpSecurity(self.security))
        except ValueError:
            choices = ", ".join(SmtpSecurity)
            raise _SettingProblem("security", f"must be one of {choices}, not {self.security!r}") from None
        _check_settings(self)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """Read ``RESKONTRO_SMTP_*``; None when ``RESKONTRO_SMTP_HOST`` is unset or empty (no mail).

        ``_SECURITY`` defaults to ``starttls`` and ``_PORT`` to that security's usual port;
        ``_USER``/``_PASSWORD`` are optional (both or neither); ``_FROM`` is required;
        ``_TIMEOUT`` is seconds (default 30); ``_CA_FILE`` a PEM file. A bad value raises a
        ValueError that names the variable.
        """

        def text(name: str) -> str | None:
            value = env.get(_ENV[name], "")
            if name != "password":  # a password may begin or end with a space
                value = value.strip()
            return value or None

        host = text("host")
        if host is None:
            return None
        security_text = (text("security") or SmtpSecurity.STARTTLS.value).lower()
        if security_text not in {s.value for s in SmtpSecurity}:
            choices = ", ".join(SmtpSecurity)
            raise ValueError(f"{_ENV['security']} must be one of {choices}, not {security_text!r}")
        security = SmtpSecurity(security_text)
        port_text = text("port")
        try:
            port = security.default_port if port_text is None else int(port_text)
        except ValueError:
            raise ValueError(f"{_ENV['port']} must be a port number from 1 to 65535, not {port_text!r}") from None
        timeout_text = text("timeout")
        try:
            timeout = 30.0 if timeout_text is None else float(timeout_text)
        except ValueError:
            raise ValueError(f"{_ENV['timeout']} must be a number of seconds, not {timeout_text!r}") from None
        sender = text("sender")
        if sender is None:
            raise ValueError(f"{_ENV['sender']} must be set when {_ENV['host']} is (the From address, "
                             "e.g. 'Demo AS <faktura@demo.no>')")
        try:
            return cls(host=host, port=port, security=security, username=text("username"),
                       password=text("password"), sender=sender, timeout=timeout, ca_file=text("ca_file"))
        except _SettingProblem as exc:
            raise ValueError(f"{_ENV[exc.name]} {exc.problem}") from None


def _check_settings(s: SmtpSettings) -> None:
    """Raise :class:`_SettingProblem` for the first wrong field of ``s``."""
    if not s.host or _header_problem(s.host) or any(c.isspace() for c in s.host):
        raise _SettingProblem("host", f"must be a host name or address, not {s.host!r}")
    if isinstance(s.port, bool) or not isinstance(s.port, int) or not 1 <= s.port <= 65535:
        raise _SettingProblem("port", f"must be a port number from 1 to 65535, not {s.port!r}")
    if s.username is not None and (problem := _header_problem(s.username)):
        raise _SettingProblem("username", problem)
    if s.username is not None and s.password is None:
        raise _SettingProblem("password", "must be set when a user name is")
    if s.password is not None and s.username is None:
        raise _SettingProblem("username", "must be set when a password is")
    if s.username is not None and s.security is SmtpSecurity.NONE and not _is_loopback(s.host):
        raise _SettingProblem("security", f"is 'none', which would send the password unencrypted to {s.host}; "
                                          "use starttls or tls (no encryption is allowed with a user name "
                                          "only to a loopback host)")
    if problem := _address_problem(s.sender):
        raise _SettingProblem("sender", f"{problem}: {s.sender!r}")
    if isinstance(s.timeout, bool) or not isinstance(s.timeout, int | float) or not (
            math.isfinite(s.timeout) and s.timeout > 0):
        raise _SettingProblem("timeout", f"must be a positive number of seconds, not {s.timeout!r}")
    if s.ca_file is not None and not Path(s.ca_file).is_file():
        raise _SettingProblem("ca_file", f"is not a file: {s.ca_file!r}")


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine by name or address (no DNS look-up)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with the mail, e.g. ``Attachment("purring-10001.pdf", "application/pdf", pdf)``."""

    filename: str
    content_type: str
    data: bytes

    def __post_init__(self) -> None:
        if problem := _header_problem(self.filename):
            raise InvalidMail(f"attachment file name {self.filename!r} {problem}")
        if not self.filename.strip() or "/" in self.filename or "\\" in self.filename:
            raise InvalidMail(f"attachment file name {self.filename!r} must be a file name without folders")
        if not _CONTENT_TYPE.fullmatch(self.content_type):
            raise InvalidMail(f"attachment {self.filename!r}: content type {self.content_type!r} is not "
                              "'type/subtype' (e.g. 'application/pdf')")
        if not isinstance(self.data, bytes):
            raise InvalidMail(f"attachment {self.filename!r}: data must be bytes, not {type(self.data).__name__}")

    def __repr__(self) -> str:
        return (f"Attachment(filename={self.filename!r}, content_type={self.content_type!r}, "
                f"data=<{len(self.data)} bytes>)")


_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
_CONTENT_TYPE = re.compile(f"{_TOKEN}/{_TOKEN}")
_MESSAGE_ID = re.compile(r"<[^\s<>@]+@[^\s<>@]+>")


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One mail to send. Checked on construction: a bad address or header raises :class:`InvalidMail`.

    Each entry of ``to`` (and ``reply_to``) is one address, ``kunde@example.no`` or
    ``Kunde AS <kunde@example.no>``. ``message_id`` (``<id@domain>``; the brackets are added when
    missing) is kept when given, so a retry of the same reminder carries the same Message-ID.
    """

    to: tuple[str, ...]
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None
    reply_to: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.to, str):
            raise InvalidMail(f"to must be a tuple of addresses, not the string {self.to!r}")
        object.__setattr__(self, "to", tuple(self.to))
        object.__setattr__(self, "attachments", tuple(self.attachments))
        if not self.to:
            raise InvalidMail("a mail needs at least one recipient (to)")
        for address in self.to:
            if problem := _address_problem(address):
                raise InvalidMail(f"recipient {address!r} {problem}")
        if self.reply_to is not None and (problem := _address_problem(self.reply_to)):
            raise InvalidMail(f"reply-to {self.reply_to!r} {problem}")
        if problem := _header_problem(self.subject):
            raise InvalidMail(f"subject {self.subject!r} {problem}")
        if not isinstance(self.text, str):
            raise InvalidMail(f"text must be a str, not {type(self.text).__name__}")
        for attachment in self.attachments:
            if not isinstance(attachment, Attachment):
                raise InvalidMail(f"attachments must be Attachment objects, not {type(attachment).__name__}")
        if self.message_id is not None:
            message_id = self.message_id.strip()
            if not message_id.startswith("<"):
                message_id = f"<{message_id}>"
            if _header_problem(message_id) or not _MESSAGE_ID.fullmatch(message_id) or not message_id.isascii():
                raise InvalidMail(f"message_id {self.message_id!r} is not a Message-ID like '<id@example.no>'")
            object.__setattr__(self, "message_id", message_id)


def _header_problem(value: str) -> str | None:
    """Why ``value`` cannot go into a header (a line break would start a header of its own), or None."""
    if not isinstance(value, str):
        return f"must be a str, not {type(value).__name__}"
    for char in value:
        if char in "\r\n":
            return "contains a line break (refused: it could add headers to the mail)"
        if char != "\t" and unicodedata.category(char) in {"Cc", "Zl", "Zp"}:
            return f"contains the control character {char!r}"
    return None


_NOT_IN_LOCAL_PART = frozenset('()<>[]:;@\\,"')


def _address_problem(value: str) -> str | None:
    """Why ``value`` is not one e-mail address (``name@example.no`` or ``Name <name@example.no>``), or None."""
    if problem := _header_problem(value):
        return problem
    if len(getaddresses([value])) != 1:
        return "is not one e-mail address (give each recipient as an entry of its own)"
    local, at, domain = parseaddr(value)[1].rpartition("@")
    if not (local and at and domain):
        return "is not an e-mail address like name@example.no"
    if len(local) + len(domain) + 1 > 254:
        return "is longer than the 254 characters an address may have"
    if any(char.isspace() or char in _NOT_IN_LOCAL_PART for char in local):
        return f"has characters that do not belong in an address before the @: {local!r}"
    for label in domain.split("."):
        if not label or label[0] == "-" or label[-1] == "-" or not all(c.isalnum() or c == "-" for c in label):
            return f"has an invalid domain {domain!r}"
    try:
        domain.encode("idna")
    except UnicodeError:
        return f"has an invalid domain {domain!r}"
    return None


def _parts(value: str) -> tuple[str, str, str]:
    """Display name, local part and ASCII domain of a checked address.

    A domain with letters such as "æøå" is given in its IDNA form (``blåbær.no`` → ``xn--blbr-roa9a.no``),
    which every server accepts; only a non-ASCII local part needs a server with SMTPUTF8.
    """
    name, addr_spec = parseaddr(value)
    local, _, domain = addr_spec.rpartition("@")
    return name, local, domain.encode("idna").decode("ascii")


def _addr_spec(value: str) -> str:
    """The bare address of ``Name <name@example.no>`` (what the SMTP envelope carries)."""
    _, local, domain = _parts(value)
    return f"{local}@{domain}"


def _address(value: str) -> Address:
    name, local, domain = _parts(value)
    return Address(display_name=name, username=local, domain=domain)


# CRLF line ends; bodies in a 7-bit transfer encoding (quoted-printable or base64), so the mail needs
# no 8BITMIME support on any server it passes.
_POLICY = SMTP_POLICY.clone(cte_type="7bit")


def build_message(mail: OutgoingMail, *, sender: str) -> EmailMessage:
    """The MIME message for ``mail`` from ``sender``, with Date and (when not given) a new Message-ID."""
    if problem := _address_problem(sender):
        raise InvalidMail(f"sender {sender!r} {problem}")
    message = EmailMessage(policy=_POLICY)
    message["Date"] = formatdate(localtime=True)
    message["From"] = _address(sender)
    message["To"] = tuple(_address(address) for address in mail.to)
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id or make_msgid(domain=_parts(sender)[2])
    if mail.reply_to is not None:
        message["Reply-To"] = _address(mail.reply_to)
    message.set_content(mail.text)
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


class Mailer(Protocol):
    """Sends mail; :class:`SmtpMailer` is the reference implementation."""

    def send(self, mail: OutgoingMail) -> str:
        """Send ``mail``; return its Message-ID. Raises :class:`MailError`."""
        ...


class _Smtp(smtplib.SMTP):
    """:class:`smtplib.SMTP` that notes when the current mail reached DATA.

    Before DATA the server has not been given the mail, so after a dropped connection it can be
    sent again without the risk of delivering it twice.
    """

    reached_data = False

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        self.reached_data = True
        return super().data(msg)


class _SmtpSsl(_Smtp, smtplib.SMTP_SSL):
    """:class:`_Smtp` over implicit TLS."""


class SmtpMailer:
    """Sends mail through the SMTP server of ``settings``."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._tls: ssl.SSLContext | None = None

    def send(self, mail: OutgoingMail) -> str:
        """Send one mail on a connection of its own; return its Message-ID. Raises :class:`MailError`."""
        with self.session() as session:
            return session.send(mail)

    def session(self) -> AbstractContextManager[Mailer]:
        """One connection for a batch of mails, closed at the end of the ``with`` block.

        The connection is opened by the first mail. When the server has closed it between two mails,
        it is opened again once and the mail sent again (it had not been delivered). A mail that
        fails raises :class:`MailError` and leaves the session usable for the next one. Not
        thread-safe: one session per thread.
        """
        return _SmtpSession(self)

    @property
    def _server(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _tls_context(self) -> ssl.SSLContext:
        """The system's CAs plus ``ca_file``; certificates and host names are verified."""
        if self._tls is None:
            context = ssl.create_default_context()
            if self.settings.ca_file is not None:
                try:
                    context.load_verify_locations(cafile=self.settings.ca_file)
                except (OSError, ssl.SSLError) as exc:
                    raise MailError(f"cannot read the CA file {self.settings.ca_file!r}: {exc}",
                                    transient=False) from exc
            self._tls = context
        return self._tls

    def _connect(self) -> _Smtp:
        """A connection, encrypted as the settings say and logged in when they have a user name."""
        s = self.settings
        smtp: _Smtp | None = None
        try:
            if s.security is SmtpSecurity.TLS:
                smtp = _SmtpSsl(s.host, s.port, timeout=s.timeout, context=self._tls_context())
            else:
                smtp = _Smtp(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.security is SmtpSecurity.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise MailError(f"SMTP server {self._server} does not offer STARTTLS; refusing to send "
                                    "unencrypted (security is starttls)", transient=False)
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if s.username is not None and s.password is not None:
                if not isinstance(smtp.sock, ssl.SSLSocket) and not _is_loopback(s.host):
                    raise MailError(f"refusing to send the SMTP password unencrypted to {self._server}",
                                    transient=False)
                _login(smtp, s.username, s.password)
        except BaseException:
            if smtp is not None:
                smtp.close()
            raise
        return smtp


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH with the best mechanism both sides have; AUTH PLAIN in UTF-8 for non-ASCII credentials.

    smtplib encodes credentials as ASCII only, and a Norwegian password may well have an "ø" in it;
    PLAIN (RFC 4616) carries UTF-8.
    """
    if username.isascii() and password.isascii():
        smtp.login(username, password)
        return
    mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        raise MailError(f"the SMTP user name or password has non-ASCII characters, which need AUTH PLAIN, and the "
                        f"server offers only {' '.join(mechanisms) or 'no AUTH'}", transient=False)
    response = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {response}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


class _SmtpSession:
    """One SMTP connection for a batch of mails (see :meth:`SmtpMailer.session`)."""

    def __init__(self, mailer: SmtpMailer) -> None:
        self._mailer = mailer
        self._smtp: _Smtp | None = None
        self._delivered = 0  # mails delivered on the current connection

    def __enter__(self) -> _SmtpSession:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT and close the connection (a server that has already gone changes nothing)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.sock is not None:
                smtp.quit()
        except OSError:  # smtplib.SMTPException is an OSError
            pass
        finally:
            smtp.close()

    def send(self, mail: OutgoingMail) -> str:
        """Send ``mail`` on this session's connection; return its Message-ID. Raises :class:`MailError`."""
        message = build_message(mail, sender=self._mailer.settings.sender)
        try:
            self._transmit(message, mail)
        except (OSError, MailError) as exc:
            if not self._dropped_between_mails():
                raise _mail_error(exc, server=self._mailer._server, mail=mail) from exc
            logger.info("SMTP server %s closed the connection after %d mails; connecting again",
                        self._mailer._server, self._delivered)
            self._smtp = None
            try:
                self._transmit(message, mail)
            except (OSError, MailError) as again:
                raise _mail_error(again, server=self._mailer._server, mail=mail) from again
        message_id = str(message["Message-ID"])
        logger.debug("sent %s via %s", message_id, self._mailer._server)
        return message_id

    def _transmit(self, message: EmailMessage, mail: OutgoingMail) -> None:
        if self._smtp is not None and self._smtp.sock is None:  # closed by smtplib after an error
            self._smtp = None
        if self._smtp is None:
            self._smtp = self._mailer._connect()
            self._delivered = 0
        smtp = self._smtp
        smtp.reached_data = False
        recipients = [_addr_spec(address) for address in mail.to]
        refused = smtp.send_message(message, from_addr=_addr_spec(self._mailer.settings.sender), to_addrs=recipients)
        self._delivered += 1
        if refused:
            # Delivered to the others: sending it again would give them a second copy, so this is not transient.
            accepted = [r for r in recipients if r not in refused]
            raise MailError(f"SMTP server {self._mailer._server} accepted the mail for {', '.join(accepted)} but "
                            f"refused {_refusals(refused)}", transient=False, code=next(iter(refused.values()))[0])

    def _dropped_between_mails(self) -> bool:
        """Whether the connection, which had delivered mails, closed before this mail's content went out."""
        smtp = self._smtp
        return smtp is not None and smtp.sock is None and not smtp.reached_data and self._delivered > 0


def _is_transient(code: int) -> bool:
    """4xx replies (and anything not a 5xx) may succeed later; 5xx replies will not."""
    return not 500 <= code <= 599


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address} ({_reply(code, reply)})" for address, (code, reply) in refused.items())


def _mail_error(exc: BaseException, *, server: str, mail: OutgoingMail) -> MailError:
    """The :class:`MailError` for an exception of smtplib, ssl or the socket, naming the server and recipients."""
    if isinstance(exc, MailError):
        return exc
    to = ", ".join(_addr_spec(address) for address in mail.to)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        codes = [code for code, _ in refused.values()]
        return MailError(f"SMTP server {server} refused the recipient {_refusals(refused)}",
                         transient=all(_is_transient(code) for code in codes), code=codes[0] if codes else None)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return MailError(f"SMTP server {server} refused the sender {exc.sender} of the mail to {to}: "
                         f"{_reply(exc.smtp_code, exc.smtp_error)}",
                         transient=_is_transient(exc.smtp_code), code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(f"SMTP server {server} did not accept the user name and password: "
                         f"{_reply(exc.smtp_code, exc.smtp_error)}",
                         transient=_is_transient(exc.smtp_code), code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPConnectError):
        return MailError(f"SMTP server {server} refused the connection: {_reply(exc.smtp_code, exc.smtp_error)}",
                         transient=_is_transient(exc.smtp_code), code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(f"SMTP server {server} refused the mail to {to}: {_reply(exc.smtp_code, exc.smtp_error)}",
                         transient=_is_transient(exc.smtp_code), code=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailError(f"SMTP server {server} closed the connection while sending to {to} ({exc})",
                         transient=True)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError(f"SMTP server {server} cannot send the mail to {to}: {exc}", transient=False)
    if isinstance(exc, smtplib.SMTPException):
        return MailError(f"sending the mail to {to} through SMTP server {server} failed: {exc}", transient=False)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(f"the certificate of SMTP server {server} is not trusted ({exc.verify_message}); "
                         f"give the CA that issued it as ca_file ({_ENV['ca_file']})", transient=False)
    if isinstance(exc, ssl.SSLError):
        # An EOF in the handshake is a network hiccup; anything else is a mismatch that stays (often
        # "wrong version number": security tls against a port that expects starttls or none).
        return MailError(f"TLS with SMTP server {server} failed: {exc} (do security and port match the server?)",
                         transient=isinstance(exc, ssl.SSLEOFError))
    if isinstance(exc, TimeoutError):
        return MailError(f"SMTP server {server} did not answer in time while sending to {to}", transient=True)
    if isinstance(exc, ConnectionRefusedError):
        return MailError(f"cannot connect to SMTP server {server}: connection refused", transient=True)
    return MailError(f"cannot reach SMTP server {server}: {exc}", transient=True)
