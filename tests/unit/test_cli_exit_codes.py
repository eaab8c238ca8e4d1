"""One exit code per kind of outcome, whichever command ends with it."""

from __future__ import annotations

import pytest

from cli.exit_codes import MEANINGS, Exit, for_status


@pytest.mark.parametrize(("status", "expected"), [
    (200, Exit.OK), (201, Exit.OK), (202, Exit.OK),
    (401, Exit.AUTH), (403, Exit.AUTH),
    (400, Exit.REFUSED), (404, Exit.REFUSED), (409, Exit.REFUSED), (413, Exit.REFUSED),
    (422, Exit.REFUSED),
    (502, Exit.UNREACHABLE), (503, Exit.UNREACHABLE), (504, Exit.UNREACHABLE),
    (500, Exit.FAILED),
])
def test_each_http_answer_ends_the_command_with_its_kind_of_exit(
        status: int, expected: Exit) -> None:
    assert for_status(status) is expected


def test_the_codes_are_distinct_and_stable() -> None:
    assert [int(code) for code in Exit] == [0, 1, 2, 3, 4, 5]


def test_every_code_has_a_meaning_for_the_readme_table() -> None:
    assert set(MEANINGS) == set(Exit)
