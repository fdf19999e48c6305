"""A small procedure folder written for the tests: one document type decided by the agency,
its Word models, its decision e-mail, motives, criteria and a campaign template; no Python.

`write_procedure` writes it valid; a test then breaks one file to see `procedures check` name
the problem, or loads it with `GHTFLOW_PROCEDURES`.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document

PROCEDURE = """\
# a procedure of the tests: applications decided by the agency
name: decisions-test
label: Appel à projets de test
description: Des dossiers déposés par les GHT, retenus ou non par l'agence.
holder: ght
"""

WORKFLOW = """\
type: {type_name}
order: 90
label: Dossier de candidature
model: application.docx
states:
  draft: En préparation
  submitted: Déposé
  selected: {{label: Retenu, final: true}}
  not_selected: {{label: Non retenu, final: true}}
events:
  submit: {{from: draft, to: submitted, side: ght, guards: [file_attached],
           effects: [store_version], label: Déposer}}
  select:
    from: submitted
    to: selected
    side: agency
    label: Retenir
    mail: {{template: decision, copy_direction: true, letter: decision_letter.docx,
           subject: "[{{{{ holder_code }}}}] Décision : {{{{ type_label }}}}"}}
  reject: {{from: submitted, to: not_selected, side: agency, label: Ne pas retenir,
           mail: "notice:decision"}}
timers:
  reminder_offsets_days: [15, 1]
"""

DECISION_TXT = """\
{% extends "base.txt.j2" %}{% block body -%}
Le {{ as_of }}, {{ agency_name }} a statué sur le dossier du {{ holder_name }} :
{{ state_label }} ({{ event_label }}).
{%- if note %}

Motif : {{ note }}
{%- endif %}
{%- endblock %}
"""

DECISION_HTML = """\
{% extends "base.html.j2" %}{% block body %}
<p>Le {{ as_of }}, {{ agency_name }} a statué sur le dossier du {{ holder_name }} :
<strong>{{ state_label }}</strong> ({{ event_label }}).</p>
{% if note %}<p>Motif : {{ note }}</p>{% endif %}
{% endblock %}
"""

MOTIVES = """\
incomplete_file: Dossier incomplet
"""

CRITERIA = """\
versatility:
  label: Polyvalence du dispositif
  help: Aucune restriction d'âge ni de pathologie.
actors:
  label: Implication des acteurs du territoire
"""

CAMPAIGN = """\
name: Appel à projets 2018
due:
  {type_name}: 2018-03-31
reminders: [30, 7]
"""

APPLICATION = [
    "Dossier de candidature : {{ document.type_label }}",
    "Porteur : {{ ght.name }} ({{ ght.code }}), {{ region.name }}",
    "Fait le {{ date }}",
]
DECISION_LETTER = [
    "{{ agency.name }}",
    "Décision : {{ document.state_label }} ({{ event.label }}), le {{ event.date }}",
    "Destinataire : {{ support.name }}",
]


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    """A Word file with one run per paragraph (a tag is never split across runs)."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_procedure(root: Path, type_name: str = "project_application") -> Path:
    """The folder `root/decisions-test`, valid, with `type_name` as its document type."""
    folder = root / "decisions-test"
    (folder / "workflows").mkdir(parents=True)
    (folder / "mails").mkdir()
    (folder / "procedure.yaml").write_text(PROCEDURE, encoding="utf-8")
    workflow = WORKFLOW.format(type_name=type_name)
    (folder / "workflows" / "application.yaml").write_text(workflow, encoding="utf-8")
    (folder / "mails" / "decision.txt.j2").write_text(DECISION_TXT, encoding="utf-8")
    (folder / "mails" / "decision.html.j2").write_text(DECISION_HTML, encoding="utf-8")
    (folder / "motives.yaml").write_text(MOTIVES, encoding="utf-8")
    (folder / "criteria.yaml").write_text(CRITERIA, encoding="utf-8")
    campaign = CAMPAIGN.format(type_name=type_name)
    (folder / "campaign.yaml").write_text(campaign, encoding="utf-8")
    write_docx(folder / "models" / "application.docx", APPLICATION)
    write_docx(folder / "models" / "decision_letter.docx", DECISION_LETTER)
    return folder
