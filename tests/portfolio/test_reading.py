"""The evaluator's reading view and the PDF of the package: what they contain, who may open them, and
that the coordinator, who sees completeness and dates, never sees a word of the content."""

import re
import shutil
import subprocess
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from evaluations import services as case_services
from evaluations.models import Evaluation
from mittist.accounts.models import Role
from mittist.pdf import _url_fetcher
from portfolio.models import Section, SelfEvaluationTemplate
from portfolio.pdf import pdf_filename
from portfolio.services.submission import material_submit

# Uploaded files go to a folder of each test's own (the autouse _media_in_tmp of tests/portfolio/conftest.py).
from .test_submission import (  # noqa: F401  (template is a fixture)
    add_document,
    complete_portfolio,
    login,
    refreshed,
    template,
)

S = Evaluation.State
QUESTIONS = (
    "Hur hinner jag med kontinuiteten när listan växer?",
    "Ska jag satsa på forskning eller kvalitetsarbete?",
    "Hur ger jag bättre återkoppling till AT-läkare?",
)
HOSTILE = "Första stycket om mig.\n\nAndra stycket <script>alert('x')</script> & <b>fet</b>"
SECRET = "Hemlig-portfoljtext-7f3a"  # in every answer of the coordinator test: it must appear nowhere


def overrides(**extra):
    values = {("B", f"question_{n}"): q for n, q in enumerate(QUESTIONS, start=1)}
    values[("B", "background")] = HOSTILE
    values.update(extra)
    return values


@pytest.fixture
def submitted_case(make_case, trainee, template):  # noqa: F811
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template, overrides=overrides())
    return material_submit(case=case, by=trainee)


def reading_url(case):
    return reverse("portfolio:reading", args=[case.pk])


def pdf_url(case):
    return reverse("portfolio:reading_pdf", args=[case.pk])


def download_pdf(client, case, capture_on_commit):
    """material.pdf as the browser gets it: the page that waits while the worker renders, then the file."""
    url = pdf_url(case)
    with capture_on_commit(execute=True) as queued:
        waiting = client.get(url)
    if waiting.get("Content-Type") == "application/pdf":  # this version was rendered before
        return waiting
    assert waiting.status_code == 200
    assert "PDF:en förbereds" in waiting.content.decode()
    assert len(queued) == 1  # the worker was asked once
    return client.get(url)


def pdf_content(response) -> bytes:
    return b"".join(response.streaming_content)


def questions_box(html: str) -> str:
    match = re.search(r'<section class="card next-step questions-box".*?</section>', html, re.S)
    assert match, "no highlighted box with the three questions"
    return match.group(0)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "material.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return result.stdout


needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext missing: apt-get install poppler-utils; PDF text NOT checked"
)


# --- what the evaluator reads --------------------------------------------------------------------


def test_reading_view_starts_with_the_three_questions_highlighted(submitted_case, evaluator):
    response = login(evaluator.user).get(reading_url(submitted_case))

    assert response.status_code == 200
    html = response.content.decode()
    box = questions_box(html)
    for question in QUESTIONS:
        assert question in box
    # The box comes before section A.
    assert html.index("questions-box") < html.index('id="avsnitt-A"')
    assert "no-store" in response["Cache-Control"]


def test_reading_view_shows_every_section_with_prompts_and_escaped_paragraphs(submitted_case, evaluator):
    html = login(evaluator.user).get(reading_url(submitted_case)).content.decode()

    for code in "ABCDEF":
        assert f'id="avsnitt-{code}"' in html
    assert "Kort presentation av din bakgrund och utbildning" in html
    assert "Din förmåga att hantera medicinsk osäkerhet" in html
    assert "Svar på uncertainty." in html
    assert "<p>Första stycket om mig.</p>" in html
    assert "<p>Andra stycket &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;</p>" in html
    assert "<script>alert" not in html
    assert "<b>fet</b>" not in html


def test_reading_view_links_documents_and_shows_recordings_with_consents_and_self_evaluations(
    submitted_case, evaluator, template  # noqa: F811
):
    html = login(evaluator.user).get(reading_url(submitted_case)).content.decode()

    plan = submitted_case.documents.get()
    assert f'href="{reverse("portfolio:document_download", args=[plan.pk])}"' in html
    assert "utbildningsplan.pdf" in html
    assert html.count('class="card recording"') == 2
    assert "Ja, patienten tillfrågades före besöket" in html
    assert "Ja, även till att inspelningen delas med värderaren" in html
    assert "SS-1234" in html
    assert "65–79 år" in html and "Återbesök" in html
    assert "Kontaktorsak enligt v900" in html
    assert "Hosta sedan tre veckor." in html
    assert "4 – nivå 4" in html  # a rating shows its label from the scale
    assert "Handledarens utlåtande har inte kommit in än" in html


def test_self_evaluation_shows_the_questions_of_the_version_it_was_written_in(submitted_case, evaluator,
                                                                             template):  # noqa: F811
    SelfEvaluationTemplate.objects.create(
        version=950, title="Nyare formulär",
        questions=[{"key": "reason", "label": "Omformulerad fråga i v950", "kind": "text", "required": True}],
    )

    html = login(evaluator.user).get(reading_url(submitted_case)).content.decode()

    assert "Kontaktorsak enligt v900" in html
    assert "Omformulerad fråga i v950" not in html
    assert "version 900" in html


def test_supervisor_statement_shows_once_submitted_and_not_as_a_draft(submitted_case, evaluator):
    statement = Section.objects.get(case=submitted_case, code="F")
    statement.data = {"strengths": "Lyssnar noga på patienterna.", "duration": "Sedan 2023."}
    statement.save()
    client = login(evaluator.user)

    draft = client.get(reading_url(submitted_case)).content.decode()
    assert "Lyssnar noga på patienterna." not in draft
    assert "Handledarens utlåtande har inte kommit in än" in draft

    statement.locked_at = timezone.now()
    statement.save()
    html = client.get(reading_url(submitted_case)).content.decode()
    assert "Lyssnar noga på patienterna." in html
    assert "Vad ser du som ST-läkarens starka sidor?" in html
    assert "Handledarens utlåtande har inte kommit in än" not in html


def test_late_material_carries_a_badge(make_case, trainee, evaluator, template):  # noqa: F811
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        material_submit(case=case, by=trainee)
    assert refreshed(case).material_submitted_late

    html = login(evaluator.user).get(reading_url(case)).content.decode()
    assert "Inskickat för sent" in html


def test_on_time_material_has_no_late_badge(submitted_case, evaluator):
    html = login(evaluator.user).get(reading_url(submitted_case)).content.decode()
    assert "Inskickat för sent" not in html
    assert "I tid" in html


def test_trainee_can_preview_before_submitting(make_case, trainee, template):  # noqa: F811
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template, overrides=overrides())

    html = login(trainee).get(reading_url(case)).content.decode()

    assert "Förhandsvisning: materialet är inte inskickat än." in html
    assert QUESTIONS[0] in questions_box(html)


# --- the PDF ---------------------------------------------------------------------------------------


def test_pdf_is_one_attachment_that_is_not_cached(submitted_case, evaluator, django_capture_on_commit_callbacks):
    response = download_pdf(login(evaluator.user), submitted_case, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = pdf_content(response)
    assert content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == 'attachment; filename="mitt-i-st-testsson.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert len(content) > 5_000


@needs_pdftotext
def test_pdf_text_has_header_page_numbers_the_questions_and_the_text_as_written(submitted_case, evaluator, tmp_path,
                                                                                django_capture_on_commit_callbacks):
    response = download_pdf(login(evaluator.user), submitted_case, django_capture_on_commit_callbacks)
    text = pdf_text(pdf_content(response), tmp_path)
    flat = " ".join(text.split())

    assert "Mitt-i-ST – material till värderaren · Tova Testsson" in flat
    pages = re.findall(r"Sida (\d+) av (\d+)", flat)
    assert pages and pages[0] == ("1", pages[0][1]) and int(pages[0][1]) >= 6
    assert len(pages) == int(pages[0][1])
    for question in QUESTIONS:
        assert question in flat
    # The hostile text is printed as the trainee typed it, not interpreted.
    assert "Andra stycket <script>alert('x')</script> & <b>fet</b>" in flat
    assert "Kontaktorsak enligt v900" in flat
    assert "Handledarens utlåtande har inte kommit in än" in flat
    # The questions come first.
    assert flat.index(QUESTIONS[0]) < flat.index("A Personuppgifter")


def test_pdf_fetches_nothing_from_outside():
    fetcher = _url_fetcher()
    for url in ("file:///etc/hostname", "http://127.0.0.1:1/x.png", "https://example.org/x.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_pdf_filename_is_ascii_from_the_surname(make_case, make_user):
    case = make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Ärla Ödman-Åberg"))
    assert pdf_filename(case) == "mitt-i-st-odman-aberg.pdf"


# --- who may read ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_of", [reading_url, pdf_url], ids=["reading", "pdf"])
def test_reading_by_role_after_submission(url_of, submitted_case, trainee, other_trainee, evaluator,
                                          other_evaluator, coordinator, quality):
    url = url_of(submitted_case)
    expected = {
        "own trainee": (trainee, 200),
        "own evaluator": (evaluator.user, 200),
        "other trainee": (other_trainee, 404),
        "other evaluator": (other_evaluator.user, 404),
        "coordinator": (coordinator, 403),
        "quality (case not in review)": (quality, 404),
    }
    for who, (user, status) in expected.items():
        assert login(user).get(url).status_code == status, who
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_of", [reading_url, pdf_url], ids=["reading", "pdf"])
def test_quality_group_cannot_read_the_portfolio_of_a_case_it_reviews(url_of, make_case, quality):
    case = make_case(S.REPORT_DELIVERED)
    assert login(quality).get(url_of(case)).status_code == 403


@pytest.mark.parametrize("url_of", [reading_url, pdf_url], ids=["reading", "pdf"])
def test_evaluator_before_submission_gets_a_clear_403_page(url_of, make_case, trainee, evaluator, other_evaluator,
                                                           coordinator, template):  # noqa: F811
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template, overrides=overrides())
    assert login(other_evaluator.user).get(url_of(case)).status_code == 404
    assert login(coordinator).get(url_of(case)).status_code == 403
    assert login(trainee).get(url_of(case)).status_code == 200  # the trainee's own preview

    response = login(evaluator.user).get(url_of(case))

    assert response.status_code == 403
    html = response.content.decode()
    assert "Materialet är inte inskickat än" in html
    assert QUESTIONS[0] not in html


def test_evaluator_loses_access_when_the_office_reopens(submitted_case, evaluator, coordinator):
    client = login(evaluator.user)
    assert client.get(reading_url(submitted_case)).status_code == 200

    case_services.case_reopen_material(case=submitted_case, by=coordinator, reason="Komplettering")

    response = client.get(reading_url(submitted_case))
    assert response.status_code == 403
    assert QUESTIONS[0] not in response.content.decode()


def test_unknown_case_is_404(evaluator):
    assert login(evaluator.user).get(reverse("portfolio:reading", args=[uuid.uuid4()])).status_code == 404


def test_reading_accepts_only_get(submitted_case, evaluator):
    assert login(evaluator.user).post(reading_url(submitted_case)).status_code == 405


# --- data minimisation: the coordinator sees completeness and dates, never content ----------------


def _coordinator_urls(case, recordings):
    names = [
        ("evaluations:case_detail", [case.pk]),
        ("evaluations:dashboard", []),
        ("portfolio:overview", [case.pk]),
        ("portfolio:recordings", [case.pk]),
        ("portfolio:reading", [case.pk]),
        ("portfolio:reading_pdf", [case.pk]),
        ("portfolio:submit", [case.pk]),
        ("portfolio:supervisor", [case.pk]),
        *[("portfolio:section", [case.pk, code]) for code in "ABCDEF"],
        *[("portfolio:recording_edit", [case.pk, r.pk]) for r in recordings],
        *[("portfolio:self_evaluation", [case.pk, r.pk]) for r in recordings],
    ]
    urls = []
    for name, args in names:
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            pass  # a page not built yet cannot leak either
    return urls


def test_no_answer_text_reaches_any_page_the_coordinator_can_open(make_case, trainee, evaluator, coordinator,
                                                                  template):  # noqa: F811
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template, overrides={(code, key): f"{SECRET} {code}.{key}" for code, key in [
        ("B", "background"), ("B", "question_1"), ("B", "question_2"), ("B", "question_3"), ("C", "focus"),
        ("D", "uncertainty"), ("E", "extent"),
    ]})
    for recording in case.recordings.all():
        evaluation = recording.self_evaluation
        evaluation.answers = {**evaluation.answers, "reason": f"{SECRET} egenvärdering"}
        evaluation.save()
    statement = Section.objects.get(case=case, code="F")
    statement.data, statement.locked_at = {"strengths": f"{SECRET} handledare"}, timezone.now()
    statement.save()
    material_submit(case=case, by=trainee)
    # The evaluator does see it (so the marker is really in the package).
    assert SECRET in login(evaluator.user).get(reading_url(case)).content.decode()

    client = login(coordinator)
    opened = []
    for url in _coordinator_urls(case, list(case.recordings.all())):
        response = client.get(url)
        body = response.content.decode("utf-8", errors="replace") if response.get("Content-Type", "").startswith(
            "text/") else response.content.decode("latin-1")
        assert SECRET not in body, url
        if response.status_code == 200:
            opened.append(url)
    assert reverse("evaluations:case_detail", args=[case.pk]) in opened
    assert client.get(reading_url(case)).status_code == 403
    assert client.get(pdf_url(case)).status_code == 403


def test_document_with_unusual_name_is_listed_escaped(make_case, trainee, evaluator, template):  # noqa: F811
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template)
    add_document(case, kind="photo", name='<img src=x onerror="alert(1)">.png')
    material_submit(case=case, by=trainee)

    html = login(evaluator.user).get(reading_url(case)).content.decode()

    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.png" in html
    assert "<img src=x" not in html
