"""What a submitted file is, judged from its bytes: PDF, a real Word package, a legacy .doc;
zip look-alikes and zip bombs are refused from the archive's directory, never expanded; file
names are made safe to store, show and serve."""

from __future__ import annotations

import io
import time
import zipfile

import docx as python_docx
import pytest

from services.adapters.file_kinds import (
    check_document_file,
    document_kind,
    inspect,
    refusal_message,
)
from services.adapters.files import clean_file_name
from services.errors import InvalidInput
from tests.file_samples import OLE, PDF, RELS, content_types, docx, with_declared_size


def _kind(tmp_path, content: bytes) -> str | None:
    path = tmp_path / "sent.docx"
    path.write_bytes(content)
    return document_kind(path)


def _problem(tmp_path, content: bytes) -> str:
    path = tmp_path / "sent.docx"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as refused:
        check_document_file(path, "sent.docx")
    return str(refused.value)


def test_pdf_doc_and_real_word_packages_are_accepted(tmp_path):
    made_by_python_docx = io.BytesIO()
    python_docx.Document().save(made_by_python_docx)
    assert _kind(tmp_path, PDF) == "pdf"
    assert _kind(tmp_path, OLE) == "doc"
    assert _kind(tmp_path, docx()) == "docx"
    assert _kind(tmp_path, made_by_python_docx.getvalue()) == "docx"


def _only(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


MACROS = "application/vnd.ms-word.document.macroEnabled.main+xml"
LOOK_ALIKES = [
    pytest.param(
        _only({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}),
        "declares no Word main document",
        id="zip-that-merely-contains-word-document-xml",
    ),
    pytest.param(
        _only({"word/document.xml": "<x/>"}), "[Content_Types].xml is missing", id="no-ct"
    ),
    pytest.param(docx(rels=None), "_rels/.rels is missing", id="no-rels"),
    pytest.param(docx(document=False), "word/document.xml is missing", id="no-main-part"),
    pytest.param(docx(content_types="<Types"), "not well-formed XML", id="broken-ct"),
    pytest.param(
        docx(content_types=content_types(MACROS)), "no Word main document", id="macro-enabled"
    ),
    pytest.param(
        docx(rels=RELS.replace("word/document.xml", "word/other.xml")),
        "does not point to the Word main document",
        id="rels-elsewhere",
    ),
    pytest.param(
        docx(
            content_types='<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            + content_types().split("?>", 1)[1].replace("/word/document.xml", "/word/&b;.xml")
        ),
        "declares a DTD",
        id="entity-expansion",
    ),
    pytest.param(_only({"xl/workbook.xml": "<workbook/>"}), "is missing", id="spreadsheet"),
    pytest.param(b"PK\x03\x04 not really a zip", "unreadable zip archive", id="broken-zip"),
]


@pytest.mark.parametrize(("content", "reason"), LOOK_ALIKES)
def test_zip_look_alikes_are_not_word_documents(tmp_path, content, reason):
    message = _problem(tmp_path, content)
    assert message.startswith("file sent.docx is not a PDF or Word (.docx, .doc) document")
    assert reason in message


def test_a_docx_that_expands_to_a_gibibyte_is_refused_without_expanding_it(tmp_path):
    small = docx(extra={"word/media/a.bin": b"x" * 1000})
    bomb = with_declared_size(small, "word/media/a.bin", 1024**3)
    started = time.perf_counter()
    message = _problem(tmp_path, bomb)
    assert time.perf_counter() - started < 0.5
    assert message == (
        "file sent.docx is refused: once expanded it would take 1024 MiB (limit 100 MiB)"
    )


def test_an_entry_with_a_bomb_like_compression_ratio_is_refused(tmp_path):
    zeros = docx(extra={"word/media/zeros.bin": b"\0" * (20 * 1024 * 1024)})
    assert len(zeros) < 100 * 1024  # 20 MiB of zeros: a few dozen kilobytes compressed
    message = _problem(tmp_path, zeros)
    assert message.startswith("file sent.docx is refused: word/media/zeros.bin expands ")
    assert message.endswith("times (limit 200)")


def test_too_many_entries_are_refused(tmp_path):
    many = docx(extra={f"word/media/{i}.png": b"" for i in range(2001)})
    assert "the archive has 2004 entries (limit 2000)" in _problem(tmp_path, many)


def test_a_duplicated_entry_is_refused(tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = docx(extra={"word/document.xml": b"<w:document/>"})
    assert "holds word/document.xml twice" in _problem(tmp_path, twice)


def test_refusals_have_a_french_wording_for_the_dashboard(tmp_path):
    path = tmp_path / "x.docx"
    path.write_bytes(with_declared_size(docx(), "word/document.xml", 200 * 1024 * 1024))
    verdict = inspect(path)
    assert refusal_message("x.docx", verdict.problem, french=True) == (
        "Le fichier « x.docx » est refusé : une fois décompressé il occuperait 200 Mo "
        "(limite 100 Mo)."
    )
    path.write_bytes(b"texte")
    assert refusal_message("x.docx", inspect(path).problem, french=True) == (
        "Le fichier « x.docx » n'est ni un PDF ni un document Word "
        "(le contenu est vérifié, pas le nom) : il est refusé."
    )


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("..", "document"),
        (".", "document"),
        ("../..", "document"),
        ("", "document"),
        (None, "document"),
        ("\x00", "document"),
        (".htaccess", "htaccess"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\PMSP.pdf", "PMSP.pdf"),
        ("a\x00b\nc.pdf", "a_b_c.pdf"),
        ('rapport"\r\nSet-Cookie: x=1.pdf', "rapport___Set-Cookie_ x=1.pdf"),
        ("facture\u202efdp.exe", "facture_fdp.exe"),
        ("Projet me\u0301dical.pdf", "Projet médical.pdf"),
    ],
)
def test_file_names_are_made_safe(sent, stored):
    assert clean_file_name(sent) == stored


@pytest.mark.parametrize("stem", ["a" * 300, "é" * 200, "🏥" * 100, "x" * 254])
def test_long_names_are_cut_to_255_bytes_keeping_the_extension(stem):
    name = clean_file_name(stem + ".docx")
    assert len(name.encode("utf-8")) <= 255
    assert name.endswith(".docx") and name.startswith(stem[0])
    name.encode("utf-8").decode("utf-8")  # cut on a character boundary
