"""What a document owes, and by when: one rule for the sweep, the dashboard and the calendar.

Three kinds of deadline follow from a document's definition, its state and its dates:
- its due date (transmit it to the agency), while it is not yet delivered, i.e. not in a state
  that only a file-carrying event (`effects: [store_version]`) leads to, nor final;
- the respond-by date of each open conformity request, while the document waits in a state
  that `open_conformity_request` leads to (the GHT's answer is due);
- the end of the agency's review period (`timers.review_period_months` after receipt), while
  the document sits in a state that `tacit_approve` leaves: silence then approves it.

Before, the sweep, the dashboard and the calendar each wrote these rules, and the calendar
disagreed (it showed due dates of documents already transmitted). Here they are written once,
from the definition alone, so they hold for any procedure written as data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from states.definition import OPEN_CONFORMITY_REQUEST, STORE_VERSION, WorkflowDefinition
from states.guards import add_months

TACIT_EVENT = "tacit_approve"


class DeadlineKind(StrEnum):
    DUE = "due"  # the GHT transmits the document
    RESPOND_BY = "respond_by"  # the GHT answers a conformity request
    REVIEW_END = "review_end"  # the agency's review period ends: tacit approval


class DatedDocument(Protocol):
    """What the rules read of a document (a row, an ORM object or a read model)."""

    @property
    def state(self) -> str: ...
    @property
    def due_date(self) -> date | None: ...
    @property
    def submitted_on(self) -> date | None: ...


@dataclass(frozen=True)
class OpenRequest:
    """A conformity request not yet answered."""

    id: int
    requested_on: date
    respond_by: date


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    day: date
    request: OpenRequest | None = None  # for RESPOND_BY


def delivered_states(definition: WorkflowDefinition) -> frozenset[str]:
    """States in which a document is where its due date wanted it: transmitted or beyond.

    The destinations of the events that store the document's file (`store_version`: submit,
    resubmit) and every state reachable from them, plus the final states. A type without such
    an event is delivered only in its final states."""
    carried = {t.dest for t in definition.with_effect(STORE_VERSION)}
    return frozenset(definition.reachable_from(carried)) | definition.final_states


def conformity_states(definition: WorkflowDefinition) -> frozenset[str]:
    """States that wait for the answer to a conformity request (where such requests lead)."""
    return frozenset(t.dest for t in definition.with_effect(OPEN_CONFORMITY_REQUEST))


def tacit_sources(definition: WorkflowDefinition) -> frozenset[str]:
    """States that `tacit_approve` leaves; empty for types without tacit approval."""
    if definition.timers.review_period_months is None:
        return frozenset()
    return frozenset(s for t in definition.transitions if t.event == TACIT_EVENT for s in t.sources)


@dataclass(frozen=True)
class DeadlineRules:
    """The state sets of one definition, computed once (the sweep reads 100,000 documents)."""

    definition: WorkflowDefinition
    delivered: frozenset[str]
    conformity: frozenset[str]
    tacit: frozenset[str]

    @classmethod
    def of(cls, definition: WorkflowDefinition) -> DeadlineRules:
        return cls(
            definition,
            delivered_states(definition),
            conformity_states(definition),
            tacit_sources(definition),
        )

    def deadlines_of(
        self, document: DatedDocument, open_requests: Iterable[OpenRequest] = ()
    ) -> list[Deadline]:
        """The document's deadlines, due date first, then requests, then the review's end."""
        found: list[Deadline] = []
        state = document.state
        if document.due_date is not None and state not in self.delivered:
            found.append(Deadline(DeadlineKind.DUE, document.due_date))
        if state in self.conformity:
            found.extend(
                Deadline(DeadlineKind.RESPOND_BY, r.respond_by, r)
                for r in sorted(open_requests, key=lambda r: r.id)
            )
        months = self.definition.timers.review_period_months
        if months is not None and document.submitted_on is not None and state in self.tacit:
            found.append(
                Deadline(DeadlineKind.REVIEW_END, add_months(document.submitted_on, months))
            )
        return found


def deadlines_of(
    document: DatedDocument,
    definition: WorkflowDefinition,
    open_requests: Iterable[OpenRequest] = (),
) -> list[Deadline]:
    """The deadlines of one document under `definition` (see the module's docstring)."""
    return DeadlineRules.of(definition).deadlines_of(document, open_requests)
