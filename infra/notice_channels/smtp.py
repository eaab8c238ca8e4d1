"""Notices by email through an SMTP server (a trust's relay, or a mail service's submission
port), with aiosmtplib.

One connection per notice: notices come a few a minute, not thousands a second, and a fresh
connection cannot be half-closed by a relay's idle timeout or left in a failed transaction by the
notice before. A send that fails leaves nothing behind to clean up.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from infra.notice_channels.base import DeliveryFailed, OutgoingMessage

DEFAULT_TIMEOUT = 30.0
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_URL_FORM = (
    "expected smtp://host[:port] (STARTTLS when the server offers it, port 25 unless given) "
    "or smtps://host[:port] (TLS "
    "from the first byte, port 465 unless given), with user:password@ before the host, "
    "percent-encoded, where the server asks for a login"
)
# Characters a msg-id's left part may hold (RFC 5322 atext, less "/", which some mail
# software mistakes for a path); any other run of characters becomes one ".".
_NOT_IN_MSG_ID = re.compile(r"[^A-Za-z0-9!#$%&'*+\-=?^_`{|}~]+")


@dataclass(frozen=True)
class SmtpSettings:
    """Where the mail server is and how to log in to it, as RTW_SMTP_URL and the separate
    credential variables say."""

    host: str
    port: int
    implicit_tls: bool
    """smtps://: TLS from the first byte. smtp://: STARTTLS when the server offers it (a
    submission port), plain only with a server that offers none (a relay on a trusted
    network)."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def _bad_url(problem: str) -> ValueError:
    # The URL itself is left out of the message: it may hold a password.
    return ValueError(f"RTW_SMTP_URL {problem}: {_URL_FORM}")


def _given_once(in_url: str | None, separate: str | None, what: str, variable: str) -> str | None:
    if in_url is not None and separate is not None and in_url != separate:
        raise ValueError(
            f"RTW_SMTP_URL and {variable} both give the {what}, and they differ: give it once"
        )
    return in_url if in_url is not None else separate


def parse_smtp_url(url: str, username: str | None = None,
                   password: str | None = None) -> SmtpSettings:
    """The server and login of RTW_SMTP_URL; `username` and `password` (RTW_SMTP_USERNAME,
    RTW_SMTP_PASSWORD) fill in what the URL leaves out, so a password can come from a secret
    store apart from the URL. Raises ValueError naming the variable and the accepted forms."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _DEFAULT_PORTS:
        raise _bad_url("must start with smtp:// or smtps://")
    if not parts.hostname:
        raise _bad_url("names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _bad_url("has a path, query or fragment after the host")
    try:
        port = parts.port
    except ValueError:
        raise _bad_url("has a port that is not a number from 1 to 65535") from None
    if port == 0:
        raise _bad_url("has a port that is not a number from 1 to 65535")
    user = _given_once(unquote(parts.username) if parts.username else None, username or None,
                       "user name", "RTW_SMTP_USERNAME")
    secret = _given_once(unquote(parts.password) if parts.password else None, password or None,
                         "password", "RTW_SMTP_PASSWORD")
    if user is not None and secret is None:
        raise ValueError("RTW_SMTP_URL names a user but no password is given: put it in the "
                         "URL (percent-encoded) or in RTW_SMTP_PASSWORD")
    if user is None and secret is not None:
        raise ValueError("a password is given for the mail server but no user name: put it in "
                         "RTW_SMTP_URL (smtps://user:password@host) or in RTW_SMTP_USERNAME")
    return SmtpSettings(
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[parts.scheme],
        implicit_tls=parts.scheme == "smtps",
        username=user,
        password=secret,
    )


def message_id(reference: str) -> str:
    """The Message-ID of a notice: the same on every attempt, so a resend after a crash shows
    in the recipient's mail as the same message, not as a second notice."""
    left = ".".join(part for part in _NOT_IN_MSG_ID.split(reference) if part) or "notice"
    return f"<{left}@rtw.notices>"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SmtpChannel:
    """Sends each notice as a plain-text email, on a connection of its own."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings, *, from_address: str,
                 timeout: float = DEFAULT_TIMEOUT, tls_context: ssl.SSLContext | None = None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        """`tls_context`: the TLS trust to use for smtps:// (the system's by default; a test
        passes one that trusts its own certificate). `clock` dates the messages."""
        envelope_sender = parseaddr(from_address)[1]
        if "\r" in from_address or "\n" in from_address or "@" not in envelope_sender:
            raise ValueError("RTW_SMTP_FROM must be the sender's address, e.g. "
                             "oh@trust.example or 'Occupational Health <oh@trust.example>'")
        self.settings = settings
        self.from_address = from_address
        self._envelope_sender = envelope_sender
        self._timeout = timeout
        self._tls_context = tls_context
        self._clock = clock

    def compose(self, message: OutgoingMessage, to: str) -> EmailMessage:
        """The email of a notice; ValueError where a header cannot hold what it is given."""
        email = EmailMessage()
        email["From"] = self.from_address
        email["To"] = to
        email["Subject"] = message.subject
        email["Date"] = format_datetime(self._clock())
        email["Message-ID"] = message_id(message.reference)
        email["X-RTW-Notice"] = message.reference
        # RFC 3834: no out-of-office replies to a machine's notices.
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.body)
        return email

    async def send(self, message: OutgoingMessage) -> None:
        if message.to is None:
            raise DeliveryFailed(
                f"no email address for the {message.recipient_role} of case {message.case_id}",
                permanent=True)
        try:
            email = self.compose(message, message.to)
            await aiosmtplib.send(
                email,
                sender=self._envelope_sender,
                recipients=[message.to],
                hostname=self.settings.host,
                port=self.settings.port,
                username=self.settings.username,
                password=self.settings.password,
                use_tls=self.settings.implicit_tls,
                # smtp://: upgraded with STARTTLS whenever the server offers it (as a
                # submission port on 587 does), so a login never crosses in clear there.
                start_tls=None if not self.settings.implicit_tls else False,
                tls_context=self._tls_context,
                timeout=self._timeout,
            )
        except ValueError as error:
            # A header with a line break, an address aiosmtplib will not put in a command:
            # the same notice would fail the same way every time.
            raise DeliveryFailed(f"notice {message.reference} cannot be sent as an email: "
                                 f"{error}", permanent=True) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise self._failure(error) from error

    def _failure(self, error: Exception) -> DeliveryFailed:
        """Permanent only where the server refuses this message (its recipient or content)
        for good: a 5xx to RCPT or DATA. Anything about the connection, the server or rtw's
        own login or sender is not permanent: once an operator fixes it, the notices still
        waiting go out, and the relay's attempt limit bounds the retries meanwhile. The
        server's reply text is left out of a refusal: it often repeats the address."""
        server = f"{self.settings.host}:{self.settings.port}"
        if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
            codes = [refused.code for refused in error.recipients]
            return DeliveryFailed(
                f"the mail server at {server} refused the recipient "
                f"({', '.join(str(code) for code in codes)})",
                permanent=bool(codes) and all(code >= 500 for code in codes))
        if isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
            return DeliveryFailed(f"the mail server at {server} refused the message "
                                  f"({error.code})", permanent=error.code >= 500)
        if isinstance(error, aiosmtplib.SMTPAuthenticationError):
            return DeliveryFailed(
                f"the mail server at {server} refused rtw's login ({error.code} "
                f"{error.message}): check the user and password of RTW_SMTP_URL",
                permanent=False)
        if isinstance(error, aiosmtplib.SMTPResponseException):
            return DeliveryFailed(f"the mail server at {server} answered {error.code} "
                                  f"{error.message}", permanent=False)
        return DeliveryFailed(f"could not send through the mail server at {server}: "
                              f"{type(error).__name__}: {error}", permanent=False)

    async def close(self) -> None:
        # Nothing is held open between notices.
        return None
