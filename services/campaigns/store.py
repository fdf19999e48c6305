"""Creating, listing, showing and closing campaigns; the one way a campaign is stored.

`store_campaign` is used by `campaigns create` (and the web form) and by the scenario loader,
so a campaign loaded from a file obeys the same rules as one created by hand: a code of
letters, digits and `.-_`, due dates of known document types within a sane span (a due date
may lie in the future), reminder offsets of 1 to 366 days. A closed campaign changes no more.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from models import Campaign, CampaignDueDate, Document, Region
from services.adapters.stored import reminder_offsets
from services.clock import check_not_after_today, today
from services.errors import InvalidInput, NotFound
from services.workspace import Workspace
from states.campaigns import (
    campaign_code,
    closed_refusal,
    code_problem,
    due_problem,
    name_problem,
    offsets_problem,
)


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign as someone describes it: code, name, region, due dates, reminders."""

    code: str
    name: str
    region: str  # region code
    due: Mapping[str, date]
    reminders: tuple[int, ...] | None = None  # None: each type's own offsets


def check_spec(ws: Workspace, spec: CampaignSpec) -> CampaignSpec:
    """The spec normalised (code and region in capitals, name trimmed, reminders largest
    first), or `InvalidInput` with the first problem."""
    code = campaign_code(spec.code)
    name = spec.name.strip()
    problem = code_problem(code) or name_problem(name)
    if problem is None and not spec.due:
        problem = "a campaign needs at least one due date, e.g. --due pmsp=2018-12-31"
    for doc_type, day in spec.due.items():
        problem = problem or due_problem(doc_type, day, today(), ws.workflows.types)
    if problem is None and spec.reminders is not None:
        problem = offsets_problem(spec.reminders)
    if problem:
        raise InvalidInput(problem)
    order = {t: i for i, t in enumerate(ws.workflows.types)}
    return CampaignSpec(
        code=code,
        name=name,
        region=spec.region.strip().upper(),
        due={t: spec.due[t] for t in sorted(spec.due, key=lambda t: order[t])},
        reminders=tuple(sorted(spec.reminders, reverse=True)) if spec.reminders else None,
    )


def unknown_campaign(code: str) -> NotFound:
    """The refusal for a code that names no campaign (or one of a region not seen)."""
    return NotFound(f"unknown campaign {campaign_code(code)!r}")


def campaign_by_code(
    session: Session, code: str, *, region_id: int | None = None, lock: bool = False
) -> Campaign:
    """The campaign of this code (any case), seen from `region_id` (None: every region), locked
    against other writers with `lock` (launch, moved dates and closing queue one behind the
    other: SQLite's writers already do); `NotFound` otherwise."""
    if code_problem(campaign_code(code)):  # no campaign has such a code: no query
        raise unknown_campaign(code)
    statement = select(Campaign).where(Campaign.code == campaign_code(code))
    if lock:
        statement = statement.with_for_update()
    found = session.exec(statement).first()
    if found is None or (region_id is not None and found.region_id != region_id):
        raise unknown_campaign(code)
    return found


def refuse_if_closed(campaign: Campaign, what: str) -> None:
    refusal = closed_refusal(campaign.code, campaign.closed_on, what)
    if refusal:
        raise InvalidInput(refusal)


def _region(session: Session, code: str) -> Region:
    region = session.exec(select(Region).where(Region.code == code)).first()
    if region is None:
        raise NotFound(f"unknown region {code!r}")
    return region


@dataclass
class Stored:
    """What storing a campaign did, counted as the scenario loader reports it."""

    campaign: Campaign
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)


def store_campaign(
    session: Session, ws: Workspace, spec: CampaignSpec, *, update: bool = False
) -> Stored:
    """Store a campaign in the caller's transaction. A new code creates it with its due dates.
    An existing one is refused, unless `update` (the scenario loader, loading a file again):
    its name may change and due types be added, but a due date is moved only by `set_due`
    (which moves the documents too and records it), and a closed campaign changes no more."""
    spec = check_spec(ws, spec)
    region = _region(session, spec.region)
    found = session.exec(select(Campaign).where(Campaign.code == spec.code)).first()
    offsets = list(spec.reminders) if spec.reminders else None
    if found is None:
        campaign = Campaign(
            code=spec.code,
            name=spec.name,
            region_id=region.id or 0,
            reminder_offsets_days=offsets,
        )
        session.add(campaign)
        session.flush()
        stored = Stored(campaign)
        stored.created["campaigns"] += 1
        for doc_type, day in spec.due.items():
            session.add(_due_row(campaign, doc_type, day))
            stored.created["due dates"] += 1
        return stored
    if not update:
        raise InvalidInput(f"campaign {spec.code} exists already")
    return _update(session, found, region, spec)


def _due_row(campaign: Campaign, doc_type: str, day: date) -> CampaignDueDate:
    offsets = campaign.reminder_offsets_days
    return CampaignDueDate(
        campaign_id=campaign.id or 0,
        doc_type=doc_type,
        due_date=day,
        reminder_offsets_days=list(offsets) if offsets else None,
    )


def _update(session: Session, campaign: Campaign, region: Region, spec: CampaignSpec) -> Stored:
    stored = Stored(campaign)
    if campaign.region_id != region.id:
        raise InvalidInput(f"campaign {campaign.code} belongs to another region than {region.code}")
    rows = {
        d.doc_type: d
        for d in session.exec(
            select(CampaignDueDate).where(CampaignDueDate.campaign_id == campaign.id)
        ).all()
    }
    for doc_type, day in spec.due.items():
        row = rows.get(doc_type)
        if row is not None and row.due_date != day:
            raise InvalidInput(
                f"campaign {campaign.code} has {doc_type} due on {row.due_date.isoformat()}, "
                f"not {day.isoformat()}: move it with "
                f"'ghtflow campaigns set-due {campaign.code} {doc_type} {day.isoformat()}'"
            )
    added = [t for t in spec.due if t not in rows]
    renamed = campaign.name != spec.name
    reminders = spec.reminders is not None and campaign.reminder_offsets_days != list(
        spec.reminders
    )
    if added or renamed or reminders:
        refuse_if_closed(campaign, "change")
    if renamed:
        campaign.name = spec.name
    if reminders:
        campaign.reminder_offsets_days = list(spec.reminders or ())
    (stored.updated if renamed or reminders else stored.unchanged)["campaigns"] += 1
    for doc_type in added:
        session.add(_due_row(campaign, doc_type, spec.due[doc_type]))
        stored.created["due dates"] += 1
    stored.unchanged["due dates"] += len(spec.due) - len(added)
    return stored


def create_campaign(ws: Workspace, spec: CampaignSpec, *, region_id: int | None = None) -> Details:
    """`campaigns create`: a new campaign of a region (of `region_id`'s, when given)."""
    with ws.db.transaction() as session:
        if region_id is not None:
            region = session.get(Region, region_id)
            if region is None or region.code != spec.region.strip().upper():
                raise NotFound(f"unknown region {spec.region.strip().upper()!r}")
        stored = store_campaign(session, ws, spec)
        return _details(session, ws, stored.campaign)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Details:
    """One campaign as `campaigns show` and the pages show it."""

    code: str
    name: str
    region: str
    due: dict[str, date]  # in the types' order
    reminders: tuple[int, ...] | None
    created_at: str
    launched_on: date | None
    closed_on: date | None
    documents: dict[str, dict[str, int]]  # type -> state -> count (states in workflow order)

    def as_json(self) -> dict[str, Any]:
        """The stable JSON of `campaigns show` (README): exactly these keys."""
        return {
            "code": self.code,
            "name": self.name,
            "region": self.region,
            "due": {t: d.isoformat() for t, d in self.due.items()},
            "launched_on": self.launched_on.isoformat() if self.launched_on else None,
            "documents": self.documents,
        }

    def as_list_item(self) -> dict[str, Any]:
        """The stable JSON of one campaign in `campaigns list` (README)."""
        return {
            "code": self.code,
            "name": self.name,
            "region": self.region,
            "due": {t: d.isoformat() for t, d in self.due.items()},
            "reminders": list(self.reminders) if self.reminders else None,
            "launched_on": self.launched_on.isoformat() if self.launched_on else None,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "documents": sum(sum(c.values()) for c in self.documents.values()),
        }


def _details(session: Session, ws: Workspace, campaign: Campaign) -> Details:
    return _all_details(session, ws, [campaign])[0]


def _all_details(session: Session, ws: Workspace, campaigns: list[Campaign]) -> list[Details]:
    ids = [c.id or 0 for c in campaigns]
    regions = {r.id: r.code for r in session.exec(select(Region)).all()}
    due: dict[int, dict[str, date]] = defaultdict(dict)
    for row in session.exec(
        select(CampaignDueDate).where(col(CampaignDueDate.campaign_id).in_(ids))
    ).all():
        due[row.campaign_id][row.doc_type] = row.due_date
    counts: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for campaign_id, doc_type, state, n in session.execute(
        core_select(
            col(Document.campaign_id), col(Document.doc_type), col(Document.state), func.count()
        )
        .where(col(Document.campaign_id).in_(ids))
        .group_by(col(Document.campaign_id), col(Document.doc_type), col(Document.state))
    ).all():
        counts[int(campaign_id)][str(doc_type)][str(state)] = int(n)
    order = {t: i for i, t in enumerate(ws.workflows.types)}
    found = []
    for c in campaigns:
        cid = c.id or 0
        dues = due[cid]
        types = sorted(set(dues) | set(counts[cid]), key=lambda t: (order.get(t, len(order)), t))
        found.append(
            Details(
                code=c.code,
                name=c.name,
                region=regions.get(c.region_id, "?"),
                due={t: dues[t] for t in types if t in dues},
                reminders=readable_offsets(c.reminder_offsets_days),
                created_at=c.created_at.isoformat(timespec="seconds"),
                launched_on=c.launched_on,
                closed_on=c.closed_on,
                documents={t: _in_state_order(ws, t, counts[cid][t]) for t in types},
            )
        )
    return found


def readable_offsets(value: Any) -> tuple[int, ...] | None:
    """The stored offsets; a value edited into something unreadable is shown as none."""
    try:
        return reminder_offsets(value)
    except InvalidInput:
        return None


def _in_state_order(ws: Workspace, doc_type: str, counts: Counter[str]) -> dict[str, int]:
    definition = ws.workflows.find(doc_type)
    known = definition.state_names if definition is not None else ()
    ordered = [s for s in known if counts.get(s)] + sorted(s for s in counts if s not in known)
    return {s: counts[s] for s in ordered}


def list_campaigns(
    ws: Workspace, *, region: str | None = None, region_id: int | None = None
) -> list[Details]:
    """Every campaign (of `region`, a code, when given; of `region_id` only, when given), by
    region then code."""
    with ws.db.reading() as session:
        statement = select(Campaign)
        if region_id is not None:
            statement = statement.where(Campaign.region_id == region_id)
        if region is not None:
            found = _region(session, region.strip().upper())
            statement = statement.where(Campaign.region_id == found.id)
        details = _all_details(session, ws, list(session.exec(statement).all()))
    return sorted(details, key=lambda d: (d.region, d.code))


def show_campaign(ws: Workspace, code: str, *, region_id: int | None = None) -> Details:
    with ws.db.reading() as session:
        return _details(session, ws, campaign_by_code(session, code, region_id=region_id))


def close_campaign(
    ws: Workspace, code: str, *, as_of: date | None = None, region_id: int | None = None
) -> Details:
    """Close a campaign on `as_of` (default today): no launch and no moved date afterwards.
    Its documents stay as they are, and what is owed stays owed (the sweep goes on)."""
    day = check_not_after_today(as_of or today(), "closing date")
    with ws.db.transaction() as session:
        campaign = campaign_by_code(session, code, region_id=region_id, lock=True)
        refuse_if_closed(campaign, "be closed again")
        if campaign.launched_on is not None and day < campaign.launched_on:
            raise InvalidInput(
                f"closing date {day.isoformat()} is before the campaign's launch on "
                f"{campaign.launched_on.isoformat()}"
            )
        campaign.closed_on = day
        return _details(session, ws, campaign)
