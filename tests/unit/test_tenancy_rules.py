"""The rules of tenancy: whom a principal acts for, managers identified per employer, the one
answer for another employer's case, and the tokens file read again when it changes."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.tenancy import check_acts_for, check_employer, no_such_case
from domain.actions import check_own_team
from domain.actors import Actor, Role, Source
from domain.errors import NotOwnTeam
from infra.tokens import DEV_EMPLOYERS, Principal, TokenRegistry, issue_dev_tokens, token_digest
from tests.support.builders import MANAGER, opened_state

OPENED = datetime(2026, 3, 2, 9, tzinfo=UTC)
HR_A = Principal(subject="hr-a", role=Role.HR, employers=("trust-a",))


def test_a_principal_acts_only_for_the_employers_it_names() -> None:
    both = Principal(subject="oh", role=Role.OH, employers=("trust-a", "trust-b"))

    assert HR_A.acts_for("trust-a") and not HR_A.acts_for("trust-b")
    assert both.acts_for("trust-b")
    assert not Principal(subject="nobody", role=Role.HR).acts_for("trust-a")


def test_admin_acts_for_no_employer_even_when_its_token_names_one() -> None:
    admin = Principal(subject="ops", role=Role.ADMIN, employers=("trust-a",))

    assert not admin.acts_for("trust-a") and admin.case_employers == ()


def test_another_employers_case_is_refused_exactly_as_a_missing_one() -> None:
    case_id = "7c0a2b8e-0000-4000-8000-000000000001"
    with pytest.raises(type(no_such_case(case_id))) as refused:
        check_employer(HR_A, "trust-b", case_id)
    missing = no_such_case(case_id)

    assert (refused.value.status, refused.value.detail) == (missing.status, missing.detail)
    assert refused.value.status == 404 and "trust-b" not in str(refused.value.detail)
    check_employer(HR_A, "trust-a", case_id)  # its own: no refusal


def test_naming_another_employer_in_a_body_is_refused_naming_the_field() -> None:
    with pytest.raises(Exception) as refused:
        check_acts_for(HR_A, "employer_id", "trust-b")

    assert getattr(refused.value, "status", None) == 403
    assert str(getattr(refused.value, "detail", "")).startswith("employer_id: ")


def test_a_manager_of_the_same_id_at_another_employer_is_not_on_the_team() -> None:
    state = opened_state(OPENED)  # at acme-trust, managed by the sample manager
    manager = Actor(id=MANAGER.id, role=Role.MANAGER, source=Source.API)

    check_own_team(state, manager, ("acme-trust",))
    check_own_team(state, manager)  # the workflow: the API checked the employer already
    with pytest.raises(NotOwnTeam):
        check_own_team(state, manager, ("other-trust",))
    with pytest.raises(NotOwnTeam):
        check_own_team(state, Actor(id="M-other", role=Role.MANAGER, source=Source.API),
                       ("acme-trust",))


def _entry(token: str, **fields: object) -> dict[str, object]:
    return {"sha256": token_digest(token), "role": "hr", "subject": "hr-1", **fields}


def test_a_token_revoked_in_the_file_stops_working_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tokens": [_entry("t-1", employers=["trust-a"])]}))
    registry = TokenRegistry.load(path)
    principal = registry.authenticate("t-1")
    assert principal is not None and principal.employers == ("trust-a",)

    path.write_text(json.dumps({"tokens": [_entry("t-1", revoked="2026-03-02T09:00:00Z")]}))
    os.utime(path, ns=(1, 1))  # a new stamp even within the file system's clock resolution

    assert registry.authenticate("t-1") is None


def test_a_tokens_file_broken_while_running_admits_nobody(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tokens": [_entry("t-1")]}))
    registry = TokenRegistry.load(path)

    path.write_text("{not json")

    assert registry.authenticate("t-1") is None


def test_dev_tokens_act_for_the_local_employers_and_old_files_gain_them(
        tmp_path: Path) -> None:
    hashed, plain = tmp_path / "tokens.json", tmp_path / "dev-tokens.json"
    issued = issue_dev_tokens(hashed, plain)
    principal = TokenRegistry.load(hashed).authenticate(issued["hr"])
    assert principal is not None and "acme-trust" in principal.employers

    # A tokens file from before tokens carried employers: brought up to date on the next run.
    document = json.loads(hashed.read_text())
    for item in document["tokens"]:
        item.pop("employers")
    hashed.write_text(json.dumps(document))
    assert issue_dev_tokens(hashed, plain, (*DEV_EMPLOYERS, "local-trust")) == issued

    principal = TokenRegistry.load(hashed).authenticate(issued["manager"])
    assert principal is not None and principal.acts_for("local-trust")
    assert stat.S_IMODE(hashed.stat().st_mode) == 0o600


def test_a_tokens_file_removed_then_restored_admits_again(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    text = json.dumps({"tokens": [_entry("t-1")]})
    path.write_text(text)
    registry = TokenRegistry.load(path)

    path.unlink()
    assert registry.authenticate("t-1") is None
    path.write_text(text)

    assert registry.authenticate("t-1") is not None
