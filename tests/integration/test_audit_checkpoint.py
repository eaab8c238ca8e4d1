"""Checkpoints on a real PostgreSQL: what `verify` alone cannot see, a checkpoint kept outside
the database can: a case rolled back whole, a case deleted whole, a case rewritten."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventstore.chain import head_for
from eventstore.keyring import parse_key_ring
from eventstore.store import CaseEventStore
from localstack.samples import as_new, case_events, store_case
from tests.conftest import TEST_AUDIT_KEY
from tests.integration.conftest import Rtw
from tests.support.stored_cases import tamper

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)


@pytest.fixture
def cases(store: CaseEventStore) -> list[str]:
    """Two cases of four events each; the first is the one tampered with."""
    return [store_case(store, f"ABS-CP{n}", 4, OPENED) for n in (1, 2)]


@pytest.fixture
def checkpoint(rtw: Rtw, cases: list[str], tmp_path: Path) -> Path:
    path = tmp_path / "heads.json"
    code, out, err = rtw("audit", "checkpoint", "--out", str(path))
    assert (code, err) == (0, ""), out
    assert "checkpoint of 2 case(s)" in out
    return path


def roll_back(store: CaseEventStore, database_url: str, case_id: str, *, to: int) -> None:
    """What a database writer (or an old backup) can do unseen by the chain: drop the last
    events and put back the authentic head the case had at position `to`."""
    kept = store.history(case_id, up_to=to)[-1]
    head = head_for(store.audit_key, case_id, to, kept.mac)
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
           "AND originator_version > %s", case_id, to)
    tamper(database_url, "UPDATE rtw_chain_heads SET last_position = %s, last_mac = %s, "
           "head_mac = %s WHERE case_id = %s", to, head.last_mac, head.head_mac, case_id)


def against(rtw: Rtw, path: Path) -> tuple[int, dict[str, object]]:
    code, out, _ = rtw("audit", "verify", "--all", "--against", str(path), "--format", "json")
    return code, json.loads(out)


def findings(result: dict[str, object]) -> dict[str | None, str]:
    checkpoint = result["checkpoint"]
    assert isinstance(checkpoint, dict)
    return {f["case_id"]: f["problem"] for f in checkpoint["findings"]}


def test_a_checkpoint_is_canonical_signed_json_for_its_owner_only(
    checkpoint: Path, cases: list[str]
) -> None:
    raw = checkpoint.read_bytes()
    document = json.loads(raw)

    assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600
    assert raw == json.dumps(document, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    ring = parse_key_ring(TEST_AUDIT_KEY, setting="RTW_AUDIT_HMAC_KEY", min_size=16)
    assert document["count"] == 2 and document["key_id"] == ring.active_id
    assert sorted(h["case_id"] for h in document["heads"]) == sorted(cases)
    assert {h["last_position"] for h in document["heads"]} == {4}
    assert len(document["signature"]) == 64


def test_an_untouched_store_and_a_case_opened_later_hold_against_the_checkpoint(
    rtw: Rtw, store: CaseEventStore, checkpoint: Path, cases: list[str]
) -> None:
    store_case(store, "ABS-LATER", 2, OPENED)
    case_id, events = case_events("ABS-CP2", 5, OPENED)
    store.append(case_id=case_id, first_position=5, policy_version="acme-2026.1",
                 workflow_id=case_id, run_id="run-1", events=[as_new(events[4])])

    code, result = against(rtw, checkpoint)
    _, text, _ = rtw("audit", "verify", "--against", str(checkpoint))

    assert code == 0 and result["holds"] is True and findings(result) == {}
    assert "all 2 checkpointed case(s) hold" in text


def test_a_rolled_back_head_passes_verify_alone_but_not_against_the_checkpoint(
    rtw: Rtw, store: CaseEventStore, database_url: str, checkpoint: Path, cases: list[str]
) -> None:
    roll_back(store, database_url, cases[0], to=2)

    alone, _, _ = rtw("audit", "verify", "--all")
    code, result = against(rtw, checkpoint)

    assert alone == 0
    assert code == 1 and result["holds"] is False
    assert findings(result) == {
        cases[0]: "the head moved back: position 2 now, 4 at the checkpoint"}


def test_a_case_rewritten_to_the_same_length_is_caught(
    rtw: Rtw, store: CaseEventStore, database_url: str, checkpoint: Path, cases: list[str]
) -> None:
    roll_back(store, database_url, cases[0], to=3)
    case_id, events = case_events("ABS-CP1", 4, OPENED)
    store.append(case_id=case_id, first_position=4, policy_version="acme-2026.1",
                 workflow_id=case_id, run_id="run-2", events=[as_new(events[3])])

    code, result = against(rtw, checkpoint)

    assert code == 1
    assert "the case was rewritten" in findings(result)[cases[0]]


def test_a_case_rewritten_and_grown_past_the_checkpoint_is_caught(
    rtw: Rtw, store: CaseEventStore, database_url: str, checkpoint: Path, cases: list[str]
) -> None:
    roll_back(store, database_url, cases[0], to=2)
    case_id, events = case_events("ABS-CP1", 5, OPENED)
    store.append(case_id=case_id, first_position=3, policy_version="acme-2026.1",
                 workflow_id=case_id, run_id="run-2", events=[as_new(e) for e in events[2:]])

    alone, _, _ = rtw("audit", "verify", "--all")
    code, result = against(rtw, checkpoint)

    assert alone == 0
    assert code == 1
    assert findings(result) == {cases[0]: "the event at position 4 no longer carries the MAC "
                                          "checkpointed: history was rewritten"}


def test_a_case_deleted_whole_is_caught(
    rtw: Rtw, database_url: str, checkpoint: Path, cases: list[str]
) -> None:
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s", cases[1])
    tamper(database_url, "DELETE FROM rtw_chain_heads WHERE case_id = %s", cases[1])

    alone, _, _ = rtw("audit", "verify", "--all")
    code, result = against(rtw, checkpoint)

    assert alone == 0
    assert code == 1 and findings(result)[cases[1]].startswith("the case is gone")


def test_an_edited_checkpoint_fails_its_signature_and_is_not_trusted(
    rtw: Rtw, store: CaseEventStore, database_url: str, checkpoint: Path, cases: list[str]
) -> None:
    roll_back(store, database_url, cases[0], to=2)
    document = json.loads(checkpoint.read_bytes())
    for head in document["heads"]:
        if head["case_id"] == cases[0]:  # hide the rollback by editing the checkpoint
            head["last_position"] = 2
    checkpoint.write_text(json.dumps(document))

    code, result = against(rtw, checkpoint)
    _, text, _ = rtw("audit", "verify", "--all", "--against", str(checkpoint))

    assert code == 1
    assert list(findings(result)) == [None]
    assert "the file was edited" in findings(result)[None]
    assert "AGAINST CHECKPOINT checkpoint: the checkpoint's signature does not verify" in text


def test_a_checkpoint_never_vouches_for_an_altered_head(
    rtw: Rtw, database_url: str, cases: list[str], tmp_path: Path
) -> None:
    tamper(database_url, "UPDATE rtw_chain_heads SET last_position = 9 WHERE case_id = %s",
           cases[1])
    path = tmp_path / "heads.json"

    code, out, _ = rtw("audit", "checkpoint", "--out", str(path))

    assert code == 1
    assert f"LEFT OUT case {cases[1]}: its chain head was altered" in out
    assert [h["case_id"] for h in json.loads(path.read_bytes())["heads"]] == [cases[0]]


def test_a_file_that_is_not_a_checkpoint_is_refused_as_bad_input(
    rtw: Rtw, tmp_path: Path, cases: list[str]
) -> None:
    path = tmp_path / "not.json"
    path.write_text("{}")

    code, _, err = rtw("audit", "verify", "--all", "--against", str(path))

    assert code == 2
    assert "--against" in err and "not a checkpoint" in err
