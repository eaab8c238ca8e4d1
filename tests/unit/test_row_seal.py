"""Read-row values sealed under a case's data key: they open for that case only, and for no
one once the key is destroyed."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from eventstore.row_seal import open_value, seal_value
from eventstore.subject_keys import DataKey

CASE = "5f0c2a1e-8d3b-5c4a-9e7f-1b2d3c4e5f60"
OTHER = "0b6f8d2e-5c1a-5d3e-9f4b-2a7c8e1d0f36"
SECRET = bytes(range(32))
PERSON = {"id": "E1001", "name": "Sam Patel"}


def test_a_sealed_value_opens_with_its_case_key_and_names_no_one_in_clear() -> None:
    sealed = seal_value(DataKey(CASE, "dk-1", SECRET), PERSON)

    assert sealed is not None
    assert b"Sam" not in sealed and b"E1001" not in sealed
    assert open_value(DataKey(CASE, "dk-1", SECRET), sealed) == PERSON


def test_each_seal_differs_so_equal_names_cannot_be_matched_across_rows() -> None:
    key = DataKey(CASE, "dk-1", SECRET)
    assert seal_value(key, PERSON) != seal_value(key, PERSON)


def test_a_value_moved_to_another_cases_row_does_not_open() -> None:
    sealed = seal_value(DataKey(CASE, "dk-1", SECRET), PERSON)

    assert open_value(DataKey(OTHER, "dk-1", SECRET), sealed) is None


def test_a_destroyed_or_missing_key_neither_seals_nor_opens() -> None:
    sealed = seal_value(DataKey(CASE, "dk-1", SECRET), "mental_health")

    assert open_value(DataKey(CASE, "dk-1", None), sealed) is None
    assert open_value(None, sealed) is None
    assert seal_value(DataKey(CASE, "dk-1", None), PERSON) is None
    assert seal_value(None, PERSON) is None


def test_the_row_key_is_derived_not_the_data_key_itself() -> None:
    sealed = seal_value(DataKey(CASE, "dk-1", SECRET), PERSON)
    assert sealed is not None
    with pytest.raises(InvalidTag):
        AESGCM(SECRET).decrypt(sealed[:12], sealed[12:], CASE.encode())


def test_altered_bytes_do_not_open() -> None:
    sealed = seal_value(DataKey(CASE, "dk-1", SECRET), PERSON)
    assert sealed is not None
    altered = sealed[:-1] + bytes([sealed[-1] ^ 1])

    assert open_value(DataKey(CASE, "dk-1", SECRET), altered) is None
