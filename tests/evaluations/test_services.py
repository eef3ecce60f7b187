"""The services: one audit row per write, the right e-mails after commit, conflicts, registration,
deadlines."""

from datetime import date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from evaluations import notifications, services
from evaluations.certificates.services import certificate_issue_early
from evaluations.models import CaseEvent, Evaluation
from evaluations.reports import services as report_services
from mittist.accounts.models import Role, User
from mittist.accounts.personnummer import parse_personnummer
from mittist.crypto import lookup_hash
from tests.conftest import (
    PASSWORD,
    case_fields,
    close_after_the_survey_time,
    fictional_pnr,
    taken_review,
    write_full_report,
)

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")
OFFICE = "kansli@example.org"


@pytest.fixture(autouse=True)
def _office_address(settings):
    settings.MITTIST_OFFICE_EMAIL = OFFICE


def reload(case: Evaluation) -> Evaluation:
    return Evaluation.objects.get(pk=case.pk)


def case_events(case: Evaluation):
    return CaseEvent.objects.filter(case_id=case.pk)


def recipients(mailoutbox) -> list[str]:
    return sorted(parseaddr(address)[1] for message in mailoutbox for address in message.to)


def mail_to(mailoutbox, email: str):
    found = [m for m in mailoutbox if any(parseaddr(a)[1] == email for a in m.to)]
    assert len(found) == 1, f"expected one mail to {email}, got {len(found)}"
    return found[0]


@pytest.fixture
def case_in(make_case, coordinator):
    def build(state, **kwargs):
        if state == S.ON_HOLD:
            case = make_case(S.CONTACT_MADE, **kwargs)
            return services.case_put_on_hold(case=case, by=coordinator, reason="Föräldraledig")
        return make_case(state, **kwargs)

    return build


# --- one audit row per write --------------------------------------------------------------------------

# name -> (source state, make_case kwargs, who acts, call, action, to_state, note (callable of case or str))
AUDITED = {
    "accept_registration": (
        S.REGISTERED, {"accepted": False}, "coordinator",
        lambda c, by, ev: services.case_accept_registration(case=c, by=by),
        "registration_accepted", S.REGISTERED, "",
    ),
    "reject_registration": (
        S.REGISTERED, {"accepted": False}, "coordinator",
        lambda c, by, ev: services.case_reject_registration(case=c, by=by, reason="Handledare saknas"),
        "registration_rejected", S.REJECTED, "Handledare saknas",
    ),
    "assign_evaluator": (
        S.REGISTERED, {}, "coordinator",
        lambda c, by, ev: services.case_assign_evaluator(case=c, by=by, evaluator=ev),
        "evaluator_assigned", S.EVALUATOR_ASSIGNED, "Ove Värderare",
    ),
    "accept_assignment": (
        S.EVALUATOR_ASSIGNED, {}, "evaluator",
        lambda c, by, ev: services.case_accept_assignment(case=c, by=by),
        "assignment_accepted", S.EVALUATOR_ACCEPTED, "",
    ),
    "decline_assignment": (
        S.EVALUATOR_ASSIGNED, {}, "evaluator",
        lambda c, by, ev: services.case_decline_assignment(case=c, by=by, reason="Jäv"),
        "assignment_declined", S.REGISTERED, "Vera Värderare — Jäv",
    ),
    "reassign_evaluator": (
        S.EVALUATOR_ACCEPTED, {}, "coordinator",
        lambda c, by, ev: services.case_reassign_evaluator(case=c, by=by, evaluator=ev, reason="Sjuk"),
        "evaluator_reassigned", S.EVALUATOR_ASSIGNED, "Från Vera Värderare till Ove Värderare. Sjuk",
    ),
    "mark_contact_made": (
        S.EVALUATOR_ACCEPTED, {}, "trainee",
        lambda c, by, ev: services.case_mark_contact_made(case=c, by=by, on=date.today()),
        "contact_made", S.CONTACT_MADE, date.today().isoformat(),
    ),
    "agree_practice_day": (
        S.CONTACT_MADE, {}, "trainee",
        lambda c, by, ev: services.case_agree_practice_day(case=c, by=by, on=date.today() + timedelta(days=45)),
        "practice_day_agreed", S.PRACTICE_DAY_AGREED, (date.today() + timedelta(days=45)).isoformat(),
    ),
    "submit_material": (
        S.PRACTICE_DAY_AGREED, {}, "trainee",
        lambda c, by, ev: services.case_submit_material(case=c, by=by),
        "material_submitted", S.MATERIAL_SUBMITTED, "",
    ),
    "reschedule_practice_day": (
        S.PRACTICE_DAY_AGREED, {}, "evaluator",
        lambda c, by, ev: services.case_reschedule_practice_day(
            case=c, by=by, on=date.today() + timedelta(days=60), reason="Sjuk"
        ),
        "practice_day_rescheduled", S.PRACTICE_DAY_AGREED,
        f"Från {date.today() + timedelta(days=40)} till {date.today() + timedelta(days=60)}. Sjuk",
    ),
    "reopen_material": (
        S.MATERIAL_SUBMITTED, {}, "coordinator",
        lambda c, by, ev: services.case_reopen_material(case=c, by=by, reason="Fel bilaga"),
        "material_reopened", S.PRACTICE_DAY_AGREED, "Fel bilaga",
    ),
    "mark_practice_day_held": (
        S.MATERIAL_SUBMITTED, {"practice_day": date.today()}, "evaluator",
        lambda c, by, ev: services.case_mark_practice_day_held(case=c, by=by),
        "practice_day_held", S.PRACTICE_DAY_HELD, "",
    ),
    "mark_practice_day_not_held": (
        S.MATERIAL_SUBMITTED, {"practice_day": date.today()}, "evaluator",
        lambda c, by, ev: services.case_mark_practice_day_not_held(case=c, by=by, reason="Sjuk"),
        "practice_day_not_held", S.CONTACT_MADE, f"{date.today().isoformat()}. Sjuk",
    ),
    "deliver_report": (
        S.PRACTICE_DAY_HELD, {}, "evaluator",
        lambda c, by, ev: report_services.report_deliver(report=write_full_report(c), by=by),
        "report_delivered", S.REPORT_DELIVERED, "",
    ),
    "record_quality_review": (
        S.REPORT_DELIVERED, {}, "quality",
        lambda c, by, ev: report_services.review_complete(review=c.report.review, by=by),
        # The recorded review also issues the certificate (a second row, by the system): see below.
        "quality_reviewed", S.QUALITY_REVIEWED, "",
    ),
    "issue_certificate": (
        S.REPORT_DELIVERED, {}, "coordinator",
        lambda c, by, ev: certificate_issue_early(case=c, by=by, reason="Söker tjänst"),
        "certificate_issued", S.CERTIFIED, "Söker tjänst",
    ),
    "close_after_survey": (
        S.CERTIFIED, {}, "trainee",
        lambda c, by, ev: services.case_close_after_survey(case=c, by=by),
        "survey_answered", S.CLOSED, "",
    ),
    "close": (
        S.CERTIFIED, {}, "coordinator",
        lambda c, by, ev: close_after_the_survey_time(c, by),
        "closed", S.CLOSED, "",
    ),
    "withdraw": (
        S.CONTACT_MADE, {}, "coordinator",
        lambda c, by, ev: services.case_withdraw(case=c, by=by, reason="Slutar sin ST"),
        "withdrawn", S.WITHDRAWN, "Slutar sin ST",
    ),
    "put_on_hold": (
        S.CONTACT_MADE, {}, "coordinator",
        lambda c, by, ev: services.case_put_on_hold(case=c, by=by, reason="Föräldraledig"),
        "put_on_hold", S.ON_HOLD, "Föräldraledig",
    ),
    "resume": (
        S.ON_HOLD, {}, "coordinator",
        lambda c, by, ev: services.case_resume(case=c, by=by),
        "resumed", S.CONTACT_MADE, "",
    ),
}


def test_every_transition_is_covered_by_the_audit_table():
    assert {t.name for t in Evaluation().get_all_state_transitions()} == set(AUDITED)


@pytest.mark.parametrize("name", list(AUDITED))
def test_each_service_writes_exactly_one_case_event_with_actor_states_and_note(
    case_in, coordinator, quality, evaluator, other_evaluator, name
):
    state, kwargs, who, call, action, to_state, note = AUDITED[name]
    case = case_in(state, **kwargs)
    actor = {
        "coordinator": coordinator,
        "trainee": case.trainee,
        "evaluator": evaluator.user,
        "quality": quality,
    }[who]
    if name == "record_quality_review":
        taken_review(case, actor)  # taking and filling in the checklist come before the recording
        case = reload(case)
    before_ids = set(case_events(case).values_list("pk", flat=True))

    call(case, actor, other_evaluator)

    new = list(case_events(case).exclude(pk__in=before_ids).order_by("at", "id"))
    if name == "record_quality_review":
        # One step, two facts: the review (by the reviewer) and the certificate it issues (by the system).
        follow_on = new.pop()
        assert (follow_on.action, follow_on.actor, follow_on.from_state, follow_on.to_state) == (
            "certificate_issued", None, S.QUALITY_REVIEWED, S.CERTIFIED)
    assert len(new) == 1
    event = new[0]
    assert event.action == action
    assert event.actor == actor
    assert event.from_state == state
    assert event.to_state == to_state
    assert event.note == note


def test_registration_writes_one_registered_event_by_the_trainee(db):
    case = register(fictional_pnr(7), "rut@example.org")
    events = list(case_events(case))
    assert [(e.action, e.actor, e.to_state) for e in events] == [("registered", case.trainee, S.REGISTERED)]


def test_late_material_is_noted_in_the_audit_row(make_case):
    with time_machine.travel(datetime(2030, 3, 1, 10, 0, tzinfo=STHLM), tick=False):
        case = make_case(S.PRACTICE_DAY_AGREED, practice_day=date(2030, 4, 15))
    with time_machine.travel(datetime(2030, 3, 25, 10, 0, tzinfo=STHLM), tick=False):
        services.case_submit_material(case=case, by=case.trainee)
    event = case_events(case).get(action="material_submitted")
    assert event.note == "För sent"


# --- e-mail after commit ------------------------------------------------------------------------------


def test_assigning_mails_only_the_evaluator(make_case, coordinator, other_evaluator, mailoutbox,
                                            django_capture_on_commit_callbacks):
    case = make_case(S.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign_evaluator(case=case, by=coordinator, evaluator=other_evaluator)
    assert recipients(mailoutbox) == [other_evaluator.email]
    assert case.trainee.full_name in mailoutbox[0].subject


def test_accepting_mails_the_trainee_the_evaluators_name(make_case, evaluator, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    case = make_case(S.EVALUATOR_ASSIGNED)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept_assignment(case=case, by=evaluator.user)
    assert recipients(mailoutbox) == [case.trainee.email]
    assert "Vera Värderare" in mailoutbox[0].subject
    assert "Vera Värderare" in mailoutbox[0].body
    assert evaluator.email in mailoutbox[0].body


def test_declining_mails_the_office(make_case, evaluator, mailoutbox, django_capture_on_commit_callbacks):
    case = make_case(S.EVALUATOR_ASSIGNED)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_decline_assignment(case=case, by=evaluator.user, reason="Känner handledaren")
    assert recipients(mailoutbox) == [OFFICE]
    assert "Känner handledaren" in mailoutbox[0].body
    assert "Vera Värderare" in mailoutbox[0].body


def test_agreed_practice_day_mails_each_person_once(make_case, evaluator, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    case = make_case(S.CONTACT_MADE)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_agree_practice_day(case=case, by=case.trainee, on=date(2031, 5, 12))
    # One event, one e-mail: trainee and evaluator get the message with the calendar invite attached
    # (scheduling's practice_day_changed task), the office its record without one.
    assert recipients(mailoutbox) == sorted([case.trainee.email, evaluator.email, OFFICE])
    assert not mail_to(mailoutbox, OFFICE).attachments
    assert "12 maj 2031" in mail_to(mailoutbox, OFFICE).body
    invites = [m for m in mailoutbox if m.attachments]
    assert recipients(invites) == sorted([case.trainee.email, evaluator.email])
    trainee_mail = mail_to(mailoutbox, case.trainee.email)
    assert "ska värderaren ha fått din portfölj" in trainee_mail.body  # what the separate mail used to say
    assert "Exempelvägen 2, 123 45 Exempelstad" in trainee_mail.body


def test_rejected_registration_mails_the_trainee_the_reason(make_case, coordinator, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    case = make_case(S.REGISTERED, accepted=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reject_registration(case=case, by=coordinator, reason="Mindre än 18 månader kvar av ST")
    assert recipients(mailoutbox) == [case.trainee.email]
    assert "Mindre än 18 månader kvar av ST" in mailoutbox[0].body


def test_withdrawing_mails_trainee_and_evaluator(make_case, coordinator, evaluator, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    case = make_case(S.PRACTICE_DAY_AGREED)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_withdraw(case=case, by=coordinator, reason="Byter specialitet")
    # Besides the calendar cancellations of the agreed day (tests/scheduling), one mail each.
    assert recipients([m for m in mailoutbox if not m.attachments]) == sorted([case.trainee.email, evaluator.email])
    assert "Byter specialitet" in mail_to([m for m in mailoutbox if not m.attachments], case.trainee.email).body


def test_a_refused_step_sends_no_mail(make_case, other_evaluator, mailoutbox, django_capture_on_commit_callbacks):
    case = make_case(S.EVALUATOR_ASSIGNED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(PermissionDenied):
            services.case_accept_assignment(case=case, by=other_evaluator.user)
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("state", "call"),
    [
        (S.REGISTERED, lambda c, coord, ev: services.case_assign_evaluator(case=c, by=coord, evaluator=ev)),
        (S.CONTACT_MADE, lambda c, coord, ev: services.case_withdraw(case=c, by=coord, reason="Slutar")),
        (S.EVALUATOR_ACCEPTED,
         lambda c, coord, ev: services.case_reassign_evaluator(case=c, by=coord, evaluator=ev, reason="Sjuk")),
    ],
    ids=["assign", "withdraw", "reassign"],
)
def test_a_service_that_fails_after_queueing_its_mail_rolls_back_and_sends_nothing(
    make_case, coordinator, other_evaluator, mailoutbox, django_capture_on_commit_callbacks, monkeypatch,
    state, call,
):
    case = make_case(state)
    before = case_events(case).count()
    real_queue = notifications.queue

    def queue_then_fail(*args, **kwargs):
        real_queue(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(notifications, "queue", queue_then_fail)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            call(case, coordinator, other_evaluator)
    assert mailoutbox == []
    after = reload(case)
    assert after.state == state
    assert after.evaluator_id == case.evaluator_id
    assert case_events(case).count() == before


def test_mail_is_only_sent_when_the_surrounding_transaction_commits(
    make_case, coordinator, other_evaluator, mailoutbox, django_capture_on_commit_callbacks
):
    case = make_case(S.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ZeroDivisionError):
            with transaction.atomic():
                services.case_assign_evaluator(case=case, by=coordinator, evaluator=other_evaluator)
                1 / 0  # noqa: B018
    assert mailoutbox == []
    assert reload(case).state == S.REGISTERED


# --- conflicts when assigning ------------------------------------------------------------------------


def test_evaluator_from_the_trainees_region_is_refused_without_a_reason(
    make_case, make_evaluator, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    case = make_case(S.REGISTERED, region="halland")
    local = make_evaluator(region="halland", home_clinic="Vårdcentralen Annanstans")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError) as error:
            services.case_assign_evaluator(case=case, by=coordinator, evaluator=local)
    assert "override_reason" in error.value.message_dict
    assert reload(case).state == S.REGISTERED
    assert reload(case).evaluator is None
    assert not case_events(case).filter(action="evaluator_assigned").exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "home_clinic",
    ["Vårdcentralen Exempel", "VÅRDCENTRALEN EXEMPEL", "  vårdcentralen   exempel ", "Vårdcentralen\tExempel"],
)
def test_evaluator_from_the_trainees_own_clinic_is_refused_without_a_reason(
    make_case, make_evaluator, coordinator, home_clinic
):
    case = make_case(S.REGISTERED, region="halland", workplace="Vårdcentralen Exempel")
    colleague = make_evaluator(region="skane", home_clinic=home_clinic)
    with pytest.raises(ValidationError) as error:
        services.case_assign_evaluator(case=case, by=coordinator, evaluator=colleague)
    assert "override_reason" in error.value.message_dict
    assert reload(case).state == S.REGISTERED


def test_a_different_clinic_with_a_similar_name_is_no_conflict(make_case, make_evaluator, coordinator):
    case = make_case(S.REGISTERED, region="halland", workplace="Vårdcentralen Exempel")
    neighbour = make_evaluator(region="skane", home_clinic="Vårdcentralen Exempelby")
    services.case_assign_evaluator(case=case, by=coordinator, evaluator=neighbour)
    assert reload(case).evaluator == neighbour


def test_a_blank_override_reason_does_not_count(make_case, make_evaluator, coordinator):
    case = make_case(S.REGISTERED, region="halland")
    local = make_evaluator(region="halland")
    with pytest.raises(ValidationError) as error:
        services.case_assign_evaluator(case=case, by=coordinator, evaluator=local, override_reason="   \n ")
    assert "override_reason" in error.value.message_dict


@pytest.mark.parametrize(
    "evaluator_kwargs",
    [
        {"region": "halland", "home_clinic": "Vårdcentralen Annanstans"},
        {"region": "skane", "home_clinic": "vårdcentralen exempel"},
    ],
    ids=["same_region", "same_clinic"],
)
def test_a_conflict_with_an_override_reason_is_assigned_and_the_reason_kept_and_audited(
    make_case, make_evaluator, coordinator, evaluator_kwargs
):
    case = make_case(S.REGISTERED, region="halland", workplace="Vårdcentralen Exempel")
    chosen = make_evaluator(full_name="Nils Närmast", **evaluator_kwargs)
    reason = "Ingen annan värderare har möjlighet före sommaren"
    services.case_assign_evaluator(case=case, by=coordinator, evaluator=chosen, override_reason=f"  {reason} ")
    case = reload(case)
    assert case.state == S.EVALUATOR_ASSIGNED
    assert case.evaluator == chosen
    assert case.assignment_override_reason == reason
    event = case_events(case).get(action="evaluator_assigned")
    assert "Nils Närmast" in event.note
    assert reason in event.note


def test_reassigning_to_a_conflicting_evaluator_needs_a_reason_too(make_case, make_evaluator, coordinator, evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED, region="halland")
    local = make_evaluator(region="halland", home_clinic="Vårdcentralen Annanstans")
    with pytest.raises(ValidationError) as error:
        services.case_reassign_evaluator(case=case, by=coordinator, evaluator=local, reason="Sjuk")
    assert "override_reason" in error.value.message_dict
    assert reload(case).evaluator == evaluator
    services.case_reassign_evaluator(case=case, by=coordinator, evaluator=local, reason="Sjuk", override_reason="Brådskar")
    case = reload(case)
    assert case.evaluator == local
    assert case.assignment_override_reason == "Brådskar"
    assert "Brådskar" in case_events(case).get(action="evaluator_reassigned").note


def test_an_evaluator_at_capacity_needs_a_reason(make_case, make_evaluator, coordinator):
    full = make_evaluator(region="skane", home_clinic="Vårdcentralen Söder", max_active_cases=1)
    make_case(S.CONTACT_MADE, evaluator_=full)
    case = make_case(S.REGISTERED, region="halland")
    with pytest.raises(ValidationError) as refused:
        services.case_assign_evaluator(case=case, by=coordinator, evaluator=full)
    assert "Har redan fullt antal ärenden" in refused.value.message_dict["override_reason"][0]
    assert reload(case).state == S.REGISTERED
    services.case_assign_evaluator(case=case, by=coordinator, evaluator=full, override_reason="Har själv erbjudit sig")
    case = reload(case)
    assert case.state == S.EVALUATOR_ASSIGNED
    assert case.evaluator == full
    assert case.assignment_override_reason == "Har själv erbjudit sig"


# --- registration -------------------------------------------------------------------------------------


def register(pnr_text: str, email: str, **case_overrides) -> Evaluation:
    return services.register_trainee(
        personnummer=parse_personnummer(pnr_text, today=date.today()),
        password=PASSWORD,
        user_fields={"full_name": "Rut Registrerad", "email": email, "phone": "070-123 45 67"},
        case_fields=case_fields(**case_overrides),
    )


def test_register_trainee_creates_a_trainee_account_and_a_pending_case(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = register(fictional_pnr(3), "Rut@Example.org", workplace="Vårdcentralen Norr")
    case = reload(case)
    trainee = User.objects.get(email="rut@example.org")
    assert trainee.role == Role.TRAINEE
    assert trainee.check_password(PASSWORD)
    assert case.trainee == trainee
    assert case.state == S.REGISTERED
    assert case.registration_accepted_at is None
    assert case.workplace == "Vårdcentralen Norr"
    assert recipients(mailoutbox) == sorted(["rut@example.org", OFFICE])


def test_register_trainee_stores_the_personnummer_only_encrypted(db):
    text = fictional_pnr(4)
    digits = text.replace("-", "")
    case = reload(register(text, "pnr@example.org"))
    assert digits not in case.personnummer_encrypted
    assert digits[2:] not in case.personnummer_encrypted  # nor the ten-digit form
    assert digits[-4:] not in case.personnummer_masked
    assert case.personnummer_hash == lookup_hash(digits)
    assert case.personnummer_masked == f"{digits[:8]}-****"
    assert case.personnummer_clear() == f"{digits[:8]}-{digits[8:]}"


def test_a_second_active_case_for_the_same_personnummer_is_refused(db):
    text = fictional_pnr(5)
    register(text, "forsta@example.org")
    with pytest.raises(ValidationError) as error:
        register(text, "andra@example.org")
    assert "personnummer" in error.value.message_dict
    assert Evaluation.objects.count() == 1
    assert not User.objects.filter(email="andra@example.org").exists()


@pytest.mark.parametrize("end", ["withdraw", "reject"])
def test_a_new_registration_is_allowed_once_the_first_case_has_ended(db, coordinator, end):
    text = fictional_pnr(6)
    first = register(text, "forsta@example.org")
    if end == "withdraw":
        first = services.case_accept_registration(case=first, by=coordinator)
        services.case_withdraw(case=first, by=coordinator, reason="Avbröt")
    else:
        services.case_reject_registration(case=first, by=coordinator, reason="Ofullständig")
    second = register(text, "andra@example.org")
    assert reload(second).state == S.REGISTERED
    assert Evaluation.objects.filter(personnummer_hash=lookup_hash(text.replace("-", ""))).count() == 2


def test_registering_with_an_email_already_in_use_is_refused_on_email(db, make_user):
    make_user(Role.TRAINEE, email="upptagen@example.org")
    with pytest.raises(ValidationError) as error:
        register(fictional_pnr(8), "Upptagen@example.org")
    assert "email" in error.value.message_dict
    assert Evaluation.objects.count() == 0


# --- contact made -------------------------------------------------------------------------------------


def test_contact_made_before_the_evaluator_was_made_known_is_refused(make_case, evaluator):
    with time_machine.travel(datetime(2030, 3, 10, 12, 0, tzinfo=STHLM), tick=False):
        case = make_case(S.EVALUATOR_ASSIGNED)
        services.case_accept_assignment(case=case, by=evaluator.user)
        with pytest.raises(ValidationError) as error:
            services.case_mark_contact_made(case=case, by=case.trainee, on=date(2030, 3, 9))
    assert "on" in error.value.message_dict
    assert reload(case).state == S.EVALUATOR_ACCEPTED


def test_contact_made_on_the_day_the_evaluator_was_made_known_is_accepted(make_case, evaluator):
    with time_machine.travel(datetime(2030, 3, 10, 12, 0, tzinfo=STHLM), tick=False):
        case = make_case(S.EVALUATOR_ASSIGNED)
        services.case_accept_assignment(case=case, by=evaluator.user)
        services.case_mark_contact_made(case=case, by=case.trainee, on=date(2030, 3, 10))
    assert reload(case).contact_made_on == date(2030, 3, 10)


def test_contact_date_is_compared_with_the_swedish_date_the_evaluator_was_made_known(make_case, evaluator):
    # 00:30 in Stockholm on 10 March is still 9 March in UTC: the 9th is before the trainee knew.
    with time_machine.travel(datetime(2030, 3, 10, 0, 30, tzinfo=STHLM), tick=False):
        case = make_case(S.EVALUATOR_ASSIGNED)
        services.case_accept_assignment(case=case, by=evaluator.user)
        with pytest.raises(ValidationError) as error:
            services.case_mark_contact_made(case=case, by=case.trainee, on=date(2030, 3, 9))
    assert "on" in error.value.message_dict
    assert reload(case).state == S.EVALUATOR_ACCEPTED


# --- deadlines ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accepted_at",
    [datetime(2030, 3, 4, 10, 0, tzinfo=STHLM), datetime(2030, 3, 4, 0, 15, tzinfo=STHLM)],
    ids=["morning", "just_after_midnight"],
)
def test_contact_is_due_fourteen_days_after_the_evaluator_accepted(make_case, evaluator, accepted_at):
    with time_machine.travel(accepted_at, tick=False):
        case = make_case(S.EVALUATOR_ASSIGNED)
        services.case_accept_assignment(case=case, by=evaluator.user)
    case = reload(case)
    assert (case.next_due_kind, case.next_due_on) == ("contact", date(2030, 3, 18))
    assert case.contact_due == date(2030, 3, 18)


def test_deadlines_follow_the_case_from_contact_to_report(make_case, evaluator):
    practice_day = date(2030, 5, 13)
    with time_machine.travel(datetime(2030, 3, 4, 10, 0, tzinfo=STHLM), tick=False):
        case = make_case(S.EVALUATOR_ACCEPTED)
        services.case_mark_contact_made(case=case, by=case.trainee, on=date(2030, 3, 4))
        assert (reload(case).next_due_kind, reload(case).next_due_on) == ("", None)
        services.case_agree_practice_day(case=case, by=evaluator.user, on=practice_day)
        case = reload(case)
        assert (case.next_due_kind, case.next_due_on) == ("material", date(2030, 4, 15))
        services.case_submit_material(case=case, by=case.trainee)
        case = reload(case)
        assert (case.next_due_kind, case.next_due_on) == ("practice_day", practice_day)
    with time_machine.travel(datetime(2030, 5, 13, 16, 0, tzinfo=STHLM), tick=False):
        services.case_mark_practice_day_held(case=case, by=evaluator.user)
    case = reload(case)
    assert (case.next_due_kind, case.next_due_on) == ("report", date(2030, 6, 3))
    assert case.report_due == date(2030, 6, 3)
    with time_machine.travel(datetime(2030, 5, 30, 16, 0, tzinfo=STHLM), tick=False):
        report_services.report_deliver(report=write_full_report(case), by=evaluator.user)
    case = reload(case)
    assert (case.next_due_kind, case.next_due_on) == ("", None)
