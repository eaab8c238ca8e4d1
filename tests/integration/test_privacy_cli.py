"""`rtw privacy erase` against a real PostgreSQL and Temporal: bad input changes nothing (exit
2), an employee with no case is exit 1, and an erasure prints the cases it erased, whose chains
still verify."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from localstack.samples import EMPLOYEE, store_case
from tests.integration.conftest import Rtw

pytestmark = pytest.mark.usefixtures("cli_reaches_temporal")

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_bad_input_is_one_line_and_exit_2_and_erases_nothing(
        rtw: Rtw, store: CaseEventStore) -> None:
    case_id = store_case(store, "ABS-CLI-1", 2, OPENED)

    code, _, err = rtw("privacy", "erase", "--employer", "acme-trust", "--employee-id",
                       EMPLOYEE.id, "--reason", "  ")

    assert code == 2
    assert err.strip() == ("rtw privacy erase: --reason: give 1 to 500 printable characters")
    assert store.history(case_id)[0].data["employee"]["id"] == EMPLOYEE.id


def test_an_employee_without_a_case_is_exit_1(rtw: Rtw, store: CaseEventStore) -> None:
    code, _, err = rtw("privacy", "erase", "--employer", "acme-trust", "--employee-id",
                       "NOBODY", "--reason", "erasure request ref 9")

    assert code == 1
    assert "no case of that employee" in err


def test_erase_prints_the_cases_erased_and_their_chains_still_verify(
        rtw: Rtw, store: CaseEventStore) -> None:
    first = store_case(store, "ABS-CLI-2", 2, OPENED)
    second = store_case(store, "ABS-CLI-3", 3, OPENED)

    code, out, err = rtw("privacy", "erase", "--employer", "acme-trust", "--employee-id",
                         EMPLOYEE.id, "--reason", "erasure request ref 10",
                         "--requested-by", "dpo@acme-trust")

    assert code == 0, err
    assert set(out.splitlines()[:2]) == {f"erased case {first}", f"erased case {second}"}
    assert [v.broken for v in verify_cases(store)] == [None, None]
    for case_id in (first, second):
        store.subject_keys.forget(case_id)  # this process read the key before the CLI ran
        *earlier, erasure = store.history(case_id)
        assert all(r.data == {"erased": True} for r in earlier)
        assert erasure.data["requested_by"] == "dpo@acme-trust"
