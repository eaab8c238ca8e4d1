"""Everything the pages add to the app: the vendored assets, the deployment's logo, the API's
own documentation page, and each page's router."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from api.web import docs
from api.web.pages import actions, audit, case, employee, oidc, refer, report, signin, worklist

STATIC = Path(__file__).parent / "static"

PAGE_ROUTERS = (
    signin.router,
    oidc.router,
    worklist.router,
    case.router,
    actions.router,
    audit.router,
    report.router,
    refer.router,
    employee.router,
)


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(docs.router)
    for router in PAGE_ROUTERS:
        app.include_router(router)

    @app.get("/brand/logo", include_in_schema=False)
    async def logo(request: Request) -> Response:
        image = request.app.state.services.web.logo_file
        if image is None:
            return Response(status_code=404)
        return FileResponse(image, headers={"Cache-Control": "max-age=3600"})
