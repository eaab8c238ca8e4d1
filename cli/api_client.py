"""The HTTP client every API command of `rtw` shares: the token and address from the
environment, and each refusal turned into one line and its exit code (`cli.exit_codes`)."""

from __future__ import annotations

import os
from typing import Any

import httpx

from cli.exit_codes import Exit, for_status

DEFAULT_API_URL = "http://127.0.0.1:8000"


class CliError(Exception):
    """One clear line for the user, and the exit code it ends the command with."""

    def __init__(self, message: str, code: Exit = Exit.FAILED) -> None:
        super().__init__(message)
        self.code = code


def client(*, timeout: float = 60) -> httpx.Client:
    """A client of the API at RTW_API_URL with the bearer token in RTW_TOKEN."""
    token = os.environ.get("RTW_TOKEN")
    if not token:
        raise CliError("RTW_TOKEN is not set: export RTW_TOKEN=<your bearer token>", Exit.AUTH)
    base = os.environ.get("RTW_API_URL", DEFAULT_API_URL)
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                        timeout=timeout)


def problem_line(response: httpx.Response) -> str:
    """`409 Action not allowed in this stage: …` from a problem document (or the text)."""
    try:
        problem = response.json()
        return f"{response.status_code} {problem.get('title')}: {problem.get('detail')}"
    except (ValueError, AttributeError):
        return f"{response.status_code} {response.text[:200]}"


def answer(response: httpx.Response) -> Any:
    """The JSON of a successful answer; a refusal raises CliError with its exit code."""
    if response.status_code >= 400:
        raise CliError(problem_line(response), for_status(response.status_code))
    return response.json()


def unreachable(error: httpx.HTTPError) -> CliError:
    """A request that got no answer: the API is down, or not at RTW_API_URL."""
    base = os.environ.get("RTW_API_URL", DEFAULT_API_URL)
    return CliError(f"cannot reach the API at {base}: {error}", Exit.UNREACHABLE)
