"""`rtw run` points the dev server's UI at the API's codec route, lets the UI's origin call it,
and an OH token reads a case's history there decoded (what the UI shows)."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import httpx
import psutil
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from tests.e2e.test_local_stack import LocalStack
from tests.support.api_harness import absence


async def started_input(address: str, case_id: str) -> Payload:
    """The case's start input as Temporal holds it, read by a client without keys."""
    plain = await Client.connect(address)
    history = await plain.get_workflow_handle(case_id).fetch_history()
    return history.events[0].workflow_execution_started_event_attributes.input.payloads[0]


def test_the_local_temporal_ui_decodes_through_the_api(tmp_path: Path) -> None:
    local = LocalStack(tmp_path)
    try:
        local.start()
        assert local.process is not None
        servers = [child.cmdline() for child in psutil.Process(local.process.pid).children()
                   if "start-dev" in child.cmdline()]
        [server] = servers
        endpoint = server[server.index("--ui-codec-endpoint") + 1]
        assert endpoint == f"{local.url}/v1/codec"
        ui = f"http://127.0.0.1:{local.env['RTW_TEMPORAL_UI_PORT']}"
        preflight = httpx.options(f"{endpoint}/decode", headers={
            "Origin": ui, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace"})
        assert preflight.headers.get("access-control-allow-origin") == ui

        opened = httpx.post(f"{local.url}/v1/absences", json=absence(),
                            headers=local.token("hr"), timeout=30)
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["case_id"]
        sealed = asyncio.run(started_input(local.env["RTW_TEMPORAL_ADDRESS"], case_id))
        assert b"Sam Patel" not in sealed.SerializeToString()
        body = {"payloads": [{
            "metadata": {k: base64.b64encode(v).decode() for k, v in sealed.metadata.items()},
            "data": base64.b64encode(sealed.data).decode()}]}
        for _ in range(3):
            answer = httpx.post(f"{endpoint}/decode", json=body, timeout=30, headers={
                **local.token("oh"), "X-Namespace": "default", "Origin": ui})
            if answer.status_code != 503:
                break
            time.sleep(1)
        assert answer.status_code == 200, answer.text
        assert answer.headers["access-control-allow-origin"] == ui
        data = base64.b64decode(answer.json()["payloads"][0]["data"]).decode()
        assert "Sam Patel" in data
    finally:
        if local.process is not None and local.process.poll() is None:
            local.stop()
