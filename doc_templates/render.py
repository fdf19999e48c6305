"""Filling a Word template: docxtpl's tag handling, a Jinja2 template compiled once, a zip out.

docxtpl's own `render` reloads the `.docx` with python-docx, recompiles the document's XML as
a Jinja2 template and saves through python-docx, for every document. Here a template is read
and compiled once (`compiled_template`, cached per file and modification time) and each
document is: the compiled body rendered with the context, docxtpl's post-processing (line
breaks, tables, drawing ids), and a zip written with the template's other parts unchanged.
That is about three times the speed of python-docx merely loading and saving the file, and
the output is byte-for-byte the same for the same context (every zip entry has a fixed date).

Models run in a sandbox (`doc_templates.sandbox`): no Python internals, no other file, bounded
work; a model that reaches for more is refused (`UnsafeTemplate`) with its file, paragraph and
tag, both by `ghtflow generate` and by `ghtflow templates check`, which never renders a model
outside the sandbox. Any other failure of a model while it renders (`{{ 1 / 0 }}`, a macro
calling itself) is a `TemplateProblem` too: one line, never a traceback.

The environment escapes every value (`autoescape=True`: "&", "<" and quotes come out as
typed) and refuses undefined values (`StrictUndefined`: a missing value stops the render and
the message names it, e.g. `missing value 'support.representative' (CH de Cahors, FINESS
460991177)`). docxtpl's `InlineImage` and sub-documents are not supported by this path; an
image of the context is a `DocxImage` (e.g. `{{ agency.logo }}`), whose file and relationship
are added to the parts that print it. The document body, headers and footers are rendered;
document properties are set by the caller (`services.generation.fill`).
"""

from __future__ import annotations

import hashlib
import html
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
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
)
from jinja2.exceptions import SecurityError
from jinja2.utils import missing
from lxml import etree  # type: ignore[import-untyped]
from markupsafe import Markup, escape

from doc_templates.sandbox import (
    ModelRefused,
    ModelSandbox,
    check_model,
    finalize_charged,
    render_budget,
)
from i18n import french_amount, french_date

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DOCUMENT_PART = "word/document.xml"
_HEADER_FOOTER = re.compile(r"^word/(header|footer)\d*\.xml$")
_TAG = re.compile(r"\{\{|\{%")
# Characters XML 1.0 forbids (a value holding one would make Word refuse the file).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BODY_MARK = "GHTFLOW-BODY-MARK"
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
# A model's zip, before python-docx reads every part of it into memory.
MAX_MODEL_ENTRIES = 1_000
MAX_MODEL_BYTES = 64 * 1024 * 1024


class TemplateProblem(Exception):
    """A template cannot be read or compiled (not a .docx, a tag Jinja2 cannot parse)."""


class MissingValue(TemplateProblem):
    """The template asks for a value the context does not have; the message names it."""


class UnsafeTemplate(TemplateProblem):
    """The sandbox refused what the model asked for: Python internals, another file, more
    work than a document needs. Never a model's honest mistake: `templates check` reports it
    rather than a list of missing values."""


_PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7"
    b"\x9a\xa0\xa0\x00\x00\x00\x00IEND\xaeB`\x82"
)
EMU_PER_CM = 360_000
_IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class DocxImage:
    """A PNG or JPEG a model prints where its tag stands (`{{ agency.logo }}`, alone in its
    paragraph), `height_cm` high, its width by the image's proportions. The same image gives
    the same part name and relationship id (from its SHA-256): the same bytes out."""

    def __init__(self, data: bytes, height_cm: float = 2.0) -> None:
        from docx.image.image import Image  # python-docx reads PNG/JPEG headers

        image = Image.from_blob(data)
        if image.content_type not in ("image/png", "image/jpeg"):
            raise TemplateProblem(f"an image must be PNG or JPEG, not {image.content_type}")
        self.data = data
        self.content_type: str = image.content_type
        self.extension = "png" if image.content_type == "image/png" else "jpeg"
        digest = hashlib.sha256(data).hexdigest()[:16]
        self.rel_id = f"rIdGhtflowImage{digest}"
        self.part_name = f"word/media/ghtflow-{digest}.{self.extension}"
        self.cy = int(height_cm * EMU_PER_CM)
        px_w, px_h = image.px_width or 1, image.px_height or 1
        self.cx = int(self.cy * px_w / px_h)

    def __html__(self) -> str:
        a = "http://schemas.openxmlformats.org/drawingml/2006/main"
        pic = "http://schemas.openxmlformats.org/drawingml/2006/picture"
        return (
            '</w:t></w:r><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{self.cx}" cy="{self.cy}"/><wp:docPr id="1" name="Logo"/>'
            f'<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="{a}" noChangeAspect="1"/>'
            f'</wp:cNvGraphicFramePr><a:graphic xmlns:a="{a}"><a:graphicData uri="{pic}">'
            f'<pic:pic xmlns:pic="{pic}"><pic:nvPicPr><pic:cNvPr id="0" name="logo"/>'
            f'<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="{self.rel_id}"/>'
            "<a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm>"
            f'<a:off x="0" y="0"/><a:ext cx="{self.cx}" cy="{self.cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
            "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
            '<w:r><w:t xml:space="preserve">'
        )

    def __str__(self) -> str:
        return "[image]"


def sample_logo() -> DocxImage:
    """A 1-pixel PNG standing for a logo in the sample context."""
    return DocxImage(_PNG_1PX)


def _images(value: Any, found: dict[str, DocxImage]) -> dict[str, DocxImage]:
    if isinstance(value, DocxImage):
        found[value.rel_id] = value
    elif isinstance(value, Mapping):
        for item in value.values():
            _images(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _images(item, found)
    return found


def _rels_name(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels"


def _with_images(
    parts: dict[str, bytes], rendered: dict[str, str], images: Mapping[str, DocxImage]
) -> None:
    """Add each image a rendered part prints: its file, its relationship, its content type."""
    used_types: set[DocxImage] = set()
    for part, xml in rendered.items():
        used = [image for rel_id, image in images.items() if f'r:embed="{rel_id}"' in xml]
        if not used:
            continue
        rels_name = _rels_name(part)
        rels = (
            parts.get(rels_name)
            or (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<Relationships xmlns="{_RELS_NS}"></Relationships>'
            ).encode()
        )
        root = etree.fromstring(rels)
        for image in used:
            rel = etree.SubElement(root, f"{{{_RELS_NS}}}Relationship")
            rel.set("Id", image.rel_id)
            rel.set("Type", _IMAGE_REL)
            rel.set("Target", image.part_name.removeprefix("word/"))
            parts[image.part_name] = image.data
            used_types.add(image)
        parts[rels_name] = etree.tostring(root, encoding="UTF-8", standalone=True)
    if used_types:
        types_name = "[Content_Types].xml"
        root = etree.fromstring(parts[types_name])
        ns = root.nsmap[None]
        have = {d.get("Extension", "").lower() for d in root.findall(f"{{{ns}}}Default")}
        for image in sorted(used_types, key=lambda i: i.extension):
            if image.extension not in have:
                default = etree.Element(f"{{{ns}}}Default")
                default.set("Extension", image.extension)
                default.set("ContentType", image.content_type)
                root.insert(0, default)
                have.add(image.extension)
        parts[types_name] = etree.tostring(root, encoding="UTF-8", standalone=True)


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
) -> ModelSandbox:
    """The sandboxed environment every model is compiled with (one per process, see `_ENV`)."""
    env = ModelSandbox(
        autoescape=True,
        undefined=undefined or _NamedUndefined,
        finalize=finalize_charged(_xml_safe),
    )
    env.add_filter("date_fr", french_date)
    env.add_filter("amount_fr", french_amount)
    return env


_ENV = make_environment()


# --- reading a template -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """One zip entry of the template: its bytes, or the compiled template that produces them."""

    name: str
    data: bytes
    template: Template | None = None
    source: str = ""  # the patched XML (for `templates check` and error messages)


def _check_container(path: Path) -> None:
    """A zip with a Word body, of a bounded size once expanded (python-docx reads it all)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TemplateProblem(f"{path.name}: not a Word .docx file (not a zip archive)") from None
    if len(entries) > MAX_MODEL_ENTRIES:
        raise TemplateProblem(
            f"{path.name}: not a Word .docx file ({len(entries)} parts, at most "
            f"{MAX_MODEL_ENTRIES} allowed)"
        )
    if sum(e.file_size for e in entries) > MAX_MODEL_BYTES:
        raise TemplateProblem(
            f"{path.name}: expands to more than {MAX_MODEL_BYTES // (1024 * 1024)} MiB; "
            "a Word model is far smaller"
        )
    if DOCUMENT_PART not in {e.filename for e in entries}:
        raise TemplateProblem(f"{path.name}: not a Word .docx file (no {DOCUMENT_PART})")


def _docxtpl(path: Path) -> DocxTemplate:
    _check_container(path)
    try:
        tpl = DocxTemplate(str(path))
        tpl.render_init()
    except Exception as exc:  # python-docx raises several kinds for a file that is not a .docx
        raise TemplateProblem(f"{path.name}: not a Word .docx file ({_one_line(exc)})") from None
    return tpl


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _where(name: str, part: str, lineno: int | None) -> str:
    """`modele.docx`, `modele.docx (word/header1.xml)`, then the paragraph (each paragraph
    is a line of the compiled XML, after a first line holding the part's opening tag)."""
    where = name if part == DOCUMENT_PART else f"{name} ({part})"
    if lineno is not None and lineno > 1:
        where += f", paragraph {lineno - 1}"
    return where


def _near(source: str, lineno: int | None, hint: str = "") -> str:
    """The tag of line `lineno` as the model's author typed it (the one with `hint` in it),
    or the line's text; "" when there is none."""
    lines = source.splitlines()
    if lineno is None or not 0 < lineno <= len(lines):
        return ""
    text = html.unescape(re.sub(r"<[^>]+>", "", lines[lineno - 1])).strip()
    tags = _JINJA_TAG.findall(text)
    chosen = next((t for t in tags if hint and hint in t), tags[0] if len(tags) == 1 else text)
    chosen = " ".join(chosen.split())
    if len(chosen) > 120:
        chosen = chosen[:119] + "…"
    return f"« {chosen} »" if chosen else ""


def _compile(env: ModelSandbox, name: str, xml: str, part: str = DOCUMENT_PART) -> Template:
    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
    try:
        return env.from_string(check_model(env.parse(source)))
    except TemplateSyntaxError as exc:
        near = _near(source, exc.lineno)
        near = f" near {near}" if near else ""
        where = _where(name, part, exc.lineno)
        raise TemplateProblem(f"{where}: template error: {exc.message}{near}") from None
    except (RecursionError, SyntaxError):  # Jinja2's parser or Python's compiler gave up
        raise TemplateProblem(
            f"{_where(name, part, None)}: template error: tags nested too deeply"
        ) from None
    except ModelRefused as exc:
        near = _near(source, exc.lineno, exc.hint)
        raise UnsafeTemplate(
            f"{_where(name, part, exc.lineno)}: {near}{' ' if near else ''}refused: {exc.reason}"
        ) from None


def _template_line(exc: BaseException) -> int | None:
    """The model's line where `exc` was raised (Jinja2 rewrites tracebacks to show it)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class CompiledTemplate:
    """A `.docx` template read and compiled once; `render(context)` gives a document's bytes."""

    def __init__(self, path: Path, env: ModelSandbox = _ENV) -> None:
        self.path = path
        self.name = path.name
        tpl = _docxtpl(path)
        self._tpl = tpl
        try:
            self._read(env, path)
        except TemplateProblem:
            raise
        except Exception as exc:  # a part python-docx accepted but that is not sound XML…
            raise TemplateProblem(
                f"{path.name}: not a usable Word .docx file ({_one_line(exc)})"
            ) from None

    def _read(self, env: ModelSandbox, path: Path) -> None:
        tpl = self._tpl
        body = tpl.patch_xml(tpl.get_xml())
        self.body_source = re.sub(r"<w:p([ >])", r"\n<w:p\1", body)
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

    def _read_parts(self, env: ModelSandbox, path: Path) -> list[_Part]:
        parts = []
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                data = archive.read(info.filename)
                if _HEADER_FOOTER.match(info.filename) and _TAG.search(data.decode("utf-8")):
                    xml = self._tpl.patch_xml(self._tpl.xml_to_string(etree.fromstring(data)))
                    template = _compile(env, self.name, xml, info.filename)
                    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
                    parts.append(_Part(info.filename, data, template, source=source))
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

    def _render_part(
        self, template: Template, source: str, part: str, context: Mapping[str, Any]
    ) -> str:
        """One part rendered; whatever goes wrong is a `TemplateProblem` naming the file, the
        paragraph and the tag (a model is data: its failure must not look like ours)."""
        try:
            return template.render(context)
        except UndefinedError as exc:
            raise MissingValue(f"{self.name}: {exc.message}") from None
        except SecurityError as exc:
            line = _template_line(exc)
            near = _near(source, line, str(exc).split("'")[1] if "'" in str(exc) else "")
            where = _where(self.name, part, line)
            raise UnsafeTemplate(
                f"{where}: {near}{' ' if near else ''}refused by the sandbox: {_one_line(exc)}"
            ) from None
        except RecursionError as exc:
            where = _where(self.name, part, _template_line(exc))
            raise UnsafeTemplate(f"{where}: a macro or block calls itself without end") from None
        except Exception as exc:  # TemplateError, or a model's own `{{ 1 / 0 }}`
            line = _template_line(exc)
            near = _near(source, line)
            message = exc.message if isinstance(exc, TemplateError) and exc.message else None
            reason = message or f"{type(exc).__name__}: {_one_line(exc)}"
            where = _where(self.name, part, line)
            raise TemplateProblem(f"{where}: {near}{': ' if near else ''}{reason}") from None

    def render(
        self, context: Mapping[str, Any], properties: Mapping[str, bytes] | None = None
    ) -> bytes:
        """The filled document: same context, same bytes (within the sandbox's budget).
        `properties` replaces parts the model has (`docProps/core.xml`, `docProps/app.xml`)
        with the caller's: the document's title, author, dates."""
        with render_budget():
            return self._render(context, properties or {})

    def _render(self, context: Mapping[str, Any], properties: Mapping[str, bytes]) -> bytes:
        body = self._render_part(self._body, self.body_source, DOCUMENT_PART, context)
        body = self._finish(body)
        tree = self._tpl.fix_tables(body)
        self._tpl.docx_ids_index = 1000
        self._tpl.fix_docpr_ids(tree)
        document = self._prefix + etree.tostring(tree, encoding="UTF-8") + self._suffix
        parts: dict[str, bytes] = {}
        rendered: dict[str, str] = {}
        for part in self._parts:
            if part.name == DOCUMENT_PART:
                data = document
                rendered[part.name] = body
            elif part.template is not None:
                xml = self._render_part(part.template, part.source, part.name, context)
                xml = self._finish(xml)
                rendered[part.name] = xml
                data = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
                data += xml.encode("utf-8")
            else:
                data = properties.get(part.name, part.data)
            parts[part.name] = data
        images = _images(context, {})
        if images:
            _with_images(parts, rendered, images)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                entry = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
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
    # an expression the sample cannot evaluate stops the render; what was noted still counts.
    # What the sandbox refuses is not such an expression: the model is refused.
    try:
        compiled.render(context)
    except UnsafeTemplate:
        raise
    except TemplateProblem:
        pass
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
