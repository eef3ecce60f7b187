import os
from datetime import date, timedelta

import pytest
from django_q.conf import Conf

from evaluations import services
from evaluations.models import Evaluation, Evaluator
from mittist.accounts.models import Role, User
from mittist.accounts.personnummer import luhn_check_digit, parse_personnummer
from tests.concurrency import slow_audit  # noqa: F401 - the fixture, for every folder's concurrency tests

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# One set of Playwright fixtures for every folder: two session browsers in one thread cannot start.
pytest_plugins = ["tests.browser.fixtures"]
PASSWORD = "correct-horse-battery-9"
S = Evaluation.State


@pytest.fixture(autouse=True)
def _tasks_run_inline(monkeypatch):
    # Background tasks run in the test's own process, so their effects (e-mail) can be asserted.
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(autouse=True)
def _data_migration_rows(request):
    """Every database test starts with what a migrated database holds (see tests/definitions.py)."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool({"transactional_db", "live_server"} & names) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from tests.definitions import definitions_missing, load_definitions

    if definitions_missing():
        load_definitions()


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """Staff must give a second factor: a test's force_login gives it, as the real second step would."""
    from django.test import Client
    from django.test.client import ClientMixin

    from tests.second_factor import needs_second_factor, verify_session

    def force_login(self, user, backend=None):
        ClientMixin.force_login(self, user, backend)
        if needs_second_factor(user):
            verify_session(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.LANGUAGE_CODE = "sv"
    # PBKDF2's deliberate slowness costs ~0.7 s a user; tests make hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fictional_pnr(n: int = 1, year: int = 1985) -> str:
    nine = f"{year % 100:02d}{(n % 12) + 1:02d}{(n % 27) + 1:02d}98{n % 10}"
    return f"{year // 100}{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(role=Role.TRAINEE, **fields):
        n = next(counter)
        fields.setdefault("email", f"{role}{n}@example.org")
        fields.setdefault("full_name", f"Test {role.title()} {n}")
        return User.objects.create_user(password=PASSWORD, role=role, **fields)

    return make


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR, full_name="Kora Koordinator")


@pytest.fixture
def trainee(make_user):
    return make_user(Role.TRAINEE, full_name="Tova Testsson")


@pytest.fixture
def other_trainee(make_user):
    return make_user(Role.TRAINEE, full_name="Olle Annansson")


@pytest.fixture
def quality(make_user):
    return make_user(Role.QUALITY, full_name="Kai Kvalitet")


@pytest.fixture
def make_evaluator(make_user):
    def make(region="uppsala", home_clinic="Vårdcentralen Norrby", max_active_cases=3, **user_fields):
        user = make_user(Role.EVALUATOR, **user_fields)
        return Evaluator.objects.create(
            user=user, region=region, home_clinic=home_clinic, max_active_cases=max_active_cases, last_training_year=2024
        )

    return make


@pytest.fixture
def evaluator(make_evaluator):
    return make_evaluator(full_name="Vera Värderare")


@pytest.fixture
def other_evaluator(make_evaluator):
    return make_evaluator(region="skane", home_clinic="Vårdcentralen Söder", full_name="Ove Värderare")


def case_fields(**overrides):
    today = date.today()
    fields = {
        "workplace": "Vårdcentralen Exempel",
        "workplace_address": "Exempelvägen 2, 123 45 Exempelstad",
        "region": "halland",
        "curriculum": "2021",
        "st_start": today - timedelta(days=900),
        "st_planned_end": today + timedelta(days=800),
        "supervisor_name": "Hedda Handledare",
        "supervisor_email": "handledare@example.org",
        "director_of_studies": "Sture Studierektor",
        "manager_name": "Maja Chef",
        "manager_profession": "Distriktsläkare",
        "invoicing_address": "Box 1, 000 00 Exempelstad",
    }
    fields.update(overrides)
    return fields


def complete_answers(report) -> dict:
    return {key: f"Text för {key}." for key in report.keys}


def deliver_report(case, by):
    """The evaluator writes every field of the report and sends it (the real services, PDF included)."""
    from evaluations.reports import services as report_services

    report = report_services.report_for(case)
    report = report_services.report_save(report=report, by=by, data=complete_answers(report), base_version=report.version)
    report_services.report_deliver(report=report, by=by)
    return Evaluation.objects.get(pk=case.pk)


def review_report(case, by):
    """A quality group member takes the report, answers the checklist and records the review."""
    from evaluations.reports import services as report_services

    review = report_services.review_take(case=case, by=by)
    review = report_services.review_save(
        review=review, by=by, answers={key: "yes" for key in review.checklist.keys}, comments="",
        send_to_evaluator=False, base_version=review.version,
    )
    report_services.review_complete(review=review, by=by)
    return Evaluation.objects.get(pk=case.pk)


def write_full_report(case):
    """Test set-up: every field of the case's report filled in directly (the audit trail is not touched)."""
    from evaluations.reports import services as report_services

    report = report_services.report_for(case)
    report.answers = complete_answers(report)
    report.save(update_fields=["answers"])
    return report


def taken_review(case, by):
    """A quality group member has taken the case's report and answered the whole checklist."""
    from evaluations.reports import services as report_services

    review = report_services.review_take(case=case, by=by)
    return report_services.review_save(
        review=review, by=by, answers={key: "yes" for key in review.checklist.keys}, comments="",
        send_to_evaluator=False, base_version=review.version,
    )


def close_after_the_survey_time(case, by):
    """The coordinator closes a certified case once the survey's time is up."""
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() + timedelta(days=60), tick=False):
        return services.case_close(case=case, by=by)


def close_with_survey(case, by):
    return services.case_close_after_survey(case=case, by=by)


def _assign(case, coordinator, evaluator):
    """Test data may give one evaluator more cases than their limit; the office would give a reason."""
    from evaluations.selectors import assignment_conflicts

    full = any(c.code == "at_capacity" for c in assignment_conflicts(case, evaluator))
    reason = "Testdata: fler ärenden än taket" if full else ""
    return services.case_assign_evaluator(case=case, by=coordinator, evaluator=evaluator, override_reason=reason)


@pytest.fixture
def make_case(db, make_user, coordinator, evaluator, quality):
    """A case driven through the real services up to the state asked for."""
    counter = iter(range(1, 100_000))

    def make(state=S.REGISTERED, *, trainee=None, evaluator_=None, accepted=True, practice_day=None, **fields):
        n = next(counter)
        trainee = trainee or make_user(Role.TRAINEE)
        case = Evaluation(trainee=trainee, **case_fields(**fields))
        case.set_personnummer(parse_personnummer(fictional_pnr(n), today=date.today()))
        case.save()
        if state == S.REGISTERED and not accepted:
            return case
        case = services.case_accept_registration(case=case, by=coordinator)
        ev = evaluator_ or evaluator
        today = date.today()
        past = state in Evaluation.PROCESS[6:]
        day = practice_day or (today - timedelta(days=1) if past else today + timedelta(days=40))
        steps = [
            (S.EVALUATOR_ASSIGNED, lambda c: _assign(c, coordinator, ev)),
            (S.EVALUATOR_ACCEPTED, lambda c: services.case_accept_assignment(case=c, by=ev.user)),
            (S.CONTACT_MADE, lambda c: services.case_mark_contact_made(case=c, by=trainee, on=today)),
            (S.PRACTICE_DAY_AGREED, lambda c: services.case_agree_practice_day(case=c, by=trainee, on=day)),
            (S.MATERIAL_SUBMITTED, lambda c: services.case_submit_material(case=c, by=trainee)),
            (S.PRACTICE_DAY_HELD, lambda c: services.case_mark_practice_day_held(case=c, by=ev.user)),
            (S.REPORT_DELIVERED, lambda c: deliver_report(c, ev.user)),
            (S.QUALITY_REVIEWED, lambda c: review_report(c, quality)),
            # The recorded review issues the certificate: a reviewed case is a certified one.
            (S.CERTIFIED, lambda c: c),
            (S.CLOSED, lambda c: close_with_survey(c, trainee)),
        ]
        for target, step in steps:
            if Evaluation.PROCESS.index(target) > Evaluation.PROCESS.index(state):
                break
            case = step(case)
        return case

    return make
