"""The route class of every page: a refusal becomes an NHS error page, not a JSON problem, and
a missing session sends the browser to sign in and back."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from api.problems import Problem
from api.web.guard import PageRefused, SignInNeeded, session_principal
from api.web.rendering import render


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                target = request.url.path + (f"?{request.url.query}" if request.url.query
                                             else "")
                return RedirectResponse(f"/?next={quote(target, safe='')}", status_code=303)
            except PageRefused as refused:
                return await error_page(request, refused.status, refused.title, refused.detail)
            except Problem as problem:
                return await error_page(request, problem.status, problem.title,
                                        problem.detail)
            except RequestValidationError as invalid:
                fields = "; ".join(
                    f"{'.'.join(str(p) for p in error['loc'][1:])}: {error['msg']}"
                    for error in invalid.errors())
                return await error_page(request, 422, "Check the address", fields)

        return page_handler


async def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    principal = await session_principal(request)
    return render(request, "error.jinja", {"title": title, "detail": detail,
                                           "status": status},
                  status_code=status, principal=principal)
