"""`rtw case …`: a thin command-line client of the HTTP API, for OH staff and managers."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import httpx

from cli.api_client import CliError, answer, client, unreachable
from cli.exit_codes import Exit

LIST_LIMIT = 50
# The flags of `rtw case list` that filter, as the user gave them, so the next page's command
# repeats them.
_LIST_FILTERS = (("stage", "--stage"), ("assigned_to", "--assigned-to"),
                 ("employer", "--employer"))


def list_cases(args: Any) -> int:
    params: dict[str, Any] = {"limit": args.limit}
    for name, _flag in _LIST_FILTERS:
        if getattr(args, name):
            params[name] = getattr(args, name)
    if args.overdue:
        params["overdue"] = "true"
    if args.cursor:
        params["cursor"] = args.cursor
    with client() as api:
        page = answer(api.get("/v1/cases", params=params))
    if args.json:
        print(json.dumps(page, indent=2))
    else:
        print(f"{'case_id':36}  {'stage':15}  {'employee':20}  next deadline")
        for item in page["items"]:
            deadline = item["next_deadline"]
            due = f"{deadline['name']} {deadline['due_at']}" if deadline else "-"
            flag = "  OVERDUE" if item["overdue"] else ""
            print(f"{item['case_id']:36}  {item['stage']:15}  "
                  f"{_employee_name(item)[:20]:20}  {due}{flag}")
    if page["next_cursor"]:
        # On stderr: stdout stays the page alone, for a pipe.
        print(f"next page: {next_page_command(args, page['next_cursor'])}", file=sys.stderr)
    return Exit.OK


def next_page_command(args: Any, cursor: str) -> str:
    """The command that lists the page after this one, with the same filters."""
    words = ["rtw", "case", "list"]
    for name, flag in _LIST_FILTERS:
        if getattr(args, name):
            words += [flag, getattr(args, name)]
    if args.overdue:
        words.append("--overdue")
    if args.limit != LIST_LIMIT:
        words += ["--limit", str(args.limit)]
    if args.json:
        words.append("--json")
    words += ["--cursor", cursor]
    return shlex.join(words)


def show_case(args: Any) -> int:
    with client() as api:
        print(json.dumps(answer(api.get(f"/v1/cases/{args.case_id}")), indent=2))
    return Exit.OK


def act(args: Any) -> int:
    from domain.actions import RULES  # only `act` needs the action table: keeps --help quick
    from domain.stages import Action

    paths = {action: rule.path for action, rule in RULES.items() if rule.path is not None}
    try:
        action = Action(args.action)
    except ValueError:
        names = ", ".join(sorted(a.value for a in paths))
        raise CliError(f"unknown action {args.action!r}; one of: {names}", Exit.USAGE) from None
    if action not in paths:
        raise CliError(f"{action.value} is not taken through the API", Exit.USAGE)
    source = sys.stdin.read() if args.json == "-" else _read(Path(args.json))
    try:
        body = json.loads(source)
    except ValueError as error:
        raise CliError(f"--json {args.json}: not JSON ({error})", Exit.USAGE) from None
    with client() as api:
        answered = answer(api.post(f"/v1/cases/{args.case_id}/{paths[action]}", json=body))
    print(json.dumps(answered, indent=2))
    return Exit.OK


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise CliError(f"--json {path}: {error.strerror}", Exit.USAGE) from None


def add_case_commands(commands: Any) -> None:
    case = commands.add_parser("case", help="work cases through the API (RTW_API_URL, RTW_TOKEN)")
    sub = case.add_subparsers(dest="case_command", required=True)
    listing = sub.add_parser("list", help="your worklist, by next deadline")
    listing.add_argument("--stage")
    listing.add_argument("--overdue", action="store_true")
    listing.add_argument("--assigned-to", dest="assigned_to")
    listing.add_argument("--employer")
    listing.add_argument("--limit", type=int, default=LIST_LIMIT)
    listing.add_argument("--cursor", metavar="CURSOR",
                         help="the page after an earlier one: the cursor it printed")
    listing.add_argument("--json", action="store_true",
                         help="the page as JSON ({items, next_cursor})")
    listing.set_defaults(run=list_cases)
    show = sub.add_parser("show", help="one case, as your role may see it")
    show.add_argument("case_id", metavar="CASE_ID")
    show.set_defaults(run=show_case)
    action = sub.add_parser("act", help="take an action: rtw case act ID ACTION --json FILE")
    action.add_argument("case_id", metavar="CASE_ID")
    action.add_argument("action", metavar="ACTION")
    action.add_argument("--json", required=True, metavar="FILE", help="the body; - for stdin")
    action.set_defaults(run=act)


def run_case_command(args: Any) -> int:
    try:
        result: int = args.run(args)
        return result
    except CliError as error:
        print(f"rtw case {args.case_command}: {error}", file=sys.stderr)
        return error.code
    except httpx.HTTPError as error:
        print(f"rtw case {args.case_command}: {unreachable(error)}", file=sys.stderr)
        return Exit.UNREACHABLE


def _employee_name(item: dict[str, Any]) -> str:
    """The employee's name, or `(name unavailable)` for a case whose data key is gone."""
    employee = item.get("employee")
    return str(employee["name"]) if isinstance(employee, dict) else "(name unavailable)"
