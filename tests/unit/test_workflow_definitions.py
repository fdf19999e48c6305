"""Workflow definitions as data: labels, diagrams, and the checks of `from_mapping`."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from services.lifecycle.effects import effect_needs
from services.mail.events import MAILS
from services.workflows import load_workflows
from states.definition import Side, Timers, WorkflowDefinition
from states.diagram import mermaid
from states.errors import DefinitionError, UnknownDocumentType
from states.guards import GUARDS

REGISTRY = load_workflows()
TYPES = REGISTRY.types
KNOWN_GUARDS = frozenset(GUARDS)


def test_builtin_types_are_loaded_in_order():
    builtin = [
        "pmsp",
        "chu_convention",
        "had_convention",
        "partnership_convention",
        "eprd_budget_g",
        "sdsi",
    ]
    # GHTFLOW_WORKFLOWS_DIR may add types; the built-in ones keep their `order`.
    assert [t for t in TYPES if t in builtin] == builtin


@pytest.mark.parametrize("type_name", TYPES)
def test_every_state_has_a_french_label(type_name):
    definition = REGISTRY.definition(type_name)
    assert definition.type == type_name
    assert definition.label.strip()
    assert definition.initial == "draft"
    assert definition.initial in definition.state_names
    assert len(set(definition.state_names)) == len(definition.state_names)
    for state in definition.states:
        assert isinstance(state.label, str)
        assert state.label.strip(), f"{type_name}: {state.name} has no label"
        assert state.label != state.name
        assert definition.label_of(state.name) == state.label
    for transition in definition.transitions:
        assert transition.label.strip(), f"{type_name}: {transition.event} has no label"
        assert set(transition.guards) <= KNOWN_GUARDS


@pytest.mark.parametrize("type_name", TYPES)
def test_every_type_carries_a_file(type_name):
    assert REGISTRY.definition(type_name).carries_file is True


def test_french_labels_of_pmsp():
    definition = REGISTRY.definition("pmsp")
    assert definition.label_of("draft") == "En préparation"
    assert definition.label_of("approved") == "Approuvé"
    assert definition.final_states == frozenset({"approved"})
    assert definition.timers == Timers(
        reminder_offsets_days=(30, 15, 7, 1),
        review_period_months=2,
        conformity_response_min_months=1,
    )
    with pytest.raises(DefinitionError, match="pmsp: unknown state 'nowhere'"):
        definition.label_of("nowhere")


@pytest.mark.parametrize("type_name", TYPES)
def test_mermaid_names_every_state_and_event(type_name):
    definition = REGISTRY.definition(type_name)
    diagram = mermaid(definition)
    assert diagram.startswith("stateDiagram-v2\n")
    assert diagram.endswith("\n")
    assert f"[*] --> {definition.initial}" in diagram
    for state in definition.states:
        assert f'state "{state.label}" as {state.name}' in diagram
    for final in definition.final_states:
        assert f"{final} --> [*]" in diagram
    for transition in definition.transitions:
        for source in transition.sources:
            assert f"{source} --> {transition.dest}: {transition.event} (" in diagram
    for event in definition.events:
        assert f": {event} (" in diagram


def test_mermaid_marks_sides():
    diagram = mermaid(REGISTRY.definition("pmsp"))
    assert "submitted --> approved: approve (ARS)" in diagram
    assert "submitted --> approved: tacit_approve (auto)" in diagram
    assert "interim_amendment --> submitted: submit (GHT)" in diagram
    assert "draft --> submitted: submit (GHT)" in diagram


def test_unknown_type_lists_known_ones():
    with pytest.raises(UnknownDocumentType) as caught:
        REGISTRY.machine("budget_z")
    message = str(caught.value)
    assert "'budget_z'" in message
    for type_name in TYPES:
        assert type_name in message


# --- from_mapping ------------------------------------------------------------------------------


BASE: dict[str, Any] = {
    "type": "toy",
    "label": "Document jouet",
    "initial": "draft",
    "states": {
        "draft": "En préparation",
        "submitted": "Transmis",
        "approved": {"label": "Approuvé", "final": True},
    },
    "events": {
        "submit": {"from": "draft", "to": "submitted", "side": "ght", "guards": ["file_attached"]},
        "approve": {"from": "submitted", "to": "approved", "side": "agency"},
    },
    "timers": {"reminder_offsets_days": [1, 30, 7], "review_period_months": 2},
}


def toy(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def test_from_mapping_builds_a_valid_definition():
    definition = WorkflowDefinition.from_mapping(toy(), KNOWN_GUARDS)
    assert definition.type == "toy"
    assert definition.state_names == ("draft", "submitted", "approved")
    assert definition.final_states == frozenset({"approved"})
    assert definition.events == ("submit", "approve")
    submit = definition.transition("draft", "submit")
    assert submit is not None
    assert submit.side is Side.GHT
    assert submit.guards == ("file_attached",)
    assert definition.timers.reminder_offsets_days == (30, 7, 1)
    assert definition.timers.review_period_months == 2
    assert definition.timers.conformity_response_min_months == 1


def test_from_mapping_accepts_a_list_of_rules_for_one_event():
    events = copy.deepcopy(BASE["events"])
    events["withdraw"] = [
        {"from": "draft", "to": "approved", "side": "ght"},
        {"from": ["submitted"], "to": "draft", "side": "ght"},
    ]
    definition = WorkflowDefinition.from_mapping(toy(events=events), KNOWN_GUARDS)
    first = definition.transition("draft", "withdraw")
    second = definition.transition("submitted", "withdraw")
    assert first is not None
    assert second is not None
    assert (first.dest, second.dest) == ("approved", "draft")
    assert definition.allowed_events("submitted") == ("approve", "withdraw")


@pytest.mark.parametrize("missing", [None, ""])
def test_from_mapping_requires_a_type(missing):
    data = toy()
    if missing is None:
        del data["type"]
    else:
        data["type"] = missing
    with pytest.raises(DefinitionError, match="without a 'type'"):
        WorkflowDefinition.from_mapping(data, KNOWN_GUARDS)


def _events_with(event: str, **rule: Any) -> dict[str, Any]:
    events: dict[str, Any] = copy.deepcopy(BASE["events"])
    events[event] = {**events.get(event, {}), **rule}
    return events


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (toy(events=_events_with("submit", to="elsewhere")), "unknown state 'elsewhere'"),
        (toy(events=_events_with("submit", **{"from": "limbo"})), "unknown state 'limbo'"),
        (
            toy(events=_events_with("submit", guards=["moon_phase"])),
            "unknown guard 'moon_phase'",
        ),
        (toy(events=_events_with("approve", side="prefect")), "side must be one of"),
        (
            toy(
                events=_events_with("reopen", **{"from": "approved", "to": "draft", "side": "ght"})
            ),
            "leaves final state 'approved'",
        ),
        (toy(initial="limbo"), "initial state 'limbo' is not among the states"),
        (toy(states={}), "'states' must map"),
        (toy(events={}), "'events' must map"),
        (toy(states={"draft": {"final": True}}), "state 'draft' needs a label"),
        (toy(timers={"review_period_months": "two"}), "timers must be whole numbers"),
        (
            toy(
                events={
                    "submit": [
                        {"from": "draft", "to": "submitted", "side": "ght"},
                        {"from": "draft", "to": "approved", "side": "ght"},
                    ]
                }
            ),
            "two destinations from 'draft'",
        ),
    ],
    ids=[
        "unknown-dest",
        "unknown-source",
        "unknown-guard",
        "unknown-side",
        "leaves-final",
        "bad-initial",
        "no-states",
        "no-events",
        "state-without-label",
        "bad-timers",
        "two-destinations",
    ],
)
def test_from_mapping_reports_mistakes_with_the_type_name(data, fragment):
    with pytest.raises(DefinitionError) as caught:
        WorkflowDefinition.from_mapping(data, KNOWN_GUARDS)
    message = str(caught.value)
    assert message.startswith("workflow 'toy': "), message
    assert fragment in message


def test_unknown_side_message_lists_every_side():
    with pytest.raises(DefinitionError) as caught:
        WorkflowDefinition.from_mapping(
            toy(events=_events_with("approve", side="ars")), KNOWN_GUARDS
        )
    for side in Side:
        assert side.value in str(caught.value)


def test_guard_known_elsewhere_is_refused_when_not_registered():
    with pytest.raises(DefinitionError, match="unknown guard 'file_attached'"):
        WorkflowDefinition.from_mapping(toy(), frozenset())


# --- effects and mail, declared by name --------------------------------------------------------

KNOWN_EFFECTS = effect_needs()
KNOWN_MAILS = frozenset(MAILS)


def _read_with_effects(data: dict[str, Any]) -> WorkflowDefinition:
    return WorkflowDefinition.from_mapping(data, KNOWN_GUARDS, KNOWN_EFFECTS, KNOWN_MAILS)


def test_effects_and_mail_are_read_in_their_declared_order():
    events = _events_with("submit", effects=["store_version", "answer_open_requests"])
    events = {**events, "approve": {**events["approve"], "mail": "tacit_approval"}}
    definition = _read_with_effects(toy(events=events))
    submit = definition.transition("draft", "submit")
    approve = definition.transition("submitted", "approve")
    assert submit is not None and approve is not None
    assert submit.effects == ("store_version", "answer_open_requests")
    assert (submit.mail, approve.mail) == (None, "tacit_approval")
    assert definition.carries_file
    assert definition.with_effect("store_version") == (submit,)


@pytest.mark.parametrize(
    ("events", "fragment"),
    [
        (
            _events_with("submit", effects=["store_version", "launch_rocket"]),
            "event 'submit' uses unknown effect 'launch_rocket'",
        ),
        (
            _events_with("submit", effects=["store_version", "store_version"]),
            "names effect 'store_version' twice",
        ),
        (
            _events_with("submit", guards=[], effects=["store_version"]),
            "effect 'store_version' needs guard(s) file_attached",
        ),
        (
            _events_with("submit", effects=[]),
            "guard 'file_attached' checks what effect 'store_version' keeps",
        ),
        (
            _events_with(
                "submit", guards=["conformity_motives"], effects=["open_conformity_request"]
            ),
            "needs guard(s) respond_by_min_delay",
        ),
        (_events_with("submit", effects="store_version"), "'effects' must be a list of names"),
        (
            _events_with("submit", effects=["store_version"], mail="carrier_pigeon"),
            "event 'submit' uses unknown mail 'carrier_pigeon'",
        ),
        (
            _events_with("submit", effects=["store_version"], mail=["tacit_approval"]),
            "uses unknown mail",
        ),
    ],
    ids=[
        "unknown-effect",
        "effect-twice",
        "effect-without-its-guard",
        "guard-without-its-effect",
        "effect-missing-one-guard",
        "effects-not-a-list",
        "unknown-mail",
        "mail-not-a-name",
    ],
)
def test_effects_and_mail_mistakes_are_refused_when_read(events, fragment):
    with pytest.raises(DefinitionError) as caught:
        _read_with_effects(toy(events=events))
    assert str(caught.value).startswith("workflow 'toy': ")
    assert fragment in str(caught.value)


@pytest.mark.parametrize("type_name", TYPES)
def test_builtin_events_declare_what_they_do(type_name):
    """No event name is special in code any more: what each one does is in its YAML."""
    definition = REGISTRY.definition(type_name)
    for transition in definition.transitions:
        assert set(transition.effects) <= set(KNOWN_EFFECTS)
        assert transition.mail is None or transition.mail in KNOWN_MAILS
        if "file_attached" in transition.guards:
            assert "store_version" in transition.effects
        if transition.event == "resubmit":
            assert transition.effects == ("store_version", "answer_open_requests")
        if transition.event == "request_conformity":
            assert transition.mail == "conformity_request"
        if transition.event == "tacit_approve":
            assert transition.mail == "tacit_approval"
    sign = definition.transition("draft", "sign")
    if type_name == "had_convention":
        assert sign is not None and sign.effects == ("require_had_areas",)


# --- assessment grids --------------------------------------------------------------------------

GRID: dict[str, Any] = {
    "type": "call",
    "states": {
        "draft": "Brouillon",
        "review": "Instruction",
        "done": {"label": "Fait", "final": True},
    },
    "events": {
        "submit": {"from": "draft", "to": "review", "side": "ght"},
        "assess": {
            "from": "review",
            "to": "review",
            "side": "agency",
            "guards": ["criterion_assessed"],
            "effects": ["record_assessment"],
        },
        "select": {
            "from": "review",
            "to": "done",
            "side": "agency",
            "guards": ["all_criteria_met"],
        },
    },
    "criteria": {"versatility": "Polyvalence", "actors": {"label": "Acteurs", "help": "Libéraux"}},
}


def _grid_definition(data: dict[str, Any]) -> WorkflowDefinition:
    return WorkflowDefinition.from_mapping(data, frozenset(GUARDS), effect_needs())


def test_criteria_are_read_in_order_with_their_help():
    definition = _grid_definition(GRID)
    assert definition.criterion_keys == ("versatility", "actors")
    assert definition.criteria[1].help == "Libéraux"


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (None, "uses guard 'criterion_assessed' but 'criteria' is empty"),
        ({}, "uses guard 'criterion_assessed' but 'criteria' is empty"),
        (["versatility"], "'criteria' must map each criterion's key to its French label"),
        ({"Versatility": "x"}, "criterion key 'Versatility' must be 2 to 60 lower-case"),
        ({"actors": ""}, "criterion 'actors' needs a label"),
        ({"actors": {"help": "x"}}, "criterion 'actors' needs a label"),
    ],
)
def test_a_grid_that_cannot_be_filled_in_is_refused(criteria, message):
    data = {**GRID, "criteria": criteria}
    with pytest.raises(DefinitionError, match=re.escape(message)):
        _grid_definition(data)


def test_recording_a_verdict_needs_the_guard_that_checks_it():
    events = dict(GRID["events"])
    events["assess"] = {**events["assess"], "guards": []}
    with pytest.raises(DefinitionError, match="effect 'record_assessment' needs guard"):
        _grid_definition({**GRID, "events": events})
