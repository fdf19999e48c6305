"""Hostile Word models: compiled and rendered in the sandbox, refused with one line naming the
file, the paragraph and the tag, by `generate` (rendering) and `templates check` (analysis).
Real .docx files written with python-docx, no database."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from docx import Document

from doc_templates import render, sandbox
from doc_templates.render import (
    MissingValue,
    TemplateProblem,
    UnsafeTemplate,
    analyse_template,
    compiled_template,
)
from notifications import render as mail_render
from services.generation.context import sample_context
from services.procedures.catalog import every_model, load_procedures

# kind -> the built-in Word model of that kind (the conventions' and the conformity letter)
BUILTIN_MODELS = {kind: p.model_path(name) for p, kind, name in every_model(load_procedures().all)}

RCE = "{{ cycler.__init__.__globals__.os.system('touch pwned') }}"


def model(path: Path, *lines: str, header: str | None = None) -> Path:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    if header is not None:
        doc.sections[0].header.paragraphs[0].add_run(header)
    doc.save(str(path))
    return path


def fill(path: Path) -> bytes:
    return compiled_template(path).render(sample_context("chu_convention"))


def check(path: Path) -> render.TemplateReport:
    return analyse_template(path, sample_context("chu_convention"))


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`touch pwned` would land in the working directory: the test's own."""
    monkeypatch.chdir(tmp_path)


def test_the_reported_payload_runs_nothing_and_is_refused_by_generate_and_check(tmp_path):
    evil = model(tmp_path / "evil.docx", "Convention {{ ght.name }}", RCE)
    for attempt in (fill, check):
        with pytest.raises(UnsafeTemplate) as refused:
            attempt(evil)
        message = str(refused.value)
        assert message.startswith(f"evil.docx, paragraph 2: « {RCE} » refused: '__init__'")
        assert "\n" not in message
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "tag",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ ght['__class__'] }}",
        "{{ ght|attr('__class__') }}",
        "{{ members|map(attribute='__class__')|list }}",
        "{{ self._TemplateReference__context }}",
        "{% if false %}{{ range.__self__ }}{% endif %}",  # never rendered, still refused
        "{% for m in members %}{{ m.__dict__ }}{% endfor %}",
    ],
)
def test_internal_attributes_are_refused_before_anything_runs(tmp_path, tag):
    with pytest.raises(UnsafeTemplate, match=r"m\.docx, paragraph 1: « .* » refused: '_"):
        compiled_template(model(tmp_path / "m.docx", tag))


@pytest.mark.parametrize(
    "tag",
    [
        "{% include 'convention_chu.docx' %}",
        "{% import '/etc/passwd' as p %}",
        "{% from 'x' import y %}",
        "{% extends '/etc/hostname' %}",
    ],
)
def test_a_model_reads_no_other_file(tmp_path, tag):
    with pytest.raises(UnsafeTemplate, match=r"cannot include, import or extend other files"):
        check(model(tmp_path / "m.docx", tag))


def test_an_attribute_built_at_render_time_is_refused_when_it_is_reached(tmp_path):
    sneaky = model(tmp_path / "m.docx", "Bonjour", "{{ cycler|attr('__in' ~ 'it__') }}")
    with pytest.raises(UnsafeTemplate) as refused:
        fill(sneaky)
    assert str(refused.value) == (
        "m.docx, paragraph 2: « {{ cycler|attr('__in' ~ 'it__') }} » refused by the sandbox: "
        "access to attribute '__init__' of 'type' object is unsafe"
    )
    with pytest.raises(UnsafeTemplate):  # the lenient analysis does not let it by either
        check(sneaky)


def test_a_header_is_named_when_it_is_the_culprit(tmp_path):
    evil = model(tmp_path / "m.docx", "{{ ght.name }}", header="{{ ght.__class__ }}")
    with pytest.raises(UnsafeTemplate, match=r"^m\.docx \(word/header1\.xml\), paragraph 1: "):
        compiled_template(evil)


def test_the_context_cannot_be_changed_by_a_model(tmp_path):
    with pytest.raises(UnsafeTemplate, match="'append' of 'list' object is unsafe"):
        fill(model(tmp_path / "m.docx", "{{ members.append(1) }}"))
    with pytest.raises(UnsafeTemplate, match="'update' of 'Record' object is unsafe"):
        fill(model(tmp_path / "m.docx", "{{ ght.update(name='x') }}"))


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        ("{{ range(10**9)|list }}", "has more than 100,000 numbers"),
        ("{{ 'x' * 10**9 }}", "a repeated value would hold more than 1,000,000 characters"),
        ("{{ 'x' * 1000 * 1000 * 1000 }}", "a repeated value would hold more"),
        ("{{ [ght] * 10**8 }}", "a repeated value would hold more"),
        ("{{ 10 ** (10 ** 10) }}", "a power of more than 1024 bits"),
        ("{% set n = 2 ** 1000 %}{{ n * n }}", "a product of more than 1024 bits"),
        ("{{ 'x'|center(10**9) }}", "|center with 1000000000"),
        ("{{ 'x'.ljust(10**9) }}", "str.ljust would hold more"),
        ("{{ '%*d'|format(10**9, 1) }}", "|format with 1000000000 is more than a model may ask"),
        ("{{ '%*d'|format(9, 1) }}", "asks for too wide a field"),
        ("{{ '%0999999999d' % 1 }}", "asks for too wide a field"),
        ("{{ '{:>999999999}'.format(1) }}", "asks for too wide a field"),
        ("{{ ('x' * 1000000).replace('x', 'yy') }}", "str.replace would hold more"),
        ("{{ ('x' * 1000000)|replace('x', 'yy') }}", "|replace would hold more"),
        ("{{ ('x\\n' * 100000)|indent(100) }}", "|indent would hold more"),
        (
            "{% set s = 'x' * 100000 %}{{ [s, s, s, s, s, s, s, s, s, s, s]|join }}",
            "the value given to |join would hold more",
        ),
        ("{{ ['x' * 100000] * 11 }}", "a repeated value would hold more"),
        ("{{ ('x' * 999999)|wordwrap(1, wrapstring='yy') }}", "|wordwrap would hold more"),
        ("{{ 'ab'.translate({97: 'x'}) }}", "may not call str.translate"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "namespace attribute 's' would hold more",
        ),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "more than 1,000,000 loop turns and calls",
        ),
        (
            "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
            "the document would exceed 20,000,000 characters",
        ),
        (
            "{% macro m() %}" + "x" * 1000 + "{% endmacro %}"
            "{% for i in range(100000) %}{% set y = m() %}{% endfor %}",
            "the document would exceed 20,000,000 characters",
        ),
        (
            "{% set big %}{% for i in range(30000) %}" + "y" * 1000 + "{% endfor %}{% endset %}",
            "the document would exceed 20,000,000 characters",
        ),
    ],
)
def test_work_and_size_are_bounded(tmp_path, tag, reason):
    hungry = model(tmp_path / "m.docx", tag)
    start = time.monotonic()
    with pytest.raises(UnsafeTemplate) as refused:
        fill(hungry)
    assert reason in str(refused.value)
    assert str(refused.value).startswith("m.docx, paragraph 1: ")
    with pytest.raises(UnsafeTemplate):
        check(hungry)
    assert time.monotonic() - start < 5


def test_a_model_that_takes_too_long_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_RENDER_SECONDS", 0.0)
    slow = model(tmp_path / "m.docx", "{% for m in members %}{{ m.name }}{% endfor %}")
    with pytest.raises(UnsafeTemplate, match=r"the model takes more than 0 s to fill"):
        fill(slow)


def test_a_macro_calling_itself_is_one_line(tmp_path):
    loop = model(tmp_path / "m.docx", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")
    with pytest.raises(UnsafeTemplate, match=r"^m\.docx, paragraph 1: a macro or block calls"):
        fill(loop)


@pytest.mark.parametrize(
    "tag",
    ["{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "{% if 1 %}" * 200 + "{% endif %}" * 200],
)
def test_a_model_nested_too_deeply_is_one_line(tmp_path, tag):
    with pytest.raises(TemplateProblem, match=r"^m\.docx: template error: tags nested too deeply$"):
        compiled_template(model(tmp_path / "m.docx", tag))


def test_lorem_ipsum_is_not_offered(tmp_path):
    with pytest.raises(MissingValue, match="'lipsum'"):
        fill(model(tmp_path / "m.docx", "{{ lipsum(10**6) }}"))


def test_a_model_that_fails_for_its_own_reasons_says_where(tmp_path):
    with pytest.raises(TemplateProblem) as problem:
        fill(model(tmp_path / "m.docx", "Total", "{{ 1 / 0 }}"))
    assert str(problem.value) == (
        "m.docx, paragraph 2: « {{ 1 / 0 }} »: ZeroDivisionError: division by zero"
    )
    with pytest.raises(TemplateProblem, match=r"m\.docx, paragraph 1: « .* »: .*TypeError"):
        fill(model(tmp_path / "m.docx", "{{ ght.name + 1 }}"))


def test_what_an_honest_model_does_still_works(tmp_path):
    honest = model(
        tmp_path / "m.docx",
        "{% set ns = namespace(n=0) %}{% for m in members %}{% set ns.n = ns.n + 1 %}"
        "{% endfor %}{{ ns.n }} membres",
        "{{ members|map(attribute='name')|join(', ')|upper }}",
        "{{ '%s (%05d)'|format(ght.code, 42) }} {{ '{} / {:>4}'.format(ght.code, 7) }}",
        "{% for i in range(3) %}{{ loop.index }}{% endfor %} {{ ght.name|center(20)|trim }}",
        "{{ ght.name.replace('Lot', 'LOT') }} {{ (ght.name * 2)|length > 2 }}",
    )
    paragraphs = [p.text for p in Document(io.BytesIO(fill(honest))).paragraphs]
    members = sample_context("chu_convention")["members"]
    assert paragraphs[0] == f"{len(members)} membres"
    assert paragraphs[1] == ", ".join(m["name"] for m in members).upper()
    assert paragraphs[2] == "OCC-02 (00042) OCC-02 /    7"
    assert paragraphs[3] == "123 GHT Lot"
    assert paragraphs[4].startswith("GHT LOT") and paragraphs[4].endswith("True")
    assert check(honest).missing == []


@pytest.mark.parametrize("kind", list(BUILTIN_MODELS))
def test_the_built_in_models_pass_the_sandbox(kind):
    report = analyse_template(BUILTIN_MODELS[kind], sample_context(kind))
    assert report.missing == []


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_malformed_models_are_one_line(tmp_path, monkeypatch):
    good = model(tmp_path / "good.docx", "{{ ght.name }}").read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good[: len(good) // 2])
    cases = {
        cut: "cut.docx: not a Word .docx file (not a zip archive)",
        _zip(tmp_path / "nobody.docx", {"[Content_Types].xml": b"<Types/>"}): (
            "nobody.docx: not a Word .docx file (no word/document.xml)"
        ),
        _zip(tmp_path / "junk.docx", {"word/document.xml": b"\xff\xfe not xml"}): (
            "junk.docx: not a Word .docx file ("
        ),
    }
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    bad_header = dict(parts)
    bad_header["word/header9.xml"] = b"<w:hdr>{{ x }}\xff</w:hdr>"
    cases[_zip(tmp_path / "header.docx", bad_header)] = "header.docx: not a usable Word .docx"
    for path, expected in cases.items():
        with pytest.raises(TemplateProblem) as problem:
            compiled_template(path)
        assert str(problem.value).startswith(expected), str(problem.value)
        assert "\n" not in str(problem.value)
    monkeypatch.setattr(render, "MAX_MODEL_BYTES", 1024)
    with pytest.raises(TemplateProblem, match=r"good\.docx: expands to more than 0 MiB"):
        compiled_template(tmp_path / "good.docx")


def test_a_zip_of_many_parts_is_refused_before_python_docx_reads_it(tmp_path):
    many = _zip(tmp_path / "many.docx", {f"p{i}.xml": b"" for i in range(1001)})
    with pytest.raises(TemplateProblem, match=r"many\.docx: not a Word \.docx file \(1001 parts"):
        compiled_template(many)


def test_e_mail_templates_run_in_the_sandbox_too():
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    mails = load_procedures().named("ght-2017").mails_dir  # the built-in events' e-mails
    for kind in mail_render.SUBJECTS:
        for template in mail_render._templates(kind, mail_render.MailTemplate(kind, (mails,))):
            assert isinstance(template.environment, ImmutableSandboxedEnvironment), kind
