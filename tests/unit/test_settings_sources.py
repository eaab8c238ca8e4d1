"""Where settings come from: the environment, and files in RTW_SECRETS_DIR as mounted secrets."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.settings import Settings

KEY = base64.b64encode(b"s" * 32).decode()
OTHER_KEY = base64.b64encode(b"o" * 32).decode()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("RTW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RTW_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .rtw/local.env of the developer's


def test_the_projector_runs_in_the_worker_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().projector_in_worker is True
    monkeypatch.setenv("RTW_PROJECTOR_IN_WORKER", "false")
    assert Settings().projector_in_worker is False


def test_a_setting_is_read_from_its_secret_file_without_the_trailing_newline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "rtw_audit_hmac_key").write_text(KEY + "\n")
    (secrets / "rtw_database_url").write_text("postgresql://rtw:pw@db:5432/rtw\n")
    monkeypatch.setenv("RTW_SECRETS_DIR", str(secrets))

    settings = Settings()

    assert settings.audit_hmac_key == KEY
    assert settings.database_url == "postgresql://rtw:pw@db:5432/rtw"
    assert settings.secrets_dir == secrets


def test_an_environment_variable_wins_over_the_secret_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    (tmp_path / "rtw_audit_hmac_key").write_text(KEY)
    monkeypatch.setenv("RTW_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("RTW_AUDIT_HMAC_KEY", OTHER_KEY)

    assert Settings().audit_hmac_key == OTHER_KEY


def test_a_secret_file_is_checked_like_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    (tmp_path / "rtw_audit_hmac_key").write_text("not base64!\n")
    monkeypatch.setenv("RTW_SECRETS_DIR", str(tmp_path))

    with pytest.raises(ValidationError, match="RTW_AUDIT_HMAC_KEY must be base64"):
        Settings()


def test_a_secrets_folder_that_is_not_there_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("RTW_SECRETS_DIR", str(tmp_path / "absent"))

    with pytest.raises(ValidationError) as refused:
        Settings()
    assert refused.value.errors()[0]["loc"] == ("secrets_dir",)
