"""Writes to accounts outside a case go through services, and each leaves one AccountEvent."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from evaluations import services
from mittist.accounts import services as account_services
from mittist.accounts.models import AccountEvent, Role, User

A = AccountEvent.Action


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def evaluator_data(**overrides):
    data = {"full_name": "Nils Nyvärderare", "email": "Nils.Ny@Example.org", "phone": "070-000 00 00",
            "region": "kalmar", "home_clinic": "Vårdcentralen Kalmar Norr", "max_active_cases": "2",
            "last_training_year": "2023", "active": "on"}
    return {**data, **overrides}


def test_a_new_evaluator_is_one_created_row_by_the_coordinator(coordinator):
    response = login(coordinator).post(reverse("evaluations:evaluator_create"), evaluator_data())
    assert response.status_code == 302
    user = User.objects.get(email="nils.ny@example.org")
    (event,) = AccountEvent.objects.filter(user=user)
    assert (event.action, event.actor, event.note) == (A.CREATED, coordinator, Role.EVALUATOR)


def test_a_changed_evaluator_is_one_row_naming_what_changed(coordinator, evaluator):
    response = login(coordinator).post(
        reverse("evaluations:evaluator_edit", args=[evaluator.pk]),
        evaluator_data(full_name="Vera Omdöpt", email=evaluator.user.email, phone=evaluator.user.phone,
                       region=evaluator.region, home_clinic="Vårdcentralen Ny", max_active_cases="3",
                       last_training_year="2024"),
    )
    assert response.status_code == 302
    (event,) = AccountEvent.objects.filter(user=evaluator.user)
    assert (event.action, event.actor) == (A.CHANGED, coordinator)
    assert event.note == "full_name, home_clinic"


def test_an_unchanged_save_is_still_on_record(coordinator, evaluator):
    services.evaluator_update(
        by=coordinator, evaluator=evaluator, full_name=evaluator.user.full_name, email=evaluator.user.email,
        phone=evaluator.user.phone, region=evaluator.region, home_clinic=evaluator.home_clinic,
    )
    (event,) = AccountEvent.objects.filter(user=evaluator.user)
    assert (event.action, event.note) == (A.CHANGED, "")


def test_changing_language_is_one_row_and_the_same_language_none(trainee):
    client = login(trainee)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    trainee.refresh_from_db()
    assert trainee.language == "en"
    (event,) = AccountEvent.objects.filter(user=trainee)
    assert (event.action, event.actor, event.note) == (A.LANGUAGE_CHANGED, trainee, "sv → en")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert AccountEvent.objects.filter(user=trainee).count() == 1


def test_an_unknown_language_is_refused_by_the_service(trainee):
    with pytest.raises(ValidationError):
        account_services.account_set_language(user=trainee, language="xx")
    trainee.refresh_from_db()
    assert trainee.language == "sv" and not AccountEvent.objects.exists()


def test_the_password_reset_mail_goes_through_the_mailer_in_the_accounts_language(
    client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    from mittist.outbox.models import Message

    user = make_user(Role.EVALUATOR, email="glomsk@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    row = Message.objects.get(recipient_email=user.email)
    assert row.template == "password_reset" and row.language == "en" and row.recipient_user == user
    (sent,) = mailoutbox
    assert "/konto/" in sent.body and "password" in sent.subject.lower()
    assert sent.alternatives and "href=" in sent.alternatives[0][0]
