#!/usr/bin/env python
"""Times the reminder sweep with 1,000 and with 100,000 cases, the same number of reminders due in both.

The sweep's cost should follow the number of reminders due, not the number of cases: one query on the
partial index of pending rows finds what is due, and each due row costs the same few queries whatever
else is in the tables. Target: the large run takes at most twice as long as the small one.

    make bench
    .venv/bin/python bench/reminder_sweep.py [--small 1000] [--large 100000] [--due 200] [--runs 5]

Uses a throwaway SQLite file (/tmp/mittist-bench.sqlite3, recreated each time, synchronous=NORMAL so
that the disk's fsync latency does not drown the numbers) unless DATABASE_URL is set; such a database
must be empty of cases, or pass --reset to FLUSH IT (every table is emptied).
What is timed is `send_due_reminders()` as the schedule runs it: it claims each due reminder and
queues its mail task on the database broker (REDIS_URL is ignored here). After each timed run the
queued tasks are taken off the queue and run in this process, with the e-mails going to Django's
in-memory backend, and the run is checked to have mailed exactly once per due reminder.
"""

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE_FILE = Path("/tmp/mittist-bench.sqlite3")
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
STHLM = ZoneInfo("Europe/Stockholm")
CASE_LINK = re.compile(r"/arenden/([0-9a-f-]{36})/")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000, help="cases in the first round")
    parser.add_argument("--large", type=int, default=100_000, help="cases in the second round")
    parser.add_argument("--due", type=int, default=200, help="reminders due in both rounds")
    parser.add_argument("--runs", type=int, default=7, help="timed sweeps per round (after two warm-ups)")
    parser.add_argument("--reset", action="store_true", help="flush a DATABASE_URL database that has cases")
    parser.add_argument("--time-only", action="store_true", help=argparse.SUPPRESS)  # the timing child
    return parser.parse_args()


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mittist.settings")
    if not os.environ.get("DATABASE_URL"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
    os.environ.pop("EMAIL_HOST", None)  # never a real mail server from here
    os.environ.pop("REDIS_URL", None)  # nor a real queue: the tasks go to this database's queue table
    os.environ["EMAIL_BACKEND"] = LOCMEM
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = LOCMEM
    from django.db.backends.signals import connection_created

    def sqlite_without_fsync_per_commit(sender, connection, **kwargs):
        # Each claim is its own commit; with fsync on every commit the times measure the disk (and
        # whatever else is writing to it), not the sweep. WAL with synchronous=NORMAL still syncs at
        # checkpoints. PostgreSQL is left as configured.
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")

    connection_created.connect(sqlite_without_fsync_per_commit, weak=False)
    # One line per step from here, not one per queued task.
    logging.getLogger("django-q").setLevel(logging.WARNING)
    logging.getLogger("scheduling").setLevel(logging.WARNING)


def deliver_queued_mails() -> int:
    """Run the queued reminder-mail tasks here (what the qcluster worker does); returns how many mails they sent."""
    from django.utils.module_loading import import_string
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    from mittist.outbox.sending import SEND_TASK
    from scheduling.services.reminders import MAIL_TASK

    broker = get_broker()
    ran = 0
    while broker.queue_size():
        for queue_id, payload in broker.dequeue() or []:
            task = SignedPackage.loads(payload)
            # A reminder's task writes its mail to the outbox, whose own task then sends it.
            assert task["func"] in (MAIL_TASK, SEND_TASK), task["func"]
            import_string(task["func"])(*task["args"], **task["kwargs"])
            broker.acknowledge(queue_id)
            ran += task["func"] == SEND_TASK
    return ran


def say(message: str) -> None:
    print(message, flush=True)


class Bench:
    def __init__(self, args):
        from django.db import connection
        from django.utils import timezone

        from evaluations.models import Evaluation, Evaluator
        from mittist import crypto
        from mittist.accounts.models import Role, User

        self.args = args
        self.connection = connection
        self.Evaluation = Evaluation
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.lookup_hash = crypto.lookup_hash
        self.ciphertext = crypto.encrypt("190001019800")  # one fictional value is enough for the column
        # Everyone shares one trainee and one evaluator: the sweep does not care whose cases they are.
        self.trainee = User.objects.create_user(
            email="bench.trainee@example.org", password=None, full_name="Bänk Testsson", role=Role.TRAINEE
        )
        evaluator_user = User.objects.create_user(
            email="bench.evaluator@example.org", password=None, full_name="Bänk Värderare", role=Role.EVALUATOR
        )
        self.evaluator = Evaluator.objects.create(user=evaluator_user, region="uppsala", home_clinic="VC Bänk")
        self.made = 0

    def _case(self, n: int, notified_days_ago: int):
        notified = datetime.combine(self.today - timedelta(days=notified_days_ago), datetime.min.time(), STHLM)
        return self.Evaluation(
            trainee=self.trainee,
            state=self.Evaluation.State.EVALUATOR_ACCEPTED,
            personnummer_encrypted=self.ciphertext,
            personnummer_hash=self.lookup_hash(f"bench-{n:09d}"),  # distinct: one active case per person
            personnummer_masked="19000101-****",
            workplace="Vårdcentralen Bänk",
            region="uppsala",
            curriculum="2021",
            st_start=self.today - timedelta(days=900),
            st_planned_end=self.today + timedelta(days=800),
            supervisor_name="Hedda Handledare",
            supervisor_email="handledare@example.org",
            manager_name="Maja Chef",
            manager_profession="Distriktsläkare",
            invoicing_address="Box 1",
            registration_accepted_at=self.now,
            evaluator=self.evaluator,
            evaluator_assigned_at=self.now,
            evaluator_notified_at=notified + timedelta(hours=12),
            next_due_kind="contact",
        )

    def add_cases(self, count: int, due: int) -> None:
        """`count` more cases, of which the first `due` have a reminder due today."""
        from django.conf import settings

        from scheduling.models import Reminder

        contact_days = settings.MITTIST_CONTACT_DAYS
        before = -settings.MITTIST_REMINDER_DAYS["contact_before"]
        batch = 5_000
        for start in range(0, count, batch):
            size = min(batch, count - start)
            cases, reminders = [], []
            for i in range(size):
                n = self.made + start + i
                is_due = start + i < due
                # A due case's "N days before" reminder is for today; every other case waits for later ones.
                ago = contact_days - before if is_due else n % (contact_days - before)
                case = self._case(n, ago)
                case.next_due_on = self.today + timedelta(days=contact_days - ago)
                cases.append(case)
                contact_due = case.next_due_on
                rows = [
                    ("contact_before", contact_due, contact_due - timedelta(days=before), None, None),
                    ("contact_on_day", contact_due, contact_due, None, None),
                    ("contact_overdue", contact_due, contact_due + timedelta(days=1), None, None),
                ]
                if not is_due:  # history: what earlier cases leave behind in the table
                    old = self.today - timedelta(days=60)
                    rows.append(("contact_before", old, old - timedelta(days=before), self.now, None))
                    rows.append(("contact_on_day", old, old, None, self.now))
                reminders += [
                    Reminder(case=case, kind=kind, due_on=due_on, send_on=send_on, sent_at=sent, cancelled_at=cancelled)
                    for kind, due_on, send_on, sent, cancelled in rows
                ]
            self.Evaluation.objects.bulk_create(cases, batch_size=1_000)
            Reminder.objects.bulk_create(reminders, batch_size=1_000)
            say(f"  {self.made + start + size:>7,} cases")
        self.made += count
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def time_sweeps(due_count: int, runs: int) -> list[float]:
    """Time `runs` sweeps (after two warm-ups) of the reminders due today; each run starts them unsent.

    Runs in a fresh process (see main), like the worker that runs the schedule: nothing left over from
    creating the data (memory, caches, the query log) weighs on the second round.
    """
    from django.core import mail
    from django.utils import timezone

    from scheduling.models import Reminder
    from scheduling.services.reminders import send_due_reminders

    today = timezone.localdate()
    noon = datetime.combine(today, datetime.min.time(), STHLM) + timedelta(hours=12)  # after the earliest hour
    due_ids = list(Reminder.objects.filter(kind="contact_before", send_on=today).values_list("pk", flat=True))
    Reminder.objects.filter(pk__in=due_ids).update(sent_at=None, cancelled_at=None)
    due = Reminder.objects.due(today)
    assert due.count() == len(due_ids) == due_count, (due.count(), len(due_ids))
    say(f"  query plan: {' | '.join(due.explain().splitlines())}")
    times = []
    warm_ups = 2
    for run in range(warm_ups + runs):
        Reminder.objects.filter(pk__in=due_ids).update(sent_at=None, cancelled_at=None)
        mail.outbox = []
        started = time.perf_counter()
        queued = send_due_reminders(now=noon)
        elapsed = time.perf_counter() - started
        ran = deliver_queued_mails()
        assert queued == ran == len(mail.outbox) == due_count, (queued, ran, len(mail.outbox))
        mailed_cases = {CASE_LINK.search(m.body).group(1) for m in mail.outbox}
        assert len(mailed_cases) == due_count, "a case's reminder was mailed twice"
        if run < warm_ups:
            say(f"  warm-up: {elapsed * 1000:.0f} ms")
        else:
            times.append(elapsed)
            say(f"  run {run - warm_ups + 1}: {elapsed * 1000:.0f} ms ({queued} reminders, {len(mail.outbox)} mails)")
    return times


def time_in_fresh_process(args, label: str) -> list[float]:
    # The child inherits DATABASE_URL (set by setup_django) and finds the same database.
    child = subprocess.run(
        [sys.executable, __file__, "--time-only", "--due", str(args.due), "--runs", str(args.runs)],
        stdout=subprocess.PIPE, text=True, check=True,
    )
    lines = child.stdout.splitlines()
    for line in lines[:-1]:
        say(line)
    times = json.loads(lines[-1])
    say(f"{label}: median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms")
    return times


def main() -> int:
    args = parse_args()
    if args.time_only:
        setup_django()
        print(json.dumps(time_sweeps(args.due, args.runs)), flush=True)
        return 0
    if args.large <= args.small or args.due > args.small:
        sys.exit("need --due <= --small < --large")
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from evaluations.models import Evaluation

    vendor = connection.vendor
    say(f"Database: {vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    if Evaluation.objects.exists():
        if not args.reset:
            sys.exit("The database already has cases. Point DATABASE_URL at an empty one, or pass --reset to flush it.")
        say("Flushing the database (--reset)")
        call_command("flush", interactive=False, verbosity=0)

    bench = Bench(args)
    started = time.perf_counter()
    say(f"Creating {args.small:,} cases, {args.due} with a reminder due today")
    bench.add_cases(args.small, args.due)
    small = time_in_fresh_process(args, f"{args.small:,} cases")

    say(f"Adding {args.large - args.small:,} cases with nothing due")
    bench.add_cases(args.large - args.small, 0)
    large = time_in_fresh_process(args, f"{args.large:,} cases")

    ratio = statistics.median(large) / statistics.median(small)
    best_ratio = min(large) / min(small)
    verdict = "OK" if ratio <= 2 else "OVER TARGET"
    say("")
    say(f"Sweep of {args.due} due reminders ({vendor}), {args.runs} runs each:      median      best")
    for label, times in ((f"{args.small:,} cases", small), (f"{args.large:,} cases", large)):
        say(f"  {label:>15}: {statistics.median(times) * 1000:33.0f} ms {min(times) * 1000:6.0f} ms")
    say(f"  ratio (large / small): {ratio:27.2f}x {best_ratio:7.2f}x   target <= 2x on the median: {verdict}")
    say(f"Total time {time.perf_counter() - started:.0f} s")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
