"""The demo still logs in with one command: staff are pre-enrolled and `make otp` prints their code."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_demo_staff_log_in_with_the_printed_code(make_user):
    # seed_demo calls enrol_demo_staff on its users (the whole seed is exercised in tests/portfolio).
    from mittist.accounts.demo import enrol_demo_staff
    from mittist.accounts.models import Role

    staff = make_user(Role.COORDINATOR, email="koordinator@example.org")
    admin = make_user(Role.ADMIN, email="admin@example.org", is_staff=True, is_superuser=True)
    trainee = make_user(Role.TRAINEE, email="st-lakare@example.org")
    assert enrol_demo_staff([staff, admin, trainee]) == [staff, admin]
    enrol_demo_staff([staff, admin, trainee])  # again: nothing changes
    out = StringIO()
    call_command("demo_otp", stdout=out)
    code = re.search(r"Tvåstegskod: (\d{6})", out.getvalue()).group(1)
    assert "koordinator@example.org" in out.getvalue() and "admin@example.org" in out.getvalue()
    assert "st-lakare@example.org" not in out.getvalue()  # the second factor is optional for trainees

    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "koordinator@example.org", "password": PASSWORD})
    verify = client.get(response.url)
    assert verify.status_code == 302 and verify.url.startswith(reverse("accounts:second_factor_verify"))
    response = client.post(reverse("accounts:second_factor_verify"), {"token": code})
    assert response.status_code == 302
    assert client.get(reverse("evaluations:dashboard")).status_code == 200

    other = Client()
    other.post(reverse("accounts:login"), {"username": "st-lakare@example.org", "password": PASSWORD})
    assert other.get(reverse("evaluations:trainee_home")).status_code == 200


def test_the_demo_code_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo_otp", stdout=StringIO())
