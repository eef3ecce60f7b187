"""The report's purge: notice first (once), purge on its day and never sooner than the notice period after
the notice, content gone and the tombstone kept, share links deleted, a second run a no-op."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations.certificates.models import Certificate
from evaluations.models import CaseEvent, Evaluation, PendingFileDeletion
from evaluations.reports import selectors
from evaluations.reports import services as report_services
from evaluations.reports.models import QualityReview, Report, ReportShare
from mittist.accounts.models import Role
from tests.conftest import S

from .conftest import AFTER_REVIEW, MAX, NOTICE, at, sweep


@pytest.fixture
def reviewed(make_case, trainee):
    """Delivered and reviewed today (the review issues the certificate)."""
    case = make_case(S.CERTIFIED, trainee=trainee)
    review = case.report.review
    QualityReview.objects.filter(pk=review.pk).update(comments="Kvalitetsgruppens synpunkt: konkret och bra.")
    return Evaluation.objects.get(pk=case.pk)


def today():
    return timezone.localdate()


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(case, action):
    return list(CaseEvent.objects.filter(case=case, action=action))


def notices(mailoutbox):
    return [m for m in mailoutbox if "raderas hos SFAM" in m.subject]


def test_the_notice_goes_out_once_on_its_day_with_the_date_and_the_pages_link(reviewed, trainee, mailoutbox):
    due = today() + timedelta(days=AFTER_REVIEW)
    assert reviewed.report.purge_due() == due

    sweep(due - timedelta(days=NOTICE + 1))
    assert notices(mailoutbox) == []
    assert Report.objects.get(pk=reviewed.report.pk).purge_notice_sent_at is None

    sweep(due - timedelta(days=NOTICE))
    sweep(due - timedelta(days=NOTICE))  # the next hour's run
    sweep(due - timedelta(days=NOTICE - 1))
    mails = notices(mailoutbox)
    assert len(mails) == 1
    mail = mails[0]
    assert mail.to == [f"{trainee.full_name} <{trainee.email}>"]
    assert mail.subject == f"Rapporten från din Mitt-i-ST raderas hos SFAM {due.day} {_month(due)} {due.year}"
    page = f"https://mittist.example.org/arenden/{reviewed.pk}/radering/"
    assert page in mail.body and page in mail.alternatives[0][0]
    assert len(events(reviewed, "report_purge_notice")) == 1
    report = Report.objects.get(pk=reviewed.report.pk)
    assert report.purge_notice_sent_at is not None and report.purged_at is None


def _month(day):
    return ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
            "november", "december"][day.month - 1]


def test_the_report_goes_on_its_day_not_before(reviewed):
    due = today() + timedelta(days=AFTER_REVIEW)
    pdf_name = reviewed.report.pdf.name
    sweep(due - timedelta(days=NOTICE))
    sweep(due - timedelta(days=1))
    assert Report.objects.get(pk=reviewed.report.pk).purged_at is None
    assert default_storage.exists(pdf_name)

    done = sweep(due)
    assert done["reports_purged"] == 1
    report = Report.objects.get(pk=reviewed.report.pk)
    assert report.purged_at is not None and timezone.localdate(report.purged_at) == due
    assert not default_storage.exists(pdf_name)
    assert PendingFileDeletion.objects.count() == 0
    assert len(events(reviewed, "report_purged")) == 1


def test_purged_report_keeps_only_the_tombstone(reviewed):
    report = reviewed.report
    with default_storage.open(report.pdf.name, "rb") as handle:
        saved = handle.read()
    before = Report.objects.get(pk=report.pk)
    review_before = QualityReview.objects.get(report=report)
    assert before.answers and before.questions is not None and review_before.comments

    due = today() + timedelta(days=AFTER_REVIEW)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)

    after = Report.objects.get(pk=report.pk)
    assert after.answers == {} and after.questions == [] and not after.pdf
    # The tombstone: delivery, its author, lateness, the checksum of what was sent.
    assert after.delivered_at == before.delivered_at
    assert after.delivered_by_id == before.delivered_by_id and after.delivered_by_name == before.delivered_by_name
    assert after.delivered_late == before.delivered_late
    assert after.pdf_sha256 == before.pdf_sha256 == hashlib.sha256(saved).hexdigest()
    review = QualityReview.objects.get(report=report)
    assert review.comments == ""
    assert review.answers == review_before.answers and set(review.answers.values()) == {"yes"}
    assert review.reviewer_name == review_before.reviewer_name and review.completed_at == review_before.completed_at


def test_a_late_notice_moves_the_purge_to_the_end_of_its_notice_period(reviewed, mailoutbox):
    due = today() + timedelta(days=AFTER_REVIEW)
    late = due + timedelta(days=5)  # the worker was down until then
    done = sweep(late)
    assert done == {**done, "report_notices": 1, "reports_purged": 0}
    promised = late + timedelta(days=NOTICE)
    assert f"{promised.day} {_month(promised)} {promised.year}" in notices(mailoutbox)[0].body
    assert selectors.report_facts(Evaluation.objects.get(pk=reviewed.pk)).purge_due == promised

    sweep(promised - timedelta(days=1))
    assert Report.objects.get(pk=reviewed.report.pk).purged_at is None
    sweep(promised)
    assert Report.objects.get(pk=reviewed.report.pk).purged_at is not None


def test_no_purge_without_a_notice(reviewed, monkeypatch):
    # A notice that could not be claimed (say the mail step failed and rolled back) means no purge at all.
    monkeypatch.setattr("evaluations.reports.purge.send_report_notices", lambda now: 0)
    sweep(today() + timedelta(days=MAX + 30))
    assert Report.objects.get(pk=reviewed.report.pk).purged_at is None


def test_an_unreviewed_report_is_purged_at_the_latest_day(make_case, quality, mailoutbox):
    case = make_case(S.REPORT_DELIVERED)
    latest = today() + timedelta(days=MAX)
    assert case.report.purge_due() == latest
    assert list(selectors.quality_queue()) == [case.report]

    sweep(latest - timedelta(days=NOTICE + 1))
    assert notices(mailoutbox) == []
    sweep(latest - timedelta(days=NOTICE))
    assert len(notices(mailoutbox)) == 1
    sweep(latest - timedelta(days=1))
    assert Report.objects.get(pk=case.report.pk).purged_at is None
    sweep(latest)
    report = Report.objects.get(pk=case.report.pk)
    assert report.purged_at is not None and report.answers == {}
    # Gone from the quality group's queue, and nobody can take it any more.
    assert list(selectors.quality_queue()) == []
    assert not quality.has_perm("reports.review", Evaluation.objects.get(pk=case.pk))


def test_a_second_run_changes_nothing(reviewed, mailoutbox):
    due = today() + timedelta(days=AFTER_REVIEW)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)

    def snapshot():
        report = Report.objects.get(pk=reviewed.report.pk)
        return (
            list(Report.objects.values()), list(QualityReview.objects.values()), list(ReportShare.objects.values()),
            list(CaseEvent.objects.values()), list(Evaluation.objects.values()), report.purged_at,
        )

    before, mails = snapshot(), len(mailoutbox)
    assert sweep(due) == dict.fromkeys(["report_notices", "material_notices", "reports_purged", "material_purged",
                                        "files_deleted", "files_failed"], 0)
    assert sweep(due + timedelta(days=400))["reports_purged"] == 0
    assert snapshot() == before and len(mailoutbox) == mails


def test_share_links_are_deleted_and_say_so(reviewed, trainee):
    report = reviewed.report
    with at(today()):
        share, token = report_services.share_create(report=report, by=trainee, kind="manager", name="Maja Chef",
                                                    email="maja@example.org")
    reader = Client()
    landing = reverse("reports:shared_landing", args=[token])
    reader.post(landing)  # the reader opened it once before the purge
    assert reader.get(reverse("reports:shared_view", args=[share.pk])).status_code == 200
    assert CaseEvent.objects.filter(case=reviewed, action="report_share_opened").exclude(note="").exists()

    due = today() + timedelta(days=AFTER_REVIEW)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)

    assert not ReportShare.objects.filter(report=report).exists()
    for response in (reader.get(landing), reader.get(reverse("reports:shared_view", args=[share.pk])),
                     reader.get(reverse("reports:shared_pdf", args=[share.pk]))):
        assert response.status_code == 404
        assert "kvar hos SFAM" in response.content.decode()
    # Whom the trainee shared it with goes with the links; the timeline keeps that it happened.
    shared_rows = CaseEvent.objects.filter(case=reviewed, action__startswith="report_share")
    assert shared_rows.count() == 2 and set(shared_rows.values_list("note", flat=True)) == {""}


def test_certificate_is_untouched(reviewed, trainee):
    before = Certificate.objects.filter(case=reviewed).values().get()
    due = today() + timedelta(days=AFTER_REVIEW)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)
    assert Certificate.objects.filter(case=reviewed).values().get() == before
    response = login(trainee).get(reverse("certificates:download", args=[reviewed.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_case_pages_after_the_purge_say_where_the_report_went(reviewed, trainee, coordinator, evaluator):
    delivered = timezone.localdate(reviewed.report.delivered_at)
    due = today() + timedelta(days=AFTER_REVIEW)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)
    with at(due):
        for user in (trainee, coordinator, evaluator.user):
            page = login(user).get(reverse("evaluations:case_detail", args=[reviewed.pk])).content.decode()
            assert f"Raderad hos SFAM {due.day} {_month(due)} {due.year}" in page
            assert (f"Rapporten skickades till ST-läkaren {delivered.day} {_month(delivered)} {delivered.year} "
                    f"och raderades hos SFAM {due.day} {_month(due)} {due.year}") in page
            assert reverse("reports:verify") in page
        trainee_client = login(trainee)
        read = trainee_client.get(reverse("reports:read", args=[reviewed.pk]))
        assert read.status_code == 200 and "Rapporten finns inte kvar hos SFAM." in read.content.decode()
        assert "Text för" not in read.content.decode()
        assert trainee_client.get(reverse("reports:pdf", args=[reviewed.pk])).status_code == 404


def test_a_failed_delete_keeps_the_name_and_the_next_run_finishes_it(reviewed, monkeypatch):
    name = reviewed.report.pdf.name
    due = today() + timedelta(days=AFTER_REVIEW)
    sweep(due - timedelta(days=NOTICE))

    def broken(name, storage=None):
        raise ConnectionError("storage down")

    monkeypatch.setattr("evaluations.purge.delete_all_versions", broken)
    done = sweep(due)
    assert done["reports_purged"] == 1 and done["files_failed"] == 2 and done["files_deleted"] == 0
    pending = PendingFileDeletion.objects.get(name=name)
    assert pending.attempts == 1 and pending.last_error == "ConnectionError"
    assert default_storage.exists(name)
    assert Report.objects.get(pk=reviewed.report.pk).answers == {}  # the text went with the claim

    monkeypatch.undo()
    done = sweep(due + timedelta(hours=1))
    assert done["files_deleted"] == 2 and done["reports_purged"] == 0
    assert not default_storage.exists(name) and PendingFileDeletion.objects.count() == 0


def test_an_unsent_draft_goes_with_the_material(make_case, coordinator, evaluator):
    case = make_case(S.PRACTICE_DAY_HELD)
    report = report_services.report_for(case)
    report_services.report_save(report=report, by=evaluator.user, data={"summary": "Utkast om dagen."},
                                base_version=report.version)
    from evaluations import services as case_services

    case = case_services.case_withdraw(case=case, by=coordinator, reason="Flyttar utomlands.")
    ended = timezone.localdate(case.closed_at)
    sweep(ended + timedelta(days=30))
    report = Report.objects.get(pk=report.pk)
    assert report.purged_at is not None and report.answers == {}
    assert Evaluation.objects.get(pk=case.pk).material_purged_at is not None
    page = login(coordinator).get(reverse("evaluations:case_detail", args=[case.pk])).content.decode()
    assert "Rapporten skickades aldrig. Utkastet raderades hos SFAM" in page


def test_others_cannot_see_the_purge_page(reviewed, make_user, quality, evaluator):
    url = reverse("evaluations:purge", args=[reviewed.pk])
    assert login(make_user(Role.TRAINEE)).get(url).status_code == 404
    assert login(evaluator.user).get(url).status_code == 403
    assert login(quality).get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/konto/logga-in/" in anonymous["Location"]
