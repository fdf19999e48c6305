"""The one e-mail address rule: what it accepts, what it refuses, and how it says so."""

from __future__ import annotations

import pytest

from notifications.addresses import InvalidAddress, is_address, parse_address
from services.errors import InvalidInput
from services.mail.addresses import copy_override, email_address, sender_of
from settings import Settings


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("direction@occ-02.example.org", "direction@occ-02.example.org"),
        ("Direction@OCC-02.Example.ORG", "direction@occ-02.example.org"),
        ("  jean-pierre.dupont@chu-toulouse.fr ", "jean-pierre.dupont@chu-toulouse.fr"),
        ("o'neil+ars_2017@mail.sub.example.org", "o'neil+ars_2017@mail.sub.example.org"),
        ("a@xn--hpital-dva.fr", "a@xn--hpital-dva.fr"),
        ("a@example.xn--p1ai", "a@example.xn--p1ai"),
        ("x" * 64 + "@" + "d" * 63 + ".example.org", "x" * 64 + "@" + "d" * 63 + ".example.org"),
    ],
)
def test_plain_addresses_are_accepted_and_lower_cased(text, address):
    assert parse_address(text) == address
    assert is_address(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('a"b@occ-02.example.org', "part before @"),
        ('"ab"@occ-02.example.org', "part before @"),
        ("a b@example.org", "part before @"),
        ("a,b@example.org", "part before @"),
        ("a;b@example.org", "part before @"),
        ("<a@example.org>", "part before @"),
        ("Name <a@example.org>", "part before @"),
        ("a(comment)@example.org", "part before @"),
        ("a\\b@example.org", "part before @"),
        (".a@example.org", "part before @"),
        ("a.@example.org", "part before @"),
        ("a..b@example.org", "part before @"),
        ("a@example.org\r\nBcc: evil@example.org", "line break"),
        ("a@example.org\n", "line break"),
        ("a\x00@example.org", "line break"),
        ("a\t@example.org", "line break"),
        ("élodie@example.org", "outside ASCII"),
        ("a@hôpital.fr", "outside ASCII"),
        ("a@example.org\u2028", "outside ASCII"),
        ("", "empty"),
        ("   ", "empty"),
        ("a", "exactly one @"),
        ("a@b@example.org", "exactly one @"),
        ("a@localhost", "needs a dot"),
        ("a@-occ.example.org", "domain label"),
        ("a@occ-.example.org", "domain label"),
        ("a@occ..example.org", "domain label"),
        ("a@occ_02.example.org", "domain label"),
        ("a@example.org.", "domain label"),
        ("a@[127.0.0.1]", "domain label"),
        ("a@127.0.0.1", "top-level domain"),
        ("a@example.c", "top-level domain"),
        ("a@" + "d" * 64 + ".example.org", "domain label"),
        ("x" * 65 + "@example.org", "longer than 64"),
        ("a@" + ("d" * 62 + ".") * 4 + "org", "longer than 254"),
        ("a" * 900_000 + "@example.org", "longer than 254"),
    ],
)
def test_anything_else_is_refused_naming_the_value_and_why(text, reason):
    with pytest.raises(InvalidAddress) as refused:
        parse_address(text, "e-mail")
    message = str(refused.value)
    assert reason in message
    assert message.startswith("e-mail ")
    assert "\n" not in message and len(message) < 400  # one line, a huge value is cut
    assert not is_address(text)


@pytest.mark.parametrize(
    ("change", "call", "named"),
    [
        ({"mail_from": "ARS <a@example.org>\r\nBcc: x@evil.example"}, sender_of, "MAIL_FROM"),
        ({"mail_from": '"a,b"@example.org'}, sender_of, "GHTFLOW_MAIL_FROM"),
        ({"mail_cc": "a@example.org, b@localhost"}, copy_override, "GHTFLOW_MAIL_CC"),
        ({"mail_cc": "a@example.org\nBcc: x@evil.example"}, copy_override, "GHTFLOW_MAIL_CC"),
    ],
)
def test_a_setting_the_mail_rules_refuse_is_bad_input_naming_it(tmp_path, change, call, named):
    """The mail layer's `HeaderRefused` becomes the `InvalidInput` the edges print, in one
    place (`services.mail.addresses.refused_as_input`), whichever use case meets the setting."""
    settings = Settings(home=tmp_path, **change)
    with pytest.raises(InvalidInput, match=named):
        call(settings)


def test_settings_the_rules_accept_are_given_back(tmp_path):
    settings = Settings(home=tmp_path, mail_from="ARS <a@example.org>", mail_cc="B@Example.org")
    assert sender_of(settings) == "ARS <a@example.org>"
    assert copy_override(settings) == ["b@example.org"]
    assert copy_override(Settings(home=tmp_path)) == []


def test_an_address_refused_at_a_use_case_is_bad_input():
    assert email_address(" A@Example.org ") == "a@example.org"
    with pytest.raises(InvalidInput, match="direction e-mail 'a@localhost' refused"):
        email_address("a@localhost", "direction e-mail")


def test_the_length_bound_of_an_address_is_the_rules_own():
    """Forms, the API and `users add` bound an address by the number the rule refuses past."""
    from notifications.addresses import MAX_ADDRESS
    from services.limits import EMAIL_MAX

    assert EMAIL_MAX is MAX_ADDRESS
    longest = "a@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + "." + "g" * 56 + ".org"
    assert len(longest) == EMAIL_MAX and is_address(longest)
    assert not is_address("a" + longest)
