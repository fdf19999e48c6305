"""Reading one procedure folder into a `Procedure`, listing every problem with its file and line.

What is checked here is what loading needs and costs little (every command reads the
procedures at start): `procedure.yaml`; each workflow, as the definition loader checks it
(states, events, names of guards, effects, mails and timers, reachability), with the line of
each mistake; that the Word models and mail templates a workflow names exist; `motives.yaml`,
`criteria.yaml` and `campaign.yaml`. `services.procedures.check` adds what costs more: every
model compiled and checked against its context, every mail template parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from notifications.render import TEMPLATES
from services.adapters.yaml_lines import LineMap, read_yaml
from services.clock import EARLIEST_DAY, LATEST_DAY
from services.errors import ScenarioError
from services.limits import LABEL_MAX
from services.procedures.problems import Problem, line_at
from states.definition import Criterion, WorkflowDefinition
from states.procedure import (
    CAMPAIGN_FILE,
    CRITERIA_FILE,
    MAILS,
    MODELS,
    MOTIVES_FILE,
    PROCEDURE_FILE,
    WORKFLOWS,
    CampaignTemplate,
    Holder,
    Origin,
    Procedure,
)

NAME = re.compile(r"[a-z][a-z0-9-]{1,59}")
DESCRIPTION_MAX = 2000
PROCEDURE_KEYS = frozenset({"name", "label", "description", "holder"})
CRITERION_KEYS = frozenset({"label", "help"})
CAMPAIGN_KEYS = frozenset({"name", "due", "reminders"})
MAX_REMINDER_DAYS = 366
MAIL_SUFFIXES = (".txt.j2", ".html.j2")


@dataclass(frozen=True)
class Source:
    """Where a workflow was read: its file and its lines (to name the line of a later check)."""

    path: Path
    root: LineMap


@dataclass
class Inspection:
    """What reading a folder found: the procedure when nothing is wrong, every problem, and
    what could be read despite them (for the checks that come after)."""

    folder: Path
    problems: list[Problem] = field(default_factory=list)
    procedure: Procedure | None = None
    definitions: list[WorkflowDefinition] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    type_names: set[str] = field(default_factory=set)  # those of unreadable definitions too
    models: tuple[str, ...] = ()
    mails: tuple[str, ...] = ()

    def add(self, file: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(file, line, message))


def vocabulary() -> tuple[frozenset[str], dict[str, frozenset[str]], frozenset[str]]:
    """The guards, effects (with the guards each needs) and mails a workflow may name."""
    # imported here: their modules need the workspace, which reads the procedures
    from services.lifecycle.effects import effect_needs
    from services.mail.events import MAILS as KNOWN_MAILS
    from states.guards import GUARDS

    return frozenset(GUARDS), effect_needs(), frozenset(KNOWN_MAILS)


def read_procedure(folder: Path, origin: Origin = Origin.BUILTIN) -> Inspection:
    """Read `folder`; `procedure` is set only when no problem was found."""
    seen = Inspection(folder)
    if not folder.is_dir():
        seen.add(folder, None, "not a folder")
        return seen
    meta = _read_meta(seen, folder / PROCEDURE_FILE)
    seen.models = _models(seen, folder / MODELS)
    seen.mails = _mails(seen, folder / MAILS)
    criteria = _read_criteria(seen, folder / CRITERIA_FILE)
    _read_workflows(seen, folder / WORKFLOWS, tuple(criteria.values()))
    for definition in seen.definitions:
        _check_names(seen, definition)
    motives = _read_motives(seen, folder / MOTIVES_FILE)
    campaign = _read_campaign(seen, folder / CAMPAIGN_FILE)
    if not seen.problems and meta is not None:
        name, label, description, holder = meta
        seen.procedure = Procedure(
            name=name,
            label=label,
            folder=folder,
            description=description,
            holder=holder,
            origin=origin,
            definitions=tuple(sorted(seen.definitions, key=lambda d: (d.order, d.type))),
            models=seen.models,
            mails=seen.mails,
            motives=motives,
            criteria=criteria,
            campaign=campaign,
        )
    return seen


def _yaml(seen: Inspection, path: Path) -> Any:
    try:
        return read_yaml(path)
    except ScenarioError as exc:
        prefix = f"{exc.path}:{exc.line}: " if exc.line else f"{exc.path}: "
        seen.add(path, exc.line, str(exc).removeprefix(prefix))
        return None


def _mapping(seen: Inspection, path: Path, data: Any, what: str) -> LineMap | None:
    if isinstance(data, LineMap):
        return data
    seen.add(path, 1, f"{what} must be a mapping")
    return None


def _unknown_keys(seen: Inspection, path: Path, node: LineMap, known: frozenset[str]) -> None:
    for key in node:
        if key not in known:
            seen.add(
                path, node.line_of(key), f"unknown key {key!r}; keys: {', '.join(sorted(known))}"
            )


def _text(
    seen: Inspection, path: Path, node: LineMap, key: str, limit: int, *, required: bool = True
) -> str:
    value = node.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        seen.add(path, node.line_of(key), f"{key!r} must be a text")
        return ""
    if len(value.strip()) > limit:
        seen.add(path, node.line_of(key), f"{key!r} is too long: at most {limit} characters")
    return " ".join(value.split())


def _read_meta(seen: Inspection, path: Path) -> tuple[str, str, str, Holder] | None:
    if not path.is_file():
        seen.add(path, None, f"missing: a procedure folder starts with its {PROCEDURE_FILE}")
        return None
    node = _mapping(seen, path, _yaml(seen, path), PROCEDURE_FILE)
    if node is None:
        return None
    _unknown_keys(seen, path, node, PROCEDURE_KEYS)
    name = node.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        seen.add(
            path,
            node.line_of("name"),
            "'name' must be 2 to 60 lower-case letters, digits and -, starting with a letter "
            "(e.g. ght-2017)",
        )
        name = ""
    label = _text(seen, path, node, "label", LABEL_MAX)
    description = _text(seen, path, node, "description", DESCRIPTION_MAX, required=False)
    holder = Holder.GHT
    try:
        holder = Holder(str(node.get("holder", Holder.GHT.value)))
    except ValueError:
        seen.add(path, node.line_of("holder"), f"'holder' must be one of {', '.join(Holder)}")
    return str(name), label, description, holder


def _models(seen: Inspection, folder: Path) -> tuple[str, ...]:
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix == ".docx":
            found.append(path.name)
        else:
            seen.add(path, None, f"{MODELS}/ holds Word models only (.docx files)")
    return tuple(found)


def _mails(seen: Inspection, folder: Path) -> tuple[str, ...]:
    if not folder.is_dir():
        return ()
    stems: dict[str, set[str]] = {}
    for path in sorted(folder.iterdir()):
        suffix = next((s for s in MAIL_SUFFIXES if path.name.endswith(s)), None)
        if suffix is None or not path.is_file():
            seen.add(
                path, None, f"{MAILS}/ holds e-mail templates only (NAME.txt.j2, NAME.html.j2)"
            )
            continue
        stems.setdefault(path.name.removesuffix(suffix), set()).add(suffix)
    for stem, suffixes in sorted(stems.items()):
        for missing in sorted(set(MAIL_SUFFIXES) - suffixes):
            seen.add(
                folder / f"{stem}{missing}", None, "missing: a mail has a text and an HTML template"
            )
    return tuple(sorted(stems))


def _read_workflows(seen: Inspection, folder: Path, grid: tuple[Criterion, ...] = ()) -> None:
    """The folder's workflows; `grid` (the procedure's `criteria.yaml`) is the assessment grid
    of a type that names none of its own."""
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        seen.add(
            folder, None, "no workflow: a procedure defines its document types in workflows/*.yaml"
        )
        return
    guards, effects, mails = vocabulary()
    for path in files:
        data = _mapping(seen, path, _yaml(seen, path), "a workflow definition")
        if data is None:
            continue
        if isinstance(data.get("type"), str):
            seen.type_names.add(data["type"])
        definition, problems = WorkflowDefinition.read(data, guards, effects, mails, grid)
        for problem in problems:
            seen.add(path, line_at(data, problem.where), str(problem))
        if definition is None:
            continue
        if definition.type in seen.sources:
            other = seen.sources[definition.type].path.name
            seen.add(
                path, data.line_of("type"), f"type {definition.type!r} is also defined in {other}"
            )
            continue
        seen.definitions.append(definition)
        seen.sources[definition.type] = Source(path, data)


def _check_names(seen: Inspection, definition: WorkflowDefinition) -> None:
    """The models and mail templates a workflow names are in the folder."""
    source = seen.sources[definition.type]
    for key in ("model", "conformity_letter"):
        name = getattr(definition, key)
        if name is not None and name not in seen.models:
            seen.add(source.path, line_at(source.root, (key,)), f"no model {MODELS}/{name}")
    for transition in definition.transitions:
        notice = transition.notice
        where = line_at(source.root, ("events", transition.event, "mail"))
        mail = transition.mail
        if mail is not None and notice is None and not _has_mail(seen, mail):
            seen.add(
                source.path,
                where,
                f"event {transition.event!r}: mail {mail!r} needs its templates "
                f"{MAILS}/{mail}.txt.j2 and .html.j2 (those of procedures/ght-2017/mails/ "
                "may be copied)",
            )
        if notice is None:
            continue
        if notice.letter is not None and notice.letter not in seen.models:
            seen.add(
                source.path, where, f"event {transition.event!r}: no model {MODELS}/{notice.letter}"
            )
        if notice.template is not None and notice.template not in seen.mails:
            seen.add(
                source.path,
                where,
                f"event {transition.event!r}: no mail template {MAILS}/{notice.template}.txt.j2",
            )


def _has_mail(seen: Inspection, name: str) -> bool:
    """Whether the templates of mail `name` are in the folder or `notifications/templates`."""
    return name in seen.mails or (TEMPLATES / f"{name}.txt.j2").is_file()


def _optional(seen: Inspection, path: Path, what: str) -> LineMap | None:
    if not path.exists():
        return None
    return _mapping(seen, path, _yaml(seen, path), what)


def _key_problem(key: str, what: str) -> str | None:
    from services.lifecycle.motives import motive_key_problem  # needs the workspace module

    problem = motive_key_problem(key)
    return problem.replace("motive key", f"{what} key") if problem else None


def _keyed(
    seen: Inspection, path: Path, node: LineMap, what: str, read: Callable[[str, Any, int], Any]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in node.items():
        line = node.line_of(key)
        problem = _key_problem(key, what)
        if problem:
            seen.add(path, line, problem)
            continue
        item = read(key, value, line)
        if item is not None:
            found[key] = item
    return found


def _read_motives(seen: Inspection, path: Path) -> dict[str, str]:
    node = _optional(seen, path, "motives.yaml (key: French label)")
    if node is None:
        return {}

    def label(key: str, value: Any, line: int) -> str | None:
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > LABEL_MAX:
            seen.add(
                path, line, f"motive {key!r} needs a French label of at most {LABEL_MAX} characters"
            )
            return None
        return " ".join(value.split())

    return _keyed(seen, path, node, "motive", label)


def _read_criteria(seen: Inspection, path: Path) -> dict[str, Criterion]:
    node = _optional(seen, path, "criteria.yaml (key: {label, help})")
    if node is None:
        return {}

    def criterion(key: str, value: Any, line: int) -> Criterion | None:
        if not isinstance(value, LineMap):
            seen.add(path, line, f"criterion {key!r} must be a mapping with 'label' and 'help'")
            return None
        before = len(seen.problems)
        _unknown_keys(seen, path, value, CRITERION_KEYS)
        label = _text(seen, path, value, "label", LABEL_MAX)
        help_text = _text(seen, path, value, "help", DESCRIPTION_MAX, required=False)
        return Criterion(key, label, help_text) if len(seen.problems) == before else None

    return _keyed(seen, path, node, "criterion", criterion)


def _read_campaign(seen: Inspection, path: Path) -> CampaignTemplate | None:
    node = _optional(seen, path, "campaign.yaml")
    if node is None:
        return None
    before = len(seen.problems)
    _unknown_keys(seen, path, node, CAMPAIGN_KEYS)
    name = _text(seen, path, node, "name", LABEL_MAX)
    due = node.get("due")
    dates: dict[str, date] = {}
    if not isinstance(due, LineMap) or not due:
        seen.add(path, node.line_of("due"), "'due' must map document types to their due dates")
    else:
        types = seen.type_names
        for type_name, day in due.items():
            line = due.line_of(type_name)
            if type_name not in types:
                known = ", ".join(sorted(types)) or "none"
                seen.add(path, line, f"unknown type {type_name!r}; this procedure's types: {known}")
            elif not isinstance(day, date) or isinstance(day, datetime) or not _plausible(day):
                seen.add(path, line, f"due date of {type_name!r} must be a date YYYY-MM-DD")
            else:
                dates[type_name] = day
    reminders = _reminders(seen, path, node)
    if len(seen.problems) != before:
        return None
    return CampaignTemplate(name=name, due=dates, reminders=reminders)


def _plausible(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def _reminders(seen: Inspection, path: Path, node: Mapping[str, Any]) -> tuple[int, ...]:
    raw = node.get("reminders", [30, 15, 7, 1])
    line = node.line_of("reminders") if isinstance(node, LineMap) else None
    if (
        not isinstance(raw, list)
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in raw)
        or not all(0 < d <= MAX_REMINDER_DAYS for d in raw)
        or len(set(raw)) != len(raw)
    ):
        seen.add(
            path,
            line,
            f"'reminders' must list distinct numbers of days before the due date (1 to "
            f"{MAX_REMINDER_DAYS})",
        )
        return ()
    return tuple(sorted(raw, reverse=True))
