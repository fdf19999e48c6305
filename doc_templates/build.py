"""Write the four Word models of the built-in procedure with python-docx, into its `models/`
folder (`procedures/ght-2017/models/`): `python -m doc_templates.build [FOLDER]`.

The `.docx` files are committed, and this script is how they are made, so that a change to a
clause is a reviewable diff here and the files can be rebuilt identically. Every `{{ }}` and
`{% %}` tag is written inside a single run (Word splits a tag typed in pieces across runs, and
docxtpl then no longer sees it); `{%p %}` and `{%tr %}` tags sit alone in their paragraph or
table row, which docxtpl removes when it renders. The zip entries get a fixed timestamp so a
rebuild gives the same bytes.

Texts are written for this project, after the structure of the national models (2017).
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from procedures import BUILTIN_DIR

# the models/ folder of the built-in GHT procedure
MODELS_DIR = BUILTIN_DIR / "ght-2017" / "models"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# --- small writing helpers -------------------------------------------------------------------


def _preserve(paragraph: Paragraph) -> None:
    """Keep spaces around values: every run gets xml:space="preserve"."""
    for run in paragraph.runs:
        for t in run._r.findall(qn("w:t")):
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def para(doc: DocxDocument, text: str, *, bold: bool = False, center: bool = False) -> Paragraph:
    """One paragraph, one run: a tag in `text` is never split."""
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _preserve(paragraph)
    return paragraph


def tag(doc: DocxDocument, text: str) -> None:
    """A paragraph holding only a `{%p … %}` tag (removed by docxtpl when rendering)."""
    para(doc, text)


def bullet(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph(style="List Bullet")
    paragraph.add_run(text)
    _preserve(paragraph)


def heading(doc: DocxDocument, text: str, level: int = 1) -> None:
    doc.add_heading(text, level=level)


def title(doc: DocxDocument, lines: Sequence[str]) -> None:
    first, *rest = lines
    para(doc, first, bold=True, center=True).runs[0].font.size = Pt(16)
    for line in rest:
        para(doc, line, center=True)


def cell_text(table: Table, row: int, col: int, text: str, *, bold: bool = False) -> None:
    paragraph = table.cell(row, col).paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    _preserve(paragraph)


def loop_table(doc: DocxDocument, headers: Sequence[str], loop: str, cells: Sequence[str]) -> Table:
    """A header row, then one row per item: `{%tr for … %}`, the row, `{%tr endfor %}`."""
    table: Table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for col, header in enumerate(headers):
        cell_text(table, 0, col, header, bold=True)
    cell_text(table, 1, 0, "{%tr " + loop + " %}")
    for col, text in enumerate(cells):
        cell_text(table, 2, col, text)
    cell_text(table, 3, 0, "{%tr endfor %}")
    return table


def signature_table(doc: DocxDocument, left: Sequence[str], right: Sequence[str]) -> None:
    table = doc.add_table(rows=len(left), cols=2)
    for row, (a, b) in enumerate(zip(left, right, strict=True)):
        cell_text(table, row, 0, a, bold=row == 0)
        cell_text(table, row, 1, b, bold=row == 0)


def footer(doc: DocxDocument, text: str) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.add_run(text).font.size = Pt(8)


def new_document() -> DocxDocument:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(11)
    return doc


# --- shared clauses --------------------------------------------------------------------------

SUPPORT_PARTY = (
    "Le {{ support.name }}, établissement support du {{ ght.name }} ({{ ght.code }}), "
    "n° FINESS {{ support.finess }}, dont le siège est à {{ support.commune }}, "
    "représenté par {{ support.representative }}, agissant pour le compte des établissements "
    "parties au groupement,"
)


def members_list(doc: DocxDocument) -> None:
    para(doc, "Les établissements parties au {{ ght.name }} sont :")
    tag(doc, "{%p for member in members %}")
    bullet(doc, "{{ member.name }} (FINESS {{ member.finess }}, {{ member.commune }})")
    tag(doc, "{%p endfor %}")


def data_protection(doc: DocxDocument, number: int) -> None:
    heading(doc, f"Article {number} – Protection des données à caractère personnel")
    para(
        doc,
        "Les parties s'engagent à traiter les données à caractère personnel échangées pour "
        "l'exécution de la présente convention dans le respect de la loi n° 78-17 du 6 janvier "
        "1978 relative à l'informatique, aux fichiers et aux libertés et du règlement (UE) "
        "2016/679 du 27 avril 2016. Les données de santé ne sont partagées qu'entre "
        "professionnels participant à la prise en charge, dans les conditions de l'article "
        "L. 1110-4 du code de la santé publique. Chaque partie désigne un interlocuteur chargé "
        "de la protection des données et informe l'autre sans délai de toute violation.",
    )


def disputes(doc: DocxDocument, number: int) -> None:
    heading(doc, f"Article {number} – Règlement des litiges")
    para(
        doc,
        "Les parties s'efforcent de régler à l'amiable tout différend relatif à l'interprétation "
        "ou à l'exécution de la présente convention, le cas échéant avec la médiation du "
        "directeur général de l'{{ agency.name }}. À défaut d'accord dans un délai de deux "
        "mois, le litige est porté devant le tribunal administratif territorialement compétent.",
    )


# --- CHU / GHT association convention -------------------------------------------------------


def convention_chu() -> DocxDocument:
    doc = new_document()
    title(
        doc,
        [
            "CONVENTION D'ASSOCIATION",
            "entre le centre hospitalier universitaire de référence "
            "et le {{ ght.name }} ({{ ght.code }})",
            "Article L. 6132-3 du code de la santé publique",
        ],
    )
    para(doc, "Entre les soussignés :", bold=True)
    para(doc, SUPPORT_PARTY)
    para(doc, "ci-après dénommé « l'établissement support », d'une part,")
    para(doc, "Et")
    para(
        doc,
        "Le {{ chu.name }}, centre hospitalier universitaire, n° FINESS {{ chu.finess }}, dont "
        "le siège est à {{ chu.commune }}, représenté par {{ chu.representative }},",
    )
    para(doc, "ci-après dénommé « le CHU de référence », d'autre part.")

    heading(doc, "Visas")
    for line in (
        "Vu le code de la santé publique, notamment ses articles L. 6132-1 à L. 6132-7 et "
        "R. 6132-1 à R. 6132-25 ;",
        "Vu la convention constitutive du {{ ght.name }} ;",
        "Vu le projet régional de santé de la région {{ region.name }} ;",
        "Vu l'avis du comité stratégique du groupement ;",
    ):
        para(doc, line)
    para(doc, "Il est convenu ce qui suit.", bold=True)

    heading(doc, "Préambule")
    para(
        doc,
        "Le {{ ght.name }} a été constitué le 1er juillet 2016. Chaque groupement hospitalier "
        "de territoire est associé à un centre hospitalier universitaire au titre des "
        "activités hospitalo-universitaires. Le {{ chu.name }} est le CHU de référence du "
        "groupement.",
    )
    members_list(doc)

    heading(doc, "Article 1 – Objet")
    para(
        doc,
        "La présente convention définit les modalités selon lesquelles le {{ chu.name }} "
        "coordonne, au bénéfice des établissements parties au {{ ght.name }}, les missions "
        "hospitalo-universitaires mentionnées à l'article L. 6132-3 du code de la santé "
        "publique, et sa participation à l'élaboration du projet médical partagé.",
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
    heading(doc, "Article 7 – Avenants et résiliation")
    para(
        doc,
        "Toute modification fait l'objet d'un avenant signé par les parties. La convention "
        "peut être résiliée par l'une des parties par lettre recommandée avec un préavis de "
        "six mois, après information du directeur général de l'{{ agency.name }}.",
    )
    disputes(doc, 8)
    heading(doc, "Article 9 – Annexes")
    for line in (
        "Annexe 1 : liste des établissements parties au groupement ;",
        "Annexe 2 : filières de recours et de référence ;",
        "Annexe 3 : composition du comité de suivi.",
    ):
        bullet(doc, line)

    para(
        doc,
        "Fait à {{ support.commune }}, le {{ date }}, en deux exemplaires originaux.",
    )
    signature_table(
        doc,
        ["Pour le {{ support.name }}, établissement support", "{{ support.representative }}"],
        ["Pour le {{ chu.name }}", "{{ chu.representative }}"],
    )
    footer(doc, "Convention d'association CHU / GHT – {{ ght.code }} – {{ campaign.name }}")
    return doc


# --- HAD association convention --------------------------------------------------------------


def convention_had() -> DocxDocument:
    doc = new_document()
    title(
        doc,
        [
            "CONVENTION D'ASSOCIATION",
            "entre le {{ ght.name }} ({{ ght.code }}) et "
            "{% if hads|length > 1 %}les établissements d'hospitalisation à domicile"
            "{% else %}l'établissement d'hospitalisation à domicile{% endif %}",
            "Article L. 6132-1 du code de la santé publique",
        ],
    )
    para(doc, "Entre les soussignés :", bold=True)
    para(doc, SUPPORT_PARTY)
    para(doc, "d'une part,")
    para(doc, "Et")
    tag(doc, "{%p for had in hads %}")
    para(
        doc,
        "{{ had.name }}, établissement d'hospitalisation à domicile, n° FINESS {{ had.finess }}, "
        "dont le siège est à {{ had.commune }}, représenté par {{ had.representative }},",
    )
    tag(doc, "{%p endfor %}")
    para(doc, "d'autre part.")

    heading(doc, "Visas")
    para(doc, "Vu le code de la santé publique, notamment ses articles L. 6132-1 et R. 6132-1 ;")
    para(doc, "Vu la convention constitutive du {{ ght.name }} ;")

    heading(doc, "Préambule")
    para(
        doc,
        "Les établissements d'hospitalisation à domicile privés sont associés à l'élaboration "
        "du projet médical partagé des groupements hospitaliers de territoire dans leur zone "
        "d'intervention. Une même convention peut associer plusieurs établissements "
        "d'hospitalisation à domicile lorsqu'ils partagent le même objet et les mêmes objectifs ; "
        "elle précise alors la zone géographique d'intervention de chacun.",
    )
    members_list(doc)

    heading(doc, "Article 1 – Objet")
    para(
        doc,
        "La présente convention organise l'association de "
        "{% if hads|length > 1 %}chacun des {{ hads|length }} établissements "
        "d'hospitalisation à domicile{% else %}l'établissement d'hospitalisation à domicile"
        "{% endif %} à l'élaboration et à la mise en œuvre du projet médical partagé du "
        "{{ ght.name }}.",
    )
    heading(doc, "Article 2 – Zones géographiques d'intervention")
    para(doc, "Chaque établissement intervient dans la zone indiquée ci-dessous :")
    loop_table(
        doc,
        ["Établissement d'HAD", "FINESS", "Représentant légal", "Zone d'intervention"],
        "for had in hads",
        ["{{ had.name }}", "{{ had.finess }}", "{{ had.representative }}", "{{ had.area }}"],
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
    heading(doc, "Article 6 – Durée, avenants et résiliation")
    para(
        doc,
        "La présente convention est conclue pour la durée du projet médical partagé. Elle est "
        "transmise au directeur général de l'{{ agency.name }} au plus tard le "
        "{{ document.due_date }}. Toute modification fait l'objet d'un avenant ; chaque partie "
        "peut la résilier avec un préavis de six mois.",
    )
    disputes(doc, 7)

    para(doc, "Fait à {{ support.commune }}, le {{ date }}.")
    para(doc, "Pour le {{ support.name }}, établissement support : {{ support.representative }}")
    tag(doc, "{%p for had in hads %}")
    para(doc, "Pour {{ had.name }} : {{ had.representative }}")
    tag(doc, "{%p endfor %}")
    footer(doc, "Convention d'association HAD – {{ ght.code }} – {{ campaign.name }}")
    return doc


# --- Partnership convention (for information) ------------------------------------------------


def convention_partenariat() -> DocxDocument:
    doc = new_document()
    title(
        doc,
        [
            "CONVENTION DE PARTENARIAT",
            "entre le {{ ght.name }} ({{ ght.code }}) et "
            "{% if partners|length > 1 %}des établissements de santé privés"
            "{% else %}un établissement de santé privé{% endif %}",
            "Modèle national – article L. 6132-1 du code de la santé publique",
        ],
    )
    para(
        doc,
        "Document transmis au directeur général de l'{{ agency.name }} pour information.",
        bold=True,
        center=True,
    )
    para(doc, "Entre les soussignés :", bold=True)
    para(doc, SUPPORT_PARTY)
    para(doc, "d'une part,")
    para(doc, "Et")
    tag(doc, "{%p for partner in partners %}")
    para(
        doc,
        "{{ partner.name }}, établissement de santé privé, n° FINESS {{ partner.finess }}, dont "
        "le siège est à {{ partner.commune }}, représenté par {{ partner.representative }},",
    )
    tag(doc, "{%p endfor %}")
    para(doc, "d'autre part.")

    heading(doc, "Article 1 – Objet")
    para(
        doc,
        "La présente convention organise la coopération entre les établissements parties au "
        "{{ ght.name }} et "
        "{% if partners|length > 1 %}les partenaires privés signataires{% else %}le partenaire "
        "privé signataire{% endif %} pour la mise en œuvre de filières de prise en charge du "
        "projet médical partagé.",
    )
    members_list(doc)
    heading(doc, "Article 2 – Engagements des parties")
    para(
        doc,
        "Les parties s'engagent à partager les informations utiles à la coordination des "
        "parcours, à organiser l'adressage réciproque des patients et à se concerter sur "
        "l'offre de soins du territoire.",
    )
    loop_table(
        doc,
        ["Partenaire", "FINESS", "Commune"],
        "for partner in partners",
        ["{{ partner.name }}", "{{ partner.finess }}", "{{ partner.commune }}"],
    )
    heading(doc, "Article 3 – Suivi")
    para(
        doc,
        "Les parties se réunissent au moins une fois par an pour faire le bilan du partenariat.",
    )
    heading(doc, "Article 4 – Durée")
    para(
        doc,
        "La présente convention est conclue pour cinq ans à compter de sa signature. Elle peut "
        "être dénoncée par chaque partie avec un préavis de trois mois.",
    )
    para(doc, "Fait à {{ support.commune }}, le {{ date }}.")
    para(doc, "Pour le {{ support.name }}, établissement support : {{ support.representative }}")
    tag(doc, "{%p for partner in partners %}")
    para(doc, "Pour {{ partner.name }} : {{ partner.representative }}")
    tag(doc, "{%p endfor %}")
    footer(doc, "Convention de partenariat – {{ ght.code }} – pour information")
    return doc


# --- Conformity request letter ---------------------------------------------------------------


def lettre_mise_en_conformite() -> DocxDocument:
    doc = new_document()
    para(doc, "{{ agency.name }}", bold=True)
    para(doc, "Affaire suivie par : {{ signatory.name }} – {{ signatory.email }}")
    para(doc, "{{ support.name }}")
    para(doc, "À l'attention de {{ support.representative }}")
    para(doc, "{{ support.postal_code }} {{ support.commune }}")
    para(doc, "Le {{ request.requested_on }}")
    para(
        doc,
        "Objet : demande de mise en conformité – {{ document.type_label }} du {{ ght.name }} "
        "({{ ght.code }})",
        bold=True,
    )
    para(doc, "Madame, Monsieur le directeur,")
    para(
        doc,
        "Vous avez transmis à l'agence la version {{ document.version }} du document "
        "« {{ document.type_label }} » du {{ ght.name }}"
        "{% if document.submitted_on is defined %}, reçue le {{ document.submitted_on }}"
        "{% endif %}.",
    )
    para(
        doc,
        "Après examen, sa conformité au projet régional de santé appelle les modifications "
        "suivantes (articles L. 6132-2 et R. 6132-6 du code de la santé publique) :",
    )
    loop_table(
        doc,
        ["N°", "Motif de la demande"],
        "for motive in request.motives",
        ["{{ motive.number }}", "{{ motive.label }}"],
    )
    tag(doc, "{%p if request.note is defined %}")
    para(doc, "Observations de l'agence :", bold=True)
    para(doc, "{{ request.note }}")
    tag(doc, "{%p endif %}")
    para(
        doc,
        "Je vous remercie de transmettre la version modifiée du document au plus tard le "
        "{{ request.respond_by }}.",
    )
    para(
        doc,
        "Je vous prie d'agréer, Madame, Monsieur le directeur, l'expression de ma considération "
        "distinguée.",
    )
    para(doc, "Pour le directeur général de l'{{ agency.name }} et par délégation,")
    para(doc, "{{ signatory.name }}", bold=True)
    footer(doc, "{{ agency.name }} – {{ region.name }}")
    return doc


BUILDERS = {
    "convention_chu.docx": convention_chu,
    "convention_had.docx": convention_had,
    "convention_partenariat.docx": convention_partenariat,
    "lettre_mise_en_conformite.docx": lettre_mise_en_conformite,
}


def fixed_time_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01: the bytes depend on the content only."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def build(target: Path = MODELS_DIR) -> list[Path]:
    written = []
    for name, builder in BUILDERS.items():
        doc = builder()
        props = doc.core_properties
        props.author = "ghtflow"
        props.last_modified_by = "ghtflow"
        props.revision = 1
        buffer = io.BytesIO()
        doc.save(buffer)
        path = target / name
        path.write_bytes(fixed_time_zip(buffer.getvalue()))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else MODELS_DIR):
        print(path)
