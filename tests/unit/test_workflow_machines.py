"""The shared document machines, driven through `DocumentMachine.fire` for every document type.

Expectations are computed from the definition's data and `states.guards.GUARDS` directly, so
that a mistake in `fire` (or in `transitions`) cannot hide behind itself.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from services.workflows import load_workflows
from states.definition import Side, TransitionDef, WorkflowDefinition
from states.errors import GuardRefused, IllegalTransition, StateError, WrongSide
from states.guards import GUARDS, FireContext, add_months
from states.machine import DocumentMachine

# the built-in types, and a call for projects written as data (an assessment grid, a holder
# that is not a GHT) to prove that a procedure from a folder obeys the same laws
FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "applications"
REGISTRY = load_workflows(str(FOLDER))
TYPES = REGISTRY.types
CRITERION = "some_criterion"

KNOWN_MOTIVES = frozenset({"missing_section", "inconsistent_budget", "no_territorial_scope"})
UNKNOWN_MOTIVES = ("made_up", "typo_sectoin")
BOGUS_EVENT = "teleport"
DOCUMENT = "document 1"
AS_OF = date(2017, 10, 13)


@dataclass
class Record:
    """Stands for a document row: the machine only needs a writable `state`."""

    state: str


def good_context(side: Side, as_of: date = AS_OF) -> FireContext:
    """A context satisfying every known guard."""
    return FireContext(
        actor_side=side,
        as_of=as_of,
        motives=("missing_section",),
        known_motives=KNOWN_MOTIVES,
        respond_by=add_months(as_of, 1),
        has_file=True,
        note="Motivation de la décision.",
        criterion=CRITERION,
        met=True,
        known_criteria=(CRITERION,),
        criteria_met=frozenset({CRITERION}),
    )


def outgoing(definition: WorkflowDefinition, state: str) -> list[TransitionDef]:
    return [t for t in definition.transitions if state in t.sources]


# --- hypothesis stateful: one generic machine, one subclass per document type ---------------


class LifecycleMachine(RuleBasedStateMachine):
    """Fires random events with random contexts and checks every outcome against the data."""

    type_name: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.machine = REGISTRY.machine(self.type_name)
        self.definition = self.machine.definition
        self.record = Record(self.definition.initial)
        self.expected_state = self.definition.initial
        self.reached_final = False
        self.accepted = 0

    @initialize()
    def starts_in_initial_state(self) -> None:
        assert self.record.state == self.definition.initial

    def _expect(self, event: str, context: FireContext) -> tuple[str, object]:
        """('accept', dest) | ('illegal', allowed) | ('side', None) | ('guard', reason)."""
        state = self.expected_state
        matching = [t for t in outgoing(self.definition, state) if t.event == event]
        if not matching:
            allowed = list(dict.fromkeys(t.event for t in outgoing(self.definition, state)))
            return "illegal", allowed
        assert len(matching) == 1, f"{event} has several destinations from {state}"
        transition = matching[0]
        if context.actor_side != transition.side:
            return "side", None
        for name in transition.guards:
            reason = GUARDS[name](context, self.definition.timers)
            if reason is not None:
                return "guard", reason
        return "accept", transition.dest

    def _fire_and_check(self, event: str, context: FireContext) -> None:
        before = self.record.state
        kind, detail = self._expect(event, context)
        if self.reached_final:
            assert kind == "illegal", f"{event} would leave final state {before}"
        if kind == "accept":
            result = self.machine.fire(self.record, event, context, DOCUMENT)
            assert result.event == event
            assert result.dest == detail
            assert self.record.state == detail
            self.expected_state = self.record.state
            self.accepted += 1
            if self.record.state in self.definition.final_states:
                self.reached_final = True
            return
        with pytest.raises(StateError) as caught:
            self.machine.fire(self.record, event, context, DOCUMENT)
        error = caught.value
        message = str(error)
        assert self.record.state == before, "a refused event changed the state"
        assert DOCUMENT in message
        if kind == "illegal":
            assert type(error) is IllegalTransition
            assert error.state == before
            assert error.event == event
            assert list(error.allowed) == detail
            assert repr(before) in message
            assert isinstance(detail, list)
            if detail:
                for allowed in detail:
                    assert allowed in message
            else:
                assert "none (final state)" in message
        elif kind == "side":
            assert type(error) is WrongSide
            assert repr(event) in message
        else:
            assert type(error) is GuardRefused
            assert error.event == event
            assert error.reason == detail
            assert str(detail) in message

    @rule(
        event_index=st.integers(min_value=0, max_value=50),
        side=st.sampled_from(list(Side)),
        motives=st.lists(
            st.sampled_from(sorted(KNOWN_MOTIVES) + list(UNKNOWN_MOTIVES)), max_size=3
        ),
        respond_by=st.sampled_from([None, "too_early", "just_in_time", "later"]),
        has_file=st.booleans(),
        as_of=st.dates(min_value=date(2010, 1, 1), max_value=date(2035, 12, 31)),
    )
    def fire_random_event(self, event_index, side, motives, respond_by, has_file, as_of):
        events = [*self.definition.events, BOGUS_EVENT]
        event = events[event_index % len(events)]
        earliest = add_months(as_of, self.definition.timers.conformity_response_min_months)
        respond = {
            None: None,
            "too_early": earliest - timedelta(days=1),
            "just_in_time": earliest,
            "later": earliest + timedelta(days=40),
        }[respond_by]
        context = FireContext(
            actor_side=side,
            as_of=as_of,
            motives=tuple(motives),
            known_motives=KNOWN_MOTIVES,
            respond_by=respond,
            has_file=has_file,
            criterion=CRITERION if has_file else None,  # some draws give a verdict, some not
            met=bool(motives) if has_file else None,
            known_criteria=(CRITERION,),
            criteria_met=frozenset({CRITERION}) if respond_by == "later" else frozenset(),
        )
        self._fire_and_check(event, context)

    @rule(choice=st.integers(min_value=0, max_value=50))
    def fire_allowed_event(self, choice):
        """Moves forward with the right side and a satisfying context, to reach deep states."""
        available = outgoing(self.definition, self.expected_state)
        if not available:
            self._fire_and_check(
                self.definition.events[choice % len(self.definition.events)], good_context(Side.GHT)
            )
            return
        transition = available[choice % len(available)]
        self._fire_and_check(transition.event, good_context(transition.side))

    @invariant()
    def state_is_known_and_tracked(self) -> None:
        assert self.record.state in self.definition.state_names
        assert self.record.state == self.expected_state

    @invariant()
    def final_state_is_sticky(self) -> None:
        if self.reached_final:
            assert self.record.state in self.definition.final_states


def _camel(type_name: str) -> str:
    return "".join(part.capitalize() for part in type_name.split("_"))


def lifecycle_for(type_name: str) -> type[LifecycleMachine]:
    return type(f"{_camel(type_name)}Lifecycle", (LifecycleMachine,), {"type_name": type_name})


MACHINE_SETTINGS = settings(
    max_examples=60,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

for _type_name in TYPES:
    _test_case = lifecycle_for(_type_name).TestCase
    _test_case.settings = MACHINE_SETTINGS
    _test_case.__name__ = _test_case.__qualname__ = f"Test{_camel(_type_name)}Lifecycle"
    globals()[_test_case.__name__] = _test_case
del _type_name, _test_case


def test_every_type_has_a_stateful_test_case():
    assert TYPES, "no workflow types loaded"
    for type_name in TYPES:
        case = globals().get(f"Test{_camel(type_name)}Lifecycle")
        assert case is not None, type_name
        assert case.settings.max_examples == 60
    assert "TestPmspLifecycle" in globals()


# --- structure and reachability, through the real machine -------------------------------------


@pytest.mark.parametrize("type_name", TYPES)
def test_every_state_is_reachable_by_firing(type_name):
    machine = REGISTRY.machine(type_name)
    definition = machine.definition
    seen = {definition.initial}
    queue = deque([definition.initial])
    while queue:
        state = queue.popleft()
        for transition in outgoing(definition, state):
            record = Record(state)
            result = machine.fire(record, transition.event, good_context(transition.side), DOCUMENT)
            assert result is transition
            assert record.state == transition.dest
            if record.state not in seen:
                seen.add(record.state)
                queue.append(record.state)
    assert seen == set(definition.state_names)


@pytest.mark.parametrize("type_name", TYPES)
def test_final_states_have_no_way_out_and_others_have_one(type_name):
    definition = REGISTRY.definition(type_name)
    assert definition.final_states, f"{type_name} has no final state"
    for state in definition.state_names:
        leaving = outgoing(definition, state)
        if state in definition.final_states:
            assert leaving == []
            assert definition.allowed_events(state) == ()
        else:
            assert leaving, f"{type_name}: {state} is a dead end"
            assert definition.allowed_events(state)


@pytest.mark.parametrize("type_name", TYPES)
def test_final_state_refuses_every_event_with_final_message(type_name):
    machine = REGISTRY.machine(type_name)
    definition = machine.definition
    for final in definition.final_states:
        for event in definition.events:
            for side in Side:
                record = Record(final)
                with pytest.raises(IllegalTransition, match=r"none \(final state\)"):
                    machine.fire(record, event, good_context(side), DOCUMENT)
                assert record.state == final


# --- the paths the spec describes --------------------------------------------------------------


def walk(type_name: str, steps: list[str], start: str | None = None) -> list[str]:
    """Fire `steps` with the event's own side and a good context; return the states visited."""
    machine = REGISTRY.machine(type_name)
    record = Record(start or machine.definition.initial)
    visited = [record.state]
    for event in steps:
        transition = machine.definition.transition(record.state, event)
        assert transition is not None, f"{type_name}: {event} not allowed in {record.state}"
        machine.fire(record, event, good_context(transition.side), DOCUMENT)
        visited.append(record.state)
    return visited


def test_pmsp_paths():
    assert walk("pmsp", ["submit"]) == ["draft", "submitted"]
    assert walk("pmsp", ["adopt_interim", "submit"]) == ["draft", "interim_amendment", "submitted"]
    assert walk("pmsp", ["submit", "request_conformity", "resubmit", "approve"]) == [
        "draft",
        "submitted",
        "conformity_requested",
        "submitted",
        "approved",
    ]
    assert walk("pmsp", ["submit", "approve"])[-1] == "approved"
    assert walk("pmsp", ["submit", "tacit_approve"])[-1] == "approved"


@pytest.mark.parametrize("type_name", ["pmsp", "chu_convention", "had_convention"])
@pytest.mark.parametrize("side", [Side.AGENCY, Side.GHT])
def test_tacit_approval_is_only_for_the_system(type_name, side):
    machine = REGISTRY.machine(type_name)
    record = Record("submitted")
    with pytest.raises(WrongSide, match="tacit_approve"):
        machine.fire(record, "tacit_approve", good_context(side), DOCUMENT)
    assert record.state == "submitted"
    machine.fire(record, "tacit_approve", good_context(Side.SYSTEM), DOCUMENT)
    assert record.state == "approved"


@pytest.mark.parametrize("type_name", ["chu_convention", "had_convention"])
def test_conventions_are_signed_then_submitted(type_name):
    assert walk(type_name, ["sign", "submit", "request_conformity", "resubmit", "approve"]) == [
        "draft",
        "signed",
        "submitted",
        "conformity_requested",
        "submitted",
        "approved",
    ]
    assert walk(type_name, ["sign", "submit", "tacit_approve"])[-1] == "approved"
    with pytest.raises(IllegalTransition):
        REGISTRY.machine(type_name).fire(
            Record("draft"), "submit", good_context(Side.GHT), DOCUMENT
        )


def test_partnership_convention_is_only_acknowledged():
    assert walk("partnership_convention", ["sign", "submit", "acknowledge"]) == [
        "draft",
        "signed",
        "submitted",
        "acknowledged",
    ]
    definition = REGISTRY.definition("partnership_convention")
    assert "approve" not in definition.events
    assert "tacit_approve" not in definition.events
    record = Record("submitted")
    with pytest.raises(IllegalTransition) as caught:
        REGISTRY.machine("partnership_convention").fire(
            record, "approve", good_context(Side.AGENCY), DOCUMENT
        )
    assert caught.value.allowed == ("acknowledge",)
    assert record.state == "submitted"


@pytest.mark.parametrize(("event", "dest"), [("approve", "approved"), ("reject", "rejected")])
def test_eprd_budget_g_is_approved_or_rejected(event, dest):
    assert walk("eprd_budget_g", ["submit", event]) == ["draft", "submitted", dest]
    assert dest in REGISTRY.definition("eprd_budget_g").final_states


def test_sdsi_is_validated_then_acknowledged():
    assert walk("sdsi", ["validate", "submit", "acknowledge"]) == [
        "draft",
        "validated",
        "submitted",
        "acknowledged",
    ]


EXPECTED_SIDES = {
    "approve": Side.AGENCY,
    "reject": Side.AGENCY,
    "request_conformity": Side.AGENCY,
    "acknowledge": Side.AGENCY,
    "sign": Side.GHT,
    "submit": Side.GHT,
    "resubmit": Side.GHT,
    "adopt_interim": Side.GHT,
    "validate": Side.GHT,
    "tacit_approve": Side.SYSTEM,
}


@pytest.mark.parametrize("type_name", TYPES)
def test_events_belong_to_the_expected_side(type_name):
    machine = REGISTRY.machine(type_name)
    for transition in machine.definition.transitions:
        if transition.event not in EXPECTED_SIDES:
            continue
        expected = EXPECTED_SIDES[transition.event]
        assert transition.side is expected, (type_name, transition.event)
        for wrong in Side:
            if wrong is expected:
                continue
            record = Record(transition.sources[0])
            with pytest.raises(WrongSide):
                machine.fire(record, transition.event, good_context(wrong), DOCUMENT)
            assert record.state == transition.sources[0]


# --- guards --------------------------------------------------------------------------------------


def conformity_context(**changes: Any) -> FireContext:
    """The agency's request on 2017-10-13 with a known motive, answer due on 2017-11-13."""
    base = replace(good_context(Side.AGENCY), respond_by=date(2017, 11, 13), has_file=False)
    return replace(base, **changes)


def request_conformity(**changes: Any) -> Record:
    record = Record("submitted")
    REGISTRY.machine("pmsp").fire(
        record, "request_conformity", conformity_context(**changes), DOCUMENT
    )
    return record


def refused(**changes: Any) -> GuardRefused:
    record = Record("submitted")
    with pytest.raises(GuardRefused) as caught:
        REGISTRY.machine("pmsp").fire(
            record, "request_conformity", conformity_context(**changes), DOCUMENT
        )
    assert record.state == "submitted"
    return caught.value


def test_request_conformity_needs_a_motive():
    error = refused(motives=())
    assert "at least one motive" in error.reason
    for motive in KNOWN_MOTIVES:
        assert motive in error.reason


def test_request_conformity_refuses_an_unknown_motive_and_lists_known_ones():
    error = refused(motives=("missing_section", "made_up"))
    assert "made_up" in error.reason
    assert "known motives: " + ", ".join(sorted(KNOWN_MOTIVES)) in error.reason
    assert error.event == "request_conformity"
    assert str(error).startswith(f"{DOCUMENT}: request_conformity refused: ")


def test_request_conformity_needs_a_respond_by_date():
    error = refused(respond_by=None)
    assert "respond-by date is required" in error.reason
    assert "2017-11-13" in error.reason


def test_request_conformity_respond_by_at_least_one_month_later():
    error = refused(respond_by=date(2017, 11, 12))
    assert "2017-11-12" in error.reason
    assert "earliest allowed: 2017-11-13" in error.reason
    assert request_conformity(respond_by=date(2017, 11, 13)).state == "conformity_requested"
    assert request_conformity(respond_by=date(2018, 3, 1)).state == "conformity_requested"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2017, 1, 31), 1, date(2017, 2, 28)),
        (date(2016, 1, 31), 1, date(2016, 2, 29)),
        (date(2017, 12, 15), 1, date(2018, 1, 15)),
        (date(2017, 10, 13), 1, date(2017, 11, 13)),
        (date(2017, 3, 31), 1, date(2017, 4, 30)),
        (date(2017, 11, 30), 2, date(2018, 1, 30)),
        (date(2017, 1, 15), 12, date(2018, 1, 15)),
        (date(2017, 1, 15), 0, date(2017, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("type_name", TYPES)
def test_submit_without_file_is_refused(type_name):
    machine = REGISTRY.machine(type_name)
    for transition in machine.definition.transitions:
        if transition.event not in ("submit", "resubmit"):
            continue
        assert "file_attached" in transition.guards
        for source in transition.sources:
            record = Record(source)
            context = FireContext(actor_side=Side.GHT, as_of=AS_OF, has_file=False)
            with pytest.raises(GuardRefused, match="a file is required"):
                machine.fire(record, transition.event, context, DOCUMENT)
            assert record.state == source
            machine.fire(record, transition.event, good_context(Side.GHT), DOCUMENT)
            assert record.state == transition.dest


# --- one shared machine per type ---------------------------------------------------------------


def test_one_shared_machine_per_type():
    assert load_workflows() is load_workflows()
    assert load_workflows().machine("pmsp") is load_workflows().machine("pmsp")
    assert isinstance(load_workflows().machine("pmsp"), DocumentMachine)
    assert load_workflows().machine("pmsp") is not load_workflows().machine("sdsi")


def test_shared_machine_keeps_records_apart():
    machine = load_workflows().machine("pmsp")
    first, second = Record("draft"), Record("draft")
    machine.fire(first, "submit", good_context(Side.GHT), "document 1")
    assert (first.state, second.state) == ("submitted", "draft")
    machine.fire(second, "adopt_interim", good_context(Side.GHT), "document 2")
    assert (first.state, second.state) == ("submitted", "interim_amendment")
    machine.fire(first, "approve", good_context(Side.AGENCY), "document 1")
    assert (first.state, second.state) == ("approved", "interim_amendment")
    with pytest.raises(IllegalTransition, match="document 2"):
        machine.fire(second, "approve", good_context(Side.AGENCY), "document 2")
    assert (first.state, second.state) == ("approved", "interim_amendment")


# --- assessment grids ------------------------------------------------------------------------


def _grid(met: frozenset[str] = frozenset(), not_met: frozenset[str] = frozenset()) -> Any:
    return replace(
        good_context(Side.AGENCY),
        known_criteria=("versatility", "actors", "targets"),
        criteria_met=met,
        criteria_not_met=not_met,
    )


def test_selection_waits_for_every_criterion_of_the_grid():
    machine = REGISTRY.machine("application")
    record = Record("under_review")
    with pytest.raises(GuardRefused, match=r"\(not assessed: versatility, actors, targets\)"):
        machine.fire(record, "select", _grid(), DOCUMENT)
    partial = _grid(frozenset({"versatility"}), frozenset({"targets"}))
    with pytest.raises(GuardRefused, match=r"\(not met: targets; not assessed: actors\)"):
        machine.fire(record, "select", partial, DOCUMENT)
    assert record.state == "under_review"
    machine.fire(record, "select", _grid(frozenset({"versatility", "actors", "targets"})), DOCUMENT)
    assert record.state == "selected"


def test_an_assessment_keeps_the_document_where_it_is():
    machine = REGISTRY.machine("application")
    record = Record("under_review")
    context = replace(_grid(), criterion="actors", met=False)
    machine.fire(record, "assess", context, DOCUMENT)
    assert record.state == "under_review"
    with pytest.raises(GuardRefused, match="unknown criterion 'budget'"):
        machine.fire(record, "assess", replace(context, criterion="budget"), DOCUMENT)


def test_a_refusal_says_why_and_the_holder_side_is_the_ghts():
    machine = REGISTRY.machine("application")
    submit = machine.definition.transition("draft", "submit")
    assert submit is not None and submit.side is Side.GHT  # written `side: holder`
    record = Record("under_review")
    with pytest.raises(GuardRefused, match="a note giving the reasons is required"):
        machine.fire(record, "decline", replace(_grid(), note="  "), DOCUMENT)
    machine.fire(record, "decline", replace(_grid(), note="Critère 2 non rempli."), DOCUMENT)
    assert record.state == "not_selected"
