"""`ghtflow procedures check DIR`: everything in a procedure folder checked, every problem listed.

On top of what loading checks (`services.procedures.read`: the YAML files, each workflow as the
definition loader checks it, the names of the models and mails it uses): every Word model is
compiled in the sandbox and checked against the context it is filled with, as `ghtflow
templates check` does (a type's own model: its type's; a conformity letter; a notice's
letter); every e-mail template is parsed in the mail sandbox, the templates it extends must
exist, and it may read only the values its notice gives (`MAIL_CONTEXT`); each notice's
subject line likewise. Nothing is written and no database is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import TemplateNotFound

from notifications.render import header_environment, new_mail_environment
from services.adapters.input_files import read_input
from services.errors import InvalidInput
from services.procedures.problems import Problem, line_at
from services.procedures.read import MAIL_SUFFIXES, Inspection, read_procedure
from states.definition import NOTICE_MAIL
from states.procedure import MAILS, MODELS, Origin

MAX_TEMPLATE_BYTES = 256 * 1024  # an e-mail template is a page of text


@dataclass
class CheckReport:
    """The outcome of a check: the procedure's name (when readable), what it holds, and every
    problem (none: the folder may be used)."""

    folder: Path
    problems: list[Problem] = field(default_factory=list)
    name: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        c = self.counts

        def many(what: str) -> str:
            n = c.get(what, 0)
            return f"{n} {what if n != 1 else what.removesuffix('s')}"

        criteria = c.get("criteria", 0)
        grid = f"{criteria} criteri{'on' if criteria == 1 else 'a'}"
        return (
            f"procedure {self.name} ({self.folder}): {many('types')}, {many('models')}, "
            f"{many('mails')}, {many('motives')}, {grid}"
            f"{', a campaign template' if c.get('campaign') else ''}: OK"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "procedure": self.name,
            "ok": self.ok,
            "counts": self.counts,
            "problems": [p.as_dict() for p in self.problems],
        }


def check_procedure(folder: Path) -> CheckReport:
    """Check every definition, model and mail template of `folder`."""
    seen = read_procedure(folder, Origin.SETTING)
    _check_models(seen)
    _check_mails(seen)
    _check_subjects(seen)
    report = CheckReport(folder, seen.problems)
    if seen.procedure is not None:
        procedure = seen.procedure
        report.name = procedure.name
        report.counts = {
            "types": len(procedure.types),
            "models": len(procedure.models),
            "mails": len(procedure.mails),
            "motives": len(procedure.motives),
            "criteria": len(procedure.criteria),
            "campaign": int(procedure.campaign is not None),
        }
    return report


# --- Word models -----------------------------------------------------------------------------


def _model_kinds(seen: Inspection) -> dict[str, set[str]]:
    """The contexts each model of the folder is filled with, from the workflows that name it
    (none for a model no readable workflow names)."""
    from services.generation.context import CONFORMITY_LETTER, NOTICE_LETTER, context_kind

    kinds: dict[str, set[str]] = {name: set() for name in seen.models}
    for definition in seen.definitions:
        named = [(context_kind(definition.type), definition.model)]
        named.append((CONFORMITY_LETTER, definition.conformity_letter))
        named += [(NOTICE_LETTER, n.letter) for n in definition.notices]
        for kind, name in named:
            if name in kinds:
                kinds[name].add(kind)
    return kinds


def _check_models(seen: Inspection) -> None:
    """Each model checked against the context of each use (`templates check`); a model no
    workflow names (or none that could be read) is only compiled in the sandbox."""
    from doc_templates.render import TemplateProblem, compiled_template
    from services.generation.fill import check_template  # docxtpl: only for the check

    for name, kinds in _model_kinds(seen).items():
        path = seen.folder / MODELS / name
        if not kinds:
            try:
                compiled_template(path)
            except TemplateProblem as exc:
                seen.add(path, None, str(exc).removeprefix(f"{path.name}: "))
            continue
        for kind in sorted(kinds):
            try:
                report = check_template(path, kind)
            except InvalidInput as exc:
                seen.add(path, None, str(exc).removeprefix(f"{path}: "))
                break
            if report["missing"]:
                seen.add(
                    path,
                    None,
                    f"uses values the {kind} context lacks: {', '.join(report['missing'])} "
                    f"(see 'ghtflow templates check {path} --kind {kind}')",
                )


# --- e-mail templates ------------------------------------------------------------------------


def _mail_uses(seen: Inspection) -> dict[str, set[str]]:
    """For each mail template of the folder, the mails that render it (`MAILS` names)."""
    from services.mail.events import MAILS as KNOWN_MAILS

    uses: dict[str, set[str]] = {stem: set() for stem in seen.mails}
    for stem in uses:
        if stem in KNOWN_MAILS and stem != NOTICE_MAIL:
            uses[stem].add(stem)
    for definition in seen.definitions:
        for notice in definition.notices:
            if notice.template in uses:
                uses[notice.template].add(NOTICE_MAIL)
    return {stem: found or {NOTICE_MAIL} for stem, found in uses.items()}


def known_values(mails: Iterable[str]) -> frozenset[str]:
    """What the templates of these mails may read."""
    from services.mail.events import MAIL_CONTEXT
    from services.mail.outbox import COMMON_CONTEXT

    known = set(COMMON_CONTEXT)
    for mail in mails:
        known |= MAIL_CONTEXT[mail]
    return frozenset(known)


def _check_mails(seen: Inspection) -> None:
    folder = seen.folder / MAILS
    env = new_mail_environment((folder,))
    for stem, mails in _mail_uses(seen).items():
        known = known_values(mails)
        for suffix in MAIL_SUFFIXES:
            path = folder / f"{stem}{suffix}"
            if path.is_file():
                _check_mail(seen, env, path, known)


def _check_mail(seen: Inspection, env: Environment, path: Path, known: frozenset[str]) -> None:
    try:
        source = read_input(path, MAX_TEMPLATE_BYTES).decode("utf-8")
    except (InvalidInput, UnicodeDecodeError) as exc:
        seen.add(path, None, f"cannot be read: {exc}")
        return
    try:
        tree = env.parse(source, path.name, str(path))
    except TemplateSyntaxError as exc:
        seen.add(path, exc.lineno, f"template error: {exc.message}")
        return
    for used in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        target = _const(getattr(used, "template", None))
        if not isinstance(target, str):
            seen.add(path, used.lineno, "names the template it uses by a value; give its name")
            continue
        try:
            if env.loader is not None:
                env.loader.get_source(env, target)
        except TemplateNotFound:
            seen.add(path, used.lineno, f"uses template {target!r}, which does not exist")
    for read in tree.find_all((nodes.Getattr, nodes.Getitem)):
        key = getattr(read, "attr", None) or _const(getattr(read, "arg", None))
        if isinstance(key, str) and key.startswith("_"):
            seen.add(path, read.lineno, f"reads {key!r}: the sandbox refuses _ names")
    _check_values(seen, env, tree, path, path.name, known)


def _const(node: Any) -> Any:
    return node.value if isinstance(node, nodes.Const) else None


def _check_values(
    seen: Inspection,
    env: Environment,
    tree: nodes.Template,
    path: Path,
    what: str,
    known: frozenset[str],
    line: int | None = None,
) -> None:
    """Every value `tree` reads from its context is one its notice gives."""
    unknown = sorted(meta.find_undeclared_variables(tree) - known - set(env.globals))
    for name in unknown:
        first = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), None)
        seen.add(
            path,
            line or first,
            f"{what} reads {name!r}, which its notice does not give; it may read: "
            f"{', '.join(sorted(known))}",
        )


def _check_subjects(seen: Inspection) -> None:
    env = header_environment()
    known = known_values({NOTICE_MAIL})
    for definition in seen.definitions:
        source = seen.sources[definition.type]
        for transition in definition.transitions:
            subject = transition.notice.subject if transition.notice else None
            if subject is None:
                continue
            line = line_at(source.root, ("events", transition.event, "mail", "subject"))
            try:
                tree = env.parse(subject)
            except TemplateSyntaxError as exc:
                seen.add(source.path, line, f"event {transition.event!r}: subject: {exc.message}")
                continue
            what = f"event {transition.event!r}: the subject"
            _check_values(seen, env, tree, source.path, what, known, line)
