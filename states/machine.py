"""The `transitions` machinery that applies a definition to any object with a `state` field.

One `Machine` per document type, built once and shared: a document row is wrapped in a small
`Lifecycle` for the duration of one event, so the row never carries trigger methods (which
pydantic/SQLModel would refuse) and no machine is built per document per call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from transitions import EventData, Machine

from states.access import refusal_of_side
from states.definition import Side, TransitionDef, WorkflowDefinition
from states.errors import GuardRefused, IllegalTransition, UnknownDocumentType, WrongSide
from states.guards import GUARDS, FireContext


class HasState(Protocol):
    state: str


class Lifecycle:
    """The model `transitions` drives: its `state` reads and writes the wrapped record's."""

    def __init__(self, record: HasState) -> None:
        self._record = record

    @property
    def state(self) -> str:
        return self._record.state

    @state.setter
    def state(self, value: str) -> None:
        self._record.state = value


class DocumentMachine:
    """A shared machine for one document type, with guards that explain their refusals."""

    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
        self._machine = Machine(
            model=None,
            states=list(definition.state_names),
            initial=definition.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for t in definition.transitions:
            self._machine.add_transition(
                t.event, list(t.sources), t.dest, conditions=[self._guard_checker(t)]
            )

    def _guard_checker(self, transition: TransitionDef) -> Any:
        timers = self.definition.timers

        def check(event: EventData) -> bool:
            context: FireContext = event.kwargs["context"]
            for name in transition.guards:
                reason = GUARDS[name](context, timers)
                if reason is not None:
                    raise GuardRefused(event.kwargs["document"], transition.event, reason)
            return True

        return check

    def fire(
        self, record: HasState, event: str, context: FireContext, document: str
    ) -> TransitionDef:
        """Move `record` by `event` or raise a refusal naming `document` and its state."""
        state = record.state
        if state not in self.definition.state_names:
            raise IllegalTransition(document, state, event, (), unknown_state=True)
        transition = self.definition.transition(state, event)
        if transition is None:
            raise IllegalTransition(document, state, event, self.definition.allowed_events(state))
        wrong_side = refusal_of_side(Side(context.actor_side), transition, document)
        if wrong_side is not None:
            raise WrongSide(wrong_side)
        self._machine.events[event].trigger(Lifecycle(record), context=context, document=document)
        return transition


class WorkflowRegistry:
    """Every known document type, its definition and its one shared machine."""

    def __init__(self, definitions: Iterable[WorkflowDefinition]) -> None:
        """Types in their `order` (listings and reports show them so), ties as given."""
        ordered = sorted(definitions, key=lambda d: d.order)
        self._machines = {d.type: DocumentMachine(d) for d in ordered}

    @classmethod
    def from_mappings(
        cls,
        mappings: Iterable[Mapping[str, Any]],
        effects: Mapping[str, frozenset[str]] | None = None,
        mails: frozenset[str] = frozenset(),
    ) -> WorkflowRegistry:
        """Definitions checked against the guards here and the effects and mails `services/`
        implements (their names, and the guards each effect relies on)."""
        known = frozenset(GUARDS)
        return cls(WorkflowDefinition.from_mapping(m, known, effects, mails) for m in mappings)

    @property
    def types(self) -> list[str]:
        return list(self._machines)

    def machine(self, type_name: str) -> DocumentMachine:
        try:
            return self._machines[type_name]
        except KeyError:
            raise UnknownDocumentType(type_name, self.types) from None

    def definition(self, type_name: str) -> WorkflowDefinition:
        """The definition of a type that must exist (a writer's lookup: raises if unknown)."""
        return self.machine(type_name).definition

    # Tolerant lookups, for everything that reads stored rows. A row edited in the database
    # (or written under a workflow folder since removed) may name a type or a state no
    # definition knows: readers show the raw value and offer no event instead of failing.

    def find(self, type_name: str) -> WorkflowDefinition | None:
        """The definition of `type_name`, or None for a type no definition knows."""
        machine = self._machines.get(type_name)
        return machine.definition if machine is not None else None

    def knows(self, type_name: str, state: str | None = None) -> bool:
        """Whether `type_name` is a known type (and `state`, if given, one of its states)."""
        definition = self.find(type_name)
        if definition is None:
            return False
        return state is None or state in definition.state_names

    def type_label(self, type_name: str) -> str:
        """The type's French label, or the raw type for an unknown one."""
        definition = self.find(type_name)
        return definition.label if definition is not None else type_name

    def state_label(self, type_name: str, state: str) -> str:
        """The state's French label, or the raw state for an unknown type or state."""
        if not self.knows(type_name, state):
            return state
        return self.definition(type_name).label_of(state)

    def allowed_events(self, type_name: str, state: str) -> tuple[str, ...]:
        """Events that leave `state`; none for an unknown type or state."""
        definition = self.find(type_name)
        return definition.allowed_events(state) if definition is not None else ()

    def unknown_reason(self, type_name: str, state: str) -> str | None:
        """Why no event can move a document of this type in this state (None if one may):
        one line, for refusals and the sweep's errors."""
        definition = self.find(type_name)
        if definition is None:
            return (
                f"its type {type_name!r} is not a known document type "
                f"(known: {', '.join(self.types)})"
            )
        if state not in definition.state_names:
            return f"its state {state!r} is not a state of the {type_name!r} workflow"
        return None
