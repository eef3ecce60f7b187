"""The practice day as an iCalendar (.ics) event.

One event per case for its whole life: the UID never changes, SEQUENCE rises with every change
(a moved day, a cancellation), so calendar programs update or remove the event they already have.
Times are local Swedish time with a VTIMEZONE for Europe/Stockholm in the file.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from evaluations.models import Evaluation

from .models import CalendarInvite, Programme

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEFAULT_START = time(8, 30)
DEFAULT_END = time(15, 30)
PRODID = "-//Svensk förening för allmänmedicin//Mitt-i-ST//SV"
FILENAME = "praktikdag.ics"

REQUEST = "REQUEST"
PUBLISH = "PUBLISH"
CANCEL = "CANCEL"


def invite_uid(case: Evaluation) -> str:
    return f"{case.pk}@mittist"


def day_hours(case: Evaluation) -> tuple[time, time]:
    """The practice day's first start and last end: from its programme when there is one."""
    programme = Programme.objects.filter(case=case).first()
    if programme is not None:
        span = programme.items.aggregate(first=Min("start"), last=Max("end"))
        if span["first"] is not None and span["last"] is not None and span["first"] < span["last"]:
            return span["first"], span["last"]
    return DEFAULT_START, DEFAULT_END


@dataclass(frozen=True)
class EventTimes:
    start: datetime
    end: datetime


def event_times(case: Evaluation) -> EventTimes:
    start, end = day_hours(case)
    day = case.practice_day
    return EventTimes(datetime.combine(day, start, STOCKHOLM), datetime.combine(day, end, STOCKHOLM))


def _address(email: str, name: str, *, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name or email)
    if role:
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("ACCEPTED")  # both agreed the day before the invite exists
        address.params["RSVP"] = vText("FALSE")  # nobody reads replies: changes go through the case page
    return address


def build_ics(
    case: Evaluation,
    *,
    method: str = REQUEST,
    sequence: int = 0,
    language: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The .ics for the case's practice day; texts in `language` (the recipient's)."""
    if case.practice_day is None:
        raise ValueError("the case has no practice day")
    times = event_times(case)
    case_url = settings.SITE_URL + reverse("evaluations:case_detail", args=[case.pk])
    with translation.override(language or settings.LANGUAGE_CODE):
        summary = _("Mitt-i-ST praktikdag – %(name)s") % {"name": case.trainee.full_name}
        evaluator = case.evaluator.name if case.evaluator else _("ej utsedd")
        description = "\n".join(
            [
                _("Praktikdag i Mitt-i-ST för %(trainee)s med värderaren %(evaluator)s.")
                % {"trainee": case.trainee.full_name, "evaluator": evaluator},
                _("Ärendet: %(url)s") % {"url": case_url},
            ]
        )
        if method == CANCEL:
            description = _("Praktikdagen är inställd.") + "\n" + description

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", invite_uid(case))
    event.add("sequence", sequence)
    event.add("dtstamp", (stamp or timezone.now()).astimezone(ZoneInfo("UTC")))
    event.add("dtstart", times.start)
    event.add("dtend", times.end)
    event.add("summary", summary)
    event.add("location", case.practice_place)
    event.add("description", description)
    event.add("url", case_url)
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(settings.MITTIST_OFFICE_EMAIL, "Mitt-i-ST"))
    event.add("attendee", _address(case.trainee.email, case.trainee.full_name, role="REQ-PARTICIPANT"))
    if case.evaluator:
        event.add("attendee", _address(case.evaluator.email, case.evaluator.name, role="REQ-PARTICIPANT"))
    calendar.add_component(event)
    # Only the years around the day: the full 1970–2038 rule table would make the file 4 kB longer.
    day = case.practice_day
    calendar.add_missing_timezones(first_date=date(day.year - 1, 1, 1), last_date=date(day.year + 2, 1, 1))
    return calendar.to_ical()


def is_cancelled(case: Evaluation, invite: CalendarInvite | None) -> bool:
    # A withdrawn case's day is off even before (or without) the cancellation being sent.
    return case.state == Evaluation.State.WITHDRAWN or bool(invite and invite.cancelled_at)


def current_sequence(case: Evaluation, invite: CalendarInvite | None) -> int:
    """The event's SEQUENCE as the day stands now, whether or not the worker has sent it yet."""
    sequence = case.practice_day_sequence or 0
    if is_cancelled(case, invite):
        sent = invite.sequence if invite and invite.cancelled_at else 0
        return max(sent, sequence + 1)
    return max(sequence, invite.sequence if invite else 0)


def current_ics(case: Evaluation, *, language: str | None = None) -> bytes:
    """The file to download now: the event as it stands (sent or about to be), or its cancellation."""
    invite = CalendarInvite.objects.filter(case=case).first()
    sequence = current_sequence(case, invite)
    if is_cancelled(case, invite):
        return build_ics(case, method=CANCEL, sequence=sequence, language=language)
    # A file someone opens by hand is published, not a meeting request they would have to answer.
    return build_ics(case, method=PUBLISH, sequence=sequence, language=language)
