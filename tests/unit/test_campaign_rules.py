"""The rules of a well-formed campaign (`states.campaigns`), on plain values, and the launch
e-mail's rendering."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from i18n.typography import french_typography
from models.outbox import NoticeKind
from notifications.render import render_notice, text_table
from states.campaigns import (
    FIRST_DUE_DAY,
    OFFSETS_MAX,
    campaign_code,
    closed_refusal,
    code_problem,
    due_problem,
    latest_due_day,
    name_problem,
    offsets_problem,
    parse_offsets,
)

TYPES = ["pmsp", "sdsi"]
TODAY = date(2026, 12, 2)


def test_codes_are_written_in_capitals_and_keep_to_a_small_alphabet():
    assert campaign_code(" occ-2018 ") == "OCC-2018"
    assert code_problem("OCC-2018") is None and code_problem("A.B_C-1") is None
    assert "needs a code" in (code_problem("") or "")
    assert "too long" in (code_problem("X" * 41) or "")
    for bad in ("-OCC", "OCC 2018", "OCC/2018", "OCC\n", "É2018"):
        assert "may hold only" in (code_problem(bad) or ""), bad


def test_names_are_one_line_of_at_most_200_characters():
    assert name_problem("Campagne GHT 2018") is None
    assert "needs a name" in (name_problem("  ") or "")
    assert "too long" in (name_problem("n" * 201) or "")
    assert "line break" in (name_problem("a\nb") or "")
    assert "line break" in (name_problem("a\u2028b") or "")


def test_a_due_date_is_of_a_known_type_and_within_a_sane_span():
    assert due_problem("pmsp", date(2017, 7, 1), TODAY, TYPES) is None
    assert due_problem("pmsp", date(2036, 12, 2), TODAY, TYPES) is None  # the future is fine
    assert "unknown document type 'x'; known: pmsp, sdsi" in (
        due_problem("x", date(2017, 7, 1), TODAY, TYPES) or ""
    )
    assert "not between 2000-01-01 and 2036-12-02" in (
        due_problem("pmsp", date(2036, 12, 3), TODAY, TYPES) or ""
    )
    assert due_problem("pmsp", FIRST_DUE_DAY, TODAY, TYPES) is None
    assert due_problem("pmsp", date(1999, 12, 31), TODAY, TYPES) is not None
    assert latest_due_day(date(2024, 2, 29)) == date(2034, 2, 28)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_a_due_date_is_refused_exactly_outside_the_span(day):
    refused = due_problem("pmsp", day, TODAY, TYPES) is not None
    assert refused == (not FIRST_DUE_DAY <= day <= latest_due_day(TODAY))


def test_reminder_offsets():
    assert parse_offsets("7, 30,15,1") == (30, 15, 7, 1)
    assert offsets_problem([30, 15]) is None
    for text, reason in [
        ("", "must be days"),
        ("30,,1", "must be days"),
        ("-1", "must be days"),
        ("0", "between 1 and 366"),
        ("367", "between 1 and 366"),
        ("7,7", "given twice"),
        (",".join(str(n) for n in range(1, OFFSETS_MAX + 2)), "too many"),
    ]:
        with pytest.raises(ValueError, match=reason):
            parse_offsets(text)


def test_a_closed_campaign_says_since_when():
    assert closed_refusal("OCC-2017", None, "be launched") is None
    assert closed_refusal("OCC-2017", date(2018, 2, 1), "be launched") == (
        "campaign OCC-2017 was closed on 2018-02-01: it cannot be launched"
    )


def test_a_text_table_pads_its_columns():
    assert text_table([["a", "bbb"], ["cc", "d"]], ["X", "Y"]).splitlines() == [
        "X   Y",
        "--  ---",
        "a   bbb",
        "cc  d",
    ]


def test_the_launch_mail_lists_what_is_owed_as_a_table_in_french():
    rendered = render_notice(
        NoticeKind.CAMPAIGN_LAUNCH,
        {
            "ght_code": "OCC-02",
            "ght_name": "GHT Lot & <Quercy>",
            "agency_name": "ARS Occitanie",
            "campaign_code": "OCC-2018",
            "campaign_name": "Campagne GHT 2018",
            "reminders": "30, 15, 7 et 1 jours",
            "rows": [["31 décembre 2018", "SDSI", "—", "En préparation", "n° 12"]],
        },
    )
    assert rendered.subject == french_typography(
        "[OCC-02] Campagne GHT 2018 : documents attendus par l’ARS Occitanie"
    )
    assert rendered.text.startswith("Madame, Monsieur,\n\nL’ARS Occitanie lance la campagne")
    assert (
        french_typography("31 décembre 2018  SDSI      —     En préparation  n° 12")
        in rendered.text
    )
    assert french_typography("30, 15, 7 et 1 jours avant chaque échéance") in rendered.text
    assert rendered.text.endswith("merci de ne pas répondre à cette adresse.\n")
    assert (
        french_typography("GHT Lot &amp; &lt;Quercy&gt;") in rendered.html
    )  # HTML escaped, text not
    assert french_typography("GHT Lot & <Quercy>") in rendered.text
    assert '<th scope="col"' in rendered.html and "<td" in rendered.html
    with pytest.raises(Exception, match="rows"):
        render_notice(
            NoticeKind.CAMPAIGN_LAUNCH,
            {
                "ght_code": "X",
                "campaign_name": "C",
                "agency_name": "A",
                "ght_name": "G",
                "campaign_code": "C",
                "reminders": "",
            },
        )
