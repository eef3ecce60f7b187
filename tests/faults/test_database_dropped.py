"""The database server drops the web process's connection (a restart, a fail-over, an admin's kill).

Requests are run through Django's WSGI handler in this thread, as a sync worker (gunicorn) runs them:
the request_started/request_finished signals manage the kept connection (CONN_MAX_AGE) exactly as in
production; the test client would switch that handling off. The server side of the connection is
killed for real, with pg_terminate_backend from another connection.
"""

import time

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from evaluations.models import Evaluation

from .conftest import needs_postgres

pytestmark = needs_postgres
S = Evaluation.State


class Browser:
    """One signed-in visitor, its requests handled by a real WSGI handler in this thread."""

    def __init__(self, user):
        client = Client()
        client.force_login(user)
        self.cookie = "; ".join(f"{key}={morsel.value}" for key, morsel in client.cookies.items())
        self.handler = WSGIHandler()

    def get(self, path):
        environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=self.cookie)
        status = []
        started = time.monotonic()
        response = self.handler(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            body = b"".join(response).decode()
        finally:
            response.close()  # request_finished: where Django decides whether to keep the connection
        return int(status[0].split()[0]), body, time.monotonic() - started


def backend_pid() -> int | None:
    return connection.connection.info.backend_pid if connection.connection is not None else None


def terminate(pid: int) -> None:
    """Kill a server process from a connection of its own, and wait until it is gone."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"], autocommit=True,
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} did not go away")


@pytest.fixture
def page(transactional_db, make_case, trainee):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    return Browser(trainee), reverse("evaluations:case_detail", args=[case.pk])


def test_connections_are_kept_between_requests_and_checked_before_use():
    # What the rest of this file relies on: without a kept connection there is nothing to drop.
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_dropped_between_requests_is_replaced_and_the_next_request_works(page):
    browser, path = page
    assert browser.get(path)[0] == 200
    kept = backend_pid()
    assert kept is not None
    assert browser.get(path)[0] == 200
    assert backend_pid() == kept  # the same connection served both requests

    terminate(kept)

    status, body, seconds = browser.get(path)
    assert status == 200, body[:500]
    assert backend_pid() not in (None, kept)  # a new connection
    assert seconds < 10


def test_a_connection_dropped_mid_request_gives_the_error_page_and_the_next_request_works(page):
    browser, path = page
    assert browser.get(path)[0] == 200
    kept = backend_pid()

    queries = []

    def kill_after_the_session_is_read(execute, sql, params, many, context):
        queries.append(sql)
        if len(queries) == 3:  # the session and the user are loaded; the view has started its work
            terminate(kept)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_after_the_session_is_read):
        status, body, seconds = browser.get(path)

    assert status == 500
    assert "Något gick fel hos oss" in body and "Something went wrong" in body
    assert seconds < 10  # an error page, not a hang
    assert len(queries) == 3  # nothing more was tried on the dead connection

    status, body, _ = browser.get(path)
    assert status == 200, body[:500]
    assert backend_pid() not in (None, kept)
