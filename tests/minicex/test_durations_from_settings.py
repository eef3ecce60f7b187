"""The mini-CEX's code lifetime, its resend wait and how far ahead a form may be dated come from settings,
in what the code does and in every text that names them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from evaluations.minicex import services
from mittist.mailer import Recipient, render_message

from .test_same_device import device, phone, send_code, step  # noqa: F401 (device and phone are fixtures)

pytestmark = pytest.mark.usefixtures("mail_at_once")


@pytest.mark.parametrize(("minutes", "said"), [(15, "15 minuter"), (20, "20 minuter"), (5, "fem minuter")])
def test_the_code_mail_says_how_long_the_setting_keeps_the_code(settings, minutes, said):
    settings.MINICEX_CODE_MINUTES = minutes
    context = {"trainee_name": "Testa Testsson", "code": "012345",
               "recipient": Recipient(email="a@example.org", name="Asta Bedömare", language="sv")}
    _, text, html = render_message("minicex_assessor_code", context, "sv")
    assert f"Koden gäller i {said}." in text
    assert f"Koden gäller i {said}." in html


def test_the_code_lives_as_long_as_the_setting_says(settings, phone, device):  # noqa: F811
    settings.MINICEX_CODE_MINUTES = 20
    before = timezone.now()
    send_code(phone, device)
    device.refresh_from_db()
    assert before + timedelta(minutes=20) <= device.code_expires_at <= timezone.now() + timedelta(minutes=20)


def test_a_new_code_waits_as_long_as_the_setting_says(settings, phone, device, mailoutbox):  # noqa: F811
    settings.MINICEX_CODE_RESEND_MINUTES = 3
    send_code(phone, device)
    sent = len(mailoutbox)
    response = phone.post(step(device), {"action": "resend_code"}, follow=True)
    assert "Vänta tre minuter" in response.content.decode()
    assert len(mailoutbox) == sent


def test_how_far_ahead_a_form_may_be_dated_follows_the_setting(settings, st_definition):
    settings.MINICEX_PERFORMED_MAX_DAYS_AHEAD = 5
    today = timezone.localdate()
    with pytest.raises(ValidationError) as within:  # other fields are missing: only the date is looked at
        services.clean_trainee_part(st_definition, {"performed_on": today + timedelta(days=5)})
    assert "performed_on" not in within.value.message_dict
    with pytest.raises(ValidationError) as beyond:
        services.clean_trainee_part(st_definition, {"performed_on": today + timedelta(days=6)})
    assert "performed_on" in beyond.value.message_dict
