"""Who may see what and who may fire what: the one access rule, on plain values.

The pages, the JSON API, the calendar feeds, the CLI's calendar links and `fire` itself all
ask this module (through `services.accounts.access` for the database part), so that what a page
shows and offers is exactly what `fire` accepts:

- an agency person sees the GHTs of their region (every region's when they belong to none);
  a GHT's person sees their own GHT only; a removed person sees nothing; ghtflow's timers
  see everything;
- a person acts where they see, and only by the events of their side (agency, GHT); the
  timers fire the system's events only. Guards (file, motives, dates) are the machine's.

Refusals are returned as one-line messages (None: allowed) so that each caller raises its own
kind of refusal; nothing here reads a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from states.definition import Side, TransitionDef

SIDE_NAMES = {Side.AGENCY: "the agency (ARS)", Side.GHT: "the GHT", Side.SYSTEM: "ghtflow's timers"}


class Place(NamedTuple):
    """Where something belongs: its GHT and that GHT's region."""

    ght_id: int
    region_id: int


class Actor(NamedTuple):
    """Who looks or acts, as the rule needs them. `name` (the e-mail address, or the timers'
    name) and `ght_code` only make the refusals readable. (Named tuples: `fire` builds one per
    event, and they cost about half of a frozen dataclass.)"""

    name: str
    side: Side
    ght_id: int | None = None
    region_id: int | None = None  # an agency person of no region sees every region
    ght_code: str | None = None
    removed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sight:
    """What an actor sees, as a listing filter: nothing, one GHT, one region, or everything
    (`ght_id` and `region_id` both None)."""

    nothing: bool = False
    ght_id: int | None = None
    region_id: int | None = None

    def covers(self, place: Place) -> bool:
        if self.nothing:
            return False
        if self.ght_id is not None:
            return self.ght_id == place.ght_id
        return self.region_id is None or self.region_id == place.region_id


def sight_of(actor: Actor) -> Sight:
    """The GHTs `actor` may see (module docstring)."""
    if actor.removed_at is not None:
        return Sight(nothing=True)
    if actor.side is Side.SYSTEM:
        return Sight()
    if actor.side is Side.GHT:
        return Sight(nothing=actor.ght_id is None, ght_id=actor.ght_id)
    return Sight(region_id=actor.region_id)


def may_see(actor: Actor, place: Place) -> bool:
    """`sight_of(actor).covers(place)`, without building the sight: `fire` asks it each time."""
    if actor.removed_at is not None:
        return False
    if actor.side is Side.GHT:
        return actor.ght_id is not None and actor.ght_id == place.ght_id
    if actor.side is Side.AGENCY:
        return actor.region_id is None or actor.region_id == place.region_id
    return True  # ghtflow's timers


def agency_only(actor: Actor, what: str) -> str | None:
    """Why `actor` may not see `what`, a page for the agency's staff (the regional overview,
    the outbox, the bilan); None when they may."""
    if actor.side is Side.AGENCY and actor.removed_at is None:
        return None
    return f"{what} is for the agency's staff only"


def refusal_to_act(actor: Actor, place: Place, label: str) -> str | None:
    """Why `actor` may not act on `label` (a document at `place`) whatever the event; None
    when they may (they see it)."""
    if actor.removed_at is not None:  # `users remove`: their history stays, their access is gone
        return f"{actor.name} was removed on {actor.removed_at:%Y-%m-%d} and may not act"
    if may_see(actor, place):
        return None
    if actor.side is Side.GHT:
        return f"{actor.name} acts for {actor.ght_code or 'no GHT'} and may not act on {label}"
    return f"{actor.name} belongs to another region's agency than {label}"


def refusal_of_side(side: Side, transition: TransitionDef, label: str) -> str | None:
    """Why someone of `side` may not fire `transition` on `label`: it is the other side's."""
    if side == transition.side:
        return None
    return (
        f"{label}: event {transition.event!r} is for {SIDE_NAMES[transition.side]}, "
        f"not for {SIDE_NAMES[side]}"
    )


def may_fire(actor: Actor, place: Place, label: str, transition: TransitionDef) -> str | None:
    """Why `actor` may not fire `transition` on `label` (a document at `place`), guards
    aside; None when `fire` would let them."""
    return refusal_to_act(actor, place, label) or refusal_of_side(actor.side, transition, label)
