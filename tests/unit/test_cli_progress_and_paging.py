"""Progress only on a terminal's stderr; the next page's command repeats the filters."""

from __future__ import annotations

import argparse
import io

from cli.case import next_page_command
from cli.main import _parser
from cli.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_nothing_when_stderr_is_not_a_terminal() -> None:
    piped = io.StringIO()
    progress = Progress("import", total=3, stream=piped)

    for _ in range(3):
        progress.advance()
    progress.close()

    assert piped.getvalue() == ""


def test_progress_draws_a_bar_on_a_terminal_and_clears_it_at_the_end() -> None:
    terminal = Terminal()
    progress = Progress("import", total=4, stream=terminal)

    for _ in range(4):
        progress.advance()
    drawn = terminal.getvalue()
    progress.close()

    assert "import [" + "#" * 30 + "] 4/4" in drawn
    assert terminal.getvalue().endswith("\r") and "\n" not in terminal.getvalue()


def test_progress_without_a_total_counts() -> None:
    progress = Progress("verify", unit="case(s)", stream=Terminal())
    progress.advance(12)

    assert progress.line() == "verify: 12 case(s)"


def _listing(*argv: str) -> argparse.Namespace:
    return _parser().parse_args(["case", "list", *argv])


def test_the_next_page_command_repeats_the_filters_and_adds_the_cursor() -> None:
    args = _listing("--stage", "early_contact", "--overdue", "--limit", "10", "--json",
                    "--cursor", "old")

    assert next_page_command(args, "eyJ9") == (
        "rtw case list --stage early_contact --overdue --limit 10 --json --cursor eyJ9")


def test_the_next_page_command_quotes_what_the_shell_would_split() -> None:
    assert next_page_command(_listing("--employer", "acme trust"), "c") == (
        "rtw case list --employer 'acme trust' --cursor c")


def test_version_is_the_packages() -> None:
    from importlib.metadata import version

    from cli.main import package_version

    assert package_version() == version("rtw")
