"""Whether a token, known by its digest only, is still live: the question a browser session started
with that token asks at each request. The registry reads its file again when it changes."""

from __future__ import annotations

import json
from pathlib import Path

from cli.tokens import issue, revoke
from domain.actors import Role
from infra.tokens import Principal, TokenRegistry, token_digest, write_tokens_file


def test_a_token_is_live_until_it_is_revoked(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = issue(path, role="oh", subject="ohn-1", employers=("acme-trust",))
    kept = issue(path, role="hr", subject="hr-1", employers=("acme-trust",))
    registry = TokenRegistry.load(path)
    digest = token_digest(token)
    assert registry.is_live(digest) and registry.is_live(digest.upper())

    revoke(path, digest=digest)

    assert not registry.is_live(digest)
    assert registry.entry(digest) is None
    assert registry.is_live(token_digest(kept))


def test_a_token_removed_from_the_file_or_never_in_it_is_not_live(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = issue(path, role="oh", subject="ohn-1", employers=("acme-trust",))
    registry = TokenRegistry.load(path)
    assert not registry.is_live(token_digest("never-issued"))
    assert not registry.is_live(token)  # a token is not its digest

    write_tokens_file(path, {"tokens": []})

    assert not registry.is_live(token_digest(token))


def test_no_token_is_live_while_the_file_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = issue(path, role="oh", subject="ohn-1", employers=("acme-trust",))
    good = path.read_text()
    registry = TokenRegistry.load(path)

    path.write_text("{not json")
    assert not registry.is_live(token_digest(token))
    path.unlink()
    assert not registry.is_live(token_digest(token))

    path.write_text(good)
    assert registry.is_live(token_digest(token))


def test_the_entry_of_a_live_token_is_what_the_file_says_now(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = issue(path, role="oh", subject="ohn-1", employers=("acme-trust", "beta-trust"),
                  name="Kim Lee")
    registry = TokenRegistry.load(path)
    document = json.loads(path.read_text())
    document["tokens"][0] |= {"employers": ["beta-trust"], "name": "Kim Lee-Park"}
    write_tokens_file(path, document)

    assert registry.entry(token_digest(token)) == Principal(
        subject="ohn-1", role=Role.OH, name="Kim Lee-Park", employers=("beta-trust",))


def test_a_registry_without_a_file_answers_from_its_entries() -> None:
    principal = Principal(subject="s", role=Role.HR, employers=("acme-trust",))
    registry = TokenRegistry({token_digest("t"): principal})
    assert registry.entry(token_digest("t")) == principal
    assert not registry.is_live(token_digest("u"))
