"""Write the Word models of the built-in procedures with python-docx: the four GHT models into
`procedures/ght-2017/models/`, and the decision letter into the folder of the procedure that
holds one (`python -m doc_templates.build [FOLDER]`, `make templates`). Which procedure a model
belongs to is read from the folders (a procedure's `models/` holding a file of that name), not
written here: no Python names a procedure but the GHTs'.

The `.docx` files are committed, and this script is how they are made, so that a change to a
clause is a reviewable diff here and the files can be rebuilt identically. Every `{{ }}` and
`{% %}` tag is written inside a single run (Word splits a tag typed in pieces across runs, and
docxtpl then no longer sees it); `{%p %}` and `{%tr %}` tags sit alone in their paragraph or
table row, which docxtpl removes when it renders. The zip entries get a fixed timestamp and the
document properties fixed values, so a rebuild gives the same bytes.

What a French administrative page needs is set here, in the models: A4 paper with 2.5 cm side
and 2 cm top and bottom margins, French (fr-FR) as the language of every style, a footer with
the document's short reference and "Page X sur Y" (PAGE and NUMPAGES fields), every static text
typeset (`i18n.typography.french_typography`: no-break spaces, apostrophes), signature tables
whose rows do not split and stay together with the "Fait à …" line. The legal references come
from the procedure's `references.yaml` through the context (`visas`, `references`).

Texts are written for this project, after the structure of the national models (2017).
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from i18n.typography import french_typography
from procedures import BUILTIN_DIR, builtin_folders

# the models/ folder of the built-in GHT procedure
MODELS_DIR = BUILTIN_DIR / "ght-2017" / "models"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# the models' own properties (a filled file gets the document's title, author and date)
MODEL_DATE = datetime(2017, 5, 2, tzinfo=UTC)
LANGUAGE = "fr-FR"
FONT = "Liberation Serif"
# A4 and the margins of a French administrative document
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)
SIDE_MARGIN, TOP_MARGIN, BOTTOM_MARGIN = Cm(2.5), Cm(2), Cm(2)
TEXT_WIDTH = Length(PAGE_WIDTH - 2 * SIDE_MARGIN)
# left edge of the recipient block of a letter (the window of a French envelope)
RECIPIENT_INDENT = Cm(9)
# a line to be written by hand
BLANK = "……………………"
GREY = RGBColor(0x59, 0x59, 0x59)


# --- small writing helpers -------------------------------------------------------------------


def _preserve(paragraph: Paragraph) -> None:
    """Keep spaces around values: every run gets xml:space="preserve"."""
    for run in paragraph.runs:
        for t in run._r.findall(qn("w:t")):
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _add(paragraph: Paragraph, text: str, *, bold: bool = False, size: float | None = None) -> None:
    """One run with `text` typeset the French way (Jinja tags are left as written)."""
    # an apostrophe before a tag ("l'{{ agency.name }}") is typographic too
    run = paragraph.add_run(french_typography(text.replace("'{{", "\u2019{{")))
    if bold:
        run.bold = True
    if size is not None:
        run.font.size = Pt(size)
    _preserve(paragraph)


def para(
    doc: DocxDocument | _Cell,
    text: str,
    *,
    bold: bool = False,
    center: bool = False,
    right: bool = False,
    indent: Cm | None = None,
    keep: bool = False,
    space_after: float | None = None,
) -> Paragraph:
    """One paragraph, one run: a tag in `text` is never split. Body text is justified."""
    paragraph = doc.add_paragraph()
    _add(paragraph, text, bold=bold)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif indent is None and "{%" not in text:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent is not None:
        paragraph.paragraph_format.left_indent = indent
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    if space_after is not None:
        paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def tag(doc: DocxDocument, text: str, *, keep: bool = False) -> None:
    """A paragraph holding only a `{%p … %}` tag (removed by docxtpl when rendering)."""
    para(doc, text, keep=keep)


def bullet(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph(style="List Bullet")
    _add(paragraph, text)


def heading(doc: DocxDocument, text: str, level: int = 1, *, new_page: bool = False) -> None:
    paragraph = doc.add_paragraph(style=f"Heading {level}")
    _add(paragraph, text)
    if new_page:
        paragraph.paragraph_format.page_break_before = True


def title(doc: DocxDocument, lines: Sequence[str]) -> None:
    first, *rest = lines
    paragraph = doc.add_paragraph(style="Title")
    _add(paragraph, first)
    for line in rest:
        para(doc, line, center=True)


def cell_text(table: Table, row: int, col: int, text: str, *, bold: bool = False) -> Paragraph:
    paragraph: Paragraph = table.cell(row, col).paragraphs[0]
    _add(paragraph, text, bold=bold)
    return paragraph


def _cant_split(row_element: Any) -> None:
    """A table row Word and LibreOffice keep on one page."""
    tr_pr = row_element.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _repeat_header(row_element: Any) -> None:
    row_element.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def column_widths(table: Table, widths: Sequence[int]) -> None:
    """Fixed column widths (the grid and every cell), so that a narrow column stays narrow."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for grid_col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_col.set(qn("w:w"), str(Length(width).twips))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Length(width)


def loop_table(
    doc: DocxDocument,
    headers: Sequence[str],
    loop: str,
    cells: Sequence[str],
    widths: Sequence[int] | None = None,
) -> Table:
    """A header row, then one row per item: `{%tr for … %}`, the row, `{%tr endfor %}`."""
    table: Table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for col, header in enumerate(headers):
        cell_text(table, 0, col, header, bold=True)
    _repeat_header(table.rows[0]._tr)
    cell_text(table, 1, 0, "{%tr " + loop + " %}")
    for col, text in enumerate(cells):
        cell_text(table, 2, col, text)
    _cant_split(table.rows[2]._tr)
    cell_text(table, 3, 0, "{%tr endfor %}")
    if widths is not None:
        column_widths(table, widths)
    return table


def _field(paragraph: Paragraph, instruction: str, shown: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES): begin, instruction, separate, the last value, end."""

    def run_with(child: Any) -> None:
        run = paragraph.add_run()
        run.font.size = Pt(size)
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(shown).font.size = Pt(size)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def footer(doc: DocxDocument, reference: str) -> None:
    """The document's short reference on the left, "Page X sur Y" on the right."""
    paragraph = doc.sections[0].footer.paragraphs[0]
    _add(paragraph, reference + "\t", size=8)
    _add(paragraph, "Page ", size=8)
    _field(paragraph, "PAGE", "1", 8)
    _add(paragraph, " sur ", size=8)
    _field(paragraph, "NUMPAGES", "1", 8)


# --- page setup and styles -------------------------------------------------------------------


def _plain_font(style_element: Any, size: float, *, color: str = "000000") -> None:
    """A style in the document's font (no theme font, no theme colour), black."""
    r_pr = style_element.get_or_add_rPr()
    for child in list(r_pr):
        if child.tag in (qn("w:rFonts"), qn("w:color"), qn("w:sz"), qn("w:szCs")):
            r_pr.remove(child)
    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    r_pr.insert(0, fonts)
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), color)
    r_pr.append(colour)
    for name in ("w:sz", "w:szCs"):
        element = OxmlElement(name)
        element.set(qn("w:val"), str(int(size * 2)))
        r_pr.append(element)


def _styles(doc: DocxDocument) -> None:
    styles = doc.styles
    for name, size in (("Normal", 11), ("Heading 1", 12), ("Heading 2", 11), ("Title", 15)):
        _plain_font(styles[name].element, size)
    normal = styles["Normal"].paragraph_format
    normal.space_after = Pt(6)
    normal.line_spacing = 1.1
    for name, before in (("Heading 1", 14), ("Heading 2", 8)):
        fmt = styles[name].paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(4)
        fmt.keep_with_next = True
    title_style = styles["Title"]
    title_pr = title_style.element.get_or_add_pPr()
    for border in title_pr.findall(qn("w:pBdr")):
        title_pr.remove(border)
    title_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_style.paragraph_format.space_after = Pt(6)
    title_style.font.bold = True
    footer_style = styles["Footer"]
    footer_style.font.color.rgb = GREY
    footer_pr = footer_style.element.get_or_add_pPr()
    for tabs in footer_pr.findall(qn("w:tabs")):  # Letter-width tab stops: A4's is set below
        footer_pr.remove(tabs)
    footer_style.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    # the language of every run: French (hyphenation, spelling, quotes in Word and LibreOffice)
    for lang in styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), LANGUAGE)
        lang.set(qn("w:eastAsia"), LANGUAGE)


def new_document(properties: dict[str, str]) -> DocxDocument:
    """An empty A4 document in French, with the model's fixed properties."""
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = SIDE_MARGIN
    section.top_margin, section.bottom_margin = TOP_MARGIN, BOTTOM_MARGIN
    section.header_distance = section.footer_distance = Cm(1)
    props = doc.core_properties
    props.title = properties["title"]
    props.subject = properties["subject"]
    props.author = "ghtflow"
    props.last_modified_by = "ghtflow"
    props.comments = "Modèle ghtflow, rempli par « ghtflow generate »"
    props.keywords = properties.get("keywords", "")
    props.language = LANGUAGE
    props.category = "Modèle"
    props.created = props.modified = MODEL_DATE.replace(tzinfo=None)
    props.revision = 1
    return doc


# --- shared clauses --------------------------------------------------------------------------

SUPPORT_PARTY = (
    "Le {{ support.name }}, établissement support du {{ ght.name }} ({{ ght.code }}), "
    "n° FINESS {{ support.finess }}, dont le siège est à {{ support.commune }}, "
    "représenté par {{ support.representative }}, agissant pour le compte des établissements "
    "parties au groupement,"
)


def parties(doc: DocxDocument, others: Sequence[str], loop: str | None, other_name: str) -> None:
    """ "Entre les soussignés", the support establishment, "Et" the other party or parties,
    each followed by "ci-après dénommé(e) « … »"."""
    para(doc, "Entre les soussignés :", bold=True, keep=True)
    para(doc, SUPPORT_PARTY)
    para(doc, "ci-après dénommé « l'établissement support »,", indent=Cm(1))
    para(doc, "d'une part,", right=True)
    para(doc, "Et", bold=True, keep=True)
    if loop is not None:
        tag(doc, "{%p " + loop + " %}")
    for line in others:
        para(doc, line)
    para(doc, other_name, indent=Cm(1))
    if loop is not None:
        tag(doc, "{%p endfor %}")
    para(doc, "d'autre part,", right=True)
    para(doc, "ci-après dénommés ensemble « les parties ».")


def visas(doc: DocxDocument, own: Sequence[str], considerations: Sequence[str]) -> None:
    """The preamble: the kind's visas from `references.yaml`, the model's own, the
    considérants, then "Il est convenu ce qui suit :"."""
    heading(doc, "Préambule")
    tag(doc, "{%p for visa in visas %}")
    para(doc, "Vu {{ visa }} ;")
    tag(doc, "{%p endfor %}")
    for line in own:
        para(doc, line)
    for line in considerations:
        para(doc, line)
    para(doc, "Il est convenu ce qui suit :", bold=True, space_after=12)


def data_protection(doc: DocxDocument, number: int) -> None:
    heading(doc, f"Article {number} – Protection des données à caractère personnel")
    para(
        doc,
        "Les parties s'engagent à traiter les données à caractère personnel échangées pour "
        "l'exécution de la présente convention dans le respect de la loi n° 78-17 du 6 janvier "
        "1978 relative à l'informatique, aux fichiers et aux libertés. Les données de santé ne "
        "sont partagées qu'entre professionnels participant à la prise en charge d'un même "
        "patient, dans les conditions de l'article L. 1110-4 du code de la santé publique. "
        "Chaque partie désigne un interlocuteur chargé de la protection des données et informe "
        "les autres sans délai de toute violation de données.",
    )


def amendments(doc: DocxDocument, number: int, notice: str) -> None:
    heading(doc, f"Article {number} – Avenants et résiliation")
    para(
        doc,
        "Toute modification de la présente convention fait l'objet d'un avenant signé par "
        "l'ensemble des parties et transmis au directeur général de l'{{ agency.name }}. "
        f"Chaque partie peut résilier la convention par lettre recommandée avec accusé de "
        f"réception adressée aux autres parties, moyennant un préavis de {notice}.",
    )


def disputes(doc: DocxDocument, number: int) -> None:
    """The last article: it keeps with the signatures, so that no signature page is left
    without the end of the text it signs."""
    heading(doc, f"Article {number} – Règlement des litiges")
    para(
        doc,
        "Les parties s'efforcent de régler à l'amiable tout différend relatif à l'interprétation "
        "ou à l'exécution de la présente convention, le cas échéant avec la médiation du "
        "directeur général de l'{{ agency.name }}. À défaut d'accord dans un délai de deux "
        "mois, le litige est porté devant le tribunal administratif territorialement compétent.",
        keep=True,
    )


def signatures(doc: DocxDocument) -> None:
    """ "Fait à …, le …, en N exemplaires originaux", then one row per signatory: who signs
    for whom on the left, room to sign and stamp on the right. Rows do not split and every
    paragraph keeps with the next, so the block stays on one page with its "Fait à" line."""
    para(
        doc,
        "{% if signature is defined %}Fait à {{ signature.place }}, le {{ signature.date }}"
        "{% else %}Fait à " + BLANK + ", le " + BLANK + "{% endif %}, "
        "en {{ copies_words }} exemplaires originaux.",
        keep=True,
        space_after=12,
    )
    table: Table = doc.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell_text(table, 0, 0, "{%tr for signatory in signatories %}")
    who = table.cell(1, 0)
    cell_text(table, 1, 0, "Pour {{ signatory.article_name }},", bold=True)
    para(who, "{{ signatory.title }},")
    para(who, "{{ signatory.name }}")
    sign = table.cell(1, 1)
    first = sign.paragraphs[0]
    run = first.add_run("Signature et cachet")
    run.italic = True
    run.font.size = Pt(8)
    run.font.color.rgb = GREY
    cell_text(table, 2, 0, "{%tr endfor %}")
    row = table.rows[1]
    row.height = Cm(3.6)
    _cant_split(row._tr)
    for cell in row.cells:
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.space_after = Pt(2)
    column_widths(table, [Cm(8), TEXT_WIDTH - Cm(8)])
    doc.add_paragraph()


def members_annex(doc: DocxDocument, number: int) -> None:
    """The list of the GHT's member establishments, as an annex table on its own page."""
    heading(doc, f"Annexe {number} – Établissements parties au {{{{ ght.name }}}}", new_page=True)
    para(
        doc,
        "Liste des établissements parties à la convention constitutive du {{ ght.name }} "
        "({{ ght.code }}), l'établissement support en premier, annexée à la présente "
        "convention :",
    )
    loop_table(
        doc,
        ["Établissement", "N° FINESS", "Catégorie", "Commune"],
        "for member in members",
        [
            "{{ member.name }}",
            "{{ member.finess }}",
            "{{ member.category }}",
            "{{ member.commune }}",
        ],
        widths=[Cm(7), Cm(2.8), Cm(2.6), TEXT_WIDTH - Cm(12.4)],
    )


def members_list(doc: DocxDocument) -> None:
    para(doc, "Les établissements parties au {{ ght.name }} sont :", keep=True)
    tag(doc, "{%p for member in members %}")
    bullet(doc, "{{ member.name }} (n° FINESS {{ member.finess }}, {{ member.commune }}) ;")
    tag(doc, "{%p endfor %}")


# --- CHU / GHT association convention -------------------------------------------------------


def convention_chu() -> DocxDocument:
    doc = new_document(
        {
            "title": "Convention d'association entre un GHT et son centre hospitalier "
            "universitaire de référence",
            "subject": "Modèle de convention d'association CHU – GHT (article L. 6132-1 du code "
            "de la santé publique)",
        }
    )
    title(
        doc,
        [
            "CONVENTION D'ASSOCIATION",
            "entre le {{ ght.name }} ({{ ght.code }}) et le centre hospitalier universitaire "
            "de référence",
            "au titre des activités hospitalo-universitaires "
            "(articles L. 6132-1 et L. 6132-3 du code de la santé publique)",
        ],
    )
    parties(
        doc,
        [
            "Le {{ chu.name }}, centre hospitalier universitaire, n° FINESS {{ chu.finess }}, "
            "dont le siège est à {{ chu.commune }}, représenté par {{ chu.representative }},"
        ],
        None,
        "ci-après dénommé « le CHU de référence »,",
    )
    visas(
        doc,
        [
            "Vu la convention constitutive du {{ ght.name }} et son projet médical partagé ;",
            "Vu le projet régional de santé de la région {{ region.name }} ;",
            "Vu l'avis du comité stratégique du groupement ;",
        ],
        [
            "Considérant que tout groupement hospitalier de territoire s'associe à un centre "
            "hospitalier universitaire au titre des activités hospitalo-universitaires, et que "
            "cette association est traduite dans une convention d'association entre "
            "l'établissement support du groupement et le centre hospitalier universitaire ;",
            "Considérant que le {{ chu.name }} est le centre hospitalier universitaire de "
            "référence du {{ ght.name }}, dont les établissements parties sont énumérés en "
            "annexe 1 ;",
        ],
    )

    heading(doc, "Article 1 – Objet")
    para(
        doc,
        "La présente convention définit les modalités selon lesquelles le {{ chu.name }} "
        "coordonne, au bénéfice des établissements parties au {{ ght.name }}, les missions "
        "hospitalo-universitaires mentionnées au {{ references.chu_missions }}, et sa "
        "participation à l'élaboration et à la mise en œuvre du projet médical partagé du "
        "groupement.",
    )

    heading(doc, "Article 2 – Missions hospitalo-universitaires")
    heading(doc, "2.1 Enseignement de formation initiale des professionnels médicaux", 2)
    para(
        doc,
        "Le CHU de référence organise l'accueil des étudiants et des internes dans les "
        "établissements du groupement, l'agrément des terrains de stage et l'encadrement "
        "pédagogique, en lien avec l'unité de formation et de recherche de médecine.",
    )
    heading(doc, "2.2 Recherche", 2)
    para(
        doc,
        "Le CHU de référence facilite l'accès des équipes du groupement aux structures d'appui "
        "à la recherche clinique, aux essais et aux appels à projets, et valorise les travaux "
        "menés en commun.",
    )
    heading(doc, "2.3 Gestion de la démographie médicale", 2)
    para(
        doc,
        "Les parties élaborent ensemble une stratégie de recrutement et de maintien des "
        "compétences médicales sur le territoire : postes partagés, assistants spécialistes "
        "à temps partagé, consultations avancées.",
    )
    heading(doc, "2.4 Missions de référence et de recours", 2)
    para(
        doc,
        "Le CHU de référence assure, pour les patients du territoire, les prises en charge de "
        "recours et de référence qui ne peuvent l'être dans les établissements parties, selon "
        "des filières définies par le projet médical partagé.",
    )

    heading(doc, "Article 3 – Engagements des parties")
    para(
        doc,
        "L'établissement support s'engage à associer le CHU de référence aux travaux du "
        "comité stratégique relatifs aux missions ci-dessus. Le CHU de référence s'engage à "
        "désigner un interlocuteur pour chacune des quatre missions et à rendre compte des "
        "actions engagées.",
    )

    heading(doc, "Article 4 – Gouvernance et suivi")
    para(
        doc,
        "Un comité de suivi réunissant les directeurs et les présidents de commission médicale "
        "des parties se réunit au moins une fois par an. Il établit un bilan annuel transmis "
        "au directeur général de l'{{ agency.name }}.",
    )
    data_protection(doc, 5)

    heading(doc, "Article 6 – Durée")
    para(
        doc,
        "La présente convention prend effet à sa signature pour la durée du projet médical "
        "partagé du groupement, soit cinq ans. Elle est transmise au directeur général de "
        "l'{{ agency.name }} au plus tard le {{ document.due_date }}.",
    )
    amendments(doc, 7, "six mois, après information du directeur général de l'{{ agency.name }}")
    disputes(doc, 8)
    heading(doc, "Article 9 – Annexe")
    para(
        doc,
        "Est annexée à la présente convention, dont elle fait partie intégrante, la liste des "
        "établissements parties au {{ ght.name }} (annexe 1).",
        keep=True,
    )
    signatures(doc)
    members_annex(doc, 1)
    footer(doc, "GHT {{ ght.code }} – Convention d'association CHU")
    return doc


# --- HAD association convention --------------------------------------------------------------


def convention_had() -> DocxDocument:
    doc = new_document(
        {
            "title": "Convention d'association entre un GHT et des établissements "
            "d'hospitalisation à domicile",
            "subject": "Modèle de convention d'association HAD – GHT (article L. 6132-1 du code "
            "de la santé publique)",
        }
    )
    title(
        doc,
        [
            "CONVENTION D'ASSOCIATION",
            "entre le {{ ght.name }} ({{ ght.code }}) et "
            "{% if hads|length > 1 %}les établissements d'hospitalisation à domicile"
            "{% else %}l'établissement d'hospitalisation à domicile{% endif %} de son territoire",
            "à l'élaboration du projet médical partagé "
            "(article L. 6132-1 du code de la santé publique)",
        ],
    )
    parties(
        doc,
        [
            "{{ had.name }}, établissement d'hospitalisation à domicile, n° FINESS "
            "{{ had.finess }}, dont le siège est à {{ had.commune }}, représenté par "
            "{{ had.representative }},"
        ],
        "for had in hads",
        "ci-après dénommé « {{ had.name }} »,",
    )
    visas(
        doc,
        ["Vu la convention constitutive du {{ ght.name }} et son projet médical partagé ;"],
        [
            "Considérant que les établissements assurant une activité d'hospitalisation à "
            "domicile sont associés à l'élaboration du projet médical partagé des groupements "
            "hospitaliers de territoire situés dans leur zone d'intervention ;",
            "Considérant qu'une même convention peut associer plusieurs établissements "
            "d'hospitalisation à domicile lorsqu'ils partagent le même objet, et qu'elle précise "
            "alors la zone géographique d'intervention de chacun ;",
        ],
    )
    heading(doc, "Article 1 – Objet")
    para(
        doc,
        "La présente convention organise l'association de "
        "{% if hads|length > 1 %}chacun des {{ counts.parties }} établissements "
        "d'hospitalisation à domicile{% else %}l'établissement d'hospitalisation à domicile"
        "{% endif %} à l'élaboration et à la mise en œuvre du projet médical partagé du "
        "{{ ght.name }}.",
    )
    members_list(doc)
    heading(doc, "Article 2 – Zones géographiques d'intervention")
    para(doc, "Chaque établissement intervient dans la zone indiquée ci-dessous :", keep=True)
    loop_table(
        doc,
        ["Établissement d'HAD", "N° FINESS", "Représentant légal", "Zone d'intervention"],
        "for had in hads",
        ["{{ had.name }}", "{{ had.finess }}", "{{ had.representative }}", "{{ had.area_names }}"],
        widths=[Cm(4.6), Cm(2.6), Cm(4.4), TEXT_WIDTH - Cm(11.6)],
    )
    heading(doc, "Article 3 – Engagements des parties")
    para(
        doc,
        "Les établissements d'hospitalisation à domicile participent aux filières du projet "
        "médical partagé, facilitent les sorties d'hospitalisation et l'accès à "
        "l'hospitalisation à domicile des patients du territoire. L'établissement support les "
        "associe aux travaux du comité stratégique qui les concernent.",
    )
    heading(doc, "Article 4 – Suivi")
    para(
        doc,
        "Un bilan annuel de l'association est établi conjointement et transmis au directeur "
        "général de l'{{ agency.name }}.",
    )
    data_protection(doc, 5)
    heading(doc, "Article 6 – Durée")
    para(
        doc,
        "La présente convention prend effet à sa signature pour la durée du projet médical "
        "partagé. Elle est transmise au directeur général de l'{{ agency.name }} au plus tard "
        "le {{ document.due_date }}.",
    )
    amendments(doc, 7, "six mois")
    disputes(doc, 8)
    signatures(doc)
    footer(doc, "GHT {{ ght.code }} – Convention d'association HAD")
    return doc


# --- Partnership convention (for information) ------------------------------------------------


def convention_partenariat() -> DocxDocument:
    doc = new_document(
        {
            "title": "Convention de partenariat entre un GHT et des établissements de santé privés",
            "subject": "Modèle de convention de partenariat (articles L. 6132-1 et L. 6134-1 du "
            "code de la santé publique), établie sur la trame nationale",
        }
    )
    title(
        doc,
        [
            "CONVENTION DE PARTENARIAT",
            "entre le {{ ght.name }} ({{ ght.code }}) et "
            "{% if partners|length > 1 %}des établissements de santé privés"
            "{% else %}un établissement de santé privé{% endif %}",
            "établie sur la trame nationale de convention de partenariat "
            "(articles L. 6132-1 et L. 6134-1 du code de la santé publique)",
        ],
    )
    para(
        doc,
        "Convention transmise au directeur général de l'{{ agency.name }} pour information.",
        center=True,
    )
    parties(
        doc,
        [
            "{{ partner.name }}, établissement de santé privé, n° FINESS {{ partner.finess }}, "
            "dont le siège est à {{ partner.commune }}, représenté par "
            "{{ partner.representative }},"
        ],
        "for partner in partners",
        "ci-après dénommé « {{ partner.name }} »,",
    )
    visas(
        doc,
        ["Vu la convention constitutive du {{ ght.name }} et son projet médical partagé ;"],
        [
            "Considérant que les établissements de santé privés peuvent être partenaires d'un "
            "groupement hospitalier de territoire, et que ce partenariat prend la forme d'une "
            "convention de coopération qui prévoit l'articulation de leur projet médical avec "
            "celui du groupement ;",
            "Considérant l'intérêt, pour les patients du territoire, de parcours de soins "
            "coordonnés entre les établissements parties au groupement et "
            "{% if partners|length > 1 %}les établissements privés signataires"
            "{% else %}l'établissement privé signataire{% endif %} ;",
        ],
    )
    heading(doc, "Article 1 – Objet")
    para(
        doc,
        "La présente convention organise la coopération entre les établissements parties au "
        "{{ ght.name }} et "
        "{% if partners|length > 1 %}les partenaires privés signataires{% else %}le partenaire "
        "privé signataire{% endif %} pour la mise en œuvre de filières de prise en charge du "
        "projet médical partagé, et l'articulation de leurs projets médicaux.",
    )
    members_list(doc)
    heading(doc, "Article 2 – Partenaires")
    para(doc, "La présente convention est conclue avec :", keep=True)
    loop_table(
        doc,
        ["Partenaire", "N° FINESS", "Commune", "Représentant légal"],
        "for partner in partners",
        [
            "{{ partner.name }}",
            "{{ partner.finess }}",
            "{{ partner.commune }}",
            "{{ partner.representative }}",
        ],
        widths=[Cm(4.8), Cm(2.6), Cm(3), TEXT_WIDTH - Cm(10.4)],
    )
    heading(doc, "Article 3 – Engagements des parties")
    para(
        doc,
        "Les parties s'engagent à partager les informations utiles à la coordination des "
        "parcours, à organiser l'adressage réciproque des patients, à se concerter sur l'offre "
        "de soins du territoire et sur la permanence des soins, et à s'informer mutuellement "
        "de tout projet modifiant leur activité dans les filières concernées.",
    )
    heading(doc, "Article 4 – Suivi")
    para(
        doc,
        "Les parties se réunissent au moins une fois par an pour établir le bilan du "
        "partenariat, transmis au directeur général de l'{{ agency.name }}.",
    )
    data_protection(doc, 5)
    heading(doc, "Article 6 – Durée")
    para(
        doc,
        "La présente convention est conclue pour cinq ans à compter de sa signature. Elle peut "
        "être renouvelée par avenant exprès.",
    )
    amendments(doc, 7, "trois mois")
    disputes(doc, 8)
    signatures(doc)
    footer(doc, "GHT {{ ght.code }} – Convention de partenariat")
    return doc


# --- letters ---------------------------------------------------------------------------------


def letterhead(doc: DocxDocument) -> None:
    """The agency's block (logo, name, direction, address, phone, e-mail), top left."""
    tag(doc, "{%p if agency.logo is defined %}")
    para(doc, "{{ agency.logo }}", indent=Cm(0))
    tag(doc, "{%p endif %}")
    para(doc, "{{ agency.name }}", bold=True, indent=Cm(0), space_after=0)
    for line, loop in (
        ("{{ agency.direction }}", "agency.direction"),
        ("{{ line }}", "agency.address_lines"),
        ("Tél. : {{ agency.phone }}", "agency.phone"),
        ("{{ agency.email }}", "agency.email"),
    ):
        tag(doc, "{%p if " + loop + " is defined %}")  # a region may have no identity set
        if loop == "agency.address_lines":
            tag(doc, "{%p for line in agency.address_lines %}")
        small = para(doc, line, indent=Cm(0), space_after=0)
        small.runs[0].font.size = Pt(9)
        if loop == "agency.address_lines":
            tag(doc, "{%p endfor %}")
        tag(doc, "{%p endif %}")
    para(doc, "", indent=Cm(0), space_after=6)


def recipient_block(doc: DocxDocument, lines: Sequence[str]) -> None:
    """The addressee at the envelope window's place (the person's line only when the
    establishment's representative is recorded), then the place and date."""
    tag(doc, "{%p if recipient.line is defined %}")
    para(doc, "{{ recipient.line }}", indent=RECIPIENT_INDENT, space_after=0)
    tag(doc, "{%p endif %}")
    for line in lines:
        para(doc, line, indent=RECIPIENT_INDENT, space_after=0)
    para(
        doc,
        "{% if agency.city is defined %}{{ agency.city }}, le{% else %}Le{% endif %} "
        "{{ letter.date }}",
        indent=RECIPIENT_INDENT,
        space_after=18,
    ).paragraph_format.space_before = Pt(18)


def reference_line(doc: DocxDocument) -> None:
    """ "Réf. : ARS-OCC/DOSA/2017-0042", the letter's number in the agency's register."""
    tag(doc, "{%p if letter.reference is defined %}")
    _add(para(doc, "Réf. : ", indent=Cm(0), space_after=0), "{{ letter.reference }}")
    tag(doc, "{%p endif %}")


LETTER_FOOTER = (
    "{{ agency.name }}{% if letter.reference is defined %} – {{ letter.reference }}{% endif %}"
)


def lettre_mise_en_conformite() -> DocxDocument:
    doc = new_document(
        {
            "title": "Demande de mise en conformité",
            "subject": "Modèle de lettre de demande de mise en conformité (articles L. 6132-2 "
            "et R. 6132-6 du code de la santé publique)",
        }
    )
    letterhead(doc)
    recipient_block(
        doc,
        ["{{ recipient.establishment }}", "{{ support.postal_code }} {{ support.commune }}"],
    )
    reference_line(doc)
    paragraph = para(doc, "Affaire suivie par : ", indent=Cm(0), space_after=0)
    _add(paragraph, "{{ signatory.name }}")
    # the address on its own line: cut at the end of a line, it would break at its hyphen
    para(doc, "Courriel : {{ signatory.email }}", indent=Cm(0), space_after=0)
    objet = para(doc, "Objet : ", bold=True, indent=Cm(0), space_after=18)
    _add(
        objet,
        "demande de mise en conformité – {{ document.type_label }} du {{ ght.name }} "
        "({{ ght.code }})",
    )
    objet.paragraph_format.space_before = Pt(6)
    para(doc, "{{ recipient.salutation }}", space_after=12)
    para(
        doc,
        "{% if document.submitted_on is defined %}Vous m'avez transmis le "
        "{{ document.submitted_on }}{% else %}Vous m'avez transmis{% endif %} le document "
        "« {{ document.type_label }} » du {{ ght.name }}, au nom des établissements parties au "
        "groupement.",
    )
    para(
        doc,
        "Conformément aux {{ references.conformity_articles }}, issus de "
        "{{ references.conformity_sources }}, j'en ai examiné la conformité au projet régional "
        "de santé de la région {{ region.name }}. Cet examen appelle les modifications "
        "suivantes :",
        keep=True,
    )
    loop_table(
        doc,
        ["N°", "Motif de la demande"],
        "for motive in request.motives",
        ["{{ motive.number }}", "{{ motive.label }}"],
        widths=[Cm(1.2), TEXT_WIDTH - Cm(1.2)],
    )
    tag(doc, "{%p if request.note is defined %}")
    para(doc, "Observations :", bold=True, keep=True).paragraph_format.space_before = Pt(12)
    para(doc, "{{ request.note }}")
    tag(doc, "{%p endif %}")
    para(
        doc,
        "Je vous remercie de me transmettre le document modifié au plus tard le "
        "{{ request.respond_by }}. À défaut de mise en conformité dans ce délai, il y sera "
        "procédé dans les conditions prévues par le code de la santé publique.",
    ).paragraph_format.space_before = Pt(12)
    para(doc, "{{ recipient.closing }}", space_after=18)
    for line in (
        "Pour le directeur général de l'{{ agency.name }} et par délégation,",
        "{{ signatory.name }}",
    ):
        para(doc, line, indent=RECIPIENT_INDENT, keep=True, bold=line.startswith("{{"))
    footer(doc, LETTER_FOOTER)
    return doc


def decision() -> DocxDocument:
    """A call for applications' decision letter: the assessment grid and the decision."""
    doc = new_document(
        {
            "title": "Décision sur une candidature à l'appel à projets",
            "subject": "Modèle de lettre de décision d'un appel à projets",
        }
    )
    letterhead(doc)
    recipient_block(
        doc,
        ["{{ recipient.establishment }}"],
    )
    reference_line(doc)
    objet = para(doc, "Objet : ", bold=True, indent=Cm(0), space_after=18)
    _add(
        objet,
        "{{ campaign.name }} – décision sur la candidature n° {{ document.id }} "
        "({{ document.type_label }})",
    )
    objet.paragraph_format.space_before = Pt(6)
    para(doc, "{{ recipient.salutation }}", space_after=12)
    para(
        doc,
        "Vous avez déposé auprès de l'agence, pour {{ ght.article_name }}, une candidature au "
        "titre de la campagne « {{ campaign.name }} ». Après instruction du dossier au regard "
        "des critères de sélection de l'appel à projets, j'ai l'honneur de vous faire connaître "
        "ma décision.",
    )
    tag(doc, "{%p if document.state == 'selected' %}")
    para(doc, "Votre candidature est retenue.", bold=True)
    para(
        doc,
        "Chacun des critères de sélection est rempli. Les services de l'agence prendront "
        "contact avec vous pour préparer la mise en œuvre du projet et le suivi de ses cibles "
        "d'usage.",
    )
    tag(doc, "{%p else %}")
    para(doc, "Votre candidature n'est pas retenue.", bold=True)
    para(doc, "Motifs de la décision : {{ event.note }}")
    tag(doc, "{%p endif %}")
    para(doc, "L'appréciation de chacun des critères de sélection figure ci-dessous.", keep=True)
    loop_table(
        doc,
        ["N°", "Critère de sélection", "Appréciation", "Observations"],
        "for c in assessment",
        ["{{ c.number }}", "{{ c.label }}", "{{ c.verdict }}", "{{ c.note }}"],
        widths=[Cm(1.2), Cm(6), Cm(2.8), TEXT_WIDTH - Cm(10)],
    )
    para(
        doc,
        "La présente décision peut faire l'objet d'un recours gracieux auprès du directeur "
        "général de l'agence, ou d'un recours contentieux devant le tribunal administratif "
        "compétent, dans un délai de deux mois à compter de sa notification.",
    ).paragraph_format.space_before = Pt(12)
    para(doc, "{{ recipient.closing }}", space_after=18)
    para(doc, "Le directeur général de l'{{ agency.name }},", indent=RECIPIENT_INDENT)
    footer(doc, LETTER_FOOTER)
    return doc


# model file -> builder; each is written into the built-in procedure folder that holds it
BUILDERS: dict[str, Callable[[], DocxDocument]] = {
    "convention_chu.docx": convention_chu,
    "convention_had.docx": convention_had,
    "convention_partenariat.docx": convention_partenariat,
    "lettre_mise_en_conformite.docx": lettre_mise_en_conformite,
    "decision.docx": decision,
}
# parts whose language python-docx's template sets to English
_LANGUAGE_PARTS = ("word/styles.xml", "word/stylesWithEffects.xml", "word/settings.xml")


def fixed_time_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 (the bytes depend on the content only),
    and French where python-docx's template says English."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in _LANGUAGE_PARTS:
                content = content.replace(b'w:val="en-US"', f'w:val="{LANGUAGE}"'.encode())
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def committed_model(name: str) -> Path:
    """The built-in model file of that name, in the procedure folder whose `models/` holds it."""
    for folder in builtin_folders():
        path = folder / "models" / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"no built-in procedure folder holds the model {name}")


def build(target: Path | None = None) -> list[Path]:
    """Write every model, into its procedure's folder or, when given, all into `target`."""
    written = []
    for name, builder in BUILDERS.items():
        buffer = io.BytesIO()
        builder().save(buffer)
        path = (target / name) if target is not None else committed_model(name)
        path.write_bytes(fixed_time_zip(buffer.getvalue()))
        written.append(path)
    return written


def committed(path: Path) -> Path:
    """The committed model a `build(target)` output stands for."""
    return committed_model(path.name)


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(path)
