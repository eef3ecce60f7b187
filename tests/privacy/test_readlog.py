"""The read log: every view or download of the trainee's material, report or certificate by someone else is one
row (who, what, when); the trainee's own reads, HEAD requests and autosaves are not; the same read again within
the coalescing window adds to one row. The office sees it per case, the trainee as "Vem har läst"."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations.models import ReadEvent
from evaluations.readlog import record_read
from tests.conftest import S


def reads(case):
    return list(ReadEvent.objects.filter(case=case).order_by("at", "id"))


@pytest.fixture
def submitted(make_case, trainee, definitions):
    return make_case(S.MATERIAL_SUBMITTED, trainee=trainee)


def test_the_evaluator_reading_the_material_is_logged_page_by_page(submitted, evaluator, trainee, login,
                                                                     django_capture_on_commit_callbacks):
    client = login(evaluator.user)
    with django_capture_on_commit_callbacks(execute=True):
        # The page that waits while the worker renders the PDF is not a reading; the PDF below is.
        assert "PDF:en förbereds" in client.get(reverse("portfolio:reading_pdf", args=[submitted.pk])).content.decode()
    assert reads(submitted) == []
    for url in (
        reverse("portfolio:overview", args=[submitted.pk]),
        reverse("portfolio:section", args=[submitted.pk, "B"]),
        reverse("portfolio:reading", args=[submitted.pk]),
        reverse("portfolio:reading_pdf", args=[submitted.pk]),
        reverse("portfolio:recordings", args=[submitted.pk]),
    ):
        assert client.get(url).status_code == 200, url
    logged = reads(submitted)
    assert [(r.what, r.detail) for r in logged] == [
        ("portfolio_overview", ""), ("portfolio_section", "B"), ("material", ""), ("material_pdf", ""),
        ("recordings", ""),
    ]
    assert {r.reader_id for r in logged} == {evaluator.user.pk}
    assert all(r.count == 1 for r in logged)


def test_the_trainee_reading_their_own_material_is_not_logged(submitted, trainee, login):
    client = login(trainee)
    assert client.get(reverse("portfolio:reading", args=[submitted.pk])).status_code == 200
    assert client.get(reverse("portfolio:section", args=[submitted.pk, "B"])).status_code == 200
    assert reads(submitted) == []


def test_a_reload_is_one_row_with_a_count_and_a_later_read_a_new_row(submitted, evaluator, login, settings):
    settings.MITTIST_READLOG_COALESCE_MINUTES = 10
    client = login(evaluator.user)
    url = reverse("portfolio:section", args=[submitted.pk, "C"])
    client.get(url)
    client.get(url)
    client.head(url)  # a HEAD is not a reading
    assert [(r.what, r.count) for r in reads(submitted)] == [("portfolio_section", 2)]
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        client.get(url)
    assert [r.count for r in reads(submitted)] == [2, 1]
    # Another section is another thing read.
    client.get(reverse("portfolio:section", args=[submitted.pk, "D"]))
    assert len(reads(submitted)) == 3


def test_a_refused_read_writes_nothing(submitted, coordinator, other_trainee, login):
    # The coordinator sees completeness, never the content: 403, and nothing read.
    assert login(coordinator).get(reverse("portfolio:reading", args=[submitted.pk])).status_code == 403
    assert login(other_trainee).get(reverse("portfolio:reading", args=[submitted.pk])).status_code == 404
    assert reads(submitted) == []


def test_report_reads_by_the_quality_group_and_through_a_share_link(make_case, trainee, quality, login, definitions):
    from evaluations.reports import services as report_services

    case = make_case(S.REPORT_DELIVERED, trainee=trainee)
    login(trainee).get(reverse("reports:read", args=[case.pk]))
    assert reads(case) == []
    assert login(quality).get(reverse("reports:read", args=[case.pk])).status_code == 200
    assert login(quality).get(reverse("reports:pdf", args=[case.pk])).status_code == 200

    share, token = report_services.share_create(report=case.report, by=trainee, kind="manager", name="Maja Chef",
                                                email="maja.chef@example.org")
    reader = Client()
    reader.post(reverse("reports:shared_landing", args=[token]))
    assert reader.get(reverse("reports:shared_view", args=[share.pk])).status_code == 200
    assert reader.get(reverse("reports:shared_pdf", args=[share.pk])).status_code == 200

    logged = [(r.what, r.reader_id, r.reader_label) for r in reads(case)]
    assert logged == [
        ("report", quality.pk, ""),
        ("report_pdf", quality.pk, ""),
        ("report_shared", None, "Delningslänk: Maja Chef"),
        ("report_shared_pdf", None, "Delningslänk: Maja Chef"),
    ]


def test_the_evaluator_previewing_the_report_is_logged(make_case, evaluator, login, definitions):
    case = make_case(S.PRACTICE_DAY_HELD)
    assert login(evaluator.user).get(reverse("reports:preview", args=[case.pk])).status_code == 200
    assert [r.what for r in reads(case)] == ["report_preview"]
    # The autosave (every few seconds while writing) is not a reading.
    login(evaluator.user).post(reverse("reports:autosave", args=[case.pk]), {"version": "0"})
    assert [r.what for r in reads(case)] == ["report_preview"]


def test_the_office_downloading_the_certificate_is_logged(make_case, trainee, coordinator, login, definitions):
    case = make_case(S.CERTIFIED, trainee=trainee)
    assert login(trainee).get(reverse("certificates:download", args=[case.pk])).status_code == 200
    assert login(coordinator).get(reverse("certificates:download", args=[case.pk])).status_code == 200
    assert [(r.what, r.reader_id) for r in reads(case)] == [("certificate", coordinator.pk)]


def test_an_unregistered_kind_is_refused(submitted, evaluator):
    with pytest.raises(ValueError):
        record_read(case=submitted, by=evaluator.user, what="portfolj")


# --- who sees the log ---------------------------------------------------------------------------------


def test_the_trainee_and_the_office_see_the_log_others_do_not(
    submitted, trainee, coordinator, evaluator, other_trainee, quality, login
):
    login(evaluator.user).get(reverse("portfolio:reading", args=[submitted.pk]))
    page = reverse("evaluations:read_log", args=[submitted.pk])

    mine = login(trainee).get(page)
    assert mine.status_code == 200
    assert mine["Cache-Control"].startswith("no-store")
    text = mine.content.decode()
    assert "Vem har läst" in text and "Vera Värderare" in text and "Materialet (sidan)" in text

    case_page = login(trainee).get(submitted.get_absolute_url()).content.decode()
    assert "Vem har läst" in case_page and "Vera Värderare" in case_page

    office = login(coordinator).get(submitted.get_absolute_url()).content.decode()
    assert "Läslogg" in office and "Vera Värderare" in office
    assert login(coordinator).get(page).status_code == 200

    assert login(evaluator.user).get(page).status_code == 403
    assert "readlog-panel-heading" not in login(evaluator.user).get(submitted.get_absolute_url()).content.decode()
    assert login(other_trainee).get(page).status_code == 404
    assert login(quality).get(page).status_code == 404  # the quality group cannot see a case before the report
    assert Client().get(page).status_code == 302


def test_the_panel_says_so_when_nobody_has_read(submitted, trainee, login):
    text = login(trainee).get(submitted.get_absolute_url()).content.decode()
    assert "Ingen annan har läst ditt material ännu." in text


def test_documents_and_self_evaluations_read_by_the_evaluator(make_case, trainee, evaluator, quality, login,
                                                              definitions):
    from portfolio.models import Document, Recording
    from tests.purge.builders import build_full_case

    case = build_full_case(make_case, trainee, evaluator, quality, close=False).case
    ReadEvent.objects.filter(case=case).delete()
    client = login(evaluator.user)
    plan = Document.objects.get(case=case, kind="education_plan")
    assert client.get(reverse("portfolio:document_download", args=[plan.pk])).status_code == 200
    recording = Recording.objects.filter(case=case).order_by("recorded_on").first()
    url = reverse("portfolio:self_evaluation", args=[case.pk, recording.pk])
    assert client.get(url).status_code == 200
    logged = [(r.what, r.detail) for r in reads(case)]
    assert logged[0] == ("document", "Utbildningsplan")
    assert logged[1][0] == "self_evaluation" and logged[1][1] in {"1", "2"}
    # The trainee opening the same is not a reading by someone else.
    login(trainee).get(url)
    assert len(reads(case)) == 2
