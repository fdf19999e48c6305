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
        self._machines = {d.type: DocumentMachine(d) for d in definitions}

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
        return self.machine(type_name).definition
