"""The practice day did not happen: the evaluator says so with a reason, everyone is told, no report can be
written, and the case goes back to agreeing a new day through the same proposals."""

from datetime import date, timedelta
from email.utils import parseaddr

import pytest
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation
from evaluations.reports.models import Report

S = Evaluation.State


@pytest.fixture
def day_has_come(make_case, trainee):
    return make_case(S.MATERIAL_SUBMITTED, trainee=trainee, practice_day=date.today())


def test_not_held_from_the_case_page_returns_to_agreeing_a_day(client, day_has_come, evaluator, outbox, settings,
                                                                django_capture_on_commit_callbacks):
    case = day_has_come
    client.force_login(evaluator.user)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Praktikdagen blev inte av" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:case_action", args=[case.pk, "mark_practice_day_not_held"]),
                               {"mark_practice_day_not_held-reason": "ST-läkaren var sjuk."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.practice_day, case.practice_day_held_on) == (S.CONTACT_MADE, None, None)
    event = CaseEvent.objects.get(case=case, action="practice_day_not_held")
    assert "ST-läkaren var sjuk." in event.note and event.actor == evaluator.user
    to = {parseaddr(m.to[0])[1] for m in outbox}
    assert {case.trainee.email, evaluator.user.email, settings.MITTIST_OFFICE_EMAIL} <= to

    # No report for a day that did not happen.
    assert client.get(reverse("reports:write", args=[case.pk])).status_code == 403
    assert not Report.objects.filter(case=case).exists()
    # Both may propose a new day on the same page as the first time.
    for user in (evaluator.user, case.trainee):
        client.force_login(user)
        response = client.get(reverse("scheduling:practice_day", args=[case.pk]))
        assert response.status_code == 200
        assert "Föreslå" in response.content.decode()


def test_a_reason_is_required(client, day_has_come, evaluator):
    client.force_login(evaluator.user)
    response = client.post(reverse("evaluations:case_action", args=[day_has_come.pk, "mark_practice_day_not_held"]),
                           {"mark_practice_day_not_held-reason": "  "})
    assert response.status_code == 400
    day_has_come.refresh_from_db()
    assert day_has_come.state == S.MATERIAL_SUBMITTED


def test_not_before_the_day(client, make_case, evaluator):
    case = make_case(S.MATERIAL_SUBMITTED, practice_day=date.today() + timedelta(days=2))
    client.force_login(evaluator.user)
    client.post(reverse("evaluations:case_action", args=[case.pk, "mark_practice_day_not_held"]),
                {"mark_practice_day_not_held-reason": "Sjuk."})
    case.refresh_from_db()
    assert case.state == S.MATERIAL_SUBMITTED


def test_the_trainee_cannot_mark_it(client, day_has_come):
    client.force_login(day_has_come.trainee)
    response = client.post(reverse("evaluations:case_action", args=[day_has_come.pk, "mark_practice_day_not_held"]),
                           {"mark_practice_day_not_held-reason": "Sjuk."})
    assert response.status_code == 403
    day_has_come.refresh_from_db()
    assert day_has_come.state == S.MATERIAL_SUBMITTED
