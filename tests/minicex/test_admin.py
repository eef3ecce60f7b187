"""The admin: form versions editable until used (then only "Spara som ny"), forms read-only."""

import json

import pytest
from django.urls import reverse

from evaluations.minicex.models import FormDefinition, MiniCex, TrainingProfile

S = MiniCex.State


@pytest.fixture
def admin_client_(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="admin@example.org", password="x-Passw0rd-x",
                                                       full_name="Ada Admin")
    client.force_login(admin)
    return client


def definition_post(definition, **overrides) -> dict:
    data = {
        field.name: getattr(definition, field.name)
        for field in FormDefinition._meta.fields
        if field.editable and field.name not in ("id",)
    }
    for name in ("difficulties", "focus_options", "rated_items", "scale", "curricula"):
        data[name] = json.dumps(data[name], ensure_ascii=False)
        # JSON fields with a callable default post their initial value too, as the browser would.
        data[f"initial-{name}"] = data[name]
    data["is_active"] = "on" if definition.is_active else ""
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_definition_list_and_readable_json(admin_client_, st_definition):
    assert admin_client_.get(reverse("admin:minicex_formdefinition_changelist")).status_code == 200
    text = admin_client_.get(reverse("admin:minicex_formdefinition_change", args=[st_definition.pk])).content.decode()
    assert "Etik i det dagliga arbetet" in text  # å/ä/ö and labels readable, not \\u escapes
    assert "Spara som ny" in text or "_saveasnew" in text


def test_unused_definition_can_be_edited(admin_client_, st_definition):
    url = reverse("admin:minicex_formdefinition_change", args=[st_definition.pk])
    response = admin_client_.post(url, definition_post(st_definition, title="Ny rubrik"))
    assert response.status_code == 302
    st_definition.refresh_from_db()
    assert st_definition.title == "Ny rubrik"


def test_used_definition_refuses_changes_but_saves_as_new_version(admin_client_, make_form, st_definition):
    make_form(S.COMPLETED)
    url = reverse("admin:minicex_formdefinition_change", args=[st_definition.pk])
    page = admin_client_.get(url)
    assert "används av ifyllda formulär" in page.content.decode()

    response = admin_client_.post(url, definition_post(st_definition, title="Ändrad"))
    assert response.status_code == 200
    st_definition.refresh_from_db()
    assert st_definition.title != "Ändrad"

    response = admin_client_.post(url, definition_post(st_definition, key="st-v2", title="Ändrad", _saveasnew="1"))
    assert response.status_code == 302
    new = FormDefinition.objects.get(key="st-v2")
    assert new.pk != st_definition.pk and new.title == "Ändrad"
    assert new.curricula == st_definition.curricula
    assert MiniCex.objects.get().definition == st_definition


def test_used_definition_can_still_be_retired(admin_client_, make_form, st_definition):
    make_form()
    url = reverse("admin:minicex_formdefinition_change", args=[st_definition.pk])
    response = admin_client_.post(url, definition_post(st_definition, is_active=""))
    assert response.status_code == 302
    st_definition.refresh_from_db()
    assert st_definition.is_active is False


def test_minicex_admin_is_read_only(admin_client_, make_form):
    form, _ = make_form(S.ASSESSED)
    assert admin_client_.get(reverse("admin:minicex_minicex_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:minicex_minicex_add")).status_code == 403
    assert admin_client_.get(reverse("admin:minicex_minicex_delete", args=[form.pk])).status_code == 403
    page = admin_client_.get(reverse("admin:minicex_minicex_change", args=[form.pk]))
    assert page.status_code == 200
    assert 'name="summary"' not in page.content.decode()


def test_training_profile_admin(admin_client_, trainee):
    from datetime import date

    TrainingProfile.objects.create(user=trainee, training_start=date(2024, 1, 1))
    assert admin_client_.get(reverse("admin:minicex_trainingprofile_changelist")).status_code == 200
