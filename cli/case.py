"""`rtw case …`: a thin command-line client of the HTTP API, for OH staff and managers."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx


class CliError(Exception):
    """One clear line for the user; the command exits non-zero."""


def _client() -> httpx.Client:
    token = os.environ.get("RTW_TOKEN")
    if not token:
        raise CliError("RTW_TOKEN is not set: export RTW_TOKEN=<your bearer token>")
    base = os.environ.get("RTW_API_URL", "http://127.0.0.1:8000")
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            problem = response.json()
            message = f"{response.status_code} {problem.get('title')}: {problem.get('detail')}"
        except ValueError:
            message = f"{response.status_code} {response.text[:200]}"
        raise CliError(message)
    return response.json()


def list_cases(args: Any) -> int:
    params: dict[str, Any] = {"limit": args.limit}
    for name in ("stage", "assigned_to", "employer"):
        if getattr(args, name):
            params[name] = getattr(args, name)
    if args.overdue:
        params["overdue"] = "true"
    with _client() as client:
        page = _answer(client.get("/v1/cases", params=params))
    print(f"{'case_id':36}  {'stage':15}  {'employee':20}  next deadline")
    for item in page["items"]:
        deadline = item["next_deadline"]
        due = f"{deadline['name']} {deadline['due_at']}" if deadline else "-"
        flag = "  OVERDUE" if item["overdue"] else ""
        print(f"{item['case_id']:36}  {item['stage']:15}  {item['employee']['name'][:20]:20}  "
              f"{due}{flag}")
    if page["next_cursor"]:
        print(f"(more: --limit or the API's cursor {page['next_cursor']})")
    return 0


def show_case(args: Any) -> int:
    with _client() as client:
        print(json.dumps(_answer(client.get(f"/v1/cases/{args.case_id}")), indent=2))
    return 0


def act(args: Any) -> int:
    from domain.actions import RULES  # only `act` needs the action table: keeps --help quick
    from domain.stages import Action

    paths = {action: rule.path for action, rule in RULES.items() if rule.path is not None}
    try:
        action = Action(args.action)
    except ValueError:
        names = ", ".join(sorted(a.value for a in paths))
        raise CliError(f"unknown action {args.action!r}; one of: {names}") from None
    if action not in paths:
        raise CliError(f"{action.value} is not taken through the API")
    source = sys.stdin.read() if args.json == "-" else _read(Path(args.json))
    try:
        body = json.loads(source)
    except ValueError as error:
        raise CliError(f"--json {args.json}: not JSON ({error})") from None
    with _client() as client:
        answer = _answer(client.post(f"/v1/cases/{args.case_id}/{paths[action]}", json=body))
    print(json.dumps(answer, indent=2))
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise CliError(f"--json {path}: {error.strerror}") from None


def add_case_commands(commands: Any) -> None:
    case = commands.add_parser("case", help="work cases through the API (RTW_API_URL, RTW_TOKEN)")
    sub = case.add_subparsers(dest="case_command", required=True)
    listing = sub.add_parser("list", help="your worklist, by next deadline")
    listing.add_argument("--stage")
    listing.add_argument("--overdue", action="store_true")
    listing.add_argument("--assigned-to", dest="assigned_to")
    listing.add_argument("--employer")
    listing.add_argument("--limit", type=int, default=50)
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
        return 1
    except httpx.HTTPError as error:
        print(f"rtw case {args.case_command}: cannot reach the API: {error}", file=sys.stderr)
        return 1
