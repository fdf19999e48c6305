"""The sign-in form under the one address rule: an address no account can have fails like a
wrong password, and leaves no trace (no attempt row, however long the field)."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import SignInCounter
from tests.web.conftest import PASSWORD
from tests.web.pagecheck import alert_of

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_an_invalid_address_simply_fails_sign_in(visitor, occitanie):
    for email in (
        'a"b@occ-02.example.org',
        "direction@occ-02.example.org\r\nX: y",
        "x" * 200 + "@b.org",
    ):
        answer = visitor.sign_in(email, PASSWORD)
        assert answer.status_code == 401
        assert alert_of(answer.text) == "Adresse e-mail ou mot de passe incorrect."
    assert visitor.get("/").status_code == 303  # still nobody signed in
    with occitanie.db.reading() as session:
        assert session.exec(select(func.count()).select_from(SignInCounter)).one() == 0
