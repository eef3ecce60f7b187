"""Shared by the fault tests: what needs PostgreSQL, the real SMTP and S3 servers.

Each fault test makes one thing go wrong for real (a storage server cut off mid-upload, a database connection
killed by the server, a worker killed with SIGKILL, an SMTP server that refuses, two requests at once)
and asserts what the user and the database are left with.
"""

import pytest
from django.db import connection

from tests.outbox.conftest import smtp  # noqa: F401 - the real SMTP server fixture, for this folder too
from tests.portfolio.conftest import moto_server  # noqa: F401 - the S3 server fixture, for this folder too

skip_unless_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: separate connections, row locks and server-side connection control "
    "(run with CI=true); SQLite locks the whole database file",
)
needs_postgres = [pytest.mark.postgres, skip_unless_postgres]
