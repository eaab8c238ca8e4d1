"""`rtw case` is a thin client of the API: loading the command imports no server library, so
`rtw --help` and `rtw case …` start at once on an OH nurse's laptop."""

from __future__ import annotations

import subprocess
import sys

SERVER_LIBRARIES = ("fastapi", "temporalio", "eventsourcing", "asyncpg", "psycopg", "uvicorn")


def test_the_command_line_loads_no_server_library() -> None:
    probe = ("import sys, cli.main, cli.case; "
             f"print(','.join(m for m in {SERVER_LIBRARIES!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()

    assert loaded == ""


def test_help_lists_every_command() -> None:
    shown = subprocess.run([sys.executable, "-m", "cli.main", "--help"], capture_output=True,
                           text=True, check=True).stdout

    for command in ("run", "worker", "api", "case", "audit"):
        assert command in shown
