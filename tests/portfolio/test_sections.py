"""Portfolio sections A–E: plain save, autosave (JSON), conflicts, permissions, the overview."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from evaluations.models import CaseEvent, Evaluation
from portfolio.models import Section
from portfolio.sections import SECTION_BY_CODE
from portfolio.services.common import ensure_sections
from portfolio.services.sections import MAX_ANSWER_LENGTH, section_save

S = Evaluation.State
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def section_url(case, code):
    return reverse("portfolio:section", args=[case.pk, code])


def autosave_url(case, code):
    return reverse("portfolio:section_autosave", args=[case.pk, code])


def overview_url(case):
    return reverse("portfolio:overview", args=[case.pk])


def section(case, code) -> Section:
    return ensure_sections(case)[code]


def save_elsewhere(case, code, **answers) -> Section:
    """What another window (or device) of the trainee saved meanwhile."""
    current = section(case, code)
    return section_save(section=current, by=case.trainee, data=answers, base_version=current.version,
                        can_edit=lambda c: True)


def fetch_post(client, url, data):
    return client.post(url, data, HTTP_X_REQUESTED_WITH="fetch", HTTP_ACCEPT="application/json")


@pytest.fixture
def case(make_case):
    return make_case(S.PRACTICE_DAY_AGREED)


@pytest.fixture
def trainee_client(client, case):
    client.force_login(case.trainee)
    return client


def full_answers(code, text="Svar"):
    return {p.key: f"{text} {p.key}" for p in SECTION_BY_CODE[code].prompts}


# --- saving -----------------------------------------------------------------------------------------


def test_trainee_saves_section_with_the_save_button(trainee_client, case):
    response = trainee_client.post(section_url(case, "B"), {"version": 0, "background": "Läkare sedan 2018.",
                                                             "why_gp": "Helheten."})
    assert response.status_code == 302
    assert response.url == section_url(case, "B")
    saved = section(case, "B")
    assert saved.version == 1
    assert saved.answer("background") == "Läkare sedan 2018."
    assert saved.answer("why_gp") == "Helheten."
    assert saved.updated_by == case.trainee
    event = case.events.get(action="section_saved")
    assert (event.note, event.actor) == ("B", case.trainee)
    page = trainee_client.get(response.url)
    assert "B Bakgrund är sparat." in page.content.decode()
    assert "Läkare sedan 2018." in page.content.decode()


def test_line_breaks_from_the_browser_are_stored_as_newlines(trainee_client, case):
    trainee_client.post(section_url(case, "B"), {"version": 0, "background": "Rad ett\r\nRad två\r\n"})
    assert section(case, "B").answer("background") == "Rad ett\nRad två\n"


def test_autosave_answers_json_with_new_version_and_stockholm_time(trainee_client, case):
    with time_machine.travel(datetime(2025, 3, 3, 14, 32, tzinfo=STOCKHOLM), tick=False):
        response = fetch_post(trainee_client, autosave_url(case, "C"), {"version": 0, "focus": "Akutsjukvård."})
    assert response.status_code == 200
    assert response.json() == {"version": 1, "saved_at": "14:32"}
    assert section(case, "C").answer("focus") == "Akutsjukvård."


def test_autosave_in_summer_time_reports_stockholm_clock(trainee_client, case):
    with time_machine.travel(datetime(2025, 7, 1, 9, 5, tzinfo=ZoneInfo("UTC")), tick=False):
        response = fetch_post(trainee_client, autosave_url(case, "C"), {"version": 0, "focus": "x"})
    assert response.json()["saved_at"] == "11:05"


def test_autosave_without_changes_keeps_the_version(trainee_client, case):
    save_elsewhere(case, "B", background="Samma")
    response = fetch_post(trainee_client, autosave_url(case, "B"), {"version": 1, "background": "Samma"})
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert section(case, "B").version == 1


def test_autosave_is_post_only(trainee_client, case):
    assert trainee_client.get(autosave_url(case, "B")).status_code == 405


# --- conflicts ----------------------------------------------------------------------------------------


def test_stale_plain_save_is_refused_with_both_texts_and_nothing_overwritten(trainee_client, case):
    save_elsewhere(case, "B", background="Text från det andra fönstret.")
    response = trainee_client.post(section_url(case, "B"), {"version": 0, "background": "Text från det här fönstret.",
                                                             "why_gp": "Ny text i en annan fråga."})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Avsnittet har ändrats i ett annat fönster" in html
    assert "Text från det andra fönstret." in html  # the saved text, shown beside ...
    assert "Text från det här fönstret." in html  # ... the user's own, still in the field
    assert '<input type="hidden" name="version" value="1">' in html  # the next Save is based on what they saw
    saved = section(case, "B")
    assert (saved.version, saved.answer("background"), saved.answer("why_gp")) == (
        1, "Text från det andra fönstret.", "")


def test_saving_again_after_the_conflict_page_stores_the_users_choice(trainee_client, case):
    save_elsewhere(case, "B", background="Andra fönstret.")
    trainee_client.post(section_url(case, "B"), {"version": 0, "background": "Det här fönstret."})
    response = trainee_client.post(section_url(case, "B"), {"version": 1, "background": "Sammanslaget."})
    assert response.status_code == 302
    assert section(case, "B").answer("background") == "Sammanslaget."


def test_stale_autosave_gets_409_json_with_the_saved_answers(trainee_client, case):
    save_elsewhere(case, "D", biomedicine="Sparat i fönster ett.")
    response = fetch_post(trainee_client, autosave_url(case, "D"), {"version": 0, "biomedicine": "Skrivet i fönster två."})
    assert response.status_code == 409
    data = response.json()
    assert data["conflict"] is True
    assert data["version"] == 1
    assert data["answers"]["biomedicine"] == "Sparat i fönster ett."
    assert set(data["answers"]) == set(SECTION_BY_CODE["D"].keys)
    assert section(case, "D").answer("biomedicine") == "Sparat i fönster ett."


def test_stale_save_of_the_very_same_text_is_no_conflict(trainee_client, case):
    save_elsewhere(case, "B", background="Samma text.")
    response = fetch_post(trainee_client, autosave_url(case, "B"), {"version": 0, "background": "Samma text."})
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_missing_version_counts_as_stale(trainee_client, case):
    save_elsewhere(case, "B", background="Sparad.")
    response = trainee_client.post(section_url(case, "B"), {"background": "Utan version."})
    assert response.status_code == 409
    assert section(case, "B").answer("background") == "Sparad."


# --- bad input ------------------------------------------------------------------------------------------


def test_over_long_answer_is_refused_with_a_clear_error_and_nothing_saved(trainee_client, case):
    too_long = "x" * (MAX_ANSWER_LENGTH + 1)
    response = trainee_client.post(section_url(case, "B"), {"version": 0, "background": too_long, "why_gp": "Kort."})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Texten är för lång: 20001 tecken, högst 20000 går att spara per fråga." in html
    assert too_long in html  # the text stays in the field
    assert 'maxlength' not in html  # the browser must not cut a pasted text silently
    saved = section(case, "B")
    assert (saved.version, saved.data) == (0, {})


def test_over_long_autosave_is_refused_as_json(trainee_client, case):
    response = fetch_post(trainee_client, autosave_url(case, "B"),
                          {"version": 0, "background": "x" * (MAX_ANSWER_LENGTH + 1)})
    assert response.status_code == 400
    assert "för lång" in response.json()["errors"]["background"][0]
    assert section(case, "B").version == 0


def test_answer_of_exactly_the_maximum_length_is_saved(trainee_client, case):
    response = fetch_post(trainee_client, autosave_url(case, "B"), {"version": 0, "background": "x" * MAX_ANSWER_LENGTH})
    assert response.status_code == 200


@pytest.mark.parametrize(("field", "value", "message"), [
    ("licence_year", "19", "Ange året med fyra siffror"),
    ("licence_year", "3019", "Ange året med fyra siffror"),
    ("licence_date", "2021-02-30", "Ange datumet som år-månad-dag"),
    ("curriculum", "1999", "Välj ett av alternativen."),
])
def test_section_a_checks_years_dates_and_choices(trainee_client, case, field, value, message):
    before = section(case, "A").data
    response = trainee_client.post(section_url(case, "A"), {**before, "version": 0, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert section(case, "A").version == 0


def test_section_a_stores_valid_year_and_date(trainee_client, case):
    before = section(case, "A").data
    response = trainee_client.post(section_url(case, "A"), {**before, "version": 0, "licence_year": "2016",
                                                             "licence_date": "2016-06-01"})
    assert response.status_code == 302
    saved = section(case, "A")
    assert (saved.answer("licence_year"), saved.answer("licence_date")) == ("2016", "2016-06-01")


def test_nul_characters_are_dropped(trainee_client, case):
    fetch_post(trainee_client, autosave_url(case, "B"), {"version": 0, "background": "a\x00b"})
    assert section(case, "B").answer("background") == "ab"


# --- section A ----------------------------------------------------------------------------------------------


def test_section_a_is_prefilled_from_registration(trainee_client, case):
    response = trainee_client.get(section_url(case, "A"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{case.trainee.full_name}"' in html
    assert 'value="Hedda Handledare"' in html
    assert 'value="Vårdcentralen Exempel"' in html
    assert 'value="2021" id="id_curriculum_1" checked' in html
    assert case.personnummer_clear() in html  # the trainee's own, from registration


def test_sections_show_intro_and_help_texts_grouped(trainee_client, case):
    html = trainee_client.get(section_url(case, "C")).content.decode()
    assert str(SECTION_BY_CODE["C"].intro) in html
    assert "Dagar på den egna vårdcentralen under randningar." in html
    assert "<legend>Värdera</legend>" in html and "<legend>Redogör för</legend>" in html
    assert html.count("<textarea") == len(SECTION_BY_CODE["C"].prompts)


def test_section_completeness_follows_required_prompts(trainee_client, case):
    answers = {k: v for k, v in full_answers("B").items()}
    trainee_client.post(section_url(case, "B"), {"version": 0, **answers})
    html = trainee_client.get(section_url(case, "B")).content.decode()
    assert '<span class="badge badge-certified">Klart</span>' in html
    trainee_client.post(section_url(case, "B"), {"version": 1, **answers, "question_3": "  "})
    html = trainee_client.get(section_url(case, "B")).content.decode()
    assert "1 obligatorisk fråga kvar" in html


def test_section_f_and_unknown_codes_are_not_pages_here(trainee_client, case):
    assert trainee_client.get(section_url(case, "F")).status_code == 404
    assert fetch_post(trainee_client, autosave_url(case, "F"), {"version": 0}).status_code == 404
    assert trainee_client.get(f"/arenden/{case.pk}/portfolj/G/").status_code == 404
    with pytest.raises(NoReverseMatch):
        section_url(case, "b")


# --- who may do what --------------------------------------------------------------------------------------


def test_anonymous_autosave_gets_401_json_not_a_login_redirect(client, case):
    response = fetch_post(client, autosave_url(case, "B"), {"version": 0, "background": "Skrivet innan utloggning."})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "Du är utloggad" in response.json()["error"]
    assert section(case, "B").data == {}


def test_anonymous_section_page_redirects_to_login(client, case):
    response = client.get(section_url(case, "B"))
    assert response.status_code == 302
    assert "/konto/logga-in/" in response.url


def test_other_trainee_gets_404_everywhere(client, case, other_trainee):
    client.force_login(other_trainee)
    assert client.get(overview_url(case)).status_code == 404
    assert client.get(section_url(case, "B")).status_code == 404
    assert client.post(section_url(case, "B"), {"version": 0, "background": "x"}).status_code == 404
    assert fetch_post(client, autosave_url(case, "B"), {"version": 0, "background": "x"}).status_code == 404
    assert section(case, "B").data == {}


def test_coordinator_cannot_save_or_read_a_section(client, case, coordinator):
    client.force_login(coordinator)
    assert client.post(section_url(case, "B"), {"version": 0, "background": "x"}).status_code == 403
    assert fetch_post(client, autosave_url(case, "B"), {"version": 0, "background": "x"}).status_code == 403
    assert client.get(section_url(case, "B")).status_code == 403
    assert section(case, "B").data == {}


def test_coordinator_overview_shows_completeness_but_no_answer_text(client, case, coordinator):
    markers = {}
    for code in "BCDE":
        answers = full_answers(code, text=f"HEMLIGT-{code}")
        save_elsewhere(case, code, **answers)
        markers.update(answers)
    statement = section(case, "F")
    statement.data = {p.key: f"HEMLIGT-F {p.key}" for p in statement.definition.prompts}
    statement.locked_at = timezone.now()
    statement.save()
    client.force_login(coordinator)
    response = client.get(overview_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "HEMLIGT" not in html
    for answer in section(case, "A").data.values():
        if answer:  # section A's own answers (address, phone, …) are content too
            assert f">{answer}<" not in html and f'value="{answer}"' not in html
    assert '<span class="stat-value nowrap">4</span>' in html  # B–E complete; A lacks licence year, date, home address
    assert "av 5 avsnitt klara" in html
    assert "Inskickat" in html  # F: status only
    assert "<textarea" not in html and "<input" not in html.split("<main", 1)[1]
    assert f'href="{section_url(case, "B")}"' not in html


def test_trainee_overview_shows_progress_links_and_missing(trainee_client, case):
    save_elsewhere(case, "B", **full_answers("B"))
    response = trainee_client.get(overview_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="stat-value nowrap">1</span>\n    <span class="stat-label">av 5 avsnitt klara' in html
    assert "17 av 49 frågor besvarade" in html  # A's nine from registration and B's eight
    for code in "ABCDE":
        assert f'href="{section_url(case, code)}"' in html
    assert "Inte begärt" in html
    assert "Kvar innan materialet kan skickas in" in html
    for name in ("recordings", "supervisor", "submit"):
        try:
            url = reverse(f"portfolio:{name}", args=[case.pk])
        except NoReverseMatch:  # written by another part of the portfolio
            continue
        assert f'href="{url}"' in html


def test_overview_shows_the_submitted_statement_to_the_trainee(trainee_client, case):
    statement = section(case, "F")
    statement.data = {"strengths": "Lyssnar noga på patienterna."}
    statement.locked_at = timezone.now()
    statement.save()
    html = trainee_client.get(overview_url(case)).content.decode()
    assert "Lyssnar noga på patienterna." in html
    assert "Inskickat" in html


def test_overview_statement_requested(trainee_client, case):
    from portfolio.models import SupervisorLink

    SupervisorLink.issue(case=case, email="hedda@example.org", by=case.trainee)
    html = trainee_client.get(overview_url(case)).content.decode()
    assert "Begärt" in html and "Inte begärt" not in html


def test_quality_reviewer_has_no_portfolio_overview(client, make_case, quality):
    case = make_case(S.REPORT_DELIVERED)
    client.force_login(quality)
    assert client.get(overview_url(case)).status_code == 403
    assert client.get(section_url(case, "B")).status_code == 403


def test_evaluator_reads_content_only_after_submission(client, make_case, evaluator):
    case = make_case(S.PRACTICE_DAY_AGREED)
    save_elsewhere(case, "B", background="INNEHALL-B")
    client.force_login(evaluator.user)
    assert client.get(section_url(case, "B")).status_code == 403
    html = client.get(overview_url(case)).content.decode()
    assert "INNEHALL-B" not in html
    assert f'href="{section_url(case, "B")}"' not in html

    submitted = make_case(S.MATERIAL_SUBMITTED)
    written = section(submitted, "B")
    written.data = {"background": "INNEHALL-INSKICKAT"}
    written.save()
    response = client.get(section_url(submitted, "B"))
    assert response.status_code == 200
    assert "INNEHALL-INSKICKAT" in response.content.decode()
    assert "<textarea" not in response.content.decode()
    assert client.post(section_url(submitted, "B"), {"version": 0, "background": "x"}).status_code == 403
    html = client.get(overview_url(submitted)).content.decode()
    assert f'href="{section_url(submitted, "B")}"' in html
    try:
        assert f'href="{reverse("portfolio:reading", args=[submitted.pk])}"' in html
    except NoReverseMatch:
        pass


def test_other_evaluator_gets_404(client, make_case, other_evaluator):
    case = make_case(S.MATERIAL_SUBMITTED)
    client.force_login(other_evaluator.user)
    assert client.get(overview_url(case)).status_code == 404
    assert client.get(section_url(case, "B")).status_code == 404


def test_submitted_material_is_locked_for_the_trainee(client, make_case):
    case = make_case(S.MATERIAL_SUBMITTED)
    save = section(case, "B")
    save.data = {"background": "Inskickad text."}
    save.save()
    client.force_login(case.trainee)
    assert client.post(section_url(case, "B"), {"version": 0, "background": "Ändrad."}).status_code == 403
    response = fetch_post(client, autosave_url(case, "B"), {"version": 0, "background": "Ändrad."})
    assert response.status_code == 403
    assert "kan inte ändras längre" in response.json()["error"]
    page = client.get(section_url(case, "B"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Inskickad text." in html
    assert "<textarea" not in html and 'name="version"' not in html and "autosave.js" not in html
    assert "texterna är låsta" in html
    assert section(case, "B").answer("background") == "Inskickad text."


def test_withdrawn_case_is_read_only_for_the_trainee(client, make_case, coordinator):
    from evaluations import services

    case = make_case(S.PRACTICE_DAY_AGREED)
    services.case_withdraw(case=case, by=coordinator, reason="Byter tjänst")
    client.force_login(case.trainee)
    assert client.post(section_url(case, "B"), {"version": 0, "background": "x"}).status_code == 403
    assert client.get(section_url(case, "B")).status_code == 200


# --- audit --------------------------------------------------------------------------------------------------


def test_autosaves_while_typing_make_one_audit_row_per_quarter_hour(trainee_client, case):
    start = timezone.now() + timedelta(minutes=30)  # after the case's own events; the session still valid
    version = 0
    with time_machine.travel(start, tick=False) as clock:
        for n in range(20):  # twenty saves, 30 seconds apart: ten minutes of typing
            response = fetch_post(trainee_client, autosave_url(case, "B"), {"version": version, "background": "x" * (n + 1)})
            version = response.json()["version"]
            clock.shift(timedelta(seconds=30))
        assert case.events.filter(action="section_saved").count() == 1
        clock.shift(timedelta(minutes=16))  # a break, then more typing: a new row
        fetch_post(trainee_client, autosave_url(case, "B"), {"version": version, "background": "efter pausen"})
    rows = list(CaseEvent.objects.filter(case=case, action="section_saved").order_by("at"))
    assert len(rows) == 2
    assert all(row.note == "B" and row.actor == case.trainee for row in rows)
    assert section(case, "B").version == 21


def test_saves_to_another_section_are_their_own_audit_row(trainee_client, case):
    fetch_post(trainee_client, autosave_url(case, "B"), {"version": 0, "background": "b"})
    fetch_post(trainee_client, autosave_url(case, "C"), {"version": 0, "focus": "c"})
    assert list(case.events.filter(action="section_saved").values_list("note", flat=True).order_by("at", "id")) == ["B", "C"]
