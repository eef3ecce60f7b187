"""The admin reads cases and reports; every change goes through a service (audited)."""

import pytest
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation
from evaluations.reports.models import Report, ReportTemplate
from mittist.accounts.models import Role
from tests.conftest import S, deliver_report


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, is_staff=True, is_superuser=True)


def test_a_case_cannot_be_changed_or_deleted_in_the_admin(client, admin_user, make_case, other_evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    events = CaseEvent.objects.filter(case=case).count()
    client.force_login(admin_user)
    page = client.get(reverse("admin:evaluations_evaluation_change", args=[case.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    changed = client.post(reverse("admin:evaluations_evaluation_change", args=[case.pk]),
                          {"evaluator": other_evaluator.pk, "workplace": "Annanstans"})
    deleted = client.post(reverse("admin:evaluations_evaluation_delete", args=[case.pk]), {"post": "yes"})
    assert changed.status_code == 403 and deleted.status_code == 403
    case.refresh_from_db()
    assert case.evaluator != other_evaluator and case.workplace != "Annanstans"
    assert CaseEvent.objects.filter(case=case).count() == events


def test_the_report_shows_in_the_admin_without_its_text(client, admin_user, make_case, evaluator):
    case = make_case(S.PRACTICE_DAY_HELD, evaluator_=evaluator)
    deliver_report(case, evaluator.user)
    report = Report.objects.get(case=case)
    client.force_login(admin_user)
    page = client.get(reverse("admin:reports_report_change", args=[report.pk])).content.decode()
    assert report.pdf_sha256 in page
    assert "Text för summary." not in page
    assert client.post(reverse("admin:reports_report_delete", args=[report.pk]), {"post": "yes"}).status_code == 403
    assert Evaluation.objects.filter(pk=case.pk).exists() and Report.objects.filter(pk=report.pk).exists()


def test_the_report_template_is_a_versioned_definition_in_the_admin(client, admin_user):
    template = ReportTemplate.current()
    client.force_login(admin_user)
    assert client.get(reverse("admin:reports_reporttemplate_change", args=[template.pk])).status_code == 200
    assert client.get(reverse("admin:reports_qualitychecklist_changelist")).status_code == 200
