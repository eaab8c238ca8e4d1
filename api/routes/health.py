"""Liveness of the engine's two servers."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from api.dependencies import ServicesDep
from api.problems import Problem, problem_responses
from readside.schema import database_answers

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Temporal and PostgreSQL are reachable",
            responses=problem_responses(503))
async def healthz(services: ServicesDep) -> dict[str, str]:
    failures: list[str] = []
    try:
        await asyncio.wait_for(services.temporal.service_client.check_health(), timeout=5)
    except Exception as error:
        failures.append(f"temporal: {type(error).__name__}")
    try:
        await asyncio.wait_for(database_answers(services.pool), timeout=5)
    except Exception as error:
        failures.append(f"postgresql: {type(error).__name__}")
    if failures:
        raise Problem(503, "Service Unavailable", "; ".join(failures))
    return {"status": "ok", "temporal": "ok", "postgresql": "ok"}
