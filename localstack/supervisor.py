"""`rtw run`: the whole engine on one machine, started, supervised and stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from infra.codec import new_key_spec
from infra.settings import LOCAL_ENV_FILE, Settings
from infra.tokens import DEV_EMPLOYERS, issue_dev_tokens
from localstack.postgres import LocalPostgres
from localstack.restart_budget import RestartBudget
from localstack.temporal import dev_server_args, port_is_free, ui_origins, wait_for_port


def _local_secrets(home: Path) -> dict[str, str]:
    """Keys for the local stack, made once and kept, so a restart still decrypts old cases.

    A key missing from an older secrets file is added; existing keys are never replaced.
    """
    path = home / "secrets.env"
    if not path.exists():
        path.touch(mode=0o600)
    values = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key:
            values[key] = value
    wanted = {
        "RTW_PAYLOAD_KEYS": "local1",
        "RTW_EVENT_CIPHER_KEY": None,
        "RTW_AUDIT_HMAC_KEY": None,
    }
    missing = {
        name: new_key_spec(kid) if kid else new_key_spec().split(":", 1)[1]
        for name, kid in wanted.items()
        if name not in values
    }
    if missing:
        with path.open("a") as secrets_file:
            secrets_file.writelines(f"{name}={value}\n" for name, value in missing.items())
        values.update(missing)
    return values


def _write_local_env(values: dict[str, str]) -> None:
    LOCAL_ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    LOCAL_ENV_FILE.touch(mode=0o600, exist_ok=True)
    LOCAL_ENV_FILE.chmod(0o600)
    LOCAL_ENV_FILE.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))


class Supervisor:
    """Starts PostgreSQL, Temporal, the worker and the API; stops them all on Ctrl-C."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.home.resolve()
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.postgres = LocalPostgres(self.home / "pg", port=settings.local_postgres_port)
        self._stopping = False

    def run(self) -> int:
        self.home.mkdir(parents=True, exist_ok=True)
        self._check_ports()
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        try:
            return self._start_and_watch()
        finally:
            self._stop_all()

    def _check_ports(self) -> None:
        host, _, port = self.settings.temporal_address.rpartition(":")
        wanted = {
            "PostgreSQL": self.settings.local_postgres_port,
            "Temporal": int(port),
            "Temporal UI": self.settings.temporal_ui_port,
            "API": self.settings.api_port,
        }
        busy = [f"{name} port {p}" for name, p in wanted.items() if not port_is_free(host, p)]
        if busy:
            raise SystemExit(
                "rtw run: already in use: " + ", ".join(busy)
                + " (is rtw already running? stop it, or change the RTW_* ports)"
            )

    def _start_and_watch(self) -> int:
        print("rtw: starting PostgreSQL …", flush=True)
        self._start_postgres()
        print("rtw: starting Temporal dev server …", flush=True)
        self._start_temporal()

        tokens_file = self.home / "tokens.json"
        dev_tokens = self.home / "dev-tokens.json"
        issue_dev_tokens(tokens_file, dev_tokens, _local_employers(self.settings.employers_dir))
        env_values = {
            "RTW_DATABASE_URL": self.postgres.url(),
            "RTW_TOKENS_FILE": str(tokens_file),
            "RTW_TEMPORAL_ADDRESS": self.settings.temporal_address,
            "RTW_TEMPORAL_NAMESPACE": self.settings.temporal_namespace,
            # The dev server's UI decodes payloads through the API's codec route.
            "RTW_CODEC_CORS_ORIGINS": self.settings.codec_cors_origins or ui_origins(
                self.settings.temporal_address.rpartition(":")[0],
                self.settings.temporal_ui_port),
            **_local_secrets(self.home),
        }
        _write_local_env(env_values)
        child_env = {**os.environ, **env_values}
        # Every child is restarted when it exits, within a budget: a rate over a window.
        starters: dict[str, Callable[[], None]] = {
            "postgres": self._start_postgres,
            "temporal": self._start_temporal,
            "worker": lambda: self._spawn("worker", child_env),
            "api": lambda: self._spawn("api", child_env),
        }
        budgets = {name: RestartBudget() for name in starters}
        restart_at: dict[str, float] = {}
        for name in ("worker", "api"):
            starters[name]()
        self._print_banner(dev_tokens)
        while not self._stopping:
            time.sleep(0.5)
            now = time.monotonic()
            for name, due in list(restart_at.items()):
                if now >= due and not self._stopping:
                    del restart_at[name]
                    try:
                        starters[name]()
                    except RuntimeError as error:  # a server that would not come back
                        print(f"rtw: {name} did not start again: {error}; stopping",
                              flush=True)
                        return 1
                    print(f"rtw: {name} restarted", flush=True)
            for name, process in list(self.children.items()):
                if process.poll() is None or self._stopping or name in restart_at:
                    continue
                if name in ("worker", "api") and process.returncode == 2:
                    # rtw's exit code for a setting it refused: starting again cannot help.
                    print(f"rtw: {name} refused its configuration (see its line above); "
                          "stopping", flush=True)
                    return 1
                budget = budgets[name]
                if budget.spend(now):
                    pause = budget.pause_before_restart()
                    print(f"rtw: {name} exited ({process.returncode}); restarting in "
                          f"{pause:.1f} s", flush=True)
                    restart_at[name] = now + pause
                    continue
                print(f"rtw: {name} exited with code {process.returncode}, "
                      f"{budget.allowed} times within {budget.window_seconds:.0f} s; stopping",
                      flush=True)
                return 1
        return 0

    def _start_postgres(self) -> None:
        self.postgres.start()
        self.children["postgres"] = self.postgres.process

    def _start_temporal(self) -> None:
        host, _, port = self.settings.temporal_address.rpartition(":")
        with (self.home / "temporal.log").open("ab") as log:
            temporal = subprocess.Popen(
                dev_server_args(
                    db_file=self.home / "temporal.db",
                    port=int(port),
                    ui_port=self.settings.temporal_ui_port,
                    namespace=self.settings.temporal_namespace,
                    host=host,
                    codec_endpoint=self._codec_endpoint(),
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.children["temporal"] = temporal
        wait_for_port(host, int(port), process=temporal)

    def _codec_endpoint(self) -> str:
        """The API's codec route, for the dev server's UI (it appends `/decode`)."""
        return f"http://{self.settings.api_host}:{self.settings.api_port}/v1/codec"

    def _spawn(self, name: str, env: dict[str, str]) -> None:
        self.children[name] = subprocess.Popen(
            [sys.executable, "-m", "cli.main", name], env=env, start_new_session=True
        )

    def _print_banner(self, dev_tokens: Path) -> None:
        ui_host = self.settings.temporal_address.rpartition(":")[0]
        print(
            "\nrtw is running (Ctrl-C stops everything):\n"
            f"  Sign in      http://{self.settings.api_host}:{self.settings.api_port}/ "
            "(paste the 'oh' token of the dev tokens file as the access token)\n"
            f"  API          http://{self.settings.api_host}:{self.settings.api_port}\n"
            f"  API docs     http://{self.settings.api_host}:{self.settings.api_port}/docs\n"
            f"  Temporal UI  http://{ui_host}:{self.settings.temporal_ui_port} (payloads "
            f"decoded by {self._codec_endpoint()}/decode for OH and admin tokens)\n"
            f"  Temporal     {self.settings.temporal_address} "
            f"(namespace {self.settings.temporal_namespace})\n"
            f"  PostgreSQL   {self.postgres.url()}\n"
            f"  notices      {self._notices_line()}\n"
            f"  dev tokens   {dev_tokens}\n",
            flush=True,
        )

    def _notices_line(self) -> str:
        """Where the relay sends notices (never a password: the SMTP URL is not shown)."""
        channel = self.settings.notify_channel
        if channel == "log":
            return "written to the worker's log (RTW_NOTIFY_CHANNEL=log)"
        if channel == "smtp":
            return f"emailed through RTW_SMTP_URL from {self.settings.smtp_from}"
        return "sent by GOV.UK Notify"

    def _request_stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _stop_all(self) -> None:
        for name in ("api", "worker", "temporal"):
            process = self.children.get(name)
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name in ("api", "worker", "temporal"):
            process = self.children.get(name)
            if process is None:
                continue
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.postgres.stop()
        print("rtw: stopped", flush=True)


def _local_employers(employers_dir: Path | None) -> tuple[str, ...]:
    """The employers the dev tokens act for: the local ones, and each of the employers
    directory (one `<employer_id>.json` per employer) when one is configured."""
    named = sorted(path.stem for path in employers_dir.glob("*.json")) \
        if employers_dir is not None and employers_dir.is_dir() else []
    return tuple(dict.fromkeys([*DEV_EMPLOYERS, *named]))
