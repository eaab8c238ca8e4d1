"""The API process's Prometheus metrics, for operators holding an admin token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.dependencies import ServicesDep, require_roles
from api.problems import problem_responses
from domain.actors import Role
from infra import metrics
from infra.tokens import Principal
from readside.gauges import read_figures

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    summary="Prometheus metrics of this API process and the read side's figures (admin)",
    response_class=Response,
    responses={200: {"content": {metrics.CONTENT_TYPE: {}},
                     "description": "The Prometheus text exposition"},
               **problem_responses(401, 403)},
)
async def prometheus_metrics(
    services: ServicesDep, _: Annotated[Principal, Depends(require_roles(Role.ADMIN))]
) -> Response:
    figures = await read_figures(services.pool)
    return Response(content=metrics.render(figures), media_type=metrics.CONTENT_TYPE)
