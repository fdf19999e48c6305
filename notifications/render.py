"""The French subject, text and HTML body of each kind of notice, from Jinja2 templates.

One template pair per kind (`KIND.txt.j2`, `KIND.html.j2`): a letter extends `letter` (greeting,
the agency's signature, the footer); those about a document extend `base`, a letter that names
the document and its GHT; the campaign launch extends `letter` with its table of what a GHT
owes; the audit checkpoint, to the region's direction, stands alone. The deadline notices and
the bases are under `templates/`; an event's notice names its templates with a `MailTemplate`:
looked up in its procedure's `mails/` folder first, then under `templates/` (so a procedure's
mail may extend `base.txt.j2`), with the subject the procedure gives, if any. HTML is
autoescaped, text is not; an undefined variable stops the rendering with its name rather than
sending a message with a hole in it. Dates given as `date` are written the French way
(« 1er décembre 2017 »), and the subject, text and HTML are typeset the French way
(`i18n.typography`: no-break spaces before « : » and after "n°", typographic apostrophes):
the templates' own words once, when a template is read (the function keeps Jinja tags as they
are), and the values at each rendering (before HTML escapes an apostrophe); addresses and
links are left as they are. Typesetting each rendered message instead cost 0.6 ms a message,
ten times the rendering itself.

Every template, subject line included, runs in Jinja2's immutable sandbox: the templates are
ours, but the values (a GHT's name, an officer's note) are not, and a template that one day
reads a value in a way we did not foresee must still not reach Python internals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

from i18n import french_date
from i18n.forms import article_name, of_name, upper_first
from i18n.typography import french_typography
from models.outbox import NoticeKind

TEMPLATES = Path(__file__).resolve().parent / "templates"
# the templates of a procedure's notice whose YAML names none (`mail: notice`)
GENERIC_NOTICE = "procedure_notice"

SUBJECTS: dict[str, str] = {
    NoticeKind.REMINDER: "[{{ ght_code }}] Rappel : {{ type_label }} attendu le {{ due }}",
    NoticeKind.DUE_TODAY: "[{{ ght_code }}] Échéance aujourd'hui : {{ type_label }}",
    NoticeKind.OVERDUE: (
        "[{{ ght_code }}] Retard : {{ type_label }} attendu le {{ due }} non transmis"
    ),
    NoticeKind.CONFORMITY_REQUEST: (
        "[{{ ght_code }}] Demande de mise en conformité : {{ type_label }}"
        " (réponse avant le {{ respond_by }})"
    ),
    NoticeKind.CONFORMITY_REMINDER: (
        "[{{ ght_code }}] Rappel : mise en conformité du {{ type_label }}"
        " attendue le {{ respond_by }}"
    ),
    NoticeKind.CONFORMITY_OVERDUE: (
        "[{{ ght_code }}] Délai dépassé : mise en conformité du {{ type_label }}"
        " attendue le {{ respond_by }}"
    ),
    NoticeKind.TACIT_APPROVAL: "[{{ ght_code }}] Approbation tacite : {{ type_label }}",
    NoticeKind.AUDIT_CHECKPOINT: "Point de contrôle du journal d'audit – {{ day }}",
    NoticeKind.CAMPAIGN_LAUNCH: (
        "[{{ ght_code }}] {{ campaign_name }} : documents attendus par "
        "{{ agency_name|article_name }}"
    ),
    NoticeKind.PROCEDURE_NOTICE: "[{{ ght_code }}] {{ type_label }} : {{ state_label }}",
}


@dataclass(frozen=True)
class MailTemplate:
    """Which templates render a notice: `name`.txt.j2 and `name`.html.j2, looked up in
    `folders` (a procedure's `mails/`) before `templates/`; `subject`, a one-line template,
    replaces the kind's."""

    name: str
    folders: tuple[Path, ...] = ()
    subject: str | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def text_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Rows as a plain-text table: columns padded to their widest cell, a rule under the
    headers (the text part of an e-mail that lists several things)."""
    cells = [[str(h) for h in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(c) for c in cells[1:])])


class _TypesetLoader(FileSystemLoader):
    """Templates read from files with their own words typeset (Jinja tags kept as written)."""

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return french_typography(source), filename, uptodate


@lru_cache(maxsize=16)
def mail_environment(folders: tuple[Path, ...] = ()) -> ImmutableSandboxedEnvironment:
    """The environment of `new_mail_environment(folders)`, made once per process."""
    return new_mail_environment(folders)


def new_mail_environment(folders: tuple[Path, ...] = ()) -> ImmutableSandboxedEnvironment:
    """Text and HTML bodies (HTML autoescaped), from the files of `folders` then `templates/`,
    and nowhere else."""
    env = ImmutableSandboxedEnvironment(
        loader=_TypesetLoader([*folders, TEMPLATES]),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["text_table"] = text_table
    _name_filters(env)
    return env


def _name_filters(env: ImmutableSandboxedEnvironment) -> ImmutableSandboxedEnvironment:
    """`{{ holder_name|of_name }}` (« du GHT Lot », « de la Plateforme … ») and
    `{{ holder_name|article_name }}` (« le GHT Lot », « l’ARS Occitanie »), `upper_first` to
    begin a sentence with it: a template cannot contract « de le », and a holder may be a GHT
    or a call's structure."""
    env.filters["of_name"] = of_name
    env.filters["article_name"] = article_name
    env.filters["upper_first"] = upper_first
    return env


@lru_cache(maxsize=1)
def header_environment() -> ImmutableSandboxedEnvironment:
    """Subject lines: a header, not HTML (values are folded to one line, not escaped)."""
    return _name_filters(ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False))


@cache
def _templates(
    kind: str, template: MailTemplate | None = None
) -> tuple[Template, Template, Template]:
    """Subject, text and HTML templates of a kind, compiled once per process."""
    if kind not in SUBJECTS:
        raise KeyError(f"no templates for notice kind {kind!r}")
    template = template or MailTemplate(kind)
    env = mail_environment(template.folders)
    subject = header_environment().from_string(
        french_typography(template.subject or SUBJECTS[kind])
    )
    name = template.name
    return subject, env.get_template(f"{name}.txt.j2"), env.get_template(f"{name}.html.j2")


def render_notice(
    kind: str, context: Mapping[str, Any], template: MailTemplate | None = None
) -> Rendered:
    """Subject (one line), text and HTML of a notice; `date` values written in French.
    `template` names the templates of an event's notice (default: the kind's own)."""
    values = {k: _typeset(french_date(v) if isinstance(v, date) else v) for k, v in context.items()}
    subject_t, text_t, html_t = _templates(kind, template)
    # one line, folded on ASCII whitespace only: a no-break space stays
    subject = _FOLD.sub(" ", subject_t.render(values)).strip()
    values["subject"] = subject
    return Rendered(subject=subject, text=text_t.render(values), html=html_t.render(values))


_FOLD = re.compile(r"[ \t\r\n\f\v]+")


def _typeset(value: Any) -> Any:
    """A context value with its strings typeset (in lists and mappings too)."""
    if isinstance(value, str):
        return french_typography(value)
    if isinstance(value, Mapping):
        return {k: _typeset(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_typeset(v) for v in value]
    return value
