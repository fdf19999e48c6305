"""The one motive key rule, for `ghtflow motives add` and the scenario loader alike."""

from __future__ import annotations

import pytest

from services.lifecycle.motives import motive_key_problem
from services.limits import KEY_MAX


@pytest.mark.parametrize(
    "key", ["shared_care_project", "q2", "a_1", "x" * KEY_MAX, "monitoring_evaluation"]
)
def test_plain_keys_are_accepted(key):
    assert motive_key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("a", "2 to 60"),  # the scenario loader took a one-letter key, `motives add` did not
        ("abc\n", "lower-case letters"),  # `motives add` took a trailing newline (`$`)
        ("", "2 to 60"),
        ("Shared", "lower-case"),
        ("1st", "starting with a letter"),
        ("_x", "starting with a letter"),
        ("shared-care", "digits and _"),
        ("clé", "lower-case letters"),
        ("a b", "lower-case letters"),
        ("x" * (KEY_MAX + 1), f"too long: {KEY_MAX + 1} characters, at most {KEY_MAX}"),
    ],
)
def test_anything_else_is_refused_saying_why(key, reason):
    problem = motive_key_problem(key)
    assert problem is not None and reason in problem
    assert "\n" not in problem  # one line, the key quoted with repr
