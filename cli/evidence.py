"""`rtw report`, `rtw demo` and `rtw policy`: the commands that evaluate the service and its
policies. Their parsers are built here (light: argparse only); each command's work is imported
only when it runs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.settings import Settings


def add_evidence_commands(commands: Any) -> None:
    from cli.demo import add_demo_parser
    from cli.policy import add_policy_parser
    from cli.report import add_report_parser

    add_report_parser(commands)
    add_demo_parser(commands)
    add_policy_parser(commands)


def run_evidence_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "report":
        from cli.report import run_report

        return run_report(args, settings)
    if args.command == "demo":
        from cli.demo import run_demo

        return run_demo(args, settings)
    from cli.policy import run_policy

    return run_policy(args, settings)
