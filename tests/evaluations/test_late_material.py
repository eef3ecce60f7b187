"""Material sent after its deadline is flagged wherever the case is listed, and the office is told."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Evaluation

S = Evaluation.State
OFFICE = "kansli@example.org"


@pytest.fixture(autouse=True)
def _office(settings):
    settings.MITTIST_OFFICE_EMAIL = OFFICE


@pytest.fixture
def late_and_on_time(make_case, mailoutbox, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        # A day ten days off: the material was due 18 days ago.
        late = make_case(S.MATERIAL_SUBMITTED, practice_day=today + timedelta(days=10))
        on_time = make_case(S.MATERIAL_SUBMITTED, practice_day=today + timedelta(days=40))
    assert late.material_submitted_late and not on_time.material_submitted_late
    return late, on_time


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_row_and_the_late_filter_show_late_material(late_and_on_time, coordinator):
    late, on_time = late_and_on_time
    client = logged_in(coordinator)
    everything = client.get(reverse("evaluations:dashboard"))
    rows = {c.pk: c for c in everything.context["page_obj"].object_list}
    assert rows[late.pk].material_late and not rows[on_time.pk].material_late
    assert everything.content.decode().count("Material inskickat sent") == 1
    only_late = client.get(reverse("evaluations:dashboard"), {"overdue": "on"})
    assert {c.pk for c in only_late.context["page_obj"].object_list} == {late.pk}


def test_the_csv_marks_late_material_in_the_late_column(late_and_on_time, coordinator):
    late, _on_time = late_and_on_time
    response = logged_in(coordinator).get(reverse("evaluations:case_export"))
    content = b"".join(response.streaming_content).decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    late_column = rows[0].index("Försenad")
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email[late.trainee.email][late_column] == "material inskickat sent"
    assert [row[late_column] for row in rows[1:]].count("") == 1
    only_late = logged_in(coordinator).get(reverse("evaluations:case_export"), {"overdue": "on"})
    assert len(list(csv.reader(io.StringIO(b"".join(only_late.streaming_content).decode()[1:])))) == 2


def test_the_evaluators_home_flags_late_material(late_and_on_time, evaluator):
    html = logged_in(evaluator.user).get(reverse("evaluations:evaluator_home")).content.decode()
    assert html.count("Material inskickat sent") == 1


def test_the_evaluator_is_told_it_is_late_and_the_office_gets_a_mail(late_and_on_time, mailoutbox, evaluator):
    late, _on_time = late_and_on_time
    to_evaluator = [m for m in mailoutbox if evaluator.user.email in m.to[0] and "Material från" in m.subject]
    assert len(to_evaluator) == 2
    late_mail = next(m for m in to_evaluator if late.trainee.full_name in m.subject)
    on_time_mail = next(m for m in to_evaluator if late.trainee.full_name not in m.subject)
    assert "inskickat sent" in late_mail.subject and "efter tidsgränsen" in late_mail.body
    assert "efter tidsgränsen" not in on_time_mail.body
    to_office = [m for m in mailoutbox if OFFICE in m.to[0] and "efter tidsgränsen" in m.subject]
    assert len(to_office) == 1
    assert late.trainee.full_name in to_office[0].subject
    assert str(late.pk) in to_office[0].body


def test_the_flag_ends_when_the_practice_day_is_held(late_and_on_time):
    late, _on_time = late_and_on_time
    Evaluation.objects.filter(pk=late.pk).update(state=S.PRACTICE_DAY_HELD)
    assert not Evaluation.objects.late().filter(pk=late.pk).exists()

