"""`list_documents` on both databases: filters, the JSON shape, refusals of unknown names."""

from __future__ import annotations

import pytest

from services.errors import InvalidInput
from services.views.documents import list_documents
from states.errors import UnknownDocumentType


def test_filters_and_shape(occitanie):
    everything = list_documents(occitanie)
    assert len(everything) == 39
    lot = list_documents(occitanie, ght="occ-02")
    assert [d["type"] for d in lot] == ["pmsp", "chu_convention", "eprd_budget_g"]
    pmsp = lot[0]
    assert pmsp["due_date"] == "2017-07-01"  # ISO text on SQLite and PostgreSQL alike
    assert pmsp["submitted_on"] is None
    assert (pmsp["state"], pmsp["state_label"], pmsp["version"]) == ("draft", "En préparation", 0)
    approved = list_documents(occitanie, doc_type="pmsp", state="approved")
    assert sorted(d["ght"] for d in approved) == ["OCC-01", "OCC-08", "OCC-12"]
    assert all(d["submitted_on"] and len(d["submitted_on"]) == 10 for d in approved)


def test_unknown_type_or_state_is_refused(occitanie):
    with pytest.raises(UnknownDocumentType, match="known types: pmsp"):
        list_documents(occitanie, doc_type="bogus")
    with pytest.raises(InvalidInput, match="unknown state 'bogus'"):
        list_documents(occitanie, state="bogus")
    with pytest.raises(InvalidInput, match="unknown state 'signed'"):
        list_documents(occitanie, doc_type="pmsp", state="signed")
