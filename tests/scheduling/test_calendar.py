"""The practice day's .ics, parsed back with icalendar: times in Europe/Stockholm, one UID for life,
SEQUENCE rising with each change, METHOD:CANCEL after withdrawal, and the download."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from evaluations import services as case_services
from evaluations.models import Evaluation
from scheduling.calendar import CANCEL, PUBLISH, REQUEST, build_ics
from scheduling.models import CalendarInvite, Programme, ProgrammeItem
from scheduling.services import practice_day as services
from scheduling.services.practice_day_tasks import practice_day_changed

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")
UTC = ZoneInfo("UTC")
OFFICE = "kansli@example.org"
SUMMER_DAY = date(2026, 6, 10)  # CEST, UTC+2
WINTER_DAY = date(2026, 12, 9)  # CET, UTC+1


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.MITTIST_OFFICE_EMAIL = OFFICE
    settings.SITE_URL = "https://mittist.example.org"
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=STHLM), tick=False):
        yield


def parse(ics: bytes) -> Calendar:
    return Calendar.from_ical(ics)


def the_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.fixture
def agreed(make_case, trainee):
    return make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=SUMMER_DAY, workplace="Vårdcentralen Kustbyn")


def test_the_file_has_the_calendar_the_time_zone_and_the_event(agreed, trainee, evaluator):
    calendar = parse(build_ics(agreed, method=REQUEST, sequence=0))
    assert calendar["VERSION"] == "2.0"
    assert "Mitt-i-ST" in str(calendar["PRODID"])
    assert calendar["METHOD"] == "REQUEST"
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Stockholm"
    event = the_event(calendar)
    assert event["UID"] == f"{agreed.pk}@mittist"
    assert event["SEQUENCE"] == 0
    assert event.decoded("dtstamp") == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert event["SUMMARY"] == f"Mitt-i-ST praktikdag – {trainee.full_name}"
    assert event["LOCATION"] == "Vårdcentralen Kustbyn, Exempelvägen 2, 123 45 Exempelstad"  # where to travel
    assert f"https://mittist.example.org/arenden/{agreed.pk}/" in event["DESCRIPTION"]
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["ORGANIZER"]) == f"mailto:{OFFICE}"
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == sorted([f"mailto:{trainee.email}", f"mailto:{evaluator.email}"])


@pytest.mark.parametrize(("day", "utc_hours"), [(SUMMER_DAY, (6, 13)), (WINTER_DAY, (7, 14))])
def test_the_day_runs_0830_to_1530_stockholm_time(make_case, day, utc_hours):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=day)
    raw = build_ics(case).decode()
    stamp = day.strftime("%Y%m%d")
    assert f"DTSTART;TZID=Europe/Stockholm:{stamp}T083000" in raw
    assert f"DTEND;TZID=Europe/Stockholm:{stamp}T153000" in raw
    event = the_event(parse(build_ics(case)))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert (start, end) == (datetime.combine(day, time(8, 30), STHLM), datetime.combine(day, time(15, 30), STHLM))
    # The offset is the one in force that day: summer time in June, not in December.
    assert (start.astimezone(UTC).hour, end.astimezone(UTC).hour) == utc_hours


def test_a_programme_sets_the_times(agreed):
    programme = Programme.objects.create(case=agreed)
    for start, end, kind in [
        (time(9, 0), time(9, 45), ProgrammeItem.Kind.INTRODUCTION),
        (time(14, 30), time(16, 15), ProgrammeItem.Kind.CLOSING_TALK),
        (time(12, 0), time(13, 0), ProgrammeItem.Kind.LUNCH),
    ]:
        ProgrammeItem.objects.create(programme=programme, start=start, end=end, kind=kind)
    event = the_event(parse(build_ics(agreed)))
    assert event.decoded("dtstart") == datetime.combine(SUMMER_DAY, time(9, 0), STHLM)
    assert event.decoded("dtend") == datetime.combine(SUMMER_DAY, time(16, 15), STHLM)


def test_an_empty_programme_keeps_the_default_times(agreed):
    Programme.objects.create(case=agreed)
    assert the_event(parse(build_ics(agreed))).decoded("dtstart").time() == time(8, 30)


def test_uid_stays_and_sequence_rises_through_moves_and_cancellation(
    make_case, trainee, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_agree_practice_day(case=case, by=trainee, on=SUMMER_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.practice_day_reschedule(case=case, by=coordinator, day=SUMMER_DAY + timedelta(days=1), reason="Krock")
    with django_capture_on_commit_callbacks(execute=True):
        services.practice_day_reschedule(case=case, by=coordinator, day=SUMMER_DAY + timedelta(days=2), reason="Sjuk")
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_withdraw(case=case, by=coordinator, reason="Slutar")

    to_trainee = [m for m in mailoutbox if trainee.email in m.to[0] and m.attachments]
    calendars = [parse(m.attachments[0][1].encode()) for m in to_trainee]
    events = [the_event(c) for c in calendars]
    assert [c["METHOD"] for c in calendars] == [REQUEST, REQUEST, REQUEST, CANCEL]
    assert {e["UID"] for e in events} == {f"{case.pk}@mittist"}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2, 3]
    assert [e.decoded("dtstart").date() for e in events] == [
        SUMMER_DAY, SUMMER_DAY + timedelta(days=1), SUMMER_DAY + timedelta(days=2), SUMMER_DAY + timedelta(days=2)
    ]
    assert [e["STATUS"] for e in events] == ["CONFIRMED", "CONFIRMED", "CONFIRMED", "CANCELLED"]
    invite = CalendarInvite.objects.get(case=case)
    assert invite.sequence == 3 and invite.cancelled_at is not None


# --- the download ----------------------------------------------------------------------------------


def ics_url(case) -> str:
    return reverse("scheduling:practice_day_ics", args=[case.pk])


def download(user, case):
    client = Client()
    client.force_login(user)
    return client.get(ics_url(case))


@pytest.mark.parametrize("who", ["trainee", "evaluator", "coordinator"])
def test_the_people_of_the_case_download_the_file(agreed, who, trainee, evaluator, coordinator):
    user = {"trainee": trainee, "evaluator": evaluator.user, "coordinator": coordinator}[who]
    response = download(user, agreed)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="praktikdag.ics"'
    calendar = parse(response.content)
    assert calendar["METHOD"] == PUBLISH
    assert the_event(calendar).decoded("dtstart") == datetime.combine(SUMMER_DAY, time(8, 30), STHLM)


def test_the_download_carries_the_invites_sequence(agreed, trainee):
    CalendarInvite.objects.update_or_create(case=agreed, defaults={"uid": f"{agreed.pk}@mittist", "sequence": 2})
    assert the_event(parse(download(trainee, agreed).content))["SEQUENCE"] == 2


def test_the_download_is_right_at_once_after_a_move_though_the_worker_has_not_run(agreed, trainee, coordinator):
    """No task runs here (no captured on-commit callbacks): the file must not wait for the worker."""
    moved = SUMMER_DAY + timedelta(days=7)
    services.practice_day_reschedule(case=agreed, by=coordinator, day=moved, reason="Krock")
    event = the_event(parse(download(trainee, agreed).content))
    assert event["SEQUENCE"] == 1
    assert event.decoded("dtstart") == datetime.combine(moved, time(8, 30), STHLM)
    services.practice_day_reschedule(case=agreed, by=coordinator, day=moved + timedelta(days=1), reason="Igen")
    assert the_event(parse(download(trainee, agreed).content))["SEQUENCE"] == 2


def test_the_sequence_is_kept_on_the_case_not_counted_from_the_audit_trail(
    agreed, trainee, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    from evaluations.models import CaseEvent

    with django_capture_on_commit_callbacks(execute=True):
        services.practice_day_reschedule(case=agreed, by=coordinator, day=SUMMER_DAY + timedelta(days=1), reason="Krock")
    assert Evaluation.objects.get(pk=agreed.pk).practice_day_sequence == 1
    # Audit rows are history, not state: losing or adding one changes nothing about the event.
    CaseEvent.objects.filter(case=agreed, action__startswith="practice_day_").delete()
    assert the_event(parse(download(trainee, agreed).content))["SEQUENCE"] == 1
    assert CalendarInvite.objects.get(case=agreed).sequence == 1


def test_after_withdrawal_the_download_is_the_cancellation(agreed, trainee, coordinator,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        practice_day_changed(str(agreed.pk))  # the first invite
        case_services.case_withdraw(case=agreed, by=coordinator, reason="Slutar")
    calendar = parse(download(trainee, agreed).content)
    assert calendar["METHOD"] == CANCEL
    assert the_event(calendar)["SEQUENCE"] == 1


def test_a_withdrawn_case_without_an_invite_downloads_as_cancelled(agreed, trainee, coordinator):
    case_services.case_withdraw(case=agreed, by=coordinator, reason="Slutar")  # no task ran
    assert parse(download(trainee, agreed).content)["METHOD"] == CANCEL
    client = Client()
    client.force_login(trainee)
    assert "Inställd praktikdag" in client.get(reverse("scheduling:practice_day", args=[agreed.pk])).content.decode()


def test_no_file_without_a_practice_day(make_case, trainee):
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    assert download(trainee, case).status_code == 404


def test_strangers_get_404_and_the_quality_group_403(make_case, agreed, other_trainee, other_evaluator, quality):
    assert download(other_trainee, agreed).status_code == 404
    assert download(other_evaluator.user, agreed).status_code == 404
    assert download(quality, agreed).status_code == 403
    reviewed = make_case(S.REPORT_DELIVERED)  # even a case the quality group may read
    assert download(quality, reviewed).status_code == 403


def test_anonymous_is_sent_to_log_in(agreed, client):
    response = client.get(ics_url(agreed))
    assert response.status_code == 302
