"""A real SMTP server (aiosmtpd) for the tests: it keeps what it is given."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from localstack.temporal import free_port

# aiosmtpd logs every connection at INFO from its own thread, also after a test's log capture
# has closed; its warnings are enough.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it is given and refuses the addresses it is told
    to, with the reply it is told to give."""

    refusals: dict[str, str] = field(default_factory=dict)
    delivered: list[Delivered] = field(default_factory=list)
    on_delivery: Callable[[Delivered], None] | None = None
    """Called with each message once it is kept, before the server answers 250."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = (envelope.original_content or b"").replace(b"\r\n", b"\n")
        parsed = BytesParser(policy=policy.default).parsebytes(content)
        assert isinstance(parsed, EmailMessage)
        delivered = Delivered(str(envelope.mail_from), list(envelope.rcpt_tos), parsed)
        with self._lock:
            self.delivered.append(delivered)
        if self.on_delivery is not None:
            self.on_delivery(delivered)
        return "250 Message accepted for delivery"

    def messages(self) -> list[Delivered]:
        with self._lock:
            return list(self.delivered)



@contextmanager
def mail_server(mailbox: Mailbox, **options: Any) -> Iterator[str]:
    """aiosmtpd on 127.0.0.1 at a free port, in a thread of its own; yields host:port."""
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port,
                            server_hostname="mail.test", **options)
    controller.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        controller.stop()
