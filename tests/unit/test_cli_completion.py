"""Shell completion is written from rtw's own parser: a new command completes without an edit."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.completion import nodes, script
from cli.main import _parser


def _toy() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rtw")
    commands = parser.add_subparsers(dest="command")
    fly = commands.add_parser("fly")
    fly.add_argument("--speed", choices=["slow", "fast"])
    fly.add_argument("--log", metavar="FILE")
    fly.add_argument("--quiet", action="store_true")
    fly.add_argument("destination", choices=["moon", "mars"])
    land = commands.add_parser("land")
    land.add_argument("runway", metavar="FILE")
    return parser


def test_every_command_path_flag_and_choice_of_the_parser_is_found() -> None:
    found = {node.key: node for node in nodes(_toy())}

    assert set(found) == {"rtw", "rtw fly", "rtw land"}
    assert found["rtw"].commands == ["fly", "land"]
    fly = found["rtw fly"]
    assert fly.choices == {"--speed": ["slow", "fast"]}
    assert fly.free_flags == ["--log"]
    assert "--quiet" in fly.flags and "--quiet" not in fly.free_flags
    assert fly.positional_choices == ["moon", "mars"] and not fly.free_positional
    assert found["rtw land"].free_positional


def test_a_command_added_to_the_parser_appears_in_both_scripts() -> None:
    parser = _toy()
    for shell in ("bash", "zsh"):
        text = script(parser, shell)
        assert '"rtw fly --speed"' in text and "slow fast" in text
        assert '"rtw land"' in text


def test_rtw_s_own_commands_are_in_the_script() -> None:
    text = script(_parser(), "bash")

    for path in ('"rtw absences import"', '"rtw audit verify"', '"rtw case list"',
                 '"rtw completion"'):
        assert path in text
    assert '"rtw audit export --format") COMPREPLY=($(compgen -W \'jsonl csv\'' in text


def _complete_in_bash(script_file: Path, *words: str) -> list[str]:
    probe = (f"source {script_file}; COMP_WORDS=({' '.join(repr(w) for w in words)}); "
             "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _rtw; printf '%s\\n' \"${COMPREPLY[@]}\"")
    answer = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    return [line for line in answer.stdout.splitlines() if line]


@pytest.mark.parametrize(("words", "expected"), [
    (("rtw", "au"), ["audit"]),
    (("rtw", "audit", "ver"), ["verify"]),
    (("rtw", "audit", "verify", "--js"), ["--json"]),
    (("rtw", "audit", "export", "--format", ""), ["jsonl", "csv"]),
    (("rtw", "completion", "z"), ["zsh"]),
    (("rtw", "absences", "import", "--d"), ["--dry-run"]),
    (("rtw", "case", "list", "--cur"), ["--cursor"]),
])
def test_bash_completes_commands_flags_and_choices(
        words: tuple[str, ...], expected: list[str], tmp_path: Path) -> None:
    script_file = tmp_path / "rtw.bash"
    script_file.write_text(script(_parser(), "bash"))

    assert _complete_in_bash(script_file, *words) == expected


def test_bash_offers_files_where_a_command_takes_a_file(tmp_path: Path) -> None:
    script_file = tmp_path / "rtw.bash"
    script_file.write_text(script(_parser(), "bash"))
    (tmp_path / "absences.csv").write_text("")

    assert _complete_in_bash(script_file, "rtw", "absences", "import",
                             str(tmp_path / "abs")) == [str(tmp_path / "absences.csv")]


# zsh's completion builtins stood in by functions that print what they were given.
ZSH_STAND_INS = ("compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -l -- \"$@\"; }; "
                 "_files() { print FILES; }; _default() { print DEFAULT; }")


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed here")
@pytest.mark.parametrize(("words", "expected"), [
    (("rtw", "completion", ""), ["bash", "zsh", "--help"]),
    (("rtw", "audit", "export", "--format", ""), ["jsonl", "csv"]),
    (("rtw", "absences", "import", ""), ["FILES"]),
    (("rtw", "absences", "import", "--rejects", ""), ["DEFAULT"]),
])
def test_zsh_offers_the_commands_choices_and_files_of_the_parser(
        words: tuple[str, ...], expected: list[str], tmp_path: Path) -> None:
    script_file = tmp_path / "_rtw"
    script_file.write_text(script(_parser(), "zsh"))
    quoted = " ".join(repr(w) for w in words)
    probe = f"{ZSH_STAND_INS}; source {script_file}; words=({quoted}) CURRENT={len(words)} _rtw"

    answer = subprocess.run(["zsh", "-f", "-c", probe], capture_output=True, text=True,
                            check=True)

    assert answer.stdout.split() == expected


def test_rtw_completion_prints_the_script() -> None:
    shown = subprocess.run([sys.executable, "-m", "cli.main", "completion", "bash"],
                           capture_output=True, text=True, check=True).stdout

    assert shown.startswith("# bash completion for rtw") and "complete -o default" in shown
