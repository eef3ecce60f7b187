"""The model-permission backend answers Django's model permissions only (mittist.accounts.backends)."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rules.permissions import permissions as rules_permissions

from mittist.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_no_rules_permission_has_the_name_of_a_model_permission():
    # What makes skipping the tables safe: a name rules answers is never one a staff member could be granted.
    model_permissions = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    assert model_permissions and rules_permissions
    assert not set(rules_permissions) & model_permissions


def test_a_refused_rules_permission_reads_no_permission_table(make_user):
    user = make_user(Role.EVALUATOR)
    user.has_perm("evaluations.view_evaluation")  # the model-permission cache, filled once per request
    fresh = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert not fresh.has_perm("evaluations.manage_case")
        assert not fresh.has_perm("evaluations.review_quality")
    assert [q["sql"] for q in queries] == []


def test_a_granted_model_permission_still_counts(make_user):
    staff = make_user(Role.QUALITY, is_staff=True)
    assert not staff.has_perm("evaluations.view_evaluation")
    staff.user_permissions.add(Permission.objects.get(codename="view_evaluation"))
    staff = type(staff).objects.get(pk=staff.pk)
    assert staff.has_perm("evaluations.view_evaluation")
    assert not staff.has_perm("evaluations.manage_case")  # a rules permission is rules' to give
