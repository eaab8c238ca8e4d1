"""The store's cipher, with key ids: each ciphertext names the key that made it.

RTW_EVENT_CIPHER_KEY is a key ring (`eventstore.keyring`): the first key encrypts what is
written from now on, every key still decrypts what it wrote. A ciphertext starts with
`MARK`, one byte of key-id length and the key id, then AES-256-GCM (12-byte nonce, then the
sealed bytes with their tag). Rows written before key ids (eventsourcing's `AESCipher`: nonce,
tag, bytes) carry no mark and decrypt with the key `k0`.

The same ring wraps each case's data key (`eventstore.subject_keys`), bound to the case id.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from eventstore.keyring import LEGACY_KEY_ID, KeyRing, parse_key_ring

SETTING = "RTW_EVENT_CIPHER_KEY"
MARK = b"\x00rtw1"
NONCE = 12
TAG = 16


class UnknownCipherKey(ValueError):
    """A ciphertext names a key the configured ring does not hold."""


def cipher_ring(spec: str | None) -> KeyRing:
    """The ring RTW_EVENT_CIPHER_KEY describes (AES keys of 16, 24 or 32 bytes)."""
    return parse_key_ring(spec, setting=SETTING, sizes=(16, 24, 32))


def seal(ring: KeyRing, plaintext: bytes, *, bound_to: bytes | None = None) -> bytes:
    """`plaintext` encrypted by the ring's active key, naming it; `bound_to` is associated data
    that must be given again to open it."""
    kid = ring.active_id.encode()
    nonce = os.urandom(NONCE)
    sealed = AESGCM(ring.active).encrypt(nonce, plaintext, bound_to)
    return MARK + bytes([len(kid)]) + kid + nonce + sealed


def key_id_of(ciphertext: bytes) -> str:
    """The id of the key that made `ciphertext` (`k0` for one from before key ids)."""
    if not ciphertext.startswith(MARK):
        return LEGACY_KEY_ID
    length = ciphertext[len(MARK)]
    return ciphertext[len(MARK) + 1:len(MARK) + 1 + length].decode()


def open_sealed(ring: KeyRing, ciphertext: bytes, *, bound_to: bytes | None = None) -> bytes:
    """The plaintext of `seal`'s output, or of the library's `AESCipher` (with `k0`)."""
    kid = key_id_of(ciphertext)
    key = ring.key(kid)
    if key is None:
        raise UnknownCipherKey(f"{SETTING} holds no key '{kid}', which encrypted this row")
    try:
        if ciphertext.startswith(MARK):
            body = ciphertext[len(MARK) + 1 + ciphertext[len(MARK)]:]
            return AESGCM(key).decrypt(body[:NONCE], body[NONCE:], bound_to)
        # The library's layout: nonce, tag, then the encrypted bytes.
        nonce, tag, encrypted = ciphertext[:NONCE], ciphertext[NONCE:NONCE + TAG], \
            ciphertext[NONCE + TAG:]
        return AESGCM(key).decrypt(nonce, encrypted + tag, bound_to)
    except InvalidTag as error:
        raise ValueError("ciphertext does not decrypt with its key (altered, or bound to "
                         "something else)") from error


class KeyedCipher(Cipher):
    """eventsourcing's cipher interface over a key ring (CIPHER_KEY holds the ring)."""

    def __init__(self, environment: Environment) -> None:
        self.ring = cipher_ring(environment.get("CIPHER_KEY"))

    def encrypt(self, plaintext: bytes) -> bytes:
        return seal(self.ring, plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        return open_sealed(self.ring, ciphertext)
