"""`services.lifecycle.fire.fire` driven by hypothesis on a real database, not only the pure
machine.

Random events, from random people, on random documents of the Occitanie scenario; after every
step: the audit chain verifies, the document moved exactly as its definition says (or not at
all when refused), its row version rose by one per accepted event and its file version by one
per event that stores a file, and conformity requests are open exactly in the states the
definition says they wait in. Expectations are computed from the definitions' data, so a
mistake in `fire`, its effects or its phases cannot hide behind itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlmodel import col

from models import ConformityMotive, ConformityRequest, Document, Ght
from services.audit.chain import verify_chain
from services.clock import today
from services.errors import InvalidInput, PermissionDenied, ServiceError
from services.lifecycle.fire import fire, fire_timer_event
from services.workspace import Workspace
from states.deadlines import conformity_states
from states.definition import STORE_VERSION, Side
from states.errors import StateError
from states.guards import add_months
from tests.integration.helpers import OFFICER, director

BOGUS_EVENT = "teleport"
ACTORS = ("own", "other_ght", "agency", "system")


def _documents(ws: Workspace) -> list[tuple[int, str, str]]:
    with ws.db.reading() as session:
        rows = session.execute(
            select(col(Document.id), col(Document.doc_type), col(Ght.code))
            .join(Ght, col(Ght.id) == col(Document.ght_id))
            .order_by(col(Document.id))
        ).all()
    return [(int(i), str(t), str(c)) for i, t, c in rows]


def _row(ws: Workspace, document_id: int) -> tuple[str, int, int]:
    with ws.db.reading() as session:
        state, version_id, current = session.execute(
            select(
                col(Document.state), col(Document.version_id), col(Document.current_version)
            ).where(col(Document.id) == document_id)
        ).one()
    return str(state), int(version_id), int(current)


def _run(ws: Workspace, tmp_path: Path, examples: int) -> None:
    everything = _documents(ws)
    codes = sorted({code for _, _, code in everything})
    # one document of each type (in a GHT that has one): few enough for long lives
    documents = list({doc_type: (i, doc_type, c) for i, doc_type, c in everything}.values())
    with ws.db.reading() as session:
        motive = str(session.execute(select(col(ConformityMotive.key))).scalars().first())

    class FireOnTheDatabase(RuleBasedStateMachine):
        @rule(
            pick=st.integers(0, len(documents) - 1),
            actor=st.sampled_from(ACTORS),
            which=st.integers(0, 20),
            legal=st.booleans(),
        )
        def fire_an_event(self, pick: int, actor: str, which: int, legal: bool) -> None:
            document_id, doc_type, code = documents[pick]
            definition = ws.workflows.definition(doc_type)
            state, version_id, current = _row(ws, document_id)
            # half the time an event the state allows, by the side it is for, so documents
            # live long lives; otherwise any event, the bogus one included, by anyone
            allowed = [t for t in definition.transitions if state in t.sources]
            if legal and allowed:
                chosen = allowed[which % len(allowed)]
                event, actor = chosen.event, {"ght": "own"}.get(chosen.side, chosen.side)
            else:
                events = [*definition.events, BOGUS_EVENT]
                event = events[which % len(events)]
            transition = definition.transition(state, event)
            expected_side = {
                "own": Side.GHT,
                "other_ght": Side.GHT,
                "agency": Side.AGENCY,
                "system": Side.SYSTEM,
            }[actor]
            accepted = (
                transition is not None
                and transition.side is expected_side
                and actor != "other_ght"
                and state not in definition.final_states
            )
            options: dict[str, Any] = {}
            if transition is not None and actor != "system":
                if "file_attached" in transition.guards:
                    path = tmp_path / f"v{version_id}.pdf"
                    path.write_bytes(b"%PDF-1.4 stateful " + str(version_id).encode())
                    options["file"] = path
                if "conformity_motives" in transition.guards:
                    options["motives"] = (motive,)
                if "respond_by_min_delay" in transition.guards:
                    options["respond_by"] = add_months(today(), 2)
            try:
                if actor == "system":
                    fire_timer_event(ws, document_id, event, today())
                else:
                    other = next(c for c in codes if c != code)
                    who = {"own": director(code), "other_ght": director(other)}.get(actor, OFFICER)
                    fire(ws, document_id, event, who, **options)
            except InvalidInput as refused:
                # the one refusal a definition cannot predict: an HAD without its area
                assert accepted and "cannot sign" in str(refused), str(refused)
                assert _row(ws, document_id) == (state, version_id, current)
                return
            except (StateError, PermissionDenied, ServiceError) as refused:
                assert not accepted, f"{event} from {state} by {actor} refused: {refused}"
                assert _row(ws, document_id) == (state, version_id, current)
                return
            assert accepted, f"{doc_type} {state} accepted {event!r} from {actor}"
            assert transition is not None
            new_state, new_version_id, new_current = _row(ws, document_id)
            assert new_state == transition.dest
            assert new_version_id == version_id + 1  # one row version per accepted event
            stores = STORE_VERSION in transition.effects
            assert new_current == current + (1 if stores else 0)

        @invariant()
        def the_history_verifies(self) -> None:
            report = verify_chain(ws)
            assert report.intact, report.problem

        @invariant()
        def requests_are_open_exactly_where_the_definition_waits_for_them(self) -> None:
            with ws.db.reading() as session:
                open_by_document: dict[int, int] = {
                    int(document_id): int(n)
                    for document_id, n in session.execute(
                        select(col(ConformityRequest.document_id), func.count())
                        .where(col(ConformityRequest.answered_on).is_(None))
                        .group_by(col(ConformityRequest.document_id))
                    )
                }
                states = session.execute(
                    select(col(Document.id), col(Document.doc_type), col(Document.state))
                ).all()
            for document_id, doc_type, state in states:
                waiting = state in conformity_states(ws.workflows.definition(doc_type))
                assert open_by_document.get(document_id, 0) == (1 if waiting else 0), (
                    f"document {document_id} ({doc_type}) in {state}: "
                    f"{open_by_document.get(document_id, 0)} open request(s)"
                )

    run_state_machine_as_test(
        FireOnTheDatabase,
        settings=settings(
            max_examples=examples,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


def test_fire_keeps_every_promise_on_a_real_database(occitanie, tmp_path, backend):
    _run(occitanie, tmp_path, examples=12 if backend == "sqlite" else 6)
