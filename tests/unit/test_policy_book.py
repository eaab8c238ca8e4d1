"""An employer's policy versions found by name, for moving running cases to one of them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from domain.policy import DEFAULT_POLICY
from infra.policies import PolicyBook


def book(tmp_path: Path) -> PolicyBook:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "acme-trust.json").write_text(json.dumps([
        {"version": "acme-2027-01", "effective_from": "2027-01-04"},
        {"version": "acme-2026-04", "effective_from": "2026-04-06"},
    ]))
    return PolicyBook.load(folder)


def test_an_employers_versions_oldest_first_and_one_by_name(tmp_path: Path) -> None:
    policies = book(tmp_path)

    assert [p.version for p in policies.versions("acme-trust")] == ["acme-2026-04",
                                                                    "acme-2027-01"]
    assert policies.version("acme-trust", "acme-2027-01").effective_from == date(2027, 1, 4)


def test_an_unknown_version_names_the_ones_there_are(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match=r"acme-trust has no policy version 'acme-2099' "
                       r"\(its versions: acme-2026-04, acme-2027-01\)"):
        book(tmp_path).version("acme-trust", "acme-2099")


def test_an_employer_without_versions_has_the_built_in_default_only(tmp_path: Path) -> None:
    policies = book(tmp_path)

    assert policies.versions("other-trust") == []
    assert policies.version("other-trust", DEFAULT_POLICY.version) == DEFAULT_POLICY
    with pytest.raises(LookupError):
        policies.version("acme-trust", DEFAULT_POLICY.version)
