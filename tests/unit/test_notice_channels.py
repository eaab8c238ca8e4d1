"""The channels' settings and the refusals they make before touching a network."""

from __future__ import annotations

import logging
from email.headerregistry import HeaderRegistry
from typing import Any

import pytest

from infra.notice_channels import (
    ChannelNotConfigured,
    DeliveryFailed,
    LogChannel,
    NotifyChannel,
    OutgoingMessage,
    SmtpChannel,
    SmtpSettings,
    build_channel,
    parse_smtp_url,
)
from infra.notice_channels.smtp import message_id
from infra.settings import Settings

NOTIFY_KEY = ("rtw_test-8b3aa916-ec82-434e-b0c5-d5d9b371d6a3-"
              "d7dad3b4-0c02-4c3f-a3e6-6ee2a1bc6b7c")


def message(**changes: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "reference": "ntc/4f2a/1", "kind": "early_contact_due", "case_id": "case-77",
        "employer_id": "acme-trust", "recipient_role": "manager",
        "to": "jo.bloggs@acme.example", "subject": "Please contact Sam Patel today",
        "body": "Sam Patel has been absent since Monday.",
        "personalisation": {"employee_name": "Sam Patel"},
        "notify_template_id": "0d4f9a39-5c5e-4a59-9d7a-3f7f2f0d0c11",
    }
    return OutgoingMessage(**(values | changes))


def settings(**values: Any) -> Settings:
    """Settings from these values only: no RTW_* variable or local.env fills a gap."""
    unset: dict[str, Any] = {"smtp_url": None, "smtp_from": None, "smtp_username": None,
                             "smtp_password": None, "notify_api_key": None}
    return Settings(_env_file=None, **(unset | values))


@pytest.mark.parametrize(("url", "username", "password", "expected"), [
    ("smtp://relay.trust.example", None, None,
     SmtpSettings(host="relay.trust.example", port=25, implicit_tls=False)),
    ("smtps://mail.example:2465/", None, None,
     SmtpSettings(host="mail.example", port=2465, implicit_tls=True)),
    ("smtps://mail.example", None, None,
     SmtpSettings(host="mail.example", port=465, implicit_tls=True)),
    ("smtp://[::1]:2525", None, None, SmtpSettings(host="::1", port=2525, implicit_tls=False)),
    ("smtps://oh%40trust.example:p%40ss%3Aw%2Frd@mail.example", None, None,
     SmtpSettings(host="mail.example", port=465, implicit_tls=True,
                  username="oh@trust.example", password="p@ss:w/rd")),
    ("smtps://mail.example", "oh", "secret",
     SmtpSettings(host="mail.example", port=465, implicit_tls=True, username="oh",
                  password="secret")),
    ("smtps://oh@mail.example", None, "secret",
     SmtpSettings(host="mail.example", port=465, implicit_tls=True, username="oh",
                  password="secret")),
    ("smtps://oh:secret@mail.example", "oh", "secret",
     SmtpSettings(host="mail.example", port=465, implicit_tls=True, username="oh",
                  password="secret")),
])
def test_smtp_url_gives_server_tls_and_login(
    url: str, username: str | None, password: str | None, expected: SmtpSettings,
) -> None:
    assert parse_smtp_url(url, username, password) == expected


@pytest.mark.parametrize(("url", "username", "password", "names"), [
    ("http://mail.example", None, None, "RTW_SMTP_URL"),
    ("mail.example:25", None, None, "RTW_SMTP_URL"),
    ("smtp://", None, None, "RTW_SMTP_URL"),
    ("smtp://u:hunter2@mail.example:99999", None, None, "RTW_SMTP_URL"),
    ("smtp://u:hunter2@mail.example:0", None, None, "RTW_SMTP_URL"),
    ("smtp://mail.example:twenty-five", None, None, "RTW_SMTP_URL"),
    ("smtp://u:hunter2@mail.example/inbox", None, None, "RTW_SMTP_URL"),
    ("smtp://mail.example?tls=1", None, None, "RTW_SMTP_URL"),
    ("smtp://alice:hunter2@mail.example", "bob", None, "RTW_SMTP_USERNAME"),
    ("smtp://alice:hunter2@mail.example", None, "other", "RTW_SMTP_PASSWORD"),
    ("smtp://alice@mail.example", None, None, "RTW_SMTP_PASSWORD"),
    ("smtp://mail.example", None, "hunter2", "RTW_SMTP_USERNAME"),
])
def test_bad_smtp_url_names_the_variable_and_never_echoes_a_password(
    url: str, username: str | None, password: str | None, names: str,
) -> None:
    with pytest.raises(ValueError, match=names) as refused:
        parse_smtp_url(url, username, password)

    assert "hunter2" not in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_reference_with_slashes_becomes_a_valid_message_id() -> None:
    header = HeaderRegistry()("Message-ID", message_id("ntc/4f2a 9/1"))

    assert str(header) == "<ntc.4f2a.9.1@rtw.notices>"
    assert header.defects == ()


@pytest.mark.parametrize(("values", "names"), [
    ({"notify_channel": "smtp"}, "RTW_SMTP_URL"),
    ({"notify_channel": "smtp", "smtp_url": "smtp://relay.example"}, "RTW_SMTP_FROM"),
    ({"notify_channel": "smtp", "smtp_url": "smtp://relay.example", "smtp_from": "nobody"},
     "RTW_SMTP_FROM"),
    ({"notify_channel": "smtp", "smtp_url": "smtp://relay.example", "smtp_from": "a@b.example",
      "smtp_username": "oh"}, "RTW_SMTP_PASSWORD"),
    ({"notify_channel": "notify"}, "RTW_NOTIFY_API_KEY"),
    ({"notify_channel": "notify", "notify_api_key": "not-a-notify-key"}, "RTW_NOTIFY_API_KEY"),
    ({"notify_channel": "notify", "notify_api_key": NOTIFY_KEY[:-1] + "x"},
     "RTW_NOTIFY_API_KEY"),
])
def test_a_channel_missing_a_setting_is_refused_in_one_line_naming_it(
    values: dict[str, Any], names: str,
) -> None:
    with pytest.raises(ChannelNotConfigured, match=names) as refused:
        build_channel(settings(**values))

    assert isinstance(refused.value, ValueError)
    assert "\n" not in str(refused.value)


def test_each_channel_is_built_from_its_settings() -> None:
    smtp = build_channel(settings(notify_channel="smtp",
                                  smtp_url="smtps://oh:secret@mail.example:2465",
                                  smtp_from="Occupational Health <oh@acme.example>"))
    notify = build_channel(settings(notify_channel="notify", notify_api_key=NOTIFY_KEY,
                                    notify_base_url="http://127.0.0.1:9"))

    assert isinstance(build_channel(settings()), LogChannel)
    assert isinstance(smtp, SmtpChannel)
    assert smtp.settings == SmtpSettings(host="mail.example", port=2465, implicit_tls=True,
                                         username="oh", password="secret")
    assert "secret" not in repr(smtp.settings)
    assert isinstance(notify, NotifyChannel)
    assert notify.base_url == "http://127.0.0.1:9"


async def test_log_channel_writes_role_and_case_but_no_address_subject_or_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notice = message()
    with caplog.at_level(logging.INFO, logger="rtw.notices"):
        await LogChannel().send(notice)

    lines = [record.getMessage() for record in caplog.records if record.name == "rtw.notices"]
    assert lines == ["notice ntc/4f2a/1 (early_contact_due) to manager on case case-77"]
    everything = caplog.text + repr([record.args for record in caplog.records])
    for private in ("jo.bloggs", "Sam Patel", "absent", "contact Sam"):
        assert private not in everything


async def test_log_channel_manages_without_an_address() -> None:
    await LogChannel().send(message(to=None))


@pytest.mark.parametrize("channel", [
    SmtpChannel(SmtpSettings(host="127.0.0.1", port=9, implicit_tls=False),
                from_address="oh@acme.example"),
    NotifyChannel(NOTIFY_KEY, base_url="http://127.0.0.1:9"),
], ids=["smtp", "notify"])
async def test_no_address_fails_for_good_naming_the_role(channel: Any) -> None:
    with pytest.raises(DeliveryFailed, match="manager of case case-77") as failed:
        await channel.send(message(to=None))

    assert failed.value.permanent


async def test_notify_without_a_template_fails_for_good_naming_kind_and_employer() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await NotifyChannel(NOTIFY_KEY, base_url="http://127.0.0.1:9").send(
            message(notify_template_id=None))

    assert failed.value.permanent
    assert "early_contact_due" in failed.value.reason
    assert "acme-trust" in failed.value.reason


async def test_a_subject_with_a_line_break_fails_for_good() -> None:
    channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=9, implicit_tls=False),
                          from_address="oh@acme.example")

    with pytest.raises(DeliveryFailed) as failed:
        await channel.send(message(subject="Hello\r\nBcc: everyone@acme.example"))

    assert failed.value.permanent
