"""Sessions for a shared clinic computer: idle limit, absolute limit, a cookie that ends with the browser,
and autosave that keeps the text across an idle logout."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from evaluations.models import Evaluation
from portfolio.models import Section
from tests.conftest import PASSWORD
from tests.second_factor import current_code, enrol, needs_second_factor

S = Evaluation.State
START = datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
DASHBOARD = reverse("evaluations:dashboard")
VERIFY = reverse("accounts:second_factor_verify")


def signed_in(response) -> bool:
    return response.wsgi_request.user.is_authenticated


def log_in(client, user):
    """The real sign-in: the password, and for staff the code from their authenticator on the second step."""
    device = enrol(user) if needs_second_factor(user) else None
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    if device is not None:
        # Signed in with the password only: every page leads to the second step until the code is given.
        assert client.get(DASHBOARD).url.startswith(VERIFY)
        verified = client.post(VERIFY, {"token": current_code(device)})
        assert verified.status_code == 302 and not verified.url.startswith(VERIFY)
    return response


def test_idle_for_longer_than_the_limit_signs_out_with_a_message(client, coordinator):
    with time_machine.travel(START, tick=False) as traveller:
        log_in(client, coordinator)
        assert client.get(DASHBOARD).status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get(DASHBOARD).status_code == 200  # within the limit: still signed in
        traveller.shift(timedelta(minutes=31))
        response = client.get(DASHBOARD)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
        assert not signed_in(response)
        page = client.get(response.url)
        assert "utan aktivitet" in page.content.decode()
        assert not signed_in(client.get(DASHBOARD))


def test_the_idle_limit_comes_from_the_setting(client, coordinator, settings):
    settings.MITTIST_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(START, tick=False) as traveller:
        log_in(client, coordinator)
        client.get(DASHBOARD)
        traveller.shift(timedelta(minutes=6))
        response = client.get(DASHBOARD)
        assert response.status_code == 302 and not signed_in(response)
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert messages == ["Du har loggats ut efter 5 minuter utan aktivitet. Logga in igen för att fortsätta."]


def test_activity_keeps_the_session_until_the_absolute_limit(client, coordinator, settings):
    settings.MITTIST_SESSION_MAX_HOURS = 2
    with time_machine.travel(START, tick=False) as traveller:
        log_in(client, coordinator)
        client.get(DASHBOARD)
        for _ in range(5):  # 1 h 40 min of work, a request every 20 minutes
            traveller.shift(timedelta(minutes=20))
            assert client.get(DASHBOARD).status_code == 200
        traveller.shift(timedelta(minutes=21))  # 2 h 01 min after signing in
        response = client.get(DASHBOARD)
        assert response.status_code == 302 and not signed_in(response)
        assert "varat i 2 timmar" in client.get(response.url).content.decode()


def test_the_session_cookie_ends_when_the_browser_closes(client, coordinator):
    response = log_in(client, coordinator)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]


def test_autosave_after_an_idle_logout_answers_401_and_saves_nothing(client, make_case):
    case = make_case(S.PRACTICE_DAY_AGREED)
    url = reverse("portfolio:section_autosave", args=[case.pk, "C"])
    with time_machine.travel(START, tick=False) as traveller:
        log_in(client, case.trainee)
        client.get(reverse("portfolio:section", args=[case.pk, "C"]))
        traveller.shift(timedelta(minutes=45))
        response = client.post(url, {"version": 0, "focus": "Text skriven före lunch."},
                               HTTP_X_REQUESTED_WITH="fetch", HTTP_ACCEPT="application/json")
    # The browser keeps what was typed on a 401 (static/js/autosave.js) and saves it after a new login.
    assert response.status_code == 401
    assert "texten finns kvar i webbläsaren" in response.json()["error"]
    assert not Section.objects.filter(case=case, code="C", version__gt=0).exists()


@pytest.mark.parametrize("setting", ["MITTIST_SESSION_IDLE_MINUTES", "MITTIST_SESSION_MAX_HOURS"])
def test_production_refuses_a_zero_limit(setting):
    from tests.test_settings import manage, production_env

    result = manage("check", env=production_env(**{setting: "0"}))
    assert result.returncode != 0 and setting in result.stderr
