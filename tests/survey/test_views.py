"""The trainee's survey pages: who gets them, errors at the field with nothing lost, the thanks, the way there."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone, translation

from evaluations.models import Evaluation
from mittist.accounts.models import Role
from survey.models import SurveyResponse

from .conftest import full_answers

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")


def answer_url(case):
    return reverse("survey:answer", args=[case.pk])


def post_answers(client, case, **overrides):
    return client.post(answer_url(case), {"version": "1", **full_answers(**overrides)})


def long_date(day):
    with translation.override("sv"):
        return formats.date_format(day, "j F Y")


def test_the_trainee_gets_an_accessible_form_grouped_by_topic(client, certified_case, trainee, definition):
    client.force_login(trainee)
    response = client.get(answer_url(certified_case))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    html = response.content.decode()
    for topic in ("Förberedelser och instruktioner", "Kontakten med värderaren", "Portfölj och inspelningar",
                  "Praktikdagen", "Rapporten", "Helheten", "Med egna ord"):
        assert f"<legend>{topic}</legend>" in html
    # Each scale is a fieldset whose legend is the question, with five radios; the ends are named.
    scale = re.search(r'<div class="field survey-scale">\s*<fieldset.*?</fieldset>', html, re.S).group(0)
    assert "<legend>Instruktionerna för Mitt-i-ST var tydliga.</legend>" in scale
    assert len(re.findall(r'type="radio" name="instructions_clear"', scale)) == 5
    assert "Instämmer inte alls" in scale and "Instämmer helt" in scale
    assert '<label for="id_best">Vad var bäst med din Mitt-i-ST? <span class="optional">(frivilligt)</span></label>' in html
    assert 'data-keep-draft-key="mittist:survey:' in html


@pytest.mark.parametrize("who, status", [("other_trainee", 404), ("coordinator", 403), ("evaluator", 403),
                                         ("quality", 403), ("other_evaluator", 404)])
def test_others_get_404_or_403_and_cannot_post(client, request, certified_case, who, status):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(answer_url(certified_case)).status_code == status
    assert post_answers(client, certified_case).status_code == status
    assert client.get(reverse("survey:thanks", args=[certified_case.pk])).status_code == status
    assert not SurveyResponse.objects.exists()
    assert Evaluation.objects.get(pk=certified_case.pk).state == S.CERTIFIED


def test_signed_out_visitors_are_sent_to_log_in(client, certified_case):
    response = client.get(answer_url(certified_case))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_before_the_certificate_the_trainee_is_told_and_sent_to_the_case(client, make_case, trainee):
    case = make_case(S.REPORT_DELIVERED, trainee=trainee)
    client.force_login(trainee)
    for response in (client.get(answer_url(case), follow=True), post_answers(client, case, best="Min text")):
        if response.status_code == 302:
            response = client.get(response.url)
        assert response.request["PATH_INFO"] == case.get_absolute_url()
        assert "Utvärderingen öppnar när ditt intyg är utfärdat." in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_missing_answers_get_swedish_errors_at_the_field_and_everything_typed_stays(client, certified_case, trainee):
    client.force_login(trainee)
    response = post_answers(client, certified_case, instructions_clear="", recommend="",
                            improve="Mer tid för <medsittning> & samtal.\nOch kortare instruktioner.")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Svaren kunde inte skickas" in html
    assert '<p class="field-error" id="id_instructions_clear_error">Välj ett av alternativen 1–5.</p>' in html
    assert '<p class="field-error" id="id_recommend_error">Välj ett av alternativen 1–5.</p>' in html
    assert '<a href="#id_instructions_clear">Instruktionerna för Mitt-i-ST var tydliga.</a>' in html
    assert '<fieldset id="id_instructions_clear" aria-describedby="id_instructions_clear_error">' in html
    # What was chosen and typed is there again (escaped), the answered scales still checked.
    assert "Mer tid för &lt;medsittning&gt; &amp; samtal.\nOch kortare instruktioner.</textarea>" in html
    assert re.search(r'name="day_organised" value="4" id="id_day_organised_3" checked', html)
    assert not re.search(r'name="instructions_clear" value="\d" id="[^"]+" checked', html)
    assert 'aria-describedby="id_recommend_error"' in html
    assert not SurveyResponse.objects.exists()
    assert Evaluation.objects.get(pk=certified_case.pk).state == S.CERTIFIED


def test_a_tampered_value_is_refused_at_its_field(client, certified_case, trainee):
    client.force_login(trainee)
    response = post_answers(client, certified_case, overall_value="11")
    assert response.status_code == 400
    assert '<p class="field-error" id="id_overall_value_error">Välj ett av alternativen 1–5.</p>' in response.content.decode()


def test_sending_closes_the_case_and_thanks_with_the_purge_date_and_the_certificate(
    client, certified_case, trainee, settings
):
    settings.MITTIST_MATERIAL_KEEP_DAYS_AFTER_END = 45
    settings.MITTIST_PURGE_NOTICE_DAYS = 9
    client.force_login(trainee)
    response = post_answers(client, certified_case)
    assert response.status_code == 302 and response.url == reverse("survey:thanks", args=[certified_case.pk])
    case = Evaluation.objects.get(pk=certified_case.pk)
    assert case.state == S.CLOSED and case.survey_answered

    thanks = client.get(response.url)
    html = thanks.content.decode()
    purge_on = timezone.localdate(case.closed_at) + timedelta(days=45)
    assert "Din Mitt-i-ST är avslutad" in html
    assert f"tidigast {long_date(purge_on)}, 45 dagar efter att ärendet avslutades" in html
    assert "minst 9 dagar före raderingen" in html
    assert reverse("certificates:download", args=[case.pk]) in html
    assert f'data-forget-draft="mittist:survey:{case.pk}"' in html


def test_a_double_submit_stores_one_response_and_the_second_lands_on_the_thanks(client, certified_case, trainee):
    client.force_login(trainee)
    first = post_answers(client, certified_case)
    second = post_answers(client, certified_case, best="Ett annat svar")
    assert first.status_code == second.status_code == 302
    assert second.url == reverse("survey:thanks", args=[certified_case.pk])
    assert "Du har redan svarat på utvärderingen. Tack!" in client.get(second.url).content.decode()
    assert SurveyResponse.objects.count() == 1
    assert "best" in SurveyResponse.objects.get().answers and SurveyResponse.objects.get().answers["best"] != "Ett annat svar"


def test_the_thanks_page_before_answering_leads_to_the_form(client, certified_case, trainee):
    client.force_login(trainee)
    response = client.get(reverse("survey:thanks", args=[certified_case.pk]))
    assert response.status_code == 302 and response.url == answer_url(certified_case)


def test_the_form_is_in_english_for_an_english_speaker(client, certified_case, trainee):
    trainee.language = "en"
    trainee.save(update_fields=["language"])
    client.force_login(trainee)
    html = client.get(answer_url(certified_case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<legend>Preparation and instructions</legend>" in html
    assert "<legend>The instructions for Mitt-i-ST were clear.</legend>" in html
    assert "Strongly disagree" in html and "Instämmer inte alls" not in html


# --- the way to the form --------------------------------------------------------------------------


def test_the_trainees_home_leads_to_the_form_when_the_case_is_certified(client, certified_case, trainee):
    client.force_login(trainee)
    html = client.get(reverse("evaluations:trainee_home")).content.decode()
    url = answer_url(certified_case)
    assert f'<a class="btn btn-primary" href="{url}">Svara på enkäten</a>' in html
    assert f'<strong class="step-title"><a href="{url}">Utvärdering</a></strong>' in html
    survey_due = certified_case.survey_due
    assert f"Senast {long_date(survey_due)}" in html


def test_the_case_page_has_the_survey_card_for_the_trainee(client, certified_case, trainee):
    client.force_login(trainee)
    html = client.get(certified_case.get_absolute_url()).content.decode()
    assert 'id="survey-heading"' in html and f'href="{answer_url(certified_case)}">Svara på enkäten</a>' in html


def test_after_answering_home_and_case_page_no_longer_lead_to_the_form(client, certified_case, trainee):
    client.force_login(trainee)
    post_answers(client, certified_case)
    home = client.get(reverse("evaluations:trainee_home")).content.decode()
    case_page = client.get(certified_case.get_absolute_url()).content.decode()
    assert f'href="{answer_url(certified_case)}"' not in home
    assert f'href="{answer_url(certified_case)}"' not in case_page
    assert "Du har svarat på utvärderingen och ditt ärende är avslutat. Tack!" in case_page


def test_before_the_certificate_there_is_no_way_to_the_form(client, make_case, trainee):
    case = make_case(S.REPORT_DELIVERED, trainee=trainee)
    client.force_login(trainee)
    assert f'href="{answer_url(case)}"' not in client.get(reverse("evaluations:trainee_home")).content.decode()
    assert 'id="survey-heading"' not in client.get(case.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["evaluator", "quality"])
def test_the_survey_card_is_not_shown_to_the_evaluator_or_the_quality_group(client, request, certified_case, who):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    response = client.get(certified_case.get_absolute_url())
    assert response.status_code == 200 and 'id="survey-heading"' not in response.content.decode()


# --- the office closes without the survey ----------------------------------------------------------


def close_url(case):
    return reverse("evaluations:case_action", args=[case.pk, "close"])


def test_the_office_can_close_without_the_survey_only_after_its_deadline(client, certified_case, coordinator):
    due = certified_case.survey_due

    with time_machine.travel(datetime.combine(due, time(16), tzinfo=STHLM), tick=False):
        client.force_login(coordinator)
        html = client.get(certified_case.get_absolute_url()).content.decode()
        assert close_url(certified_case) not in html
        assert f"kan du avsluta ärendet utan utvärdering efter {long_date(due)}" in html
        client.post(close_url(certified_case))
        assert Evaluation.objects.get(pk=certified_case.pk).state == S.CERTIFIED

    with time_machine.travel(datetime.combine(due + timedelta(days=1), time(8), tzinfo=STHLM), tick=False):
        client.force_login(coordinator)
        html = client.get(certified_case.get_absolute_url()).content.decode()
        assert close_url(certified_case) in html and "Avsluta utan utvärdering" in html
        assert f"Sista dag för utvärderingen var {long_date(due)}" in html
        response = client.post(close_url(certified_case), follow=True)
        case = Evaluation.objects.get(pk=certified_case.pk)
        assert case.state == S.CLOSED and not case.survey_answered
        assert "Ärendet avslutades utan utvärdering." in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_trainee_never_sees_the_offices_close_button(client, certified_case, trainee):
    with time_machine.travel(timezone.now() + timedelta(days=60)):
        client.force_login(trainee)
        assert close_url(certified_case) not in client.get(certified_case.get_absolute_url()).content.decode()


def test_quality_group_members_see_no_survey_of_a_case(make_user, client, certified_case):
    member = make_user(Role.QUALITY)
    client.force_login(member)
    assert client.get(answer_url(certified_case)).status_code == 403
