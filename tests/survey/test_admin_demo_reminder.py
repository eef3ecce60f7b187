"""The admin (questions editable until used, answers read only), the demo data, and the survey's reminder."""

import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Evaluation
from mittist.accounts.models import User
from scheduling.models import Reminder
from scheduling.services.reminders import (
    KINDS,
    planned_reminders,
    reminder_recipients,
    replan_reminders,
    send_reminder_mail,
)
from survey import services
from survey.models import SurveyDefinition, SurveyResponse

from .conftest import full_answers

S = Evaluation.State


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser(email="admin@example.org", password="x-Pass-123456", full_name="Ada Admin")
    client.force_login(admin)
    return client


def test_the_admin_lists_and_edits_the_questions_until_they_are_used(admin_client, definition):
    url = reverse("admin:survey_surveydefinition_change", args=[definition.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "Instämmer inte alls" in page.content.decode()
    data = {"version": 1, "title": "Utvärdering av Mitt-i-ST (rättad)", "active": "on",
            "items": json.dumps(definition.items, ensure_ascii=False)}
    assert admin_client.post(url, data).status_code == 302
    definition.refresh_from_db()
    assert definition.title == "Utvärdering av Mitt-i-ST (rättad)"

    SurveyResponse.objects.create(definition=definition, year=2026, month=1, answers={})
    data["title"] = "Ändrad efter användning"
    refused = admin_client.post(url, data)
    assert refused.status_code == 200 and "har använts och kan inte ändras" in refused.content.decode()
    assert SurveyDefinition.objects.get(pk=definition.pk).title == "Utvärdering av Mitt-i-ST (rättad)"


def test_answers_are_read_only_in_the_admin_and_shown_without_month_or_region(admin_client, definition):
    response = SurveyResponse.objects.create(definition=definition, year=2026, month=7, region="gotland",
                                             answers={"instructions_clear": 5, "best": "Bra dag"})
    changelist = admin_client.get(reverse("admin:survey_surveyresponse_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:survey_surveyresponse_add") not in changelist.content.decode()
    detail = admin_client.get(reverse("admin:survey_surveyresponse_change", args=[response.pk])).content.decode()
    assert "Instruktionerna för Mitt-i-ST var tydliga." in detail and "Bra dag" in detail
    assert "gotland" not in detail.lower() and 'name="answers"' not in detail
    assert admin_client.get(reverse("admin:survey_surveyresponse_add")).status_code == 403
    assert admin_client.post(reverse("admin:survey_surveyresponse_delete", args=[response.pk]), {"post": "yes"}).status_code == 403
    assert SurveyResponse.objects.filter(pk=response.pk).exists()


def test_demo_answers_cover_two_years_and_a_second_run_adds_nothing(definition, settings):
    settings.MITTIST_SURVEY_MIN_GROUP = 5
    settings.DEBUG = True  # the demo commands run in development only
    call_command("seed_demo_survey", stdout=io.StringIO())
    year = timezone.localdate().year
    first = SurveyResponse.objects.count()
    assert set(SurveyResponse.objects.values_list("year", flat=True)) == {year - 1, year}
    assert SurveyResponse.objects.filter(year=year - 1, region="stockholm").count() >= 5  # a named region
    assert SurveyResponse.objects.filter(year=year - 1, region="halland").count() < 5  # and one that is not
    assert all(1 <= m <= timezone.localdate().month for m in SurveyResponse.objects.filter(year=year).values_list("month", flat=True))
    call_command("seed_demo_survey", stdout=io.StringIO())
    assert SurveyResponse.objects.count() == first


def test_the_survey_reminder_links_to_the_form_and_stops_once_answered(certified_case, trainee, settings,
                                                                     django_capture_on_commit_callbacks):
    replan_reminders(str(certified_case.pk))
    due = certified_case.survey_due
    wanted = planned_reminders(certified_case)
    assert ("survey", due) in wanted
    reminder = Reminder.objects.get(case=certified_case, kind="survey")
    reminder.sent_at = timezone.now()
    reminder.save(update_fields=["sent_at"])

    ((role, recipient, extra),) = reminder_recipients(reminder)
    form_url = settings.SITE_URL + reverse("survey:answer", args=[certified_case.pk])
    assert role == "trainee" and recipient.email == trainee.email and extra["action_url"] == form_url
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminder_mail(reminder.pk) == 1
    message = mail.outbox[0]
    assert form_url in message.body and "Svara på enkäten" in message.body
    assert form_url in message.alternatives[0][0]

    services.survey_submit(case=certified_case, by=trainee, answers=full_answers())
    case = Evaluation.objects.get(pk=certified_case.pk)
    assert ("survey", due) not in planned_reminders(case)
    assert KINDS["survey"].audience == ("trainee",)


def test_the_pending_survey_reminder_is_cancelled_when_the_survey_is_answered(
    certified_case, trainee, django_capture_on_commit_callbacks
):
    replan_reminders(str(certified_case.pk))
    pending = Reminder.objects.get(case=certified_case, kind="survey")
    assert pending.sent_at is None and pending.cancelled_at is None
    # The closing service queues the re-plan after its commit, as in production.
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_submit(case=certified_case, by=trainee, answers=full_answers())
    pending.refresh_from_db()
    assert pending.cancelled_at is not None and pending.sent_at is None


def test_the_survey_deadline_is_done_on_the_day_it_was_answered(certified_case, trainee):
    from scheduling.deadlines import case_deadlines

    services.survey_submit(case=certified_case, by=trainee, answers=full_answers())
    case = Evaluation.objects.get(pk=certified_case.pk)
    survey = next(d for d in case_deadlines(case) if d.kind == "survey")
    assert not survey.open and survey.done_on == timezone.localdate(case.closed_at)
    assert survey.due_on == case.survey_due and case.survey_due - timedelta(days=14) == timezone.localdate(case.certified_at)
