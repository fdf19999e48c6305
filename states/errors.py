"""Refusals raised by the state machinery; each message is meant for the person who acted."""

from __future__ import annotations


class Refusal(Exception):
    """Base of every refusal meant for the person who acted, from `states/` and `services/`
    alike (`services.errors.ServiceError` derives from it): the CLI prints its message on one
    line and exits 1, the web answers it with a status (`web.refusals`), a flow does not retry
    it. It lives here because `states/` is pure and imports nothing from `services/`."""


class StateError(Refusal):
    """Base of every refusal from `states/`; the CLI prints its message, never a traceback."""


class DefinitionError(StateError):
    """A workflow definition is malformed. `where` is the path of keys to the mistake in the
    definition's mapping (`("events", "submit", "guards")`), so that a reader that knows the
    file's lines (`ghtflow procedures check`) can name the line."""

    def __init__(self, message: str, where: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.where = where

    def __reduce__(self) -> tuple[object, ...]:  # picklable with its path (Prefect may pickle)
        return (type(self), (str(self), self.where))


class UnknownDocumentType(StateError):
    def __init__(self, type_name: str, known: list[str]) -> None:
        super().__init__(f"unknown document type {type_name!r}; known types: {', '.join(known)}")


class IllegalTransition(StateError):
    """The event does not leave the document's current state."""

    def __init__(
        self,
        document: str,
        state: str,
        event: str,
        allowed: tuple[str, ...],
        *,
        unknown_state: bool = False,
    ) -> None:
        self.document, self.state, self.event, self.allowed = document, state, event, allowed
        if unknown_state:
            allowed_text = "none (the state is not part of this type's workflow)"
        else:
            allowed_text = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"{document}: event {event!r} is not allowed in state {state!r}; "
            f"allowed events: {allowed_text}"
        )


class GuardRefused(StateError):
    """A guard of the transition is not satisfied; the message says which condition failed."""

    def __init__(self, document: str, event: str, reason: str) -> None:
        self.document, self.event, self.reason = document, event, reason
        super().__init__(f"{document}: {event} refused: {reason}")


class WrongSide(StateError):
    """An actor tried an event that belongs to the other side (agency vs GHT)."""
