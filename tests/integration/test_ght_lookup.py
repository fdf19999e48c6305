"""One lookup of a GHT by its code (`services.registry.ghts.ght_by_code`): the same spelling
forgiven and the same refusal from every command that names a GHT."""

from __future__ import annotations

import pytest

from services.accounts.credentials import add_user
from services.deadlines.calendar import ght_deadlines
from services.errors import NotFound
from services.registry.compliance import compliance_report
from services.registry.ghts import ght_by_code, set_area, show_ght
from services.registry.members import add_member


def test_a_code_is_found_in_any_case_with_surrounding_spaces(occitanie):
    with occitanie.db.reading() as session:
        assert ght_by_code(session, " occ-02 ").code == "OCC-02"
    assert ght_deadlines(occitanie, " occ-02 ")[0].code == "OCC-02"
    # the registry's lookup (ghts show, the compliance report) upper-cased without stripping
    assert show_ght(occitanie, " occ-02 ")["code"] == "OCC-02"
    assert [g["code"] for g in compliance_report(occitanie, ght=" occ-02 ")["ghts"]] == ["OCC-02"]


@pytest.mark.parametrize(
    "call",
    [
        lambda ws: ght_deadlines(ws, " occ-99 "),
        lambda ws: show_ght(ws, " occ-99 "),
        lambda ws: compliance_report(ws, ght=" occ-99 "),
        lambda ws: set_area(ws, " occ-99 ", "31"),
        lambda ws: add_member(ws, " occ-99 ", "310781406", "associe"),
        lambda ws: add_user(ws, "x@example.org", "ght", ght_code=" occ-99 ", password="p" * 12),
    ],
)
def test_an_unknown_code_is_refused_alike_everywhere(occitanie, call):
    with pytest.raises(NotFound) as refused:
        call(occitanie)
    assert str(refused.value) == "unknown GHT 'OCC-99'"


def test_the_ght_page_refuses_an_unknown_and_an_invisible_ght_alike(occitanie):
    from datetime import date

    from services.views.dashboard import ght_page

    agency, _ = add_user(occitanie, "agent@ars.example.org", "agency", password="p" * 12)
    lot, _ = add_user(
        occitanie, "gh@occ-02.example.org", "ght", ght_code="OCC-02", password="p" * 12
    )
    day = date(2017, 10, 13)
    assert ght_page(occitanie, agency, " occ-02 ", day).code == "OCC-02"
    for account, code in ((agency, " occ-99 "), (lot, "occ-03")):
        with pytest.raises(NotFound) as refused:
            ght_page(occitanie, account, code, day)
        assert str(refused.value) == f"unknown GHT {code.strip().upper()!r}"
