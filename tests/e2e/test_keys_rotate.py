"""`rtw keys rotate` puts a new active key in front of a ring where the key is configured (the
local stack's files, or RTW_SECRETS_DIR), 0600, printing only the new key's id; a key set in the
environment is refused with how to rotate it. For the payload key, end to end: a case written
before the rotation carries on after it, and what is written then uses the new key."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from temporalio.testing import WorkflowEnvironment

from domain.commands import RecordEarlyContact
from domain.stages import Action, ContactMethod
from eventstore.keyring import parse_key_ring
from eventstore.store import CaseEventStore
from infra.temporal_client import traced_client
from localstack.supervisor import _local_secrets
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.workflow_harness import running_worker


def rtw_keys(home: Path, key: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RTW_")}
    clean.update({"RTW_HOME": str(home), **env})
    return subprocess.run([sys.executable, "-m", "cli.main", "keys", "rotate", "--key", key],
                          env=clean, cwd=home, capture_output=True, text=True, timeout=60)


def values(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def local_stack(home: Path) -> dict[str, str]:
    """The keys files as `rtw run` leaves them."""
    secrets = _local_secrets(home)
    (home / "local.env").write_text("".join(f"{k}={v}\n" for k, v in sorted(secrets.items())))
    (home / "local.env").chmod(0o600)
    return secrets


def test_rotating_the_local_stacks_store_key_keeps_the_old_key_behind_the_new(
        tmp_path: Path) -> None:
    before = local_stack(tmp_path)
    result = rtw_keys(tmp_path, "store")
    assert result.returncode == 0, result.stderr
    for file in (tmp_path / "secrets.env", tmp_path / "local.env"):
        ring = parse_key_ring(values(file)["RTW_EVENT_CIPHER_KEY"],
                              setting="RTW_EVENT_CIPHER_KEY")
        assert ring.active_id == "k1"
        assert base64.b64encode(ring.keys["k0"]).decode() == before["RTW_EVENT_CIPHER_KEY"]
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        # The other keys are untouched.
        assert values(file)["RTW_PAYLOAD_KEYS"] == before["RTW_PAYLOAD_KEYS"]
    assert "'k1'" in result.stdout
    assert base64.b64encode(ring.active).decode() not in result.stdout + result.stderr


def test_rotating_the_chain_key_in_a_secrets_folder_rewrites_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir()
    old = base64.b64encode(os.urandom(32)).decode()
    (folder / "rtw_audit_hmac_key").write_text(old + "\n")
    result = rtw_keys(tmp_path, "chain", RTW_SECRETS_DIR=str(folder))
    assert result.returncode == 0, result.stderr
    written = (folder / "rtw_audit_hmac_key").read_text().strip()
    ring = parse_key_ring(written, setting="RTW_AUDIT_HMAC_KEY")
    assert (ring.active_id, list(ring.keys)) == ("k1", ["k1", "k0"])
    assert base64.b64encode(ring.keys["k0"]).decode() == old
    assert stat.S_IMODE((folder / "rtw_audit_hmac_key").stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == ["rtw_audit_hmac_key"]  # no temporary left


def test_a_key_set_in_the_environment_is_refused_with_how_to_rotate_it(tmp_path: Path) -> None:
    before = local_stack(tmp_path)
    result = rtw_keys(tmp_path, "payload", RTW_PAYLOAD_KEYS=before["RTW_PAYLOAD_KEYS"])
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("rtw keys rotate: RTW_PAYLOAD_KEYS is set in the environment")
    assert "put a new key in front of the ring" in line
    assert values(tmp_path / "secrets.env") == before


def test_a_key_configured_nowhere_is_refused(tmp_path: Path) -> None:
    result = rtw_keys(tmp_path, "payload")
    assert result.returncode == 2
    assert "RTW_PAYLOAD_KEYS is not configured" in result.stderr


async def test_a_case_sealed_before_a_payload_key_rotation_carries_on_after_it(
        dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str,
        tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "rtw_payload_keys").write_text("k1:" + base64.b64encode(os.urandom(32)).decode())
    tracer = TracerProvider().get_tracer("rtw-test")

    def client(spec: str):  # type: ignore[no-untyped-def]
        return traced_client(dev_server_env.client, payload_keys=spec, tracer=tracer)

    before = (folder / "rtw_payload_keys").read_text()
    async with running_worker(client(before), store, database_url) as harness:
        handle = await harness.open_case(open_command(absence_id=f"ABS-{os.getpid()}-rot"),
                                         HR_ACTOR)
        await handle.query("view")
        queue = harness.task_queue
        harness.started.clear()  # the case goes on under the next worker

    result = rtw_keys(tmp_path, "payload", RTW_SECRETS_DIR=str(folder))
    assert result.returncode == 0, result.stderr
    assert "'k2'" in result.stdout
    after = (folder / "rtw_payload_keys").read_text().strip()

    async with running_worker(client(after), store, database_url, task_queue=queue) as harness:
        rotated = client(after).get_workflow_handle(handle.id)
        view = await harness.act(rotated, Action.RECORD_EARLY_CONTACT, RecordEarlyContact(
            contacted_at=datetime.now(UTC), method=ContactMethod.PHONE,
            agreed_contact_frequency_days=7), MANAGER_ACTOR)
        assert "EarlyContactRecorded" in [r.event_type for r in store.history(handle.id)]
        assert view.state is not None
        harness.started.append(handle.id)
        # The raw history: the start sealed with k1, the Update with k2.
        history = await dev_server_env.client.get_workflow_handle(handle.id).fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes
        assert started.input.payloads[0].metadata["encryption-key-id"] == b"k1"
        updates = [e.workflow_execution_update_accepted_event_attributes for e in history.events
                   if e.HasField("workflow_execution_update_accepted_event_attributes")]
        assert updates
        payload = updates[-1].accepted_request.input.args.payloads[0]
        assert payload.metadata["encryption-key-id"] == b"k2"

