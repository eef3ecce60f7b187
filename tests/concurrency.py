"""Running calls at the same moment, each on its own database connection (PostgreSQL tests).

`run_together(*calls)` starts one thread per call and releases them together with a barrier; each
thread has its own connection, so the calls really meet on row locks. `slow_audit` (a fixture) holds
every service's transaction open a little after it has taken the case's row lock, so the other call
certainly waits on the lock rather than merely running after the first one.
"""

import threading
import time

import pytest
from django.db import connection
from django.utils import translation

from evaluations.models import CaseEvent


def run_together(*calls, timeout=120):
    """Each call in its own thread (its own connection), released at once by a barrier.

    Returns ("ok", value) or ("error", exception) per call, in order.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def work(index, call):
        try:
            with translation.override("sv"):
                barrier.wait(timeout=10)
                results[index] = ("ok", call())
        except BaseException as error:  # noqa: BLE001 - reported to the test
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


@pytest.fixture
def slow_audit(monkeypatch):
    """Hold each service's transaction open a little after it has taken the row lock, so that the
    other thread is certainly waiting on the lock (not merely running after the first one)."""
    real = CaseEvent.record

    def record(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(CaseEvent, "record", staticmethod(record))
