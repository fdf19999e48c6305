"""The access rule on plain values (states/access.py): who sees which GHT, who may act on a
document, who may fire which event, who sees the agency's pages."""

from __future__ import annotations

from datetime import datetime

import pytest

from states.access import (
    Actor,
    Place,
    Sight,
    agency_only,
    may_fire,
    may_see,
    refusal_of_side,
    refusal_to_act,
    sight_of,
)
from states.definition import Side, TransitionDef

LOT, TARN, ELSEWHERE = Place(ght_id=2, region_id=76), Place(ght_id=3, region_id=76), Place(9, 53)
LABEL = "document 7 (pmsp, OCC-02)"
OFFICER = Actor("instructeur@ars.fr", Side.AGENCY, region_id=76)
NATIONAL = Actor("agence@national.fr", Side.AGENCY)  # an agency person of no region
DIRECTOR = Actor("direction@occ-02.fr", Side.GHT, ght_id=2, region_id=76, ght_code="OCC-02")
REMOVED = Actor("parti@occ-02.fr", Side.GHT, ght_id=2, removed_at=datetime(2018, 3, 1, 9, 30))
GONE_OFFICER = Actor("parti@ars.fr", Side.AGENCY, region_id=76, removed_at=datetime(2018, 3, 1))
TIMERS = Actor("ghtflow", Side.SYSTEM)
NO_GHT = Actor("direction@nulle-part.fr", Side.GHT)  # a GHT person whose GHT is gone


def _event(name: str, side: Side) -> TransitionDef:
    return TransitionDef(name, ("submitted",), "approved", side)


APPROVE, SUBMIT, TACIT = (
    _event("approve", Side.AGENCY),
    _event("submit", Side.GHT),
    _event("tacit_approve", Side.SYSTEM),
)


@pytest.mark.parametrize(
    ("actor", "sees"),
    [
        (OFFICER, {LOT, TARN}),
        (NATIONAL, {LOT, TARN, ELSEWHERE}),
        (DIRECTOR, {LOT}),
        (REMOVED, set()),
        (GONE_OFFICER, set()),
        (TIMERS, {LOT, TARN, ELSEWHERE}),
        (NO_GHT, set()),
    ],
)
def test_who_sees_which_ght(actor, sees):
    assert {p for p in (LOT, TARN, ELSEWHERE) if may_see(actor, p)} == sees
    assert {p for p in (LOT, TARN, ELSEWHERE) if sight_of(actor).covers(p)} == sees


def test_a_sight_is_the_listing_filter():
    assert sight_of(OFFICER) == Sight(region_id=76)
    assert sight_of(DIRECTOR) == Sight(ght_id=2)
    assert sight_of(NATIONAL) == sight_of(TIMERS) == Sight()
    assert sight_of(REMOVED).nothing and sight_of(NO_GHT).nothing


@pytest.mark.parametrize(
    ("actor", "place", "refusal"),
    [
        (OFFICER, LOT, None),
        (OFFICER, TARN, None),
        (
            OFFICER,
            ELSEWHERE,
            f"instructeur@ars.fr belongs to another region's agency than {LABEL}",
        ),
        (NATIONAL, ELSEWHERE, None),
        (DIRECTOR, LOT, None),
        (DIRECTOR, TARN, f"direction@occ-02.fr acts for OCC-02 and may not act on {LABEL}"),
        (NO_GHT, LOT, f"direction@nulle-part.fr acts for no GHT and may not act on {LABEL}"),
        (REMOVED, LOT, "parti@occ-02.fr was removed on 2018-03-01 and may not act"),
        (GONE_OFFICER, TARN, "parti@ars.fr was removed on 2018-03-01 and may not act"),
        (TIMERS, ELSEWHERE, None),
    ],
)
def test_who_may_act_on_a_document(actor, place, refusal):
    assert refusal_to_act(actor, place, LABEL) == refusal


@pytest.mark.parametrize(
    ("actor", "place", "allowed"),
    [
        (OFFICER, LOT, {"approve"}),
        (OFFICER, ELSEWHERE, set()),
        (NATIONAL, ELSEWHERE, {"approve"}),
        (DIRECTOR, LOT, {"submit"}),
        (DIRECTOR, TARN, set()),
        (REMOVED, LOT, set()),
        (TIMERS, LOT, {"tacit_approve"}),
    ],
)
def test_who_may_fire_which_event(actor, place, allowed):
    fired = {t.event for t in (APPROVE, SUBMIT, TACIT) if may_fire(actor, place, LABEL, t) is None}
    assert fired == allowed


def test_the_other_sides_event_is_refused_naming_both_sides():
    assert may_fire(OFFICER, LOT, LABEL, SUBMIT) == (
        f"{LABEL}: event 'submit' is for the GHT, not for the agency (ARS)"
    )
    assert refusal_of_side(Side.GHT, TACIT, LABEL) == (
        f"{LABEL}: event 'tacit_approve' is for ghtflow's timers, not for the GHT"
    )
    # where comes before which: another GHT's person is told it is not theirs, not the side
    assert may_fire(DIRECTOR, TARN, LABEL, APPROVE) == (
        f"direction@occ-02.fr acts for OCC-02 and may not act on {LABEL}"
    )


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(OFFICER, True), (NATIONAL, True), (DIRECTOR, False), (GONE_OFFICER, False), (TIMERS, False)],
)
def test_the_agency_pages_are_the_agencys(actor, allowed):
    refusal = agency_only(actor, "this page")
    assert (refusal is None) == allowed
    assert refusal in (None, "this page is for the agency's staff only")
