"""The trainee's share links: named readers, hashed tokens, expiry never past the purge, revocable, every
reading counted and audited, and a GET (a mail scanner's prefetch) that changes nothing."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from evaluations.models import CaseEvent
from evaluations.reports import services as report_services
from evaluations.reports.models import ReportShare, hash_token
from tests.conftest import review_report

SHARE = {"action": "share", "kind": "supervisor", "name": "Hedda Handledare", "email": "Hedda@Example.org"}


def share_by_page(client, case, trainee, captured, **overrides):
    client.force_login(trainee)
    with captured(execute=True):
        response = client.post(reverse("reports:share", args=[case.pk]), {**SHARE, **overrides})
    return response


def token_from(mail) -> str:
    return re.search(r"/rapport/delad/([A-Za-z0-9_-]+)/", mail.body).group(1)


@pytest.fixture
def shared(delivered, trainee, outbox, django_capture_on_commit_callbacks, client):
    """The trainee shares with the supervisor through the page; returns (share, token from the e-mail)."""
    response = share_by_page(client, delivered.case, trainee, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    share = ReportShare.objects.get(report=delivered)
    mail = next(m for m in outbox if "hedda@example.org" in m.to[0])
    client.logout()
    return share, token_from(mail)


def test_sharing_mails_the_reader_a_link_and_keeps_only_its_hash(shared, delivered, trainee, outbox):
    share, token = shared
    assert (share.kind, share.name, share.email, share.created_by) == (
        "supervisor", "Hedda Handledare", "hedda@example.org", trainee)
    assert share.token_hash == hash_token(token) and token not in share.token_hash
    assert not ReportShare.objects.filter(token_hash=token).exists()
    mail = next(m for m in outbox if "hedda@example.org" in m.to[0])
    assert trainee.full_name in mail.body and mail.attachments == []
    event = CaseEvent.objects.get(case=delivered.case, action="report_shared")
    assert event.actor == trainee and "Hedda Handledare" in event.note


def test_the_link_lasts_the_set_number_of_days(shared, settings):
    share, _ = shared
    days = (share.expires_at - share.created_at).days
    assert days == settings.MITTIST_REPORT_SHARE_DAYS - 1 or days == settings.MITTIST_REPORT_SHARE_DAYS


def test_the_link_never_outlives_the_report_at_sfam(delivered, trainee, quality, settings):
    review_report(delivered.case, quality)
    delivered.refresh_from_db()
    purge_due = delivered.purge_due()
    later = timezone.now() + timedelta(days=settings.MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW - 5)
    with time_machine.travel(later, tick=False):
        share, _token = report_services.share_create(report=delivered, by=trainee, kind="manager",
                                                     name="Maja Chef", email="maja@example.org")
    assert timezone.localdate(share.expires_at) <= purge_due
    assert share.expires_at < later + timedelta(days=settings.MITTIST_REPORT_SHARE_DAYS)


def test_a_get_of_the_link_changes_nothing(client, shared, delivered):
    """Mail scanners open links: only the button's POST counts and opens the report."""
    share, token = shared
    events = CaseEvent.objects.count()
    sessions = Session.objects.count()
    url = reverse("reports:shared_landing", args=[token])
    for method in (client.get, client.head, client.get):
        response = method(url)
        assert response.status_code == 200
    assert "Läs rapporten" in client.get(url).content.decode()
    assert "Text för summary." not in client.get(url).content.decode()
    share.refresh_from_db()
    assert (share.view_count, share.last_viewed_at) == (0, None)
    assert CaseEvent.objects.count() == events
    assert Session.objects.count() == sessions
    assert "sessionid" not in client.cookies
    # Without the POST the reading page is not open to this browser.
    assert client.get(reverse("reports:shared_view", args=[share.pk])).status_code == 404


def test_opening_counts_each_reading_and_audits_it(client, shared, delivered, trainee):
    share, token = shared
    response = client.post(reverse("reports:shared_landing", args=[token]))
    assert response.status_code == 302 and response["Location"] == reverse("reports:shared_view", args=[share.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Text för summary." in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin" and "noindex" in page["X-Robots-Tag"]
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]
    pdf = client.get(reverse("reports:shared_pdf", args=[share.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    share.refresh_from_db()
    assert share.view_count == 2 and share.last_viewed_at is not None
    notes = list(CaseEvent.objects.filter(case=delivered.case, action="report_share_opened").values_list("note", flat=True))
    assert sorted(notes) == ["Hedda Handledare", "Hedda Handledare (PDF)"]
    # The trainee sees it on the share page.
    client.force_login(trainee)
    share_page = client.get(reverse("reports:share", args=[delivered.case.pk])).content.decode()
    assert "2 gånger, senast" in share_page


def test_revoking_closes_the_link_at_once(client, shared, delivered, trainee, django_capture_on_commit_callbacks):
    share, token = shared
    reader = client.__class__()
    reader.post(reverse("reports:shared_landing", args=[token]))
    assert reader.get(reverse("reports:shared_view", args=[share.pk])).status_code == 200

    client.force_login(trainee)
    response = client.post(reverse("reports:share", args=[delivered.case.pk]), {"action": "revoke", "share": share.pk})
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None
    event = CaseEvent.objects.get(case=delivered.case, action="report_share_revoked")
    assert (event.actor, event.note) == (trainee, "Hedda Handledare")

    for response in (reader.get(reverse("reports:shared_view", args=[share.pk])),
                     reader.get(reverse("reports:shared_pdf", args=[share.pk])),
                     reader.get(reverse("reports:shared_landing", args=[token])),
                     reader.post(reverse("reports:shared_landing", args=[token]))):
        assert response.status_code == 410
        assert "Text för summary." not in response.content.decode()
    share.refresh_from_db()
    assert share.view_count == 1


def test_an_expired_link_answers_gone(client, shared):
    share, token = shared
    with time_machine.travel(share.expires_at + timedelta(minutes=1), tick=False):
        response = client.get(reverse("reports:shared_landing", args=[token]))
    assert response.status_code == 410


def test_an_unknown_token_answers_not_found(client, shared):
    assert client.get(reverse("reports:shared_landing", args=["x" * 43])).status_code == 404
    assert client.get(reverse("reports:shared_landing", args=["x" * 300])).status_code == 404


def test_only_the_trainee_shares_and_revokes(client, shared, delivered, other_trainee, evaluator, quality, coordinator):
    share, _ = shared
    assert client.get(reverse("reports:share", args=[delivered.case.pk])).status_code == 302  # to log in
    client.force_login(other_trainee)
    assert client.post(reverse("reports:share", args=[delivered.case.pk]), SHARE).status_code == 404
    for user in (evaluator.user, quality, coordinator):
        client.force_login(user)
        response = client.post(reverse("reports:share", args=[delivered.case.pk]),
                               {"action": "revoke", "share": share.pk})
        assert response.status_code == 403
    share.refresh_from_db()
    assert share.revoked_at is None
    assert ReportShare.objects.filter(report=delivered).count() == 1


def test_a_bad_address_is_an_error_at_the_field_and_nothing_is_stored(client, delivered, trainee,
                                                                      django_capture_on_commit_callbacks):
    response = share_by_page(client, delivered.case, trainee, django_capture_on_commit_callbacks, email="inte-en-adress")
    assert response.status_code == 400
    assert "Fyll i en giltig e-postadress." in response.content.decode()
    assert not ReportShare.objects.exists()


def test_nothing_can_be_shared_before_delivery(client, held_case, trainee):
    client.force_login(trainee)
    response = client.post(reverse("reports:share", args=[held_case.pk]), SHARE)
    assert response.status_code == 403
    assert not ReportShare.objects.exists()
