"""French typography rules: what they change, what they leave alone, and that they settle."""

from __future__ import annotations

import pytest

from i18n.typography import APOSTROPHE, NBSP, NNBSP, french_typography, typography_faults


@pytest.mark.parametrize(
    ("written", "typeset"),
    [
        ("n° FINESS 310781406", f"n°{NBSP}FINESS 310781406"),
        ("article R. 6132-25 du code", f"article{NBSP}R.{NBSP}6132-25 du code"),
        ("le 31 décembre 2017", f"le 31{NBSP}décembre 2017"),
        ("le 1er décembre 2017", f"le 1er{NBSP}décembre 2017"),
        ("Objet : demande", f"Objet{NBSP}: demande"),
        ("Pourquoi ? Voici ; enfin !", f"Pourquoi{NNBSP}? Voici{NNBSP}; enfin{NNBSP}!"),
        ("« Il est convenu »", f"«{NBSP}Il est convenu{NBSP}»"),
        ("l'expression d'une", f"l{APOSTROPHE}expression d{APOSTROPHE}une"),
        ("Mme Sophie Bernard et M. Jean Martin", f"Mme{NBSP}Sophie Bernard et M.{NBSP}Jean Martin"),
        ("soit 12 %", f"soit 12{NNBSP}%"),
        ("loi n° 2016-41 du 26 janvier 2016", f"loi n°{NBSP}2016-41 du 26{NBSP}janvier 2016"),
    ],
)
def test_each_rule_joins_what_must_stay_on_one_line(written: str, typeset: str) -> None:
    assert french_typography(written) == typeset
    assert typography_faults(written)
    assert typography_faults(typeset) == []


@pytest.mark.parametrize(
    "text",
    ["https://ars.example.org:8443/a?b=c", "rendez-vous à 10:30", "a.b@example.org", "OCC-02"],
)
def test_addresses_times_and_codes_are_left_alone(text: str) -> None:
    assert french_typography(text) == text


def test_it_settles_after_one_pass() -> None:
    text = "Fait à Cahors, le 3 octobre 2017 : l'article L. 6132-3 ; « vu » n° 12 !"
    once = french_typography(text)
    assert french_typography(once) == once


def test_jinja_tags_are_kept_as_written() -> None:
    model = "Fait à {{ support.commune }}, le {{ date }} : {% if a %}n° {{ x['y'] }}{% endif %}"
    assert french_typography(model) == (
        f"Fait à {{{{ support.commune }}}}, le {{{{ date }}}}{NBSP}: {{% if a %}}n°{NBSP}"
        "{{ x['y'] }}{% endif %}"
    )


def test_a_value_holding_the_stand_in_character_is_still_typeset_whole() -> None:
    text = "\ue000 {{ a }} n° 3"
    assert french_typography(text) == f"\ue000 {{{{ a }}}} n°{NBSP}3"
