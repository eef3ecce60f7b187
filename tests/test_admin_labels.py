"""The Django admin speaks Swedish: model names, column headings, and labels instead of stored codes."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from mittist.accounts.models import Role
from scheduling.models import Reminder


@pytest.fixture
def admin_client(client, make_user):
    user = make_user(Role.COORDINATOR, is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_admin_index_names_every_model_in_swedish(admin_client):
    with translation.override("sv"):
        page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    for english in ["Reminders", "Documents", "Sections", "Supervisor links", "Scheduled tasks", "Recordings",
                    "Self evaluation", "Access attempts", "Failed tasks"]:
        assert english not in page, english
    for swedish in ["Påminnelser", "Dokument", "Portföljavsnitt", "Länkar till handledaren", "Schemalagda jobb"]:
        assert swedish in page, swedish


def test_reminder_list_shows_labels_not_codes(admin_client, make_case):
    case = make_case("practice_day_agreed")
    Reminder.objects.create(case=case, kind="material_overdue", due_on=date(2030, 1, 1), send_on=date(2030, 1, 2))
    page = admin_client.get(reverse("admin:scheduling_reminder_changelist")).content.decode()
    assert "Material: försenat (värderaren och kansliet)" in page
    assert ">material_overdue<" not in page


def test_every_planned_reminder_kind_has_a_label():
    from scheduling.services.reminders import KINDS

    assert set(KINDS) == set(Reminder.Kind.values)


def test_case_admin_events_show_labels(admin_client, make_case):
    case = make_case("evaluator_accepted")
    page = admin_client.get(reverse("admin:evaluations_evaluation_change", args=[case.pk])).content.decode()
    assert "Värderaren accepterade" in page
    assert "assignment_accepted" not in page
