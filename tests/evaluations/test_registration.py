"""The public registration form (anmälan): what it stores, what it refuses, and what it shows."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations.models import CaseEvent, Evaluation
from mittist.accounts.models import Role, User
from mittist.accounts.personnummer import luhn_check_digit
from tests.conftest import fictional_pnr

S = Evaluation.State
URL = reverse("evaluations:register")
NEW_PASSWORD = "gurkmeja-Paraply-4711"
STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Whole English words that would give away an untranslated message.
ENGLISH_WORDS = re.compile(
    r"\b(the|this|field|is|must|enter|ensure|value|password|characters|allowed|too|short|common|"
    r"least|already|exists|valid|required|didn.t|match)\b",
    re.IGNORECASE,
)


def pnr_with(prefix8: str, serial3: str = "982") -> str:
    """A 12-digit personnummer YYYYMMDD-NNNC with a correct check digit."""
    nine = prefix8[2:] + serial3
    return f"{prefix8}-{serial3}{luhn_check_digit(nine)}"


def valid_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "full_name": "Nora Nyanmäld",
        "email": "nora.nyanmald@example.org",
        "phone": "070-123 45 67",
        "personnummer": fictional_pnr(7, 1990),
        "workplace": "Vårdcentralen Åsen",
        "region": "halland",
        "curriculum": "2021",
        "st_start": (today - timedelta(days=700)).isoformat(),
        "st_planned_end": (today + timedelta(days=900)).isoformat(),
        "supervisor_name": "Hedda Handledare",
        "supervisor_email": "hedda@example.org",
        "director_of_studies": "Sture Studierektor",
        "manager_name": "Maja Chef",
        "manager_profession": "Distriktsläkare",
        "invoicing_address": "Region Halland\nBox 1\n301 00 Halmstad",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def assert_swedish(messages):
    assert messages
    for message in messages:
        assert not ENGLISH_WORDS.search(str(message)), f"not Swedish: {message!r}"


def assert_refused_at(response, field, users_before):
    """The form comes back with a Swedish error at `field`, shown beside the field, and nothing is stored."""
    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert field in errors, f"expected an error at {field}, got {dict(errors)}"
    assert_swedish(errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert User.objects.count() == users_before
    assert Evaluation.objects.count() == 0
    assert not response.wsgi_request.user.is_authenticated


@pytest.fixture
def users_before(db):
    return User.objects.count()


CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/anmalan/bekrafta/[^/\s]+/)")


def confirm_link(mailoutbox, email="nora.nyanmald@example.org") -> str:
    links = [CONFIRM_LINK.search(m.body).group(1) for m in mailoutbox if email in m.to[0] and CONFIRM_LINK.search(m.body)]
    assert links, [m.subject for m in mailoutbox]
    return links[-1]


def register(client, data, *, confirm=True):
    """The form, then (as its owner would) the link in the confirmation mail. Returns the form's answer."""
    from django.core import mail
    from django.db import connection
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        response = client.post(URL, data)
    if confirm and response.status_code == 302:
        link = confirm_link(mail.outbox, data["email"].strip().lower())
        with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
            assert Client().post(link).status_code == 302
    return response


# --- the happy path --------------------------------------------------------------------------------


def test_valid_registration_creates_nothing_until_the_address_is_confirmed(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    data = valid_data()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, data)

    assert response.status_code == 302
    assert response.url == reverse("evaluations:register_sent")
    assert not User.objects.filter(email="nora.nyanmald@example.org").exists()
    assert Evaluation.objects.count() == 0
    assert not response.wsgi_request.user.is_authenticated
    assert len(mailoutbox) == 1 and "nora.nyanmald@example.org" in mailoutbox[0].to[0]
    assert mailoutbox[0].subject == "Bekräfta din anmälan till Mitt-i-ST"
    link = confirm_link(mailoutbox)

    # Following the link (as a mail scanner would) changes nothing; the button does.
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and "Bekräfta och skicka anmälan" in page.content.decode()
    assert Evaluation.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = visitor.post(link)
    assert confirmed.status_code == 302 and confirmed.url == reverse("evaluations:register_confirmed")

    user = User.objects.get(email="nora.nyanmald@example.org")
    assert user.role == Role.TRAINEE
    assert user.full_name == "Nora Nyanmäld"
    assert user.check_password(NEW_PASSWORD)
    case = Evaluation.objects.get(trainee=user)
    assert case.state == S.REGISTERED
    assert case.registration_accepted_at is None
    assert case.workplace == "Vårdcentralen Åsen"
    assert case.invoicing_address == "Region Halland\nBox 1\n301 00 Halmstad"
    assert case.personnummer_clear() == data["personnummer"]
    assert data["personnummer"][9:] not in case.personnummer_encrypted
    from evaluations.models import PendingRegistration
    assert not PendingRegistration.objects.exists()

    events = list(CaseEvent.objects.filter(case=case))
    assert [e.action for e in events] == ["registered"]
    assert events[0].actor == user

    recipients = [address for message in mailoutbox[1:] for address in message.to]
    assert any("nora.nyanmald@example.org" in address for address in recipients)
    assert any(settings.MITTIST_OFFICE_EMAIL in address for address in recipients)
    assert len(mailoutbox) == 3

    # The link works once.
    assert Client().get(link).status_code == 404
    assert Client().post(link).status_code == 404
    assert Evaluation.objects.count() == 1


def test_new_trainee_can_log_in_with_the_chosen_password(client, db):
    register(client, valid_data())
    fresh = Client()
    response = fresh.post(
        reverse("accounts:login"), {"username": "nora.nyanmald@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert fresh.get(reverse("evaluations:trainee_home")).status_code == 200


def test_registration_page_renders_in_swedish(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Anmälan till Mitt-i-ST" in response.content.decode()


def test_samordningsnummer_is_accepted(client, db):
    # Samordningsnummer: day of birth + 60.
    number = pnr_with("19850361")
    response = register(client, valid_data(personnummer=number))
    assert response.status_code == 302, response.context["form"].errors
    case = Evaluation.objects.get()
    assert case.personnummer_clear() == number


def test_personnummer_in_an_ended_case_may_register_again(client, make_case, coordinator):
    from evaluations import services

    old = make_case(S.REGISTERED)
    services.case_withdraw(case=old, by=coordinator, reason="Flyttar")
    response = register(client, valid_data(personnummer=fictional_pnr(1)))
    assert response.status_code == 302, response.context["form"].errors
    assert Evaluation.objects.filter(state=S.REGISTERED).count() == 1


def test_end_exactly_18_months_ahead_is_accepted(client, db):
    with time_machine.travel(datetime(2025, 3, 15, 12, tzinfo=STOCKHOLM), tick=False):
        response = register(client, valid_data(st_start="2023-01-01", st_planned_end="2026-09-15"))
    assert response.status_code == 302, response.context["form"].errors
    assert Evaluation.objects.count() == 1


# --- refusals: a Swedish error at the field, nothing stored ---------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(fictional_pnr(7, 1990)[:-1] + str((int(fictional_pnr(7, 1990)[-1]) + 1) % 10), id="bad-luhn"),
        pytest.param(pnr_with("19850230"), id="impossible-date"),
        pytest.param(pnr_with("19851301"), id="month-13"),
        pytest.param("19850101-ABCD", id="letters"),
        pytest.param("198501011-234", id="separator-misplaced"),
        pytest.param("1985010-1234", id="too-short"),
        pytest.param("1985010112345", id="too-long"),
        pytest.param("١٩٨٥٠١٠١-٢٣٤٥", id="arabic-indic-digits"),
        pytest.param(pnr_with("20990101"), id="future-birth"),
    ],
)
def test_bad_personnummer_is_refused(client, users_before, number):
    response = client.post(URL, valid_data(personnummer=number))
    assert_refused_at(response, "personnummer", users_before)


def test_planned_end_in_the_past_is_refused(client, users_before):
    response = client.post(URL, valid_data(st_planned_end=(timezone.localdate() - timedelta(days=1)).isoformat()))
    assert_refused_at(response, "st_planned_end", users_before)


def test_planned_end_less_than_18_months_ahead_is_refused(client, users_before):
    with time_machine.travel(datetime(2025, 3, 15, 12, tzinfo=STOCKHOLM), tick=False):
        response = client.post(URL, valid_data(st_start="2023-01-01", st_planned_end="2026-09-14"))
    assert_refused_at(response, "st_planned_end", users_before)
    assert "2026-09-15" in str(response.context["form"].errors["st_planned_end"])


def test_planned_end_before_start_is_refused(client, users_before):
    response = client.post(URL, valid_data(st_start="2024-06-01", st_planned_end="2024-01-01"))
    assert_refused_at(response, "st_planned_end", users_before)


def test_start_in_the_future_is_refused(client, users_before):
    response = client.post(URL, valid_data(st_start=(timezone.localdate() + timedelta(days=3)).isoformat()))
    assert_refused_at(response, "st_start", users_before)


@pytest.mark.parametrize("field", ["st_start", "st_planned_end"])
def test_unparseable_date_is_refused(client, users_before, field):
    response = client.post(URL, valid_data(**{field: "31/02/2025"}))
    assert_refused_at(response, field, users_before)


def test_password_mismatch_is_refused(client, users_before):
    response = client.post(URL, valid_data(password2=NEW_PASSWORD + "x"))
    assert_refused_at(response, "password2", users_before)


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("kort-1", id="too-short"),
        pytest.param("password123", id="common"),
        pytest.param("1234567890123", id="numeric"),
        pytest.param("nora.nyanmald", id="like-the-email"),
    ],
)
def test_weak_password_is_refused(client, users_before, password):
    response = client.post(URL, valid_data(password1=password, password2=password))
    assert_refused_at(response, "password1", users_before)


CHAR_FIELDS = [
    "full_name", "email", "phone", "personnummer", "workplace", "supervisor_name", "supervisor_email",
    "director_of_studies", "manager_name", "manager_profession", "invoicing_address",
]


@pytest.mark.parametrize("field", CHAR_FIELDS)
def test_over_long_text_is_refused_not_a_server_error(client, users_before, field):
    value = "a" * 10_000
    if "email" in field:
        value = "a" * 10_000 + "@example.org"
    response = client.post(URL, valid_data(**{field: value}))
    assert_refused_at(response, field, users_before)


def test_over_long_password_is_not_a_server_error(client, db):
    password = "Lång-lösen-" + "x" * 10_000
    response = client.post(URL, valid_data(password1=password, password2=password))
    assert response.status_code in (200, 302, 400)


@pytest.mark.parametrize("field", [*CHAR_FIELDS, "password1"])
def test_nul_character_is_refused_not_a_server_error(client, users_before, field):
    data = valid_data()
    data[field] = data[field][:3] + "\x00" + data[field][3:]
    if field == "password1":
        data["password2"] = data["password1"]
    response = client.post(URL, data)
    assert_refused_at(response, field, users_before)


REQUIRED_FIELDS = [
    "full_name", "email", "phone", "personnummer", "workplace", "region", "curriculum", "st_start",
    "st_planned_end", "supervisor_name", "supervisor_email", "manager_name", "manager_profession",
    "invoicing_address", "password1", "password2",
]


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_missing_required_field_is_refused(client, users_before, field):
    data = valid_data()
    del data[field]
    response = client.post(URL, data)
    assert_refused_at(response, field, users_before)


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_blank_required_field_is_refused(client, users_before, field):
    response = client.post(URL, valid_data(**{field: "   " if field not in ("password1", "password2") else ""}))
    assert_refused_at(response, field, users_before)


def test_blank_form_is_refused_with_every_required_field_marked(client, users_before):
    # What a browser sends for an untouched form: every field, all empty.
    response = client.post(URL, {name: "" for name in valid_data()})
    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert set(REQUIRED_FIELDS) <= set(errors)
    assert "director_of_studies" not in errors
    assert User.objects.count() == users_before
    assert Evaluation.objects.count() == 0


def test_unknown_region_is_refused(client, users_before):
    response = client.post(URL, valid_data(region="atlantis"))
    assert_refused_at(response, "region", users_before)


def test_the_typed_values_are_kept_when_refused(client, db):
    response = client.post(URL, valid_data(personnummer="19850101-ABCD", workplace="Vårdcentralen Ängen"))
    html = response.content.decode()
    assert 'value="Vårdcentralen Ängen"' in html
    assert 'value="Nora Nyanmäld"' in html
    assert NEW_PASSWORD not in html  # passwords are never sent back


# --- hostile text and what each role sees ---------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_hostile_text_is_stored_as_text_and_shown_escaped(client, coordinator, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    response = register(
        client, valid_data(full_name=f"Eva {HOSTILE}", workplace=f"VC {HOSTILE}", manager_profession=HOSTILE)
    )
    assert response.status_code == 302, response.context["form"].errors
    case = Evaluation.objects.get()
    assert case.trainee.full_name == f"Eva {HOSTILE}"
    assert case.workplace == f"VC {HOSTILE}"

    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    for url in [case.get_absolute_url(), reverse("evaluations:dashboard")]:
        html = coordinator_client.get(url).content.decode()
        assert HOSTILE not in html
        assert ESCAPED in html

    for message in mailoutbox:
        for body, mimetype in message.alternatives:
            assert mimetype == "text/html"
            assert HOSTILE not in body


def test_coordinator_sees_the_personnummer_masked(client, coordinator):
    data = valid_data()
    register(client, data)
    case = Evaluation.objects.get()
    staff = Client()
    staff.force_login(coordinator)
    html = staff.get(case.get_absolute_url()).content.decode()
    number = data["personnummer"]
    assert f"{number[:8]}-****" in html
    assert number not in html
    assert number[9:] not in html


def test_trainee_sees_their_own_personnummer_in_full(client, db):
    data = valid_data()
    register(client, data)
    client.post(reverse("accounts:login"), {"username": data["email"], "password": NEW_PASSWORD})
    case = Evaluation.objects.get()
    html = client.get(case.get_absolute_url()).content.decode()
    assert data["personnummer"] in html


def test_signed_in_user_is_sent_home_instead_of_registering_again(client, trainee):
    client.force_login(trainee)
    users_before = User.objects.count()
    response = client.post(URL, valid_data())
    assert response.status_code == 302
    assert User.objects.count() == users_before
    assert Evaluation.objects.count() == 0


def test_registration_refused_leaves_no_mail(client, db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, valid_data(password2="annat-lösenord-99"))
    assert mailoutbox == []

