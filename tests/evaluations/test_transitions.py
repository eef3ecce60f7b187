"""The case lifecycle: every FSM transition, who may take it, and from where.

(a) each transition taken through its service from its source state lands in the new state with its
fields set; (b) the model method called from a wrong state raises TransitionNotAllowed; (c) the
wrong role gets PermissionDenied from the service and nothing changes.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from evaluations import services
from evaluations.certificates.services import certificate_issue_early
from evaluations.models import CaseEvent, Evaluation
from evaluations.reports import services as report_services
from evaluations.selectors import assignment_queue
from evaluations.services import CaseStateError

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")


def deliver(case, by):
    """The case's evaluator has written every field; `by` sends it."""
    report = report_services.report_for(case)
    # Set up directly, not through report_save: these tables count the audit rows the step itself writes.
    report.answers = {k: "Text." for k in report.keys}
    report.save(update_fields=["answers"])
    return report_services.report_deliver(report=report, by=by)


def record_review(case, by):
    review = report_services.review_take(case=case, by=by)
    review = report_services.review_save(
        review=review, by=by, answers={k: "yes" for k in review.checklist.keys}, comments="", send_to_evaluator=False,
        base_version=review.version,
    )
    return report_services.review_complete(review=review, by=by)


def reload(case: Evaluation) -> Evaluation:
    return Evaluation.objects.get(pk=case.pk)


def events(case: Evaluation) -> int:
    return CaseEvent.objects.filter(case_id=case.pk).count()


@pytest.fixture
def case_in(make_case, coordinator):
    """make_case, plus the states off the main line."""

    def build(state, **kwargs):
        if state == S.ON_HOLD:
            case = make_case(S.CONTACT_MADE, **kwargs)
            return services.case_put_on_hold(case=case, by=coordinator, reason="Föräldraledig")
        if state == S.WITHDRAWN:
            case = make_case(S.CONTACT_MADE, **kwargs)
            return services.case_withdraw(case=case, by=coordinator, reason="Slutar sin ST")
        if state == S.REJECTED:
            case = make_case(S.REGISTERED, accepted=False, **kwargs)
            return services.case_reject_registration(case=case, by=coordinator, reason="Ofullständig")
        return make_case(state, **kwargs)

    return build


# Each service, called the way a view calls it; `ev` is an evaluator to assign where one is needed.
SERVICES = {
    "accept_registration": lambda case, by, ev: services.case_accept_registration(case=case, by=by),
    "reject_registration": lambda case, by, ev: services.case_reject_registration(
        case=case, by=by, reason="Anmälan saknar handledare"
    ),
    "assign_evaluator": lambda case, by, ev: services.case_assign_evaluator(case=case, by=by, evaluator=ev),
    "accept_assignment": lambda case, by, ev: services.case_accept_assignment(case=case, by=by),
    "decline_assignment": lambda case, by, ev: services.case_decline_assignment(case=case, by=by, reason="Jäv"),
    "reassign_evaluator": lambda case, by, ev: services.case_reassign_evaluator(
        case=case, by=by, evaluator=ev, reason="Sjukskriven"
    ),
    "mark_contact_made": lambda case, by, ev: services.case_mark_contact_made(case=case, by=by, on=date.today()),
    "agree_practice_day": lambda case, by, ev: services.case_agree_practice_day(
        case=case, by=by, on=date.today() + timedelta(days=45)
    ),
    "submit_material": lambda case, by, ev: services.case_submit_material(case=case, by=by),
    "reopen_material": lambda case, by, ev: services.case_reopen_material(case=case, by=by, reason="Skäl"),
    "reschedule_practice_day": lambda case, by, ev: services.case_reschedule_practice_day(
        case=case, by=by, on=date.today() + timedelta(days=60), reason="Värderaren är sjuk"
    ),
    "mark_practice_day_held": lambda case, by, ev: services.case_mark_practice_day_held(case=case, by=by),
    "mark_practice_day_not_held": lambda case, by, ev: services.case_mark_practice_day_not_held(
        case=case, by=by, reason="ST-läkaren var sjuk"
    ),
    "deliver_report": lambda case, by, ev: deliver(case, by),
    "record_quality_review": lambda case, by, ev: record_review(case, by),
    "issue_certificate": lambda case, by, ev: certificate_issue_early(case=case, by=by, reason="Ska söka tjänst"),
    "close_after_survey": lambda case, by, ev: services.case_close_after_survey(case=case, by=by),
    "close": lambda case, by, ev: services.case_close(case=case, by=by),
    "withdraw": lambda case, by, ev: services.case_withdraw(case=case, by=by, reason="Slutar sin ST"),
    "put_on_hold": lambda case, by, ev: services.case_put_on_hold(case=case, by=by, reason="Föräldraledig"),
    "resume": lambda case, by, ev: services.case_resume(case=case, by=by),
}

# The state each transition is taken from, and the make_case arguments to get there.
SOURCES = {
    "accept_registration": (S.REGISTERED, {"accepted": False}),
    "reject_registration": (S.REGISTERED, {"accepted": False}),
    "assign_evaluator": (S.REGISTERED, {}),
    "accept_assignment": (S.EVALUATOR_ASSIGNED, {}),
    "decline_assignment": (S.EVALUATOR_ASSIGNED, {}),
    "reassign_evaluator": (S.EVALUATOR_ACCEPTED, {}),
    "mark_contact_made": (S.EVALUATOR_ACCEPTED, {}),
    "agree_practice_day": (S.CONTACT_MADE, {}),
    "submit_material": (S.PRACTICE_DAY_AGREED, {}),
    "reopen_material": (S.MATERIAL_SUBMITTED, {}),
    "reschedule_practice_day": (S.PRACTICE_DAY_AGREED, {}),
    "mark_practice_day_held": (S.MATERIAL_SUBMITTED, {"practice_day": date.today()}),
    "mark_practice_day_not_held": (S.MATERIAL_SUBMITTED, {"practice_day": date.today()}),
    "deliver_report": (S.PRACTICE_DAY_HELD, {}),
    "record_quality_review": (S.REPORT_DELIVERED, {}),
    "issue_certificate": (S.REPORT_DELIVERED, {}),
    "close_after_survey": (S.CERTIFIED, {}),
    "close": (S.CERTIFIED, {}),
    "withdraw": (S.CONTACT_MADE, {}),
    "put_on_hold": (S.CONTACT_MADE, {}),
    "resume": (S.ON_HOLD, {}),
}


@pytest.fixture
def actors(coordinator, other_trainee, quality, evaluator, other_evaluator):
    """Who is who, relative to a case built by make_case (whose evaluator is `evaluator`)."""

    def actor(name, case):
        return {
            "coordinator": coordinator,
            "trainee": case.trainee,
            "other_trainee": other_trainee,
            "evaluator": evaluator.user,
            "other_evaluator": other_evaluator.user,
            "quality": quality,
        }[name]

    return actor


def test_every_transition_on_the_model_has_a_service_and_a_source_here():
    transitions = {t.name for t in Evaluation().get_all_state_transitions()}
    assert transitions == set(SERVICES) == set(SOURCES)


# --- (a) allowed from the source state --------------------------------------------------------------


def test_coordinator_accepts_a_pending_registration(make_case, coordinator):
    case = make_case(S.REGISTERED, accepted=False)
    before = timezone.now()
    services.case_accept_registration(case=case, by=coordinator)
    case = reload(case)
    assert case.state == S.REGISTERED
    assert case.registration_accepted_at is not None and case.registration_accepted_at >= before
    assert list(assignment_queue()) == [case]


def test_coordinator_rejects_a_pending_registration_with_a_reason(make_case, coordinator):
    case = make_case(S.REGISTERED, accepted=False)
    services.case_reject_registration(case=case, by=coordinator, reason="Anmälan saknar handledare")
    case = reload(case)
    assert case.state == S.REJECTED
    assert case.ended_reason == "Anmälan saknar handledare"
    assert case.closed_at is not None
    assert case.registration_accepted_at is None


def test_coordinator_assigns_an_evaluator_to_an_accepted_registration(make_case, coordinator, other_evaluator):
    case = make_case(S.REGISTERED)
    services.case_assign_evaluator(case=case, by=coordinator, evaluator=other_evaluator)
    case = reload(case)
    assert case.state == S.EVALUATOR_ASSIGNED
    assert case.evaluator == other_evaluator
    assert case.evaluator_assigned_at is not None
    assert case.assignment_override_reason == ""
    # The trainee is told who the evaluator is only once the evaluator has accepted.
    assert case.evaluator_notified_at is None


def test_assigned_evaluator_accepts_and_the_contact_deadline_starts(make_case, evaluator):
    case = make_case(S.EVALUATOR_ASSIGNED)
    services.case_accept_assignment(case=case, by=evaluator.user)
    case = reload(case)
    assert case.state == S.EVALUATOR_ACCEPTED
    assert case.evaluator_notified_at is not None
    assert case.next_due_kind == "contact"
    assert case.next_due_on == timezone.localdate(case.evaluator_notified_at) + timedelta(days=14)


def test_declining_returns_the_case_to_registered_with_no_evaluator_and_the_registration_still_accepted(
    make_case, evaluator, coordinator, other_evaluator
):
    case = make_case(S.EVALUATOR_ASSIGNED)
    accepted_at = case.registration_accepted_at
    services.case_decline_assignment(case=case, by=evaluator.user, reason="Jäv")
    case = reload(case)
    assert case.state == S.REGISTERED
    assert case.evaluator is None
    assert case.evaluator_assigned_at is None
    assert case.registration_accepted_at == accepted_at is not None
    assert list(assignment_queue()) == [case]
    # and it can be assigned again at once
    services.case_assign_evaluator(case=case, by=coordinator, evaluator=other_evaluator)
    assert reload(case).evaluator == other_evaluator


def test_coordinator_reassigns_an_assigned_case_to_another_evaluator(make_case, coordinator, other_evaluator):
    case = make_case(S.EVALUATOR_ASSIGNED)
    services.case_reassign_evaluator(case=case, by=coordinator, evaluator=other_evaluator, reason="Sjuk")
    case = reload(case)
    assert case.state == S.EVALUATOR_ASSIGNED
    assert case.evaluator == other_evaluator
    assert case.evaluator_notified_at is None


def test_trainee_marks_contact_made(make_case):
    case = make_case(S.EVALUATOR_ACCEPTED)
    services.case_mark_contact_made(case=case, by=case.trainee, on=date.today())
    case = reload(case)
    assert case.state == S.CONTACT_MADE
    assert case.contact_made_on == date.today()
    assert (case.next_due_kind, case.next_due_on) == ("", None)


@pytest.mark.parametrize("who", ["trainee", "evaluator"])
def test_trainee_or_evaluator_registers_the_agreed_practice_day(make_case, actors, who):
    case = make_case(S.CONTACT_MADE)
    day = date.today() + timedelta(days=50)
    services.case_agree_practice_day(case=case, by=actors(who, case), on=day)
    case = reload(case)
    assert case.state == S.PRACTICE_DAY_AGREED
    assert case.practice_day == day
    assert (case.next_due_kind, case.next_due_on) == ("material", day - timedelta(days=28))


def test_trainee_submits_the_material_in_time(make_case):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=date.today() + timedelta(days=40))
    services.case_submit_material(case=case, by=case.trainee)
    case = reload(case)
    assert case.state == S.MATERIAL_SUBMITTED
    assert case.material_submitted_at is not None
    assert case.material_submitted_late is False
    assert (case.next_due_kind, case.next_due_on) == ("practice_day", case.practice_day)


def test_evaluator_marks_the_practice_day_held_on_the_day(make_case, evaluator):
    today = date.today()
    case = make_case(S.MATERIAL_SUBMITTED, practice_day=today)
    services.case_mark_practice_day_held(case=case, by=evaluator.user)
    case = reload(case)
    assert case.state == S.PRACTICE_DAY_HELD
    assert case.practice_day_held_on == today
    assert (case.next_due_kind, case.next_due_on) == ("report", today + timedelta(days=21))


def test_evaluator_marks_the_practice_day_not_held_and_the_case_goes_back_to_agreeing_a_day(make_case, evaluator):
    today = date.today()
    case = make_case(S.MATERIAL_SUBMITTED, practice_day=today)
    submitted_at = case.material_submitted_at
    services.case_mark_practice_day_not_held(case=case, by=evaluator.user, reason="ST-läkaren var sjuk")
    case = reload(case)
    assert case.state == S.CONTACT_MADE
    assert case.practice_day is None
    assert case.material_submitted_at == submitted_at  # the material sent for the day still stands
    event = case.events.first()
    assert (event.action, event.from_state, event.to_state) == ("practice_day_not_held", S.MATERIAL_SUBMITTED,
                                                                  S.CONTACT_MADE)
    assert "ST-läkaren var sjuk" in event.note and today.isoformat() in event.note
    # A new day agreed through the same flow brings the case back to "material submitted".
    new_day = today + timedelta(days=20)
    services.case_agree_practice_day(case=case, by=case.trainee, on=new_day)
    case = reload(case)
    assert (case.state, case.practice_day) == (S.MATERIAL_SUBMITTED, new_day)


def test_the_day_cannot_be_marked_not_held_before_it_has_come(make_case, evaluator):
    case = make_case(S.MATERIAL_SUBMITTED, practice_day=date.today() + timedelta(days=3))
    with pytest.raises(CaseStateError):
        services.case_mark_practice_day_not_held(case=case, by=evaluator.user, reason="Sjuk")
    assert reload(case).state == S.MATERIAL_SUBMITTED


def test_evaluator_delivers_the_report(make_case, evaluator):
    case = make_case(S.PRACTICE_DAY_HELD)
    deliver(case, evaluator.user)
    case = reload(case)
    assert case.state == S.REPORT_DELIVERED
    assert case.report_delivered_at is not None
    assert case.report_delivered_late is False
    assert (case.next_due_kind, case.next_due_on) == ("", None)


def test_a_report_after_the_deadline_is_accepted_and_flagged(make_case, evaluator):
    case = make_case(S.PRACTICE_DAY_HELD, practice_day=date.today() - timedelta(days=30))
    deliver(case, evaluator.user)
    case = reload(case)
    assert case.state == S.REPORT_DELIVERED
    assert case.report_delivered_late is True and case.report.delivered_late is True


def test_the_recorded_quality_review_issues_the_certificate(make_case, quality):
    case = make_case(S.REPORT_DELIVERED)
    record_review(case, quality)
    case = reload(case)
    assert case.state == S.CERTIFIED
    assert case.quality_reviewed_at is not None and case.certified_at is not None
    actions = [e.action for e in case.events.order_by("at", "id")][-2:]
    assert actions == ["quality_reviewed", "certificate_issued"]
    assert case.certificate.issued_by is None  # the system issued it, on the review


def test_coordinator_issues_the_certificate_before_the_review_with_a_reason(make_case, coordinator, quality):
    case = make_case(S.REPORT_DELIVERED)
    certificate_issue_early(case=case, by=coordinator, reason="Ska söka tjänst")
    case = reload(case)
    assert case.state == S.CERTIFIED
    assert case.certificate.early_reason == "Ska söka tjänst"
    # The review still comes afterwards, and does not move the case back.
    record_review(case, quality)
    case = reload(case)
    assert case.state == S.CERTIFIED and case.quality_reviewed_at is not None


def test_the_trainee_closes_the_case_by_answering_the_survey(make_case):
    case = make_case(S.CERTIFIED)
    services.case_close_after_survey(case=case, by=case.trainee)
    case = reload(case)
    assert case.state == S.CLOSED and case.survey_answered is True and case.closed_at is not None


def test_coordinator_closes_a_certified_case_once_the_survey_time_is_up(make_case, coordinator):
    case = make_case(S.CERTIFIED)
    with pytest.raises(CaseStateError):
        services.case_close(case=case, by=coordinator)
    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        services.case_close(case=case, by=coordinator)
    case = reload(case)
    assert case.state == S.CLOSED
    assert case.closed_at is not None
    assert case.survey_answered is False
    assert case.is_ended


@pytest.mark.parametrize("state", [*Evaluation.PROCESS[:-1], S.ON_HOLD])
def test_coordinator_withdraws_a_running_or_paused_case(case_in, coordinator, state):
    case = case_in(state)
    services.case_withdraw(case=case, by=coordinator, reason="Slutar sin ST")
    case = reload(case)
    assert case.state == S.WITHDRAWN
    assert case.ended_reason == "Slutar sin ST"
    assert case.closed_at is not None
    assert (case.next_due_kind, case.next_due_on) == ("", None)


def test_coordinator_puts_a_case_on_hold_and_its_deadline_pauses(make_case, coordinator):
    case = make_case(S.PRACTICE_DAY_AGREED)
    assert case.next_due_on is not None
    services.case_put_on_hold(case=case, by=coordinator, reason="Föräldraledig")
    case = reload(case)
    assert case.state == S.ON_HOLD
    assert case.state_before_hold == S.PRACTICE_DAY_AGREED
    assert case.hold_reason == "Föräldraledig"
    assert (case.next_due_kind, case.next_due_on) == ("", None)


def test_coordinator_resumes_a_case_on_hold(case_in, coordinator):
    case = case_in(S.ON_HOLD)
    services.case_resume(case=case, by=coordinator)
    case = reload(case)
    assert case.state == S.CONTACT_MADE
    assert case.state_before_hold == ""
    assert case.hold_reason == ""


# --- (b) the model refuses a transition from a wrong state -------------------------------------------

MODEL_CALLS = {
    "accept_registration": lambda case, ev: case.accept_registration(),
    "reject_registration": lambda case, ev: case.reject_registration("Skäl"),
    "assign_evaluator": lambda case, ev: case.assign_evaluator(ev),
    "accept_assignment": lambda case, ev: case.accept_assignment(),
    "decline_assignment": lambda case, ev: case.decline_assignment("Skäl"),
    "reassign_evaluator": lambda case, ev: case.reassign_evaluator(ev),
    "mark_contact_made": lambda case, ev: case.mark_contact_made(date.today()),
    "agree_practice_day": lambda case, ev: case.agree_practice_day(date.today() + timedelta(days=45)),
    "submit_material": lambda case, ev: case.submit_material(),
    "reopen_material": lambda case, ev: case.reopen_material("Skäl"),
    "reschedule_practice_day": lambda case, ev: case.reschedule_practice_day(date.today(), "Skäl"),
    "mark_practice_day_held": lambda case, ev: case.mark_practice_day_held(),
    "mark_practice_day_not_held": lambda case, ev: case.mark_practice_day_not_held("Skäl"),
    "deliver_report": lambda case, ev: case.deliver_report(),
    "record_quality_review": lambda case, ev: case.record_quality_review(),
    "issue_certificate": lambda case, ev: case.issue_certificate(),
    "close_after_survey": lambda case, ev: case.close_after_survey(),
    "close": lambda case, ev: case.close(),
    "withdraw": lambda case, ev: case.withdraw("Skäl"),
    "put_on_hold": lambda case, ev: case.put_on_hold("Skäl"),
    "resume": lambda case, ev: case.resume(),
}

WRONG_STATES = [
    ("accept_registration", S.EVALUATOR_ASSIGNED, {}),
    ("accept_registration", S.REGISTERED, {"accepted": True}),  # already accepted
    ("reject_registration", S.REGISTERED, {"accepted": True}),
    ("reject_registration", S.CONTACT_MADE, {}),
    ("assign_evaluator", S.REGISTERED, {"accepted": False}),  # registration not yet accepted
    ("assign_evaluator", S.EVALUATOR_ACCEPTED, {}),
    ("accept_assignment", S.REGISTERED, {}),
    ("accept_assignment", S.EVALUATOR_ACCEPTED, {}),
    ("decline_assignment", S.EVALUATOR_ACCEPTED, {}),
    ("reassign_evaluator", S.REGISTERED, {}),
    ("reassign_evaluator", S.REPORT_DELIVERED, {}),
    ("reassign_evaluator", S.ON_HOLD, {}),
    ("mark_contact_made", S.EVALUATOR_ASSIGNED, {}),
    ("mark_contact_made", S.CONTACT_MADE, {}),
    ("agree_practice_day", S.EVALUATOR_ACCEPTED, {}),
    ("agree_practice_day", S.PRACTICE_DAY_AGREED, {}),
    ("submit_material", S.CONTACT_MADE, {}),
    ("submit_material", S.MATERIAL_SUBMITTED, {}),
    ("reopen_material", S.PRACTICE_DAY_AGREED, {}),
    ("reschedule_practice_day", S.CONTACT_MADE, {}),
    ("reschedule_practice_day", S.PRACTICE_DAY_HELD, {}),
    ("mark_practice_day_held", S.PRACTICE_DAY_AGREED, {"practice_day": date.today()}),
    ("mark_practice_day_held", S.MATERIAL_SUBMITTED, {"practice_day": date.today() + timedelta(days=1)}),
    ("mark_practice_day_not_held", S.PRACTICE_DAY_HELD, {}),
    ("mark_practice_day_not_held", S.MATERIAL_SUBMITTED, {"practice_day": date.today() + timedelta(days=1)}),
    ("deliver_report", S.MATERIAL_SUBMITTED, {}),
    ("record_quality_review", S.PRACTICE_DAY_HELD, {}),
    ("record_quality_review", S.CERTIFIED, {}),  # already reviewed
    ("issue_certificate", S.PRACTICE_DAY_HELD, {}),
    ("issue_certificate", S.CERTIFIED, {}),
    ("close_after_survey", S.REPORT_DELIVERED, {}),
    ("close", S.REPORT_DELIVERED, {}),
    ("close", S.CERTIFIED, {}),  # the survey's time is not up
    ("withdraw", S.CLOSED, {}),
    ("withdraw", S.WITHDRAWN, {}),
    ("withdraw", S.REJECTED, {}),
    ("put_on_hold", S.CLOSED, {}),
    ("put_on_hold", S.ON_HOLD, {}),
    ("resume", S.CONTACT_MADE, {}),
]


@pytest.mark.parametrize(("name", "state", "kwargs"), WRONG_STATES, ids=lambda v: str(v) if v != {} else "")
def test_transition_called_from_a_wrong_state_raises_transition_not_allowed(
    case_in, other_evaluator, name, state, kwargs
):
    case = case_in(state, **kwargs)
    with pytest.raises(TransitionNotAllowed):
        MODEL_CALLS[name](case, other_evaluator)
    assert case.state == state
    assert reload(case).state == state


# The service from a wrong state, by someone who may act on the case: a CaseStateError (a message).
SERVICE_WRONG_STATES = [
    ("accept_registration", S.EVALUATOR_ASSIGNED, "coordinator"),
    ("reject_registration", S.CONTACT_MADE, "coordinator"),
    ("assign_evaluator", S.EVALUATOR_ACCEPTED, "coordinator"),
    ("accept_assignment", S.EVALUATOR_ACCEPTED, "evaluator"),
    ("decline_assignment", S.CONTACT_MADE, "evaluator"),
    ("reassign_evaluator", S.REPORT_DELIVERED, "coordinator"),
    ("mark_contact_made", S.CONTACT_MADE, "trainee"),
    ("agree_practice_day", S.PRACTICE_DAY_AGREED, "trainee"),
    ("submit_material", S.CONTACT_MADE, "trainee"),
    ("mark_practice_day_held", S.PRACTICE_DAY_AGREED, "evaluator"),
    ("mark_practice_day_not_held", S.PRACTICE_DAY_AGREED, "evaluator"),
    ("deliver_report", S.MATERIAL_SUBMITTED, "evaluator"),
    ("record_quality_review", S.CERTIFIED, "quality"),
    ("issue_certificate", S.PRACTICE_DAY_HELD, "coordinator"),
    ("close_after_survey", S.REPORT_DELIVERED, "trainee"),
    ("close", S.CERTIFIED, "coordinator"),
    ("withdraw", S.CLOSED, "coordinator"),
    ("put_on_hold", S.ON_HOLD, "coordinator"),
    ("resume", S.CONTACT_MADE, "coordinator"),
]


@pytest.mark.parametrize(("name", "state", "who"), SERVICE_WRONG_STATES)
def test_service_from_a_wrong_state_raises_case_state_error_and_changes_nothing(
    case_in, actors, other_evaluator, name, state, who
):
    case = case_in(state)
    before = events(case)
    with pytest.raises(CaseStateError):
        SERVICES[name](case, actors(who, case), other_evaluator)
    assert reload(case).state == state
    assert events(case) == before


# --- (c) the wrong role -------------------------------------------------------------------------------

WRONG_ROLES = [
    ("accept_registration", "trainee"),
    ("accept_registration", "other_evaluator"),
    ("accept_registration", "quality"),
    ("reject_registration", "trainee"),
    ("assign_evaluator", "trainee"),
    ("assign_evaluator", "other_evaluator"),
    ("assign_evaluator", "quality"),
    ("accept_assignment", "trainee"),
    ("accept_assignment", "other_evaluator"),
    ("accept_assignment", "coordinator"),
    ("decline_assignment", "trainee"),
    ("decline_assignment", "other_evaluator"),
    ("reassign_evaluator", "trainee"),
    ("reassign_evaluator", "evaluator"),
    ("mark_contact_made", "other_trainee"),
    ("mark_contact_made", "evaluator"),
    ("agree_practice_day", "other_trainee"),
    ("agree_practice_day", "other_evaluator"),
    ("agree_practice_day", "quality"),
    ("submit_material", "other_trainee"),
    ("submit_material", "evaluator"),
    ("reopen_material", "trainee"),
    ("reschedule_practice_day", "other_trainee"),
    ("mark_practice_day_held", "trainee"),
    ("mark_practice_day_held", "other_evaluator"),
    ("mark_practice_day_not_held", "trainee"),
    ("mark_practice_day_not_held", "other_evaluator"),
    ("deliver_report", "trainee"),
    ("deliver_report", "other_evaluator"),
    ("deliver_report", "quality"),
    ("record_quality_review", "coordinator"),
    ("record_quality_review", "evaluator"),
    ("record_quality_review", "trainee"),
    ("issue_certificate", "quality"),
    ("issue_certificate", "trainee"),
    ("close", "trainee"),
    ("close", "evaluator"),
    ("close_after_survey", "other_trainee"),
    ("close_after_survey", "coordinator"),
    ("withdraw", "trainee"),
    ("withdraw", "evaluator"),
    ("put_on_hold", "trainee"),
    ("put_on_hold", "evaluator"),
    ("resume", "trainee"),
]


@pytest.mark.parametrize(("name", "who"), WRONG_ROLES)
def test_wrong_role_gets_permission_denied_and_nothing_changes(case_in, actors, other_evaluator, name, who):
    state, kwargs = SOURCES[name]
    case = case_in(state, **kwargs)
    before = events(case)
    with pytest.raises(PermissionDenied):
        SERVICES[name](case, actors(who, case), other_evaluator)
    after = reload(case)
    assert after.state == state
    assert after.evaluator_id == case.evaluator_id
    assert events(case) == before


# Someone with no part in the case must not learn its state from the answer: they are refused outright.
STRANGERS = [
    ("record_quality_review", S.PRACTICE_DAY_HELD, "quality"),
    ("record_quality_review", S.MATERIAL_SUBMITTED, "quality"),
    ("record_quality_review", S.EVALUATOR_ACCEPTED, "quality"),
    ("submit_material", S.CONTACT_MADE, "other_trainee"),
    ("deliver_report", S.MATERIAL_SUBMITTED, "other_evaluator"),
]


@pytest.mark.parametrize(("name", "state", "who"), STRANGERS)
def test_someone_without_rights_on_the_case_gets_permission_denied_whatever_its_state(
    case_in, actors, other_evaluator, name, state, who
):
    case = case_in(state)
    with pytest.raises(PermissionDenied):
        SERVICES[name](case, actors(who, case), other_evaluator)
    assert reload(case).state == state


# --- the state field is protected --------------------------------------------------------------------


def test_state_cannot_be_assigned_directly_on_a_saved_case(make_case):
    case = make_case(S.CONTACT_MADE)
    with pytest.raises(AttributeError):
        case.state = S.CLOSED
    loaded = reload(case)
    with pytest.raises(AttributeError):
        loaded.state = S.CERTIFIED
    assert reload(case).state == S.CONTACT_MADE


# --- on hold and back --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "accepted"),
    [
        (S.REGISTERED, False),
        (S.REGISTERED, True),
        (S.EVALUATOR_ASSIGNED, True),
        (S.EVALUATOR_ACCEPTED, True),
        (S.CONTACT_MADE, True),
        (S.PRACTICE_DAY_AGREED, True),
        (S.MATERIAL_SUBMITTED, True),
        (S.PRACTICE_DAY_HELD, True),
        (S.REPORT_DELIVERED, True),
        (S.CERTIFIED, True),  # a recorded review issues the certificate: "quality reviewed" is passed through
    ],
)
def test_resume_returns_a_case_on_hold_to_exactly_the_state_it_left(make_case, coordinator, state, accepted):
    case = make_case(state, accepted=accepted)
    due = (case.next_due_kind, case.next_due_on)
    services.case_put_on_hold(case=case, by=coordinator, reason="Sjukskriven")
    held = reload(case)
    assert held.state == S.ON_HOLD
    assert held.state_before_hold == state

    services.case_resume(case=held, by=coordinator)
    resumed = reload(case)
    assert resumed.state == state
    assert (resumed.next_due_kind, resumed.next_due_on) == due
    assert resumed.evaluator_id == case.evaluator_id
    assert resumed.registration_accepted_at == case.registration_accepted_at
    assert resumed.practice_day == case.practice_day
    assert resumed.state_before_hold == "" and resumed.hold_reason == ""


# --- replacing the evaluator -------------------------------------------------------------------------


def test_reassign_after_acceptance_asks_the_new_evaluator_again_and_clears_the_notification(
    make_case, coordinator, evaluator, other_evaluator
):
    case = make_case(S.EVALUATOR_ACCEPTED)
    assert case.evaluator_notified_at is not None
    services.case_reassign_evaluator(case=case, by=coordinator, evaluator=other_evaluator, reason="Sjuk")
    case = reload(case)
    assert case.state == S.EVALUATOR_ASSIGNED
    assert case.evaluator == other_evaluator
    assert case.evaluator_notified_at is None
    # No contact deadline any more: the new evaluator's answer is what is due.
    assert case.next_due_kind == "answer"
    assert case.next_due_on == timezone.localdate() + timedelta(days=settings.MITTIST_ASSIGNMENT_ANSWER_DAYS)
    # The old evaluator can no longer answer; the new one can.
    with pytest.raises(PermissionDenied):
        services.case_accept_assignment(case=case, by=evaluator.user)
    services.case_accept_assignment(case=case, by=other_evaluator.user)
    assert reload(case).state == S.EVALUATOR_ACCEPTED


@pytest.mark.parametrize(
    "state", [S.CONTACT_MADE, S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED, S.PRACTICE_DAY_HELD]
)
def test_reassign_later_on_keeps_the_state_and_dates_and_notifies_the_trainee_now(
    make_case, coordinator, other_evaluator, state
):
    case = make_case(state)
    moment = datetime(2030, 1, 15, 10, 0, tzinfo=STHLM)
    with time_machine.travel(moment, tick=False):
        services.case_reassign_evaluator(case=case, by=coordinator, evaluator=other_evaluator, reason="Flyttat")
    after = reload(case)
    assert after.state == state
    assert after.evaluator == other_evaluator
    assert after.evaluator_notified_at == moment
    assert after.practice_day == case.practice_day
    assert (after.next_due_kind, after.next_due_on) == (case.next_due_kind, case.next_due_on)


def test_reassigning_to_the_current_evaluator_is_refused(make_case, coordinator, evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    with pytest.raises(ValidationError) as error:
        services.case_reassign_evaluator(case=case, by=coordinator, evaluator=evaluator, reason="")
    assert "evaluator" in error.value.message_dict
    assert reload(case).state == S.EVALUATOR_ACCEPTED


# --- dates -------------------------------------------------------------------------------------------


def test_practice_day_cannot_be_marked_held_before_the_day(make_case, evaluator):
    day = date(2030, 4, 15)
    with time_machine.travel(datetime(2030, 3, 1, 10, 0, tzinfo=STHLM), tick=False):
        case = make_case(S.MATERIAL_SUBMITTED, practice_day=day)
    # The evening before, Swedish time (already the day itself in no time zone west of here: fine).
    with time_machine.travel(datetime(2030, 4, 14, 23, 30, tzinfo=STHLM), tick=False):
        with pytest.raises(CaseStateError):
            services.case_mark_practice_day_held(case=case, by=evaluator.user)
    assert reload(case).state == S.MATERIAL_SUBMITTED
    # Just after midnight Swedish time (still the day before in UTC).
    with time_machine.travel(datetime(2030, 4, 15, 0, 30, tzinfo=STHLM), tick=False):
        services.case_mark_practice_day_held(case=case, by=evaluator.user)
    case = reload(case)
    assert case.state == S.PRACTICE_DAY_HELD
    assert case.practice_day_held_on == day
    assert case.next_due_on == date(2030, 5, 6)


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (datetime(2030, 3, 10, 12, 0, tzinfo=STHLM), False),
        (datetime(2030, 3, 18, 23, 30, tzinfo=STHLM), False),  # the due date itself, late evening
        (datetime(2030, 3, 19, 0, 30, tzinfo=STHLM), True),  # just after midnight, still the 18th in UTC
        (datetime(2030, 4, 1, 9, 0, tzinfo=STHLM), True),
    ],
)
def test_material_submitted_after_material_due_is_marked_late(make_case, moment, late):
    day = date(2030, 4, 15)  # material due 28 days before: 18 March
    with time_machine.travel(datetime(2030, 3, 1, 10, 0, tzinfo=STHLM), tick=False):
        case = make_case(S.PRACTICE_DAY_AGREED, practice_day=day)
    assert case.material_due == date(2030, 3, 18)
    with time_machine.travel(moment, tick=False):
        services.case_submit_material(case=case, by=case.trainee)
    case = reload(case)
    assert case.state == S.MATERIAL_SUBMITTED
    assert case.material_submitted_late is late
