"""The employee's report page as each practice version shapes it (rendered without a server):
on a case before report-first it shows what the consent recorded with the report shares, and
offers no consent or comment form; it never shows OH's clinical notes."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from api.web.pages.report import _recorded_at_assessment, _scopes
from api.web.rendering import ENVIRONMENT
from domain.decide import decide
from domain.disclosure import report_for_employee
from domain.evolve import evolve
from domain.practice import PRACTICE_V1, PRACTICE_V2
from domain.state import CaseState
from domain.values import ConsentScope
from localstack import samples as j
from tests.support.builders import MANAGER_ACTOR, OH_ACTOR, opened_state

AT = datetime(2026, 11, 20, 10, tzinfo=UTC)


def assessed(practice: int) -> CaseState:
    state = opened_state(AT).model_copy(update={"practice": practice})
    consent = ConsentScope(share_fitness_with_manager=True)
    for command, actor in ((j.early_contact(AT), MANAGER_ACTOR),
                           (j.assessment(AT, consent=consent), OH_ACTOR)):
        for event in decide(state, command, now=AT, actor=actor):
            state = evolve(state, event)
    return state


def page(state: CaseState) -> str:
    assessment = state.latest_assessment
    assert assessment is not None
    first = state.practice >= PRACTICE_V2
    context: dict[str, Any] = {
        "title": "Your occupational health report", "report": report_for_employee(assessment),
        "fitness": "Fit for work with adjustments", "adjustments": [], "comments": [],
        "reports_first": first, "scopes": _scopes(state) if first else [],
        "recorded": [] if first else _recorded_at_assessment(assessment),
        "can_act": first, "consent_items": [{"value": "fitness_to_manager", "text": "x"}],
        "errors": [], "values": {}, "done": None, "action": "/my-case/c/report"}
    brand = SimpleNamespace(service_name="Return to work", organisation=None, logo_file=None,
                            footer="")
    return ENVIRONMENT.get_template("report.jinja").render(
        request=None, principal=None, brand=brand, assetPath="", cspNonce="n", navigation=[],
        **context)


@pytest.mark.parametrize("practice", [0, PRACTICE_V1])
def test_an_earlier_case_shows_the_consent_recorded_with_the_report_and_no_forms(
        practice: int) -> None:
    html = page(assessed(practice))

    assert "recorded your consent together with the report" in html
    assert "<form" not in html.split("<main")[1].split("</main>")[0]
    assert "Lumbar strain" not in html  # OH's clinical notes


def test_a_report_first_case_offers_consent_and_comment_forms() -> None:
    html = page(assessed(PRACTICE_V2))

    assert 'action="/my-case/c/report/consent"' in html
    assert 'action="/my-case/c/report/comments"' in html
    assert "OH does not share this" in html
    assert "Lumbar strain" not in html
