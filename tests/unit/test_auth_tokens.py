"""Tokens are configured as digests only; dev tokens are private files kept across restarts."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from domain.actors import Role
from infra.tokens import TokenRegistry, issue_dev_tokens


def test_dev_tokens_one_per_role_private_and_stable(tmp_path: Path) -> None:
    hashed, plain = tmp_path / "tokens.json", tmp_path / "dev-tokens.json"
    issued = issue_dev_tokens(hashed, plain)

    assert set(issued) == {"hr", "manager", "oh", "auditor", "clinical_auditor", "admin"}
    for path in (hashed, plain):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not any(token in hashed.read_text() for token in issued.values())
    assert issue_dev_tokens(hashed, plain) == issued

    registry = TokenRegistry.load(hashed)
    for role, token in issued.items():
        principal = registry.authenticate(token)
        assert principal is not None and principal.role is Role(role)
    assert registry.authenticate("not-a-token") is None


def test_a_token_file_with_an_unknown_role_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tokens": [{"sha256": "a" * 64, "role": "boss"}]}))
    with pytest.raises(ValueError, match="'role' must be one of hr, manager, oh"):
        TokenRegistry.load(path)


def test_a_token_file_with_a_plain_token_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tokens": [{"sha256": "secret", "role": "hr"}]}))
    with pytest.raises(ValueError, match="64 hex characters"):
        TokenRegistry.load(path)
