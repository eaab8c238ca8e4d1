"""Where notices go: the log, an SMTP server or GOV.UK Notify, chosen by RTW_NOTIFY_CHANNEL."""

from __future__ import annotations

from infra.notice_channels.base import DeliveryFailed, NoticeChannel, OutgoingMessage
from infra.notice_channels.govuk_notify import NotifyChannel
from infra.notice_channels.log import LogChannel
from infra.notice_channels.smtp import SmtpChannel, SmtpSettings, parse_smtp_url
from infra.settings import Settings

__all__ = [
    "ChannelNotConfigured",
    "DeliveryFailed",
    "LogChannel",
    "NoticeChannel",
    "NotifyChannel",
    "OutgoingMessage",
    "SmtpChannel",
    "SmtpSettings",
    "build_channel",
    "parse_smtp_url",
]


class ChannelNotConfigured(ValueError):
    """The chosen channel lacks a setting, or has one it cannot use. The message is one line
    naming the RTW_* variable and what it must hold, fit to print before exiting."""


def build_channel(settings: Settings) -> NoticeChannel:
    """The channel RTW_NOTIFY_CHANNEL names, built from its settings, or ChannelNotConfigured.

    Checked here, at start-up, so that a process with a channel it cannot use refuses to start
    instead of failing every notice later."""
    if settings.notify_channel == "log":
        return LogChannel()
    if settings.notify_channel == "smtp":
        if not settings.smtp_url:
            raise ChannelNotConfigured(
                "RTW_SMTP_URL is not set: RTW_NOTIFY_CHANNEL=smtp needs the mail server as "
                "smtp://host[:port] or smtps://host[:port] (with user:password@ for a login)")
        if not settings.smtp_from:
            raise ChannelNotConfigured(
                "RTW_SMTP_FROM is not set: RTW_NOTIFY_CHANNEL=smtp needs the sender's address, "
                "e.g. oh@trust.example")
        try:
            server = parse_smtp_url(settings.smtp_url, settings.smtp_username,
                                    settings.smtp_password)
            return SmtpChannel(server, from_address=settings.smtp_from)
        except ValueError as error:
            raise ChannelNotConfigured(str(error)) from None
    if not settings.notify_api_key:
        raise ChannelNotConfigured(
            "RTW_NOTIFY_API_KEY is not set: RTW_NOTIFY_CHANNEL=notify needs a GOV.UK Notify API "
            "key ({key name}-{service id}-{secret key})")
    try:
        return NotifyChannel(settings.notify_api_key, base_url=settings.notify_base_url)
    except ValueError as error:
        raise ChannelNotConfigured(str(error)) from None
