"""An ASGI app served over real HTTP on a free port for as long as a block runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from localstack.temporal import free_port


@asynccontextmanager
async def serving(app: Any, *, log_level: str = "warning") -> AsyncIterator[str]:
    """The app's base URL (http://127.0.0.1:PORT) once uvicorn has started; stopped after."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level=log_level))
    running = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await running
