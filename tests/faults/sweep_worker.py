"""A reminder sweep in a process of its own, for test_worker_killed.py to kill with SIGKILL.

Run as `python -m tests.faults.sweep_worker <ISO datetime> <seconds per reminder>`, with DATABASE_URL
pointing at the test database. Each reminder's claim is held open for the given time (the relevance
check is slowed down), so the process is certainly killed with a claim's transaction open.
"""

import sys
import time
from datetime import datetime

import django


def main(now: str, pause: float) -> None:
    import time_machine

    django.setup()
    from scheduling.services import reminders

    real = reminders.planned_reminders

    def slow(*args, **kwargs):
        time.sleep(pause)
        return real(*args, **kwargs)

    reminders.planned_reminders = slow
    with time_machine.travel(datetime.fromisoformat(now), tick=True):
        reminders.send_due_reminders()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
