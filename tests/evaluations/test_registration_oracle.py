"""The registration form tells nobody who is in Mitt-i-ST or who has an account.

Every valid submission is answered the same way, byte for byte; what happened is said by e-mail, to the
address typed in. A personnummer with an active case goes to the office as a flagged registration.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations import services
from evaluations.models import CaseEvent, Evaluation, PendingRegistration
from mittist.accounts.models import Role, User
from tests.conftest import fictional_pnr
from tests.evaluations.test_registration import NEW_PASSWORD, URL, confirm_link, valid_data

S = Evaluation.State
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
NEW_PNR = fictional_pnr(7, 1990)


def answer(data, address="192.0.2.10"):
    """What the visitor's browser gets: the POST's answer and the page it leads to."""
    browser = Client(REMOTE_ADDR=address)
    posted = browser.post(URL, data)
    followed = browser.get(posted["Location"]) if posted.status_code == 302 else posted
    return (posted.status_code, posted.get("Location"), sorted(posted.items()),
            followed.status_code, CSRF.sub(b"", followed.content))


@pytest.fixture
def existing(make_case, make_user):
    """A trainee with an active case (personnummer fictional_pnr(1)) and an account with another address."""
    case = make_case(S.EVALUATOR_ACCEPTED)
    make_user(Role.TRAINEE, email="finns@example.org")
    return case


def test_answers_are_byte_for_byte_equal_with_and_without_existing_data(existing, mailoutbox):
    fresh = answer(valid_data(email="ny@example.org", personnummer=NEW_PNR))
    known_pnr = answer(valid_data(email="ny2@example.org", personnummer=fictional_pnr(1)))
    known_email = answer(valid_data(email="finns@example.org", personnummer=NEW_PNR))
    known_both = answer(valid_data(email=existing.trainee.email, personnummer=fictional_pnr(1)))
    assert fresh[0] == 302 and fresh[1] == reverse("evaluations:register_sent")
    assert fresh == known_pnr == known_email == known_both
    # Not one account or case more.
    assert User.objects.filter(email__in=["ny@example.org", "ny2@example.org"]).count() == 0
    assert Evaluation.objects.count() == 1


def test_the_owner_of_an_existing_address_is_told_by_mail(existing, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, valid_data(email="FINNS@example.org", personnummer=NEW_PNR))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert "finns@example.org" in mail.to[0]
    assert mail.subject == "Du har redan ett konto i Mitt-i-ST"
    assert reverse("accounts:password_reset") in mail.body
    assert not PendingRegistration.objects.exists()


def test_an_active_personnummer_goes_to_the_office_as_flagged(
    existing, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, valid_data(email="ny@example.org", personnummer=fictional_pnr(1)[2:]))
    link = confirm_link(mailoutbox, "ny@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = Client().post(link)
    # The same page as for a registration that became a case.
    assert confirmed.url == reverse("evaluations:register_confirmed")
    assert Evaluation.objects.count() == 1
    assert not User.objects.filter(email="ny@example.org").exists()
    flagged = PendingRegistration.objects.get()
    assert flagged.state == "flagged" and flagged.existing_case == existing
    assert CaseEvent.objects.filter(case=existing, action="flagged_registration").exists()
    office = [m for m in mailoutbox if settings.MITTIST_OFFICE_EMAIL in m.to[0]]
    assert len(office) == 1 and flagged.get_absolute_url() in office[0].body
    assert any("ny@example.org" in m.to[0] and "kontrollera" in m.subject for m in mailoutbox)

    staff = Client()
    staff.force_login(coordinator)
    dashboard = staff.get(reverse("evaluations:dashboard")).content.decode()
    assert "Flaggade anmälningar" in dashboard and flagged.get_absolute_url() in dashboard
    page = staff.get(flagged.get_absolute_url())
    assert page.status_code == 200 and flagged.personnummer_masked in page.content.decode()

    # It cannot become a case while the other one runs.
    refused = staff.post(flagged.get_absolute_url(), {"verb": "accept"}, follow=True)
    assert "fortfarande ett pågående ärende" in refused.content.decode()
    assert Evaluation.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(flagged.get_absolute_url(), {"verb": "reject", "reason": "Personnumret tillhör någon annan."})
    flagged.refresh_from_db()
    assert flagged.state == "rejected" and flagged.resolved_by == coordinator
    assert flagged.personnummer_encrypted == "" and flagged.password_hash == ""
    assert any("ny@example.org" in m.to[0] and "tillhör någon annan" in m.body for m in mailoutbox)
    assert "Flaggade anmälningar" not in staff.get(reverse("evaluations:dashboard")).content.decode()


def test_a_flagged_registration_becomes_a_case_once_the_other_has_ended(
    existing, coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, valid_data(email="ny@example.org", personnummer=fictional_pnr(1)))
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(confirm_link(mailoutbox, "ny@example.org"))
    flagged = PendingRegistration.objects.get()
    services.case_withdraw(case=existing, by=coordinator, reason="Registrerad två gånger")
    case = services.flagged_registration_accept(registration=flagged, by=coordinator)
    assert case.trainee.email == "ny@example.org" and case.trainee.check_password(NEW_PASSWORD)
    assert case.personnummer_clear() == fictional_pnr(1)
    assert CaseEvent.objects.filter(case=case, action="flagged_registration_accepted", actor=coordinator).exists()


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.EVALUATOR, Role.QUALITY])
def test_only_the_office_sees_flagged_registrations(existing, make_user, mailoutbox, role,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, valid_data(email="ny@example.org", personnummer=fictional_pnr(1)))
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(confirm_link(mailoutbox, "ny@example.org"))
    flagged = PendingRegistration.objects.get()
    other = Client()
    other.force_login(make_user(role))
    assert other.get(flagged.get_absolute_url()).status_code == 403
    assert other.post(flagged.get_absolute_url(), {"verb": "reject", "reason": "x"}).status_code == 403
    assert PendingRegistration.objects.get().state == "flagged"


def test_the_pending_registration_keeps_no_secret_in_clear(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, valid_data())
    row = PendingRegistration.objects.get()
    token = confirm_link(mailoutbox).rstrip("/").rsplit("/", 1)[1]
    assert row.token_hash != token and token not in row.token_hash
    assert NEW_PASSWORD not in row.password_hash and row.password_hash.startswith(("md5$", "pbkdf2"))
    digits = NEW_PNR.replace("-", "")
    assert digits not in row.personnummer_encrypted and row.personnummer_masked.endswith("-****")


def test_an_expired_link_creates_nothing(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, valid_data())
    link = confirm_link(mailoutbox)
    later = timezone.now() + timedelta(hours=settings.MITTIST_REGISTRATION_CONFIRM_HOURS, minutes=1)
    with time_machine.travel(later):
        assert Client().get(link).status_code == 404
        response = Client().post(link)
    assert response.status_code == 404 and "Länken gäller inte" in response.content.decode()
    assert not User.objects.filter(email="nora.nyanmald@example.org").exists()


def test_a_made_up_link_is_refused(db):
    response = Client().post(reverse("evaluations:register_confirm", args=["gissad-token"]))
    assert response.status_code == 404


def test_the_form_is_rate_limited_per_address(db, mailoutbox):
    limit = settings.MITTIST_REGISTRATIONS_PER_ADDRESS_PER_HOUR
    browser = Client(REMOTE_ADDR="198.51.100.5")
    for i in range(limit):
        assert browser.post(URL, valid_data(email=f"nr{i}@example.org")).status_code == 302
    refused = browser.post(URL, valid_data(email="en-till@example.org", workplace="VC Ängen"))
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Försök igen om" in html and 'value="VC Ängen"' in html  # nothing typed is lost
    assert PendingRegistration.objects.count() == limit
    # Another address is not affected.
    assert Client(REMOTE_ADDR="198.51.100.6").post(URL, valid_data(email="en-till@example.org")).status_code == 302


def test_one_address_gets_only_a_few_mails_from_the_form(db, mailoutbox, django_capture_on_commit_callbacks):
    limit = settings.MITTIST_REGISTRATION_MAILS_PER_EMAIL_PER_HOUR
    with django_capture_on_commit_callbacks(execute=True):
        answers = [answer(valid_data(), address=f"203.0.113.{i}") for i in range(limit + 2)]
    assert len(mailoutbox) == limit
    assert all(a == answers[0] for a in answers)
