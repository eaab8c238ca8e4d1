"""The secret of an employee's one-time sign-in link, and the keyed digest of their address.

A link row (`readside.employee_links`) holds an id and never a secret: the secret in the link
is an HMAC of the id under a key derived (HKDF-SHA256) from the audit key, RTW_AUDIT_HMAC_KEY,
with a label of its own. The API, which checks a link, and the relay, which writes it into the
email at send time, both hold the audit key already, so no new setting is needed and a copy of
the database alone cannot make a working link. The address lookup uses a second derived key
(another label), so the read side keeps a keyed digest of each employee's address, not the
address: a list of guessed addresses cannot be tested against a copied table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from eventstore.chain import AuditKey
from infra.settings import Settings

LINK_LIFETIME = timedelta(minutes=15)
"""A link works once, within this long of being asked for (a security constant, not policy)."""

LINKS_PER_HOUR = 3
"""At most this many links are sent to one address in any hour; further asks send nothing."""

LINK_PATH = "/employee/sign-in/"

_LINK_LABEL = b"rtw employee sign-in link v1"
_ADDRESS_LABEL = b"rtw employee address lookup v1"
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)


def normalised_address(address: str) -> str:
    """An email address as it is compared: trimmed, in lower case."""
    return address.strip().lower()


@dataclass(frozen=True, repr=False)
class SignInLinkKey:
    """The two keys derived from the audit key; `repr` never shows them."""

    link_key: bytes
    address_key: bytes

    @classmethod
    def from_audit_key(cls, audit_key: AuditKey) -> SignInLinkKey:
        # The ring's oldest key, not the active one: rotating the chain key must not break the
        # links already sent nor the digests of addresses already stored.
        return cls(link_key=_derive(audit_key.first, _LINK_LABEL),
                   address_key=_derive(audit_key.first, _ADDRESS_LABEL))

    def __repr__(self) -> str:
        return "SignInLinkKey(***)"

    def _secret(self, link_id: str) -> str:
        mac = hmac.new(self.link_key, link_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def token(self, link_id: str) -> str:
        """What the link carries: its id and the id's HMAC."""
        return f"{link_id}.{self._secret(link_id)}"

    def link_id(self, token: str) -> str | None:
        """The link id a token names, if its secret is right; None for anything else."""
        found = _TOKEN.match(token)
        if found is None:
            return None
        link_id, secret = found.groups()
        return link_id if hmac.compare_digest(secret, self._secret(link_id)) else None

    def url(self, base_url: str, link_id: str) -> str:
        """The whole link, under the address people reach rtw's pages at."""
        return f"{base_url.rstrip('/')}{LINK_PATH}{self.token(link_id)}"

    def address_digest(self, address: str) -> str:
        """The keyed digest an address is looked up by."""
        return hmac.new(self.address_key, normalised_address(address).encode(),
                        hashlib.sha256).hexdigest()


def pages_url(settings: Settings) -> str:
    """Where people reach rtw's pages: RTW_PUBLIC_URL, else the API's own address."""
    return settings.public_url or f"http://{settings.api_host}:{settings.api_port}"
