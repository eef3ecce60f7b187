"""The error pages: Swedish (English when chosen) in the site's layout, each saying what to do next.

Only 500 is a static page: it must render without the request, the database or the layout's tags."""

import pytest
from django.core.exceptions import BadRequest
from django.db import connection
from django.test import Client, override_settings
from django.urls import include, path, reverse

from mittist import urls as site_urls
from mittist.accounts.models import Role


def _bad_request(request):
    raise BadRequest("broken query")


def _boom(request):
    raise RuntimeError("something broke")


# This module doubles as a URLconf: the site's URLs plus two that fail on purpose.
urlpatterns = [
    path("test-fel/400/", _bad_request),
    path("test-fel/500/", _boom),
    path("", include(site_urls.urlpatterns)),
]
handler500 = site_urls.handler500

LAYOUT = 'class="site-header"'


def text(response) -> str:
    return response.content.decode()


def test_404_is_swedish_in_the_layout_and_says_what_to_do(client, db):
    response = client.get("/finns-inte-alls/")
    assert response.status_code == 404
    html = text(response)
    assert LAYOUT in html and "<h1>Sidan finns inte</h1>" in html
    assert "Vad du kan göra" in html and reverse("accounts:login") in html
    assert "Not Found" not in html and "The requested resource" not in html


def test_someone_elses_case_is_the_same_404_with_the_way_home(make_case, make_user, db):
    case = make_case()
    client = Client()
    client.force_login(make_user(Role.TRAINEE))
    html = text(client.get(case.get_absolute_url()))
    assert "<h1>Sidan finns inte</h1>" in html
    assert "Gå till din startsida" in html and "Är du inloggad med rätt konto?" in html


def test_403_names_the_account_and_what_to_do(make_user, db):
    trainee = make_user(Role.TRAINEE)
    client = Client()
    client.force_login(trainee)
    response = client.get(reverse("evaluations:dashboard"))
    assert response.status_code == 403
    html = text(response)
    assert LAYOUT in html and "<h1>Du har inte tillgång till sidan</h1>" in html
    assert f"Du är inloggad som {trainee.email}" in html
    assert "403 Forbidden" not in html


def test_a_refused_form_explains_the_csrf_check(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a@example.org", "password": "x"})
    assert response.status_code == 403
    html = text(response)
    assert LAYOUT in html and "<h1>Formuläret kunde inte skickas</h1>" in html
    assert "ladda om sidan" in html
    assert "CSRF verification failed" not in html


@override_settings(ROOT_URLCONF=__name__)
def test_400_is_swedish_in_the_layout(client, db):
    response = client.get("/test-fel/400/")
    assert response.status_code == 400
    html = text(response)
    assert LAYOUT in html and "<h1>Begäran kunde inte tas emot</h1>" in html
    assert "Bad Request" not in html


@override_settings(ROOT_URLCONF=__name__, MITTIST_OFFICE_EMAIL="kansli@example.org")
def test_500_is_a_static_page_in_both_languages(db):
    client = Client(raise_request_exception=False)
    response = client.get("/test-fel/500/")
    assert response.status_code == 500
    html = text(response)
    assert "<h1>Något gick fel hos oss</h1>" in html and "Something went wrong on our side" in html
    assert 'href="mailto:kansli@example.org"' in html
    assert LAYOUT in html and "Server Error" not in html


@override_settings(MITTIST_OFFICE_EMAIL="kansli@example.org")
def test_the_500_page_renders_with_the_database_gone(rf, db):
    from mittist.errors import server_error

    with connection.execute_wrapper(_no_database):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Något gick fel hos oss" in response.content.decode()


def _no_database(execute, sql, params, many, context):
    raise AssertionError("the 500 page must not touch the database")


@pytest.mark.parametrize("path", ["/finns-inte-alls/"])
def test_english_visitors_get_the_english_page_lang(client, db, path):
    client.cookies["django_language"] = "en"
    html = text(client.get(path))
    assert '<html lang="en">' in html and LAYOUT in html
