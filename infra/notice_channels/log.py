"""The channel of a machine without mail: each notice becomes one log line."""

from __future__ import annotations

import logging

from infra.notice_channels.base import OutgoingMessage

log = logging.getLogger("rtw.notices")


class LogChannel:
    """Writes one line per notice: its id, kind, the recipient's role and the case id.

    Never the address, subject or body: logs are kept for long, copied to aggregators and pasted
    into tickets, and a notice's words and address are personal data. The notice id is enough
    to find the rest where access to it is controlled and recorded.
    """

    name = "log"

    async def send(self, message: OutgoingMessage) -> None:
        log.info("notice %s (%s) to %s on case %s", message.reference, message.kind,
                 message.recipient_role, message.case_id)

    async def close(self) -> None:
        return None
