"""`states.deadlines`: the one rule of what a document owes, read by the sweep, the dashboard
and the calendar, checked here without a database for every built-in type and state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from services.workflows import load_workflows
from states.deadlines import (
    DeadlineKind,
    OpenRequest,
    conformity_states,
    deadlines_of,
    delivered_states,
    tacit_sources,
)

REGISTRY = load_workflows()
DUE, RECEIVED = date(2017, 12, 31), date(2017, 10, 16)
REQUEST = OpenRequest(7, date(2017, 10, 30), date(2017, 12, 1))


@dataclass(frozen=True)
class Doc:
    state: str
    due_date: date | None = DUE
    submitted_on: date | None = RECEIVED


CASES = [(t, s) for t in REGISTRY.types for s in REGISTRY.definition(t).state_names]


@pytest.mark.parametrize(("doc_type", "state"), CASES)
def test_each_state_owes_exactly_what_its_definition_says(doc_type, state):
    definition = REGISTRY.definition(doc_type)
    found = deadlines_of(Doc(state), definition, [REQUEST])
    kinds = [d.kind for d in found]
    assert (DeadlineKind.DUE in kinds) is (state not in delivered_states(definition))
    assert (DeadlineKind.RESPOND_BY in kinds) is (state in conformity_states(definition))
    assert (DeadlineKind.REVIEW_END in kinds) is (state in tacit_sources(definition))
    if state in definition.final_states:
        assert found == []  # nothing is owed once a document is decided


def test_a_pmsp_through_its_life():
    pmsp = REGISTRY.definition("pmsp")
    (due,) = deadlines_of(Doc("draft", submitted_on=None), pmsp)
    assert (due.kind, due.day) == (DeadlineKind.DUE, DUE)
    (review,) = deadlines_of(Doc("submitted"), pmsp)
    assert (review.kind, review.day) == (DeadlineKind.REVIEW_END, date(2017, 12, 16))
    later = OpenRequest(9, date(2017, 11, 2), date(2018, 1, 5))
    answers = deadlines_of(Doc("conformity_requested"), pmsp, [later, REQUEST])
    assert [(d.kind, d.day, d.request) for d in answers] == [
        (DeadlineKind.RESPOND_BY, REQUEST.respond_by, REQUEST),
        (DeadlineKind.RESPOND_BY, later.respond_by, later),
    ]
    assert deadlines_of(Doc("approved"), pmsp, [REQUEST]) == []


def test_no_due_date_and_no_review_period_owe_nothing():
    sdsi = REGISTRY.definition("sdsi")  # acknowledged, never approved tacitly
    assert deadlines_of(Doc("draft", due_date=None), sdsi) == []
    assert deadlines_of(Doc("submitted"), sdsi) == []
