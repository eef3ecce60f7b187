"""Recorded consultations (2–4 per case) and the video self-evaluation of each."""

import importlib
import re
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from evaluations.models import CaseEvent, Evaluation
from mittist.accounts.models import Role
from portfolio.models import Recording, Section, SelfEvaluation, SelfEvaluationTemplate, SupervisorLink
from portfolio.selectors import portfolio_status
from portfolio.services import recordings as services
from portfolio.services.common import PortfolioError

S = Evaluation.State
TODAY = date(2026, 3, 2)
MIGRATION = importlib.import_module("portfolio.migrations.0002_self_evaluation_template_v1")


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm")), tick=False):
        yield


@pytest.fixture
def template_v1(db):
    # The data migration creates it; a transactional test elsewhere may have flushed it since.
    template, _ = SelfEvaluationTemplate.objects.get_or_create(
        version=1, defaults={"title": MIGRATION.TITLE, "questions": MIGRATION.QUESTIONS, "active": True}
    )
    return template


@pytest.fixture
def case(make_case, trainee, template_v1):
    # Practice day in 40 days: recordings up to 12 days from now would be early enough.
    return make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=TODAY + timedelta(days=40))


def submitted(case):
    """The material is submitted: the trainee's texts close and the evaluator may read."""
    Evaluation.objects.filter(pk=case.pk).update(
        state=S.MATERIAL_SUBMITTED, material_submitted_at=timezone.now()
    )
    return Evaluation.objects.get(pk=case.pk)


def form_data(**overrides):
    data = {
        "recorded_on": (TODAY - timedelta(days=3)).isoformat(),
        "age_band": "45-64",
        "visit_type": "planned",
        "consent_before": "on",
        "consent_after": "on",
        "journal_note_shared": "on",
        "share_safe_reference": "SS-2026/0042",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def service_values(**overrides):
    values = {
        "recorded_on": TODAY - timedelta(days=3),
        "age_band": "45-64",
        "visit_type": "planned",
        "consent_before": True,
        "consent_after": True,
        "journal_note_shared": True,
        "share_safe_reference": "SS-2026/0042",
    }
    values.update(overrides)
    return values


def add(case, by, **overrides):
    return services.recording_create(case=case, by=by, **service_values(**overrides))


def list_url(case):
    return reverse("portfolio:recordings", args=[case.pk])


def edit_url(recording):
    return reverse("portfolio:recording_edit", args=[recording.case_id, recording.pk])


def delete_url(recording):
    return reverse("portfolio:recording_delete", args=[recording.case_id, recording.pk])


def evaluation_url(recording):
    return reverse("portfolio:self_evaluation", args=[recording.case_id, recording.pk])


def events(case, action):
    return list(CaseEvent.objects.filter(case=case, action=action).order_by("at", "id"))


def field_error(response, field):
    """The error text shown at one field (includes/field.html), or ''."""
    html = response.content.decode()
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


def complete_answers(**overrides):
    answers = {
        "reason_for_visit": "Hosta sedan tre veckor.",
        "ideas_concerns_expectations": "Oro för lunginflammation; frågade vad hen själv trodde.",
        "went_well": "Lugn inledning.",
        "do_differently": "Sammanfatta tydligare innan undersökningen.",
        "phase_opening": "4",
        "phase_history": "3",
        "phase_examination": "4",
        "phase_explanation": "2",
        "phase_closing": "3",
        "discuss_with_evaluator": "",
    }
    answers.update(overrides)
    return answers


# --- the questions as versioned data ---------------------------------------------------------------


def test_migration_creates_active_version_1_with_the_swedish_questions(db):
    template = SelfEvaluationTemplate.objects.get(version=1)
    assert template.active and SelfEvaluationTemplate.current() == template
    assert "SFAM:s eget formulär finns inte inlagt" in template.title
    by_key = {q["key"]: q for q in template.questions}
    assert by_key["reason_for_visit"]["label"] == "Kontaktorsak – varför kom patienten?"
    assert by_key["went_well"]["label"] == "Vad gick bra?"
    assert [q["label"] for q in template.questions if q["kind"] == "rating"] == [
        "Inledning och kontaktskapande", "Anamnes och patientens perspektiv", "Undersökning",
        "Förklaring och gemensamt beslut", "Avslutning och uppföljning",
    ]
    assert by_key["phase_opening"]["scale"][0]["label"] == "1 – behöver utvecklas mycket"
    assert by_key["phase_opening"]["scale"][-1]["label"] == "5 – mycket väl genomfört"
    assert by_key["discuss_with_evaluator"]["required"] is False
    assert all(q["required"] for q in template.questions if q["key"] != "discuss_with_evaluator")
    assert all(set(q) >= {"key", "label", "kind", "help", "required"} for q in template.questions)


# --- create, edit, delete --------------------------------------------------------------------------


def test_trainee_registers_a_recording_and_it_is_audited(client, case, trainee):
    client.force_login(trainee)
    response = client.post(list_url(case), form_data())
    assert response.status_code == 302 and response.url == list_url(case)
    recording = Recording.objects.get(case=case)
    assert recording.recorded_on == TODAY - timedelta(days=3)
    assert (recording.age_band, recording.visit_type) == ("45-64", "planned")
    assert recording.consent_before and recording.consent_after and recording.journal_note_shared
    assert recording.share_safe_reference == "SS-2026/0042"
    (event,) = events(case, "recording_saved")
    assert event.actor == trainee and "SS-2026" not in event.note
    page = client.get(list_url(case)).content.decode()
    assert "Inspelning 1 är sparad" in page and "Inte påbörjad" in page


def test_trainee_edits_a_recording(client, case, trainee):
    recording = add(case, trainee, journal_note_shared=False)
    client.force_login(trainee)
    assert client.get(edit_url(recording)).status_code == 200
    response = client.post(edit_url(recording), form_data(visit_type="return", share_safe_reference="ABC_7.2"))
    assert response.status_code == 302
    recording.refresh_from_db()
    assert (recording.visit_type, recording.share_safe_reference, recording.journal_note_shared) == (
        "return", "ABC_7.2", True)
    assert len(events(case, "recording_saved")) == 2


def test_saving_an_unchanged_recording_writes_no_audit_row(case, trainee):
    recording = add(case, trainee)
    services.recording_update(recording=recording, by=trainee, **service_values())
    assert len(events(case, "recording_saved")) == 1


def test_trainee_deletes_a_recording_with_its_self_evaluation(client, case, trainee):
    recording = add(case, trainee)
    services.self_evaluation_save(recording=recording, by=trainee, answers={"went_well": "x"}, base_version=0)
    client.force_login(trainee)
    page = client.get(edit_url(recording)).content.decode()
    assert f'action="{delete_url(recording)}"' in page and "data-confirm=" in page
    response = client.post(delete_url(recording))
    assert response.status_code == 302
    assert not Recording.objects.filter(pk=recording.pk).exists()
    assert not SelfEvaluation.objects.exists()
    assert len(events(case, "recording_removed")) == 1


def test_delete_is_post_only(client, case, trainee):
    recording = add(case, trainee)
    client.force_login(trainee)
    assert client.get(delete_url(recording)).status_code == 405
    assert Recording.objects.filter(pk=recording.pk).exists()


def test_empty_list_explains_what_to_do_and_shows_the_form(client, case, trainee):
    client.force_login(trainee)
    page = client.get(list_url(case)).content.decode()
    assert "Inga inspelningar registrerade ännu" in page
    assert "Ingen video laddas upp här" in page
    assert "Skriv inget som kan identifiera patienten" in page
    assert "före besöket" in page and "efter besöket" in page
    assert "senast 14 mars 2026" in page  # practice day 11 April − 28 days
    assert 'name="share_safe_reference"' in page
    assert "Referensen i Share Safe, inte patientens namn eller personnummer." in page


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"recorded_on": (TODAY + timedelta(days=1)).isoformat()}, "recorded_on", "kan inte ligga i framtiden"),
        ({"recorded_on": ""}, "recorded_on", "Ange datum för inspelningen."),
        ({"recorded_on": "2026-02-31"}, "recorded_on", "Ange ett giltigt datum"),
        ({"age_band": ""}, "age_band", "Välj patientens åldersgrupp."),
        ({"age_band": "101-110"}, "age_band", "Välj patientens åldersgrupp."),
        ({"visit_type": None}, "visit_type", "Välj typ av besök."),
        ({"consent_before": None}, "consent_before", "Patienten måste ha tillfrågats före besöket."),
        ({"consent_after": None}, "consent_after",
         "Patienten måste ha godkänt inspelningen och delningen med värderaren efter besöket."),
        ({"share_safe_reference": "   "}, "share_safe_reference", "Ange referensen i Share Safe."),
        ({"share_safe_reference": "A" * 101}, "share_safe_reference", "högst 100 tecken"),
        ({"share_safe_reference": "Anna Andersson"}, "share_safe_reference", "bara innehålla bokstäver"),
        ({"share_safe_reference": "<script>"}, "share_safe_reference", "bara innehålla bokstäver"),
        ({"share_safe_reference": "850101-1234"}, "share_safe_reference", "ser ut som ett personnummer"),
        ({"share_safe_reference": "198501011234"}, "share_safe_reference", "ser ut som ett personnummer"),
        ({"share_safe_reference": "ref-19850101-1234"}, "share_safe_reference", "ser ut som ett personnummer"),
        ({"share_safe_reference": "8501711234"}, "share_safe_reference", "ser ut som ett personnummer"),
    ],
)
def test_invalid_recording_is_refused_at_the_field_and_nothing_stored(
    client, case, trainee, overrides, field, message
):
    client.force_login(trainee)
    response = client.post(list_url(case), form_data(**overrides))
    assert response.status_code == 400
    assert message in field_error(response, field)
    assert not Recording.objects.exists()
    assert not events(case, "recording_saved")
    # What was typed stays in the form.
    if overrides.get("share_safe_reference", "").strip():
        assert f'value="{overrides["share_safe_reference"]}"'.replace("<", "&lt;").replace(">", "&gt;") in (
            response.content.decode())


@pytest.mark.parametrize("reference", ["2026001234", "SS-2026/0042", "abc_1.2-3/x", "Å-123", "1234567890123"])
def test_references_that_are_not_personnummer_are_accepted(case, trainee, reference):
    recording = add(case, trainee, share_safe_reference=reference)
    assert recording.share_safe_reference == reference


def test_recording_must_be_made_four_weeks_before_the_practice_day(client, make_case, trainee, template_v1):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=TODAY + timedelta(days=20))
    client.force_login(trainee)
    too_late = TODAY - timedelta(days=7)  # the practice day is in 27 days
    response = client.post(list_url(case), form_data(recorded_on=too_late.isoformat()))
    assert response.status_code == 400
    assert field_error(response, "recorded_on") == (
        "Inspelningen ska vara gjord senast fyra veckor före praktikdagen (senast 22 februari 2026)."
    )
    assert not Recording.objects.exists()
    response = client.post(list_url(case), form_data(recorded_on=(TODAY - timedelta(days=8)).isoformat()))
    assert response.status_code == 302
    assert Recording.objects.filter(case=case).count() == 1


def test_without_a_practice_day_any_past_date_is_accepted(make_case, trainee, template_v1):
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    assert case.practice_day is None
    recording = add(case, trainee, recorded_on=TODAY)
    assert recording.recorded_on == TODAY


def test_the_service_validates_too(case, trainee):
    with pytest.raises(ValidationError) as error:
        add(case, trainee, consent_after=False, share_safe_reference="19850101-1234")
    assert set(error.value.error_dict) == {"consent_after", "share_safe_reference"}
    assert not Recording.objects.exists()


# --- at most four ----------------------------------------------------------------------------------


def test_the_fifth_recording_is_refused_by_the_page_and_the_service(client, case, trainee):
    for day in range(4):
        add(case, trainee, recorded_on=TODAY - timedelta(days=day + 1))
    client.force_login(trainee)
    page = client.get(list_url(case)).content.decode()
    assert "Du har registrerat 4 inspelningar, det högsta antalet" in page
    assert re.search(r'<button type="submit" class="btn btn-primary" disabled>', page)
    assert re.search(r'<input type="date" name="recorded_on"[^>]*disabled', page)

    response = client.post(list_url(case), form_data())
    assert response.status_code == 409
    assert "redan registrerat 4 inspelningar" in response.content.decode()
    with pytest.raises(PortfolioError):
        add(case, trainee)
    assert Recording.objects.filter(case=case).count() == 4


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (run with CI=true)")
def test_two_tabs_adding_the_fourth_at_once_make_four_not_five(transactional_db, make_case, trainee, monkeypatch):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=TODAY + timedelta(days=40))
    for day in range(3):
        add(case, trainee, recorded_on=TODAY - timedelta(days=day + 1))
    real_record = services.record

    def slow_record(*args, **kwargs):  # hold the lock a while so that the other tab must wait for it
        time.sleep(0.3)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(services, "record", slow_record)
    barrier = threading.Barrier(2)
    results = []

    def work():
        try:
            with translation.override("sv"), time_machine.travel(timezone.now(), tick=False):
                barrier.wait(timeout=10)
                results.append(add(case, trainee))
        except Exception as error:  # noqa: BLE001 - reported below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(isinstance(r, Recording) for r in results) == 1, results
    assert sum(isinstance(r, PortfolioError) for r in results) == 1, results
    assert Recording.objects.filter(case=case).count() == 4


# --- self-evaluation -------------------------------------------------------------------------------


@pytest.fixture
def recording(case, trainee):
    return add(case, trainee)


def test_self_evaluation_form_is_built_from_the_template(client, recording, trainee):
    client.force_login(trainee)
    response = client.get(evaluation_url(recording))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kontaktorsak – varför kom patienten?" in page
    assert '<textarea name="reason_for_visit"' in page
    assert re.search(r"<fieldset[^>]*>\s*<legend>Inledning och kontaktskapande</legend>", page)
    assert page.count('type="radio" name="phase_opening"') == 5
    assert "1 – behöver utvecklas mycket" in page and "5 – mycket väl genomfört" in page
    assert "Spara utkast" in page and "Markera som klar" in page
    assert page.count("(frivilligt)") == 1  # only "Vad vill du diskutera med värderaren …"
    assert re.search(r"diskutera med värderaren om den här konsultationen\? <span class=\"optional\">", page)
    assert "SFAM:s eget formulär finns inte inlagt ännu" in page  # the template's title says so


def test_draft_saves_partial_answers_and_coalesces_its_audit_rows(client, recording, trainee):
    client.force_login(trainee)
    url = evaluation_url(recording)
    response = client.post(url, {"base_version": "0", "went_well": "Inledningen.", "phase_closing": "3",
                                 "draft": "1"})
    assert response.status_code == 302 and response.url == url
    evaluation = SelfEvaluation.objects.get(recording=recording)
    assert evaluation.answers["went_well"] == "Inledningen." and evaluation.answers["phase_closing"] == 3
    assert evaluation.completed_at is None and evaluation.version == 1
    assert evaluation.template.version == 1

    response = client.post(url, {"base_version": "1", "went_well": "Inledningen gick bra.", "draft": "1"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.version == 2 and evaluation.answers["went_well"] == "Inledningen gick bra."
    assert len(events(recording.case, "self_evaluation_saved")) == 1  # drafts while typing: one row
    assert 'Inledningen gick bra.' in client.get(url).content.decode()


def test_marking_complete_needs_every_required_answer(client, recording, trainee):
    client.force_login(trainee)
    url = evaluation_url(recording)
    answers = complete_answers(do_differently="  ", phase_examination="")
    response = client.post(url, {"base_version": "0", **answers, "complete": "1"})
    assert response.status_code == 400
    assert "Besvara frågan" in field_error(response, "do_differently")
    assert "Besvara frågan" in field_error(response, "phase_examination")
    assert field_error(response, "discuss_with_evaluator") == ""  # optional
    assert "Alla frågor utom de frivilliga behöver ett svar" in response.content.decode()
    assert "Hosta sedan tre veckor." in response.content.decode()  # typed text kept
    assert not SelfEvaluation.objects.exists()

    response = client.post(url, {"base_version": "0", **complete_answers(), "complete": "1"})
    assert response.status_code == 302 and response.url == list_url(recording.case)
    evaluation = SelfEvaluation.objects.get(recording=recording)
    assert evaluation.completed_at == timezone.now()
    assert evaluation.missing() == []
    assert [e.note.endswith("klar") for e in events(recording.case, "self_evaluation_saved")] == [True]
    assert "Klar" in client.get(list_url(recording.case)).content.decode()


def test_saving_a_draft_of_a_completed_self_evaluation_reopens_it(recording, trainee):
    done = services.self_evaluation_save(recording=recording, by=trainee, answers=complete_answers(),
                                         base_version=0, complete=True)
    again = services.self_evaluation_save(recording=recording, by=trainee, answers={"went_well": "Mer."},
                                          base_version=done.version)
    assert again.completed_at is None and again.answers["reason_for_visit"] == "Hosta sedan tre veckor."


def test_an_invalid_rating_is_refused_without_a_500(client, recording, trainee):
    client.force_login(trainee)
    response = client.post(evaluation_url(recording), {"base_version": "0", "phase_opening": "9", "draft": "1"})
    assert response.status_code == 400
    assert field_error(response, "phase_opening")
    assert not SelfEvaluation.objects.exists()
    response = client.post(evaluation_url(recording), {"base_version": "x", "draft": "1"})
    assert response.status_code == 400


def test_a_started_self_evaluation_keeps_its_template_version(client, case, recording, trainee, template_v1):
    services.self_evaluation_save(recording=recording, by=trainee, answers={"went_well": "Bra."}, base_version=0)
    template_v1.active = False
    template_v1.save()
    v2 = SelfEvaluationTemplate.objects.create(
        version=2, title="Version 2", active=True,
        questions=[{"key": "summary", "label": "Sammanfattning v2", "kind": "text", "help": "", "required": True}],
    )
    client.force_login(trainee)
    page = client.get(evaluation_url(recording)).content.decode()
    assert "Kontaktorsak – varför kom patienten?" in page and "Sammanfattning v2" not in page
    services.self_evaluation_save(recording=recording, by=trainee, answers=complete_answers(), base_version=1,
                                  complete=True)
    evaluation = SelfEvaluation.objects.get(recording=recording)
    assert evaluation.template == template_v1 and evaluation.completed_at is not None
    assert "summary" not in evaluation.answers

    second = add(case, trainee, recorded_on=TODAY - timedelta(days=9))
    assert "Sammanfattning v2" in client.get(evaluation_url(second)).content.decode()
    new = services.self_evaluation_save(recording=second, by=trainee, answers={"summary": "Ny."}, base_version=0)
    assert new.template == v2


def test_a_stale_save_shows_both_texts_and_keeps_the_typed_one(client, recording, trainee):
    services.self_evaluation_save(recording=recording, by=trainee, answers={"went_well": "Från telefonen."},
                                  base_version=0)
    client.force_login(trainee)
    url = evaluation_url(recording)
    response = client.post(url, {"base_version": "0", "went_well": "Från datorn.", "draft": "1"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Från telefonen." in page  # the saved text, shown beside the field
    assert re.search(r'<textarea name="went_well"[^>]*>\s*Från datorn.</textarea>', page)  # the typed text
    assert 'name="base_version" value="1"' in page
    evaluation = SelfEvaluation.objects.get(recording=recording)
    assert evaluation.answers["went_well"] == "Från telefonen." and evaluation.version == 1

    # Saving again from the conflict page (now based on the current version) is the user's merge.
    response = client.post(url, {"base_version": "1", "went_well": "Från telefonen. Från datorn.", "draft": "1"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.answers["went_well"] == "Från telefonen. Från datorn." and evaluation.version == 2


def test_the_service_refuses_a_stale_version(recording, trainee):
    services.self_evaluation_save(recording=recording, by=trainee, answers={"went_well": "A"}, base_version=0)
    with pytest.raises(services.SelfEvaluationConflict):
        services.self_evaluation_save(recording=recording, by=trainee, answers={"went_well": "B"}, base_version=0)
    assert SelfEvaluation.objects.get(recording=recording).answers["went_well"] == "A"


def test_without_any_active_template_the_page_says_so(client, recording, trainee):
    SelfEvaluationTemplate.objects.update(active=False)
    client.force_login(trainee)
    response = client.get(evaluation_url(recording))
    assert response.status_code == 503
    assert "Formuläret för video-egenvärdering saknas" in response.content.decode()


# --- status for the submission check ---------------------------------------------------------------


def test_portfolio_status_lists_missing_consents_and_self_evaluations(case, trainee):
    lacking = Recording.objects.create(  # as if stored before the rules: consents missing
        case=case, recorded_on=TODAY - timedelta(days=5), age_band="0-17", visit_type="acute",
        share_safe_reference="X1",
    )
    good = add(case, trainee, recorded_on=TODAY - timedelta(days=4))
    status = portfolio_status(case)
    problems = {s.recording.pk: s.problems for s in status.recordings}
    assert "samtycke före besöket saknas" in problems[lacking.pk]
    assert "samtycke efter besöket (och till delning med värderaren) saknas" in problems[lacking.pk]
    assert problems[good.pk] == ["video-egenvärderingen är inte klar"]
    texts = [m.text for m in status.missing]
    assert any(t.startswith("Inspelning 1:") and "samtycke före" in t for t in texts)
    assert any(t.startswith("Inspelning 2:") and "video-egenvärderingen" in t for t in texts)
    assert any(m.url == edit_url(good) for m in status.missing)

    services.self_evaluation_save(recording=good, by=trainee, answers=complete_answers(), base_version=0,
                                  complete=True)
    status = portfolio_status(case)
    assert {s.recording.pk: s.problems for s in status.recordings}[good.pk] == []


# --- who may do what -------------------------------------------------------------------------------


def all_urls(recording):
    return [list_url(recording.case), edit_url(recording), evaluation_url(recording)]


def test_anonymous_is_sent_to_log_in(client, recording):
    for url in all_urls(recording):
        response = client.get(url)
        assert response.status_code == 302 and "/konto/logga-in/" in response.url


def test_another_trainee_gets_404_everywhere(client, recording, other_trainee):
    client.force_login(other_trainee)
    for url in all_urls(recording):
        assert client.get(url).status_code == 404
        assert client.post(url, form_data()).status_code == 404
    assert client.post(delete_url(recording)).status_code == 404
    assert Recording.objects.filter(pk=recording.pk).exists()


def test_a_recording_of_another_case_is_404(client, make_case, recording, trainee, other_trainee):
    other_case = make_case(S.PRACTICE_DAY_AGREED, trainee=other_trainee)
    client.force_login(trainee)
    url = reverse("portfolio:recording_edit", args=[recording.case_id, add(other_case, other_trainee).pk])
    assert client.get(url).status_code == 404


def test_coordinator_gets_403_on_the_content(client, recording, coordinator):
    client.force_login(coordinator)
    for url in all_urls(recording):
        assert client.get(url).status_code == 403
        assert client.post(url, form_data()).status_code == 403
    assert client.post(delete_url(recording)).status_code == 403
    assert Recording.objects.count() == 1


def test_quality_group_cannot_see_the_case(client, recording, quality):
    client.force_login(quality)
    for url in all_urls(recording):
        assert client.get(url).status_code == 404


def test_evaluator_reads_only_after_submission_and_never_writes(client, case, recording, evaluator, trainee):
    services.self_evaluation_save(recording=recording, by=trainee, answers=complete_answers(), base_version=0,
                                  complete=True)
    client.force_login(evaluator.user)
    for url in all_urls(recording):
        assert client.get(url).status_code == 403
    submitted(case)
    for url in all_urls(recording):
        response = client.get(url)
        assert response.status_code == 200
        assert "<form method=\"post\" class=\"form" not in response.content.decode()
    page = client.get(evaluation_url(recording)).content.decode()
    assert "Hosta sedan tre veckor." in page and "2 – behöver utvecklas" in page
    assert "SS-2026/0042" in client.get(edit_url(recording)).content.decode()
    assert client.post(list_url(case), form_data()).status_code == 403
    assert client.post(edit_url(recording), form_data(visit_type="acute")).status_code == 403
    assert client.post(evaluation_url(recording), {"base_version": "1", "draft": "1"}).status_code == 403
    assert client.post(delete_url(recording)).status_code == 403
    assert Recording.objects.get(pk=recording.pk).visit_type == "planned"


def test_other_evaluator_gets_404(client, make_case, other_evaluator, trainee, template_v1):
    case = submitted(make_case(S.PRACTICE_DAY_AGREED, trainee=trainee))
    recording = Recording.objects.create(case=case, recorded_on=TODAY, age_band="80+", visit_type="return",
                                         consent_before=True, consent_after=True, share_safe_reference="R")
    client.force_login(other_evaluator.user)
    for url in all_urls(recording):
        assert client.get(url).status_code == 404


def test_after_submission_the_trainee_reads_but_cannot_change(client, case, recording, trainee):
    submitted(case)
    client.force_login(trainee)
    page = client.get(list_url(case)).content.decode()
    assert "Materialet är inskickat" in page and 'name="share_safe_reference"' not in page
    assert client.post(list_url(case), form_data()).status_code == 403
    assert client.post(edit_url(recording), form_data(visit_type="acute")).status_code == 403
    assert client.post(delete_url(recording)).status_code == 403
    response = client.post(evaluation_url(recording), {"base_version": "0", "went_well": "Min långa text.",
                                                       "draft": "1"})
    assert response.status_code == 403
    assert "Min långa text." in response.content.decode()  # given back, not lost
    assert not SelfEvaluation.objects.exists()
    assert Recording.objects.get(pk=recording.pk).visit_type == "planned"
    with pytest.raises(PermissionDenied):
        add(case, trainee)


def test_services_refuse_other_users(case, recording, coordinator, other_trainee, evaluator):
    for user in (coordinator, other_trainee, evaluator.user):
        with pytest.raises(PermissionDenied):
            add(case, user)
        with pytest.raises(PermissionDenied):
            services.recording_delete(recording=recording, by=user)
        with pytest.raises(PermissionDenied):
            services.self_evaluation_save(recording=recording, by=user, answers={}, base_version=0)
    assert Recording.objects.count() == 1


# --- the admin -------------------------------------------------------------------------------------


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.COORDINATOR, is_staff=True, is_superuser=True)


def test_admin_lists_portfolio_models_without_content_or_token_hash(client, admin_user, case, recording, trainee):
    services.self_evaluation_save(recording=recording, by=trainee, answers={"went_well": "Hemligt svar"},
                                  base_version=0)
    Section.objects.create(case=case, code="B", data={"background": "Min bakgrund är hemlig"})
    link, _token = SupervisorLink.issue(case=case, email="handledare@example.org", by=trainee)
    client.force_login(admin_user)
    for model in ["section", "document", "supervisorlink", "recording", "selfevaluation", "selfevaluationtemplate"]:
        response = client.get(reverse(f"admin:portfolio_{model}_changelist"))
        assert response.status_code == 200, model
    section = Section.objects.get(case=case, code="B")
    pages = [
        client.get(reverse("admin:portfolio_section_change", args=[section.pk])).content.decode(),
        client.get(reverse("admin:portfolio_section_changelist")).content.decode(),
        client.get(reverse("admin:portfolio_selfevaluation_changelist")).content.decode(),
        client.get(reverse("admin:portfolio_selfevaluation_change",
                           args=[recording.self_evaluation.pk])).content.decode(),
    ]
    assert not any("hemlig" in page.lower() or "Hemligt svar" in page for page in pages)
    link_pages = client.get(reverse("admin:portfolio_supervisorlink_changelist")).content.decode() + client.get(
        reverse("admin:portfolio_supervisorlink_change", args=[link.pk])).content.decode()
    assert link.token_hash not in link_pages
    assert client.get(reverse("admin:portfolio_recording_add")).status_code == 403


def test_admin_edits_a_template_and_validates_its_questions(client, admin_user, template_v1):
    client.force_login(admin_user)
    url = reverse("admin:portfolio_selfevaluationtemplate_add")
    bad = client.post(url, {"version": "3", "title": "T", "active": "on", "questions": '[{"key": "a"}]'})
    assert bad.status_code == 200 and not SelfEvaluationTemplate.objects.filter(version=3).exists()
    good = client.post(url, {"version": "3", "title": "T", "active": "on", "questions":
                             '[{"key": "a", "label": "Fråga", "kind": "rating", "help": "", "required": true}]'})
    assert good.status_code == 302
    assert SelfEvaluationTemplate.current().version == 3


def test_admin_keeps_a_template_in_use_read_only(client, admin_user, recording, trainee, template_v1):
    services.self_evaluation_save(recording=recording, by=trainee, answers={}, base_version=0)
    client.force_login(admin_user)
    page = client.get(reverse("admin:portfolio_selfevaluationtemplate_change", args=[template_v1.pk]))
    assert 'name="questions"' not in page.content.decode()
    assert 'name="title"' in page.content.decode()


def test_admin_deletes_nothing_neither_one_by_one_nor_with_its_case(
    client, admin_user, case, recording, trainee
):
    services.self_evaluation_save(recording=recording, by=trainee, answers={}, base_version=0)
    Section.objects.create(case=case, code="B")
    client.force_login(admin_user)
    assert client.get(reverse("admin:portfolio_section_delete", args=[Section.objects.get().pk])).status_code == 403
    assert client.get(reverse("admin:portfolio_recording_delete", args=[recording.pk])).status_code == 403
    changelist = client.get(reverse("admin:portfolio_recording_changelist")).content.decode()
    assert "delete_selected" not in changelist

    # A case leaves only through the purge (which keeps its audit trail), never through the admin.
    response = client.post(reverse("admin:evaluations_evaluation_delete", args=[case.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Evaluation.objects.filter(pk=case.pk).exists()
    assert Recording.objects.exists() and Section.objects.exists() and SelfEvaluation.objects.exists()
