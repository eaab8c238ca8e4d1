"""Key rings: one format for every key, with ids, so that keys can rotate."""

from __future__ import annotations

import base64

import pytest

from eventstore.keyring import LEGACY_KEY_ID, KeyRingError, new_key, parse_key_ring, rotated

KEY = base64.b64encode(bytes(range(32))).decode()


def test_a_bare_key_is_a_ring_of_one_with_the_legacy_id() -> None:
    ring = parse_key_ring(KEY, setting="RTW_X")
    assert ring.active_id == LEGACY_KEY_ID
    assert ring.active == bytes(range(32))


def test_the_first_key_is_active_and_all_are_kept() -> None:
    ring = parse_key_ring(f"{new_key('k2')},k1:{KEY}", setting="RTW_X")
    assert ring.active_id == "k2"
    assert ring.key("k1") == bytes(range(32))
    assert ring.key("k9") is None


@pytest.mark.parametrize(("spec", "names"), [
    (None, "is not set"),
    ("", "is not set"),
    ("k1:not base64!", "must be base64"),
    ("k1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
    (f"k1:{KEY},k1:{KEY}", "appears twice"),
    (f"{KEY},k1:{KEY}", "needs an id"),
    (f"bad id:{KEY}", "key id 'bad id'"),
])
def test_a_bad_ring_is_refused_naming_the_setting(spec: str | None, names: str) -> None:
    with pytest.raises(KeyRingError, match="RTW_X") as refused:
        parse_key_ring(spec, setting="RTW_X")
    assert names in str(refused.value)


def test_rotation_puts_a_new_active_key_in_front_and_keeps_the_old() -> None:
    spec, kid = rotated(f"k1:{KEY}", setting="RTW_X")
    ring = parse_key_ring(spec, setting="RTW_X")
    assert (kid, ring.active_id) == ("k2", "k2")
    assert ring.key("k1") == bytes(range(32))


def test_rotating_a_legacy_key_keeps_it_under_its_legacy_id() -> None:
    spec, kid = rotated(KEY, setting="RTW_X")
    ring = parse_key_ring(spec, setting="RTW_X")
    assert kid == "k1" and set(ring.keys) == {"k1", LEGACY_KEY_ID}
