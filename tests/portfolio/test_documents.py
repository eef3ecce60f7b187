"""Portfolio documents on the local file system: validation with real files, replace, remove, download, rights.

The S3 path is in test_documents_s3.py; the default storage here is a fresh folder per test (conftest).
"""

import re
import threading
import time
import uuid
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation
from portfolio.models import Document
from portfolio.uploads import clean_display_name
from portfolio.views import documents as views

from .conftest import HTML, make_docx, make_jpeg, make_odt, make_pdf, make_png

S = Evaluation.State
PLAN = Document.Kind.EDUCATION_PLAN
PHOTO = Document.Kind.PHOTO
KEY = re.compile(r"^cases/(?P<case>[0-9a-f-]{36})/(?P<kind>education_plan|photo)/(?P<id>[0-9a-f-]{36})\.(?P<ext>\w+)$")
STORAGE_DOWN = "Dokumentet kunde inte sparas just nu. Försök igen om en stund."


@pytest.fixture
def open_case(make_case, trainee):
    """A case where the trainee writes the portfolio."""
    return make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)


@pytest.fixture
def as_trainee(client, trainee):
    client.force_login(trainee)
    return client


def upload_url(case, kind=PLAN, next_url=None):
    url = reverse("portfolio:document_upload", args=[case.pk, kind])
    return f"{url}?next={quote(next_url)}" if next_url else url


def post_file(client, case, name, content, kind=PLAN, content_type="application/octet-stream", **kwargs):
    return client.post(upload_url(case, kind, **kwargs), {"file": SimpleUploadedFile(name, content, content_type)})


def multipart(name: str, content: bytes, boundary="----mittist-test-boundary") -> tuple[bytes, str]:
    """A multipart body by hand: the test client would strip folders from the file name itself."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def stored_files(settings) -> list[str]:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def field_errors(response, kind=PLAN) -> list[str]:
    """The errors this request added for the field (earlier, unshown messages are left out)."""
    queued = response.wsgi_request._messages._queued_messages
    return [str(m) for m in queued if m.extra_tags == f"document-{kind}"]


def events(case, action):
    return CaseEvent.objects.filter(case=case, action=action)


# --- accepted files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "make", "content_type", "ext"),
    [
        (PLAN, "Utbildningsplan.pdf", make_pdf, "application/pdf", "pdf"),
        (PLAN, "plan.DOCX", make_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        (PLAN, "plan.odt", make_odt, "application/vnd.oasis.opendocument.text", "odt"),
        (PHOTO, "jag.jpg", make_jpeg, "image/jpeg", "jpg"),
        (PHOTO, "jag.jpeg", make_jpeg, "image/jpeg", "jpg"),
        (PHOTO, "jag.png", make_png, "image/png", "png"),
    ],
)
def test_trainee_uploads_an_accepted_file_under_a_server_made_name(
    as_trainee, open_case, trainee, settings, kind, name, make, content_type, ext
):
    content = make()
    response = post_file(as_trainee, open_case, name, content, kind=kind, content_type="text/html")

    document = Document.objects.get(case=open_case, kind=kind)
    match = KEY.match(document.file.name)
    assert match, document.file.name
    assert (match["case"], match["kind"], match["ext"]) == (str(open_case.pk), kind, ext)
    uuid.UUID(match["id"])
    assert document.original_name == name
    assert document.content_type == content_type  # what the content is, not what the browser said
    assert document.size == len(content)
    assert document.uploaded_by == trainee
    assert default_storage.open(document.file.name).read() == content
    assert stored_files(settings) == [document.file.name]
    assert events(open_case, "document_uploaded").count() == 1
    assert response.status_code == 302
    assert response.url.endswith(f"#document-{kind}")
    assert field_errors(response, kind) == []


def test_upload_goes_back_to_the_page_it_came_from(as_trainee, open_case):
    page = reverse("portfolio:document_upload", args=[open_case.pk, PLAN]) + "?x=1"
    response = post_file(as_trainee, open_case, "plan.pdf", make_pdf(), next_url=page)
    assert response.url == f"{page}#document-education_plan"


def test_upload_never_redirects_to_another_site(as_trainee, open_case):
    response = post_file(as_trainee, open_case, "plan.pdf", make_pdf(), next_url="https://evil.example.com/")
    assert "evil" not in response.url
    assert response.url.endswith("#document-education_plan")


# --- refused files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "make", "message"),
    [
        (PLAN, "plan.pdf", make_png, "Filen heter .pdf men innehållet är en PNG-bild."),
        (PLAN, "plan.pdf", lambda: HTML, "Filen heter .pdf men innehållet är inte en PDF-fil."),
        (PLAN, "plan.pdf", lambda: b"", "Filen är tom."),
        (PLAN, "plan.exe", make_pdf, "Filtypen .exe tas inte emot här."),
        (PLAN, "plan", make_pdf, "Filen saknar filändelse."),
        (PLAN, "plan.jpg", make_jpeg, "Filtypen .jpg tas inte emot här."),
        (PLAN, "plan.odt", make_docx, "Filen heter .odt men innehållet är ett Word-dokument (DOCX)."),
        (PLAN, "plan.docx", make_odt, "Filen heter .docx men innehållet är ett OpenDocument-dokument (ODT)."),
        (PLAN, "plan.docx", lambda: b"PK\x03\x04 not really a zip", "innehållet är inte ett Word-dokument"),
        (PHOTO, "jag.png", make_jpeg, "Filen heter .png men innehållet är en JPEG-bild."),
        (PHOTO, "jag.jpg", make_pdf, "Filen heter .jpg men innehållet är en PDF-fil."),
        (PHOTO, "jag.pdf", make_pdf, "Filtypen .pdf tas inte emot här. Välj en fil i formatet JPEG eller PNG."),
    ],
)
def test_a_file_whose_content_and_name_do_not_agree_is_refused_at_the_field(
    as_trainee, open_case, settings, kind, name, make, message
):
    response = post_file(as_trainee, open_case, name, make(), kind=kind, content_type="application/pdf")

    assert response.status_code == 302
    errors = field_errors(response, kind)
    assert len(errors) == 1 and message in errors[0], errors
    assert not Document.objects.filter(case=open_case).exists()
    assert stored_files(settings) == []
    assert not events(open_case, "document_uploaded").exists()


def test_posting_without_a_file_asks_for_one(as_trainee, open_case):
    response = as_trainee.post(upload_url(open_case), {})
    assert field_errors(response) == ["Välj en fil att ladda upp."]
    assert not Document.objects.exists()


def test_a_file_at_the_limit_is_taken(as_trainee, open_case, settings):
    settings.PORTFOLIO_MAX_UPLOAD_MB = 1
    content = make_pdf().ljust(1024 * 1024, b" ")
    post_file(as_trainee, open_case, "plan.pdf", content)
    assert Document.objects.get(case=open_case).size == 1024 * 1024


def test_a_file_just_over_the_limit_is_stopped_by_the_upload_handler(as_trainee, open_case, settings):
    settings.PORTFOLIO_MAX_UPLOAD_MB = 1
    content = make_pdf().ljust(1024 * 1024 + 1, b" ")
    response = post_file(as_trainee, open_case, "plan.pdf", content)
    assert field_errors(response) == ["Filen är för stor. Den får vara högst 1 MB."]
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def _direct_request(case, user, body, content_type):
    request = RequestFactory().post(upload_url(case), data=body, content_type=content_type)
    request.user = user
    request._dont_enforce_csrf_checks = True
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    return request


def test_an_oversized_body_is_refused_before_it_is_read(open_case, trainee, settings):
    settings.PORTFOLIO_MAX_UPLOAD_MB = 1
    body, content_type = multipart("plan.pdf", make_pdf().ljust(2 * 1024 * 1024, b" "))
    request = _direct_request(open_case, trainee, body, content_type)

    response = views.upload(request, case_id=open_case.pk, kind=PLAN)

    assert response.status_code == 302
    assert request._stream._pos == 0  # not one byte of the body was read
    assert [str(m) for m in get_messages(request)] == ["Filen är för stor. Den får vara högst 1 MB."]
    assert not Document.objects.exists()


def test_reading_stops_once_the_file_grows_past_the_limit(open_case, trainee, settings, monkeypatch):
    # With the Content-Length check out of the way (a server that streams, or a lying client), the
    # upload handler alone stops reading about one chunk past the limit.
    monkeypatch.setattr(views, "MULTIPART_OVERHEAD", 100 * 1024 * 1024)
    settings.PORTFOLIO_MAX_UPLOAD_MB = 1
    body, content_type = multipart("plan.pdf", make_pdf().ljust(3 * 1024 * 1024, b" "))
    request = _direct_request(open_case, trainee, body, content_type)

    response = views.upload(request, case_id=open_case.pk, kind=PLAN)

    assert response.status_code == 302
    assert request._stream._pos < 1024 * 1024 + 200 * 1024  # the rest of the 3 MB was left unread
    assert [str(m) for m in get_messages(request)] == ["Filen är för stor. Den får vara högst 1 MB."]
    assert not Document.objects.exists()


def test_a_name_with_folders_and_unicode_is_kept_for_display_only(as_trainee, open_case, settings):
    name = "../../etc/..\\Min plan – Åsa Ödegård 😀.pdf"
    body, content_type = multipart(name, make_pdf())
    as_trainee.post(upload_url(open_case), data=body, content_type=content_type)

    document = Document.objects.get(case=open_case)
    assert document.original_name == "Min plan – Åsa Ödegård 😀.pdf"
    assert KEY.match(document.file.name)
    assert stored_files(settings) == [document.file.name]

    response = as_trainee.get(reverse("portfolio:document_download", args=[document.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert quote("Min plan – Åsa Ödegård 😀.pdf") in disposition


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\tova\\plan.pdf", "plan.pdf"),
        ("..pdf", "utbildningsplan.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("plan\u202efdp.exe", "planfdp.exe"),  # a right-to-left override would show "exe.pdf"
        ("plan\x00\n\t.pdf", "plan.pdf"),
        ("Åsa\u030a.pdf", "Åså.pdf"),  # decomposed (macOS) becomes composed
        ("", "utbildningsplan"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_display_names_are_cleaned(raw, clean):
    assert clean_display_name(raw, "utbildningsplan") == clean


def test_a_name_that_is_only_an_extension_gets_a_name(as_trainee, open_case):
    body, content_type = multipart("../.pdf", make_pdf())
    as_trainee.post(upload_url(open_case), data=body, content_type=content_type)
    assert Document.objects.get(case=open_case).original_name == "utbildningsplan.pdf"


# --- replace and remove -----------------------------------------------------------------------------


def test_replacing_keeps_the_old_file_until_the_new_one_is_stored(
    as_trainee, open_case, settings, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        post_file(as_trainee, open_case, "gammal.pdf", make_pdf())
    old = Document.objects.get(case=open_case)
    old_name = old.file.name

    storage = default_storage._wrapped
    real_save = storage.save
    seen = {}

    def save(name, content, **kwargs):
        seen["old_exists_while_saving"] = storage.exists(old_name)
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(storage, "save", save)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_file(as_trainee, open_case, "ny.odt", make_odt())
    new = Document.objects.get(case=open_case)
    assert seen["old_exists_while_saving"] is True
    assert new.pk == old.pk and new.original_name == "ny.odt" and new.file.name != old_name
    # Committed row, not yet deleted old file: both are there until the commit's callbacks run.
    assert stored_files(settings) == sorted([old_name, new.file.name])

    for callback in callbacks:
        callback()
    assert stored_files(settings) == [new.file.name]
    assert events(open_case, "document_uploaded").count() == 2


def test_a_failed_replacement_leaves_the_old_document_as_it_was(as_trainee, open_case, settings, monkeypatch):
    post_file(as_trainee, open_case, "gammal.pdf", make_pdf())
    old = Document.objects.get(case=open_case)

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(default_storage._wrapped, "save", broken_save)
    response = post_file(as_trainee, open_case, "ny.pdf", make_pdf())

    assert field_errors(response) == [STORAGE_DOWN]
    after = Document.objects.get(case=open_case)
    assert (after.file.name, after.original_name) == (old.file.name, "gammal.pdf")
    assert stored_files(settings) == [old.file.name]


def test_a_database_failure_after_storing_removes_the_new_file(as_trainee, open_case, settings, monkeypatch):
    from portfolio.services import documents as service

    def broken_record(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "record", broken_record)
    with pytest.raises(RuntimeError):
        post_file(as_trainee, open_case, "plan.pdf", make_pdf())
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_trainee_removes_a_document(as_trainee, open_case, settings, django_capture_on_commit_callbacks):
    post_file(as_trainee, open_case, "plan.pdf", make_pdf())
    with django_capture_on_commit_callbacks(execute=True):
        response = as_trainee.post(reverse("portfolio:document_remove", args=[open_case.pk, PLAN]))
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert stored_files(settings) == []
    assert events(open_case, "document_removed").count() == 1


def test_removing_what_is_not_there_says_so(as_trainee, open_case):
    response = as_trainee.post(reverse("portfolio:document_remove", args=[open_case.pk, PHOTO]))
    assert field_errors(response, PHOTO) == ["Det finns inget dokument att ta bort."]


def test_a_failing_delete_of_the_old_file_does_not_fail_the_upload(
    as_trainee, open_case, monkeypatch, django_capture_on_commit_callbacks
):
    post_file(as_trainee, open_case, "gammal.pdf", make_pdf())

    def broken_delete(name):
        raise OSError("read-only")

    monkeypatch.setattr(default_storage._wrapped, "delete", broken_delete)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(as_trainee, open_case, "ny.pdf", make_pdf())
    assert response.status_code == 302
    assert Document.objects.get(case=open_case).original_name == "ny.pdf"


# --- download ---------------------------------------------------------------------------------------


def test_trainee_downloads_the_file_as_an_attachment(as_trainee, open_case):
    content = make_pdf()
    post_file(as_trainee, open_case, "Min plan.pdf", content)
    document = Document.objects.get(case=open_case)

    response = as_trainee.get(reverse("portfolio:document_download", args=[document.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Min plan.pdf"'
    assert "no-store" in response["Cache-Control"]


def test_a_missing_file_is_a_404_not_a_500(as_trainee, open_case):
    post_file(as_trainee, open_case, "plan.pdf", make_pdf())
    document = Document.objects.get(case=open_case)
    default_storage.delete(document.file.name)
    assert as_trainee.get(reverse("portfolio:document_download", args=[document.pk])).status_code == 404


# --- rights -----------------------------------------------------------------------------------------


@pytest.fixture
def plan(as_trainee, open_case):
    post_file(as_trainee, open_case, "plan.pdf", make_pdf())
    return Document.objects.get(case=open_case)


def test_another_trainee_cannot_see_upload_remove_or_download(client, other_trainee, open_case, plan):
    client.force_login(other_trainee)
    assert client.get(upload_url(open_case)).status_code == 404
    assert post_file(client, open_case, "plan.pdf", make_pdf()).status_code == 404
    assert client.post(reverse("portfolio:document_remove", args=[open_case.pk, PLAN])).status_code == 404
    assert client.get(reverse("portfolio:document_download", args=[plan.pk])).status_code == 404
    assert Document.objects.get(pk=plan.pk).original_name == "plan.pdf"


def test_the_coordinator_cannot_download_or_change_documents(client, coordinator, open_case, plan):
    # Data minimisation: the coordinator sees that the plan is there, never its content.
    client.force_login(coordinator)
    assert client.get(reverse("portfolio:document_download", args=[plan.pk])).status_code == 403
    assert post_file(client, open_case, "plan.pdf", make_pdf()).status_code == 403
    assert client.post(reverse("portfolio:document_remove", args=[open_case.pk, PLAN])).status_code == 403
    assert Document.objects.filter(pk=plan.pk).exists()


def test_the_evaluator_downloads_only_after_the_material_is_submitted(client, evaluator, open_case, plan, trainee):
    from evaluations import services

    url = reverse("portfolio:document_download", args=[plan.pk])
    client.force_login(evaluator.user)
    assert client.get(url).status_code == 403

    services.case_submit_material(case=open_case, by=trainee)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == make_pdf()
    # ...but never changes anything.
    assert post_file(client, open_case, "plan.pdf", make_pdf()).status_code == 403


def test_another_evaluator_gets_404(client, other_evaluator, plan):
    client.force_login(other_evaluator.user)
    assert client.get(reverse("portfolio:document_download", args=[plan.pk])).status_code == 404


def test_after_submission_the_trainee_can_no_longer_change_documents(as_trainee, open_case, plan, trainee):
    from evaluations import services

    services.case_submit_material(case=open_case, by=trainee)
    assert post_file(as_trainee, open_case, "ny.pdf", make_pdf()).status_code == 403
    assert as_trainee.post(reverse("portfolio:document_remove", args=[open_case.pk, PLAN])).status_code == 403
    assert as_trainee.get(reverse("portfolio:document_download", args=[plan.pk])).status_code == 200
    assert Document.objects.get(pk=plan.pk).original_name == "plan.pdf"


def test_signed_out_users_are_sent_to_log_in(open_case, plan):
    client = Client()
    response = client.get(reverse("portfolio:document_download", args=[plan.pk]))
    assert response.status_code == 302 and "/konto/logga-in/" in response.url
    response = post_file(client, open_case, "plan.pdf", make_pdf())
    assert response.status_code == 302 and "/konto/logga-in/" in response.url


def test_an_unknown_kind_is_404(as_trainee, open_case):
    assert post_file(as_trainee, open_case, "plan.pdf", make_pdf(), kind="cv").status_code == 404


def test_uploads_still_need_the_csrf_token(trainee, open_case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)
    response = post_file(client, open_case, "plan.pdf", make_pdf())
    assert response.status_code == 403
    assert not Document.objects.exists()

    client.get(upload_url(open_case))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(upload_url(open_case), {
        "csrfmiddlewaretoken": token, "file": SimpleUploadedFile("plan.pdf", make_pdf()),
    })
    assert response.status_code == 302
    assert Document.objects.filter(case=open_case).exists()


# --- the include --------------------------------------------------------------------------------------


def test_the_error_is_shown_at_the_field_on_the_page_the_user_came_from(as_trainee, open_case):
    page = reverse("portfolio:document_upload", args=[open_case.pk, PLAN])
    response = post_file(as_trainee, open_case, "plan.pdf", make_png(), next_url=page)
    page_response = as_trainee.get(response.url)
    html = page_response.content.decode()

    field = html[html.index('id="document-education_plan"'):]
    assert 'id="document-education_plan-error"' in field
    assert "Filen heter .pdf men innehållet är en PNG-bild." in field
    assert 'aria-invalid="true"' in field
    assert 'accept=".pdf,.docx,.odt,' in html
    assert "högst 20 MB" in html


def test_the_include_shows_the_current_document_and_a_replace_form(as_trainee, open_case, plan):
    html = as_trainee.get(upload_url(open_case)).content.decode()
    assert reverse("portfolio:document_download", args=[plan.pk]) in html
    assert "plan.pdf" in html
    assert "Ladda upp ny fil" in html
    assert reverse("portfolio:document_remove", args=[open_case.pk, PLAN]) in html


# --- two uploads at once ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (run with CI=true)")
@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_leave_one_row_and_one_file(make_case, trainee, settings, monkeypatch):
    from portfolio.services import documents as service
    from portfolio.uploads import check_upload

    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    real_record = service.record

    def slow_record(*args, **kwargs):  # hold the case lock, so the other upload surely waits on it
        time.sleep(0.3)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(service, "record", slow_record)
    barrier = threading.Barrier(2)
    errors = []

    def work(name, content):
        try:
            checked = check_upload(SimpleUploadedFile(name, content), PLAN)
            barrier.wait()
            service.document_upload(case=case, kind=PLAN, by=trainee, upload=checked)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=args) for args in [("a.pdf", make_pdf()), ("b.docx", make_docx())]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    document = Document.objects.get(case=case, kind=PLAN)
    assert stored_files(settings) == [document.file.name]
    assert events(case, "document_uploaded").count() == 2
