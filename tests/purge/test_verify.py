"""Kontrollera en rapport: public, says only genuine-or-not with two dates, keeps nothing, limits misses."""

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations.reports.models import Report
from tests.conftest import S

from .conftest import AFTER_REVIEW, NOTICE, sweep

URL = "/rapport/kontrollera/"


@pytest.fixture(autouse=True)
def _fresh_limits(settings, db):
    settings.MITTIST_VERIFY_ATTEMPTS_PER_HOUR = 3
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def delivered(make_case):
    case = make_case(S.CERTIFIED)
    report = case.report
    with default_storage.open(report.pdf.name, "rb") as handle:
        return case, handle.read()


def pdf_upload(content: bytes, name: str = "rapport.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def check(client, **data):
    return client.post(URL, data)


def test_the_page_is_public_and_neither_cached_nor_indexed(db):
    response = Client().get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    page = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert 'enctype="multipart/form-data"' in page
    assert reverse("reports:verify") == URL


def test_a_delivered_pdf_is_genuine_and_the_page_says_nothing_more(delivered):
    case, content = delivered
    response = check(Client(), pdf=pdf_upload(content))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Rapporten är äkta." in page
    delivered_on = timezone.localdate(case.report.delivered_at)
    assert f"{delivered_on.day} " in page and str(delivered_on.year) in page
    assert hashlib.sha256(content).hexdigest() in page
    for private in (case.trainee.full_name, case.evaluator.name, case.workplace, "Text för"):
        assert private not in page


def test_still_genuine_after_the_purge(delivered):
    case, content = delivered
    due = timezone.localdate() + timedelta(days=AFTER_REVIEW)
    sweep(due - timedelta(days=NOTICE))
    sweep(due)
    assert Report.objects.get(case=case).purged_at is not None
    assert "Rapporten är äkta." in check(Client(), pdf=pdf_upload(content)).content.decode()


def test_a_pasted_checksum_works_in_any_case_and_with_spaces(delivered):
    _case, content = delivered
    digest = hashlib.sha256(content).hexdigest().upper()
    pasted = " ".join(digest[i:i + 8] for i in range(0, 64, 8))
    assert "Rapporten är äkta." in check(Client(), sha256=pasted).content.decode()


def test_a_changed_pdf_is_not_genuine(delivered):
    _case, content = delivered
    response = check(Client(), pdf=pdf_upload(content + b"\n% changed\n"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ingen rapport från Mitt-i-ST har den här kontrollsumman." in page
    assert "Rapporten är äkta." not in page


def test_misses_are_limited_and_hits_are_not(delivered):
    _case, content = delivered
    client = Client()
    for _ in range(5):  # checking a genuine report never counts
        assert check(client, pdf=pdf_upload(content)).status_code == 200
    for n in range(3):
        assert check(client, sha256=f"{n:064x}").status_code == 200
    blocked = check(client, pdf=pdf_upload(content))
    assert blocked.status_code == 429
    assert "För många kontroller utan träff från din anslutning. Vänta en timme och försök igen." in (
        blocked.content.decode())
    other = Client(REMOTE_ADDR="192.0.2.44")
    assert "Rapporten är äkta." in check(other, pdf=pdf_upload(content)).content.decode()


def test_bad_input_gets_an_error_at_the_field_and_is_not_counted(db):
    client = Client()
    for data, message in (
        ({}, "Välj rapportens PDF eller klistra in dess kontrollsumma."),
        ({"sha256": "abc123"}, "En kontrollsumma är 64 tecken lång"),
        ({"sha256": "g" * 64}, "En kontrollsumma är 64 tecken lång"),
        ({"pdf": SimpleUploadedFile("brev.pdf", b"Hej! Inte en PDF.")}, "Filen är inte en PDF."),
        ({"pdf": SimpleUploadedFile("tom.pdf", b"")}, "tom"),
    ):
        response = check(client, **data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    for _ in range(5):
        assert check(client, sha256="abc").status_code == 400  # typing errors are not guesses


def test_a_file_over_the_limit_is_refused_before_and_while_reading(delivered, settings):
    settings.MITTIST_REPORT_CHECK_MAX_MB = 1
    for extra in (10, 200 * 1024):  # stopped while read; refused on Content-Length before reading at all
        big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + extra)
        response = check(Client(), pdf=pdf_upload(big))
        assert response.status_code == 413
        assert "Filen är för stor. Rapportens PDF är mycket mindre än 1 MB" in response.content.decode()
    # A body that claims to be small but is not: the handler stops it as it grows.
    from django.core.files.uploadhandler import StopUpload

    from evaluations.reports.verify import HashingUploadHandler

    handler = HashingUploadHandler(limit=10)
    handler.new_file("pdf", "a.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"%PDF-1", 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"0123456789", 6)
    assert handler.exceeded


def test_the_upload_is_hashed_as_it_streams_and_never_stored(delivered, monkeypatch, tmp_path, settings):
    _case, content = delivered
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    stored = []
    from django.core.files import uploadhandler

    for name in ("MemoryFileUploadHandler", "TemporaryFileUploadHandler"):
        handler = getattr(uploadhandler, name)
        monkeypatch.setattr(handler, "receive_data_chunk",
                            lambda self, raw, start, _real=handler.receive_data_chunk: stored.append(len(raw)))
    big_but_genuine = content  # a real report is well under the memory threshold; pad a copy past it instead
    padded = big_but_genuine + b"\n%" + b"x" * (3 * 1024 * 1024) + b"\n"
    response = check(Client(), pdf=pdf_upload(padded))
    assert response.status_code == 200
    assert hashlib.sha256(padded).hexdigest() in response.content.decode()
    assert stored == [] and list(uploads.iterdir()) == []


def test_the_check_needs_the_forms_csrf_token(delivered):
    _case, content = delivered
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, {"pdf": pdf_upload(content)}).status_code == 403
    page = client.get(URL)
    token = page.cookies["csrftoken"].value
    response = client.post(URL, {"pdf": pdf_upload(content), "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "Rapporten är äkta." in response.content.decode()
