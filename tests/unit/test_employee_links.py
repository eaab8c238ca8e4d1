"""The secret of an employee's sign-in link: made from the link's id under a key derived from
the audit key, checked in constant time, never the same as the address lookup's key."""

from __future__ import annotations

import base64
from importlib import resources

from eventstore.chain import AuditKey
from infra.settings import Settings
from infra.sign_in_links import LINK_LIFETIME, SignInLinkKey, pages_url

KEY = SignInLinkKey.from_audit_key(AuditKey(b"a" * 32))
LINK_ID = "0123456789abcdef0123456789abcdef"


def test_a_token_names_its_link_and_a_changed_one_names_none() -> None:
    token = KEY.token(LINK_ID)
    assert KEY.link_id(token) == LINK_ID
    other_id = "f" + LINK_ID[1:]
    assert KEY.link_id(f"{other_id}.{token.split('.')[1]}") is None
    assert KEY.link_id(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert KEY.link_id("") is None and KEY.link_id(LINK_ID) is None


def test_another_audit_key_makes_other_links() -> None:
    other = SignInLinkKey.from_audit_key(AuditKey(b"b" * 32))
    assert other.link_id(KEY.token(LINK_ID)) is None


def test_rotating_the_audit_key_keeps_links_sent_and_addresses_stored() -> None:
    first = base64.b64encode(b"a" * 32).decode()
    rotated = SignInLinkKey.from_audit_key(AuditKey.from_base64(
        f"k1:{base64.b64encode(b'n' * 32).decode()},k0:{first}"))
    assert rotated.link_id(KEY.token(LINK_ID)) == LINK_ID
    assert rotated.address_digest("sam@acme.example") == KEY.address_digest("sam@acme.example")


def test_the_link_and_address_keys_differ_from_each_other_and_from_the_audit_key() -> None:
    assert len({KEY.link_key, KEY.address_key, b"a" * 32}) == 3
    assert "***" in repr(KEY) and base64.b64encode(KEY.link_key).decode() not in repr(KEY)


def test_an_address_is_looked_up_whatever_its_case_or_spaces() -> None:
    assert KEY.address_digest(" Sam.Patel@Acme.example ") == KEY.address_digest(
        "sam.patel@acme.example")
    assert KEY.address_digest("sam@acme.example") != KEY.address_digest("kim@acme.example")


def test_the_link_is_under_the_public_address_of_the_pages() -> None:
    url = KEY.url("https://rtw.trust.example/", LINK_ID)
    assert url == f"https://rtw.trust.example/employee/sign-in/{KEY.token(LINK_ID)}"
    assert pages_url(Settings(public_url="https://rtw.trust.example")) == (
        "https://rtw.trust.example")
    assert pages_url(Settings(public_url=None, api_host="127.0.0.1", api_port=8000)) == (
        "http://127.0.0.1:8000")


def test_the_email_says_how_long_the_link_works() -> None:
    text = resources.files("infra").joinpath(
        "notice_templates/employee_sign_in_link.txt").read_text(encoding="utf-8")
    assert f"within {LINK_LIFETIME.total_seconds() // 60:.0f} minutes" in text
