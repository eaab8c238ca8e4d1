"""Liveness of the engine's two servers."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from api.dependencies import ServicesDep
from api.problems import Problem, problem_responses
from readside.schema import database_answers

router = APIRouter(tags=["operations"])

# Answer within a few seconds even when a server hangs (a paused PostgreSQL accepts the
# connection and then says nothing).
HEALTH_TIMEOUT = 2.0


@router.get("/healthz", summary="Temporal and PostgreSQL are reachable",
            responses=problem_responses(503))
async def healthz(services: ServicesDep) -> dict[str, str]:
    failures: list[str] = []
    try:
        await asyncio.wait_for(services.temporal.service_client.check_health(),
                               timeout=HEALTH_TIMEOUT)
    except Exception as error:
        failures.append(f"temporal: {type(error).__name__}")
    try:
        await asyncio.wait_for(database_answers(services.pool), timeout=HEALTH_TIMEOUT)
    except Exception as error:
        failures.append(f"postgresql: {type(error).__name__}")
    if failures:
        raise Problem(503, "Service Unavailable", "; ".join(failures))
    return {"status": "ok", "temporal": "ok", "postgresql": "ok"}
