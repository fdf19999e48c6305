"""A document type's workflow written as data: states, events, sides, guards, effects and mail
by name, timers, and the Word models of the type.

A definition is read from a plain mapping (a YAML file under a procedure's `workflows/`),
validated here, and never changed afterwards, so that a new document type needs a file and no
new code. What an event does besides moving the state is declared beside its guards:
`effects:` (e.g. store the version it brings, open a conformity request) and `mail:` (the notice
it queues). Their implementations need the database and live in `services/`; this module only
knows their names, given by the caller, and the guards each effect relies on, so that a
definition naming an effect that does not exist, or a guard whose checked input no effect would
keep (a file that `store_version` would not store), is refused when it is read rather than when
it is fired.

`WorkflowDefinition.read` lists every mistake of a definition (each with the path of keys where
it is, for `ghtflow procedures check` to name the line); `from_mapping` refuses the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from states.errors import DefinitionError

STORE_VERSION = "store_version"  # the effect that keeps the file an event brings
OPEN_CONFORMITY_REQUEST = "open_conformity_request"  # the effect that opens a request
# The mail that needs no Python: a procedure's own notice, from its `mails/` templates.
NOTICE_MAIL = "notice"
# A Word model is a plain file name of the procedure's `models/` folder.
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.docx")
# A mail template is named by the stem of its files (`decision` for decision.txt.j2 and .html.j2).
TEMPLATE_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")
SUBJECT_MAX = 300
# The keys a definition may have (a misspelt key would otherwise be silently ignored).
DEFINITION_KEYS = frozenset(
    {"type", "order", "label", "initial", "states", "events", "timers", "model",
     "conformity_letter", "criteria"}
)  # fmt: skip
RULE_KEYS = frozenset({"from", "to", "side", "guards", "effects", "mail", "label", "signs"})
NOTICE_KEYS = frozenset({"template", "copy_direction", "letter", "subject"})


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
    notice: NoticeSpec | None = None  # with `mail: notice`: which templates, copy, letter
    # `signs: true`: the event is the document's signing; a convention is dated its day
    # ("Fait à …, le …"), whatever comes after (transmission, approval)
    signs: bool = False


@dataclass(frozen=True)
class NoticeSpec:
    """A procedure's own notice (`mail: notice:decision`, or `mail: {template: decision, …}`):
    the templates `mails/TEMPLATE.{txt,html}.j2` of the procedure (None: the generic notice of
    `notifications/templates/procedure_notice.*`), whether the agency's direction gets a copy,
    the Word model filled and attached (`letter`, in the procedure's `models/`) and the subject
    line (a one-line template; None: the generic subject)."""

    template: str | None = None
    copy_direction: bool = False
    letter: str | None = None
    subject: str | None = None


TIMER_NAMES = ("reminder_offsets_days", "review_period_months", "conformity_response_min_months")


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
    model: str | None = None  # the Word model `generate` fills for a document of this type
    conformity_letter: str | None = None  # the Word letter attached to a conformity request
    order: int = 1000  # position in listings and reports (then by type)
    criteria: tuple[Criterion, ...] = ()  # the assessment grid, when the type has one

    @property
    def criterion_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)

    @property
    def notices(self) -> tuple[NoticeSpec, ...]:
        """The procedure notices its events declare (`mail: notice`), in definition order."""
        return tuple(t.notice for t in self.transitions if t.notice is not None)

    @property
    def models(self) -> tuple[str, ...]:
        """Every Word model this type names: its own, its conformity letter, its notices'."""
        named = [self.model, self.conformity_letter, *(n.letter for n in self.notices)]
        return tuple(dict.fromkeys(m for m in named if m is not None))

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def carries_file(self) -> bool:
        """Whether some event of this type stores a file (then uploads are kept as versions)."""
        return any(STORE_VERSION in t.effects for t in self.transitions)

    @property
    def signing_events(self) -> tuple[str, ...]:
        """The events that sign the document (`signs: true`), whose day a convention carries."""
        return tuple(dict.fromkeys(t.event for t in self.transitions if t.signs))

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
        """Build and check a definition; the first mistake is refused with the type's name.

        `known_effects` maps each effect's name to the guards it relies on (`store_version`
        keeps the file that `file_attached` requires); `known_mails` names the notices an
        event may queue. Both come from `services/`, which implements them."""
        definition, problems = cls.read(data, known_guards, known_effects, known_mails)
        if problems:
            raise problems[0]
        assert definition is not None
        return definition

    @classmethod
    def read(
        cls,
        data: Mapping[str, Any],
        known_guards: frozenset[str],
        known_effects: Mapping[str, frozenset[str]] | None = None,
        known_mails: frozenset[str] = frozenset(),
        grid: tuple[Criterion, ...] = (),
    ) -> tuple[WorkflowDefinition | None, list[DefinitionError]]:
        """The definition (None when it has mistakes) and every mistake found, each with the
        path of keys where it is. Checks that need a sound definition (reachability, final
        states) run once everything else holds. `grid` is the assessment grid of the type's
        procedure (its `criteria.yaml`), used unless the definition has its own `criteria:`."""
        vocabulary = _Vocabulary(known_guards, known_effects or {}, known_mails)
        type_name = str(data.get("type") or "")
        if not type_name:
            return None, [DefinitionError("workflow definition without a 'type'", ("type",))]
        problems: list[DefinitionError] = []

        def fail(message: str, *where: str) -> None:
            problems.append(DefinitionError(f"workflow {type_name!r}: {message}", where))

        for key in data:
            if key not in DEFINITION_KEYS:
                fail(f"unknown key {key!r}; keys: {', '.join(sorted(DEFINITION_KEYS))}", key)
        states = _states(data.get("states"), fail)
        if states is None:
            return None, problems
        names = {s.name for s in states}
        initial = str(data.get("initial", "draft"))
        if initial not in names:
            fail(f"initial state {initial!r} is not among the states", "initial")
        transitions: list[TransitionDef] = []
        raw_events = data.get("events")
        if not isinstance(raw_events, Mapping) or not raw_events:
            fail("'events' must map each event to its sources, destination and side", "events")
        else:
            for event, spec in raw_events.items():
                rules = spec if isinstance(spec, list) else [spec]
                for rule in rules:
                    found = _transition(str(event), rule, names, vocabulary, fail)
                    if found is not None:
                        transitions.append(found)
        timers = _timers(data.get("timers") or {}, fail)
        order = data.get("order", 1000)
        if isinstance(order, bool) or not isinstance(order, int):
            fail("'order' must be a whole number", "order")
        model = _model_name(data.get("model"), "model", fail)
        letter = _model_name(data.get("conformity_letter"), "conformity_letter", fail)
        criteria = _criteria(data.get("criteria"), fail) if "criteria" in data else grid
        if problems:
            return None, problems
        definition = cls(
            type=type_name,
            label=str(data.get("label", type_name)),
            states=tuple(states),
            transitions=tuple(transitions),
            initial=initial,
            timers=timers,
            model=model,
            conformity_letter=letter,
            order=int(order),
            criteria=criteria,
        )
        for t in definition.transitions:
            uses = sorted(CRITERIA_GUARDS & set(t.guards))
            if uses and not definition.criteria:
                fail(
                    f"event {t.event!r} uses guard {uses[0]!r} but 'criteria' is empty",
                    "events",
                    t.event,
                )
        _check_moves(definition, fail)
        if not problems:
            _check_graph(definition, fail)
        return (None if problems else definition), problems


_Fail = Callable[..., None]  # fail(message, *keys): records one mistake at that path


def _states(raw: Any, fail: _Fail) -> list[StateDef] | None:
    if not isinstance(raw, Mapping) or not raw:
        fail("'states' must map each state to its French label", "states")
        return None
    states: list[StateDef] = []
    for name, spec in raw.items():
        if isinstance(spec, str):
            states.append(StateDef(str(name), spec))
        elif isinstance(spec, Mapping) and "label" in spec:
            states.append(StateDef(str(name), str(spec["label"]), bool(spec.get("final"))))
        else:
            fail(f"state {name!r} needs a label", "states", str(name))
    return states


def _check_moves(definition: WorkflowDefinition, fail: _Fail) -> None:
    """No event leaves a final state; an event has one destination from each source."""
    for t in definition.transitions:
        for source in t.sources:
            if definition.state(source).final:
                fail(f"event {t.event!r} leaves final state {source!r}", "events", t.event)
            same = [o for o in definition.transitions if o.event == t.event and source in o.sources]
            if len(same) > 1 and same[0] is t:
                fail(f"event {t.event!r} has two destinations from {source!r}", "events", t.event)


def _check_graph(definition: WorkflowDefinition, fail: _Fail) -> None:
    """Every state reachable from the initial one; every non-final state has a way out."""
    if definition.state(definition.initial).final:
        fail(f"initial state {definition.initial!r} is final", "initial")
        return
    reached = definition.reachable_from({definition.initial})
    unreachable = [s for s in definition.state_names if s not in reached]
    if unreachable:
        fail(
            f"state(s) {', '.join(unreachable)} cannot be reached from {definition.initial!r}",
            "states",
            unreachable[0],
        )
    for state in definition.states:
        if not state.final and not definition.allowed_events(state.name):
            fail(f"state {state.name!r} is not final but no event leaves it", "states", state.name)


@dataclass(frozen=True)
class _Vocabulary:
    """The names a definition may use, and which guards each effect relies on. Its `check`
    records each mistake with the key of the event's rule where it is (`guards`, `effects`)."""

    guards: frozenset[str]
    effects: Mapping[str, frozenset[str]]
    mails: frozenset[str]

    def check(
        self, event: str, guards: tuple[str, ...], effects: tuple[str, ...], fail: _Fail
    ) -> None:
        for guard in guards:
            if guard not in self.guards:
                fail(f"event {event!r} uses unknown guard {guard!r}", "guards")
        for effect in dict.fromkeys(effects):
            if effect not in self.effects:
                fail(f"event {event!r} uses unknown effect {effect!r}", "effects")
                continue
            if effects.count(effect) > 1:
                fail(f"event {event!r} names effect {effect!r} twice", "effects")
            missing = sorted(self.effects[effect] - set(guards))
            if missing:
                fail(
                    f"event {event!r}: effect {effect!r} needs guard(s) {', '.join(missing)}",
                    "guards",
                )
        for guard in guards:
            keepers = sorted(e for e, needs in self.effects.items() if guard in needs)
            if keepers and not set(keepers) & set(effects):
                fail(
                    f"event {event!r}: guard {guard!r} checks what effect "
                    f"{' or '.join(repr(k) for k in keepers)} keeps; add it to 'effects'",
                    "effects",
                )


def _names(raw: Any, what: str, event: str, fail: _Fail) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        fail(f"event {event!r}: '{what}' must be a list of names", what)
        return ()
    return tuple(raw)


def _transition(
    event: str,
    rule: Any,
    names: set[str],
    vocabulary: _Vocabulary,
    fail: _Fail,
) -> TransitionDef | None:
    if not isinstance(rule, Mapping):
        fail(f"event {event!r} must be a mapping with 'from', 'to' and 'side'", "events", event)
        return None
    count = 0

    def failed(message: str, *where: str) -> None:
        nonlocal count
        count += 1
        fail(message, "events", event, *where)

    for key in rule:
        if key not in RULE_KEYS:
            known = ", ".join(sorted(RULE_KEYS))
            failed(f"event {event!r}: unknown key {key!r}; keys: {known}", key)
    sources_raw = rule.get("from")
    sources = tuple(
        str(s) for s in (sources_raw if isinstance(sources_raw, list) else [sources_raw])
    )
    dest = str(rule.get("to"))
    for state, key in (*((s, "from") for s in sources), (dest, "to")):
        if state not in names:
            failed(f"event {event!r} names unknown state {state!r}", key)
    side = Side.SYSTEM
    raw_side = str(rule.get("side"))
    try:
        side = Side.GHT if raw_side == HOLDER_SIDE else Side(raw_side)
    except ValueError:
        sides = ", ".join([*Side, HOLDER_SIDE])
        failed(f"event {event!r}: side must be one of {sides}", "side")
    guards = _names(rule.get("guards"), "guards", event, failed)
    effects = _names(rule.get("effects"), "effects", event, failed)
    vocabulary.check(event, guards, effects, failed)
    mail, notice = _mail(event, rule.get("mail"), vocabulary, failed)
    signs = rule.get("signs", False)
    if not isinstance(signs, bool):
        failed(f"event {event!r}: 'signs' must be true or false", "signs")
    if count:
        return None
    return TransitionDef(
        event,
        sources,
        dest,
        side,
        guards,
        str(rule.get("label", "")),
        effects,
        mail,
        notice,
        signs=bool(signs),
    )


def _mail(
    event: str, raw: Any, vocabulary: _Vocabulary, failed: _Fail
) -> tuple[str | None, NoticeSpec | None]:
    """`mail: NAME`, `mail: notice:TEMPLATE` or `mail: {template: …, copy_direction: …,
    letter: ….docx, subject: …}` (the last two: a procedure notice)."""
    if raw is None:
        return None, None
    if isinstance(raw, str) and raw.startswith(f"{NOTICE_MAIL}:"):
        raw = {"template": raw.removeprefix(f"{NOTICE_MAIL}:")}
    if isinstance(raw, Mapping):
        return _notice(event, raw, vocabulary, failed)
    if not isinstance(raw, str) or raw not in vocabulary.mails:
        failed(f"event {event!r} uses unknown mail {raw!r}", "mail")
        return None, None
    return raw, (NoticeSpec() if raw == NOTICE_MAIL else None)


def _notice(
    event: str, raw: Mapping[str, Any], vocabulary: _Vocabulary, failed: _Fail
) -> tuple[str | None, NoticeSpec | None]:
    if NOTICE_MAIL not in vocabulary.mails:
        failed(f"event {event!r} uses unknown mail {NOTICE_MAIL!r}", "mail")
        return None, None
    count = 0

    def wrong(message: str, key: str) -> None:
        nonlocal count
        count += 1
        failed(f"event {event!r}: mail {message}", "mail", key)

    for key in raw:
        if key not in NOTICE_KEYS:
            wrong(f"has unknown key {key!r}; keys: {', '.join(sorted(NOTICE_KEYS))}", key)
    template = raw.get("template")
    if template is not None and not (
        isinstance(template, str) and TEMPLATE_NAME.fullmatch(template)
    ):
        wrong(
            f"template {template!r} must name mails/TEMPLATE.txt.j2 and .html.j2: lower-case "
            "letters, digits and _, starting with a letter",
            "template",
        )
    copy = raw.get("copy_direction", False)
    if not isinstance(copy, bool):
        wrong("'copy_direction' must be true or false", "copy_direction")
    letter = raw.get("letter")
    if letter is not None and not (isinstance(letter, str) and MODEL_NAME.fullmatch(letter)):
        wrong(f"letter {letter!r} must be the file name of a .docx of models/", "letter")
    subject = raw.get("subject")
    if subject is not None and not (
        isinstance(subject, str) and subject.strip() and "\n" not in subject.strip()
        and len(subject) <= SUBJECT_MAX
    ):  # fmt: skip
        wrong(f"subject must be one line of at most {SUBJECT_MAX} characters", "subject")
    if count:
        return None, None
    return NOTICE_MAIL, NoticeSpec(
        template=template, copy_direction=bool(copy), letter=letter, subject=subject
    )


def _model_name(raw: Any, key: str, fail: _Fail) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not MODEL_NAME.fullmatch(raw):
        fail(f"{key!r} must be the file name of a .docx of the procedure's models/", key)
        return None
    return raw


def _timers(raw: Any, fail: _Fail) -> Timers:
    defaults = Timers()
    if not isinstance(raw, Mapping):
        fail("'timers' must be a mapping", "timers")
        return defaults
    for key in raw:
        if key not in TIMER_NAMES:
            fail(f"unknown timer {key!r}; timers: {', '.join(TIMER_NAMES)}", "timers", str(key))
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
        fail("timers must be whole numbers", "timers")
        return defaults


assert {f.name for f in fields(Timers)} == set(TIMER_NAMES)


def _criteria(raw: Any, fail: _Fail) -> tuple[Criterion, ...]:
    """`criteria:` maps each key to its French label, or to `{label, help}`."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        fail("'criteria' must map each criterion's key to its French label", "criteria")
        return ()
    criteria: list[Criterion] = []
    for key, spec in raw.items():
        if not isinstance(key, str) or not _CRITERION_KEY.fullmatch(key):
            fail(
                f"criterion key {key!r} must be 2 to 60 lower-case letters, digits and _, "
                "starting with a letter",
                "criteria",
                str(key),
            )
        elif isinstance(spec, str) and spec.strip():
            criteria.append(Criterion(key, spec.strip()))
        elif isinstance(spec, Mapping) and str(spec.get("label") or "").strip():
            criteria.append(
                Criterion(key, str(spec["label"]).strip(), str(spec.get("help") or "").strip())
            )
        else:
            fail(f"criterion {key!r} needs a label", "criteria", key)
    return tuple(criteria)
