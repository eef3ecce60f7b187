"""Same device: the trainee hands over their logged-in phone; the assessor confirms with a code or password."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from evaluations.minicex import services
from evaluations.minicex.models import MiniCex
from evaluations.minicex.views.assessor import SESSION_KEY
from tests.conftest import PASSWORD

from .conftest import assessment_values

S = MiniCex.State
ASSESSOR = {"assessor_name": "Asta Bedömare", "assessor_email": "asta.bedomare@example.org"}


pytestmark = pytest.mark.usefixtures("mail_at_once")


@pytest.fixture
def device(make_form):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    return form


@pytest.fixture
def phone(client, trainee):
    client.force_login(trainee)
    return client


def step(form) -> str:
    return reverse("minicex:assess_device", args=[form.pk])


def form_url(form) -> str:
    return reverse("minicex:assess_device_form", args=[form.pk])


def mailed_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def post_assessment(values: dict, *, submit: bool) -> dict:
    data = {"difficulty": values["difficulty"], "summary": values["summary"], "suggestions": values["suggestions"],
            "submit": "1" if submit else "0"}
    data.update({f"rating_{key}": str(value) for key, value in values["ratings"].items()})
    return data


def send_code(phone, form, **values):
    mail.outbox.clear()
    response = phone.post(step(form), {"action": "identify", **ASSESSOR, **values})
    assert response.status_code == 302, response.content.decode()[:2000]
    return mailed_code()


def confirm(phone, form):
    code = send_code(phone, form)
    response = phone.post(step(form), {"action": "confirm_code", "code": code})
    assert response.status_code == 302 and response.url == form_url(form)
    return response


# --- step 1 and 2: who is assessing ------------------------------------------------------------------------


def test_step_one_asks_for_name_and_email_prefilled(phone, device):
    response = phone.get(step(device))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lämna över enheten till bedömaren" in html
    assert 'value="asta.bedomare@example.org"' in html and 'value="Asta Bedömare"' in html
    assert "Skicka engångskod" in html and 'name="password"' not in html


def test_code_is_mailed_to_the_assessor_and_asked_for(phone, device):
    code = send_code(phone, device)
    [message] = mail.outbox
    assert "asta.bedomare@example.org" in message.to[0]
    assert code in message.subject
    device.refresh_from_db()
    assert device.code_hash and code not in device.code_hash
    assert device.events.filter(action="code_sent").exists()
    page = phone.get(step(device)).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "Skicka ny kod" in page


def test_wrong_code_is_counted_and_shown_at_the_field(phone, device):
    code = send_code(phone, device)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = phone.post(step(device), {"action": "confirm_code", "code": wrong})
    assert response.status_code == 400
    assert "Koden stämmer inte" in response.content.decode()
    device.refresh_from_db()
    assert device.code_attempts == 1 and device.assessor_confirmed_at is None
    assert SESSION_KEY not in phone.session


def test_five_wrong_codes_end_the_code(phone, device):
    code = send_code(phone, device)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        phone.post(step(device), {"action": "confirm_code", "code": wrong})
    response = phone.post(step(device), {"action": "confirm_code", "code": code})
    assert response.status_code == 400
    assert "För många felaktiga försök" in response.content.decode()
    device.refresh_from_db()
    assert device.assessor_confirmed_at is None
    # A new code (a minute later) starts over.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        new = phone.post(step(device), {"action": "resend_code"})
        assert new.status_code == 302
        device.refresh_from_db()
        assert device.code_attempts == 0
        ok = phone.post(step(device), {"action": "confirm_code", "code": mailed_code()})
        assert ok.status_code == 302 and ok.url == form_url(device)


def test_a_new_code_within_a_minute_is_refused(phone, device, mailoutbox):
    send_code(phone, device)
    sent = len(mailoutbox)
    response = phone.post(step(device), {"action": "resend_code"}, follow=True)
    assert "Vänta en minut" in response.content.decode()
    assert len(mailoutbox) == sent


def test_expired_code_is_refused(phone, device):
    code = send_code(phone, device)
    MiniCex.objects.filter(pk=device.pk).update(code_expires_at=timezone.now() - timedelta(seconds=1))
    response = phone.post(step(device), {"action": "confirm_code", "code": code})
    assert response.status_code == 400
    assert "Koden har gått ut" in response.content.decode()
    device.refresh_from_db()
    assert device.assessor_confirmed_at is None


def test_right_code_confirms_the_assessor_for_this_session(phone, device):
    code = send_code(phone, device, assessor_name="Asta B. Bedömare")
    response = phone.post(step(device), {"action": "confirm_code", "code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.assessor_confirmed_at is not None
    assert device.assessor_confirmed_by == MiniCex.Confirmation.CODE
    assert device.assessor_name == "Asta B. Bedömare"
    assert str(device.pk) in phone.session[SESSION_KEY]
    assert phone.get(form_url(device)).status_code == 200
    # Step 1 again just continues to the form.
    assert phone.get(step(device)).url == form_url(device)


def test_an_assessor_with_an_account_confirms_with_their_password(phone, device, assessor_account):
    values = {"action": "identify", "assessor_name": "Hugo Handledare", "assessor_email": assessor_account.email}
    mail.outbox.clear()
    asked = phone.post(step(device), values)
    assert asked.status_code == 400
    assert 'name="password"' in asked.content.decode() and not mail.outbox
    wrong = phone.post(step(device), {**values, "password": "not-it"})
    assert wrong.status_code == 400 and "Fel e-post eller lösenord" in wrong.content.decode()
    device.refresh_from_db()
    assert device.assessor_confirmed_at is None
    right = phone.post(step(device), {**values, "password": PASSWORD})
    assert right.status_code == 302 and right.url == form_url(device)
    device.refresh_from_db()
    assert device.assessor_confirmed_by == MiniCex.Confirmation.PASSWORD
    assert device.assessor_user == assessor_account
    assert not mail.outbox  # no code needed


def test_the_trainee_cannot_confirm_themselves(phone, device, trainee):
    own = {"action": "identify", "assessor_name": trainee.full_name, "assessor_email": trainee.email}
    response = phone.post(step(device), own)
    assert response.status_code == 400
    assert "Du kan inte bedöma dig själv" in response.content.decode()
    response = phone.post(step(device), {**own, "password": PASSWORD})
    assert response.status_code == 400
    assert "Du kan inte bedöma dig själv" in response.content.decode()
    device.refresh_from_db()
    assert device.assessor_confirmed_at is None and not device.code_hash


def test_missing_name_and_bad_email_are_shown_at_the_fields(phone, device):
    response = phone.post(step(device), {"action": "identify", "assessor_name": "\x00", "assessor_email": "nej"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ange bedömarens namn." in html and "Skriv den som namn@exempel.se." in html
    assert 'value="nej"' in html


# --- the assessment ------------------------------------------------------------------------------------------


def test_form_is_refused_without_confirmation_in_this_session(phone, device):
    response = phone.get(form_url(device))
    assert response.status_code == 302 and response.url == step(device)
    # Confirmed in the database but not in this browser session (e.g. the trainee came back later).
    MiniCex.objects.filter(pk=device.pk).update(assessor_confirmed_at=timezone.now(), assessor_confirmed_by="code")
    response = phone.post(form_url(device), post_assessment(assessment_values(), submit=True))
    assert response.status_code == 302 and response.url == step(device)
    device.refresh_from_db()
    assert device.state == S.AWAITING_ASSESSOR and device.summary == ""


def test_another_trainee_gets_404(client, device, other_trainee):
    client.force_login(other_trainee)
    for url in (step(device), form_url(device), reverse("minicex:assess_device_done", args=[device.pk])):
        assert client.get(url).status_code == 404
    assert client.post(step(device), {"action": "identify", **ASSESSOR}).status_code == 404


def test_not_logged_in_goes_to_login(client, device):
    response = client.get(step(device))
    assert response.status_code == 302 and "/konto/logga-in/" in response.url


def test_link_mode_form_is_not_on_the_device(phone, make_form):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="link")
    response = phone.get(step(form))
    assert response.status_code == 302 and response.url == reverse("minicex:detail", args=[form.pk])
    phone.post(step(form), {"action": "identify", **ASSESSOR})
    form.refresh_from_db()
    assert not form.code_hash


def test_draft_then_submit_then_hand_back(phone, device, trainee):
    confirm(phone, device)
    draft = phone.post(form_url(device), {"summary": "Påbörjad", "rating_anamnes": "4", "submit": "0"})
    assert draft.status_code == 302
    device.refresh_from_db()
    assert device.summary == "Påbörjad" and device.state == S.AWAITING_ASSESSOR
    assert 'value="4" checked' in phone.get(form_url(device)).content.decode()

    incomplete = phone.post(form_url(device), {"summary": "", "submit": "1"})
    assert incomplete.status_code == 400
    assert "Välj svårighetsgrad." in incomplete.content.decode()

    mail.outbox.clear()
    done = phone.post(form_url(device), post_assessment(assessment_values(), submit=True))
    assert done.status_code == 302 and done.url == reverse("minicex:assess_device_done", args=[device.pk])
    device.refresh_from_db()
    assert device.state == S.ASSESSED
    assert device.events.filter(action="assessed").exists()
    assert trainee.email in mail.outbox[-1].to[0]
    thanks = phone.get(done.url).content.decode()
    assert "Lämna tillbaka enheten" in thanks
    assert reverse("minicex:action_plan", args=[device.pk]) in thanks
    # The session grant ends with the submission; the assessment cannot be reopened.
    assert str(device.pk) not in phone.session.get(SESSION_KEY, [])
    again = phone.post(form_url(device), post_assessment(assessment_values(summary="Efteråt"), submit=False))
    assert again.status_code == 302
    device.refresh_from_db()
    assert device.summary == assessment_values()["summary"]


# --- an assessor with an account, logged in as themselves -------------------------------------------------------


def test_assessor_account_assesses_a_link_form_logged_in(client, make_form, assessor_account, other_trainee):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="link", assessor_name="Hugo Handledare",
                        assessor_email=assessor_account.email)
    assert form.assessor_user == assessor_account
    url = reverse("minicex:assess", args=[form.pk])
    client.force_login(other_trainee)
    assert client.get(url).status_code == 404
    client.force_login(assessor_account)
    assert client.get(url).status_code == 200
    response = client.post(url, post_assessment(assessment_values(), submit=True))
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == S.ASSESSED
    assert form.events.get(action="assessed").actor == assessor_account
    after = client.get(url).content.decode()
    assert "Bedömningen är inskickad" in after and 'name="summary"' not in after


def test_the_trainee_cannot_use_the_account_page(phone, device):
    assert phone.get(reverse("minicex:assess", args=[device.pk])).status_code == 403


def test_same_device_form_with_code_is_not_open_to_the_assessors_account(client, device, assessor_account):
    services.minicex_send_code(form=device, by=device.trainee, values={
        "assessor_name": "Hugo", "assessor_email": assessor_account.email})
    client.force_login(assessor_account)
    assert client.get(reverse("minicex:assess", args=[device.pk])).status_code == 403


def test_changing_the_assessor_after_confirmation_needs_a_new_confirmation(phone, device):
    """Confirmed as Asta in this session, then a new name and e-mail posted: Asta's confirmation does not
    carry over to someone who has not proved who they are."""
    confirm(phone, device)
    later = time_machine.travel(timezone.now() + timedelta(minutes=2))
    later.start()
    response = phone.post(step(device), {"action": "identify", "assessor_name": "Nils Någon",
                                         "assessor_email": "nils@example.org"})
    later.stop()
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.assessor_confirmed_at is None and device.assessor_email == "nils@example.org"
    assert phone.get(form_url(device)).url == step(device)
    response = phone.post(form_url(device), post_assessment(assessment_values(), submit=True))
    assert response.status_code == 302 and response.url == step(device)
    device.refresh_from_db()
    assert device.state == S.AWAITING_ASSESSOR and device.summary == ""


def test_wrong_passwords_on_the_device_lock_out_like_failed_logins(phone, device, assessor_account, settings):
    values = {"action": "identify", "assessor_name": "Hugo Handledare", "assessor_email": assessor_account.email}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert phone.post(step(device), {**values, "password": "not-it"}).status_code == 400
    assert phone.post(step(device), {**values, "password": "not-it"}).status_code in (403, 429)
    # Now even the right password is refused, and the lock-out page is shown.
    locked = phone.post(step(device), {**values, "password": PASSWORD})
    assert locked.status_code in (403, 429) and "För många inloggningsförsök" in locked.content.decode()
    device.refresh_from_db()
    assert device.assessor_confirmed_at is None
    assert str(device.pk) not in phone.session.get(SESSION_KEY, [])
