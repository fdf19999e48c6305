"""Pure parts of the dashboard: the SVG bars, recognising PDF and Word files from their
bytes, upload names, and the secret that signs sessions."""

from __future__ import annotations

import io
import stat
import xml.etree.ElementTree as ET
import zipfile

import pytest

from services.errors import InvalidInput
from settings import Settings
from tests.file_samples import docx
from web.charts import PALETTE, Segment, stacked_bar, text_colour
from web.security import session_secret
from web.uploads import content_kind, display_name, received_file

SVG = "{http://www.w3.org/2000/svg}"


def _text(element: ET.Element | None) -> str | None:
    assert element is not None
    return element.text


def test_a_bar_has_one_segment_per_non_empty_state_in_proportion_and_says_it():
    svg = stacked_bar(
        "c",
        "PMSP au 13/10/2017",
        [Segment("En préparation", 6), Segment("Transmis", 0), Segment("Approuvé", 2)],
    )
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-title c-desc"
    assert _text(root.find(f"{SVG}title")) == "PMSP au 13/10/2017"
    assert (
        _text(root.find(f"{SVG}desc"))
        == "8 documents au total. En préparation : 6, Transmis : 0, Approuvé : 2."
    )
    bars = [r for r in root.findall(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [float(r.get("width", "nan")) for r in bars] == [480.0, 160.0]
    assert [_text(r.find(f"{SVG}title")) for r in bars] == ["En préparation : 6", "Approuvé : 2"]
    legend = [t.text for t in root.iter(f"{SVG}text") if t.text and "(" in t.text]
    assert legend == ["En préparation (6)", "Transmis (0)", "Approuvé (2)"]


def test_labels_are_escaped_and_an_empty_bar_says_so():
    root = ET.fromstring(str(stacked_bar("e", "<script>", [Segment("A & B", 0)])))
    assert _text(root.find(f"{SVG}title")) == "<script>"
    assert "Aucun document" in [t.text for t in root.iter(f"{SVG}text")]


def test_counts_are_written_in_the_colour_that_contrasts_more():
    assert text_colour("#0072B2") == "#FFFFFF"
    assert text_colour("#F0E442") == "#000000"
    assert text_colour("#999999") == "#000000"
    assert len(set(PALETTE)) == len(PALETTE)


def _docx(parts: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for part in parts:
            z.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (docx(), "docx"),
        (_docx(["word/document.xml", "[Content_Types].xml"]), None),  # a zip, not a package
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 100, "doc"),
        (_docx(["xl/workbook.xml"]), None),
        (b"PK\x03\x04broken", None),
        (b"MZ\x90\x00 an executable", None),
        (b"%PDF", None),  # not even the version dash
    ],
)
def test_pdf_and_word_are_recognised_from_their_bytes(tmp_path, content, kind):
    path = tmp_path / "whatever.pdf"
    path.write_bytes(content)
    assert content_kind(path) == kind


def test_upload_names_lose_folders_and_control_characters():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\x\\PMSP.pdf") == "PMSP.pdf"
    assert display_name("a\x00b\nc.pdf") == "a_b_c.pdf"
    assert display_name("") == "document" and display_name(None) == "document"


def test_a_received_file_is_refused_over_the_limit_and_removed_afterwards():
    too_big = io.BytesIO(b"%PDF-" + b"0" * 1024)
    with (
        pytest.raises(InvalidInput, match="dépasse la taille maximale de 1 Ko"),
        received_file(too_big, "x.pdf", 1024),
    ):
        pass
    with received_file(io.BytesIO(b"%PDF-1.4"), "ok.pdf", 1024) as path:
        assert path.name == "ok.pdf" and path.read_bytes() == b"%PDF-1.4"
    assert not path.exists()


def test_the_session_secret_is_created_once_private_or_taken_from_settings(tmp_path):
    settings = Settings(home=tmp_path / "home")
    first = session_secret(settings)
    path = tmp_path / "home" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret(settings) == first and len(first) >= 40
    assert session_secret(Settings(home=tmp_path, secret_key="fixe")) == "fixe"
