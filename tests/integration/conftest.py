"""What the integration tests share: the `rtw` command run in-process against the test
database (and, with `cli_reaches_temporal`, the test Temporal server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from temporalio.testing import WorkflowEnvironment

from cli.main import main
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY, TEST_PAYLOAD_KEYS

Rtw = Callable[..., tuple[int, str, str]]
"""`rtw(*argv)` runs the command and answers (exit code, stdout, stderr)."""


@pytest.fixture
def rtw(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys: pytest.CaptureFixture[str]
) -> Iterator[Rtw]:
    """Run `rtw …` in-process against the test database with the test keys."""
    monkeypatch.setenv("RTW_DATABASE_URL", database_url)
    monkeypatch.setenv("RTW_EVENT_CIPHER_KEY", TEST_CIPHER_KEY)
    monkeypatch.setenv("RTW_AUDIT_HMAC_KEY", TEST_AUDIT_KEY)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    yield run


@pytest.fixture
def cli_reaches_temporal(monkeypatch: pytest.MonkeyPatch,
                         dev_server_env: WorkflowEnvironment) -> None:
    """`rtw …` also reaches the test Temporal server, with the test payload keys (commands
    such as `rtw privacy erase` end a case's workflows there)."""
    monkeypatch.setenv("RTW_PAYLOAD_KEYS", TEST_PAYLOAD_KEYS)
    monkeypatch.setenv("RTW_TEMPORAL_ADDRESS",
                       dev_server_env.client.service_client.config.target_host)
