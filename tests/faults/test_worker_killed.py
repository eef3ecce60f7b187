"""The worker is killed (SIGKILL) in the middle of a reminder sweep and started again.

The sweep runs in a real process of its own against the test database; it is killed while one claim's
transaction is open, after some reminders were claimed. The sweep claims a reminder and writes its
e-mail to the outbox in one transaction, so whatever the moment of the kill, every claimed reminder
has its e-mail and every other one is still pending: the next sweep sends exactly the rest.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection

from evaluations.models import Evaluation
from mittist.outbox.models import Message
from mittist.outbox.sending import send_due
from scheduling.models import Reminder
from scheduling.services import reminders

from .conftest import needs_postgres

pytestmark = needs_postgres
S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")
CASES = 8
ROOT = Path(__file__).resolve().parents[2]
APP_NAME = "mittist-sweep-to-kill"


def at(day: date, hour: int):
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=STHLM)


def url_of_the_test_database() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def sweep_backend_state() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT state FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
        row = cursor.fetchone()
    return row[0] if row else None


def claimed() -> int:
    return Reminder.objects.filter(kind="contact_before", sent_at__isnull=False).count()


def wait_for(condition, seconds=60.0, what=""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def mails_per_case() -> Counter:
    return Counter(Message.objects.filter(template="reminder_contact").values_list("case_id", flat=True))


def test_a_sweep_killed_mid_claim_loses_no_reminder_and_the_next_sweep_sends_each_once(
    transactional_db, make_case, mailoutbox
):
    with time_machine.travel(at(date(2026, 3, 2), 10), tick=False):
        cases = [make_case(S.EVALUATOR_ACCEPTED) for _ in range(CASES)]
    sweep_time = at(date(2026, 3, 13), 7)
    assert Reminder.objects.due(date(2026, 3, 13)).filter(kind="contact_before").count() == CASES
    Message.objects.all().delete()  # the mails of making the cases: not what this is about
    mailoutbox.clear()

    env = {**os.environ, "DATABASE_URL": url_of_the_test_database(), "PGAPPNAME": APP_NAME,
           "DJANGO_SETTINGS_MODULE": "mittist.settings", "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.sweep_worker", sweep_time.isoformat(), "0.25"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        # Killed after a few claims have committed, while the next claim's transaction is open.
        wait_for(lambda: claimed() >= 3 and sweep_backend_state() == "idle in transaction", what="claims")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    output = worker.stdout.read().decode(errors="replace")
    assert worker.returncode == -signal.SIGKILL, output
    wait_for(lambda: sweep_backend_state() is None, what="the server to notice the dead worker")

    # What the crash left: the open claim was rolled back with its e-mail; every committed claim has its.
    done = claimed()
    assert 3 <= done < CASES
    sent_cases = set(Reminder.objects.filter(kind="contact_before", sent_at__isnull=False).values_list("case_id", flat=True))
    assert mails_per_case() == Counter({case_id: 1 for case_id in sent_cases})
    assert not Reminder.objects.filter(kind="contact_before", cancelled_at__isnull=False).exists()

    # The worker comes back: its next sweep sends the rest.
    with time_machine.travel(sweep_time, tick=False):
        assert reminders.send_due_reminders() == CASES - done
        assert reminders.send_due_reminders() == 0
    send_due()  # the outbox's sweep, later that day

    assert claimed() == CASES
    assert mails_per_case() == Counter({case.pk: 1 for case in cases})
    assert Counter(parseaddr(m.to[0])[1] for m in mailoutbox) == Counter({case.trainee.email: 1 for case in cases})
