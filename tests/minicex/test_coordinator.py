"""The coordinator's pages: doctors with yearly counts, one doctor's forms, adding a doctor, their
training details, and amending a submitted form."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.minicex.models import MiniCex, TrainingProfile
from mittist.accounts.models import Role, User

S = MiniCex.State


@pytest.fixture
def as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


def amend_data(form, **overrides) -> dict:
    """The amend page's POST with the form's current values: change only what a test overrides."""
    data = {
        "performed_on": form.performed_on.isoformat(),
        "clinical_context": form.clinical_context,
        "case_description": form.case_description,
        "reflection": form.reflection,
        "curriculum": f"{form.definition.kind}:{form.curriculum}",
        "goals": form.goals,
        "focus": form.focus,
        "free_goals_0": "", "free_goals_1": "", "free_goals_2": "",
        "difficulty": form.difficulty,
        "summary": form.summary,
        "suggestions": form.suggestions,
        "action_plan": form.action_plan,
        "reason": "Fel nivå angiven av misstag",
        "requested_by": "Hugo Handledare",
    }
    data.update({f"rating_{k}": str(v) for k, v in form.ratings.items()})
    data.update(overrides)
    return data


# --- amendment ---------------------------------------------------------------------------------------


def test_coordinator_amends_locked_form_and_diff_is_shown(as_coordinator, make_form, django_capture_on_commit_callbacks):
    form, _ = make_form(S.COMPLETED)
    assert form.ratings["anamnes"] == 3
    page = as_coordinator.get(reverse("minicex:amend", args=[form.pk]))
    assert page.status_code == 200
    assert page.context["form"]["rating_anamnes"].value() == "3"
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(reverse("minicex:amend", args=[form.pk]),
                                       amend_data(form, rating_anamnes="4", summary="Rättad sammanfattning"))
    assert response["Location"] == reverse("minicex:detail", args=[form.pk])
    form.refresh_from_db()
    assert form.ratings["anamnes"] == 4 and form.state == S.COMPLETED
    event = form.events.get(action="amended")
    assert set(event.changes) == {"ratings.anamnes", "summary"}
    assert event.changes["summary"] == ["Strukturerad anamnes, trygg i statusundersökningen.", "Rättad sammanfattning"]
    assert "Hugo Handledare" in event.note and "Fel nivå" in event.note
    assert len(mail.outbox) == 1  # the trainee is told
    text = as_coordinator.get(reverse("minicex:detail", args=[form.pk])).content.decode()
    assert "Ändringar efter inskickandet" in text
    assert "<td>Anamnes</td>" in text
    assert "ST-läkaren utför aktiviteten med reaktiv handledning" in text  # before, level 3
    assert "Rättad sammanfattning" in text and "Hugo Handledare" in text


def test_trainee_also_sees_the_amendment(client, trainee, make_form, coordinator):
    from evaluations.minicex import services

    form, _ = make_form(S.COMPLETED)
    services.minicex_amend(form=form, by=coordinator, values={"clinical_context": "Jour"}, reason="Fel",
                           requested_by="Hugo Handledare")
    client.force_login(trainee)
    text = client.get(reverse("minicex:detail", args=[form.pk])).content.decode()
    assert "Ändringar efter inskickandet" in text and "Jour" in text
    assert reverse("minicex:amend", args=[form.pk]) not in text


def test_amend_needs_reason_and_supervisor_and_keeps_input(as_coordinator, make_form):
    form, _ = make_form(S.ASSESSED)
    response = as_coordinator.post(reverse("minicex:amend", args=[form.pk]),
                                   amend_data(form, reason="", requested_by="", summary="Ny text"))
    assert response.status_code == 200
    f = response.context["form"]
    assert {"reason", "requested_by"} <= set(f.errors)
    assert f["summary"].value() == "Ny text"
    form.refresh_from_db()
    assert not form.events.filter(action="amended").exists()


def test_amend_without_changes_says_so(as_coordinator, make_form):
    form, _ = make_form(S.ASSESSED)
    response = as_coordinator.post(reverse("minicex:amend", args=[form.pk]), amend_data(form))
    assert "Inga ändringar" in response.content.decode()
    assert not form.events.filter(action="amended").exists()


def test_amend_bad_rating_is_an_error_at_the_field(as_coordinator, make_form):
    form, _ = make_form(S.ASSESSED)
    response = as_coordinator.post(reverse("minicex:amend", args=[form.pk]), amend_data(form, rating_status="9"))
    assert "rating_status" in response.context["form"].errors


def test_amend_of_draft_is_refused(as_coordinator, make_form):
    form, _ = make_form()
    response = as_coordinator.get(reverse("minicex:amend", args=[form.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["trainee", "assessor_account"])
def test_non_coordinator_cannot_amend(client, make_form, request, who, assessor_account):
    form, _ = make_form(S.COMPLETED, assessor_email=assessor_account.email)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("minicex:amend", args=[form.pk])).status_code == 403
    assert client.post(reverse("minicex:amend", args=[form.pk]), amend_data(form, summary="x")).status_code == 403
    form.refresh_from_db()
    assert form.summary != "x"


def test_coordinator_sees_amend_button_on_assessed_form(as_coordinator, make_form):
    form, _ = make_form(S.ASSESSED)
    assert reverse("minicex:amend", args=[form.pk]) in as_coordinator.get(
        reverse("minicex:detail", args=[form.pk])).content.decode()


# --- doctors overview -----------------------------------------------------------------------------------


def _doctors(make_user, n, start=0):
    users = []
    for i in range(start, start + n):
        user = make_user(Role.TRAINEE, full_name=f"Doktor {i:03d}")
        TrainingProfile.objects.create(user=user, training_start=date(2024, 9, 1), part_time_percent=50 + i % 50)
        users.append(user)
    return users


def test_trainees_overview_queries_do_not_grow(as_coordinator, make_user, django_assert_num_queries):
    _doctors(make_user, 3)
    with CaptureQueriesContext(connection) as few:
        assert as_coordinator.get(reverse("minicex:trainees")).status_code == 200
    _doctors(make_user, 27, start=3)
    with django_assert_num_queries(len(few.captured_queries)):
        response = as_coordinator.get(reverse("minicex:trainees"))
    assert len(response.context["rows"]) == 25


def test_trainees_overview_shows_counts_and_searches(as_coordinator, make_user, make_form, trainee):
    TrainingProfile.objects.create(user=trainee, training_start=date.today() - timedelta(days=100),
                                   part_time_percent=50)
    make_form(S.COMPLETED)
    other = make_user(Role.TRAINEE, full_name="Utan Formulär")
    make_user(Role.TRAINEE, full_name="Osynlig Ingenting")  # no profile and no form: not listed
    TrainingProfile.objects.create(user=other, training_start=date(2024, 1, 1))
    response = as_coordinator.get(reverse("minicex:trainees"))
    text = response.content.decode()
    assert "Tova Testsson" in text and "Utan Formulär" in text and "Osynlig Ingenting" not in text
    row = next(r for r in response.context["rows"] if r["user"] == trainee)
    assert (row["count"].completed, row["count"].minimum) == (1, 1)
    response = as_coordinator.get(reverse("minicex:trainees"), {"q": "utan"})
    assert [r["user"] for r in response.context["rows"]] == [other]


def test_trainees_overview_is_coordinator_only(client, trainee):
    client.force_login(trainee)
    assert client.get(reverse("minicex:trainees")).status_code == 403


def test_one_doctors_forms(as_coordinator, make_form, trainee):
    form, _ = make_form(S.COMPLETED, assessor_name="Synlig Bedömare")
    response = as_coordinator.get(reverse("minicex:trainee_forms", args=[trainee.pk]))
    text = response.content.decode()
    assert "Synlig Bedömare" in text
    assert reverse("minicex:trainee_progress", args=[trainee.pk]) in text
    assert as_coordinator.get(reverse("minicex:detail", args=[form.pk])).status_code == 200


def test_one_doctors_forms_404_for_non_trainee(as_coordinator, coordinator):
    assert as_coordinator.get(reverse("minicex:trainee_forms", args=[coordinator.pk])).status_code == 404


# --- adding a doctor and training details --------------------------------------------------------------


def test_add_trainee_creates_account_profile_and_mail(as_coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(reverse("minicex:add_trainee"), {
            "full_name": "Berit Bastjänst", "email": "Berit.B@example.org", "programme": "bt", "curriculum": "bt2021",
            "training_start": "2025-09-01", "part_time_percent": "80"})
    user = User.objects.get(email="berit.b@example.org")
    assert response["Location"] == reverse("minicex:trainee_forms", args=[user.pk])
    assert user.role == Role.TRAINEE and not user.has_usable_password()
    assert (user.training.programme, user.training.part_time_percent) == ("bt", 80)
    assert len(mail.outbox) == 1
    assert "berit.b@example.org" in mail.outbox[0].to[0]
    assert "/konto/losenord/" in mail.outbox[0].body


def test_add_trainee_refuses_existing_email(as_coordinator, trainee):
    response = as_coordinator.post(reverse("minicex:add_trainee"), {
        "full_name": "Dubblett", "email": trainee.email.upper(), "programme": "st", "curriculum": "2021",
        "training_start": "2025-09-01", "part_time_percent": "100"})
    assert "email" in response.context["form"].errors
    assert response.context["form"]["full_name"].value() == "Dubblett"
    assert User.objects.filter(full_name="Dubblett").count() == 0


def test_add_trainee_is_coordinator_only(client, trainee):
    client.force_login(trainee)
    assert client.get(reverse("minicex:add_trainee")).status_code == 403


@pytest.mark.parametrize("percent", ["0", "101", "abc"])
def test_coordinator_edits_training_details_with_validation(as_coordinator, trainee, percent):
    url = reverse("minicex:trainee_training", args=[trainee.pk])
    data = {"programme": "st", "curriculum": "2021", "training_start": "2024-01-15", "part_time_percent": percent}
    response = as_coordinator.post(url, data)
    assert "part_time_percent" in response.context["form"].errors
    assert not TrainingProfile.objects.filter(user=trainee).exists()
    as_coordinator.post(url, {**data, "part_time_percent": "60"})
    assert TrainingProfile.objects.get(user=trainee).part_time_percent == 60
