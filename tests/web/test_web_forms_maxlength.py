"""Every text field of every form the agency and a GHT can reach says how long it may be
(`maxlength`, the service's own limit), and a longer value posted by hand is refused with a
clear French message (422), never stored, never echoed, never a 500."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest

from services.accounts.credentials import calendar_secret
from services.lifecycle.fire import fire
from services.limits import EMAIL_MAX, KEY_MAX, MOTIVES_MAX, NOTE_MAX, PASSWORD_MAX
from services.views.documents import show_document
from tests.integration.helpers import OFFICER, a_file, director, document_id
from tests.web.conftest import Visitor, csrf_of
from tests.web.pagecheck import alert_of
from web.forms import FIELD_LIMITS, LINK_MAX, OTHER_MAX

TEXT_TYPES = {"text", "email", "password", "search", "url", "tel", "number"}
REFUSED = "trop long"


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> value (hidden, checked)
    text: list[dict[str, Any]] = field(default_factory=list)  # text inputs and textareas


class _Forms(HTMLParser):
    """The forms of a page, and every text field with its attributes (in a form or not)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.loose: list[dict[str, Any]] = []  # text fields outside any form
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "textarea" or (tag == "input" and a.get("type", "text") in TEXT_TYPES):
            (self._form.text if self._form else self.loose).append({"tag": tag, **a})
        elif tag == "input" and self._form is not None and a.get("name"):
            if a.get("type") == "date":  # the earliest day it takes, as a person would pick
                self._form.fields[a["name"]] = a.get("value") or a.get("min", "")
            elif a.get("type") == "hidden" or (
                a.get("type") == "checkbox" and not self._form.fields.get(a["name"])
            ):
                self._form.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def forms_of(html: str) -> _Forms:
    parsed = _Forms()
    parsed.feed(html)
    return parsed


def _pages(visitor: Visitor, ws: Any) -> dict[str, str]:
    """Every page this person can open: the overview, the campaigns, the GHT pages, every
    document, the outbox (what is refused to them is left out)."""
    urls = ["/", "/envois", "/campagnes", "/campagnes/OCC-2017"]
    urls += [f"/ght/OCC-{n:02d}" for n in range(1, 15)]
    with ws.db.reading() as session:
        from sqlmodel import select

        from models import Document

        urls += [f"/documents/{i}" for i in session.exec(select(Document.id)).all()]
    found = {}
    for url in urls:
        answer = visitor.get(url)
        assert answer.status_code in (200, 303, 403, 404), (url, answer.status_code)
        if answer.status_code == 200:
            found[url] = answer.text
    return found


@pytest.fixture
def submitted(occitanie: Any, tmp_path: Any) -> int:
    """OCC-02's PMSP submitted: the agency's page then offers the conformity request form
    (note, motives, respond-by date)."""
    doc = document_id(occitanie, "OCC-02", "pmsp")
    fire(occitanie, doc, "submit", director("OCC-02"), file=a_file(tmp_path))
    return doc


def test_the_limits_are_the_services(occitanie):
    assert FIELD_LIMITS["email"] == EMAIL_MAX and FIELD_LIMITS["password"] == PASSWORD_MAX
    assert FIELD_LIMITS["note"] == NOTE_MAX
    assert FIELD_LIMITS["event"] == FIELD_LIMITS["motives"] == KEY_MAX


@pytest.mark.parametrize("who", ["officer", "lot", "anonymous"])
def test_every_text_field_of_every_page_has_the_maxlength_of_its_field(
    request, who, occitanie, submitted, visitor
):
    person = visitor if who == "anonymous" else request.getfixturevalue(who)
    if who != "anonymous":  # the calendar link's field shows once the link is made (a POST)
        calendar_secret(occitanie, {"officer": OFFICER, "lot": director("OCC-02")}[who])
    pages = (
        {"/connexion": visitor.get("/connexion").text}
        if who == "anonymous"
        else _pages(person, occitanie)
    )
    seen: set[str] = set()
    for url, html in pages.items():
        parsed = forms_of(html)
        fields = [f for form in parsed.forms for f in form.text] + parsed.loose
        for f in fields:
            name = f.get("name") or ("link" if "readonly" in f else "")
            assert f.get("maxlength"), (url, f)
            assert int(f["maxlength"]) == FIELD_LIMITS.get(name, OTHER_MAX), (url, f)
            seen.add(name)
    expected = {
        "anonymous": {"email", "password"},
        "officer": {"note", "link"},  # the conformity request's note; the calendar link
        "lot": {"note", "link"},
    }[who]
    assert expected <= seen, seen
    assert LINK_MAX >= 100


def _over_long_posts(form: Form) -> list[tuple[str, dict[str, Any]]]:
    """The form as a browser would post it, with one field at a time one character over."""
    base = {k: v for k, v in form.fields.items() if k != "csrf_token"}
    names = [*{f["name"] for f in form.text if f.get("name")}, *base]
    posts = []
    for name in names:
        limit = FIELD_LIMITS.get(name, OTHER_MAX)
        posts.append((name, {**base, name: "7" * (limit + 1)}))
    return posts


@pytest.mark.parametrize("who", ["officer", "lot"])
def test_every_form_refuses_an_over_long_field_in_french(
    request, who, occitanie, submitted, tmp_path
):
    person: Visitor = request.getfixturevalue(who)
    pages = _pages(person, occitanie)
    posted = 0
    for url, html in pages.items():
        for form in forms_of(html).forms:
            if form.method != "post" or form.action == "/deconnexion":
                continue
            for name, data in _over_long_posts(form):
                files = {"file": ("pmsp.pdf", b"%PDF-1.4 demo", "application/pdf")}
                answer = person.post(form.action, data, files=files)
                assert answer.status_code == 422, (url, form.action, name, answer.status_code)
                alert = alert_of(answer.text)
                assert REFUSED in alert and "rien n'est enregistré" in alert, alert
                assert "7777777777" not in answer.text  # never echoed
                posted += 1
    assert posted >= 6
    # nothing was recorded: the submitted PMSP is still submitted, with one version
    shown = person.get(f"/documents/{submitted}").text
    assert "Transmis" in shown or "submitted" in shown


def test_the_sign_in_form_refuses_each_over_long_field(visitor, occitanie):
    visitor.csrf = csrf_of(visitor.get("/connexion").text)
    for data in (
        {"email": "a" * (EMAIL_MAX + 1), "password": "x"},
        {"email": OFFICER, "password": "p" * (PASSWORD_MAX + 1)},
        {"email": OFFICER, "password": "x", "suite": "/" + "s" * 3000},
    ):
        answer = visitor.post("/connexion", data)
        assert answer.status_code == 422
        assert REFUSED in alert_of(answer.text)
        assert "aaaaaaaaaa" not in answer.text and "ssssssssss" not in answer.text


def test_a_note_at_its_limit_with_browser_line_breaks_is_taken(officer, occitanie, submitted):
    """Browsers send CRLF but count a line break as one character against maxlength."""
    page = forms_of(officer.get(f"/documents/{submitted}").text)
    (form,) = [f for f in page.forms if f.fields.get("event") == "request_conformity"]
    note = "ligne\r\n" * (NOTE_MAX // 7 + 30) + "fin"
    assert len(note.replace("\r\n", "\n")) <= NOTE_MAX < len(note)
    data = {**form.fields, "note": note, "motives": "shared_care_project"}
    answer = officer.post(form.action, data)
    assert answer.status_code == 303, alert_of(answer.text)
    (request_,) = show_document(occitanie, submitted)["conformity_requests"]
    assert request_["note"] == note.replace("\r\n", "\n")


def test_too_many_motives_are_refused_in_french(officer, occitanie, submitted):
    page = forms_of(officer.get(f"/documents/{submitted}").text)
    (form,) = [f for f in page.forms if f.fields.get("event") == "request_conformity"]
    data: dict[str, Any] = dict(form.fields)
    data["motives"] = [f"m{i}" for i in range(MOTIVES_MAX + 1)]
    answer = officer.post(form.action, data)
    assert answer.status_code == 422
    assert alert_of(answer.text).startswith(f"Trop de motifs : {MOTIVES_MAX + 1}")


def test_a_page_date_too_long_is_not_echoed(officer, occitanie):
    answer = officer.get("/?au=" + "2017-12-01" * 500)
    assert answer.status_code == 200
    assert "Date invalide" in alert_of(answer.text)
    assert "2017-12-012017-12-01" not in answer.text
