"""A procedure as read from its folder: its document types, Word models, e-mail templates,
conformity motives, assessment criteria and campaign template.

A procedure is data (`procedures/ght-2017/`, or a folder named by `GHTFLOW_PROCEDURES`): a new
one needs no Python as long as its workflows name guards, effects, mails and timers that exist.
This module holds what was read, already checked (`services.procedures.read` reads and checks
the folder); it does no I/O itself. Paths are where the files are, for the services that open
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from states.definition import Criterion, WorkflowDefinition

PROCEDURE_FILE = "procedure.yaml"
WORKFLOWS = "workflows"
MODELS = "models"
MAILS = "mails"
MOTIVES_FILE = "motives.yaml"
CRITERIA_FILE = "criteria.yaml"
CAMPAIGN_FILE = "campaign.yaml"


class Holder(StrEnum):
    """Who owes the procedure's documents: a GHT (the default) or a structure of the registry
    (an establishment or a coordination structure that is not a GHT)."""

    GHT = "ght"
    STRUCTURE = "structure"


class Origin(StrEnum):
    """Where a procedure comes from, for `ghtflow procedures list`."""

    BUILTIN = "built-in"
    SETTING = "GHTFLOW_PROCEDURES"
    WORKFLOWS_DIR = "GHTFLOW_WORKFLOWS_DIR"  # the older folder of workflow files only


@dataclass(frozen=True)
class CampaignTemplate:
    """What a campaign of this procedure asks for (`campaign.yaml`): its name, a due date per
    document type, and the reminders (days before each due date)."""

    name: str
    due: Mapping[str, date]
    reminders: tuple[int, ...] = (30, 15, 7, 1)


@dataclass(frozen=True)
class Procedure:
    """One procedure folder, read and checked."""

    name: str  # a slug: ght-2017
    label: str  # French
    folder: Path
    description: str = ""
    holder: Holder = Holder.GHT
    origin: Origin = Origin.BUILTIN
    definitions: tuple[WorkflowDefinition, ...] = ()
    models: tuple[str, ...] = ()  # file names of models/*.docx
    mails: tuple[str, ...] = ()  # template names of mails/ (decision for decision.txt.j2)
    motives: Mapping[str, str] = field(default_factory=dict)  # key -> French label
    criteria: Mapping[str, Criterion] = field(default_factory=dict)  # in the file's order
    campaign: CampaignTemplate | None = None

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(d.type for d in self.definitions)

    @property
    def models_dir(self) -> Path:
        return self.folder / MODELS

    @property
    def mails_dir(self) -> Path:
        return self.folder / MAILS

    def model_path(self, name: str) -> Path:
        """Where the Word model `name` (a file name of `models/`) is."""
        return self.models_dir / name

    def definition(self, type_name: str) -> WorkflowDefinition | None:
        return next((d for d in self.definitions if d.type == type_name), None)
