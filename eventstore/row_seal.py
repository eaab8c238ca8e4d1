"""Values in read tables sealed under their case's data key.

A read row that must show who a case is about (the worklist, the employee's contacts) or a
health signal of one person (the reason of each of their absences) keeps it here sealed, never
in clear: AES-GCM under a key derived from the case's data key (`eventstore.subject_keys`) by
HKDF with a label of its own, the case id as associated data (a sealed value copied to another
case's row does not open). Destroying the case's data key (erasure, retention) makes every such
value unreadable wherever a row of it survives. A case opened before data keys gets one when
its rows are projected (`RowSeal(adopt=...)`); only a store without a cipher ring seals
nothing, and its rows show no name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from eventstore.subject_keys import DataKey, SubjectKeys

ROW_LABEL = b"rtw read-row seal v1"
"""The HKDF label of the key derived from a case's data key for its read rows: that key seals
nothing else (the store's events and Temporal payloads derive keys of their own)."""
_NONCE = 12


def _row_key(secret: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=ROW_LABEL).derive(secret)


def seal_value(key: DataKey | None, value: Any) -> bytes | None:
    """`value` (JSON-able) sealed for a read row of `key`'s case; None without a live key."""
    if key is None or key.secret is None:
        return None
    nonce = os.urandom(_NONCE)
    plain = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return nonce + AESGCM(_row_key(key.secret)).encrypt(nonce, plain, key.case_id.encode())


def open_value(key: DataKey | None, sealed: bytes | None) -> Any | None:
    """What `seal_value` sealed, or None: no value, a destroyed or missing key, or a value
    that does not open for this case (moved from another row, or altered)."""
    if sealed is None or key is None or key.secret is None:
        return None
    blob = bytes(sealed)
    try:
        plain = AESGCM(_row_key(key.secret)).decrypt(blob[:_NONCE], blob[_NONCE:],
                                                     key.case_id.encode())
    except (InvalidTag, ValueError):
        return None
    return json.loads(plain)


class RowSeal:
    """Seals and opens read-row values with the data keys of one store (`get` is cached, so
    a projector that has just read a case's event finds its key without a query). Given
    `adopt` (the store's `adopt_key`), a case opened before data keys existed gets its key
    when a row of it is first sealed, so its rows name the employee like any other."""

    def __init__(self, keys: SubjectKeys, *,
                 adopt: Callable[[str], DataKey | None] | None = None) -> None:
        self._keys = keys
        self._adopt = adopt

    def seal(self, case_id: str, value: Any) -> bytes | None:
        key = self._keys.get(case_id)
        if key is None and self._adopt is not None:
            key = self._adopt(case_id)
        return seal_value(key, value)

    def open_many(self, sealed: Iterable[tuple[str, bytes | None]]) -> dict[str, Any | None]:
        """Each case's value opened, the keys read in one query. Synchronous: from a thread."""
        pairs = list(sealed)
        keys = self._keys.get_many([case_id for case_id, _ in pairs]) if pairs else {}
        return {case_id: open_value(keys.get(case_id), blob) for case_id, blob in pairs}
