"""Webhooks by the book: Standard Webhooks signatures and https-only endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activities.webhooks import WebhookDirectory, check_url, signing_key, standard_signature
from infra.employers import EmployerDirectory

# The example the Standard Webhooks specification publishes (its reference libraries' test).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_matches_the_specifications_example() -> None:
    assert standard_signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_a_secret_configured_before_the_specification_signs_with_its_own_bytes() -> None:
    assert signing_key("whsec-test-0123456789") == b"whsec-test-0123456789"
    assert signing_key("whsec_" + "aGVsbG8=") == b"hello"


def test_a_malformed_whsec_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="must be base64"):
        signing_key("whsec_not base64!")


@pytest.mark.parametrize("url", [
    "https://hr.example.org/rtw", "http://127.0.0.1:8080/hook", "http://localhost/hook",
    "http://[::1]:9000/hook",
])
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    check_url("acme-trust", "webhook.url", url)


@pytest.mark.parametrize("url", [
    "http://hr.example.org/rtw", "http://10.0.0.5/hook", "ftp://hr.example.org/",
    "https:///no-host", "hr.example.org",
])
def test_anything_else_is_refused_naming_the_employer_and_the_field(url: str) -> None:
    with pytest.raises(ValueError) as refused:
        check_url("acme-trust", "webhook.url", url)

    assert str(refused.value) == (f"employer acme-trust: webhook.url must be an https:// URL "
                                  f"(http:// only to a loopback address), not {url!r}")


def test_the_webhooks_file_is_refused_at_load_for_a_plain_http_url(tmp_path: Path) -> None:
    path = tmp_path / "webhooks.json"
    path.write_text(json.dumps({
        "acme-trust": {"url": "https://hr.acme.example/rtw", "secret": "s1"},
        "beta-trust": {"url": "http://hr.beta.example/rtw", "secret": "s2"},
    }))

    with pytest.raises(ValueError, match=r"^employer beta-trust: 'url' in .*webhooks\.json "
                                         r"must be an https:// URL"):
        WebhookDirectory.load(path)


def test_an_employer_file_with_a_plain_http_webhook_is_refused_at_load(tmp_path: Path) -> None:
    (tmp_path / "trust-a.json").write_text(json.dumps({
        "mailboxes": {"oh": "oh@trust-a.example.org", "hr": "hr@trust-a.example.org"},
        "webhook": {"url": "http://hr.trust-a.example.org/rtw", "secret": "whsec-a"}}))

    with pytest.raises(ValueError) as refused:
        WebhookDirectory.load(None, EmployerDirectory.load(tmp_path))

    assert str(refused.value) == (
        "employer trust-a: webhook.url in its employer file must be an https:// URL (http:// "
        "only to a loopback address), not 'http://hr.trust-a.example.org/rtw'")
