"""The material's purge: a notice after the case ends, the purge no sooner than the notice period after it,
every satellite's material gone (rows and files), what is not material untouched, a second run a no-op."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations import services as case_services
from evaluations.certificates.models import Certificate
from evaluations.minicex.models import MiniCex
from evaluations.models import CaseEvent, Evaluation
from evaluations.purge import SWEEP_FUNC, SWEEP_NAME, register_purge_sweep
from mittist.accounts.models import Role
from portfolio.models import Document, MaterialPdf, Recording, Section, SelfEvaluation, SupervisorLink
from scheduling.models import PracticeDayProposal, ProgrammeItem
from tests.conftest import S

from .builders import build_full_case
from .conftest import KEEP, NOTICE, at, sweep


@pytest.fixture
def full(make_case, trainee, evaluator, quality, definitions):
    return build_full_case(make_case, trainee, evaluator, quality)


def ended_on(case):
    return timezone.localdate(Evaluation.objects.get(pk=case.pk).closed_at)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def material_notices(mailoutbox):
    return [m for m in mailoutbox if m.subject.startswith("Ditt material i Mitt-i-ST raderas")]


def whole_database() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out, format="json", indent=None)
    return out.getvalue()


def test_every_text_is_marked_and_stored_before_the_purge(full):
    # The check below can fail: before the purge the database holds every marker.
    assert set(full.markers.found_in(whole_database())) >= {
        name for name in full.markers.by_field if not name.startswith("document.")
    }


def test_notice_once_then_purge_after_its_period(full, trainee, mailoutbox):
    case, end = full.case, ended_on(full.case)
    due = end + timedelta(days=KEEP)
    sweep(due - timedelta(days=NOTICE + 1))
    assert material_notices(mailoutbox) == []

    sweep(due - timedelta(days=NOTICE))
    sweep(due - timedelta(days=NOTICE - 2))
    mails = material_notices(mailoutbox)
    assert len(mails) == 1
    assert mails[0].to == [f"{trainee.full_name} <{trainee.email}>"]
    assert f"https://mittist.example.org/arenden/{case.pk}/radering/" in mails[0].body
    assert CaseEvent.objects.filter(case=case, action="material_purge_notice").count() == 1

    sweep(due - timedelta(days=1))
    assert Evaluation.objects.get(pk=case.pk).material_purged_at is None
    assert Section.objects.filter(case=case).exists()

    sweep(due)
    case = Evaluation.objects.get(pk=case.pk)
    assert timezone.localdate(case.material_purged_at) == due
    assert CaseEvent.objects.filter(case=case, action="material_purged").count() == 1


def test_purge_removes_every_piece_of_material_and_nothing_else(full, trainee, django_capture_on_commit_callbacks):
    case = full.case
    minicex_before = MiniCex.objects.filter(pk=full.minicex_id).values().get()
    certificate_before = Certificate.objects.filter(case=case).values().get()
    # The trainee has downloaded the material as a PDF: the worker rendered it and it is stored.
    with django_capture_on_commit_callbacks(execute=True):
        login(trainee).get(reverse("portfolio:reading_pdf", args=[case.pk]))
    rendered = MaterialPdf.objects.get(case=case)
    assert rendered.status == MaterialPdf.Status.READY and default_storage.exists(rendered.file.name)
    assert default_storage.exists(f"cases/{case.pk}/")
    due = ended_on(case) + timedelta(days=KEEP)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)

    for model in (Section, Recording, Document, SupervisorLink, MaterialPdf):
        assert not model.objects.filter(case=case).exists(), model
    assert not SelfEvaluation.objects.filter(recording__case=case).exists()
    for name in [*full.stored_names, rendered.file.name]:
        assert not default_storage.exists(name)
    assert not default_storage.exists(f"cases/{case.pk}/")
    # Scheduling keeps the days and the shape of the day, not what anyone wrote.
    items = ProgrammeItem.objects.filter(programme__case=case)
    assert items.count() == 2 and set(items.values_list("note", flat=True)) == {""}
    assert items.filter(kind="sitting_in", age_band="older", minicex_id=full.minicex_id).exists()
    proposals = PracticeDayProposal.objects.filter(case=case)
    assert proposals.count() == 2 and set(proposals.values_list("note", flat=True)) == {""}
    proposed = CaseEvent.objects.filter(case=case, action__in=["practice_day_proposed", "practice_day_declined"])
    assert proposed.count() == 3 and all(" — " not in note and note for note in proposed.values_list("note", flat=True))
    # The trainee's own training record and the certificate stay as they were.
    assert MiniCex.objects.filter(pk=full.minicex_id).values().get() == minicex_before
    assert Certificate.objects.filter(case=case).values().get() == certificate_before
    # Not one marked sentence left in any table (the report went the same day).
    assert full.markers.found_in(whole_database()) == []


def test_a_second_run_changes_nothing(full, mailoutbox):
    due = ended_on(full.case) + timedelta(days=KEEP)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)
    before, mails = whole_database(), len(mailoutbox)
    done = sweep(due + timedelta(days=1))
    assert not any(done.values())
    assert whole_database() == before and len(mailoutbox) == mails


def test_a_running_case_keeps_its_material(make_case, trainee, evaluator, quality, definitions):
    full = build_full_case(make_case, trainee, evaluator, quality, close=False)
    sweep(ended_on(full.case) if full.case.closed_at else timezone.localdate() + timedelta(days=500))
    case = Evaluation.objects.get(pk=full.case.pk)
    assert case.state == S.CERTIFIED and case.material_purged_at is None
    assert Section.objects.filter(case=case).count() == 6


def test_a_rejected_registration_with_nothing_written_is_purged_without_a_notice(make_case, coordinator, mailoutbox):
    case = make_case(S.REGISTERED, accepted=False)
    case = case_services.case_reject_registration(case=case, by=coordinator, reason="Ofullständig anmälan.")
    from portfolio.services.common import ensure_sections

    ensure_sections(case)  # the trainee looked at the portfolio once: A holds the registration's copy only
    due = ended_on(case) + timedelta(days=KEEP)
    sweep(due - timedelta(days=1))
    assert Evaluation.objects.get(pk=case.pk).material_purged_at is None
    sweep(due)
    case = Evaluation.objects.get(pk=case.pk)
    assert case.material_purged_at is not None and case.material_purge_notice_sent_at is None
    assert not Section.objects.filter(case=case).exists()
    assert material_notices(mailoutbox) == []


def test_a_withdrawn_case_with_material_gets_its_notice_first(make_case, coordinator, trainee, mailoutbox):
    from portfolio.services.common import ensure_sections
    from portfolio.services.sections import section_save

    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    section = ensure_sections(case)["B"]
    section_save(section=section, by=trainee, data={"background": "Jag heter Tova."}, base_version=0,
                 can_edit=lambda c: True)
    case = case_services.case_withdraw(case=case, by=coordinator, reason="Föräldraledig.")
    due = ended_on(case) + timedelta(days=KEEP)
    sweep(due)  # the first run after the due day: the notice now, the purge a notice period later
    case = Evaluation.objects.get(pk=case.pk)
    assert case.material_purge_notice_sent_at is not None and case.material_purged_at is None
    assert len(material_notices(mailoutbox)) == 1
    later = due + timedelta(days=NOTICE)
    assert f"{later.day} " in material_notices(mailoutbox)[0].subject
    sweep(later)
    assert Evaluation.objects.get(pk=case.pk).material_purged_at is not None
    assert not Section.objects.filter(case=case).exists()


# --- the pages ---------------------------------------------------------------------------------------


def test_the_trainee_downloads_the_material_as_one_zip(full, trainee):
    case = full.case
    plan = Document.objects.get(case=case, kind="education_plan")
    with default_storage.open(plan.file.name, "rb") as handle:
        plan_bytes = handle.read()
    response = login(trainee).get(reverse("portfolio:material_download", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="mitt-i-st-material-testsson.zip"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store, private"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["dokument/plan.pdf", "mitt-i-st-testsson.pdf"]
    assert archive.read("dokument/plan.pdf") == plan_bytes
    assert archive.read("mitt-i-st-testsson.pdf").startswith(b"%PDF-")
    event = CaseEvent.objects.filter(case=case, action="material_downloaded").get()
    assert event.actor == trainee


def test_only_the_trainee_downloads_the_material(full, coordinator, evaluator, quality, make_user):
    url = reverse("portfolio:material_download", args=[full.case.pk])
    assert login(coordinator).get(url).status_code == 403
    assert login(evaluator.user).get(url).status_code == 403
    assert login(quality).get(url).status_code == 403
    assert login(make_user(Role.TRAINEE)).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert not CaseEvent.objects.filter(case=full.case, action="material_downloaded").exists()


def test_purge_page_before_and_after(full, trainee, coordinator):
    case = full.case
    url = reverse("evaluations:purge", args=[case.pk])
    due = ended_on(case) + timedelta(days=KEEP)
    day = f"{due.day} "
    with at(due - timedelta(days=NOTICE)):
        page = login(trainee).get(url)
        text = page.content.decode()
        assert page.status_code == 200 and page["Cache-Control"] == "no-store, private"
        assert reverse("portfolio:material_download", args=[case.pk]) in text
        assert reverse("reports:pdf", args=[case.pk]) in text
        assert text.count(day) >= 2
        office = login(coordinator).get(url).content.decode()
        assert reverse("portfolio:material_download", args=[case.pk]) not in office
        assert reverse("reports:pdf", args=[case.pk]) not in office
    sweep(due - timedelta(days=NOTICE))
    sweep(due)
    with at(due + timedelta(days=3)):
        text = login(trainee).get(url).content.decode()
        assert "Materialet raderades hos SFAM" in text and "Rapporten raderades hos SFAM" in text
        assert reverse("portfolio:material_download", args=[case.pk]) not in text
        assert reverse("reports:verify") in text
        case_page = login(trainee).get(reverse("evaluations:case_detail", args=[case.pk])).content.decode()
        assert "Raderat " + str(due.day) in case_page


def test_portfolio_pages_after_the_purge_say_it_is_gone(full, trainee, evaluator, make_user):
    case = full.case
    due = ended_on(case) + timedelta(days=KEEP)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)
    urls = [reverse(name, args=[case.pk]) for name in
            ("portfolio:overview", "portfolio:reading", "portfolio:reading_pdf", "portfolio:recordings",
             "portfolio:supervisor", "portfolio:material_download")]
    urls.append(reverse("portfolio:section", args=[case.pk, "B"]))
    for url in urls:
        response = login(trainee).get(url)
        assert response.status_code == 410, url
        assert "raderades hos SFAM" in response.content.decode()
    assert login(evaluator.user).get(urls[1]).status_code == 410
    assert login(make_user(Role.TRAINEE)).get(urls[0]).status_code == 404
    assert not Section.objects.filter(case=case).exists()  # looking did not make new empty sections


def test_the_sweep_is_one_schedule_however_often_migrate_runs(db):
    from django_q.models import Schedule

    register_purge_sweep()
    register_purge_sweep()
    schedule = Schedule.objects.get(name=SWEEP_NAME)
    assert schedule.func == SWEEP_FUNC and schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 60


def test_proposal_comments_reach_the_mail_but_not_the_task_queue(make_case, trainee, evaluator, monkeypatch,
                                                                 mailoutbox, django_capture_on_commit_callbacks):
    from mittist.outbox import services as outbox
    from mittist.outbox.models import Message
    from scheduling.services import practice_day as scheduling_services

    queued = []
    real = "mittist.outbox.services.async_task"
    original = outbox.async_task
    monkeypatch.setattr(real, lambda func, *args: (queued.append((func, args)), original(func, *args))[1])
    case = make_case(S.CONTACT_MADE, trainee=trainee, evaluator_=evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling_services.practice_day_propose(case=case, by=trainee, days=[timezone.localdate() + timedelta(days=45)],
                                                 note="Passar bäst på tisdagar, hälsningar Tova")
    assert queued and "tisdagar" not in repr(queued)
    assert "Passar bäst på tisdagar, hälsningar Tova" in mailoutbox[-1].body
    # The outbox kept the text sealed while it waited, and keeps none once sent.
    assert not Message.objects.filter(content__contains="tisdagar").exists()
    assert set(Message.objects.filter(state=Message.State.SENT).values_list("content", flat=True)) == {""}


def test_material_is_never_purged_without_its_notice(full, monkeypatch):
    # The notice could not be claimed (say its transaction failed): then there is no purge either.
    monkeypatch.setattr("evaluations.purge.send_material_notices", lambda now: 0)
    sweep(ended_on(full.case) + timedelta(days=KEEP + 60))
    case = Evaluation.objects.get(pk=full.case.pk)
    assert case.material_purged_at is None and Section.objects.filter(case=case).count() == 6


@pytest.mark.parametrize("what", ["report", "material"])
def test_the_notice_reads_well_in_english_too(full, trainee, mailoutbox, what, django_capture_on_commit_callbacks):
    from evaluations.purge import deliver_notice

    trainee.language = "en"
    trainee.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_notice(what, str(full.case.pk)) == 1
    mail = mailoutbox[-1]
    html = mail.alternatives[0][0]
    assert f"/arenden/{full.case.pk}/radering/" in mail.body and f"/arenden/{full.case.pk}/radering/" in html
    assert trainee.full_name in mail.body and "{{" not in mail.body + html + mail.subject


def test_one_case_that_fails_does_not_hold_up_the_others(make_case, coordinator, trainee, make_user, monkeypatch,
                                                          caplog):
    from evaluations.extensions import registry
    from portfolio.services.common import ensure_sections
    from portfolio.services.sections import section_save

    cases = []
    for owner in (trainee, make_user(Role.TRAINEE)):
        case = make_case(S.PRACTICE_DAY_AGREED, trainee=owner)
        section = ensure_sections(case)["B"]
        section_save(section=section, by=owner, data={"background": "Bakgrund."}, base_version=0,
                     can_edit=lambda c: True)
        cases.append(case_services.case_withdraw(case=case, by=coordinator, reason="Slutar."))
    broken_case = cases[0]

    def broken(case):
        if case.pk == broken_case.pk:
            raise RuntimeError("a purger's bug")
        return []

    monkeypatch.setattr(registry, "material_purgers", [*registry.material_purgers, broken])
    due = max(ended_on(c) for c in cases) + timedelta(days=KEEP)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)
    first, second = (Evaluation.objects.get(pk=c.pk) for c in cases)
    assert first.material_purged_at is None and Section.objects.filter(case=first).exists()  # rolled back whole
    assert second.material_purged_at is not None and not Section.objects.filter(case=second).exists()
    assert "material purge failed for" in caplog.text and "a purger's bug" in caplog.text
    monkeypatch.undo()
    sweep(due + timedelta(hours=1))  # the next run finishes it
    assert Evaluation.objects.get(pk=first.pk).material_purged_at is not None
