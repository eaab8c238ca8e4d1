"""Key ids for the store cipher and the chain MAC: new writes name the active key, what older
keys wrote still reads and verifies, and a row or MAC made before key ids counts as `k0`."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from domain.evolve import ReplayError
from eventstore.chain import (
    AuditKey,
    AuditKeyError,
    event_mac,
    head_for,
    head_is_authentic,
    mac_holds,
    mac_key_id,
    sign_event,
)
from eventstore.cipher import (
    KeyedCipher,
    UnknownCipherKey,
    cipher_ring,
    key_id_of,
    open_sealed,
    seal,
)
from eventstore.keyring import KeyRingError
from eventstore.records import CaseEventRecord
from eventstore.replay import replay
from eventstore.subject_keys import (
    ERASED_DATA,
    DataKey,
    is_sealed,
    seal_record,
    unseal_record,
)

K0 = base64.b64encode(b"0" * 32).decode()
K1 = base64.b64encode(b"1" * 32).decode()
CASE = "6f1c2d3e-4b5a-5c6d-8e7f-0a1b2c3d4e5f"


def record(position: int = 1, *, data: dict[str, object] | None = None,
           role: str = "hr", actor: str = "hr-system") -> CaseEventRecord:
    return CaseEventRecord(
        originator_id=UUID(CASE), originator_version=position,
        timestamp=datetime(2026, 11, 20, 9, tzinfo=UTC), event_id=f"{CASE}/{position}",
        event_type="CaseOpened", occurred_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
        actor_id=actor, actor_role=role, source="api", reason="absence notified by HR",
        policy_version="p1", workflow_id=CASE, run_id="r1", trace_id="",
        data=data or {"employee": {"id": "E1", "name": "Ada Lovelace"}},
    )


def test_the_cipher_names_its_active_key_and_reads_with_every_key_of_the_ring() -> None:
    old = KeyedCipher(Environment(env={"CIPHER_KEY": f"k0:{K0}"}))
    rotated = KeyedCipher(Environment(env={"CIPHER_KEY": f"k1:{K1},k0:{K0}"}))

    written_before = old.encrypt(b"before")
    written_after = rotated.encrypt(b"after")

    assert (key_id_of(written_before), key_id_of(written_after)) == ("k0", "k1")
    assert rotated.decrypt(written_before) == b"before"
    assert rotated.decrypt(written_after) == b"after"
    with pytest.raises(UnknownCipherKey, match="RTW_EVENT_CIPHER_KEY holds no key 'k1'"):
        old.decrypt(written_after)


def test_a_row_of_the_library_cipher_decrypts_as_written_by_k0() -> None:
    legacy = AESCipher(Environment(env={"CIPHER_KEY": K0})).encrypt(b"stored in 2025")

    assert key_id_of(legacy) == "k0"
    assert KeyedCipher(Environment(env={"CIPHER_KEY": f"k1:{K1},k0:{K0}"})).decrypt(
        legacy) == b"stored in 2025"
    assert KeyedCipher(Environment(env={"CIPHER_KEY": K0})).decrypt(legacy) == b"stored in 2025"


def test_sealed_bytes_open_only_with_what_they_were_bound_to() -> None:
    ring = cipher_ring(f"k0:{K0}")
    wrapped = seal(ring, b"data key", bound_to=b"case-a")

    assert open_sealed(ring, wrapped, bound_to=b"case-a") == b"data key"
    with pytest.raises(ValueError, match="bound to something else"):
        open_sealed(ring, wrapped, bound_to=b"case-b")


def test_a_bad_cipher_ring_names_the_setting() -> None:
    with pytest.raises(KeyRingError, match="RTW_EVENT_CIPHER_KEY: key 'k0' must be 16 or 24 or"):
        cipher_ring(base64.b64encode(b"short").decode())


def test_new_events_are_macd_by_the_active_key_and_old_macs_still_verify() -> None:
    before = AuditKey.from_base64(K0)
    after = AuditKey.from_base64(f"k1:{K1},k0:{K0}")
    first = record(1)
    legacy_mac = event_mac(before, first, "")
    second = record(2)
    new_mac = sign_event(after, second, legacy_mac)

    assert mac_key_id(legacy_mac) == "k0" and mac_key_id(new_mac) == "k1"
    assert new_mac.startswith("2:k1:")
    assert mac_holds(after, CaseEventRecord(**{**first.__dict__, "mac": legacy_mac}), "")
    assert mac_holds(after, CaseEventRecord(**{**second.__dict__, "mac": new_mac}), legacy_mac)
    # Without k1 the new MAC cannot be checked; with another k1 it does not hold.
    assert mac_holds(before, CaseEventRecord(**{**second.__dict__, "mac": new_mac}),
                     legacy_mac) is None
    impostor = AuditKey.from_base64(f"k1:{K0},k0:{K0}")
    assert mac_holds(impostor, CaseEventRecord(**{**second.__dict__, "mac": new_mac}),
                     legacy_mac) is False


def test_heads_name_their_key_and_a_bare_head_is_k0() -> None:
    before = AuditKey.from_base64(K0)
    after = AuditKey.from_base64(f"k1:{K1},k0:{K0}")
    old_head = head_for(before, CASE, 3, "abc")
    bare = type(old_head)(CASE, 3, "abc", old_head.head_mac.removeprefix("k0:"))

    assert head_for(after, CASE, 3, "abc").head_mac.startswith("k1:")
    assert head_is_authentic(after, old_head) and head_is_authentic(after, bare)
    assert not head_is_authentic(after, type(old_head)(CASE, 4, "abc", old_head.head_mac))


def test_an_audit_ring_without_k0_cannot_check_macs_made_before_key_ids() -> None:
    with pytest.raises(AuditKeyError, match="holds no key 'k0'"):
        event_mac(AuditKey.from_base64(f"k1:{K1}"), record(1), "")


def test_sealed_content_reads_back_and_reads_as_erased_without_its_key() -> None:
    key = DataKey(CASE, "dk-1", AESGCM.generate_key(256))
    stored = seal_record(key, record(1, role="employee", actor="E1"))

    assert is_sealed(stored)
    assert "Ada" not in str(stored.__dict__) and stored.actor_id != "E1"
    assert unseal_record(key, stored).data == record(1).data
    assert unseal_record(key, stored).actor_id == "E1"
    erased = unseal_record(DataKey(CASE, "dk-1", None), stored)
    assert erased.data == ERASED_DATA and "Ada" not in str(erased.__dict__)


def test_sealed_content_moved_to_another_position_reads_as_unreadable() -> None:
    key = DataKey(CASE, "dk-1", AESGCM.generate_key(256))
    moved = CaseEventRecord(**{**seal_record(key, record(1)).__dict__,
                               "originator_version": 2})

    assert unseal_record(key, moved).data == {"unreadable": True}


def test_replay_names_the_position_whose_content_does_not_open() -> None:
    key = DataKey(CASE, "dk-1", AESGCM.generate_key(256))
    moved = CaseEventRecord(**{**seal_record(key, record(1)).__dict__,
                               "originator_version": 2})

    with pytest.raises(ReplayError, match="position 2 does not open there"):
        replay([unseal_record(key, moved)])
