"""How long each field of the dashboard's forms may be: one table for the pages and the server.

The templates write `maxlength="{{ limits.note }}"` from `FIELD_LIMITS`, so a browser stops
typing where the service would refuse; every posted form is checked against the same table
(`check_form_lengths`, run by `web.pages.common.checked_form`) before anything else reads it,
so a hand-made request gets a clear French refusal (422) instead of a megabyte stored or echoed.
The numbers are those of the services (`services/limits.py`); a field the table does not name
is bounded by `OTHER_MAX`.
"""

from __future__ import annotations

from starlette.datastructures import FormData

from services.errors import InvalidInput
from services.limits import EMAIL_MAX, KEY_MAX, MOTIVES_MAX, NOTE_MAX, PASSWORD_MAX
from states.campaigns import CODE_MAX, NAME_MAX

DATE_MAX = len("YYYY-MM-DD")  # what <input type="date"> sends
SUITE_MAX = 2000  # the page to go back to after signing in
LINK_MAX = 2000  # a link shown to be copied (calendar subscription)
OTHER_MAX = 200  # any field not named below (a CSRF token is 43 characters)

FIELD_LIMITS: dict[str, int] = {
    "email": EMAIL_MAX,
    "password": PASSWORD_MAX,
    "note": NOTE_MAX,
    "event": KEY_MAX,
    "motives": KEY_MAX,
    "criterion": KEY_MAX,
    "met": len("false"),
    "respond_by": DATE_MAX,
    "as_of": DATE_MAX,
    "expected_version": len(str(2**31 - 1)),
    "suite": SUITE_MAX,
    "link": LINK_MAX,
    # the campaign forms
    "code": CODE_MAX,
    "name": NAME_MAX,
    "region": 16,
    "reminders": 60,
    "doc_type": KEY_MAX,
    "due": DATE_MAX,
    "confirme": 3,
}
FIELD_LABELS = {
    "email": "Adresse e-mail",
    "password": "Mot de passe",
    "note": "Note",
    "event": "Action",
    "motives": "Motif",
    "criterion": "Critère",
    "met": "Appréciation",
    "respond_by": "Date de réponse attendue",
    "as_of": "Date de l'action",
    "expected_version": "Version du document",
    "suite": "Page de retour",
    "code": "Code de la campagne",
    "name": "Nom de la campagne",
    "region": "Région",
    "reminders": "Rappels",
    "doc_type": "Type de document",
    "due": "Nouvelle échéance",
}


def one_newline(text: str) -> str:
    """A textarea's value with its line breaks as the browser counted them: browsers send
    CRLF, but count a line break as one character against `maxlength`."""
    return text.replace("\r\n", "\n")


def too_long(name: str, length: int, limit: int) -> str:
    """The French refusal of a field over its limit (the value itself is never echoed)."""
    label = FIELD_LABELS.get(name, name[:40])
    return (
        f"Champ « {label} » trop long : {length} caractères pour {limit} au plus ; "
        "rien n'est enregistré."
    )


def check_form_lengths(form: FormData) -> None:
    """Refuse (InvalidInput, in French) any text field over its limit, or too many motives."""
    for name, value in form.multi_items():
        if not isinstance(value, str):
            continue  # an uploaded file: bounded by its own rules (`web.uploads`)
        limit = FIELD_LIMITS.get(name, OTHER_MAX)
        length = len(one_newline(value))  # as the browser counted it against maxlength
        if length > limit:
            raise InvalidInput(too_long(name, length, limit))
    motives = len(form.getlist("motives"))
    if motives > MOTIVES_MAX:
        raise InvalidInput(
            f"Trop de motifs : {motives} pour {MOTIVES_MAX} au plus ; rien n'est enregistré."
        )
