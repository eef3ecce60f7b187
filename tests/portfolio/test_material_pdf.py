"""The material's PDF, rendered by the worker and kept per version of its content (portfolio/services/material_pdf.py):
the page that waits, the stored file served afterwards, a change giving a new version at once, failures shown
with a retry (never a 500), and who may ask for it. The purge's part is in tests/purge/test_material_purge.py."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from evaluations.models import Evaluation, ReadEvent
from portfolio.models import MaterialPdf, Section
from portfolio.services import material_pdf
from portfolio.services.sections import section_save

from .test_reading import (  # noqa: F401  (submitted_case and template are fixtures)
    download_pdf,
    needs_pdftotext,
    pdf_content,
    pdf_text,
    pdf_url,
    submitted_case,
    template,
)
from .test_submission import complete_portfolio, login

S = Evaluation.State
Status = MaterialPdf.Status


def retry_url(case):
    return reverse("portfolio:reading_pdf_retry", args=[case.pk])


def test_the_first_request_waits_on_a_page_that_asks_until_it_is_ready(submitted_case, evaluator,  # noqa: F811
                                                               django_capture_on_commit_callbacks):
    client = login(evaluator.user)
    with django_capture_on_commit_callbacks() as queued:
        response = client.get(pdf_url(submitted_case))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "PDF:en förbereds" in html
    # htmx asks every two seconds (no inline script: the CSP stays strict; no timed reload: axe refuses it).
    assert f'hx-get="{pdf_url(submitted_case)}" hx-trigger="every 2s"' in html
    assert "no-cache" in response["Cache-Control"]
    pdf = MaterialPdf.objects.get(case=submitted_case)
    assert pdf.status == Status.PENDING and not pdf.file
    assert len(queued) == 1
    # Asking again while it is being made queues nothing more.
    with django_capture_on_commit_callbacks() as again:
        assert "PDF:en förbereds" in client.get(pdf_url(submitted_case)).content.decode()
    assert again == [] and MaterialPdf.objects.filter(case=submitted_case).count() == 1
    # The waiting page is not a reading of the material.
    assert not ReadEvent.objects.filter(case=submitted_case).exists()


def test_once_rendered_the_stored_file_is_served_without_rendering_again(submitted_case, evaluator, trainee,  # noqa: F811
                                                                        django_capture_on_commit_callbacks,
                                                                        monkeypatch):
    client = login(evaluator.user)
    first = pdf_content(download_pdf(client, submitted_case, django_capture_on_commit_callbacks))
    pdf = MaterialPdf.objects.get(case=submitted_case)
    assert pdf.status == Status.READY and default_storage.exists(pdf.file.name)
    assert pdf.file.name.startswith(f"cases/{submitted_case.pk}/")
    with default_storage.open(pdf.file.name, "rb") as stored:
        assert stored.read() == first

    def no_rendering(html):
        raise AssertionError("rendered again")

    monkeypatch.setattr(material_pdf.shared_pdf, "render_html_pdf", no_rendering)
    for user in (evaluator.user, trainee):  # the same version for every reader of the same language
        with django_capture_on_commit_callbacks() as queued:
            response = login(user).get(pdf_url(submitted_case))
        assert response["Content-Type"] == "application/pdf"
        assert pdf_content(response) == first
        assert queued == []
    assert MaterialPdf.objects.filter(case=submitted_case).count() == 1
    assert ReadEvent.objects.filter(case=submitted_case, what="material_pdf").count() == 1  # the evaluator's


def test_the_waiting_pages_question_is_answered_without_the_file(submitted_case, evaluator, monkeypatch,  # noqa: F811
                                                                  django_capture_on_commit_callbacks):
    client = login(evaluator.user)
    htmx = {"HTTP_HX_REQUEST": "true"}
    with django_capture_on_commit_callbacks() as queued:
        pending = client.get(pdf_url(submitted_case), **htmx)
    assert pending.status_code == 204 and not pending.content  # nothing yet: htmx asks again
    queued[0]()  # the worker

    ready = client.get(pdf_url(submitted_case), **htmx)
    assert ready.status_code == 286  # htmx stops asking
    html = ready.content.decode()
    assert "PDF:en är klar" in html and f'href="{pdf_url(submitted_case)}"' in html
    assert f'hx-get="{pdf_url(submitted_case)}?hamta=1" hx-trigger="load"' in html
    go = client.get(pdf_url(submitted_case) + "?hamta=1", **htmx)
    assert go.status_code == 204 and go["HX-Redirect"] == pdf_url(submitted_case)
    # The questions are not readings; the download they lead to is.
    assert not ReadEvent.objects.filter(case=submitted_case).exists()

    MaterialPdf.objects.filter(case=submitted_case).update(status=Status.FAILED)
    failed = client.get(pdf_url(submitted_case), **htmx)
    assert failed.status_code == 204 and failed["HX-Refresh"] == "true"  # the page shows the failure


def test_with_the_worker_inline_the_first_request_gets_the_file(submitted_case, evaluator, monkeypatch):  # noqa: F811
    # As with Conf.SYNC outside a transaction: the task runs as it is queued, so there is nothing to wait for.
    monkeypatch.setattr(material_pdf, "queue_task_on_commit", lambda func, *args: async_task(func, *args))
    response = login(evaluator.user).get(pdf_url(submitted_case))

    assert response["Content-Type"] == "application/pdf"
    assert pdf_content(response).startswith(b"%PDF-")
    assert MaterialPdf.objects.get(case=submitted_case).status == Status.READY


@needs_pdftotext
def test_a_change_before_submission_is_in_the_next_download(make_case, trainee, template, tmp_path,  # noqa: F811
                                                            django_capture_on_commit_callbacks):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template)
    client = login(trainee)
    before = pdf_content(download_pdf(client, case, django_capture_on_commit_callbacks))
    old = MaterialPdf.objects.get(case=case)

    section = Section.objects.get(case=case, code="B")
    section_save(section=section, by=trainee, data={"background": "Ändrat i sista stund: Nyskriven-rad-93b1."},
                 base_version=section.version, can_edit=lambda c: trainee.has_perm("portfolio.edit", c))

    # Right after the change: not the old file, but the page that waits for the new version.
    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.get(pdf_url(case))
    assert "PDF:en förbereds" in waiting.content.decode()
    after = client.get(pdf_url(case))
    text = pdf_text(pdf_content(after), tmp_path)
    assert "Nyskriven-rad-93b1" in text
    assert "Nyskriven-rad-93b1" not in pdf_text(before, tmp_path)
    # The older version and its file are gone.
    assert list(MaterialPdf.objects.filter(case=case).values_list("status", flat=True)) == [Status.READY]
    assert not MaterialPdf.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old.file.name)


def test_a_failed_rendering_says_so_and_offers_a_retry(submitted_case, evaluator, monkeypatch,  # noqa: F811
                                                       django_capture_on_commit_callbacks):
    real = material_pdf.shared_pdf.render_html_pdf

    def broken(html):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(material_pdf.shared_pdf, "render_html_pdf", broken)
    client = login(evaluator.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(submitted_case))
    assert MaterialPdf.objects.get(case=submitted_case).status == Status.FAILED

    response = client.get(pdf_url(submitted_case))
    assert response.status_code == 503
    html = response.content.decode()
    assert "PDF:en kunde inte göras" in html
    assert f'action="{retry_url(submitted_case)}"' in html
    assert "hx-trigger" not in html  # a failure does not ask again by itself

    monkeypatch.setattr(material_pdf.shared_pdf, "render_html_pdf", real)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        retried = client.post(retry_url(submitted_case))
    assert retried.status_code == 302 and retried.url == pdf_url(submitted_case)
    assert len(queued) == 1
    response = client.get(pdf_url(submitted_case))
    assert response["Content-Type"] == "application/pdf"
    assert pdf_content(response).startswith(b"%PDF-")


def test_a_rendering_the_worker_never_finished_is_shown_as_failed(submitted_case, evaluator, settings,  # noqa: F811
                                                                   django_capture_on_commit_callbacks):
    client = login(evaluator.user)
    with django_capture_on_commit_callbacks():  # queued, but the worker is down: never runs
        client.get(pdf_url(submitted_case))
    waited = timedelta(minutes=settings.MITTIST_MATERIAL_PDF_WAIT_MINUTES, seconds=1)
    MaterialPdf.objects.filter(case=submitted_case).update(requested_at=timezone.now() - waited)

    response = client.get(pdf_url(submitted_case))
    assert response.status_code == 503 and "PDF:en kunde inte göras" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(retry_url(submitted_case))
    assert client.get(pdf_url(submitted_case))["Content-Type"] == "application/pdf"


def test_a_stored_file_gone_missing_is_a_failure_with_a_retry_not_a_500(submitted_case, evaluator,  # noqa: F811
                                                                        django_capture_on_commit_callbacks):
    client = login(evaluator.user)
    download_pdf(client, submitted_case, django_capture_on_commit_callbacks)
    default_storage.delete(MaterialPdf.objects.get(case=submitted_case).file.name)

    response = client.get(pdf_url(submitted_case))
    assert response.status_code == 503 and "PDF:en kunde inte göras" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(retry_url(submitted_case))
    response = client.get(pdf_url(submitted_case))
    assert response["Content-Type"] == "application/pdf" and pdf_content(response).startswith(b"%PDF-")


def test_a_rendering_of_content_changed_meanwhile_is_dropped(make_case, trainee, template,  # noqa: F811
                                                             django_capture_on_commit_callbacks):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template)
    client = login(trainee)
    with django_capture_on_commit_callbacks() as queued:
        client.get(pdf_url(case))
    section = Section.objects.get(case=case, code="B")
    section_save(section=section, by=trainee, data={"background": "Ändrat medan PDF:en gjordes."},
                 base_version=section.version, can_edit=lambda c: True)
    queued[0]()  # the worker gets to it after the change

    assert not MaterialPdf.objects.filter(case=case).exists()
    assert not default_storage.exists(f"cases/{case.pk}/material-pdf/")


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_readers_of_the_material_may_ask_for_its_pdf(method, submitted_case, trainee, other_trainee,  # noqa: F811
                                                               evaluator, other_evaluator, coordinator, quality):
    expected = {
        "own trainee": (trainee, 200 if method == "get" else 302),
        "own evaluator": (evaluator.user, 200 if method == "get" else 302),
        "other trainee": (other_trainee, 404),
        "other evaluator": (other_evaluator.user, 404),
        "coordinator": (coordinator, 403),
        "quality (case not in review)": (quality, 404),
    }
    url = (pdf_url if method == "get" else retry_url)(submitted_case)
    for who, (user, status) in expected.items():
        assert getattr(login(user), method)(url).status_code == status, who
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("accounts:login"))
    # Nobody refused made the worker render anything.
    assert MaterialPdf.objects.filter(case=submitted_case).count() == 1
    assert login(trainee).get(retry_url(submitted_case)).status_code == 405


def test_the_evaluator_before_submission_asks_for_nothing(make_case, trainee, evaluator, template):  # noqa: F811
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template)
    for response in (login(evaluator.user).get(pdf_url(case)), login(evaluator.user).post(retry_url(case))):
        assert response.status_code == 403
    assert not MaterialPdf.objects.filter(case=case).exists()
