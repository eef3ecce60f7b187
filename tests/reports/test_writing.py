"""The evaluator writes the report: autosave with a version check, conflicts that lose nothing, the lock after
delivery, and the completeness check (what is missing, with links)."""

import pytest
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation
from evaluations.reports import services as report_services
from evaluations.reports.models import Report
from tests.conftest import PASSWORD  # noqa: F401  (users are logged in with force_login)

from .conftest import QUESTIONS, save, write_all

S = Evaluation.State


def autosave(client, case, version, **answers):
    return client.post(reverse("reports:autosave", args=[case.pk]), {"version": version, **answers})


def fresh(report) -> Report:
    return Report.objects.get(pk=report.pk)


# --- autosave ----------------------------------------------------------------------------------------


def test_autosave_stores_the_text_and_raises_the_version(client, held_case, report, evaluator):
    client.force_login(evaluator.user)
    response = autosave(client, held_case, 0, summary="Dagen började med en genomgång.")
    assert response.status_code == 200
    assert response.json()["version"] == 1
    saved = fresh(report)
    assert saved.answer("summary") == "Dagen började med en genomgång."
    assert (saved.version, saved.updated_by) == (1, evaluator.user)

    response = autosave(client, held_case, 1, summary="Dagen började med en genomgång.\nSedan medsittning.")
    assert response.json()["version"] == 2
    assert fresh(report).answer("summary") == "Dagen började med en genomgång.\nSedan medsittning."
    # A stretch of writing is one row on the audit trail, not one per save.
    assert CaseEvent.objects.filter(case=held_case, action="report_saved").count() == 1


def test_a_save_from_an_older_version_is_a_conflict_and_overwrites_nothing(client, held_case, report, evaluator):
    save(report, evaluator.user, strengths="Skrivet i den första fliken.")
    client.force_login(evaluator.user)
    response = autosave(client, held_case, 0, strengths="Skrivet i den andra fliken.")
    assert response.status_code == 409
    body = response.json()
    assert body["conflict"] is True and body["version"] == 1
    assert body["answers"]["strengths"] == "Skrivet i den första fliken."
    assert fresh(report).answer("strengths") == "Skrivet i den första fliken."
    assert fresh(report).version == 1


def test_a_stale_save_of_the_same_text_is_no_conflict(client, held_case, report, evaluator):
    save(report, evaluator.user, strengths="Samma text.")
    client.force_login(evaluator.user)
    response = autosave(client, held_case, 0, strengths="Samma text.")
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_a_garbled_version_counts_as_stale(client, held_case, report, evaluator):
    save(report, evaluator.user, summary="Sparat.")
    client.force_login(evaluator.user)
    response = autosave(client, held_case, "inte-ett-tal", summary="Annat.")
    assert response.status_code == 409
    assert fresh(report).answer("summary") == "Sparat."


def test_autosave_when_signed_out_answers_401_json_so_the_browser_keeps_the_text(client, held_case, report):
    response = autosave(client, held_case, 0, summary="Text.")
    assert response.status_code == 401
    assert "texten finns kvar i webbläsaren" in response.json()["error"]
    assert fresh(report).answer("summary") == ""


def test_autosave_refuses_too_long_text_with_a_field_error(client, held_case, report, evaluator):
    client.force_login(evaluator.user)
    response = autosave(client, held_case, 0, summary="x" * (report_services.MAX_ANSWER_LENGTH + 1))
    assert response.status_code == 400
    assert "summary" in response.json()["errors"]
    assert fresh(report).version == 0


def test_save_button_without_javascript_shows_both_texts_after_a_stale_save(client, held_case, report, evaluator):
    save(report, evaluator.user, development="Från telefonen.")
    client.force_login(evaluator.user)
    response = client.post(reverse("reports:write", args=[held_case.pk]),
                           {"version": 0, "development": "Från datorn."})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Rapporten har ändrats i ett annat fönster" in page
    assert "Från datorn." in page and "Från telefonen." in page  # mine in the field, theirs beside it
    assert fresh(report).answer("development") == "Från telefonen."


def test_write_page_carries_the_browser_copy_and_its_notice(client, held_case, report, evaluator):
    """autosave.js keeps unsaved text in the browser under this key and says so when it puts it back."""
    client.force_login(evaluator.user)
    response = client.get(reverse("reports:write", args=[held_case.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-autosave-key="mittist:report:{report.pk}"' in page
    assert "Osparad text från förra gången är återställd" in page
    assert "Du är utloggad – texten finns kvar i webbläsaren" in page
    assert response["Cache-Control"] == "no-store, private"
    # The trainee's three questions stand above the three answers.
    for question in QUESTIONS:
        assert question in page


# --- locked after delivery ------------------------------------------------------------------------------


def test_the_delivered_report_cannot_be_changed(client, delivered, evaluator):
    case = delivered.case
    client.force_login(evaluator.user)
    response = autosave(client, case, delivered.version, summary="Ändrat i efterhand.")
    assert response.status_code == 403
    assert "Texten finns kvar i webbläsaren" in response.json()["error"]

    response = client.post(reverse("reports:write", args=[case.pk]),
                           {"version": delivered.version, "summary": "Ändrat i efterhand."})
    assert response.status_code == 302 and response["Location"] == reverse("reports:read", args=[case.pk])
    assert fresh(delivered).answer("summary") == "Text för summary."

    with pytest.raises(Exception):  # noqa: B017  the service refuses, whatever the page does
        save(fresh(delivered), evaluator.user, summary="Ändrat i efterhand.")
    assert fresh(delivered).answer("summary") == "Text för summary."


def test_the_write_page_after_delivery_shows_the_report_to_read(client, delivered, evaluator):
    client.force_login(evaluator.user)
    response = client.get(reverse("reports:write", args=[delivered.case.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("reports:read", args=[delivered.case.pk])


# --- completeness ---------------------------------------------------------------------------------------


def test_missing_lists_every_empty_required_field_and_each_of_the_three_questions(report, evaluator):
    missing = report_services.report_missing(report, QUESTIONS)
    keys = [m.key for m in missing]
    assert keys == ["summary", "observations", "material", "strengths", "development", "recommendations",
                    "questions_1", "questions_2", "questions_3"]  # "other" is optional
    labels = {m.key: m.label for m in missing}
    assert labels["questions_2"] == f"Svar på fråga 2: {QUESTIONS[1]}"


def test_an_unanswered_question_keeps_the_report_from_being_sent(client, held_case, report, evaluator):
    answers = {key: "Svar." for key in report.keys if key != "questions_3"}
    report = save(report, evaluator.user, **answers)
    client.force_login(evaluator.user)
    response = client.post(reverse("reports:deliver", args=[held_case.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Rapporten kan inte skickas än: 1 fält saknas." in page
    link = reverse("reports:write", args=[held_case.pk]) + "#id_questions_3"
    assert f'href="{link}"' in page
    assert QUESTIONS[2] in page
    held_case.refresh_from_db()
    assert held_case.state == S.PRACTICE_DAY_HELD
    assert fresh(report).delivered_at is None
    # The link's target exists on the form.
    form_page = client.get(reverse("reports:write", args=[held_case.pk])).content.decode()
    assert 'id="id_questions_3"' in form_page


def test_whitespace_is_no_answer(report, evaluator):
    report = write_all(report, evaluator.user)
    report = save(report, evaluator.user, questions_1="   \n  ")
    assert [m.key for m in report_services.report_missing(report, QUESTIONS)] == ["questions_1"]


def test_three_answers_are_required_even_when_the_trainee_wrote_no_questions(report, evaluator):
    missing = report_services.report_missing(report, [])
    assert [m.key for m in missing if m.key.startswith("questions_")] == ["questions_1", "questions_2", "questions_3"]


def test_deliver_page_lists_what_is_missing_before_the_button(client, held_case, report, evaluator):
    client.force_login(evaluator.user)
    page = client.get(reverse("reports:deliver", args=[held_case.pk])).content.decode()
    assert "9 fält saknas" in page
    assert 'data-confirm=' not in page  # no send button while something is missing
