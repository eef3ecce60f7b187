"""Shared by the fault tests: what needs PostgreSQL, and running calls at the same moment.

Each fault test makes one thing go wrong for real (a storage server that stops, a database connection
killed by the server, a worker killed with SIGKILL, an SMTP server that refuses, two requests at once)
and asserts what the user and the database are left with.
"""

import threading

import pytest
from django.db import connection
from django.utils import translation

from tests.outbox.conftest import smtp  # noqa: F401 - the real SMTP server fixture, for this folder too

skip_unless_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: separate connections, row locks and server-side connection control "
    "(run with CI=true); SQLite locks the whole database file",
)
needs_postgres = [pytest.mark.postgres, skip_unless_postgres]


def run_together(*calls, timeout=60):
    """Run each call in its own thread (its own database connection), released together by a barrier.

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
