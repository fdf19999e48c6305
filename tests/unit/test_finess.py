"""FINESS numbers, departments and areas, category and header matching: pure rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.adapters.national_list import header_key
from services.errors import InvalidInput
from services.registry.categories import CategoryTable, Kind, category_key, load_categories
from services.registry.departments import department_of, format_area, parse_area
from services.registry.finess import check_digit, finess_problem, is_finess, normalize_finess

CHUS = ["310781406", "340780477", "300780038"]  # Toulouse, Montpellier, Nîmes (domain brief)


@pytest.mark.parametrize("number", CHUS)
def test_the_three_occitanie_chus_are_valid(number):
    assert finess_problem(number) is None
    assert check_digit(number[:8]) == number[8]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("31078140", "8 characters"),
        ("3107814060", "10 characters"),
        ("31078140X", "followed by 7 digits"),
        ("2C0000010", "followed by 7 digits"),
        ("310781407", "wrong check digit (expected 6)"),
    ],
)
def test_each_kind_of_bad_number_is_named(value, reason):
    problem = finess_problem(value)
    assert problem is not None
    assert reason in problem


def test_corsican_numbers_use_20_for_the_check_digit():
    assert check_digit("2A000001") == check_digit("20000001") == "6"
    assert is_finess("2A0000016")
    assert is_finess("2B0000024")
    assert not is_finess("2A0000019")
    assert is_finess("2a0000016")  # read upper-case


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_the_check_digit_completes_any_eight_digits(body):
    assert is_finess(body + check_digit(body))


@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_error_is_caught(body, position, shift):
    number = body + check_digit(body)
    digits = list(number)
    digits[position] = str((int(digits[position]) + shift) % 10)
    assert not is_finess("".join(digits))


def test_spreadsheet_numbers_get_their_leading_zero_back():
    assert normalize_finess(90991175) == "090991175"
    assert normalize_finess(90991175.0) == "090991175"
    assert normalize_finess(" 31 078 1406 ") == "310781406"


@pytest.mark.parametrize(
    ("postal", "department"),
    [
        ("31059", "31"),
        ("09000", "09"),
        ("20000", "2A"),  # Ajaccio
        ("20137", "2A"),  # Porto-Vecchio
        ("20200", "2B"),  # Bastia
        ("20250", "2B"),  # Corte
        ("97100", "971"),
        ("4630", None),
    ],
)
def test_department_of_postal_code(postal, department):
    assert department_of(postal) == department


def test_areas_are_checked_sorted_and_unique():
    assert format_area(parse_area("81, 31;31 2b 2A 9")) == "09,2A,2B,31,81"
    with pytest.raises(InvalidInput, match="not a department code: 20, 99"):
        parse_area("31,20,99")
    with pytest.raises(InvalidInput, match="at least one department"):
        parse_area(" , ")


def _kind(table: CategoryTable, category: str) -> Kind:
    found = table.lookup(category)
    assert found is not None, category
    return found


def test_category_and_header_spellings_match():
    table = load_categories()
    assert category_key("C.H.S.") == category_key("chs") == "CHS"
    assert _kind(table, "c.h.r.").kind == "CHU"
    assert _kind(table, "Hôpital local").kind == "CH"
    assert _kind(table, "H.A.D.").kind == "HAD"
    assert _kind(table, "Clinique").public is False
    assert table.lookup("Centre de soins X") is None
    assert header_key(" Dénomination  établissement ") == "DENOMINATION ETABLISSEMENT"
    assert header_key("code_postal") == "CODE POSTAL"


def test_a_categories_file_extends_and_overrides(tmp_path):
    extra = tmp_path / "categories.yaml"
    extra.write_text(
        "- {kind: clinic, public: false, categories: [Centre de soins X]}\n"
        "- {kind: psychiatry, public: true, categories: [C.H.]}\n",
        encoding="utf-8",
    )
    table = load_categories(extra)
    assert _kind(table, "centre de soins x").kind == "clinic"
    assert _kind(table, "C.H.").kind == "psychiatry"
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {kind: castle, public: true, categories: [X]}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="entry 1: kind 'castle'"):
        load_categories(bad)
