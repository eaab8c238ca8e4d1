"""The SMTP channel against a real SMTP server (aiosmtpd) on a free port of this machine."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infra.notice_channels import (
    DeliveryFailed,
    OutgoingMessage,
    SmtpChannel,
    parse_smtp_url,
)
from localstack.temporal import free_port
from tests.support.mail import Mailbox, mail_server

FROM = "Occupational Health <oh@acme.example>"
SENT_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LOGIN = "oh@acme.example"
PASSWORD = "p@ss:w/rd"  # characters that must be percent-encoded in a URL


def check_login(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                auth_data: Any) -> AuthResult:
    given = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(), auth_data.password.decode()) == (LOGIN, PASSWORD)
    # handled=False: aiosmtpd answers the failure itself (535), as a real server would.
    return AuthResult(success=given, handled=False)


@dataclass(frozen=True)
class Certificate:
    server_context: ssl.SSLContext
    client_context: ssl.SSLContext


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, and a client context that trusts only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rtw test mail server")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("smtp-tls")
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return Certificate(server_context=server_context,
                       client_context=ssl.create_default_context(cadata=cert_pem.decode()))


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def plain_server(mailbox: Mailbox) -> Iterator[str]:
    with mail_server(mailbox) as address:
        yield address


def channel(url: str, **options: Any) -> SmtpChannel:
    return SmtpChannel(parse_smtp_url(url), from_address=FROM, timeout=5.0,
                       clock=lambda: SENT_AT, **options)


def notice(**changes: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "reference": "ntc/4f2a/1", "kind": "early_contact_due", "case_id": "case-77",
        "employer_id": "acme-trust", "recipient_role": "manager",
        "to": "jo.bloggs@acme.example", "subject": "Please call Zoë Patel \u2013 today",
        "body": "Zoë Patel has been absent since Monday 2 March.\nPlease call her today.",
    }
    return OutgoingMessage(**(values | changes))


async def test_a_notice_arrives_as_a_plain_email_carrying_its_reference(
    plain_server: str, mailbox: Mailbox,
) -> None:
    await channel(f"smtp://{plain_server}").send(notice())

    [delivered] = mailbox.delivered
    email = delivered.message
    assert (delivered.mail_from, delivered.rcpt_tos) == ("oh@acme.example",
                                                         ["jo.bloggs@acme.example"])
    assert email["From"] == FROM
    assert email["To"] == "jo.bloggs@acme.example"
    assert email["Subject"] == "Please call Zoë Patel \u2013 today"
    assert email.get_content_type() == "text/plain"
    assert email.get_content().rstrip("\n") == notice().body
    assert email["Message-ID"] == "<ntc.4f2a.1@rtw.notices>"
    assert email["X-RTW-Notice"] == "ntc/4f2a/1"
    assert email["Date"].datetime == SENT_AT
    assert email["Auto-Submitted"] == "auto-generated"


async def test_a_resend_arrives_again_with_the_same_message_id(
    plain_server: str, mailbox: Mailbox,
) -> None:
    smtp = channel(f"smtp://{plain_server}")

    await smtp.send(notice())
    await smtp.send(notice())
    await smtp.send(notice(reference="ntc/4f2a/2"))

    assert [d.message["Message-ID"] for d in mailbox.delivered] == [
        "<ntc.4f2a.1@rtw.notices>", "<ntc.4f2a.1@rtw.notices>", "<ntc.4f2a.2@rtw.notices>"]


@pytest.fixture
def login_server(mailbox: Mailbox) -> Iterator[str]:
    """A server that takes mail only after a login (over plain SMTP, which aiosmtpd warns
    about: fine between two ends of one test)."""
    with mail_server(mailbox, authenticator=check_login, auth_required=True,
                     auth_require_tls=False) as address:
        yield address


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_the_login_in_the_url_is_percent_decoded_and_used(
    login_server: str, mailbox: Mailbox,
) -> None:
    url = f"smtp://{quote(LOGIN, safe='')}:{quote(PASSWORD, safe='')}@{login_server}"

    await channel(url).send(notice())

    assert len(mailbox.delivered) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_a_wrong_password_fails_for_now_and_delivers_nothing(
    login_server: str, mailbox: Mailbox,
) -> None:
    """Not permanent: the notice is fine, rtw's login is not; once an operator corrects it,
    the notices still waiting go out."""
    url = f"smtp://{quote(LOGIN, safe='')}:wrong@{login_server}"

    with pytest.raises(DeliveryFailed, match="535") as failed:
        await channel(url).send(notice())

    assert not failed.value.permanent
    assert "RTW_SMTP_URL" in failed.value.reason
    assert mailbox.delivered == []


async def test_smtps_speaks_tls_from_the_first_byte(
    mailbox: Mailbox, certificate: Certificate,
) -> None:
    with mail_server(mailbox, ssl_context=certificate.server_context) as address:
        await channel(f"smtps://{address}",
                      tls_context=certificate.client_context).send(notice())

    [delivered] = mailbox.delivered
    assert delivered.message["X-RTW-Notice"] == "ntc/4f2a/1"


async def test_smtps_refuses_a_certificate_it_does_not_trust(
    mailbox: Mailbox, certificate: Certificate,
) -> None:
    with (mail_server(mailbox, ssl_context=certificate.server_context) as address,
          pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED") as failed):
        await channel(f"smtps://{address}").send(notice())  # the system's trust only

    assert not failed.value.permanent
    assert mailbox.delivered == []


async def test_a_recipient_refused_for_good_fails_permanently_without_the_address(
    plain_server: str, mailbox: Mailbox,
) -> None:
    mailbox.refusals["left@acme.example"] = "550 5.1.1 <left@acme.example>: no such user"

    with pytest.raises(DeliveryFailed) as failed:
        await channel(f"smtp://{plain_server}").send(notice(to="left@acme.example"))

    assert failed.value.permanent
    assert "550" in failed.value.reason
    assert "left@acme.example" not in failed.value.reason
    assert mailbox.delivered == []


async def test_a_recipient_refused_for_now_fails_for_now(
    plain_server: str, mailbox: Mailbox,
) -> None:
    mailbox.refusals["busy@acme.example"] = "451 4.2.1 mailbox busy, try again later"

    with pytest.raises(DeliveryFailed, match="451") as failed:
        await channel(f"smtp://{plain_server}").send(notice(to="busy@acme.example"))

    assert not failed.value.permanent


async def test_a_server_that_is_down_fails_for_now() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await channel(f"smtp://127.0.0.1:{free_port()}").send(notice())

    assert not failed.value.permanent
