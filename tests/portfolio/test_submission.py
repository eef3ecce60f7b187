"""Submitting the material: the check lists exactly what is missing, a complete package goes to the
evaluator (on time or late, never refused), the trainee's texts lock, and the office can reopen them."""

import re
import uuid
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations import services as case_services
from evaluations.models import CaseEvent, Evaluation
from mittist.accounts.models import Role
from portfolio.models import Document, Recording, SelfEvaluation, SelfEvaluationTemplate
from portfolio.sections import TRAINEE_SECTIONS
from portfolio.services.common import ensure_sections
from portfolio.services.submission import MaterialIncomplete, material_submit

S = Evaluation.State
CONFIRM = "Skicka materialet till värderaren? Texterna låses när de är inskickade."

# --- building a portfolio directly with the models ----------------------------------------------

SCALE = [{"value": n, "label": f"{n} – nivå {n}"} for n in range(1, 6)]
TEMPLATE_QUESTIONS = [
    {"key": "reason", "label": "Kontaktorsak enligt v900", "kind": "text", "help": "", "required": True},
    {"key": "went_well", "label": "Vad gick bra enligt v900?", "kind": "text", "help": "", "required": True},
    {"key": "phase_opening", "label": "Inledningen enligt v900", "kind": "rating", "help": "", "required": True,
     "scale": SCALE},
]


@pytest.fixture
def template(db):
    return SelfEvaluationTemplate.objects.create(version=900, title="Testformulär", questions=TEMPLATE_QUESTIONS)


def answer_for(prompt) -> str:
    return {"date": "2016-06-01", "year": "2016", "choice": "2021"}.get(prompt.kind, f"Svar på {prompt.key}.")


def fill_sections(case, *, leave_blank=(), overrides=None):
    """Every prompt of A–E answered, except the (code, key) pairs in leave_blank."""
    overrides = overrides or {}
    sections = ensure_sections(case)
    for definition in TRAINEE_SECTIONS:
        section = sections[definition.code]
        section.data = {
            p.key: "" if (definition.code, p.key) in leave_blank else overrides.get((definition.code, p.key), answer_for(p))
            for p in definition.prompts
        }
        section.save()
    return sections


def add_document(case, kind=Document.Kind.EDUCATION_PLAN, name="utbildningsplan.pdf"):
    content = ContentFile(b"%PDF-1.4\n% test\n", name="ignored.pdf")
    document = Document(case=case, kind=kind, original_name=name, content_type="application/pdf", size=content.size)
    document.file.save(f"portfolio/{case.pk}/{kind}.pdf", content, save=False)
    document.save()
    return document


def add_recording(case, template, *, consent_before=True, consent_after=True, evaluated=True, days_ago=10,
                  answers=None, journal_note_shared=True, **fields):
    recording = Recording.objects.create(
        case=case, recorded_on=timezone.localdate() - timedelta(days=days_ago), age_band=Recording.AgeBand.OLDER,
        visit_type=Recording.VisitType.RETURN, consent_before=consent_before, consent_after=consent_after,
        journal_note_shared=journal_note_shared, share_safe_reference=fields.pop("share_safe_reference", "SS-1234"),
        **fields,
    )
    if evaluated:
        SelfEvaluation.objects.create(
            recording=recording, template=template, version=1, completed_at=timezone.now(),
            answers=answers or {"reason": "Hosta sedan tre veckor.", "went_well": "Jag lyssnade.", "phase_opening": 4},
        )
    return recording


def complete_portfolio(case, template, *, recordings=2, overrides=None):
    fill_sections(case, overrides=overrides)
    add_document(case)
    return [add_recording(case, template, days_ago=10 + n) for n in range(recordings)]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit_url(case):
    return reverse("portfolio:submit", args=[case.pk])


def refreshed(case):
    return Evaluation.objects.get(pk=case.pk)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def missing_links(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<ul class="errorlist" id="missing-list">(.*?)</ul>', html, re.S)
    assert block, "no list of what is missing on the page"
    return [(text, href.replace("&amp;", "&")) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block.group(1))]


@pytest.fixture
def agreed_case(make_case, trainee):
    return make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)


# --- the check ---------------------------------------------------------------------------------


def test_submission_is_refused_with_exactly_what_is_missing(agreed_case, trainee, template, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    case = agreed_case
    fill_sections(case, leave_blank={("D", "uncertainty"), ("D", "influence")})
    add_recording(case, template, consent_after=False, evaluated=False)
    events_before = CaseEvent.objects.filter(case=case).count()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(MaterialIncomplete) as refused:
        material_submit(case=case, by=trainee)

    recording = Recording.objects.get(case=case)
    assert [(m.text, m.url) for m in refused.value.missing] == [
        ("D Självvärdering: 2 frågor obesvarade", reverse("portfolio:section", args=[case.pk, "D"])),
        ("C: utbildningsplanen är inte uppladdad", reverse("portfolio:section", args=[case.pk, "C"])),
        ("Inspelningar: 1 registrerad, 2–4 behövs", reverse("portfolio:recordings", args=[case.pk])),
        ("Inspelning 1: samtycke efter besöket (och till delning med värderaren) saknas, "
         "video-egenvärderingen är inte klar", reverse("portfolio:recording_edit", args=[case.pk, recording.pk])),
    ]
    case = refreshed(case)
    assert case.state == S.PRACTICE_DAY_AGREED
    assert case.material_submitted_at is None
    assert CaseEvent.objects.filter(case=case).count() == events_before
    assert mailoutbox == []


def test_the_journal_note_is_part_of_the_submission_check(agreed_case, trainee, template):
    case = agreed_case
    fill_sections(case)
    add_document(case)
    add_recording(case, template, days_ago=10)
    unshared = add_recording(case, template, days_ago=9, journal_note_shared=False)
    with pytest.raises(MaterialIncomplete) as refused:
        material_submit(case=case, by=trainee)
    assert [(m.text, m.url) for m in refused.value.missing] == [
        ("Inspelning 2: journalanteckningen är inte filmad och delad via Share Safe",
         reverse("portfolio:recording_edit", args=[case.pk, unshared.pk])),
    ]
    Recording.objects.filter(pk=unshared.pk).update(journal_note_shared=True)
    assert material_submit(case=case, by=trainee).state == S.MATERIAL_SUBMITTED


def test_submit_page_lists_what_is_missing_as_links_and_offers_no_button(agreed_case, trainee, template):
    fill_sections(agreed_case, leave_blank={("B", "question_2")})
    complete_recordings = [add_recording(agreed_case, template, days_ago=12 + n) for n in range(2)]
    assert complete_recordings

    response = login(trainee).get(submit_url(agreed_case))

    assert response.status_code == 200
    html = response.content.decode()
    assert missing_links(html) == [
        ("B Bakgrund: 1 fråga obesvarad", reverse("portfolio:section", args=[agreed_case.pk, "B"])),
        ("C: utbildningsplanen är inte uppladdad", reverse("portfolio:section", args=[agreed_case.pk, "C"])),
    ]
    assert "data-confirm" not in html
    assert 'method="post"' not in html.split('id="main"')[1]


def test_refused_post_answers_400_with_the_list_and_changes_nothing(agreed_case, trainee, template):
    fill_sections(agreed_case)
    add_document(agreed_case)

    response = login(trainee).post(submit_url(agreed_case))

    assert response.status_code == 400
    assert missing_links(response.content.decode()) == [
        ("Inspelningar: 0 registrerade, 2–4 behövs", reverse("portfolio:recordings", args=[agreed_case.pk])),
    ]
    assert any("något saknas" in m for m in messages_of(response))
    assert refreshed(agreed_case).state == S.PRACTICE_DAY_AGREED


def test_five_recordings_are_too_many(agreed_case, trainee, template):
    complete_portfolio(agreed_case, template, recordings=5)

    with pytest.raises(MaterialIncomplete) as refused:
        material_submit(case=agreed_case, by=trainee)

    assert [m.text for m in refused.value.missing] == ["Inspelningar: 5 registrerade, 2–4 behövs"]


def test_ready_page_shows_the_button_with_its_confirmation_and_that_f_may_follow(agreed_case, trainee, template):
    complete_portfolio(agreed_case, template)

    response = login(trainee).get(submit_url(agreed_case))

    html = response.content.decode()
    assert 'id="ready"' in html
    assert 'id="missing-list"' not in html
    assert f'data-confirm="{CONFIRM}"' in html
    assert "när handledaren skickar in sitt utlåtande går det direkt till värderaren." in html
    assert reverse("portfolio:supervisor", args=[agreed_case.pk]) in html  # no link issued yet
    assert "Skickar du in nu är materialet i tid (12 dagar kvar)." in html


# --- submitting --------------------------------------------------------------------------------


def test_complete_material_is_submitted_texts_lock_and_the_evaluator_is_emailed(
    agreed_case, trainee, evaluator, template, mailoutbox, django_capture_on_commit_callbacks
):
    complete_portfolio(agreed_case, template)
    assert trainee.has_perm("portfolio.edit", refreshed(agreed_case))
    events_before = CaseEvent.objects.filter(case=agreed_case).count()

    with django_capture_on_commit_callbacks(execute=True):
        response = login(trainee).post(submit_url(agreed_case))

    assert response.status_code == 302
    assert response.url == submit_url(agreed_case)
    case = refreshed(agreed_case)
    assert case.state == S.MATERIAL_SUBMITTED
    assert case.material_submitted_at is not None
    assert case.material_submitted_late is False
    new_events = CaseEvent.objects.filter(case=case).order_by("at", "id")[events_before:]
    assert [(e.action, e.actor_id, e.from_state, e.to_state, e.note) for e in new_events] == [
        ("material_submitted", trainee.pk, S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED, "")
    ]
    # The evaluator is told; the trainee gets a receipt.
    assert sorted(m.to[0].rsplit("<", 1)[-1].rstrip(">") for m in mailoutbox) == sorted([evaluator.email, trainee.email])
    receipt = next(m for m in mailoutbox if trainee.email in m.to[0])
    assert "Kvitto" in receipt.subject
    assert not case.trainee_texts_open
    assert not trainee.has_perm("portfolio.edit", case)

    page = login(trainee).get(submit_url(case)).content.decode()
    assert "Materialet är inskickat" in page
    assert "data-confirm" not in page


def test_submitting_twice_is_refused_with_a_message_and_one_audit_row(agreed_case, trainee, template):
    complete_portfolio(agreed_case, template)
    client = login(trainee)
    client.post(submit_url(agreed_case))

    response = client.post(submit_url(agreed_case), follow=True)

    assert "Materialet är redan inskickat." in [str(m) for m in response.context["messages"]]
    assert CaseEvent.objects.filter(case=agreed_case, action="material_submitted").count() == 1


def _at_local(day, hour=12):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_material_after_the_deadline_is_accepted_and_marked_late(
    agreed_case, trainee, template, mailoutbox, django_capture_on_commit_callbacks
):
    complete_portfolio(agreed_case, template)
    due = agreed_case.material_due

    with time_machine.travel(_at_local(due + timedelta(days=3)), tick=False):
        page = login(trainee).get(submit_url(agreed_case)).content.decode()
        assert "Tidsgränsen passerade för 3 dagar sedan." in page
        assert f'data-confirm="{CONFIRM}"' in page  # late is shown, never refused
        with django_capture_on_commit_callbacks(execute=True):
            login(trainee).post(submit_url(agreed_case))

    case = refreshed(agreed_case)
    assert case.state == S.MATERIAL_SUBMITTED
    assert case.material_submitted_late is True
    assert CaseEvent.objects.get(case=case, action="material_submitted").note == "För sent"
    # The evaluator and the office are told it is late (as the page promised the trainee); the trainee
    # gets a receipt saying so.
    assert len(mailoutbox) == 3
    receipt = next(m for m in mailoutbox if trainee.email in m.to[0])
    assert "kom in sent" in receipt.body
    subjects = [m.subject for m in mailoutbox if m is not receipt]
    assert any("inskickat sent" in s for s in subjects) and any("efter tidsgränsen" in s for s in subjects)
    page = login(trainee).get(submit_url(case)).content.decode()
    assert "Inskickat för sent" in page


def test_material_on_the_last_day_is_on_time(agreed_case, trainee, template):
    complete_portfolio(agreed_case, template)
    due = agreed_case.material_due

    with time_machine.travel(_at_local(due, hour=23), tick=False):
        page = login(trainee).get(submit_url(agreed_case)).content.decode()
        assert "Sista dagen är i dag." in page
        material_submit(case=agreed_case, by=trainee)

    case = refreshed(agreed_case)
    assert case.material_submitted_late is False
    assert CaseEvent.objects.get(case=case, action="material_submitted").note == ""


def test_coordinator_reopening_unlocks_the_texts_and_allows_a_new_submission(
    agreed_case, trainee, coordinator, template, mailoutbox, django_capture_on_commit_callbacks
):
    complete_portfolio(agreed_case, template)
    material_submit(case=agreed_case, by=trainee)
    assert not trainee.has_perm("portfolio.edit", refreshed(agreed_case))

    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_reopen_material(case=agreed_case, by=coordinator, reason="Fel utbildningsplan bifogad")

    case = refreshed(agreed_case)
    assert case.state == S.PRACTICE_DAY_AGREED
    assert case.trainee_texts_open
    assert trainee.has_perm("portfolio.edit", case)
    assert CaseEvent.objects.get(case=case, action="material_reopened").note == "Fel utbildningsplan bifogad"
    assert len(mailoutbox) == 2  # trainee and evaluator are told

    material_submit(case=case, by=trainee)
    assert refreshed(case).state == S.MATERIAL_SUBMITTED
    assert CaseEvent.objects.filter(case=case, action="material_submitted").count() == 2


# --- who may submit, and when --------------------------------------------------------------------


def test_before_the_practice_day_is_agreed_the_check_shows_but_nothing_can_be_submitted(make_case, trainee, template):
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    complete_portfolio(case, template)
    client = login(trainee)

    page = client.get(submit_url(case)).content.decode()
    assert "Du kan skicka in materialet när praktikdagen är bestämd." in page
    assert "data-confirm" not in page

    response = client.post(submit_url(case), follow=True)
    assert "Materialet kan inte skickas in i detta skede." in [str(m) for m in response.context["messages"]]
    assert refreshed(case).state == S.CONTACT_MADE


def test_service_refuses_anyone_but_the_cases_trainee(agreed_case, coordinator, evaluator, other_trainee, template):
    complete_portfolio(agreed_case, template)
    for user in (coordinator, evaluator.user, other_trainee):
        with pytest.raises(PermissionDenied):
            material_submit(case=agreed_case, by=user)
    assert refreshed(agreed_case).state == S.PRACTICE_DAY_AGREED


@pytest.mark.parametrize("method", ["get", "post"])
def test_submit_page_by_role(method, agreed_case, make_user, coordinator, evaluator, other_evaluator, quality,
                             template):
    complete_portfolio(agreed_case, template)
    other = make_user(Role.TRAINEE)
    url = submit_url(agreed_case)
    expected = {
        "other trainee": (other, 404),
        "evaluator": (evaluator.user, 403),
        "other evaluator": (other_evaluator.user, 403),
        "coordinator": (coordinator, 403),
        "quality": (quality, 403),
    }
    for who, (user, status) in expected.items():
        response = getattr(login(user), method)(url)
        assert response.status_code == status, who
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("accounts:login"))
    assert refreshed(agreed_case).state == S.PRACTICE_DAY_AGREED


def test_submit_page_of_unknown_case_is_404(trainee, db):
    assert login(trainee).get(reverse("portfolio:submit", args=[uuid.uuid4()])).status_code == 404
