"""The pages and case steps, role by role: who gets in, what each step does, and what is refused."""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations import services
from evaluations.models import CaseEvent, Evaluation, Evaluator
from mittist.accounts.models import Role, User
from scheduling.models import PracticeDayProposal
from scheduling.services.practice_day import warnings_for

S = Evaluation.State
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def action_url(case, verb):
    return reverse("evaluations:case_action", args=[case.pk, verb])


def refreshed(case):
    return Evaluation.objects.get(pk=case.pk)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client



# --- who gets in ---------------------------------------------------------------------------------

ROLE_PAGES = {
    "coordinator": ["evaluations:dashboard", "evaluations:case_export", "evaluations:evaluator_list",
                    "evaluations:evaluator_create"],
    "trainee": ["evaluations:trainee_home"],
    "evaluator": ["evaluations:evaluator_home"],
    "quality": ["evaluations:quality_home"],
}
ALL_ROLE_PAGES = [name for names in ROLE_PAGES.values() for name in names]


@pytest.mark.parametrize("name", ALL_ROLE_PAGES)
def test_anonymous_is_sent_to_log_in(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert "next=" in response.url


def test_anonymous_is_sent_to_log_in_from_case_pages(client, make_case, evaluator):
    case = make_case(S.REGISTERED)
    for url in [
        case.get_absolute_url(),
        reverse("evaluations:assign_evaluator", args=[case.pk]),
        reverse("evaluations:evaluator_edit", args=[evaluator.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url


def test_anonymous_case_action_is_sent_to_log_in_and_changes_nothing(client, make_case):
    case = make_case(S.REGISTERED, accepted=False)
    response = client.post(action_url(case, "accept_registration"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert refreshed(case).registration_accepted_at is None


def test_anonymous_home_goes_to_log_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


@pytest.mark.parametrize(
    "role, target",
    [
        ("coordinator", "evaluations:dashboard"),
        ("trainee", "evaluations:trainee_home"),
        ("evaluator", "evaluations:evaluator_home"),
        ("quality", "evaluations:quality_home"),
    ],
)
def test_home_redirects_to_the_role_page(request, client, role, target):
    user = request.getfixturevalue(role)
    user = user.user if isinstance(user, Evaluator) else user
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse(target)
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize("owner, visitor", [(o, v) for o in ROLE_PAGES for v in ROLE_PAGES if o != v])
def test_wrong_role_gets_403_on_a_role_page(client, coordinator, trainee, evaluator, quality, owner, visitor):
    users = {"coordinator": coordinator, "trainee": trainee, "evaluator": evaluator.user, "quality": quality}
    client.force_login(users[visitor])
    for name in ROLE_PAGES[owner]:
        assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.parametrize("visitor", ["trainee", "evaluator", "quality"])
def test_wrong_role_gets_403_on_coordinator_case_pages(client, make_case, trainee, evaluator, quality, visitor):
    case = make_case(S.REGISTERED, trainee=trainee)
    users = {"trainee": trainee, "evaluator": evaluator.user, "quality": quality}
    client.force_login(users[visitor])
    assert client.get(reverse("evaluations:assign_evaluator", args=[case.pk])).status_code == 403
    assert client.get(reverse("evaluations:evaluator_edit", args=[evaluator.pk])).status_code == 403
    response = client.post(reverse("evaluations:evaluator_create"), {"full_name": "X", "email": "x@example.org"})
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.org").exists()


def test_other_trainees_case_is_404(client, make_case, trainee, other_trainee):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=other_trainee)
    client.force_login(trainee)
    assert client.get(case.get_absolute_url()).status_code == 404
    response = client.post(action_url(case, "mark_contact_made"), {"mark_contact_made-on": timezone.localdate().isoformat()})
    assert response.status_code == 404
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


def test_own_case_is_200_for_trainee_and_assigned_evaluator(make_case, trainee, evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    assert login(trainee).get(case.get_absolute_url()).status_code == 200
    assert login(evaluator.user).get(case.get_absolute_url()).status_code == 200


def test_evaluator_not_assigned_gets_404(make_case, other_evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    client = login(other_evaluator.user)
    assert client.get(case.get_absolute_url()).status_code == 404
    response = client.post(action_url(case, "deliver_report"))
    assert response.status_code == 404


def test_replaced_evaluator_loses_access(make_case, coordinator, evaluator, other_evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    services.case_reassign_evaluator(case=case, by=coordinator, evaluator=other_evaluator, reason="Sjuk")
    assert login(evaluator.user).get(case.get_absolute_url()).status_code == 404
    assert login(other_evaluator.user).get(case.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("state", Evaluation.PROCESS[:7])
def test_quality_reviewer_gets_404_before_the_report(make_case, quality, state):
    case = make_case(state)
    assert login(quality).get(case.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("state", Evaluation.PROCESS[7:])
def test_quality_reviewer_sees_the_case_once_the_report_is_delivered(make_case, quality, state):
    case = make_case(state)
    assert login(quality).get(case.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "trainee", "evaluator", "quality"])
def test_random_uuid_is_404(client, coordinator, trainee, evaluator, quality, role):
    users = {"coordinator": coordinator, "trainee": trainee, "evaluator": evaluator.user, "quality": quality}
    client.force_login(users[role])
    missing = uuid.uuid4()
    assert client.get(reverse("evaluations:case_detail", args=[missing])).status_code == 404
    assert client.post(reverse("evaluations:case_action", args=[missing, "withdraw"]),
                       {"withdraw-reason": "x"}).status_code == 404


def test_random_uuid_is_404_on_coordinator_pages(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("evaluations:assign_evaluator", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("evaluations:evaluator_edit", args=[uuid.uuid4()])).status_code == 404


def test_case_id_that_is_not_a_uuid_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/arenden/123/").status_code == 404
    assert client.get("/arenden/../koordinator/").status_code in (302, 404)


# --- case steps ------------------------------------------------------------------------------------


def post_step(user, case, verb, data=None):
    return login(user).post(action_url(case, verb), data or {})


def assert_step_done(response, case, state, message):
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert message in messages_of(response)
    assert refreshed(case).state == state


def test_coordinator_accepts_registration(make_case, coordinator):
    case = make_case(S.REGISTERED, accepted=False)
    response = post_step(coordinator, case, "accept_registration")
    assert_step_done(response, case, S.REGISTERED, "Anmälan är godkänd.")
    assert refreshed(case).registration_accepted_at is not None
    assert CaseEvent.objects.filter(case=case, action="registration_accepted", actor=coordinator).count() == 1


def test_coordinator_rejects_registration_with_a_reason(make_case, coordinator, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    case = make_case(S.REGISTERED, accepted=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_step(coordinator, case, "reject_registration", {"reject_registration-reason": "Fel specialitet"})
    assert_step_done(response, case, S.REJECTED, "Anmälan är avvisad och ST-läkaren har fått besked.")
    assert refreshed(case).ended_reason == "Fel specialitet"
    assert any(case.trainee.email in to for m in mailoutbox for to in m.to)


def test_evaluator_accepts_assignment(make_case, evaluator):
    case = make_case(S.EVALUATOR_ASSIGNED)
    response = post_step(evaluator.user, case, "accept_assignment")
    assert_step_done(response, case, S.EVALUATOR_ACCEPTED, "Tack! ST-läkaren får nu veta att du är värderare.")
    assert refreshed(case).evaluator_notified_at is not None
    assert refreshed(case).next_due_kind == "contact"


def test_evaluator_declines_assignment_with_a_reason(make_case, evaluator, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    case = make_case(S.EVALUATOR_ASSIGNED)
    client = login(evaluator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(case, "decline_assignment"), {"decline_assignment-reason": "Jävig"},
                               follow=True)
    # The case is no longer theirs to see: they land on their home page with the message, not on a 404.
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("evaluations:evaluator_home")
    assert "Du har tackat nej. Kansliet tillfrågar en annan värderare." in response.content.decode()
    assert refreshed(case).state == S.REGISTERED
    assert refreshed(case).evaluator is None
    event = CaseEvent.objects.get(case=case, action="assignment_declined")
    assert "Jävig" in event.note
    assert len(mailoutbox) == 1


def test_trainee_marks_contact_made(make_case, trainee):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    today = timezone.localdate()
    response = post_step(trainee, case, "mark_contact_made", {"mark_contact_made-on": today.isoformat()})
    assert_step_done(response, case, S.CONTACT_MADE, "Kontakten är registrerad.")
    assert refreshed(case).contact_made_on == today


def working_day_from(day):
    """The first day from `day` on that is neither a weekend nor a Swedish public holiday."""
    while warnings_for(day):
        day += timedelta(days=1)
    return day


def propose_days(user, case, *days):
    data = {f"propose-day_{n}": day.isoformat() for n, day in enumerate(days, start=1)}
    return login(user).post(reverse("scheduling:practice_day_propose", args=[case.pk]), data)


def confirm_day(user, case, day):
    proposal = PracticeDayProposal.objects.get(case=case, day=day)
    return login(user).post(reverse("scheduling:practice_day_confirm", args=[case.pk, proposal.pk]))


def test_trainee_agrees_practice_day(make_case, trainee, evaluator, mailoutbox, django_capture_on_commit_callbacks):
    # The generic step is gone: the trainee proposes on the practice day page and the evaluator confirms.
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    day = working_day_from(timezone.localdate() + timedelta(days=45))
    assert propose_days(trainee, case, day).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_day(evaluator.user, case, day)
    assert response.status_code == 302
    assert "Mitt-i-ST-kansliet har fått besked" in messages_of(response)[0]
    case = refreshed(case)
    assert case.state == S.PRACTICE_DAY_AGREED
    assert case.practice_day == day
    assert case.next_due_on == day - timedelta(days=28)
    # One message each: with the calendar invite to trainee and evaluator, the record to the office.
    assert len(mailoutbox) == 3
    assert sum(1 for m in mailoutbox if m.attachments) == 2


def test_evaluator_may_also_register_the_practice_day(make_case, trainee, evaluator):
    # The evaluator proposes, the trainee confirms: either side may be the one to suggest the day.
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    day = working_day_from(timezone.localdate() + timedelta(days=45))
    assert propose_days(evaluator.user, case, day).status_code == 302
    response = confirm_day(trainee, case, day)
    assert response.status_code == 302
    assert refreshed(case).state == S.PRACTICE_DAY_AGREED


def test_the_generic_step_cannot_register_the_practice_day(make_case, trainee):
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    day = timezone.localdate() + timedelta(days=45)
    response = post_step(trainee, case, "agree_practice_day", {"agree_practice_day-on": day.isoformat()})
    assert response.status_code == 403
    assert refreshed(case).state == S.CONTACT_MADE


def test_material_cannot_be_submitted_past_the_portfolio_check(make_case, trainee):
    # Submission has its own page that checks the portfolio first; the generic step refuses it.
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    response = post_step(trainee, case, "submit_material")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == S.PRACTICE_DAY_AGREED


def test_coordinator_reopens_submitted_material_with_a_reason(make_case, coordinator):
    case = make_case(S.MATERIAL_SUBMITTED)
    response = post_step(coordinator, case, "reopen_material", {"reopen_material-reason": "Fel bilaga"})
    assert_step_done(response, case, S.PRACTICE_DAY_AGREED, "Materialet är öppnat igen och ST-läkaren kan ändra det.")
    case.refresh_from_db()
    assert case.material_submitted_at is None
    assert case.events.filter(action="material_reopened", note="Fel bilaga").count() == 1


def test_evaluator_marks_practice_day_held_and_delivers_report(make_case, evaluator):
    case = make_case(S.MATERIAL_SUBMITTED, practice_day=timezone.localdate())
    response = post_step(evaluator.user, case, "mark_practice_day_held")
    assert_step_done(response, case, S.PRACTICE_DAY_HELD, "Praktikdagen är markerad som genomförd.")
    # The report has a page of its own: written there and sent from there (tests/reports).
    assert post_step(evaluator.user, case, "deliver_report").status_code == 403
    assert refreshed(case).state == S.PRACTICE_DAY_HELD


def test_practice_day_cannot_be_marked_held_before_it_comes(make_case, evaluator):
    case = make_case(S.MATERIAL_SUBMITTED, practice_day=timezone.localdate() + timedelta(days=3))
    response = post_step(evaluator.user, case, "mark_practice_day_held")
    assert response.status_code == 302
    assert refreshed(case).state == S.MATERIAL_SUBMITTED
    assert any("först på eller efter praktikdagen" in m for m in messages_of(response))


def test_coordinator_closes_a_certified_case_once_the_survey_time_is_up(make_case, coordinator):
    case = make_case(S.CERTIFIED)
    response = post_step(coordinator, case, "close")
    assert refreshed(case).state == S.CERTIFIED
    assert any("utvärdering" in m for m in messages_of(response))
    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        assert_step_done(post_step(coordinator, case, "close"), case, S.CLOSED, "Ärendet är avslutat.")


def test_coordinator_puts_on_hold_and_resumes(make_case, coordinator):
    case = make_case(S.CONTACT_MADE)
    response = post_step(coordinator, case, "put_on_hold", {"put_on_hold-reason": "Föräldraledig"})
    assert_step_done(response, case, S.ON_HOLD, "Ärendet är vilande.")
    response = post_step(coordinator, case, "resume")
    assert_step_done(response, case, S.CONTACT_MADE, "Ärendet är återupptaget.")


def test_coordinator_withdraws_with_a_reason(make_case, coordinator, mailoutbox, django_capture_on_commit_callbacks):
    case = make_case(S.EVALUATOR_ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_step(coordinator, case, "withdraw", {"withdraw-reason": "Byter specialitet"})
    assert_step_done(response, case, S.WITHDRAWN, "Ärendet är avbrutet.")
    assert refreshed(case).ended_reason == "Byter specialitet"
    recipients = [to for m in mailoutbox for to in m.to]
    assert any(case.trainee.email in to for to in recipients)
    assert any(case.evaluator.email in to for to in recipients)


@pytest.mark.parametrize(
    "state, who, verb, data",
    [
        (S.EVALUATOR_ASSIGNED, "trainee", "accept_assignment", {}),
        (S.EVALUATOR_ASSIGNED, "coordinator", "accept_assignment", {}),
        (S.EVALUATOR_ASSIGNED, "trainee", "decline_assignment", {"decline_assignment-reason": "Nej"}),
        (S.EVALUATOR_ACCEPTED, "coordinator", "mark_contact_made", {"mark_contact_made-on": "TODAY"}),
        (S.EVALUATOR_ACCEPTED, "evaluator", "mark_contact_made", {"mark_contact_made-on": "TODAY"}),
        (S.EVALUATOR_ACCEPTED, "trainee", "withdraw", {"withdraw-reason": "Orkar inte"}),
        (S.EVALUATOR_ACCEPTED, "evaluator", "withdraw", {"withdraw-reason": "Orkar inte"}),
        (S.EVALUATOR_ACCEPTED, "evaluator", "put_on_hold", {"put_on_hold-reason": "Paus"}),
        (S.MATERIAL_SUBMITTED, "trainee", "reopen_material", {"reopen_material-reason": "Skäl"}),
        (S.PRACTICE_DAY_HELD, "trainee", "deliver_report", {}),
        (S.REPORT_DELIVERED, "coordinator", "record_quality_review", {}),
        (S.REPORT_DELIVERED, "evaluator", "record_quality_review", {}),
    ],
)
def test_step_not_allowed_for_this_user_is_403(make_case, trainee, coordinator, evaluator, quality,
                                               state, who, verb, data):
    case = make_case(state, trainee=trainee)
    before = refreshed(case)
    users = {"trainee": trainee, "coordinator": coordinator, "evaluator": evaluator.user, "quality": quality}
    data = {k: timezone.localdate().isoformat() if v == "TODAY" else v for k, v in data.items()}
    response = post_step(users[who], case, verb, data)
    assert response.status_code == 403
    after = refreshed(case)
    assert after.state == before.state
    assert after.evaluator_id == before.evaluator_id
    assert CaseEvent.objects.filter(case=case).count() == CaseEvent.objects.filter(case=before).count()


def test_trainee_cannot_accept_their_own_registration(make_case, trainee):
    case = make_case(S.REGISTERED, trainee=trainee, accepted=False)
    response = post_step(trainee, case, "accept_registration")
    assert response.status_code == 403
    assert refreshed(case).registration_accepted_at is None


@pytest.mark.parametrize(
    "who, verb",
    [("trainee", "withdraw"), ("evaluator", "withdraw"), ("trainee", "decline_assignment")],
)
def test_step_not_allowed_is_403_even_with_an_invalid_form(make_case, trainee, evaluator, who, verb):
    # Someone who may not take the step learns nothing from the form's validation.
    case = make_case(S.EVALUATOR_ASSIGNED, trainee=trainee)
    users = {"trainee": trainee, "evaluator": evaluator.user}
    response = post_step(users[who], case, verb, {f"{verb}-reason": ""})
    assert response.status_code == 403
    assert refreshed(case).state == S.EVALUATOR_ASSIGNED


@pytest.mark.parametrize("verb", ["assign_evaluator", "reassign_evaluator", "no_such_step", "save"])
def test_unknown_or_page_only_verb_is_refused(make_case, coordinator, verb):
    case = make_case(S.REGISTERED)
    response = post_step(coordinator, case, verb)
    assert response.status_code in (403, 404)
    assert refreshed(case).state == S.REGISTERED


@pytest.mark.parametrize(
    "state, who, verb, data, message",
    [
        (S.EVALUATOR_ACCEPTED, "evaluator", "accept_assignment", {},
         "Uppdraget kan inte accepteras i detta skede."),
        (S.CONTACT_MADE, "trainee", "mark_contact_made", {"mark_contact_made-on": "TODAY"},
         "Kontakten kan inte registreras i detta skede."),
        (S.EVALUATOR_ACCEPTED, "coordinator", "reopen_material", {"reopen_material-reason": "Skäl"},
         "Materialet kan bara öppnas igen när det är inskickat."),
        (S.EVALUATOR_ACCEPTED, "coordinator", "close", {},
         "Ärendet kan avslutas utan utvärdering först när tiden för utvärderingen har gått ut."),
        (S.EVALUATOR_ACCEPTED, "coordinator", "accept_registration", {}, "Anmälan är redan behandlad."),
        (S.EVALUATOR_ACCEPTED, "coordinator", "resume", {}, "Ärendet är inte vilande."),
        (S.CLOSED, "coordinator", "withdraw", {"withdraw-reason": "För sent"}, "Ärendet är redan avslutat."),
    ],
)
def test_step_in_the_wrong_state_gives_a_message_and_changes_nothing(
    make_case, trainee, coordinator, evaluator, state, who, verb, data, message
):
    case = make_case(state, trainee=trainee)
    events = CaseEvent.objects.filter(case=case).count()
    users = {"trainee": trainee, "coordinator": coordinator, "evaluator": evaluator.user}
    data = {k: timezone.localdate().isoformat() if v == "TODAY" else v for k, v in data.items()}
    response = post_step(users[who], case, verb, data)
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert message in messages_of(response)
    assert refreshed(case).state == state
    assert CaseEvent.objects.filter(case=case).count() == events


def test_wrong_state_message_is_shown_on_the_case_page(make_case, evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    response = login(evaluator.user).post(action_url(case, "accept_assignment"), follow=True)
    assert response.status_code == 200
    assert "Uppdraget kan inte accepteras i detta skede." in response.content.decode()


def test_future_contact_date_is_400_with_the_error_and_the_typed_date(make_case, trainee):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    typed = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = post_step(trainee, case, "mark_contact_made", {"mark_contact_made-on": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Datumet kan inte ligga i framtiden." in html
    assert f'value="{typed}"' in html
    assert 'id="id_mark_contact_made-on_error"' in html
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


def test_unparseable_contact_date_is_400(make_case, trainee):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    response = post_step(trainee, case, "mark_contact_made", {"mark_contact_made-on": "igår"})
    assert response.status_code == 400
    assert 'value="igår"' in response.content.decode()
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


def test_contact_date_before_the_evaluator_was_known_is_400(make_case, trainee):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    typed = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = post_step(trainee, case, "mark_contact_made", {"mark_contact_made-on": typed})
    assert response.status_code == 400
    assert "Datumet kan inte vara före den dag du fick veta vem värderaren är." in response.content.decode()
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


def test_contact_date_is_compared_with_the_local_day_of_notification(make_case, trainee, evaluator):
    # Told at 00:30 Swedish time on 15 March (23:30 UTC on 14 March): contact on 14 March is before that.
    with time_machine.travel(datetime(2025, 3, 15, 0, 30, tzinfo=STOCKHOLM), tick=False):
        case = make_case(S.EVALUATOR_ASSIGNED, trainee=trainee)
        services.case_accept_assignment(case=case, by=evaluator.user)
        response = post_step(trainee, case, "mark_contact_made", {"mark_contact_made-on": "2025-03-14"})
    assert response.status_code == 400
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


def test_past_practice_day_is_400(make_case, trainee):
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    response = propose_days(trainee, case, timezone.localdate() - timedelta(days=1))
    assert response.status_code == 400
    assert "har redan varit." in response.content.decode()
    assert not PracticeDayProposal.objects.filter(case=case).exists()
    assert refreshed(case).state == S.CONTACT_MADE


def test_decline_without_reason_is_400_with_the_error_at_the_reason(make_case, evaluator):
    case = make_case(S.EVALUATOR_ASSIGNED)
    response = post_step(evaluator.user, case, "decline_assignment", {"decline_assignment-reason": "   "})
    assert response.status_code == 400
    assert 'id="id_decline_assignment-reason_error"' in response.content.decode()
    assert refreshed(case).state == S.EVALUATOR_ASSIGNED
    assert refreshed(case).evaluator_id == evaluator.pk


def test_withdraw_with_over_long_reason_is_400_and_keeps_the_typed_text(make_case, coordinator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    typed = "Ett långt skäl <b>med</b> märken & tecken. " * 60  # well over 2,000 characters
    response = post_step(coordinator, case, "withdraw", {"withdraw-reason": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_withdraw-reason_error"' in html
    assert "Ett långt skäl &lt;b&gt;med&lt;/b&gt; märken &amp; tecken." in html
    assert "<b>med</b>" not in html
    # The form that failed is the one shown open, holding what was typed.
    shown = {item.action.verb: item for item in response.context["actions"]}
    assert shown["withdraw"].open
    assert shown["withdraw"].form["reason"].value() == typed
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


def test_withdraw_without_reason_is_400(make_case, coordinator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    response = post_step(coordinator, case, "withdraw", {})
    assert response.status_code == 400
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


def test_nul_character_in_a_reason_is_400_not_500(make_case, coordinator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    response = post_step(coordinator, case, "withdraw", {"withdraw-reason": "skäl\x00"})
    assert response.status_code == 400
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


@pytest.mark.parametrize("verb", ["accept_assignment", "withdraw"])
def test_get_on_an_action_url_is_405(make_case, coordinator, evaluator, verb):
    case = make_case(S.EVALUATOR_ASSIGNED)
    for user in (coordinator, evaluator.user):
        assert login(user).get(action_url(case, verb)).status_code == 405
    assert refreshed(case).state == S.EVALUATOR_ASSIGNED


def test_case_page_offers_only_the_users_own_steps(make_case, trainee, coordinator, evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    trainee_html = login(trainee).get(case.get_absolute_url()).content.decode()
    assert action_url(case, "mark_contact_made") in trainee_html
    assert action_url(case, "withdraw") not in trainee_html
    coordinator_html = login(coordinator).get(case.get_absolute_url()).content.decode()
    assert action_url(case, "withdraw") in coordinator_html
    assert action_url(case, "mark_contact_made") not in coordinator_html
    evaluator_html = login(evaluator.user).get(case.get_absolute_url()).content.decode()
    assert action_url(case, "mark_contact_made") not in evaluator_html
    assert action_url(case, "withdraw") not in evaluator_html


def test_event_notes_are_for_the_office_only(make_case, coordinator, trainee):
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    services.case_put_on_hold(case=case, by=coordinator, reason="Intern anteckning om ekonomi")
    services.case_resume(case=case, by=coordinator)
    assert "Intern anteckning om ekonomi" in login(coordinator).get(case.get_absolute_url()).content.decode()
    assert "Intern anteckning om ekonomi" not in login(trainee).get(case.get_absolute_url()).content.decode()


# --- assigning an evaluator ------------------------------------------------------------------------


def assign_url(case):
    return reverse("evaluations:assign_evaluator", args=[case.pk])


def test_assignment_page_lists_active_candidates(make_case, coordinator, evaluator, other_evaluator, make_evaluator):
    inactive = make_evaluator(region="kalmar", full_name="Ida Inaktiv")
    inactive.active = False
    inactive.save()
    case = make_case(S.REGISTERED)
    response = login(coordinator).get(assign_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vera Värderare" in html
    assert "Ove Värderare" in html
    assert "Ida Inaktiv" not in html
    names = [c.evaluator.name for c in response.context["candidates"]]
    assert set(names) == {"Vera Värderare", "Ove Värderare"}


def test_coordinator_assigns_an_evaluator(make_case, coordinator, other_evaluator, mailoutbox,
                                          django_capture_on_commit_callbacks):
    case = make_case(S.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(coordinator).post(assign_url(case), {"evaluator": str(other_evaluator.pk)})
    assert response.status_code == 302
    assert response.url == reverse("evaluations:dashboard")
    case = refreshed(case)
    assert case.state == S.EVALUATOR_ASSIGNED
    assert case.evaluator == other_evaluator
    assert any(other_evaluator.email in to for m in mailoutbox for to in m.to)
    assert any("Ove Värderare" in m for m in messages_of(response))


def test_same_region_without_override_reason_is_400_at_override_reason(make_case, coordinator, make_evaluator):
    local = make_evaluator(region="halland", home_clinic="VC Annanstans", full_name="Lo Lokal")
    case = make_case(S.REGISTERED)
    response = login(coordinator).post(assign_url(case), {"evaluator": str(local.pk), "override_reason": " "})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "override_reason" in errors
    assert "Samma region" in str(errors["override_reason"])
    assert 'id="id_override_reason_error"' in response.content.decode()
    case = refreshed(case)
    assert case.state == S.REGISTERED
    assert case.evaluator is None


def test_same_clinic_without_override_reason_is_400(make_case, coordinator, make_evaluator):
    colleague = make_evaluator(region="kalmar", home_clinic="  vårdcentralen   EXEMPEL ", full_name="Kim Kollega")
    case = make_case(S.REGISTERED)
    response = login(coordinator).post(assign_url(case), {"evaluator": str(colleague.pk)})
    assert response.status_code == 400
    assert "Samma vårdcentral" in str(response.context["form"].errors["override_reason"])
    assert refreshed(case).state == S.REGISTERED


def test_same_region_with_override_reason_is_assigned(make_case, coordinator, make_evaluator):
    local = make_evaluator(region="halland", home_clinic="VC Annanstans", full_name="Lo Lokal")
    case = make_case(S.REGISTERED)
    response = login(coordinator).post(
        assign_url(case), {"evaluator": str(local.pk), "override_reason": "Ingen annan ledig i vår"}
    )
    assert response.status_code == 302
    case = refreshed(case)
    assert case.state == S.EVALUATOR_ASSIGNED
    assert case.evaluator == local
    assert case.assignment_override_reason == "Ingen annan ledig i vår"


def test_assigning_an_unknown_or_inactive_evaluator_is_400(make_case, coordinator, other_evaluator):
    other_evaluator.active = False
    other_evaluator.save()
    case = make_case(S.REGISTERED)
    client = login(coordinator)
    for value in [str(other_evaluator.pk), str(uuid.uuid4()), "inte-ett-id", ""]:
        response = client.post(assign_url(case), {"evaluator": value})
        assert response.status_code == 400, value
        assert "evaluator" in response.context["form"].errors
    assert refreshed(case).state == S.REGISTERED


def test_assigning_before_the_registration_is_accepted_is_refused(make_case, coordinator, other_evaluator):
    case = make_case(S.REGISTERED, accepted=False)
    response = login(coordinator).post(assign_url(case), {"evaluator": str(other_evaluator.pk)})
    assert response.status_code in (302, 400)
    assert refreshed(case).state == S.REGISTERED
    assert refreshed(case).evaluator is None


def test_reassign_requires_a_reason(make_case, coordinator, other_evaluator, evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    client = login(coordinator)
    assert client.get(assign_url(case)).context["reassigning"] is True
    response = client.post(assign_url(case), {"evaluator": str(other_evaluator.pk), "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert refreshed(case).evaluator == evaluator


def test_reassign_with_a_reason_replaces_the_evaluator(make_case, coordinator, other_evaluator, evaluator,
                                                       mailoutbox, django_capture_on_commit_callbacks):
    case = make_case(S.EVALUATOR_ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(coordinator).post(
            assign_url(case), {"evaluator": str(other_evaluator.pk), "reason": "Vera är sjukskriven"}
        )
    assert response.status_code == 302
    case = refreshed(case)
    assert case.evaluator == other_evaluator
    assert case.state == S.EVALUATOR_ASSIGNED  # the new one is asked, like a first assignment
    event = CaseEvent.objects.get(case=case, action="evaluator_reassigned")
    assert "Vera är sjukskriven" in event.note
    recipients = [to for m in mailoutbox for to in m.to]
    assert any(other_evaluator.email in to for to in recipients)
    assert any(evaluator.email in to for to in recipients)  # the previous one is released


def test_reassign_to_the_same_evaluator_is_refused(make_case, coordinator, evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    response = login(coordinator).post(assign_url(case), {"evaluator": str(evaluator.pk), "reason": "Samma"})
    assert response.status_code == 400
    assert refreshed(case).state == S.EVALUATOR_ACCEPTED


def test_reassign_after_the_report_is_refused(make_case, coordinator, other_evaluator, evaluator):
    case = make_case(S.REPORT_DELIVERED)
    response = login(coordinator).post(assign_url(case), {"evaluator": str(other_evaluator.pk), "reason": "X"})
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert refreshed(case).evaluator == evaluator


# --- the evaluator pool ----------------------------------------------------------------------------


def evaluator_data(**overrides):
    data = {
        "full_name": "Nils Nyvärderare",
        "email": "Nils.Ny@Example.org",
        "phone": "070-000 00 00",
        "region": "kalmar",
        "home_clinic": "Vårdcentralen Kalmar Norr",
        "max_active_cases": "2",
        "last_training_year": "2023",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_an_evaluator_who_gets_a_set_password_link(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:evaluator_create"), evaluator_data())
    assert response.status_code == 302
    assert response.url == reverse("evaluations:evaluator_list")
    user = User.objects.get(email="nils.ny@example.org")
    assert user.role == Role.EVALUATOR
    assert not user.has_usable_password()
    profile = user.evaluator_profile
    assert (profile.region, profile.home_clinic, profile.max_active_cases, profile.last_training_year) == (
        "kalmar", "Vårdcentralen Kalmar Norr", 2, 2023,
    )
    assert profile.active

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert "nils.ny@example.org" in mail.to[0]
    link = re.search(r"https?://\S+/konto/losenord/\S+/\S+/", mail.body).group(0)

    # The link lets the evaluator choose a password and log in.
    visitor = Client()
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = visitor.get("/" + path, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"]
    set_url = page.redirect_chain[-1][0]
    done = visitor.post(set_url, {"new_password1": "Ny-värderare-2025", "new_password2": "Ny-värderare-2025"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Ny-värderare-2025")
    fresh = Client()
    fresh.post(reverse("accounts:login"), {"username": "nils.ny@example.org", "password": "Ny-värderare-2025"})
    assert fresh.get(reverse("evaluations:evaluator_home")).status_code == 200


def test_coordinator_edits_an_evaluator(client, coordinator, evaluator):
    client.force_login(coordinator)
    url = reverse("evaluations:evaluator_edit", args=[evaluator.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["email"] == evaluator.email
    response = client.post(url, evaluator_data(full_name="Vera Omdöpt", email="VERA.ny@example.org", active=""))
    assert response.status_code == 302
    evaluator.refresh_from_db()
    evaluator.user.refresh_from_db()
    assert evaluator.user.full_name == "Vera Omdöpt"
    assert evaluator.user.email == "vera.ny@example.org"
    assert evaluator.region == "kalmar"
    assert evaluator.max_active_cases == 2
    assert evaluator.active is False


def test_editing_an_evaluator_may_keep_their_own_email(client, coordinator, evaluator):
    client.force_login(coordinator)
    url = reverse("evaluations:evaluator_edit", args=[evaluator.pk])
    response = client.post(url, evaluator_data(email=evaluator.email.upper()))
    assert response.status_code == 302


@pytest.mark.parametrize("email", ["tova@example.org", "Tova@EXAMPLE.org"])
def test_evaluator_with_a_taken_email_is_refused(client, coordinator, make_user, email):
    make_user(Role.TRAINEE, email="tova@example.org")
    client.force_login(coordinator)
    users_before = User.objects.count()
    response = client.post(reverse("evaluations:evaluator_create"), evaluator_data(email=email))
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert User.objects.count() == users_before
    assert Evaluator.objects.count() == 0


def test_editing_an_evaluator_to_a_taken_email_is_refused(client, coordinator, evaluator, other_evaluator):
    client.force_login(coordinator)
    url = reverse("evaluations:evaluator_edit", args=[evaluator.pk])
    response = client.post(url, evaluator_data(email=other_evaluator.email.upper()))
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    evaluator.user.refresh_from_db()
    assert evaluator.user.email != other_evaluator.email


@pytest.mark.parametrize(
    "field, value",
    [("full_name", ""), ("email", "inte-en-adress"), ("region", "atlantis"), ("max_active_cases", "0"),
     ("last_training_year", str(timezone.localdate().year + 1)), ("home_clinic", "x" * 10_000), ("full_name", "a\x00b")],
)
def test_invalid_evaluator_form_is_400_with_the_error_at_the_field(client, coordinator, field, value):
    client.force_login(coordinator)
    response = client.post(reverse("evaluations:evaluator_create"), evaluator_data(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Evaluator.objects.count() == 0


def test_evaluator_list_shows_the_pool_with_load(client, coordinator, make_case, evaluator, other_evaluator):
    make_case(S.EVALUATOR_ACCEPTED)
    client.force_login(coordinator)
    response = client.get(reverse("evaluations:evaluator_list"))
    html = response.content.decode()
    assert "Vera Värderare" in html and "Ove Värderare" in html
    loads = {e.name: e.load for e in response.context["evaluators"]}
    assert loads == {"Vera Värderare": 1, "Ove Värderare": 0}


# --- every page renders, in Swedish and in English ------------------------------------------------


@pytest.fixture
def pages(make_case, coordinator, trainee, evaluator, quality):
    """(user or None, url, a Swedish text the page shows) for every page of every role."""
    case = make_case(S.EVALUATOR_ACCEPTED, trainee=trainee)
    reviewed = make_case(S.REPORT_DELIVERED)
    new = make_case(S.REGISTERED)
    return [
        (None, reverse("evaluations:register"), "Anmälan till Mitt-i-ST"),
        (None, reverse("accounts:login"), "Logga in"),
        (None, reverse("accounts:password_reset"), "Glömt lösenord"),
        (None, reverse("accounts:password_reset_done"), "Kolla din e-post"),
        (None, reverse("accounts:password_reset_complete"), "Lösenordet är sparat"),
        (coordinator, reverse("evaluations:dashboard"), "Översikt"),
        (coordinator, reverse("evaluations:dashboard") + "?state=evaluator_accepted&q=Test", "Alla ärenden"),
        (coordinator, reverse("evaluations:evaluator_list"), "Värderarpoolen"),
        (coordinator, reverse("evaluations:evaluator_create"), "Ny värderare"),
        (coordinator, reverse("evaluations:evaluator_edit", args=[evaluator.pk]), "Egen vårdcentral"),
        (coordinator, case.get_absolute_url(), "Steg och tidsgränser"),
        (coordinator, reviewed.get_absolute_url(), "Steg och tidsgränser"),
        (coordinator, assign_url(new), "Tilldela värderare"),
        (coordinator, assign_url(case), "Byt värderare"),
        (trainee, reverse("evaluations:trainee_home"), "Min Mitt-i-ST"),
        (trainee, case.get_absolute_url(), "Jag har kontaktat värderaren"),
        (evaluator.user, reverse("evaluations:evaluator_home"), "Mina värderingar"),
        (evaluator.user, case.get_absolute_url(), "Uppgifter"),
        (quality, reverse("evaluations:quality_home"), "Rapporter att granska"),
        (quality, reviewed.get_absolute_url(), "Granska rapporten"),
    ]


def test_every_page_renders_in_swedish(pages):
    for user, url, text in pages:
        client = login(user) if user else Client()
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="sv">' in html, url
        assert text in html, (url, text)


def test_every_page_renders_after_switching_to_english(pages):
    for user, url, _text in pages:
        client = login(user) if user else Client()
        switched = client.post(reverse("set_language"), {"language": "en", "next": url})
        assert switched.status_code == 302
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.content.decode(), url
        if user is not None:
            user.refresh_from_db()
            assert user.language == "en"


def test_switching_language_is_saved_on_the_user_and_follows_them(trainee):
    client = login(trainee)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("evaluations:trainee_home")})
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.language == "en"
    # Another browser, without the language cookie, still gets English.
    elsewhere = login(trainee)
    html = elsewhere.get(reverse("evaluations:trainee_home")).content.decode()
    assert '<html lang="en">' in html


def test_switching_to_an_unknown_language_changes_nothing(trainee):
    client = login(trainee)
    client.post(reverse("set_language"), {"language": "xx"})
    trainee.refresh_from_db()
    assert trainee.language == "sv"


def test_set_language_refuses_get(client, db):
    assert client.get(reverse("set_language")).status_code == 405


def test_healthz_answers_ok(client, db):
    response = client.get(reverse("evaluations:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_case_page_links_each_role_to_its_part_of_the_portfolio(make_case, trainee, evaluator, coordinator):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    submit = reverse("portfolio:submit", args=[case.pk])
    reading = reverse("portfolio:reading", args=[case.pk])
    overview = reverse("portfolio:overview", args=[case.pk])

    trainee_page = login(trainee).get(case.get_absolute_url()).content.decode()
    assert submit in trainee_page and overview in trainee_page
    evaluator_page = login(evaluator.user).get(case.get_absolute_url()).content.decode()
    assert reading not in evaluator_page and overview in evaluator_page
    coordinator_page = login(coordinator).get(case.get_absolute_url()).content.decode()
    assert overview in coordinator_page and reading not in coordinator_page

    submitted = make_case(S.MATERIAL_SUBMITTED)
    assert reverse("portfolio:reading", args=[submitted.pk]) in (
        login(evaluator.user).get(submitted.get_absolute_url()).content.decode()
    )
