"""`rtw policy migrate --json`: the same cases and deadlines as the table, and, like the table,
a deadline whose name hints at health only counted, never named."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from cli.policy_migrate import CaseMigration, Result, deadline_lines, migrations_json
from domain.journey.base import Deadline
from domain.policy import Policy

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
LATER = datetime(2026, 12, 2, 9, tzinfo=UTC)


def _migration() -> CaseMigration:
    contact = Deadline(key="early_contact_due", name="early_contact_due", due_at=NOW)
    moved = Deadline(key="early_contact_due", name="early_contact_due", due_at=LATER)
    clinical = Deadline(key="first_assessment_due", name="first_assessment_due", due_at=NOW)
    return CaseMigration(case_id="c-1", result=Result.WOULD_ADOPT, stage="early_contact",
                         from_version="v1", before=[contact, clinical], after=[moved])


def test_the_json_names_the_shared_deadlines_and_counts_the_oh_only_ones() -> None:
    policy = Policy(version="v2", effective_from=date(2026, 1, 1))

    answer = migrations_json([_migration()], employer_id="acme-trust", policy=policy,
                             dry_run=True)

    [case] = answer["cases"]
    assert case["deadlines"] == [{"key": "early_contact_due", "now": NOW.isoformat(),
                                  "under_version": LATER.isoformat()}]
    assert case["oh_only_deadlines"] == {"now": 1, "under_version": 0, "moving": 1}
    assert "first_assessment" not in json.dumps(answer)
    assert answer["policy_version"] == "v2" and answer["dry_run"] is True


def test_the_table_says_the_same() -> None:
    migration = _migration()

    lines = deadline_lines(migration.before, migration.after)

    assert lines == [
        "    early_contact_due: 2026-11-30T09:00+00:00 -> 2026-12-02T09:00+00:00  (moves)",
        "    and OH-only deadline(s): 1 now, 0 under the version, 1 moving or added or gone",
    ]
