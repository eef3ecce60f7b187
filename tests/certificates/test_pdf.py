"""The certificate PDF: what it says, what it must not say, and where its QR code leads."""

import re
import shutil
import subprocess
from datetime import date, datetime

import pytest
import segno
import time_machine
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from evaluations.certificates.models import Certificate
from evaluations.certificates.pdf import certificate_context, certificate_qr, render_certificate_pdf
from evaluations.models import Evaluation

S = Evaluation.State


def pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; the certificate's text NOT checked")
    path = tmp_path / "intyg.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def pdf_pages(content: bytes, tmp_path) -> int:
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    path = tmp_path / "intyg.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.fixture
def december_certificate(make_case, trainee):
    """Practice day 5 December 2026, reviewed (and so issued) on 21 December."""
    with time_machine.travel(timezone.make_aware(datetime(2026, 12, 21, 10, 0)), tick=False):
        case = make_case(S.CERTIFIED, trainee=trainee, practice_day=date(2026, 12, 5))
    return Certificate.objects.get(case=case)


def test_the_pdf_names_trainee_day_evaluator_issuer_date_and_code(december_certificate, tmp_path, evaluator):
    content = render_certificate_pdf(december_certificate)
    assert content.startswith(b"%PDF")
    text = pdf_text(content, tmp_path)
    assert "Intyg" in text and "Mitt-i-ST" in text
    assert "Härmed intygas att Tova Testsson har genomfört Mitt-i-ST med praktikdag den 5 december 2026." in text
    assert evaluator.name in text
    assert settings.MITTIST_CERTIFICATE_ISSUER.upper() in text  # set in capitals at the head
    assert "21 december 2026" in text
    assert december_certificate.code in text
    # Where to check it, for someone who types rather than scans.
    assert settings.SITE_URL.split("://")[1] + "/kontrollera-intyg/" in text
    assert pdf_pages(content, tmp_path) == 1


def test_the_pdf_holds_no_personnummer(december_certificate, tmp_path):
    case = december_certificate.case
    text = pdf_text(render_certificate_pdf(december_certificate), tmp_path)
    clear = case.personnummer_clear()
    for form in (clear, clear.replace("-", ""), clear[2:], clear[2:].replace("-", ""), case.personnummer_masked):
        assert form not in text
    assert not re.search(r"\d{6}[-+]?\d{4}", text)


def test_the_pdf_follows_the_trainees_language(december_certificate, trainee, tmp_path):
    trainee.language = "en"
    trainee.save()
    december_certificate.case.trainee.language = "en"
    text = pdf_text(render_certificate_pdf(december_certificate), tmp_path)
    # The name and the code stand whatever the language; the month is English.
    assert "Tova Testsson" in text and december_certificate.code in text
    assert "December 2026" in text


def test_the_qr_code_holds_the_public_verification_address(december_certificate, client):
    expected = f"{settings.SITE_URL}/kontrollera-intyg/{december_certificate.code}/"
    assert december_certificate.verification_url == expected
    qr = certificate_qr(december_certificate)
    # Same content, same error level and version: the same symbol, module for module.
    reference = segno.make(expected, error="m", micro=False)
    assert qr.matrix == reference.matrix and qr.designator == reference.designator
    assert qr.error in {"M", "Q", "H"}  # segno may raise the level when it fits; never below M
    # And that address answers with this certificate.
    response = client.get(expected.removeprefix(settings.SITE_URL))
    assert response.status_code == 200 and "Intyget är giltigt" in response.content.decode()


def test_the_qr_code_is_embedded_as_a_data_uri_and_nothing_is_fetched(december_certificate):
    context = certificate_context(december_certificate)
    html = render_to_string("certificates/pdf/certificate.html", context)
    expected = segno.make(december_certificate.verification_url, error="m", micro=False)
    assert context["qr_uri"].startswith("data:image/svg+xml")
    assert context["qr_uri"] == expected.svg_data_uri(omitsize=True, border=4, dark="#0b2b27", light="#ffffff")
    assert f'src="{context["qr_uri"]}"' in html.replace("&amp;", "&")
    assert not re.search(r'src="(?!data:)', html) and "url(" not in html


def test_the_pdf_is_of_the_certificate_as_issued(december_certificate, trainee, tmp_path):
    trainee.full_name = "Tova Bytt-Namn"
    trainee.save()
    text = pdf_text(render_certificate_pdf(Certificate.objects.get(pk=december_certificate.pk)), tmp_path)
    assert "Tova Testsson" in text and "Bytt-Namn" not in text


@pytest.mark.parametrize("issuer, short", [
    ("Svensk förening för allmänmedicin (SFAM)", "SFAM"),
    ("Svensk förening för allmänmedicin", ""),
    ("Förening (med en lång förklaring i parentes)", ""),
])
def test_the_seal_takes_the_issuers_short_form_from_the_setting(issuer, short):
    from evaluations.certificates.pdf import short_name

    assert short_name(issuer) == short


def test_the_printed_qr_code_scans_to_the_verification_address(december_certificate, tmp_path):
    # A real reader on the rendered page, where the machine has one (Debian: zbar-tools, poppler-utils).
    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        pytest.skip("zbarimg or pdftoppm missing: apt-get install zbar-tools poppler-utils; the QR code NOT scanned")
    pdf = tmp_path / "intyg.pdf"
    pdf.write_bytes(render_certificate_pdf(december_certificate))
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True)
    assert scanned.stdout.strip() == december_certificate.verification_url


def test_the_longest_name_an_account_can_have_still_fits_on_one_page(december_certificate, tmp_path):
    december_certificate.trainee_name = ("Maximiliana Ingrid-Birgitta Charlotte Sophia Fredriksdotter Lindqvist-Åström "
                                         "af Klercker von Essen-Strömfelt Karlsson Bergström Öhman " * 2)[:150].strip()
    content = render_certificate_pdf(december_certificate)
    assert pdf_pages(content, tmp_path) == 1
    assert "Essen-Strömfelt Karlsson" in pdf_text(content, tmp_path)
