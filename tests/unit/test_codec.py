"""Temporal payloads are sealed with AES-GCM under a named key; old keys still open."""

from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload

from infra.codec import AesGcmCodec, new_key_spec, parse_keys


def payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def test_payloads_round_trip_and_hide_their_content() -> None:
    codec = AesGcmCodec.from_spec(new_key_spec("k1"))
    [sealed] = await codec.encode([payload('{"name": "Sam Patel"}')])
    assert b"Sam Patel" not in sealed.SerializeToString()
    assert sealed.metadata["encryption-key-id"] == b"k1"
    [opened] = await codec.decode([sealed])
    assert opened == payload('{"name": "Sam Patel"}')


async def test_after_rotation_old_payloads_still_decode() -> None:
    old_spec = new_key_spec("k1")
    new_spec = new_key_spec("k2")
    [sealed_by_old] = await AesGcmCodec.from_spec(old_spec).encode([payload("x")])
    rotated = AesGcmCodec.from_spec(f"{new_spec},{old_spec}")
    [sealed_by_new] = await rotated.encode([payload("y")])
    assert sealed_by_new.metadata["encryption-key-id"] == b"k2"
    assert [p.data for p in await rotated.decode([sealed_by_old, sealed_by_new])] == [b"x", b"y"]


async def test_an_unknown_key_id_is_refused_clearly() -> None:
    [sealed] = await AesGcmCodec.from_spec(new_key_spec("k1")).encode([payload("x")])
    with pytest.raises(ValueError, match="unknown key id 'k1'"):
        await AesGcmCodec.from_spec(new_key_spec("k9")).decode([sealed])


async def test_unencrypted_payloads_pass_through() -> None:
    codec = AesGcmCodec.from_spec(new_key_spec())
    assert await codec.decode([payload("plain")]) == [payload("plain")]


@pytest.mark.parametrize(
    ("spec", "message"),
    [("", "no key"), ("nokey", "expected 'kid:base64key"), ("k1:c2hvcnQ=", "16, 24 or 32 bytes")],
)
def test_bad_key_settings_name_what_is_expected(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_keys(spec)
