"""Every duration a user reads is rendered from the setting that computes it, never typed into a text."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from evaluations.timeline import case_steps, evaluator_todo
from mittist.durations import days_text, durations
from mittist.mailer import Recipient, queue_mail

ROOT = Path(settings.BASE_DIR)
SOURCE_DIRS = ["templates", "evaluations", "portfolio", "scheduling", "survey", "mittist"]
NUMBER = r"\d+|en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|fjorton"
UNIT = r"dag|dagar|dagarna|dygn|vecka|veckor|veckorna|månad|månader|timme|timmar"
TYPED = re.compile(rf"\b({NUMBER})\s+({UNIT})\b", re.IGNORECASE)
# Fixed by a setting's own name (MITTIST_VERIFY_ATTEMPTS_PER_HOUR: the window is the hour), not a duration to configure.
ALLOWED = {("evaluations/reports/templates/reports/verify.html", "en timme")}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def _files(suffixes):
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in suffixes and "migrations" not in path.parts and "management" not in path.parts:
                yield path


def _typed_in_templates():
    for path in _files({".html", ".txt"}):
        # PDFs print the seeds' own fixed wording (the forms as SFAM publishes them).
        if "pdf" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in TYPED.finditer(line):
                if (str(path.relative_to(ROOT)), match.group(0).lower()) not in ALLOWED:
                    yield f"{path.relative_to(ROOT)}:{number}: {match.group(0)!r}"


def _typed_in_gettext():
    for path in _files({".py"}):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT):
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    for match in TYPED.finditer(arg.value):
                        yield f"{path.relative_to(ROOT)}:{node.lineno}: {match.group(0)!r}"


def test_no_template_types_a_duration():
    found = list(_typed_in_templates())
    assert not found, "durations typed into templates (render them from settings via `durations`):\n" + "\n".join(found)


def test_no_translated_string_types_a_duration():
    found = list(_typed_in_gettext())
    assert not found, "durations typed into gettext strings (use mittist.durations):\n" + "\n".join(found)


def test_the_check_finds_a_typed_duration():
    assert TYPED.search("senast fyra veckor före praktikdagen")
    assert TYPED.search("Länken gäller i 14 dagar.")
    assert not TYPED.search("senast {{ before }} före praktikdagen")


@pytest.mark.parametrize(
    ("days", "sv", "en"),
    [(28, "fyra veckor", "four weeks"), (14, "två veckor", "two weeks"), (7, "en vecka", "one week"),
     (3, "tre dagar", "three days"), (1, "en dag", "one day"), (30, "30 dagar", "30 days")],
)
def test_days_read_as_people_write_them(days, sv, en):
    with translation.override("sv"):
        assert days_text(days) == sv
    with translation.override("en"):
        # The unit comes from the catalogue (locale/en); the number is ours.
        assert days_text(days).split()[0] == en.split()[0]


def test_texts_follow_the_settings(settings, make_case):
    settings.MITTIST_MATERIAL_DAYS_BEFORE = 21
    settings.MITTIST_CONTACT_DAYS = 10
    settings.MITTIST_REPORT_DAYS_AFTER = 14
    case = make_case("practice_day_agreed")
    with translation.override("sv"):
        hints = " ".join(str(s.hint) for s in case_steps(case, for_trainee=True))
        assert "inom tio dagar" in hints
        assert "senast tre veckor före praktikdagen" in hints
        assert "inom två veckor efter praktikdagen." in hints  # the report
        assert durations["material"] == "tre veckor"
        # The evaluator's to-do names the date itself, computed from the same setting.
        assert evaluator_todo(case).endswith(date_format(case.practice_day - timedelta(days=21), "j F Y"))


def test_mails_render_durations_from_settings(settings, make_case, django_capture_on_commit_callbacks):
    settings.MITTIST_CONTACT_DAYS = 21
    case = make_case("evaluator_accepted")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the outbox row goes out once its change commits
        queue_mail("evaluator_accepted", Recipient.of(case.trainee), {"case": case, "case_url": "https://x.example.org/"})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "inom tre veckor" in body
    assert "senast fyra veckor före praktikdagen" in body


def test_pages_render_durations_from_settings(client, settings):
    settings.PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3
    response = client.get(reverse("accounts:password_reset_done"))
    assert "Länken gäller i tre dagar." in response.content.decode()
