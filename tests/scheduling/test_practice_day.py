"""Agreeing the practice day: proposals, answers, confirmation, the date rules, rescheduling, and the
calendar invite's e-mails (first invite, update, cancellation), each sent once."""

from datetime import date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from evaluations import services as case_services
from evaluations.models import CaseEvent, Evaluation
from mittist.mailer import Recipient, render_message
from mittist.outbox.sending import send_due
from scheduling.models import CalendarInvite, PracticeDayProposal
from scheduling.services import practice_day as services
from scheduling.services.practice_day_tasks import practice_day_changed
from tests.test_email_templates import assert_rendered_cleanly

S = Evaluation.State
P = PracticeDayProposal.Status
STHLM = ZoneInfo("Europe/Stockholm")
OFFICE = "kansli@example.org"
# A Monday; four weeks later is Monday 30 March 2026.
TODAY = date(2026, 3, 2)
EARLIEST = date(2026, 3, 30)
TUE, WED, THU = date(2026, 4, 14), date(2026, 4, 15), date(2026, 4, 16)


@pytest.fixture(autouse=True)
def _frozen_and_office(settings):
    settings.MITTIST_OFFICE_EMAIL = OFFICE
    settings.SITE_URL = "https://mittist.example.org"
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=STHLM), tick=False):
        yield


@pytest.fixture
def case(make_case, trainee):
    return make_case(S.CONTACT_MADE, trainee=trainee)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reload(case) -> Evaluation:
    return Evaluation.objects.get(pk=case.pk)


def page_url(case) -> str:
    return reverse("scheduling:practice_day", args=[case.pk])


def to(message) -> list[str]:
    return [parseaddr(a)[1] for a in message.to]


def mails_to(mailoutbox, email):
    return [m for m in mailoutbox if email in to(m)]


def ics_of(message) -> Calendar:
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    assert attachment[2].startswith("text/calendar")
    content = attachment[1]
    return Calendar.from_ical(content.encode() if isinstance(content, str) else content)


def event_of(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def propose(client, case, *days, note="", accept=False):
    data = {f"propose-day_{n}": d.isoformat() for n, d in enumerate(days, start=1)}
    data["propose-note"] = note
    if accept:
        data["propose-accept_warnings"] = "1"
    return client.post(reverse("scheduling:practice_day_propose", args=[case.pk]), data)


def confirm(client, case, proposal):
    return client.post(reverse("scheduling:practice_day_confirm", args=[case.pk, proposal.pk]))


def reschedule(client, case, day, reason, accept=False):
    data = {"reschedule-day": day.isoformat(), "reschedule-reason": reason}
    if accept:
        data["reschedule-accept_warnings"] = "1"
    return client.post(reverse("scheduling:practice_day_reschedule", args=[case.pk]), data)


# --- proposals and confirmation --------------------------------------------------------------------


def test_trainee_proposes_two_days_and_the_evaluator_is_mailed(
    case, trainee, evaluator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = propose(login(trainee), case, TUE, WED, note="Förmiddagar passar bäst")
    assert response.status_code == 302
    proposals = list(case.practice_day_proposals.all())
    assert [(p.day, p.status, p.proposed_by, p.note) for p in proposals] == [
        (TUE, P.OPEN, trainee, "Förmiddagar passar bäst"),
        (WED, P.OPEN, trainee, "Förmiddagar passar bäst"),
    ]
    assert reload(case).state == S.CONTACT_MADE
    event = CaseEvent.objects.get(case=case, action="practice_day_proposed")
    assert event.actor == trainee
    assert event.note == "2026-04-14, 2026-04-15 — Förmiddagar passar bäst"
    (mail,) = mailoutbox
    assert to(mail) == [evaluator.email]
    assert trainee.full_name in mail.subject
    assert "tisdag 14 april 2026" in mail.body and "onsdag 15 april 2026" in mail.body
    assert "Förmiddagar passar bäst" in mail.body
    assert page_url(case) in mail.body


def test_evaluator_sees_the_proposals_and_confirms_one(
    case, trainee, evaluator, mailoutbox, django_capture_on_commit_callbacks
):
    first, second = services.practice_day_propose(case=case, by=trainee, days=[TUE, WED])
    evaluator_client = login(evaluator.user)
    page = evaluator_client.get(page_url(case)).content.decode()
    assert "tisdag 14 april 2026" in page and "onsdag 15 april 2026" in page
    assert reverse("scheduling:practice_day_confirm", args=[case.pk, second.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(evaluator_client, case, second)
    assert response.status_code == 302
    case = reload(case)
    assert case.state == S.PRACTICE_DAY_AGREED
    assert case.practice_day == WED
    assert case.next_due_on == WED - timedelta(days=28)
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.status, second.responded_by) == (P.ACCEPTED, evaluator.user)
    assert first.status == P.WITHDRAWN  # closed: another day was chosen
    agreed = CaseEvent.objects.get(case=case, action="practice_day_agreed")
    assert (agreed.actor, agreed.from_state, agreed.to_state, agreed.note) == (
        evaluator.user, S.CONTACT_MADE, S.PRACTICE_DAY_AGREED, "2026-04-15"
    )
    # The office is told (the trainee no longer has to report the day), and both get a calendar invite.
    office = mails_to(mailoutbox, OFFICE)
    assert len(office) == 1 and "15 april 2026" in office[0].body and not office[0].attachments
    for person in (trainee.email, evaluator.email):
        kinds = sorted(bool(m.attachments) for m in mails_to(mailoutbox, person))
        assert kinds == [True], person  # one event, one e-mail: the news with the invitation attached
    invitation = [m for m in mails_to(mailoutbox, trainee.email) if m.attachments][0]
    assert "Kalenderinbjudan" in invitation.subject
    assert "08:30–15:30" in invitation.body
    calendar = ics_of(invitation)
    assert calendar["METHOD"] == "REQUEST"
    assert event_of(calendar).decoded("dtstart") == datetime(2026, 4, 15, 8, 30, tzinfo=STHLM)
    # The page shows the agreed day and the download link to both.
    for user in (trainee, evaluator.user):
        page = login(user).get(page_url(case)).content.decode()
        assert "onsdag 15 april 2026" in page
        assert reverse("scheduling:practice_day_ics", args=[case.pk]) in page


def test_nobody_confirms_their_own_proposal(case, trainee):
    (proposal,) = services.practice_day_propose(case=case, by=trainee, days=[TUE])
    response = confirm(login(trainee), case, proposal)
    assert response.status_code == 403
    assert reload(case).state == S.CONTACT_MADE
    proposal.refresh_from_db()
    assert proposal.status == P.OPEN


def test_evaluator_declines_all_days_and_the_trainee_is_asked_for_new_ones(
    case, trainee, evaluator, mailoutbox, django_capture_on_commit_callbacks
):
    services.practice_day_propose(case=case, by=trainee, days=[TUE, WED])
    with django_capture_on_commit_callbacks(execute=True):
        response = login(evaluator.user).post(
            reverse("scheduling:practice_day_decline", args=[case.pk]), {"decline-note": "Jag är bortrest i april"}
        )
    assert response.status_code == 302
    assert set(case.practice_day_proposals.values_list("status", flat=True)) == {P.DECLINED}
    event = CaseEvent.objects.get(case=case, action="practice_day_declined")
    assert (event.actor, event.note) == (evaluator.user, "2026-04-14, 2026-04-15 — Jag är bortrest i april")
    (mail,) = mailoutbox
    assert to(mail) == [trainee.email]
    assert "Vera Värderare" in mail.subject
    assert "tisdag 14 april 2026" in mail.body and "Jag är bortrest i april" in mail.body
    assert reload(case).state == S.CONTACT_MADE


def test_declining_with_nothing_open_is_refused(case, evaluator):
    with pytest.raises(case_services.CaseStateError):
        services.practice_day_decline(case=case, by=evaluator.user)


def test_evaluator_proposes_other_days_and_the_trainee_confirms_one(
    case, trainee, evaluator, mailoutbox, django_capture_on_commit_callbacks
):
    services.practice_day_propose(case=case, by=trainee, days=[TUE])
    with django_capture_on_commit_callbacks(execute=True):
        response = propose(login(evaluator.user), case, WED, THU)
    assert response.status_code == 302
    by_day = {p.day: p for p in case.practice_day_proposals.all()}
    assert by_day[TUE].status == P.DECLINED and by_day[TUE].responded_by == evaluator.user
    assert by_day[WED].status == by_day[THU].status == P.OPEN
    (mail,) = mailoutbox
    assert to(mail) == [trainee.email]
    assert "tisdag 14 april 2026" in mail.body  # the declined one
    assert "onsdag 15 april 2026" in mail.body and "torsdag 16 april 2026" in mail.body

    trainee_client = login(trainee)
    page = trainee_client.get(page_url(case)).content.decode()
    assert reverse("scheduling:practice_day_confirm", args=[case.pk, by_day[THU].pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        confirm(trainee_client, case, by_day[THU])
    case = reload(case)
    assert (case.state, case.practice_day) == (S.PRACTICE_DAY_AGREED, THU)
    assert CaseEvent.objects.get(case=case, action="practice_day_agreed").actor == trainee
    by_day[WED].refresh_from_db()
    assert by_day[WED].status == P.WITHDRAWN


def test_trainee_takes_back_an_unanswered_proposal(case, trainee, evaluator):
    (proposal,) = services.practice_day_propose(case=case, by=trainee, days=[TUE])
    response = login(evaluator.user).post(
        reverse("scheduling:practice_day_withdraw", args=[case.pk, proposal.pk])
    )
    assert response.status_code == 403  # only whoever proposed it
    response = login(trainee).post(reverse("scheduling:practice_day_withdraw", args=[case.pk, proposal.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == P.WITHDRAWN
    assert CaseEvent.objects.filter(case=case, action="practice_day_proposal_withdrawn").count() == 1


def test_proposing_the_same_open_day_twice_is_refused(case, trainee):
    services.practice_day_propose(case=case, by=trainee, days=[TUE])
    response = propose(login(trainee), case, TUE)
    assert response.status_code == 400
    assert "14 april 2026 är redan föreslaget." in response.content.decode()
    assert case.practice_day_proposals.count() == 1


def test_nothing_can_be_proposed_before_contact_or_after_the_day_is_held(make_case, trainee):
    # Between agreement and the day, proposals move the agreed day (see test_neither_side_moves_the_day_alone).
    for state in (S.EVALUATOR_ACCEPTED, S.PRACTICE_DAY_HELD):
        case = make_case(state, trainee=trainee)
        with pytest.raises(case_services.CaseStateError):
            services.practice_day_propose(case=case, by=trainee, days=[TUE], note="Krock")
        page = login(trainee).get(page_url(case)).content.decode()
        assert "propose-day_1" not in page


# --- the date rules ----------------------------------------------------------------------------------


def test_a_day_less_than_four_weeks_ahead_is_refused_with_the_earliest_possible_day(case, trainee):
    response = propose(login(trainee), case, EARLIEST - timedelta(days=1))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Praktikdagen kan tidigast vara 30 mars 2026." in page
    assert 'id="id_propose-day_1_error"' in page  # at the field
    assert not case.practice_day_proposals.exists()
    # The earliest day itself is fine, and the form says which day it is before anyone tries.
    assert "Tidigast 30 mars 2026" in login(trainee).get(page_url(case)).content.decode()
    assert propose(login(trainee), case, EARLIEST).status_code == 302


def test_the_earliest_day_follows_the_clock(case, trainee):
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=STHLM), tick=False):
        with pytest.raises(ValidationError) as refused:
            services.practice_day_propose(case=case, by=trainee, days=[date(2026, 5, 29)])
        assert "tidigast vara 1 juni 2026" in refused.value.messages[0]


def test_a_day_in_the_past_is_refused(case, trainee):
    response = propose(login(trainee), case, TODAY - timedelta(days=1))
    assert response.status_code == 400
    assert "1 mars 2026 har redan varit." in response.content.decode()
    assert not case.practice_day_proposals.exists()


def test_a_proposal_that_has_come_too_close_cannot_be_confirmed(case, trainee, evaluator):
    (proposal,) = services.practice_day_propose(case=case, by=trainee, days=[EARLIEST + timedelta(days=1)])
    with time_machine.travel(datetime(2026, 3, 9, 10, 0, tzinfo=STHLM), tick=False):
        response = login(evaluator.user).post(
            reverse("scheduling:practice_day_confirm", args=[case.pk, proposal.pk]), follow=True
        )
    assert response.status_code == 200
    assert "Praktikdagen kan tidigast vara 6 april 2026." in response.content.decode()
    assert reload(case).state == S.CONTACT_MADE
    proposal.refresh_from_db()
    assert proposal.status == P.OPEN


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 18), "Observera: 18 april 2026 är en lördag."),
        (date(2026, 4, 19), "Observera: 19 april 2026 är en söndag."),
        (date(2026, 6, 19), "Observera: 19 juni 2026 (fredag) är en helgdag: Midsommarafton."),
        (date(2028, 6, 6), "Observera: 6 juni 2028 (tisdag) är en helgdag: Nationaldagen."),
        (date(2026, 5, 14), "Observera: 14 maj 2026 (torsdag) är en helgdag: Kristi himmelsfärdsdag."),
        (date(2026, 12, 24), "Observera: 24 december 2026 (torsdag) är en helgdag: Julafton."),
    ],
)
def test_weekends_and_public_holidays_warn(day, expected):
    assert services.warnings_for(day) == [expected]


def test_an_ordinary_weekday_gives_no_warning():
    assert [services.warnings_for(d) for d in (TUE, WED, THU, date(2026, 6, 18))] == [[], [], [], []]


def test_a_warning_is_shown_at_the_field_and_the_day_is_proposed_only_when_confirmed(
    case, trainee, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(trainee)
    midsummer_eve = date(2026, 6, 19)
    response = propose(client, case, TUE, midsummer_eve)
    assert response.status_code == 200  # not refused: asked again
    page = response.content.decode()
    assert 'id="id_propose-day_2_warning"' in page
    assert "Midsommarafton" in page
    assert "Föreslå ändå" in page
    assert not case.practice_day_proposals.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = propose(client, case, TUE, midsummer_eve, accept=True)
    assert response.status_code == 302
    assert sorted(case.practice_day_proposals.values_list("day", flat=True)) == [TUE, midsummer_eve]
    # The evaluator sees the warning beside the day too.
    assert len(mailoutbox) == 1


# --- who may do what ---------------------------------------------------------------------------------


def test_other_trainee_gets_404(case, other_trainee):
    client = login(other_trainee)
    assert client.get(page_url(case)).status_code == 404
    assert client.get(reverse("scheduling:practice_day_ics", args=[case.pk])).status_code == 404
    assert propose(client, case, TUE).status_code == 404
    assert not case.practice_day_proposals.exists()


def test_evaluator_of_another_case_gets_404(case, trainee, other_evaluator):
    (proposal,) = services.practice_day_propose(case=case, by=trainee, days=[TUE])
    client = login(other_evaluator.user)
    assert client.get(page_url(case)).status_code == 404
    assert confirm(client, case, proposal).status_code == 404
    assert reload(case).state == S.CONTACT_MADE


def test_quality_group_gets_403(make_case, quality):
    case = make_case(S.REPORT_DELIVERED)  # a case the quality group can otherwise read
    client = login(quality)
    assert client.get(page_url(case)).status_code == 403
    assert client.get(reverse("scheduling:practice_day_ics", args=[case.pk])).status_code == 403


def test_coordinator_reads_the_proposals_but_cannot_propose_or_confirm(case, trainee, coordinator):
    (proposal,) = services.practice_day_propose(case=case, by=trainee, days=[TUE])
    client = login(coordinator)
    page = client.get(page_url(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert "tisdag 14 april 2026" in html
    assert "propose-day_1" not in html and "bekrafta" not in html
    assert propose(client, case, WED).status_code == 403
    assert confirm(client, case, proposal).status_code == 403
    with pytest.raises(PermissionDenied):
        services.practice_day_confirm(proposal=proposal, by=coordinator)


def test_anonymous_is_sent_to_log_in(case, client):
    response = client.get(page_url(case))
    assert response.status_code == 302 and "/konto/logga-in/" in response.url


def test_the_case_page_and_trainee_home_link_to_the_practice_day_page(case, trainee, evaluator, coordinator):
    link = page_url(case)
    assert link in login(trainee).get(reverse("evaluations:trainee_home")).content.decode()
    assert link in login(evaluator.user).get(case.get_absolute_url()).content.decode()
    assert link not in login(coordinator).get(case.get_absolute_url()).content.decode()  # nothing to do yet


def test_the_generic_step_no_longer_registers_a_day(case, trainee):
    response = login(trainee).post(
        reverse("evaluations:case_action", args=[case.pk, "agree_practice_day"]),
        {"agree_practice_day-on": (TODAY + timedelta(days=45)).isoformat()},
    )
    assert response.status_code == 403
    assert reload(case).state == S.CONTACT_MADE


# --- rescheduling -------------------------------------------------------------------------------------


@pytest.fixture
def agreed(case, trainee, evaluator, django_capture_on_commit_callbacks, mailoutbox):
    """Agreed through the proposals, the first invite sent; the outbox emptied."""
    (proposal,) = services.practice_day_propose(case=case, by=trainee, days=[TUE])
    with django_capture_on_commit_callbacks(execute=True):
        services.practice_day_confirm(proposal=proposal, by=evaluator.user)
    assert CalendarInvite.objects.get(case=case).sequence == 0
    mailoutbox.clear()
    return reload(case)


def propose_move(case, proposer, day, reason) -> PracticeDayProposal:
    """One side proposes the new day with the reason (agreed days move by proposal and confirmation)."""
    response = login(proposer).post(
        reverse("scheduling:practice_day_propose", args=[case.pk]),
        {"propose-day_1": day.isoformat(), "propose-note": reason},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return PracticeDayProposal.objects.get(case=case, day=day, status=P.OPEN)


def confirm_move(case, confirmer, proposal):
    """The other side confirms the proposed day: the one who moves it."""
    return login(confirmer).post(reverse("scheduling:practice_day_confirm", args=[case.pk, proposal.pk]))


@pytest.mark.parametrize("who", ["trainee", "evaluator", "coordinator"])
def test_reschedule_moves_the_day_and_tells_everyone_the_reason(
    agreed, who, trainee, evaluator, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    user = {"trainee": evaluator.user, "evaluator": trainee, "coordinator": coordinator}[who]
    if who == "coordinator":
        with django_capture_on_commit_callbacks(execute=True):
            response = reschedule(login(coordinator), agreed, THU, "Värderaren är sjuk")
    else:
        # Proposed by one side, confirmed by the other: the confirmer is the one who moves it.
        proposer = trainee if who == "trainee" else evaluator.user
        with django_capture_on_commit_callbacks(execute=True):
            proposal = propose_move(agreed, proposer, THU, "Värderaren är sjuk")
        # The proposal is its own hand-off: the other side hears of it (with the reason) once it is made.
        assert [to(m) for m in mailoutbox] == [[user.email]]
        assert "Värderaren är sjuk" in mailoutbox[0].body and not mailoutbox[0].attachments
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = confirm_move(agreed, user, proposal)
    assert response.status_code == 302
    case = reload(agreed)
    assert (case.state, case.practice_day) == (S.PRACTICE_DAY_AGREED, THU)
    assert case.next_due_on == THU - timedelta(days=28)
    event = CaseEvent.objects.get(case=case, action="practice_day_rescheduled")
    assert event.actor == user
    assert event.note == "Från 2026-04-14 till 2026-04-16. Värderaren är sjuk"
    assert sorted(address for m in mailoutbox for address in to(m)) == sorted([trainee.email, evaluator.email, OFFICE])
    for message in mailoutbox:
        assert "Värderaren är sjuk" in message.body
        assert "torsdag 16 april 2026" in message.body
        assert "16 april 2026" in message.subject
    assert not mails_to(mailoutbox, OFFICE)[0].attachments  # the office gets no calendar request
    update = ics_of(mails_to(mailoutbox, trainee.email)[0])
    assert event_of(update)["SEQUENCE"] == 1
    assert event_of(update)["UID"] == f"{case.pk}@mittist"
    assert event_of(update).decoded("dtstart") == datetime(2026, 4, 16, 8, 30, tzinfo=STHLM)


def test_reschedule_needs_a_reason(agreed, trainee, coordinator, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = reschedule(login(coordinator), agreed, THU, "   ")
    assert response.status_code == 400
    assert "Ange varför praktikdagen flyttas." in response.content.decode()
    assert reload(agreed).practice_day == TUE
    assert mailoutbox == []
    with pytest.raises(ValidationError):
        services.practice_day_reschedule(case=agreed, by=coordinator, day=THU, reason="")
    with pytest.raises(ValidationError):
        services.practice_day_propose(case=agreed, by=trainee, days=[THU], note="")
    assert not CaseEvent.objects.filter(case=agreed, action="practice_day_rescheduled").exists()


def test_reschedule_follows_the_date_rules(agreed, coordinator):
    client = login(coordinator)
    response = reschedule(client, agreed, EARLIEST - timedelta(days=1), "Krockar")
    assert response.status_code == 400
    assert "Praktikdagen kan tidigast vara 30 mars 2026." in response.content.decode()
    response = reschedule(client, agreed, TUE, "Samma dag")
    assert "Välj ett annat datum än det nuvarande." in response.content.decode()
    saturday = date(2026, 4, 18)
    response = reschedule(client, agreed, saturday, "Lördag går bra för oss")
    assert response.status_code == 200 and "är en lördag" in response.content.decode()
    assert reload(agreed).practice_day == TUE
    reschedule(client, agreed, saturday, "Lördag går bra för oss", accept=True)
    assert reload(agreed).practice_day == saturday


def test_after_submission_the_day_may_move_closer_than_four_weeks(make_case, trainee, coordinator):
    case = make_case(S.MATERIAL_SUBMITTED, trainee=trainee, practice_day=TODAY + timedelta(days=40))
    soon = TODAY + timedelta(days=9)  # Wednesday 11 March
    case = services.practice_day_reschedule(case=case, by=coordinator, day=soon, reason="Tidigare passar alla")
    assert (case.state, case.practice_day) == (S.MATERIAL_SUBMITTED, soon)


def test_other_people_cannot_reschedule(agreed, other_trainee, other_evaluator, quality):
    assert reschedule(login(other_trainee), agreed, THU, "x").status_code == 403
    assert reschedule(login(other_evaluator.user), agreed, THU, "x").status_code == 403
    assert reschedule(login(quality), agreed, THU, "x").status_code == 403
    assert reload(agreed).practice_day == TUE


def test_neither_side_moves_the_day_alone(agreed, trainee, evaluator, mailoutbox, django_capture_on_commit_callbacks):
    # Setting a day directly is the office's; the trainee and the evaluator propose and the other confirms.
    assert reschedule(login(trainee), agreed, THU, "Krock").status_code == 403
    assert reschedule(login(evaluator.user), agreed, THU, "Krock").status_code == 403
    with pytest.raises(PermissionDenied):
        services.practice_day_reschedule(case=agreed, by=trainee, day=THU, reason="Krock")
    with django_capture_on_commit_callbacks(execute=True):
        (proposal,) = services.practice_day_propose(case=agreed, by=trainee, days=[THU], note="Krock med kurs")
    assert reload(agreed).practice_day == TUE  # nothing moves until the other side confirms
    (asked,) = mailoutbox
    assert evaluator.email in asked.to[0]
    assert "flyttas" in asked.subject and "Krock med kurs" in asked.body
    with pytest.raises(PermissionDenied):
        services.practice_day_confirm(proposal=proposal, by=trainee)  # not one's own proposal
    page = login(trainee).get(page_url(agreed)).content.decode()
    assert "reschedule-day" not in page and "propose-day_1" in page


def test_a_held_practice_day_cannot_be_moved(make_case, trainee, coordinator):
    case = make_case(S.PRACTICE_DAY_HELD, trainee=trainee)
    with pytest.raises(case_services.CaseStateError):
        services.practice_day_reschedule(case=case, by=coordinator, day=THU, reason="För sent")
    with pytest.raises(case_services.CaseStateError):
        services.practice_day_propose(case=case, by=trainee, days=[THU], note="För sent")
    assert "reschedule-day" not in login(trainee).get(page_url(case)).content.decode()


# --- the invite's e-mails, each sent once -------------------------------------------------------------


def test_the_first_invite_goes_once_to_trainee_and_evaluator(
    case, trainee, evaluator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_agree_practice_day(case=case, by=trainee, on=WED)
    invitations = [m for m in mailoutbox if m.attachments]
    assert sorted(address for m in invitations for address in to(m)) == sorted([trainee.email, evaluator.email])
    for message in invitations:
        name, content, mimetype = message.attachments[0]
        assert name == "praktikdag.ics"
        assert mimetype == "text/calendar; method=REQUEST"
        assert ics_of(message)["METHOD"] == "REQUEST"
    invite = CalendarInvite.objects.get(case=case)
    assert (invite.uid, invite.sequence, invite.cancelled_at) == (f"{case.pk}@mittist", 0, None)

    sent = len(mailoutbox)
    practice_day_changed(str(case.pk))
    practice_day_changed(str(case.pk))
    assert len(mailoutbox) == sent
    assert CalendarInvite.objects.get(case=case).sequence == 0


def test_an_update_is_sent_once_even_if_the_task_runs_again(agreed, coordinator, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.practice_day_reschedule(case=agreed, by=coordinator, day=THU, reason="Krock")
    assert len(mailoutbox) == 3
    practice_day_changed(str(agreed.pk), "Krock")
    assert len(mailoutbox) == 3
    assert CalendarInvite.objects.get(case=agreed).sequence == 1


def test_two_moves_before_the_worker_runs_give_one_update_with_the_latest_day(agreed, trainee, coordinator,
                                                                             mailoutbox):
    # Outside captured callbacks nothing is sent: as if the worker were down for both moves. The second
    # update replaces the first while it waits in the outbox.
    services.practice_day_reschedule(case=agreed, by=coordinator, day=WED, reason="Först")
    services.practice_day_reschedule(case=agreed, by=coordinator, day=THU, reason="Sedan")
    practice_day_changed(str(agreed.pk), "Sedan")  # a repeated task changes nothing: this version is out
    send_due()
    updates = [m for m in mails_to(mailoutbox, trainee.email) if m.attachments]
    assert len(updates) == 1
    event = event_of(ics_of(updates[0]))
    assert event["SEQUENCE"] == 2
    assert event.decoded("dtstart").date() == THU


def test_withdrawal_cancels_the_invite_once(agreed, trainee, evaluator, coordinator, mailoutbox,
                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_withdraw(case=agreed, by=coordinator, reason="Byter specialitet")
    cancellations = [m for m in mailoutbox if m.attachments]
    assert sorted(address for m in cancellations for address in to(m)) == sorted([trainee.email, evaluator.email])
    calendar = ics_of(cancellations[0])
    assert calendar["METHOD"] == "CANCEL"
    assert event_of(calendar)["STATUS"] == "CANCELLED"
    assert event_of(calendar)["SEQUENCE"] == 1
    assert event_of(calendar)["UID"] == f"{agreed.pk}@mittist"
    assert "Inställd" in cancellations[0].subject
    invite = CalendarInvite.objects.get(case=agreed)
    assert invite.cancelled_at is not None and invite.sequence == 1

    sent = len(mailoutbox)
    practice_day_changed(str(agreed.pk))
    assert len(mailoutbox) == sent


def test_withdrawal_before_any_invite_sends_no_cancellation(case, coordinator, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_withdraw(case=case, by=coordinator, reason="Slutar")
    assert not any(m.attachments for m in mailoutbox)
    assert not CalendarInvite.objects.filter(case=case).exists()


def test_an_invite_sent_late_carries_the_moves_made_before_it(make_case, trainee, coordinator, mailoutbox):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=TUE)  # nothing sent yet
    services.practice_day_reschedule(case=case, by=coordinator, day=WED, reason="Krock")
    send_due()
    # The first invite (Tuesday) was still waiting: the moved one replaced it, so one invite, the right day.
    (first,) = [m for m in mails_to(mailoutbox, trainee.email) if m.attachments]
    assert event_of(ics_of(first))["SEQUENCE"] == 1
    assert event_of(ics_of(first)).decoded("dtstart").date() == WED


# --- the e-mails render in both languages ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["practice_day_confirmed", "practice_day_rescheduled", "practice_day_cancelled",
                                  "practice_day_proposed"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_practice_day_mails_render_cleanly(kind, language, agreed, trainee, evaluator):
    from datetime import time

    recipients = [Recipient.of(trainee), Recipient.of(evaluator.user), Recipient(email=OFFICE, name="Mitt-i-ST")]
    proposal = PracticeDayProposal(case=agreed, day=WED, proposed_by=trainee)
    for recipient in recipients:
        context = {
            "recipient": recipient, "case": agreed, "case_url": "https://mittist.example.org/arenden/x/",
            "page_url": "https://mittist.example.org/arenden/x/praktikdag/", "reason": "Sjuk & borta",
            "start": time(8, 30), "end": time(15, 30), "proposals": [proposal], "declined": [proposal],
            "note": "Gärna & tidigt", "sender_name": trainee.full_name, "from_trainee": True,
        }
        subject, text, html = render_message(kind, context, language)
        assert_rendered_cleanly(subject, text, html, language)
        assert "https://mittist.example.org/arenden/x/" in text
        assert 'href="https://mittist.example.org/arenden/x/' in html
        assert trainee.full_name in text
        if kind == "practice_day_rescheduled":
            assert "Sjuk & borta" in text and "Sjuk &amp; borta" in html
