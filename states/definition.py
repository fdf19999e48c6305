"""A document type's workflow written as data: states, events, sides, guards, effects and mail
by name, timers.

A definition is read from a plain mapping (YAML under `scenarios/workflows/`), validated here,
and never changed afterwards, so that a new document type needs a file and no new code. What
an event does besides moving the state is declared beside its guards: `effects:` (e.g. store
the version it brings, open a conformity request) and `mail:` (the notice it queues). Their
implementations need the database and live in `services/`; this module only knows their names,
given by the caller, and the guards each effect relies on, so that a definition naming an
effect that does not exist, or a guard whose checked input no effect would keep (a file that
`store_version` would not store), is refused when it is read rather than when it is fired.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from states.errors import DefinitionError

STORE_VERSION = "store_version"  # the effect that keeps the file an event brings
OPEN_CONFORMITY_REQUEST = "open_conformity_request"  # the effect that opens a request


class Side(StrEnum):
    """Who may fire an event: the agency (ARS), the document's holder (a GHT's people, or a
    structure's) or the system's own timers."""

    AGENCY = "agency"
    GHT = "ght"
    SYSTEM = "system"


# How a procedure whose holders are not GHTs names their side in its YAML (`side: holder`):
# the same side as `ght`, whose people act for the holder of the document.
HOLDER_SIDE = "holder"


@dataclass(frozen=True)
class StateDef:
    name: str
    label: str  # French, for what people read
    final: bool = False


@dataclass(frozen=True)
class TransitionDef:
    event: str
    sources: tuple[str, ...]
    dest: str
    side: Side
    guards: tuple[str, ...] = ()
    label: str = ""  # French label of the event, for people
    effects: tuple[str, ...] = ()  # what the event does besides moving, in order (services)
    mail: str | None = None  # the notice it queues to the GHT, if any (services.mail.events)


@dataclass(frozen=True)
class Criterion:
    """One line of an assessment grid the agency fills in before deciding (e.g. a call for
    projects' selection criteria); `help` says what meeting it means."""

    key: str
    label: str  # French
    help: str = ""


CRITERION_ASSESSED = "criterion_assessed"  # the guard that checks one verdict on the grid
ALL_CRITERIA_MET = "all_criteria_met"  # the guard that requires every criterion met
CRITERIA_GUARDS = frozenset({CRITERION_ASSESSED, ALL_CRITERIA_MET})
_CRITERION_KEY = re.compile(r"[a-z][a-z0-9_]{1,59}")


@dataclass(frozen=True)
class Timers:
    """Durations the deadline sweep reads; configurable per type (CSP R6132-6 defaults)."""

    reminder_offsets_days: tuple[int, ...] = (30, 15, 7, 1)
    review_period_months: int | None = None  # silence that counts as approval
    conformity_response_min_months: int = 1


@dataclass(frozen=True)
class WorkflowDefinition:
    type: str
    label: str
    states: tuple[StateDef, ...]
    transitions: tuple[TransitionDef, ...]
    initial: str = "draft"
    timers: Timers = field(default_factory=Timers)
    criteria: tuple[Criterion, ...] = ()  # the assessment grid, when the type has one

    @property
    def criterion_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def carries_file(self) -> bool:
        """Whether some event of this type stores a file (then uploads are kept as versions)."""
        return any(STORE_VERSION in t.effects for t in self.transitions)

    def with_effect(self, effect: str) -> tuple[TransitionDef, ...]:
        """The transitions that declare `effect` (e.g. where conformity requests are opened)."""
        return tuple(t for t in self.transitions if effect in t.effects)

    @property
    def final_states(self) -> frozenset[str]:
        return frozenset(s.name for s in self.states if s.final)

    @property
    def events(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for t in self.transitions:
            seen.setdefault(t.event, None)
        return tuple(seen)

    def state(self, name: str) -> StateDef:
        for s in self.states:
            if s.name == name:
                return s
        raise DefinitionError(f"{self.type}: unknown state {name!r}")

    def label_of(self, state: str) -> str:
        return self.state(state).label

    def allowed_events(self, state: str) -> tuple[str, ...]:
        """Events that leave `state`, in definition order (guards not evaluated)."""
        return tuple(dict.fromkeys(t.event for t in self.transitions if state in t.sources))

    def reachable_from(self, starts: set[str]) -> set[str]:
        """`starts` and every state some sequence of events leads to from them."""
        reached, frontier = set(starts), list(starts)
        while frontier:
            state = frontier.pop()
            for t in self.transitions:
                if state in t.sources and t.dest not in reached:
                    reached.add(t.dest)
                    frontier.append(t.dest)
        return reached

    def transition(self, state: str, event: str) -> TransitionDef | None:
        for t in self.transitions:
            if t.event == event and state in t.sources:
                return t
        return None

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        known_guards: frozenset[str],
        known_effects: Mapping[str, frozenset[str]] | None = None,
        known_mails: frozenset[str] = frozenset(),
    ) -> WorkflowDefinition:
        """Build and check a definition; every mistake is reported with the type's name.

        `known_effects` maps each effect's name to the guards it relies on (`store_version`
        keeps the file that `file_attached` requires); `known_mails` names the notices an
        event may queue. Both come from `services/`, which implements them."""
        vocabulary = _Vocabulary(known_guards, known_effects or {}, known_mails)
        type_name = str(data.get("type") or "")
        if not type_name:
            raise DefinitionError("workflow definition without a 'type'")

        def fail(message: str) -> DefinitionError:
            return DefinitionError(f"workflow {type_name!r}: {message}")

        raw_states = data.get("states")
        if not isinstance(raw_states, Mapping) or not raw_states:
            raise fail("'states' must map each state to its French label")
        states: list[StateDef] = []
        for name, spec in raw_states.items():
            if isinstance(spec, str):
                states.append(StateDef(str(name), spec))
            elif isinstance(spec, Mapping) and "label" in spec:
                states.append(StateDef(str(name), str(spec["label"]), bool(spec.get("final"))))
            else:
                raise fail(f"state {name!r} needs a label")
        names = {s.name for s in states}
        initial = str(data.get("initial", "draft"))
        if initial not in names:
            raise fail(f"initial state {initial!r} is not among the states")

        raw_events = data.get("events")
        if not isinstance(raw_events, Mapping) or not raw_events:
            raise fail("'events' must map each event to its sources, destination and side")
        transitions: list[TransitionDef] = []
        for event, spec in raw_events.items():
            for rule in spec if isinstance(spec, list) else [spec]:
                transitions.append(_transition(str(event), rule, names, vocabulary, fail))

        definition = cls(
            type=type_name,
            label=str(data.get("label", type_name)),
            states=tuple(states),
            transitions=tuple(transitions),
            initial=initial,
            timers=_timers(data.get("timers") or {}, fail),
            criteria=_criteria(data.get("criteria"), fail),
        )
        for t in definition.transitions:
            uses = sorted(CRITERIA_GUARDS & set(t.guards))
            if uses and not definition.criteria:
                raise fail(f"event {t.event!r} uses guard {uses[0]!r} but 'criteria' is empty")
        for t in definition.transitions:
            for source in t.sources:
                if definition.state(source).final:
                    raise fail(f"event {t.event!r} leaves final state {source!r}")
                if (
                    sum(
                        1
                        for o in definition.transitions
                        if o.event == t.event and source in o.sources
                    )
                    > 1
                ):
                    raise fail(f"event {t.event!r} has two destinations from {source!r}")
        _check_graph(definition, fail)
        return definition


def _check_graph(definition: WorkflowDefinition, fail: Any) -> None:
    """Every state reachable from the initial one; every non-final state has a way out."""
    if definition.state(definition.initial).final:
        raise fail(f"initial state {definition.initial!r} is final")
    reached = definition.reachable_from({definition.initial})
    unreachable = [s for s in definition.state_names if s not in reached]
    if unreachable:
        raise fail(
            f"state(s) {', '.join(unreachable)} cannot be reached from {definition.initial!r}"
        )
    for state in definition.states:
        if not state.final and not definition.allowed_events(state.name):
            raise fail(f"state {state.name!r} is not final but no event leaves it")


@dataclass(frozen=True)
class _Vocabulary:
    """The names a definition may use, and which guards each effect relies on."""

    guards: frozenset[str]
    effects: Mapping[str, frozenset[str]]
    mails: frozenset[str]

    def check(
        self, event: str, guards: tuple[str, ...], effects: tuple[str, ...], fail: Any
    ) -> None:
        for guard in guards:
            if guard not in self.guards:
                raise fail(f"event {event!r} uses unknown guard {guard!r}")
        for effect in effects:
            if effect not in self.effects:
                raise fail(f"event {event!r} uses unknown effect {effect!r}")
            if effects.count(effect) > 1:
                raise fail(f"event {event!r} names effect {effect!r} twice")
            missing = sorted(self.effects[effect] - set(guards))
            if missing:
                raise fail(
                    f"event {event!r}: effect {effect!r} needs guard(s) {', '.join(missing)}"
                )
        for guard in guards:
            keepers = sorted(e for e, needs in self.effects.items() if guard in needs)
            if keepers and not set(keepers) & set(effects):
                raise fail(
                    f"event {event!r}: guard {guard!r} checks what effect "
                    f"{' or '.join(repr(k) for k in keepers)} keeps; add it to 'effects'"
                )


def _names(raw: Any, what: str, event: str, fail: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise fail(f"event {event!r}: '{what}' must be a list of names")
    return tuple(raw)


def _transition(
    event: str,
    rule: Any,
    names: set[str],
    vocabulary: _Vocabulary,
    fail: Any,
) -> TransitionDef:
    if not isinstance(rule, Mapping):
        raise fail(f"event {event!r} must be a mapping with 'from', 'to' and 'side'")
    sources_raw = rule.get("from")
    sources = tuple(
        str(s) for s in (sources_raw if isinstance(sources_raw, list) else [sources_raw])
    )
    dest = str(rule.get("to"))
    for state in (*sources, dest):
        if state not in names:
            raise fail(f"event {event!r} names unknown state {state!r}")
    raw_side = str(rule.get("side"))
    try:
        side = Side.GHT if raw_side == HOLDER_SIDE else Side(raw_side)
    except ValueError:
        sides = ", ".join([*Side, HOLDER_SIDE])
        raise fail(f"event {event!r}: side must be one of {sides}") from None
    guards = _names(rule.get("guards"), "guards", event, fail)
    effects = _names(rule.get("effects"), "effects", event, fail)
    vocabulary.check(event, guards, effects, fail)
    mail = rule.get("mail")
    if mail is not None and (not isinstance(mail, str) or mail not in vocabulary.mails):
        raise fail(f"event {event!r} uses unknown mail {mail!r}")
    return TransitionDef(
        event, sources, dest, side, guards, str(rule.get("label", "")), effects, mail
    )


def _timers(raw: Any, fail: Any) -> Timers:
    if not isinstance(raw, Mapping):
        raise fail("'timers' must be a mapping")
    defaults = Timers()
    offsets = raw.get("reminder_offsets_days", defaults.reminder_offsets_days)
    review = raw.get("review_period_months", defaults.review_period_months)
    minimum = raw.get("conformity_response_min_months", defaults.conformity_response_min_months)
    try:
        return Timers(
            reminder_offsets_days=tuple(sorted((int(o) for o in offsets), reverse=True)),
            review_period_months=None if review is None else int(review),
            conformity_response_min_months=int(minimum),
        )
    except (TypeError, ValueError):
        raise fail("timers must be whole numbers") from None


def _criteria(raw: Any, fail: Any) -> tuple[Criterion, ...]:
    """`criteria:` maps each key to its French label, or to `{label, help}`."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise fail("'criteria' must map each criterion's key to its French label")
    criteria: list[Criterion] = []
    for key, spec in raw.items():
        if not isinstance(key, str) or not _CRITERION_KEY.fullmatch(key):
            raise fail(
                f"criterion key {key!r} must be 2 to 60 lower-case letters, digits and _, "
                "starting with a letter"
            )
        if isinstance(spec, str) and spec.strip():
            criteria.append(Criterion(key, spec.strip()))
        elif isinstance(spec, Mapping) and str(spec.get("label") or "").strip():
            criteria.append(
                Criterion(key, str(spec["label"]).strip(), str(spec.get("help") or "").strip())
            )
        else:
            raise fail(f"criterion {key!r} needs a label")
    return tuple(criteria)
