"""`rtw policy simulate` and `rtw policy migrate`: what another version of a policy would have
done to the cases recorded, and moving an employer's running cases to one.

The parsers are built here with argparse alone; each command's work (the store, Temporal) is
imported only when it runs, so that `rtw --help` loads no server library.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.settings import Settings


class PolicyUsageError(Exception):
    """Bad input: one line naming the flag or file and what it accepts (exit 2)."""


def add_policy_parser(commands: Any) -> None:
    from cli.formats import add_format_flags

    policy = commands.add_parser(
        "policy", help="what another policy version would have done to the recorded cases; "
        "move an employer's running cases to one of its versions")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    simulate = policy_commands.add_parser(
        "simulate", help="replay the recorded cases under another policy version (the "
        "domain's own rules, no Temporal) and compare deadlines, escalations and figures",
        description="Each stored case (opened in the period) is rebuilt under the version in "
        "FILE: its recorded facts are kept and its deadlines passed again by the domain's "
        "rules. Prints, per case and in total, the deadlines met and missed, the reminders and "
        "escalations, and every KPI, recorded and simulated side by side.")
    simulate.add_argument("--policy", required=True, metavar="FILE",
                          help="one policy version as JSON (an object with the fields of a "
                          "version in RTW_POLICY_DIR)")
    simulate.add_argument("--from", dest="date_from", metavar="DATE",
                          help="cases opened on or after this London date (YYYY-MM-DD)")
    simulate.add_argument("--to", dest="date_to", metavar="DATE",
                          help="cases opened on or before this London date (YYYY-MM-DD)")
    simulate.add_argument("--employer", metavar="EMPLOYER", help="one employer's cases only")
    simulate.add_argument("--as-of", metavar="TIMESTAMP",
                          help="how far to run cases still open (ISO time with offset, or a "
                          "date: the end of that day); default now")
    add_format_flags(simulate, what="one JSON object: each case and the totals")
    migrate = policy_commands.add_parser(
        "migrate", help="signal an employer's running cases to adopt one of its policy "
        "versions from now on (recorded on each case: who, when, from which version to which)",
        description="Lists the employer's running cases (Temporal visibility, RtwEmployer), "
        "and signals each to adopt the version; their open deadlines follow it. A case that "
        "refuses is reported and the others go on. Exit 0 when every running case is on the "
        "version at the end, 1 otherwise.")
    migrate.add_argument("--employer", required=True, metavar="EMPLOYER")
    migrate.add_argument("--to", dest="to_version", required=True, metavar="VERSION",
                         help="a version of the employer's policy (RTW_POLICY_DIR or its "
                         "employer file)")
    migrate.add_argument("--reason", metavar="TEXT",
                         help="why the cases move, for the record (default: names the command)")
    migrate.add_argument("--dry-run", action="store_true",
                         help="list each running case's open deadlines now and under the "
                         "version, and change nothing")
    migrate.add_argument("--json", action="store_true",
                         help="each running case and what became of it, as one JSON object")


def run_policy(args: argparse.Namespace, settings: Settings) -> int:
    """Run one `rtw policy` command; bad input is one line on stderr and exit code 2."""
    import sys

    try:
        if args.policy_command == "simulate":
            from cli.policy_simulate import run_simulate

            return run_simulate(args, settings, sys.stdout)
        from cli.policy_migrate import run_migrate

        return run_migrate(args, settings, sys.stdout)
    except PolicyUsageError as error:
        print(f"rtw policy {args.policy_command}: {error}", file=sys.stderr)
        return 2
