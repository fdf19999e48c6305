"""What every page must have, read from its HTML: one <main>, an <h1> inside it, a label for
every visible form field, a CSRF field in every POST form; and the text of its alert."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.mains = 0
        self.h1_in_main = 0
        self.in_main = False
        self.fields: list[str] = []  # ids of visible inputs, selects and textareas
        self.unnamed_fields = 0
        self.labels: set[str] = set()
        self.post_forms = 0
        self.csrf_fields = 0
        self._form_is_post = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main":
            self.mains += 1
            self.in_main = True
        elif tag == "h1" and self.in_main:
            self.h1_in_main += 1
        elif tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        elif tag == "form":
            self._form_is_post = (a.get("method") or "").lower() == "post"
            self.post_forms += self._form_is_post
        elif tag in {"input", "textarea", "select"}:
            if a.get("type") == "hidden":
                if a.get("name") == "csrf_token" and self._form_is_post:
                    self.csrf_fields += 1
                return
            if a.get("id"):
                self.fields.append(str(a["id"]))
            else:
                self.unnamed_fields += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False


def check_page(text: str) -> None:
    page = _Page()
    page.feed(text)
    assert page.mains == 1, "a page has exactly one <main>"
    assert page.h1_in_main == 1, "a page has one <h1> in its <main>"
    assert page.unnamed_fields == 0, "every form field has an id its label points to"
    unlabelled = [f for f in page.fields if f not in page.labels]
    assert not unlabelled, f"fields without a label: {unlabelled}"
    assert page.csrf_fields == page.post_forms, "every POST form carries the CSRF token"
    assert '<html lang="fr">' in text


_ALERT = re.compile(r'role="alert">(.*?)</', re.S)
_STATUS = re.compile(r'role="status">(.*?)</', re.S)


def alert_of(text: str) -> str:
    """The text of the page's alert ("" when there is none)."""
    found = _ALERT.search(text)
    return html.unescape(found.group(1)).strip() if found else ""


def flash_of(text: str) -> str:
    """The text of the page's flash message ("" when there is none)."""
    found = _STATUS.search(text)
    return html.unescape(found.group(1)).strip() if found else ""


def buttons_of(text: str) -> list[str]:
    """The text of the submit buttons of the page's action forms."""
    forms = re.findall(r'<form class="action".*?</form>', text, re.S)
    return [html.unescape(b) for f in forms for b in re.findall(r"<button[^>]*>(.*?)</button>", f)]
