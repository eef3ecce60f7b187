"""Issue 10, items 12–14, 16, 19–22: the half-made parts of the first half, finished."""

import re
from datetime import timedelta
from email.utils import parseaddr

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from evaluations import services
from evaluations.models import Evaluation
from mittist.accounts.models import Role
from scheduling.calendar import current_ics
from scheduling.models import Reminder
from scheduling.services.reminders import replan_reminders, send_due_reminders

S = Evaluation.State
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def visible_text(response) -> str:
    """What a reader sees: tags (and the attributes that may carry ISO dates, like datetime=) removed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return " ".join(strip_tags(html).split())


# --- 12: a rejected trainee sees the outcome and registers again ----------------------------------------


@pytest.fixture
def rejected(make_case, coordinator):
    case = make_case(S.REGISTERED, accepted=False)
    return services.case_reject_registration(case=case, by=coordinator, reason="Handledarens uppgifter saknas.")


def test_rejected_trainee_sees_the_outcome_and_the_way_on(rejected):
    page = visible_text(login(rejected.trainee).get(reverse("evaluations:trainee_home")))
    assert "Din anmälan har inte godkänts" in page
    assert "Handledarens uppgifter saknas." in page
    assert settings.MITTIST_OFFICE_EMAIL in page
    assert "Anmäl dig igen" in page
    # Not the running case's texts: no timeline of things to come, no "you will hear who your evaluator is".
    assert "Du får veta vem din värderare är" not in page
    assert "Senare:" not in page


def test_rejected_trainee_registers_again_with_the_same_account(rejected, mailoutbox, django_capture_on_commit_callbacks):
    client = login(rejected.trainee)
    form_page = client.get(reverse("evaluations:register"))
    assert form_page.status_code == 200
    form = form_page.context["form"]
    assert form["workplace"].value() == rejected.workplace  # the earlier answers are filled in
    assert "email" not in form.fields and "password1" not in form.fields
    data = {name: form[name].value() for name in form.fields}
    data["supervisor_name"] = "Ny Handledare"
    data["phone"] = data["phone"] or "070-765 43 21"
    data["st_start"] = rejected.st_start.isoformat()
    data["st_planned_end"] = rejected.st_planned_end.isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:register"), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    cases = Evaluation.objects.filter(trainee=rejected.trainee).order_by("registered_at")
    assert [c.state for c in cases] == [S.REJECTED, S.REGISTERED]
    assert cases[1].supervisor_name == "Ny Handledare"
    assert cases[1].personnummer_hash == rejected.personnummer_hash
    assert settings.MITTIST_OFFICE_EMAIL in [parseaddr(to)[1] for m in mailoutbox for to in m.to]
    # Once the new registration runs, there is no second one.
    again = client.get(reverse("evaluations:register"))
    assert again.status_code == 302


def test_a_running_case_cannot_register_again(make_case):
    case = make_case(S.CONTACT_MADE)
    response = login(case.trainee).get(reverse("evaluations:register"))
    assert response.status_code == 302
    assert not case.trainee.has_perm("evaluations.register_again")


def test_public_form_tells_an_existing_account_by_mail_to_log_in_and_register_again(
    client, rejected, django_capture_on_commit_callbacks
):
    from tests.evaluations.test_registration import valid_data

    mail.outbox.clear()
    # The browser learns nothing (issue 11: no oracle); the address's owner is told how to go on.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:register"), valid_data(email=rejected.trainee.email))
    assert response.status_code == 302
    sent = [m for m in mail.outbox if rejected.trainee.email in m.to[0]]
    assert len(sent) == 1 and "anmäla dig igen" in sent[0].body


# --- 13: over-capacity and "declined before" need a reason ------------------------------------------------


def test_over_capacity_assignment_asks_for_a_reason(make_case, make_evaluator, coordinator):
    full = make_evaluator(region="skane", home_clinic="VC Full", max_active_cases=1, full_name="Fia Full")
    make_case(S.CONTACT_MADE, evaluator_=full)
    case = make_case(S.REGISTERED, region="halland")
    client = login(coordinator)
    url = reverse("evaluations:assign_evaluator", args=[case.pk])
    response = client.post(url, {"evaluator": full.pk, "override_reason": ""})
    assert response.status_code == 400
    assert "Har redan fullt antal ärenden" in response.context["form"].errors["override_reason"][0]
    assert Evaluation.objects.get(pk=case.pk).state == S.REGISTERED
    response = client.post(url, {"evaluator": full.pk, "override_reason": "Bara tillfälligt"})
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=case.pk).evaluator == full


def test_reassignment_list_marks_an_evaluator_who_declined_this_case(make_case, coordinator, evaluator):
    case = make_case(S.EVALUATOR_ASSIGNED, region="halland")
    services.case_decline_assignment(case=case, by=evaluator.user, reason="Jäv: vi har arbetat ihop.")
    page = visible_text(login(coordinator).get(reverse("evaluations:assign_evaluator", args=[case.pk])))
    assert "Tackade nej till det här ärendet" in page
    with pytest.raises(Exception) as refused:
        services.case_assign_evaluator(case=Evaluation.objects.get(pk=case.pk), by=coordinator, evaluator=evaluator)
    assert "Tackade nej" in str(refused.value)


# --- 14: before accepting, the evaluator sees only what is needed to answer --------------------------


def test_evaluator_sees_no_contact_details_before_accepting(make_case, evaluator):
    case = make_case(S.EVALUATOR_ASSIGNED)
    case.trainee.phone = "070-111 22 33"
    case.trainee.save()
    client = login(evaluator.user)
    page = visible_text(client.get(case.get_absolute_url()))
    for hidden in [case.trainee.email, "070-111 22 33", case.supervisor_name, case.supervisor_email,
                   case.manager_name, case.personnummer_masked]:
        assert hidden not in page, hidden
    for shown in [case.workplace, case.get_region_display(), case.get_curriculum_display()]:
        assert shown in page
    services.case_accept_assignment(case=case, by=evaluator.user)
    page = visible_text(client.get(case.get_absolute_url()))
    for shown in [case.trainee.email, "070-111 22 33", case.supervisor_name, case.manager_name]:
        assert shown in page, shown


# --- 16: the practice day's place ---------------------------------------------------------------------


def test_visiting_address_is_shown_with_the_day_and_in_the_invite(make_case, trainee):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, workplace_address="Hamngatan 4\n452 30 Strömstad")
    page = visible_text(login(trainee).get(reverse("scheduling:practice_day", args=[case.pk])))
    assert "Hamngatan 4" in page
    ics = current_ics(case).decode()
    unfolded = ics.replace("\r\n ", "")
    assert "LOCATION:Vårdcentralen Exempel\\, Hamngatan 4\\, 452 30 Strömstad" in unfolded


# --- 19: dashboard --------------------------------------------------------------------------------------


def test_dashboard_tells_same_named_trainees_and_registration_stages_apart(make_case, make_user, coordinator):
    first = make_case(S.REGISTERED, accepted=False, trainee=make_user(Role.TRAINEE, full_name="Anna Andersson",
                                                                     email="anna.a@example.org"))
    make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Anna Andersson", email="anna.b@example.org"))
    page = login(coordinator).get(reverse("evaluations:dashboard")).content.decode()
    assert "anna.a@example.org" in page and "anna.b@example.org" in page
    assert "badge-registration_accepted" in page and "Anmälan godkänd" in page
    assert "Anmäld, ej granskad" in page
    assert first.status_label == "Anmäld, ej granskad"


def test_assignment_request_has_an_answer_deadline_with_reminders(make_case, evaluator, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    days = settings.MITTIST_ASSIGNMENT_ANSWER_DAYS
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(S.EVALUATOR_ASSIGNED)
    due = timezone.localdate() + timedelta(days=days)
    assert (case.next_due_kind, case.next_due_on) == ("answer", due)
    assert any("senast" in m.body and str(due.day) in m.body for m in mailoutbox if evaluator.email in m.to[0])
    replan_reminders(str(case.pk))
    planned = {r.kind: r.send_on for r in Reminder.objects.filter(case=case)}
    assert planned == {"assignment_answer_on_day": due, "assignment_answer_overdue": due + timedelta(days=1)}
    mailoutbox.clear()
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(due, timezone.datetime.min.time()))
                             + timedelta(hours=9), tick=False), django_capture_on_commit_callbacks(execute=True):
        send_due_reminders()
    assert [m.to for m in mailoutbox] and evaluator.email in mailoutbox[0].to[0]
    mailoutbox.clear()
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(due, timezone.datetime.min.time()))
                             + timedelta(days=1, hours=9), tick=False), django_capture_on_commit_callbacks(execute=True):
        send_due_reminders()
    assert [parseaddr(to)[1] for m in mailoutbox for to in m.to] == [settings.MITTIST_OFFICE_EMAIL]
    assert "inte svarat" in mailoutbox[0].subject


def test_accepting_stops_the_answer_reminders(make_case, evaluator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(S.EVALUATOR_ASSIGNED)
        services.case_accept_assignment(case=case, by=evaluator.user)
    assert not Reminder.objects.filter(case=case, kind__startswith="assignment_answer", cancelled_at__isnull=True)


# --- 20: a receipt for the trainee -----------------------------------------------------------------------


def test_trainee_gets_a_receipt_when_the_material_is_submitted(make_case, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    case = make_case(S.PRACTICE_DAY_AGREED)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_submit_material(case=case, by=case.trainee)
    receipts = [m for m in mailoutbox if case.trainee.email in m.to[0]]
    assert len(receipts) == 1
    assert "Kvitto" in receipts[0].subject
    assert "Det här är ditt kvitto" in receipts[0].body


# --- 21: one date style in lists ---------------------------------------------------------------------------


def test_lists_show_no_iso_dates(make_case, coordinator, evaluator):
    case = make_case(S.PRACTICE_DAY_AGREED)
    for user, url in [
        (coordinator, reverse("evaluations:dashboard")),
        (evaluator.user, reverse("evaluations:evaluator_home")),
        (case.trainee, reverse("portfolio:recordings", args=[case.pk])),
        (coordinator, case.get_absolute_url()),
    ]:
        page = visible_text(login(user).get(url))
        assert not ISO_DATE.search(page), (url, ISO_DATE.search(page).group(0))


# --- 22: words ---------------------------------------------------------------------------------------------


def test_office_contact_is_on_every_page_and_in_every_mail(client, db, settings, mailoutbox, make_case,
                                                           django_capture_on_commit_callbacks):
    settings.MITTIST_OFFICE_PHONE = "010-123 45 67"
    page = visible_text(client.get(reverse("accounts:login")))
    assert settings.MITTIST_OFFICE_EMAIL in page and "010-123 45 67" in page
    with django_capture_on_commit_callbacks(execute=True):
        make_case(S.EVALUATOR_ASSIGNED)
    assert mail.outbox
    for message in mail.outbox:
        assert "010-123 45 67" in message.body
        assert "010-123 45 67" in message.alternatives[0][0]
