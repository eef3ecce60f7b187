"""The new messages (second factor, registration) render cleanly in Swedish and English."""

import pytest

from evaluations.models import PendingRegistration
from mittist.accounts.models import AccountEvent, Role, User
from mittist.mailer import Recipient, render_message
from tests.test_email_templates import assert_rendered_cleanly

USER = User(email="tova@example.org", full_name="Tova O'Brien & Co", role=Role.COORDINATOR)
REGISTRATION = PendingRegistration(
    email="ny@example.org", full_name="Nora <Ny>", personnummer_masked="19900101-****",
    resolution_note="Personnumret tillhör någon annan.",
)


def render(template, context, recipient, language):
    return render_message(template, {**context, "recipient": recipient}, language)


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("action", AccountEvent.Action.values[:5])
def test_account_security_mail(language, action):
    subject, text, html = render("account_security", {
        "user": USER, "action": action, "settings_url": "https://x.example.org/konto/tvastegsverifiering/",
        "reset_url": "https://x.example.org/konto/losenord/",
    }, Recipient.of(USER), language)
    assert_rendered_cleanly(subject, text, html, language)
    assert "Tova O'Brien & Co" in text and "https://x.example.org/konto/losenord/" in text


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("template, extra", [
    ("registration_confirm", {"confirm_url": "https://x.example.org/anmalan/bekrafta/abc/", "hours": 48}),
    ("registration_flagged", {"flagged_url": "https://x.example.org/anmalan/flaggad/1/"}),
    ("registration_flagged_rejected", {}),
])
def test_registration_mails(language, template, extra):
    for recipient in [Recipient(email="ny@example.org", name="Nora <Ny>"), Recipient(email="kansli@example.org")]:
        subject, text, html = render(template, {"registration": REGISTRATION, **extra}, recipient, language)
        assert_rendered_cleanly(subject, text, html, language)
        assert "<Ny>" not in html
        for url in extra.values():
            if isinstance(url, str) and (recipient.email == "ny@example.org") == (template != "registration_flagged"):
                assert url in text and url in html


@pytest.mark.parametrize("language", ["sv", "en"])
def test_account_exists_mail(language):
    subject, text, html = render("registration_account_exists", {
        "user": USER, "login_url": "https://x.example.org/konto/logga-in/",
        "reset_url": "https://x.example.org/konto/losenord/",
    }, Recipient.of(USER), language)
    assert_rendered_cleanly(subject, text, html, language)
    assert "https://x.example.org/konto/logga-in/" in html
