"""Bilan downloads on both databases: the CSV and the XLSX say what `report bilan` says."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook  # type: ignore[import-untyped]

from services.lifecycle.fire import fire
from services.views.exports import DOCUMENT_HEADERS, bilan_csv, bilan_xlsx
from services.views.reports import bilan
from tests.integration.helpers import director, document_id

OCTOBER_13 = date(2017, 10, 13)


def _csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # French Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_has_one_french_row_per_document_of_the_bilan(occitanie):
    header, *rows = _csv_rows(bilan_csv(occitanie, OCTOBER_13))
    assert header == list(DOCUMENT_HEADERS)
    expected = bilan(occitanie, OCTOBER_13)
    assert len(rows) == sum(len(g.documents) for g in expected.ghts) > 0
    lot_pmsp = next(r for r in rows if r[1] == "OCC-02" and r[4] == "pmsp")
    assert lot_pmsp == [
        "2017-10-13",
        "OCC-02",
        "GHT Lot",
        str(document_id(occitanie, "OCC-02", "pmsp")),
        "pmsp",
        "Projet médical et de soins partagé (PMSP)",
        "draft",
        "En préparation",
    ]
    approved = [r for r in rows if r[4] == "pmsp" and r[7] == "Approuvé"]
    assert len(approved) == expected.counts["pmsp"]["approved"] == 3


def test_csv_follows_the_date_of_the_bilan(occitanie):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    fire(occitanie, doc, "adopt_interim", director("OCC-02"), as_of=date(2017, 10, 20))

    def state_on(day: date) -> str:
        _, *rows = _csv_rows(bilan_csv(occitanie, day))
        return next(r[7] for r in rows if r[3] == str(doc))

    assert state_on(OCTOBER_13) == "En préparation"
    assert state_on(date(2017, 10, 20)) == "Avenant intermédiaire arrêté"


def test_xlsx_has_a_sheet_per_table_with_the_bilans_numbers(occitanie):
    expected = bilan(occitanie, OCTOBER_13)
    book = load_workbook(io.BytesIO(bilan_xlsx(occitanie, OCTOBER_13)))
    assert book.sheetnames == ["Synthèse", "Par GHT", "Documents"]

    summary = book["Synthèse"]
    assert summary["A1"].value == "Bilan régional au 13/10/2017"
    lines = [[c.value for c in row] for row in summary.iter_rows(min_row=4)]
    counted = {(t, s): n for _, t, label, s, n in lines if label != "Total"}
    assert counted == {
        (t, s): n for t, states in expected.counts.items() for s, n in states.items()
    }
    totals = {t: n for _, t, label, _, n in lines if label == "Total"}
    assert totals == {t: sum(states.values()) for t, states in expected.counts.items()}
    pmsp_labels = {label for label_type, t, label, _, _ in lines if t == "pmsp"}
    assert {"Approuvé", "Mise en conformité demandée", "Total"} <= pmsp_labels

    by_ght = [[c.value for c in row] for row in book["Par GHT"].iter_rows(min_row=3)]
    header, *ghts = by_ght
    assert header[:3] == ["Code GHT", "GHT", "Projet médical et de soins partagé (PMSP)"]
    assert [g[0] for g in ghts] == [g.code for g in expected.ghts]
    lot = next(g for g in ghts if g[0] == "OCC-02")
    assert lot[1] == "GHT Lot" and lot[2] == "En préparation"

    documents = [[c.value for c in row] for row in book["Documents"].iter_rows()]
    assert documents[0] == list(DOCUMENT_HEADERS)
    _, *csv_rows = _csv_rows(bilan_csv(occitanie, OCTOBER_13))
    assert [[str(v) for v in row] for row in documents[1:]] == csv_rows
