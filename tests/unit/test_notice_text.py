"""The outbox's kinds and stages read as words (`outbox list`, the sweep's dry run)."""

from __future__ import annotations

import pytest

from services.views.notices import notice_text


@pytest.mark.parametrize(
    ("kind", "stage", "text"),
    [
        ("reminder", "J-30", "reminder, 30 days before"),
        ("reminder", "J-1", "reminder, 1 day before"),
        ("due_today", "J0", "due today"),
        ("overdue", "J+148", "overdue, day 148"),
        ("conformity_overdue", "J+1/r4", "conformity overdue, day 1"),
        ("conformity_reminder", "J-7/r4", "conformity reminder, 7 days before"),
        ("conformity_request", "request-5", "conformity request"),
        ("campaign_launch", "c2/g17", "campaign launch"),
        ("audit_checkpoint", "daily", "audit checkpoint"),
        ("procedure_notice", "event-7", "event notice"),
        ("a_future_kind", "J+8", "a future kind, day 8"),
    ],
)
def test_a_notice_reads_as_words(kind: str, stage: str, text: str) -> None:
    assert notice_text(kind, stage) == text
