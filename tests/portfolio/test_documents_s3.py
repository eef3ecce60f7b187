"""Portfolio documents on S3, for real: django-storages talks HTTP to moto's S3 server on 127.0.0.1.

The `s3` fixture (conftest) gives each test a fresh bucket. moto answers the S3 protocol but does not
check signatures or expiry of presigned URLs, so these tests prove the keys, the objects, the order of
writes and the shape of the presigned URL; that AWS refuses an expired or forged URL is AWS's part.
"""

import os
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation
from portfolio.models import Document

from .conftest import make_docx, make_pdf, make_png

S = Evaluation.State
PLAN = Document.Kind.EDUCATION_PLAN
PHOTO = Document.Kind.PHOTO
KEY = re.compile(r"^cases/[0-9a-f-]{36}/(education_plan|photo)/[0-9a-f-]{36}\.(pdf|docx|odt|jpg|png)$")
STORAGE_DOWN = "Dokumentet kunde inte sparas just nu. Försök igen om en stund."


@pytest.fixture
def open_case(make_case, trainee):
    return make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)


@pytest.fixture
def as_trainee(client, trainee):
    client.force_login(trainee)
    return client


def upload(client, case, name, content, kind=PLAN):
    url = reverse("portfolio:document_upload", args=[case.pk, kind])
    return client.post(url, {"file": SimpleUploadedFile(name, content, "text/html")})


def field_errors(response, kind=PLAN):
    """The errors this request added for the field (earlier, unshown messages are left out)."""
    queued = response.wsgi_request._messages._queued_messages
    return [str(m) for m in queued if m.extra_tags == f"document-{kind}"]


def test_an_upload_is_stored_in_the_bucket_under_the_row_s_name(s3, as_trainee, open_case):
    content = make_pdf()
    response = upload(as_trainee, open_case, "Utbildningsplan 2025.pdf", content)

    assert field_errors(response) == []
    document = Document.objects.get(case=open_case, kind=PLAN)
    assert KEY.match(document.file.name)
    assert document.file.name.startswith(f"cases/{open_case.pk}/education_plan/")
    assert s3.keys() == [document.file.name]
    assert s3.body(document.file.name) == content
    head = s3.client.head_object(Bucket=s3.bucket, Key=document.file.name)
    assert head["ContentType"] == "application/pdf"  # the sniffed type, not the browser's "text/html"
    assert CaseEvent.objects.filter(case=open_case, action="document_uploaded").count() == 1


def test_download_redirects_to_a_short_lived_presigned_url_that_serves_the_file(s3, as_trainee, open_case):
    content = make_png()
    upload(as_trainee, open_case, "Porträtt – Åsa.png", content, kind=PHOTO)
    document = Document.objects.get(case=open_case, kind=PHOTO)

    response = as_trainee.get(reverse("portfolio:document_download", args=[document.pk]))

    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    url = urlsplit(response.url)
    assert (url.hostname, url.port) == ("127.0.0.1", s3.server.port)
    assert url.path == f"/{s3.bucket}/{document.file.name}"
    query = parse_qs(url.query)
    assert query["X-Amz-Signature"][0]
    assert query["X-Amz-Expires"] == ["120"]
    disposition = query["response-content-disposition"][0]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "Porträtt – Åsa.png"
    assert query["response-content-type"] == ["image/png"]

    fetched = requests.get(response.url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == content
    assert fetched.headers["Content-Disposition"] == disposition


def test_the_coordinator_gets_no_presigned_url(s3, as_trainee, open_case, client, coordinator):
    upload(as_trainee, open_case, "plan.pdf", make_pdf())
    document = Document.objects.get(case=open_case)
    client.force_login(coordinator)
    response = client.get(reverse("portfolio:document_download", args=[document.pk]))
    assert response.status_code == 403
    assert "X-Amz-Signature" not in response.get("Location", "")


def test_the_evaluator_gets_the_url_only_after_submission(s3, as_trainee, open_case, client, evaluator, trainee):
    from evaluations import services

    upload(as_trainee, open_case, "plan.pdf", make_pdf())
    url = reverse("portfolio:document_download", args=[Document.objects.get(case=open_case).pk])
    client.force_login(evaluator.user)
    assert client.get(url).status_code == 403
    services.case_submit_material(case=open_case, by=trainee)
    response = client.get(url)
    assert response.status_code == 302
    assert requests.get(response.url, timeout=10).content == make_pdf()


def test_replacing_deletes_the_old_object_only_after_the_new_row_is_committed(
    s3, as_trainee, open_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_trainee, open_case, "gammal.pdf", make_pdf())
    old_key = Document.objects.get(case=open_case).file.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(as_trainee, open_case, "ny.docx", make_docx())
    new_key = Document.objects.get(case=open_case).file.name
    assert new_key != old_key and new_key.endswith(".docx")
    assert s3.keys() == sorted([old_key, new_key])  # the old object is still there at this point

    for callback in callbacks:
        callback()
    assert s3.keys() == [new_key]
    assert s3.body(new_key) == make_docx()


def test_removing_deletes_the_object_after_commit(s3, as_trainee, open_case, django_capture_on_commit_callbacks):
    upload(as_trainee, open_case, "plan.pdf", make_pdf())
    with django_capture_on_commit_callbacks(execute=True):
        as_trainee.post(reverse("portfolio:document_remove", args=[open_case.pk, PLAN]))
    assert not Document.objects.exists()
    assert s3.keys() == []


def test_when_s3_is_down_the_user_is_told_nothing_is_half_stored_and_a_retry_works(s3, as_trainee, open_case):
    s3.server.stop()  # connections to the port are now refused
    response = upload(as_trainee, open_case, "plan.pdf", make_pdf())

    assert response.status_code == 302
    assert field_errors(response) == [STORAGE_DOWN]
    assert not Document.objects.exists()
    assert not CaseEvent.objects.filter(case=open_case, action="document_uploaded").exists()

    s3.server.start()  # same port, same (in-process) data
    assert s3.keys() == []
    response = upload(as_trainee, open_case, "plan.pdf", make_pdf())
    assert field_errors(response) == []
    document = Document.objects.get(case=open_case)
    assert s3.keys() == [document.file.name]


def test_when_s3_is_down_a_replacement_leaves_the_old_document_whole(
    s3, as_trainee, open_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(as_trainee, open_case, "gammal.pdf", make_pdf())
    old = Document.objects.get(case=open_case)

    s3.server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(as_trainee, open_case, "ny.pdf", make_pdf())
    assert field_errors(response) == [STORAGE_DOWN]
    s3.server.start()

    after = Document.objects.get(case=open_case)
    assert (after.file.name, after.original_name) == (old.file.name, "gammal.pdf")
    assert s3.keys() == [old.file.name]


def test_when_s3_is_down_while_deleting_the_old_object_the_upload_still_succeeds(
    s3, as_trainee, open_case, django_capture_on_commit_callbacks
):
    upload(as_trainee, open_case, "gammal.pdf", make_pdf())
    old_key = Document.objects.get(case=open_case).file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(as_trainee, open_case, "ny.pdf", make_pdf())
    s3.server.stop()
    for callback in callbacks:
        callback()  # logs the failure, raises nothing: the old object is left as an orphan
    s3.server.start()

    assert field_errors(response) == []
    new_key = Document.objects.get(case=open_case).file.name
    assert s3.keys() == sorted([old_key, new_key])


def test_a_file_too_big_for_memory_goes_through_a_temporary_file_to_s3(s3, as_trainee, open_case, settings):
    # Over FILE_UPLOAD_MAX_MEMORY_SIZE Django spools to disk; the check and the S3 upload read from there.
    content = make_docx(extra=os.urandom(settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1))
    response = upload(as_trainee, open_case, "stor.docx", content)
    assert field_errors(response) == []
    document = Document.objects.get(case=open_case)
    assert s3.body(document.file.name) == content
