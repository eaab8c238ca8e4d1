"""Employer files: one per employer, read at start; a wrong one stops the start with one line
that names the file, the field and what would be accepted."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from activities.webhooks import WebhookDirectory
from domain.actors import Role
from domain.notices import NoticeKind
from infra.employers import EmployerDirectory
from infra.policies import PolicyBook

TEMPLATE_ID = "8f8a5e0c-3b1d-4c5e-9a57-0d2a3f6b7c81"


def valid_file(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "mailboxes": {"oh": "oh@trust-a.example.org", "hr": "hr@trust-a.example.org"},
        "notify_templates": {"check_in_due": TEMPLATE_ID},
        "texts": {"check_in_due": {"subject": "Keep in touch: {{ case_id }}",
                                   "body": "Please call {{ employee_name }}.\n"}},
    }
    document.update(changes)
    return document


def write(directory: Path, employer_id: str, document: object) -> Path:
    path = directory / f"{employer_id}.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_a_valid_file_loads_and_answers_for_its_employer(tmp_path: Path) -> None:
    write(tmp_path, "trust-a", valid_file(
        policies=[{"version": "a-2026", "effective_from": "2026-04-06",
                   "phased_return_max_weeks": 6}],
        webhook={"url": "https://hr.trust-a.example.org/rtw", "secret": "whsec-a"}))
    write(tmp_path, "trust-b", {"mailboxes": {"oh": "oh@b.example.org",
                                              "hr": "hr@b.example.org"}})
    (tmp_path / "notes.txt").write_text("not an employer file")

    employers = EmployerDirectory.load(tmp_path)

    assert employers.employers() == ["trust-a", "trust-b"]
    assert employers.mailbox("trust-a", Role.OH) == "oh@trust-a.example.org"
    assert employers.mailbox("trust-a", Role.HR) == "hr@trust-a.example.org"
    assert employers.mailbox("trust-a", Role.MANAGER) is None  # a person, not a mailbox
    assert employers.mailbox("nobody", Role.HR) is None
    assert employers.notify_template("trust-a", NoticeKind.CHECK_IN_DUE) == TEMPLATE_ID
    assert employers.notify_template("trust-a", NoticeKind.TRIAL_ENDS) is None
    [policy] = employers.policies()["trust-a"]
    assert (policy.version, policy.phased_return_max_weeks) == ("a-2026", 6)
    assert employers.webhooks()["trust-a"].url == "https://hr.trust-a.example.org/rtw"
    assert "trust-b" not in employers.policies() and "trust-b" not in employers.webhooks()
    assert employers.notify_template("trust-b", NoticeKind.CHECK_IN_DUE) is None
    override = employers.text_override("trust-a", NoticeKind.CHECK_IN_DUE)
    assert override is not None and override.subject == "Keep in touch: {{ case_id }}"
    assert employers.text_override("trust-b", NoticeKind.CHECK_IN_DUE) is None


def test_no_directory_configured_means_no_employers() -> None:
    employers = EmployerDirectory.load(None)
    assert employers.employers() == []
    assert employers.mailbox("trust-a", Role.HR) is None


def test_a_directory_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"RTW_EMPLOYERS_DIR: .*missing is not a directory"):
        EmployerDirectory.load(tmp_path / "missing")


def test_a_missing_hr_mailbox_is_an_error_naming_the_file_and_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a", valid_file(mailboxes={"oh": "oh@trust-a.example.org"}))

    with pytest.raises(ValueError) as refused:
        EmployerDirectory.load(tmp_path)

    message = str(refused.value)
    assert message.startswith(f"{path}: mailboxes.hr: missing; expected")
    assert "email address" in message
    assert "\n" not in message


def test_a_bad_email_address_is_an_error_naming_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a",
                 valid_file(mailboxes={"oh": "not-an-address", "hr": "hr@trust-a.example.org"}))
    with pytest.raises(ValueError, match=rf"^{path}: mailboxes\.oh: .*email address"):
        EmployerDirectory.load(tmp_path)


def test_a_file_that_is_not_json_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a", '{"mailboxes": ')
    with pytest.raises(ValueError, match=rf"^{path}: not JSON"):
        EmployerDirectory.load(tmp_path)


def test_a_file_that_is_not_an_object_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a", ["mailboxes"])
    with pytest.raises(ValueError, match=rf"^{path}: the top level: .*'mailboxes'"):
        EmployerDirectory.load(tmp_path)


def test_an_unknown_key_is_an_error_naming_it_and_the_keys_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a", valid_file(mailbox={"oh": "oh@trust-a.example.org"}))
    with pytest.raises(ValueError) as refused:
        EmployerDirectory.load(tmp_path)
    message = str(refused.value)
    assert message.startswith(f"{path}: mailbox: not a key this file accepts")
    assert "'mailboxes'" in message and "'policies' and 'webhook'" in message


def test_an_unknown_key_inside_a_mailbox_is_an_error_too(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a", valid_file(mailboxes={
        "oh": "oh@trust-a.example.org", "hr": "hr@trust-a.example.org", "gp": "gp@x.org"}))
    with pytest.raises(ValueError, match=rf"^{path}: mailboxes\.gp: not a key .*'oh' and 'hr'"):
        EmployerDirectory.load(tmp_path)


def test_an_unknown_notice_kind_is_an_error_listing_the_kinds(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a", valid_file(notify_templates={"check_in": TEMPLATE_ID}))
    with pytest.raises(ValueError, match=rf"^{path}: notify_templates\.check_in \(a key\): "
                                         r".*expected a notice kind: early_contact_due, "):
        EmployerDirectory.load(tmp_path)


def test_a_template_id_that_is_not_a_uuid_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a", valid_file(notify_templates={"check_in_due": "welcome"}))
    with pytest.raises(ValueError, match=rf"^{path}: notify_templates\.check_in_due: not a "
                                         r"GOV\.UK Notify template id; expected .*UUID"):
        EmployerDirectory.load(tmp_path)


def test_a_text_without_a_body_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "trust-a", valid_file(texts={"trial_ends": {"subject": "Ends"}}))
    with pytest.raises(ValueError, match=rf"^{path}: texts\.trial_ends\.body: missing"):
        EmployerDirectory.load(tmp_path)


# --- what each channel needs --------------------------------------------------------------


def test_the_log_channel_needs_no_employer_file() -> None:
    EmployerDirectory.load(None).check_for_channel("log")


@pytest.mark.parametrize("channel", ["smtp", "notify"])
def test_mail_and_notify_need_the_directory_set(channel: str) -> None:
    with pytest.raises(ValueError, match=rf"RTW_NOTIFY_CHANNEL={channel} needs "
                                         r"RTW_EMPLOYERS_DIR \(not set\)"):
        EmployerDirectory.load(None).check_for_channel(channel)


@pytest.mark.parametrize("channel", ["smtp", "notify"])
def test_mail_and_notify_need_at_least_one_employer(tmp_path: Path, channel: str) -> None:
    with pytest.raises(ValueError, match=rf"RTW_EMPLOYERS_DIR \({tmp_path}\) to hold one"):
        EmployerDirectory.load(tmp_path).check_for_channel(channel)


def test_mail_needs_only_the_mailboxes(tmp_path: Path) -> None:
    write(tmp_path, "trust-b", {"mailboxes": {"oh": "oh@b.example.org", "hr": "hr@b.example.org"}})
    EmployerDirectory.load(tmp_path).check_for_channel("smtp")


def test_notify_needs_a_template_for_every_kind_but_legacy(tmp_path: Path) -> None:
    every_kind = {kind.value: TEMPLATE_ID for kind in NoticeKind if kind is not NoticeKind.LEGACY}
    write(tmp_path, "trust-a", valid_file(notify_templates=every_kind))
    EmployerDirectory.load(tmp_path).check_for_channel("notify")

    short = dict(every_kind)
    del short["trial_ends"], short["follow_up_due"]
    path = write(tmp_path, "trust-b", valid_file(notify_templates=short))
    with pytest.raises(ValueError) as refused:
        EmployerDirectory.load(tmp_path).check_for_channel("notify")
    message = str(refused.value)
    assert f"{path}: notify_templates has no template id for trial_ends, follow_up_due" in message
    assert "trust-a" not in message
    assert "except legacy_notice" in message


def test_an_employers_policies_and_webhook_come_from_one_place_only(tmp_path: Path) -> None:
    folder = tmp_path / "employers"
    folder.mkdir()
    write(folder, "trust-a", valid_file(
        policies=[{"version": "a-2026", "effective_from": "2026-04-06"}],
        webhook={"url": "https://hr.trust-a.example.org/rtw", "secret": "whsec-a"}))
    employers = EmployerDirectory.load(folder)
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    write(policy_dir, "trust-a", [{"version": "old", "effective_from": "2026-01-01"}])
    hooks = tmp_path / "webhooks.json"
    hooks.write_text(json.dumps({"trust-a": {"url": "https://x.example", "secret": "s"}}))

    assert PolicyBook.load(None, employers).in_force("trust-a", date(2026, 5, 1)).version == (
        "a-2026")
    assert WebhookDirectory.load(None, employers).for_employer("trust-a") is not None
    with pytest.raises(ValueError, match="policies in both"):
        PolicyBook.load(policy_dir, employers)
    with pytest.raises(ValueError, match="webhook in both"):
        WebhookDirectory.load(hooks, employers)
