"""The assessor's e-mail link: no login, prefetch-safe GET, drafts, submission, expiry, extension, reuse."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations.minicex import services
from evaluations.minicex.models import MiniCex, MiniCexEvent, hash_token
from mittist.mailer import Recipient, render_message

from .conftest import assessment_values

S = MiniCex.State


def link(form, token) -> str:
    return reverse("minicex:assess_link", args=[form.pk, token])


def mailed_token(form) -> str:
    bodies = [m.body for m in mail.outbox if str(form.pk) in m.body]
    return re.findall(rf"/mini-cex/{form.pk}/bedom/([A-Za-z0-9_-]+)/", bodies[-1])[-1]


def post_data(values: dict, *, submit: bool) -> dict:
    data = {"difficulty": values.get("difficulty", ""), "summary": values.get("summary", ""),
            "suggestions": values.get("suggestions", ""), "submit": "1" if submit else "0"}
    for key, value in values.get("ratings", {}).items():
        data[f"rating_{key}"] = str(value)
    return data


def snapshot(form) -> tuple:
    row = MiniCex.objects.filter(pk=form.pk).values().get()
    return row, MiniCexEvent.objects.filter(minicex=form).count(), Session.objects.count(), MiniCex.objects.count()


pytestmark = pytest.mark.usefixtures("mail_at_once")


@pytest.fixture
def awaiting(make_form):
    return make_form(S.AWAITING_ASSESSOR, mode="link")


# --- reading the link ------------------------------------------------------------------------------------


def test_get_changes_nothing_and_shows_the_form(client, awaiting):
    form, token = awaiting
    before = snapshot(form)
    response = client.get(link(form, token))
    assert response.status_code == 200
    assert snapshot(form) == before
    html = response.content.decode()
    assert "Tova Testsson" in html and "Akutmottagning, vuxen med bröstsmärta" in html
    # The level definitions are on the page, and each radio points at its level's definition.
    assert form.definition.definitions_label in html
    for level in form.definition.scale:
        assert level["definition"] in html
        assert f'aria-describedby="mcx-level-{level["value"]}-definition"' in html
    assert 'name="rating_anamnes" value="na"' in html
    assert html.count('type="radio" name="rating_') == 5 * (len(form.definition.scale) + 1)


def test_link_pages_do_not_leak_the_token(client, awaiting):
    form, token = awaiting
    for url in (link(form, token), link(form, "garbage")):
        response = client.get(url)
        # Not "no-referrer": browsers would then POST with `Origin: null`, which the CSRF check refuses.
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
        assert '<meta name="robots" content="noindex' in response.content.decode()


def test_draft_is_saved_and_shown_again_through_the_same_link(client, awaiting):
    form, token = awaiting
    partial = {"difficulty": "hard", "ratings": {"anamnes": 2}, "summary": "Halvvägs: lugn och metodisk."}
    response = client.post(link(form, token), post_data(partial, submit=False))
    assert response.status_code == 302 and response.url == link(form, token)
    form.refresh_from_db()
    assert form.state == S.AWAITING_ASSESSOR
    assert form.ratings == {"anamnes": 2} and form.difficulty == "hard"
    assert form.events.filter(action="assessor_draft_saved").count() == 1

    page = Client().get(link(form, token))  # another browser, later
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="rating_anamnes" value="2" checked' in html
    assert 'name="difficulty" value="hard" checked' in html
    assert "Halvvägs: lugn och metodisk." in html
    followed = client.get(response.url)
    assert "Utkastet är sparat. Du kan komma tillbaka via samma länk." in followed.content.decode()


def test_submit_locks_the_assessment_and_mails_the_trainee(client, awaiting, trainee):
    form, token = awaiting
    mail.outbox.clear()
    response = client.post(link(form, token), post_data(assessment_values(), submit=True))
    assert response.status_code == 200
    assert "Tack! Bedömningen är inskickad" in response.content.decode()
    form.refresh_from_db()
    assert form.state == S.ASSESSED
    assert form.ratings["organisation"] == "na" and form.ratings["status"] == 4
    assert form.assessor_confirmed_by == MiniCex.Confirmation.LINK
    event = form.events.get(action="assessed")
    assert event.actor is None and "asta.bedomare@example.org" in event.actor_label
    [message] = mail.outbox
    assert trainee.email in message.to[0]
    assert "Asta Bedömare" in message.subject
    assert reverse("minicex:detail", args=[form.pk]) in message.body


def test_reuse_after_submit_says_thank_you_and_cannot_post(client, awaiting):
    form, token = awaiting
    client.post(link(form, token), post_data(assessment_values(), submit=True))
    form.refresh_from_db()
    before = snapshot(form)

    again = client.get(link(form, token))
    assert again.status_code == 200
    html = again.content.decode()
    assert "Bedömningen är redan inskickad. Tack!" in html
    assert 'name="summary"' not in html

    posted = client.post(link(form, token), post_data(assessment_values(summary="Ändrad i efterhand"), submit=True))
    assert posted.status_code == 409
    assert snapshot(form)[0] == before[0]
    # Another browser is told the same and cannot change anything either.
    assert "Bedömningen är redan inskickad. Tack!" in Client().get(link(form, token)).content.decode()
    elsewhere = Client().post(link(form, token), post_data(assessment_values(summary="Ändrad"), submit=False))
    assert elsewhere.status_code == 409
    form.refresh_from_db()
    assert form.summary == assessment_values()["summary"]


def test_field_errors_keep_what_was_typed_and_save_nothing(client, awaiting):
    form, token = awaiting
    values = assessment_values(summary="", ratings={"anamnes": 3, "status": "7"})
    before = snapshot(form)
    response = client.post(link(form, token), post_data(values, submit=True))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Skriv en kort sammanfattning." in html
    assert "Välj en av nivåerna på skalan." in html  # status: 7 is not a level
    assert "Välj en nivå eller ”Inte observerat”." in html  # bemotande: not answered
    assert values["suggestions"] in html
    assert 'name="rating_anamnes" value="3" checked' in html
    assert snapshot(form)[:2] == before[:2]


@pytest.mark.parametrize("bad", [
    {"summary": "a\x00b" * 3000, "submit": "1"},
    {"difficulty": "x" * 10_000, "rating_anamnes": "\x00", "submit": "0"},
    {"rating_status": "-1", "rating_anamnes": "3.5", "submit": "maybe"},
    {},
])
def test_bad_input_is_answered_not_crashed(client, awaiting, bad):
    form, token = awaiting
    response = client.post(link(form, token), bad)
    assert response.status_code in (302, 400)
    form.refresh_from_db()
    assert form.state == S.AWAITING_ASSESSOR


def test_the_trainee_opening_the_link_is_told_it_is_the_assessors(client, awaiting, trainee):
    form, token = awaiting
    client.force_login(trainee)
    response = client.get(link(form, token))
    assert response.status_code == 403
    assert client.post(link(form, token), post_data(assessment_values(), submit=True)).status_code == 403
    form.refresh_from_db()
    assert form.state == S.AWAITING_ASSESSOR


def test_anonymous_post_needs_and_gets_a_csrf_token(awaiting):
    form, token = awaiting
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link(form, token), post_data(assessment_values(), submit=False)).status_code == 403
    page = browser.get(link(form, token))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = browser.post(link(form, token), {**post_data(assessment_values(), submit=False),
                                                 "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302


# --- links that no longer work ------------------------------------------------------------------------------


def test_expired_link_is_gone_and_cannot_post(client, awaiting):
    form, token = awaiting
    MiniCex.objects.filter(pk=form.pk).update(link_expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(link(form, token))
    assert response.status_code == 410
    assert "Länken har gått ut" in response.content.decode()
    assert "förlänga" in response.content.decode()
    before = snapshot(form)
    assert client.post(link(form, token), post_data(assessment_values(), submit=True)).status_code == 410
    assert snapshot(form)[:2] == before[:2]


def test_extension_sends_a_new_link_and_the_old_one_stops(client, awaiting, trainee):
    form, old = awaiting
    MiniCex.objects.filter(pk=form.pk).update(link_expires_at=timezone.now() - timedelta(days=1))
    form.refresh_from_db()
    mail.outbox.clear()
    services.minicex_extend_link(form=form, by=trainee)
    new = mailed_token(form)
    assert new != old
    assert client.get(link(form, old)).status_code == 404
    assert client.get(link(form, new)).status_code == 200
    assert client.post(link(form, new), post_data(assessment_values(), submit=True)).status_code == 200
    form.refresh_from_db()
    assert form.state == S.ASSESSED


def test_resend_makes_the_old_link_unknown(client, awaiting, trainee):
    form, old = awaiting
    mail.outbox.clear()
    services.minicex_resend_link(form=form, by=trainee)
    new = mailed_token(form)
    assert client.get(link(form, old)).status_code == 404
    assert client.post(link(form, old), post_data(assessment_values(), submit=True)).status_code == 404
    assert client.get(link(form, new)).status_code == 200
    form.refresh_from_db()
    assert form.state == S.AWAITING_ASSESSOR


def test_token_of_another_form_and_garbage_are_404(client, make_form):
    form_a, token_a = make_form(S.AWAITING_ASSESSOR, mode="link")
    form_b, token_b = make_form(S.AWAITING_ASSESSOR, mode="link")
    for url in (link(form_b, token_a), link(form_a, token_b), link(form_a, "x"), link(form_a, "A" * 500)):
        response = client.get(url)
        assert response.status_code == 404
        assert "Länken fungerar inte" in response.content.decode()
        assert "Tova Testsson" not in response.content.decode()
    assert client.post(link(form_b, token_a), post_data(assessment_values(), submit=True)).status_code == 404
    form_b.refresh_from_db()
    assert form_b.state == S.AWAITING_ASSESSOR
    assert client.get(f"/mini-cex/not-a-uuid/bedom/{token_a}/").status_code == 404


def test_cancelled_forms_link_is_refused(client, awaiting, trainee):
    form, token = awaiting
    mail.outbox.clear()
    services.minicex_cancel(form=form, by=trainee)
    [message] = mail.outbox
    assert "asta.bedomare@example.org" in message.to[0]
    page = client.get(link(form, token))
    assert page.status_code == 410 and "Formuläret är avbrutet" in page.content.decode()
    assert client.post(link(form, token), post_data(assessment_values(), submit=True)).status_code == 410
    form.refresh_from_db()
    assert form.state == S.CANCELLED and form.summary == ""


def test_handing_over_ends_the_link(client, awaiting, trainee):
    form, token = awaiting
    services.minicex_hand_over(form=form, by=trainee)
    assert client.get(link(form, token)).status_code == 404


def test_the_request_mail_has_a_working_link_and_the_database_only_its_hash(client, make_form, trainee, settings):
    form, _ = make_form(S.DRAFT)
    mail.outbox.clear()
    services.minicex_send_link(form=form, by=trainee)
    [message] = mail.outbox
    token = mailed_token(form)
    assert f"{settings.SITE_URL}{link(form, token)}" in message.body
    assert f'href="{settings.SITE_URL}{link(form, token)}"' in message.alternatives[0][0]
    assert "Du behöver inget konto" in message.body and "utkast" in message.body
    form.refresh_from_db()
    assert "Akutmottagning" in message.body
    assert timezone.localtime(form.link_expires_at).strftime("%Y") in message.body
    row = MiniCex.objects.filter(pk=form.pk).values().get()
    assert all(token not in str(value) for value in row.values())
    assert row["link_token_hash"] == hash_token(token)
    assert not any(token in e.note for e in form.events.all())
    assert client.get(link(form, token)).status_code == 200


# --- the e-mails render in both languages ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("kind", ["minicex_assessment_request", "minicex_assessor_code",
                                  "minicex_assessment_cancelled", "minicex_assessed", "minicex_amended"])
def test_every_minicex_mail_renders(make_form, kind, language):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="link", clinical_context="Barn & förälder, \"akut\"")
    context = {"form": form, "trainee_name": "Testa O'Testsson", "form_url": "https://x.example.org/f/",
               "link_url": "https://x.example.org/l/", "code": "012345",
               "recipient": Recipient(email="a@example.org", name="Asta O'Bedömare", language=language)}
    subject, text, html = render_message(kind, context, language)
    assert subject.strip() and "\n" not in subject
    for part in (subject, text, html):
        assert "{%" not in part and "{{" not in part
    for part in (subject, text):
        assert "&#x27;" not in part and "&amp;" not in part and "&quot;" not in part
    assert f'<html lang="{language}">' in html
    if kind == "minicex_assessment_request":
        assert "https://x.example.org/l/" in text and 'href="https://x.example.org/l/"' in html
        assert "Barn & förälder" in text and "Barn &amp; förälder" in html
    if kind == "minicex_assessor_code":
        assert "012345" in text and "012345" in html
    if kind in ("minicex_assessed", "minicex_amended"):
        assert 'href="https://x.example.org/f/"' in html


def test_no_get_of_the_link_writes_to_the_database(client, make_form, trainee, assessor_account):
    """Mail scanners and link previews open links: whatever the link's state and whoever opens it, a GET
    makes no INSERT, UPDATE or DELETE at all (not even a session row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    live, live_token = make_form(S.AWAITING_ASSESSOR, mode="link")
    expired, expired_token = make_form(S.AWAITING_ASSESSOR, mode="link")
    MiniCex.objects.filter(pk=expired.pk).update(link_expires_at=timezone.now() - timedelta(minutes=1))
    submitted, submitted_token = make_form(S.ASSESSED, mode="link")
    cancelled, cancelled_token = make_form(S.AWAITING_ASSESSOR, mode="link")
    services.minicex_cancel(form=cancelled, by=trainee)
    urls = [link(live, live_token), link(expired, expired_token), link(submitted, submitted_token),
            link(cancelled, cancelled_token), link(live, "garbage"), link(live, submitted_token)]
    for who in (None, assessor_account, trainee):
        browser = Client()
        if who is not None:
            browser.force_login(who)
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                response = browser.get(url, HTTP_PURPOSE="prefetch")
            assert response.status_code < 500
            writes = [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
            assert writes == [], (who, url, writes)
