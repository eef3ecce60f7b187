"""Fixtures for the read log and the trainee's own data: local storage in a fresh folder per test (as the purge's
tests), the data migrations' definitions, and a signed-in client per user."""

import pytest
from django.test import Client

from tests.portfolio.conftest import _media_in_tmp  # noqa: F401  (autouse fixture)
from tests.purge.builders import load_definitions
from tests.purge.conftest import migration_rows_back  # noqa: F401  (fixture)


@pytest.fixture
def definitions(db):
    load_definitions()


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
