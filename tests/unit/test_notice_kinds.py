"""The notice kinds are listed once (`models.outbox`): who sends each is derived from there."""

from __future__ import annotations

from collections import Counter

from flows.deadline_sweep import KIND_LABELS
from models.outbox import CAMPAIGN_KINDS, EVENT_KINDS, REGION_KINDS, SWEEP_KINDS, NoticeKind


def test_every_kind_is_sent_by_exactly_one_sender():
    senders = Counter([*REGION_KINDS, *CAMPAIGN_KINDS, *EVENT_KINDS, *SWEEP_KINDS])
    assert set(senders) == set(NoticeKind)
    assert set(senders.values()) == {1}


def test_the_sweep_sends_the_document_deadline_kinds_in_their_order():
    assert SWEEP_KINDS == (
        NoticeKind.REMINDER,
        NoticeKind.DUE_TODAY,
        NoticeKind.OVERDUE,
        NoticeKind.CONFORMITY_REMINDER,
        NoticeKind.CONFORMITY_OVERDUE,
        NoticeKind.TACIT_APPROVAL,
    )


def test_the_sweep_summary_names_each_kind_the_sweep_sends():
    assert set(KIND_LABELS) == set(SWEEP_KINDS)
