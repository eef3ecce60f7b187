"""The public verification page: valid, unknown, revoked, the rate limit, its headers, and that a GET writes nothing."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluations.certificates import services
from evaluations.certificates.models import Certificate
from evaluations.models import Evaluation

VERIFY = reverse("certificates:verify")
UNKNOWN = "ZZZZ-ZZZZ-ZZZZ"


def code_url(code):
    return reverse("certificates:verify_code", args=[code])


def unknown_codes(n):
    # Distinct, well-formed codes that no certificate has (the alphabet has no U; 0-9 then A-Z).
    return [f"ZZZZ-ZZZZ-{i:04d}" for i in range(n)]


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.MITTIST_VERIFY_ATTEMPTS_PER_HOUR = 3


def assert_public_headers(response):
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "same-origin"


# --- the form ------------------------------------------------------------------------------------


def test_the_form_needs_no_login(client):
    response = client.get(VERIFY)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Kontrollera ett intyg</h1>" in page
    assert 'name="code"' in page and '<meta name="robots" content="noindex, nofollow">' in page
    assert_public_headers(response)


@pytest.mark.parametrize("typed", ["7k3m q9xd 2b4h", "7K3M-Q9XD-2B4H", " 7k3mq9xd2b4h ", "7K3M–Q9XD–2B4H"])
def test_the_typed_code_is_normalized_and_sent_to_its_address(client, typed):
    response = client.get(VERIFY, {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == code_url("7K3M-Q9XD-2B4H")
    assert_public_headers(response)


def test_letters_people_mix_up_are_read_as_digits(client):
    response = client.get(VERIFY, {"code": "OIL0-ABCD-EFGH"})
    assert response["Location"] == code_url("0110-ABCD-EFGH")


@pytest.mark.parametrize("typed, message", [
    ("", "Skriv kontrollkoden från intyget."),
    ("ABC", "Det här är ingen kontrollkod. En kontrollkod har tolv tecken"),
    ("7K3M-Q9XD-2B4H-XXXX", "Det här är ingen kontrollkod."),
])
def test_a_code_of_the_wrong_shape_gets_an_error_at_the_field(client, typed, message):
    response = client.get(VERIFY, {"code": typed})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'id="id_code_error"' in page
    assert_public_headers(response)


# --- the answers ---------------------------------------------------------------------------------


def test_a_valid_certificate_shows_name_dates_and_validity_and_nothing_more(client, certificate):
    response = client.get(code_url(certificate.code))
    assert response.status_code == 200
    assert_public_headers(response)
    page = response.content.decode()
    assert "Intyget är giltigt" in page
    assert certificate.trainee_name in page
    practice_day = certificate.practice_day
    assert f"{practice_day.day} " in page and str(practice_day.year) in page
    case = certificate.case
    # Nothing about the case beyond name and dates: no evaluator, clinic, region, e-mail or personnummer.
    for private in (certificate.evaluator_name, case.workplace, case.get_region_display(), case.trainee.email,
                    case.personnummer_clear(), case.personnummer_clear().replace("-", ""), case.personnummer_masked,
                    case.supervisor_name):
        assert private not in page, private


def test_the_dates_are_written_the_swedish_way(client, make_case, trainee):
    with time_machine.travel(timezone.make_aware(datetime(2026, 12, 20, 10, 0)), tick=False):
        case = make_case(Evaluation.State.CERTIFIED, trainee=trainee, practice_day=date(2026, 12, 5))
        certificate = Certificate.objects.get(case=case)
    page = client.get(code_url(certificate.code)).content.decode()
    assert "5 december 2026" in page and "20 december 2026" in page


def test_a_revoked_certificate_says_revoked_and_since_when(client, certificate, coordinator):
    services.certificate_revoke(certificate=certificate, by=coordinator, reason="Fel person, internt skäl.")
    response = client.get(code_url(certificate.code))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Intyget är återkallat och gäller inte" in page
    assert "Intyget är giltigt" not in page
    assert timezone.localdate(timezone.now()).strftime("%Y") in page
    assert "internt skäl" not in page  # the reason is the trainee's and the office's, not the public's


def test_an_unknown_code_gets_a_clear_message(client, db):
    response = client.get(code_url(UNKNOWN))
    assert response.status_code == 404
    assert_public_headers(response)
    page = response.content.decode()
    assert "Inget intyg har den koden" in page and UNKNOWN in page
    assert "O och 0 räknas som samma tecken" in page


def test_a_code_in_the_address_is_normalized_by_a_redirect(client, certificate):
    response = client.get(code_url(certificate.code.lower().replace("-", "")))
    assert response.status_code == 302 and response["Location"] == code_url(certificate.code)


def test_an_address_that_is_no_code_at_all_is_404_with_the_form(client, db):
    response = client.get(code_url("hello"))
    assert response.status_code == 404
    assert "Det här är ingen kontrollkod." in response.content.decode()


def test_a_get_writes_nothing_but_the_failure_count(client, certificate):
    events = certificate.case.events.count()
    for url in (code_url(certificate.code), code_url(UNKNOWN), VERIFY + "?code=" + certificate.code):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        writes = [q["sql"] for q in queries.captured_queries
                  if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
        assert all("mittist_cache" in sql for sql in writes), writes
    assert certificate.case.events.count() == events
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None


def test_a_valid_code_writes_nothing_at_all(client, certificate):
    with CaptureQueriesContext(connection) as queries:
        client.get(code_url(certificate.code))
    assert not [q for q in queries.captured_queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


# --- the rate limit --------------------------------------------------------------------------------


def test_after_the_limit_of_wrong_codes_the_client_is_refused_with_429(client, db):
    for code in unknown_codes(3):
        assert client.get(code_url(code)).status_code == 404
    response = client.get(code_url(UNKNOWN))
    assert response.status_code == 429
    assert_public_headers(response)
    page = response.content.decode()
    assert "För många felaktiga koder" in page
    assert "Försök igen om" in page and "klockan" in page
    assert 0 < int(response["Retry-After"]) <= 3600


def test_while_blocked_a_right_code_waits_too(client, certificate):
    # Otherwise a blocked client could go on guessing: each answer would still say whether a guess was right.
    for code in unknown_codes(3):
        client.get(code_url(code))
    response = client.get(code_url(certificate.code))
    assert response.status_code == 429
    assert certificate.trainee_name not in response.content.decode()


def test_right_codes_are_never_counted(client, certificate):
    for _ in range(10):
        assert client.get(code_url(certificate.code)).status_code == 200


def test_wrongly_shaped_codes_are_not_counted(client, certificate):
    for _ in range(5):
        client.get(VERIFY, {"code": "abc"})
        client.get(code_url("nonsense"))
    assert client.get(code_url(certificate.code)).status_code == 200


def test_the_limit_is_per_client(client, certificate):
    for code in unknown_codes(3):
        client.get(code_url(code), REMOTE_ADDR="198.51.100.7")
    assert client.get(code_url(certificate.code), REMOTE_ADDR="198.51.100.7").status_code == 429
    assert client.get(code_url(certificate.code), REMOTE_ADDR="198.51.100.8").status_code == 200


def test_the_page_says_how_many_tries_are_left(client, db):
    page = client.get(code_url(UNKNOWN)).content.decode()
    assert "Du kan försöka 2 gånger till den närmaste timmen." in page


def test_the_block_lifts_after_the_hour_it_names(client, certificate):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for code in unknown_codes(3):
            client.get(code_url(code))
        blocked = client.get(code_url(certificate.code))
        assert blocked.status_code == 429
        wait = int(blocked["Retry-After"])
    with time_machine.travel(start + timedelta(seconds=wait - 60), tick=False):
        assert client.get(code_url(certificate.code)).status_code == 429
    with time_machine.travel(start + timedelta(seconds=wait + 1), tick=False):
        assert client.get(code_url(certificate.code)).status_code == 200
