"""Two sweeps at the same moment on separate connections: every reminder is e-mailed exactly once.

Needs PostgreSQL (run with CI=true): SQLite serialises whole-database writes and would prove nothing.
Each sweep holds its claim's transaction open a little (the relevance check is slowed down), so the
other sweep meets rows that are locked mid-claim, not merely rows that were claimed long before.
"""

import time
from collections import Counter
from datetime import date, datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from evaluations import services
from evaluations.models import Evaluation
from scheduling.models import Reminder
from scheduling.services import reminders
from tests.concurrency import run_together

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")
CASES = 12

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent transactions on separate connections with row locks "
        "(run with CI=true); SQLite locks the whole database file",
    ),
]


def at(day: date, hour: int = 7):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, 0, tzinfo=STHLM), tick=False)


@pytest.fixture
def slow_relevance_check(monkeypatch):
    real = reminders.planned_reminders

    def planned(*args, **kwargs):
        time.sleep(0.02)
        return real(*args, **kwargs)

    monkeypatch.setattr(reminders, "planned_reminders", planned)


def test_two_sweeps_at_once_mail_each_reminder_exactly_once(
    transactional_db, make_case, mailoutbox, settings, slow_relevance_check
):
    settings.MITTIST_OFFICE_EMAIL = "kansli@example.org"
    with at(date(2026, 3, 2), 10):
        cases = [make_case(S.EVALUATOR_ACCEPTED) for _ in range(CASES)]  # autocommit: re-planned at once
    assert Reminder.objects.due(date(2026, 3, 13)).count() == CASES
    mailoutbox.clear()

    with at(date(2026, 3, 13)):
        results = run_together(reminders.send_due_reminders, reminders.send_due_reminders)

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert sum(count for _, count in results) == CASES  # queued once between them
    per_trainee = Counter(parseaddr(m.to[0])[1] for m in mailoutbox)
    assert per_trainee == Counter({case.trainee.email: 1 for case in cases})
    assert Reminder.objects.filter(kind="contact_before", sent_at__isnull=False).count() == CASES
    assert not Reminder.objects.filter(kind="contact_before", cancelled_at__isnull=False).exists()


def test_a_sweep_and_a_contact_registered_at_once_never_both_mail_and_cancel(
    transactional_db, make_case, mailoutbox, slow_relevance_check
):
    with at(date(2026, 3, 2), 10):
        cases = [make_case(S.EVALUATOR_ACCEPTED) for _ in range(CASES)]
    mailoutbox.clear()

    def register_contacts():
        for case in reversed(cases):  # from the other end: the two meet somewhere in the middle
            services.case_mark_contact_made(case=case, by=case.trainee, on=date(2026, 3, 13))

    with at(date(2026, 3, 13)):
        results = run_together(reminders.send_due_reminders, register_contacts)

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    mailed = Counter(parseaddr(m.to[0])[1] for m in mailoutbox)
    for case in cases:
        reminder = Reminder.objects.get(case=case, kind="contact_before")
        # Either the sweep got there first and mailed once, or the contact did and nothing went out.
        assert (reminder.sent_at is None) != (reminder.cancelled_at is None), reminder
        assert mailed[case.trainee.email] == (1 if reminder.sent_at else 0)
