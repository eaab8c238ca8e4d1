"""The worklist page (home for OH, managers and HR). A first cut: the pages' owner fills it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.web.guard import signed_in
from api.web.rendering import render
from api.web.route import PageRoute
from infra.tokens import Principal

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/worklist")
async def worklist_page(request: Request,
                        principal: Annotated[Principal, Depends(signed_in)]) -> Response:
    return render(request, "worklist.jinja", {"title": "Worklist"}, principal=principal)
