"""Filling a Word template: docxtpl's tag handling, a Jinja2 template compiled once, a zip out.

docxtpl's own `render` reloads the `.docx` with python-docx, recompiles the document's XML as
a Jinja2 template and saves through python-docx, for every document. Here a template is read
and compiled once (`compiled_template`, cached per file and modification time) and each
document is: the compiled body rendered with the context, docxtpl's post-processing (line
breaks, tables, drawing ids), and a zip written with the template's other parts unchanged.
That is about three times the speed of python-docx merely loading and saving the file, and
the output is byte-for-byte the same for the same context (every zip entry has a fixed date).

The environment escapes every value (`autoescape=True`: "&", "<" and quotes come out as
typed) and refuses undefined values (`StrictUndefined`: a missing value stops the render and
the message names it, e.g. `missing value 'support.representative' (CH de Cahors, FINESS
460991177)`). Images (`InlineImage`) and sub-documents are not supported by this path; the
document body, headers and footers are rendered, document properties are not.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate  # type: ignore[import-untyped]
from jinja2 import (
    ChainableUndefined,
    Environment,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
)
from jinja2.utils import missing
from lxml import etree  # type: ignore[import-untyped]
from markupsafe import Markup, escape

from i18n import french_amount, french_date

BUILTIN_DIR = Path(__file__).resolve().parent
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DOCUMENT_PART = "word/document.xml"
_HEADER_FOOTER = re.compile(r"^word/(header|footer)\d*\.xml$")
_TAG = re.compile(r"\{\{|\{%")
# Characters XML 1.0 forbids (a value holding one would make Word refuse the file).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BODY_MARK = "GHTFLOW-BODY-MARK"


class TemplateProblem(Exception):
    """A template cannot be read or compiled (not a .docx, a tag Jinja2 cannot parse)."""


class MissingValue(TemplateProblem):
    """The template asks for a value the context does not have; the message names it."""


class Record(dict[str, Any]):
    """One entry of a rendering context (an establishment, the GHT, a motive…).

    `path` is where it sits in the context (`support`, `hads[2]`) and `whose` says whose values
    these are, so that a missing value is named in words people recognise. Keys must not be
    names of dict methods (`items`, `keys`…): Jinja2 would find the method first."""

    __slots__ = ("_path", "_whose")

    def __init__(self, path: str, whose: str, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self._path = path
        self._whose = whose


class _NamedUndefined(StrictUndefined):
    """StrictUndefined whose message says which value is missing, and whose."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = self._undefined_name
        obj = self._undefined_obj
        if obj is missing:
            return f"missing value {name!r}: the context has no such variable"
        if isinstance(obj, Record):
            return f"missing value '{obj._path}.{name}' ({obj._whose})"
        return f"missing value {name!r} in {type(obj).__name__}"


def _xml_safe(value: Any) -> Any:
    """Drop characters XML cannot hold and carriage returns; tabs and line breaks stay (docxtpl
    turns them into Word tabs and breaks).

    After rendering, docxtpl turns `{_{`, `}_}`, `{_%`, `%_}` into `{{`, `}}`, `{%`, `%}` (its
    escape for literal tags in a template), which would eat the `_` of a value typed like that:
    such an `_` is written as the character reference `&#95;`, which that step does not see and
    the XML parser reads back as `_`."""
    if type(value) is str:
        text = _XML_ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
        if "{_" in text or "_}" in text:
            safe = str(escape(text)).replace("{_", "{&#95;").replace("_}", "&#95;}")
            return Markup(safe)  # noqa: S704  (escaped on the line above)
        return text
    return value


def make_environment(
    undefined: type[StrictUndefined] | type[ChainableUndefined] | None = None,
) -> Environment:
    """The Jinja2 environment every template is compiled with (one per process, see `_ENV`)."""
    env = Environment(
        autoescape=True,
        undefined=undefined or _NamedUndefined,
        finalize=_xml_safe,
    )
    env.filters["date_fr"] = french_date
    env.filters["amount_fr"] = french_amount
    return env


_ENV = make_environment()


# --- reading a template -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """One zip entry of the template: its bytes, or the compiled template that produces them."""

    name: str
    data: bytes
    template: Template | None = None
    source: str = ""  # the patched XML (for `templates check`)


def _docxtpl(path: Path) -> DocxTemplate:
    try:
        tpl = DocxTemplate(str(path))
        tpl.render_init()
    except Exception as exc:  # python-docx raises several kinds for a file that is not a .docx
        raise TemplateProblem(f"{path.name}: not a Word .docx file ({exc})") from None
    return tpl


def _compile(env: Environment, name: str, xml: str) -> Template:
    try:
        return env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))
    except TemplateSyntaxError as exc:
        text = re.sub(r"<[^>]+>", "", exc.source.splitlines()[exc.lineno - 1]) if exc.source else ""
        near = f" near « {text.strip()[:80]} »" if text.strip() else ""
        raise TemplateProblem(f"{name}: template error: {exc.message}{near}") from None


class CompiledTemplate:
    """A `.docx` template read and compiled once; `render(context)` gives a document's bytes."""

    def __init__(self, path: Path, env: Environment = _ENV) -> None:
        self.path = path
        self.name = path.name
        tpl = _docxtpl(path)
        self._tpl = tpl
        body = tpl.patch_xml(tpl.get_xml())
        self.body_source = body
        self._body = _compile(env, self.name, body)
        root = tpl.docx._element
        marker = etree.SubElement(root, root.body.tag)
        marker.text = _BODY_MARK
        root.replace(root.body, marker)
        whole = etree.tostring(root, encoding="UTF-8", standalone=True).decode("utf-8")
        root.replace(marker, etree.fromstring(tpl.get_xml()))  # leave the object as it was
        start = whole.index(_BODY_MARK)
        self._prefix = whole[: whole.rindex("<", 0, start)].encode("utf-8")
        self._suffix = whole[whole.index(">", start) + 1 :].encode("utf-8")
        self._parts = self._read_parts(env, path)

    def _read_parts(self, env: Environment, path: Path) -> list[_Part]:
        parts = []
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                data = archive.read(info.filename)
                if _HEADER_FOOTER.match(info.filename) and _TAG.search(data.decode("utf-8")):
                    xml = self._tpl.patch_xml(self._tpl.xml_to_string(etree.fromstring(data)))
                    parts.append(
                        _Part(info.filename, data, _compile(env, self.name, xml), source=xml)
                    )
                else:
                    parts.append(_Part(info.filename, data))
        return parts

    @property
    def sources(self) -> list[str]:
        """The patched XML of every templated part (body first), for analysis."""
        return [self.body_source, *(p.source for p in self._parts if p.template is not None)]

    def _finish(self, xml: str) -> str:
        """docxtpl's steps after Jinja2 (as in `DocxTemplate.render_xml_part`, docxtpl 0.20)."""
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
        xml = xml.replace("%_}", "%}")
        result: str = self._tpl.resolve_listing(xml)
        return result

    def _render_part(self, template: Template, context: Mapping[str, Any]) -> str:
        try:
            return template.render(context)
        except UndefinedError as exc:
            raise MissingValue(f"{self.name}: {exc.message}") from None
        except TemplateError as exc:
            raise TemplateProblem(f"{self.name}: {exc.message or exc}") from None

    def render(self, context: Mapping[str, Any]) -> bytes:
        """The filled document: same context, same bytes."""
        body = self._finish(self._render_part(self._body, context))
        tree = self._tpl.fix_tables(body)
        self._tpl.docx_ids_index = 1000
        self._tpl.fix_docpr_ids(tree)
        document = self._prefix + etree.tostring(tree, encoding="UTF-8") + self._suffix
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in self._parts:
                if part.name == DOCUMENT_PART:
                    data = document
                elif part.template is not None:
                    xml = self._finish(self._render_part(part.template, context))
                    data = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
                    data += xml.encode("utf-8")
                else:
                    data = part.data
                entry = zipfile.ZipInfo(part.name, date_time=FIXED_ZIP_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, data)
        return out.getvalue()


@lru_cache(maxsize=32)
def _compiled(path: Path, mtime_ns: int, size: int) -> CompiledTemplate:
    return CompiledTemplate(path)


def compiled_template(path: Path) -> CompiledTemplate:
    """The compiled template of `path`, compiled again only when the file changed."""
    try:
        stat = path.stat()
    except OSError:
        raise TemplateProblem(f"template not found: {path}") from None
    return _compiled(path.resolve(), stat.st_mtime_ns, stat.st_size)


# --- analysing a template (`ghtflow templates check`) -----------------------------------------


@dataclass(frozen=True)
class TemplateReport:
    """What a template uses compared with what a context provides (dotted paths, `[]` for
    the items of a list)."""

    used: list[str]
    missing: list[str]
    unused: list[str]


class _Tracked(Record):
    """A context record that notes every field read from it."""

    __slots__ = ("_reads",)
    _reads: set[str]

    def __getitem__(self, key: str) -> Any:
        if key in self:
            self._reads.add(f"{self._path}.{key}")
        return super().__getitem__(key)


def _track(value: Any, path: str, reads: set[str]) -> Any:
    if isinstance(value, Mapping):
        tracked = _Tracked(
            path, path, {k: _track(v, f"{path}.{k}", reads) for k, v in value.items()}
        )
        tracked._reads = reads
        return tracked
    if isinstance(value, list | tuple):
        return [_track(v, f"{path}[]", reads) for v in value]
    return value


def _leaves(value: Any, path: str) -> Iterable[str]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for item in value[:1]:
            yield from _leaves(item, f"{path}[]")
    else:
        yield path


def _recording_undefined(missing_paths: set[str]) -> type[ChainableUndefined]:
    class Recording(ChainableUndefined):
        """Notes each missing value and lets the render go on, to find them all at once."""

        __slots__ = ()

        def __init__(
            self,
            hint: str | None = None,
            obj: Any = missing,
            name: str | None = None,
            exc: type[TemplateError] = UndefinedError,
        ) -> None:
            super().__init__(hint, obj, name, exc)  # type: ignore[arg-type]
            if obj is missing and name is not None:
                missing_paths.add(name)
            elif isinstance(obj, Record) and name is not None:
                missing_paths.add(f"{obj._path}.{name}")

    return Recording


def analyse_template(path: Path, sample: Mapping[str, Any]) -> TemplateReport:
    """Variables `path` uses that `sample` lacks, and fields of `sample` it never reads.

    Top-level names come from Jinja2's own analysis of the template (every branch); fields
    (`support.finess`) from rendering it with the sample context, noting each read and each
    missing value instead of stopping at the first."""
    missing_paths: set[str] = set()
    env = make_environment(_recording_undefined(missing_paths))
    compiled = CompiledTemplate(path, env)
    names: set[str] = set()
    for source in compiled.sources:
        names |= meta.find_undeclared_variables(env.parse(source))
    missing_paths |= {n for n in names if n not in sample}
    reads: set[str] = set()
    context = {k: _track(v, k, reads) for k, v in sample.items()}
    # an expression the sample cannot evaluate stops the render; what was noted still counts
    with contextlib.suppress(TemplateProblem):
        compiled.render(context)
    used = {n for n in names if n in sample} | reads
    unused = []
    for name, value in sample.items():
        if name not in names:
            unused.append(name)
            continue
        if isinstance(value, Mapping | list | tuple):
            unused.extend(
                p for p in _leaves(value, name) if p not in reads and not _read_below(p, reads)
            )
    return TemplateReport(used=sorted(used), missing=sorted(missing_paths), unused=sorted(unused))


def _read_below(path: str, reads: set[str]) -> bool:
    """A list of plain values counts as read when the list itself was read."""
    return path.endswith("[]") and path[:-2] in reads
