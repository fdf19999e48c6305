"""Contexts the page tests fill the built-in models with: made-up facts of a GHT of five
members and, for a convention, three parties (a CHU convention has one), turned into a context
by the real `build_context`, so that the pages look like a real document's: a signature table
of four, a members annex of several rows, areas by department name, a letterhead.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from doc_templates.build import committed_model
from doc_templates.render import compiled_template
from services.generation.context import (
    CONVENTION_KINDS,
    AgencyFacts,
    DocumentFacts,
    EstablishmentFacts,
    EventFacts,
    RequestFacts,
    build_context,
)

SUPPORT = EstablishmentFacts(
    name="CH de Cahors",
    finess="460991177",
    category="C.H.",
    kind="CH",
    commune="Cahors",
    postal_code="46000",
    representative="M. Olivier Faure, directeur",
)
MEMBERS = (
    SUPPORT,
    EstablishmentFacts("CH de Figeac", "460780082", "C.H.", "CH", commune="Figeac"),
    EstablishmentFacts("CH de Gourdon", "460780116", "C.H.", "CH", commune="Gourdon"),
    EstablishmentFacts("CH de Saint-Céré", "460780207", "C.H.", "CH", commune="Saint-Céré"),
    EstablishmentFacts("EHPAD de Gramat", "460784829", "E.H.P.A.D.", "EHPAD", commune="Gramat"),
)


def _party(
    name: str, finess: str, kind: str, commune: str, who: str, area: str
) -> EstablishmentFacts:
    return EstablishmentFacts(
        name, finess, kind, kind, False, commune, "46000", representative=who, area=area
    )


PARTIES = {
    "chu_convention": (
        EstablishmentFacts(
            "CHU de Toulouse",
            "310781406",
            "C.H.R.",
            "CHU",
            commune="Toulouse",
            postal_code="31059",
            representative="M. Jean Martin, directeur général",
        ),
    ),
    "had_convention": (
        _party(
            "HAD Garonne Domicile",
            "310991344",
            "HAD",
            "Toulouse",
            "Mme Nathalie Laurent, directrice",
            "31,46",
        ),
        _party(
            "HAD Lot Quercy", "460007693", "HAD", "Cahors", "Mme Claire Dumas, directrice", "46"
        ),
        _party(
            "HAD Tarn et Garonne",
            "820004497",
            "HAD",
            "Montauban",
            "M. Paul Girard, directeur",
            "82,81",
        ),
    ),
    "partnership_convention": (
        _party(
            "Clinique du Quercy",
            "460991680",
            "clinic",
            "Cahors",
            "Mme Anne Lefèvre, directrice",
            "46",
        ),
        _party(
            "Clinique de Figeac", "460000189", "clinic", "Figeac", "M. Marc Roux, directeur", "46"
        ),
    ),
}
AGENCY = AgencyFacts(
    direction="Direction de l'offre de soins et de l'autonomie",
    address_lines=(
        "26-28 parc Club du Millénaire",
        "1025 rue Henri Becquerel",
        "34067 Montpellier Cedex 2",
    ),
    city="Montpellier",
    phone="04 67 07 20 07",
)


def page_facts(kind: str, *, signed: bool = True) -> DocumentFacts:
    """Facts of a document of `kind`; `signed=False`: a convention not signed yet."""
    doc_type = kind if kind in CONVENTION_KINDS else "pmsp"
    return DocumentFacts(
        id=18,
        doc_type=doc_type,
        type_label="Projet médical partagé" if doc_type == "pmsp" else "Convention",
        reference="OCC-02-2017-18",
        title="Convention",
        state="submitted",
        state_label="Transmis",
        version=1,
        due_date=date(2017, 12, 31),
        submitted_on=date(2017, 7, 24),
        last_event_on=date(2017, 11, 15),
        ght_code="OCC-02",
        ght_name="GHT Lot",
        region_code="OCC",
        region_name="Occitanie",
        agency_name="ARS Occitanie",
        direction_email="dosa@ars-occitanie.example.org",
        campaign_code="OCC-2017",
        campaign_name="Campagne GHT 2017",
        support=SUPPORT,
        members=MEMBERS,
        parties=PARTIES.get(kind, ()),
        assessment=(
            ("Polyvalence du dispositif", True, "Conforme."),
            ("Cibles d'usage chiffrées", False, "Les cibles de 2019 manquent."),
        ),
        request=RequestFacts(
            id=3,
            motives=(
                ("shared_care_project", "Projet de soins partagé insuffisant"),
                ("pathways", "Filières de prise en charge non décrites pour la psychiatrie"),
            ),
            note="Préciser les filières de recours vers le CHU de Toulouse.",
            requested_on=date(2017, 9, 20),
            respond_by=date(2017, 12, 1),
            requested_by="camille.durand@ars-occitanie.example.org",
            signatory_name="Camille Durand",
            letter_reference="ARS-OCC/DOSA/2017-0042",
        ),
        event=EventFacts(
            name="reject",
            label="Rejeter",
            actor="camille.durand@ars-occitanie.example.org",
            as_of=date(2018, 6, 5),
            note="Les cibles d'usage ne sont pas chiffrées.",
            letter_reference="ARS-OCC/DOSA/2018-0007",
        ),
        agency=AGENCY,
        signed_on=date(2017, 10, 3) if signed else None,
    )


def page_context(kind: str, *, signed: bool = True) -> dict[str, Any]:
    """The context of `kind` built from `page_facts` (the real builder)."""
    return build_context(kind, page_facts(kind, signed=signed))


# kind -> the built-in model it is filled into
MODEL_FILES = {
    "chu_convention": "convention_chu.docx",
    "had_convention": "convention_had.docx",
    "partnership_convention": "convention_partenariat.docx",
    "conformity_letter": "lettre_mise_en_conformite.docx",
    "notice_letter": "decision.docx",  # the call for applications' decision letter
}


def fill_models(out: Path, *, signed: bool = True) -> dict[str, Path]:
    """Each built-in model filled with its page context, written to `out` (kind -> file)."""
    files = {}
    for kind, name in MODEL_FILES.items():
        model = committed_model(name)
        path = out / (name if signed else f"unsigned-{name}")
        path.write_bytes(compiled_template(model).render(page_context(kind, signed=signed)))
        files[kind] = path
    return files


def to_png(pdf: Path, out: Path, *, first_page: bool = False) -> list[Path]:
    """The pages of `pdf` as PNG at 60 dpi (`pdftoppm`): `out`-1.png, `out`-2.png…"""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = ["pdftoppm", "-r", "60", "-png"]
    if first_page:
        command += ["-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*command, str(pdf), str(out)], check=True, capture_output=True)
    return sorted(out.parent.glob(f"{out.name}*.png"))


if __name__ == "__main__":  # the reference pages shown in the README (docs/documents/)
    import tempfile

    from services.adapters.pdf import convert_to_pdf

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/documents")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        filled = fill_models(Path(tmp))
        pdfs = convert_to_pdf(list(filled.values()), Path(tmp))
        for pdf in pdfs:
            pages = to_png(pdf, Path(tmp) / pdf.stem)
            for number, page in enumerate(pages, start=1):
                if number == 1 or number == len(pages) - (pdf.stem == "convention_chu"):
                    shutil.copy(page, target / f"{pdf.stem}-{number}.png")
                    print(target / f"{pdf.stem}-{number}.png")
