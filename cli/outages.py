"""Telling an outage (PostgreSQL or Temporal away) from a fault, for the commands that talk to
them directly: an outage is one line and exit code 5, anything else is raised as it is."""

from __future__ import annotations


def is_outage(error: BaseException) -> bool:
    """PostgreSQL or Temporal could not be reached, or stopped answering."""
    from temporalio.service import RPCError, RPCStatusCode

    from infra.backoff import is_transient

    if isinstance(error, RPCError):
        return error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
    if isinstance(error, RuntimeError) and "connect" in str(error).lower():
        return True  # the Temporal client's "Failed client connect: …"
    return is_transient(error)


def outage_line(error: BaseException) -> str:
    reason = (str(error).splitlines() or [""])[0]
    return f"cannot reach PostgreSQL or Temporal: {type(error).__name__}: {reason}"
