"""Every e-mail renders, in both languages, for every recipient the notification code picks.

Nothing here touches the database: the case, its trainee and its evaluator are unsaved objects.
"""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.html import escape

from evaluations import notifications
from evaluations.models import Evaluation, Evaluator
from mittist.accounts.models import Role, User
from mittist.mailer import Recipient, render_message

SITE_URL = "https://mittist.example.org"
CASE_ID = "00000000-0000-0000-0000-000000000001"
CASE_URL = SITE_URL + "/arenden/00000000-0000-0000-0000-000000000001/"
SET_PASSWORD_URL = SITE_URL + "/konto/losenord/MQ/abc-123/"
# An apostrophe and an ampersand: HTML must escape them, plain text and subjects must not.
TRAINEE_NAME = "Testa O'Testsson"
WORKPLACE = "Vårdcentralen Exempel & Prov"
EVALUATOR_NAME = "Vera Värdersson"
PREVIOUS_NAME = "Per Tidigare"
REASON = "Saknar uppgifter om handledare & studierektor.\nHör av dig till kansliet."

# kind -> (does the case have an evaluator when the mail is sent, extra context from the services)
KINDS = {
    "registration_received": (False, {}),
    "registration_accepted": (False, {}),
    "registration_rejected": (False, {"reason": REASON}),
    "evaluator_assigned": (True, {}),
    "evaluator_accepted": (True, {}),
    "assignment_declined": (False, {"evaluator_name": EVALUATOR_NAME, "reason": REASON}),
    "evaluator_replaced": (True, {}),
    "evaluator_changing": (True, {}),
    "material_reopened": (True, {"reason": REASON}),
    "previous_evaluator_released": (
        True,
        {"email": "per.tidigare@example.org", "name": PREVIOUS_NAME, "language": "sv"},
    ),
    "practice_day_agreed": (True, {}),
    "material_submitted": (True, {}),
    "material_submitted_late": (True, {}),
    "report_delivered": (True, {}),
    "certificate_issued": (True, {}),
    "case_withdrawn": (True, {"reason": REASON}),
    "practice_day_not_held": (True, {"day": "2026-06-10", "reason": REASON}),
}
# The previous evaluator can no longer open the case, so that mail links to the site instead.
LINKS_TO_SITE = {"previous_evaluator_released"}
LANGUAGES = ["sv", "en"]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL
    settings.MITTIST_OFFICE_EMAIL = "kansli@example.org"


def make_case(*, with_evaluator: bool = True) -> Evaluation:
    trainee = User(email="testa.st@example.org", full_name=TRAINEE_NAME, role=Role.TRAINEE, language="sv")
    case = Evaluation(
        id=CASE_ID,
        trainee=trainee,
        workplace=WORKPLACE,
        region="uppsala",
        curriculum="2021",
        st_start=date(2023, 9, 1),
        st_planned_end=date(2028, 8, 31),
        evaluator_notified_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        contact_made_on=date(2026, 3, 9),
        practice_day=date(2026, 6, 10),
        ended_reason=REASON,
    )
    if with_evaluator:
        evaluator_user = User(
            email="vera.v@example.org", full_name=EVALUATOR_NAME, role=Role.EVALUATOR, language="en"
        )
        case.evaluator = Evaluator(user=evaluator_user, region="skane", home_clinic="Vårdcentralen Söder")
    return case


def render_all(kind: str, *, with_evaluator: bool, extra: dict):
    """Yield (recipient, language, subject, text, html) for every recipient and language."""
    case = make_case(with_evaluator=with_evaluator)
    recipients = notifications._recipients(kind, case, extra)
    assert recipients, f"{kind} has nobody to go to"
    for recipient in recipients:
        # The same context deliver() and send_now() build.
        context = {"recipient": recipient, "case": case, **notifications.links(case), **extra}
        for language in LANGUAGES:
            yield (recipient, language, *render_message(kind, context, language))


def assert_rendered_cleanly(subject: str, text: str, html: str, language: str) -> None:
    assert subject.strip(), "empty subject"
    assert "\n" not in subject and "\r" not in subject
    assert len(subject) < 120, subject
    for part in (subject, text, html):
        assert "{%" not in part and "{{" not in part and "%}" not in part and "}}" not in part
    # Plain text and subject are not HTML: nothing in them may be HTML-escaped.
    for part in (subject, text):
        assert "&#x27;" not in part and "&amp;" not in part and "&lt;" not in part
    assert "<html" not in text
    assert f'<html lang="{language}">' in html
    assert "Mitt-i-ST" in html
    assert "Svensk förening för allmänmedicin · Mitt-i-ST" in html


BUTTON_URLS = {"report_delivered": CASE_URL + "rapport/"}


@pytest.mark.parametrize("kind", list(KINDS))
def test_case_message_renders_for_every_recipient(kind):
    with_evaluator, extra = KINDS[kind]
    seen = 0
    for recipient, language, subject, text, html in render_all(
        kind, with_evaluator=with_evaluator, extra=extra
    ):
        seen += 1
        assert_rendered_cleanly(subject, text, html, language)
        assert TRAINEE_NAME in text, (kind, recipient)
        assert escape(TRAINEE_NAME) in html, (kind, recipient)
        # Each message's button goes to the page that keeps its promise.
        url = SITE_URL if kind in LINKS_TO_SITE else BUTTON_URLS.get(kind, CASE_URL)
        assert url in text
        # The page, or a card on it (certificate_issued: "#intyg").
        assert re.search(f'href="{re.escape(url)}(#[a-z-]+)?"', html), "the call-to-action button links to the page"
        # Everyone is greeted; the office as "Hej!", people by name.
        if recipient.email == django_settings.MITTIST_OFFICE_EMAIL:
            assert "Hej Mitt-i-ST" not in text
        elif language == "sv":
            assert f"Hej {recipient.name}!" in text
    assert seen >= len(LANGUAGES)


def test_every_kind_the_notification_code_knows_has_templates():
    emails = Path(django_settings.BASE_DIR) / "templates" / "emails"
    for kind in [*KINDS, "evaluator_welcome", "trainee_welcome"]:
        for name in ("subject.txt", "body.txt", "body.html"):
            assert (emails / kind / name).is_file(), f"{kind}/{name}"
    with pytest.raises(ValueError):
        notifications._recipients("no_such_kind", make_case(), {})


def test_registration_received_differs_for_trainee_and_office():
    by_email = {
        r.email: (subject, text)
        for r, language, subject, text, html in render_all(
            "registration_received", with_evaluator=False, extra={}
        )
        if language == "sv"
    }
    trainee_subject, trainee_text = by_email["testa.st@example.org"]
    office_subject, office_text = by_email["kansli@example.org"]
    assert trainee_subject != office_subject
    assert TRAINEE_NAME in office_subject
    for value in (WORKPLACE, "Region Uppsala"):
        assert value in office_text


def test_reason_is_shown_raw_in_text_and_escaped_in_html():
    case = make_case(with_evaluator=False)
    trainee = Recipient.of(case.trainee)
    context = {"recipient": trainee, "case": case, "case_url": CASE_URL, "reason": REASON}
    subject, text, html = render_message("registration_rejected", context, "sv")
    assert REASON in text
    assert "handledare &amp; studierektor.<br>Hör av dig" in html


def test_dates_are_written_out_in_the_recipients_language():
    case = make_case()
    office = Recipient(email="kansli@example.org", name="Mitt-i-ST")
    context = {"recipient": office, "case": case, "case_url": CASE_URL}
    subject, text, html = render_message("practice_day_agreed", context, "sv")
    assert "10 juni 2026" in subject and "10 juni 2026" in text
    assert "13 maj 2026" in text and "13 maj 2026" in html  # material: four weeks before
    subject, text, html = render_message("practice_day_agreed", context, "en")
    assert "10 June 2026" in subject and "13 May 2026" in text
    # Contact within two weeks of being told who the evaluator is.
    context = {"recipient": Recipient.of(case.trainee), "case": case, "case_url": CASE_URL}
    subject, text, html = render_message("evaluator_accepted", context, "sv")
    assert "16 mars 2026" in text
    assert EVALUATOR_NAME in subject and "vera.v@example.org" in text and "vera.v@example.org" in html


def test_practice_day_agreed_goes_to_the_office_only():
    # Trainee and evaluator get one message for the agreed day: the one with the calendar invite.
    texts = {
        r.email: text
        for r, language, subject, text, html in render_all(
            "practice_day_agreed", with_evaluator=True, extra={}
        )
        if language == "sv"
    }
    assert set(texts) == {"kansli@example.org"}
    assert f"Värderare: {EVALUATOR_NAME}" in texts["kansli@example.org"]


def test_withdrawal_reason_goes_to_the_trainee_only():
    texts = {
        r.email: text
        for r, language, subject, text, html in render_all(
            "case_withdrawn", with_evaluator=True, extra={"reason": REASON}
        )
        if language == "sv"
    }
    assert REASON in texts["testa.st@example.org"]
    assert REASON not in texts["vera.v@example.org"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", ["evaluator_welcome", "trainee_welcome"])
def test_welcome_mails_carry_the_set_password_link(template, language):
    user = User(email="ny.lakare@example.org", full_name="Nova Nyström", role=Role.EVALUATOR)
    context = {"user": user, "set_password_url": SET_PASSWORD_URL, "recipient": Recipient.of(user)}
    subject, text, html = render_message(template, context, language)
    assert_rendered_cleanly(subject, text, html, language)
    assert "Nova Nyström" in text and "Nova Nyström" in html
    assert SET_PASSWORD_URL in text
    assert f'href="{SET_PASSWORD_URL}"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_password_reset_email(language):
    user = User(email="testa.st@example.org", full_name=TRAINEE_NAME)
    link = "https://mittist.example.org" + reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "abc-123"}
    )
    context = {"user": user, "reset_url": link}  # what AnyUserPasswordResetForm.send_mail gives the mailer
    subject, body, html = render_message("password_reset", context, language)
    assert_rendered_cleanly(subject, body, html, language)
    assert subject.strip() and "{" not in subject
    assert link in body and f'href="{link}"' in html
    assert TRAINEE_NAME in body and "&#x27;" not in body
    assert "{%" not in body and "{{" not in body
