"""Fixtures for the purge tests.

- local storage in a fresh folder per test, and the moto S3 server (`s3`), reused from tests/portfolio;
- `at(moment)`: the clock moved with time_machine while the block runs;
- `sweep(moment)`: one run of the purge sweep at that moment, as the scheduled job does it.
"""

from contextlib import contextmanager
from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from evaluations.purge import run_sweep
from tests.portfolio.conftest import _media_in_tmp, moto_server, s3  # noqa: F401  (fixtures)

from .builders import load_definitions


def noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


@contextmanager
def at(moment):
    moment = noon(moment) if isinstance(moment, date) and not isinstance(moment, datetime) else moment
    with time_machine.travel(moment, tick=True):
        yield


def sweep(moment) -> dict:
    """One run at `moment`; what it queues on commit (the notices) runs too, as the worker would."""
    with at(moment), TestCase.captureOnCommitCallbacks(execute=True):
        return run_sweep()


NOTICE = 7
AFTER_REVIEW = 30
MAX = 90
KEEP = 30


@pytest.fixture(autouse=True)
def _durations(settings):
    # The defaults, stated here so that the tests' dates do not move if a default does.
    settings.MITTIST_PURGE_NOTICE_DAYS = NOTICE
    settings.MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW = AFTER_REVIEW
    settings.MITTIST_REPORT_KEEP_DAYS_MAX = MAX
    settings.MITTIST_MATERIAL_KEEP_DAYS_AFTER_END = KEEP
    settings.SITE_URL = "https://mittist.example.org"


@pytest.fixture
def definitions(db):
    load_definitions()


@pytest.fixture(scope="module")
def migration_rows_back(django_db_setup, django_db_blocker):
    """For modules with transactional tests (a live server, the dump test): these flush the database when
    they end, the data migrations' rows too. Put them back once the module is done, for the tests after it."""
    yield
    with django_db_blocker.unblock():
        load_definitions()
        connection.close()  # opened outside any test: left open, it would keep the test database from being dropped
