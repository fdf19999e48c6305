"""The procedures in force: the built-in folders, then those of `GHTFLOW_PROCEDURES`, then the
older `GHTFLOW_WORKFLOWS_DIR`; and the workflow registry built from all their types.

- A procedure of `GHTFLOW_PROCEDURES` with the name of one loaded before replaces it whole.
- A type defined again by a later procedure leaves the earlier one: each type belongs to one
  procedure, whose models and mail templates it uses.
- A workflow file of `GHTFLOW_WORKFLOWS_DIR` replaces the definition of its type in the
  procedure that has it (keeping that procedure's models and mails), or, for a new type, joins
  a procedure `workflows-dir` of its own (no models, no mails).

Read once per process and configuration: every command and page finds the same procedures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

from procedures import builtin_folders
from services.adapters.yaml_lines import read_yaml
from services.errors import InvalidInput, NotFound
from services.procedures.problems import ProcedureError
from services.procedures.read import read_procedure, vocabulary
from settings import Settings
from states.definition import WorkflowDefinition
from states.machine import WorkflowRegistry
from states.procedure import Origin, Procedure

WORKFLOWS_DIR_PROCEDURE = "workflows-dir"


@dataclass(frozen=True)
class Procedures:
    """Every procedure in force, in loading order, and the registry of all their types."""

    all: tuple[Procedure, ...]

    @cached_property
    def workflows(self) -> WorkflowRegistry:
        definitions = [d for p in self.all for d in p.definitions]
        return WorkflowRegistry(sorted(definitions, key=lambda d: (d.order, d.type)))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.all)

    def named(self, name: str) -> Procedure:
        for procedure in self.all:
            if procedure.name == name:
                return procedure
        raise NotFound(f"unknown procedure {name!r}; procedures: {', '.join(self.names)}")

    def procedure_of(self, type_name: str) -> Procedure | None:
        """The procedure a document type belongs to (None for a type no procedure defines)."""
        return self._by_type.get(type_name)

    @cached_property
    def _by_type(self) -> dict[str, Procedure]:
        return {t: p for p in self.all for t in p.types}

    def mail_folders(self, type_name: str) -> tuple[Path, ...]:
        """Where the e-mail templates of a type's events are looked up first (then in
        `notifications/templates`)."""
        procedure = self.procedure_of(type_name)
        if procedure is not None and procedure.origin is Origin.WORKFLOWS_DIR:
            # a type of the older folder of workflow files only: the built-in mails
            return tuple(p.mails_dir for p in self.all if p.origin is Origin.BUILTIN and p.mails)
        if procedure is None or not procedure.mails:
            return ()
        return (procedure.mails_dir,)

    @property
    def motives(self) -> dict[str, str]:
        """The conformity motives of every procedure (key -> French label)."""
        return {k: v for p in self.all for k, v in p.motives.items()}


def _load(folder: Path, origin: Origin) -> Procedure:
    seen = read_procedure(folder, origin)
    if seen.procedure is None:
        raise ProcedureError(folder, seen.problems)
    return seen.procedure


def _add(found: list[Procedure], procedure: Procedure) -> None:
    """Add `procedure`, replacing one of the same name in its place; its types leave the
    procedures loaded before it."""
    names = [p.name for p in found]
    if procedure.name in names:
        found[names.index(procedure.name)] = procedure
    else:
        found.append(procedure)
    mine = set(procedure.types)
    for index, other in enumerate(found):
        if other is not procedure and mine & set(other.types):
            kept = tuple(d for d in other.definitions if d.type not in mine)
            found[index] = replace(other, definitions=kept)


def _graft(found: list[Procedure], folder: Path) -> None:
    """The workflow files of `GHTFLOW_WORKFLOWS_DIR` (see the module's docstring)."""
    guards, effects, mails = vocabulary()
    extra: list[WorkflowDefinition] = []
    for path in sorted(folder.glob("*.yaml")):
        data = read_yaml(path)  # bounded, no aliases; a problem names the file and the line
        if isinstance(data, dict):
            extra.append(WorkflowDefinition.from_mapping(data, guards, effects, mails))
    for definition in extra:
        index = next((i for i, p in enumerate(found) if definition.type in p.types), None)
        if index is None:
            found.append(_workflows_dir_procedure(found, folder))
            index = len(found) - 1
        owner = found[index]
        missing = [m for m in definition.models if m not in owner.models]
        if missing:
            raise InvalidInput(
                f"{folder}: type {definition.type!r} names Word model(s) {', '.join(missing)} "
                f"that procedure {owner.name!r} does not have"
            )
        kept = tuple(d for d in owner.definitions if d.type != definition.type)
        found[index] = replace(owner, definitions=(*kept, definition))


def _workflows_dir_procedure(found: list[Procedure], folder: Path) -> Procedure:
    for procedure in found:
        if procedure.name == WORKFLOWS_DIR_PROCEDURE:
            found.remove(procedure)
            return procedure
    return Procedure(
        name=WORKFLOWS_DIR_PROCEDURE,
        label="Types de GHTFLOW_WORKFLOWS_DIR",
        folder=folder,
        origin=Origin.WORKFLOWS_DIR,
    )


@lru_cache(maxsize=8)
def load_procedures(folders: tuple[str, ...] = (), workflows_dir: str | None = None) -> Procedures:
    """The built-in procedures, then `folders` in order, then `workflows_dir`'s files."""
    found: list[Procedure] = []
    for folder in builtin_folders():
        _add(found, _load(folder, Origin.BUILTIN))
    for name in folders:
        _add(found, _load(Path(name), Origin.SETTING))
    if workflows_dir:
        _graft(found, Path(workflows_dir))
    return Procedures(tuple(found))


def procedures_for(settings: Settings) -> Procedures:
    """The procedures the configuration asks for (`GHTFLOW_PROCEDURES`,
    `GHTFLOW_WORKFLOWS_DIR`)."""
    extra = settings.workflows_dir
    return load_procedures(
        tuple(str(p) for p in settings.procedure_dirs), str(extra) if extra is not None else None
    )


def every_model(procedures: Iterable[Procedure]) -> list[tuple[Procedure, str, str]]:
    """(procedure, context kind, file name) of each Word model the procedures' types name:
    a type's own model (its kind: the type), its conformity letter, its notices' letters."""
    from services.generation.context import CONFORMITY_LETTER, NOTICE_LETTER

    found: dict[tuple[str, str, str], tuple[Procedure, str, str]] = {}
    for procedure in procedures:
        for definition in procedure.definitions:
            named = [
                (definition.type, definition.model),
                (CONFORMITY_LETTER, definition.conformity_letter),
            ]
            named += [(NOTICE_LETTER, n.letter) for n in definition.notices]
            for kind, name in named:
                if name is not None:
                    found.setdefault((procedure.name, kind, name), (procedure, kind, name))
    return list(found.values())
