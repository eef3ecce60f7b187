"""Sending the report: locked, rendered once to PDF (its SHA-256 kept), the trainee and the quality group told
by e-mail with a link (never an attachment); the PDF says who, which day and what, and no personnummer."""

import hashlib
import re
import shutil
import subprocess
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from evaluations.models import CaseEvent, Evaluation
from evaluations.reports import services as report_services
from mittist.accounts.models import Role

from .conftest import QUESTIONS, write_all

S = Evaluation.State
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def pdf_bytes(report) -> bytes:
    with default_storage.open(report.pdf.name, "rb") as handle:
        return handle.read()


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_delivery_locks_hashes_and_moves_the_case_on(delivered, evaluator):
    case = delivered.case
    assert case.state == S.REPORT_DELIVERED
    assert delivered.is_locked and delivered.delivered_at == case.report_delivered_at
    assert (delivered.delivered_by, delivered.delivered_by_name) == (evaluator.user, evaluator.user.full_name)
    assert delivered.delivered_late is False
    assert delivered.questions == QUESTIONS  # frozen with the report
    content = pdf_bytes(delivered)
    assert content.startswith(b"%PDF")
    assert delivered.pdf_sha256 == hashlib.sha256(content).hexdigest()
    event = CaseEvent.objects.get(case=case, action="report_delivered")
    assert (event.from_state, event.to_state, event.actor) == (S.PRACTICE_DAY_HELD, S.REPORT_DELIVERED, evaluator.user)


def test_delivery_mails_the_trainee_and_each_quality_group_member_a_link(
    held_case, report, evaluator, quality, make_user, outbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://mittist.example.org"
    second = make_user(Role.QUALITY, full_name="Kim Kvalitet")
    make_user(Role.QUALITY, full_name="Inaktiv Kvalitet", is_active=False)
    report = write_all(report, evaluator.user)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_deliver(report=report, by=evaluator.user)
    by_address = {parseaddr(m.to[0])[1]: m for m in outbox}
    assert set(by_address) == {held_case.trainee.email, quality.email, second.email}
    to_trainee = by_address[held_case.trainee.email]
    assert "https://mittist.example.org" + reverse("reports:read", args=[held_case.pk]) in to_trainee.body
    assert to_trainee.attachments == []  # a link, not the report itself
    assert "Text för summary" not in to_trainee.body
    to_quality = by_address[quality.email]
    assert "https://mittist.example.org" + reverse("evaluations:quality_home") in to_quality.body
    assert held_case.trainee.full_name in to_quality.body
    assert to_quality.attachments == []


def test_the_pdf_holds_the_case_facts_and_the_text_but_no_personnummer(delivered, evaluator, tmp_path):
    case = delivered.case
    content = pdf_bytes(delivered)
    text = pdf_text(content, tmp_path)
    flat = " ".join(text.split())
    assert case.trainee.full_name in flat
    assert case.workplace in flat
    assert evaluator.user.full_name in flat
    day = date_format(case.practice_day_held_on, "j F Y")
    assert f"praktikdag {day}" in flat  # the running header
    assert "Rapport från Mitt-i-ST" in flat
    assert "Text för summary." in flat and "Text för questions_3." in flat
    for question in QUESTIONS:
        assert question in flat
    assert re.search(r"Sida 1 av \d", flat), flat[-300:]  # page numbers in the footer
    # No personnummer in any form: clear with or without dash, nor its masked form, nor the birth date digits.
    clear = case.personnummer_clear()
    digits = clear.replace("-", "")
    for form in {clear, digits, digits[2:], clear[2:], case.personnummer_masked}:
        assert form not in text
        assert form.encode() not in content
    assert "personnummer" not in flat.lower()


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils missing")
def test_the_pdf_renders_to_png_for_a_look(delivered, tmp_path):
    """Saved under test-artifacts/reports/ to be looked at (typography, header, page numbers)."""
    path = tmp_path / "rapport.pdf"
    path.write_bytes(pdf_bytes(delivered))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(ARTIFACTS / "report")], check=True)
    pages = sorted(ARTIFACTS.glob("report-*.png"))
    assert pages and all(p.stat().st_size > 5000 for p in pages)


def test_a_late_delivery_is_accepted_and_flagged(held_case, report, evaluator, outbox,
                                                 django_capture_on_commit_callbacks):
    report = write_all(report, evaluator.user)
    due = held_case.report_due
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(due + timedelta(days=2),
                                                                           timezone.datetime.min.time())) + timedelta(hours=10)):
        with django_capture_on_commit_callbacks(execute=True):
            report = report_services.report_deliver(report=report, by=evaluator.user)
    held_case.refresh_from_db()
    assert held_case.state == S.REPORT_DELIVERED
    assert report.delivered_late and held_case.report_delivered_late
    assert CaseEvent.objects.get(case=held_case, action="report_delivered").note == "Efter tidsgränsen"
    assert any("efter tidsgränsen" in m.body for m in outbox)


def test_deliver_through_the_page(client, held_case, report, evaluator, outbox, django_capture_on_commit_callbacks):
    write_all(report, evaluator.user)
    client.force_login(evaluator.user)
    page = client.get(reverse("reports:deliver", args=[held_case.pk])).content.decode()
    assert "När du skickar rapporten låses den" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:deliver", args=[held_case.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("reports:read", args=[held_case.pk])
    held_case.refresh_from_db()
    assert held_case.state == S.REPORT_DELIVERED
    # Sent twice (a second tab): refused with a message, nothing rendered again.
    sha = held_case.report.pdf_sha256
    response = client.post(reverse("reports:deliver", args=[held_case.pk]))
    assert response.status_code == 302
    held_case.report.refresh_from_db()
    assert held_case.report.pdf_sha256 == sha


def test_nobody_but_the_case_evaluator_can_send(held_case, report, other_evaluator, trainee, coordinator):
    write_all(report, report.case.evaluator.user)
    for user in (other_evaluator.user, trainee, coordinator):
        with pytest.raises(Exception):  # noqa: B017  PermissionDenied or the state error: never sent
            report_services.report_deliver(report=report, by=user)
    held_case.refresh_from_db()
    assert held_case.state == S.PRACTICE_DAY_HELD
