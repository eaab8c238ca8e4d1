"""Case search attributes for operators: no name, NHS number or diagnosis ever goes here."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("RtwStage")
CASE_EMPLOYER = SearchAttributeKey.for_keyword("RtwEmployer")
CASE_NEXT_DEADLINE = SearchAttributeKey.for_datetime("RtwNextDeadline")

# name -> Temporal indexed value type name, for registering them on a namespace.
CASE_SEARCH_ATTRIBUTES: dict[str, str] = {
    CASE_STAGE.name: "Keyword",
    CASE_EMPLOYER.name: "Keyword",
    CASE_NEXT_DEADLINE.name: "Datetime",
}
