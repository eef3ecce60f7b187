"""The trainee's pages: list, create (three buttons), edit, detail, link steps, cancel, action plan,
training details."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from evaluations.minicex import services
from evaluations.minicex.models import MiniCex, TrainingProfile
from mittist.accounts.models import Role

from .conftest import trainee_values

S = MiniCex.State


def post_data(**overrides) -> dict:
    """The create form's POST for trainee_values(): curriculum as "kind:key", free goals as three boxes."""
    values = trainee_values()
    data = {
        "performed_on": values["performed_on"].isoformat(),
        "clinical_context": values["clinical_context"],
        "case_description": values["case_description"],
        "reflection": values["reflection"],
        "curriculum": "st:2021",
        "goals": values["goals"],
        "focus": values["focus"],
        "assessor_name": values["assessor_name"],
        "assessor_email": values["assessor_email"],
        "free_goals_0": "",
        "free_goals_1": "",
        "free_goals_2": "",
        "action": "draft",
    }
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(client, trainee):
    client.force_login(trainee)
    return client


# --- list -----------------------------------------------------------------------------------------


def test_empty_list_explains_minicex_and_offers_new_form(signed_in):
    response = signed_in.get(reverse("minicex:list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Vad är en mini-CEX?" in text
    assert reverse("minicex:create") in text


def test_list_shows_only_own_forms_newest_first(signed_in, make_form, other_trainee):
    old, _ = make_form(performed_on=date.today() - timedelta(days=20), assessor_name="Gammal Bedömare")
    new, _ = make_form(performed_on=date.today() - timedelta(days=2), assessor_name="Ny Bedömare")
    services.minicex_create(trainee=other_trainee, by=other_trainee, definition=old.definition,
                            values=trainee_values(assessor_name="Annans Bedömare"))
    text = signed_in.get(reverse("minicex:list")).content.decode()
    assert text.index("Ny Bedömare") < text.index("Gammal Bedömare")
    assert "Annans Bedömare" not in text


@pytest.mark.parametrize("query, shown, hidden", [
    ({"state": "completed"}, "Klar Bedömare", "Utkast Bedömare"),
    ({"kind": "bt"}, "Bt Bedömare", "Utkast Bedömare"),
    ({"assessor": "klar"}, "Klar Bedömare", "Utkast Bedömare"),
    ({"focus": "diagnos"}, "Utkast Bedömare", "Klar Bedömare"),
    ({"date_from": (date.today() - timedelta(days=5)).isoformat()}, "Utkast Bedömare", "Klar Bedömare"),
    ({"date_to": (date.today() - timedelta(days=5)).isoformat()}, "Klar Bedömare", "Utkast Bedömare"),
])
def test_list_filters(signed_in, make_form, bt_definition, query, shown, hidden):
    make_form(S.COMPLETED, assessor_name="Klar Bedömare", performed_on=date.today() - timedelta(days=10))
    make_form(assessor_name="Utkast Bedömare", focus=["diagnos"], performed_on=date.today() - timedelta(days=1))
    make_form(definition=bt_definition, assessor_name="Bt Bedömare", performed_on=date.today() - timedelta(days=10))
    text = signed_in.get(reverse("minicex:list"), query).content.decode()
    assert shown in text
    assert hidden not in text


def test_list_bad_filter_values_do_not_break_the_page(signed_in, make_form):
    make_form()
    response = signed_in.get(reverse("minicex:list"), {"date_from": "not-a-date", "state": "x\x00", "page": "zz"})
    assert response.status_code == 200


def test_list_pages_after_25(signed_in, make_form, trainee, st_definition):
    for n in range(26):
        services.minicex_create(trainee=trainee, by=trainee, definition=st_definition,
                                values=trainee_values(clinical_context=f"Fall {n}"))
    response = signed_in.get(reverse("minicex:list"))
    assert len(response.context["page_obj"].object_list) == 25
    assert response.context["page_obj"].has_next()


def test_compare_pick_needs_exactly_two(signed_in, make_form):
    a, _ = make_form(S.COMPLETED)
    b, _ = make_form(S.COMPLETED)
    response = signed_in.get(reverse("minicex:compare_pick"), {"valj": [str(a.pk), str(b.pk)]})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("minicex:compare"))
    assert f"a={a.pk}" in response["Location"] and f"b={b.pk}" in response["Location"]
    response = signed_in.get(reverse("minicex:compare_pick"), {"valj": [str(a.pk)]}, follow=True)
    assert "Välj exakt två formulär" in response.content.decode()


def test_coordinator_is_sent_to_the_doctors_list(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("minicex:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("minicex:trainees")


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.SUPERVISOR, Role.QUALITY])
def test_other_roles_get_403_on_trainee_pages(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("minicex:list")).status_code == 403
    assert client.get(reverse("minicex:create")).status_code == 403


# --- create -----------------------------------------------------------------------------------------


def test_create_as_draft(signed_in, trainee):
    response = signed_in.post(reverse("minicex:create"), post_data())
    form = MiniCex.objects.get(trainee=trainee)
    assert response["Location"] == reverse("minicex:detail", args=[form.pk])
    assert form.state == S.DRAFT
    assert form.goals == ["STb1"]
    assert form.focus == ["anamnes", "status"]
    assert form.definition.key == "st-v1"
    assert mail.outbox == []


def test_create_and_send_mails_the_assessor(signed_in, trainee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("minicex:create"), post_data(action="send"), follow=True)
    form = MiniCex.objects.get(trainee=trainee)
    assert form.state == S.AWAITING_ASSESSOR and form.mode == MiniCex.Mode.EMAIL_LINK
    assert len(mail.outbox) == 1 and "asta.bedomare@example.org" in mail.outbox[0].to[0]
    assert "länken skickades till asta.bedomare@example.org" in response.content.decode()
    assert list(form.events.values_list("action", flat=True)) == ["link_sent", "created"]


def test_create_and_hand_over_goes_to_the_assessor_page(signed_in, trainee):
    response = signed_in.post(reverse("minicex:create"), post_data(action="device"))
    form = MiniCex.objects.get(trainee=trainee)
    assert form.state == S.AWAITING_ASSESSOR and form.mode == MiniCex.Mode.SAME_DEVICE
    assert response["Location"] == reverse("minicex:assess_device", args=[form.pk])


def test_create_links_assessor_with_account(signed_in, trainee, assessor_account):
    signed_in.post(reverse("minicex:create"), post_data(assessor_email="Hugo.Handledare@example.org"))
    assert MiniCex.objects.get(trainee=trainee).assessor_user == assessor_account


def test_create_page_defaults_to_profile(signed_in, trainee):
    TrainingProfile.objects.create(user=trainee, programme="st", curriculum="2015", training_start=date(2024, 1, 1))
    response = signed_in.get(reverse("minicex:create"))
    form = response.context["form"]
    assert form["curriculum"].value() == "st:2015"
    assert [c for c, _ in form.fields["curriculum"].choices] == ["st:2021", "st:2015"]
    text = response.content.decode()
    assert "STa4</strong> – Etik i det dagliga arbetet" in text
    assert "a1</strong> – Ledarskap och pedagogik" in text


def test_create_page_without_profile_offers_st_and_bt(signed_in):
    form = signed_in.get(reverse("minicex:create")).context["form"]
    assert form["curriculum"].value() == "st:2021"
    assert [c for c, _ in form.fields["curriculum"].choices] == ["st:2021", "st:2015", "bt:bt2021"]


def test_bt_doctor_creates_bt_form_without_free_goal_boxes(client, bt_trainee):
    client.force_login(bt_trainee)
    response = client.get(reverse("minicex:create"))
    assert "free_goals_0" not in response.content.decode()
    client.post(reverse("minicex:create"), post_data(curriculum="bt:bt2021", goals=["bt1", "bt9"],
                                                     free_goals_0="Ignoreras"))
    form = MiniCex.objects.get(trainee=bt_trainee)
    assert form.definition.kind == "bt"
    assert form.goals == ["bt1", "bt9"]
    assert form.free_goals == []


def test_free_goals_are_saved(signed_in, trainee):
    signed_in.post(reverse("minicex:create"), post_data(free_goals_0="STc3 Akut omhändertagande", free_goals_2="STc8"))
    assert MiniCex.objects.get(trainee=trainee).free_goals == ["STc3 Akut omhändertagande", "STc8"]


def _assert_kept(response, **fields):
    assert response.status_code == 200
    form = response.context["form"]
    for name, value in fields.items():
        assert form[name].value() == value, name
    return form


def test_missing_and_bad_fields_are_shown_at_the_field_with_input_kept(signed_in, trainee):
    response = signed_in.post(reverse("minicex:create"), post_data(
        performed_on="2025-02-30", assessor_email="inte-en-adress", reflection="Min reflektion"))
    form = _assert_kept(response, reflection="Min reflektion", assessor_email="inte-en-adress")
    assert set(form.errors) == {"performed_on", "assessor_email"}
    assert 'id="id_performed_on_error"' in response.content.decode()
    assert not MiniCex.objects.exists()


def test_nul_bytes_are_refused_at_the_field(signed_in):
    response = signed_in.post(reverse("minicex:create"), post_data(case_description="Fall\x00beskrivning"))
    assert "case_description" in response.context["form"].errors
    assert not MiniCex.objects.exists()


def test_date_far_in_future_is_refused_by_the_service_at_the_field(signed_in):
    far = (date.today() + timedelta(days=90)).isoformat()
    response = signed_in.post(reverse("minicex:create"), post_data(performed_on=far, clinical_context="Behålls"))
    form = _assert_kept(response, clinical_context="Behålls")
    assert "för långt fram" in form.errors["performed_on"][0]


def test_goal_of_other_curriculum_is_left_out_not_blocking(signed_in, trainee):
    response = signed_in.post(reverse("minicex:create"), post_data(goals=["STb1", "a1"]), follow=True)
    form = MiniCex.objects.get(trainee=trainee)
    assert form.goals == ["STb1"]
    assert "a1 hör till en annan målbeskrivning" in response.content.decode()


def test_unknown_goal_is_an_error_at_the_field(signed_in):
    response = signed_in.post(reverse("minicex:create"), post_data(goals=["STb1", "XX9"], reflection="Kvar"))
    form = _assert_kept(response, reflection="Kvar")
    assert "goals" in form.errors
    assert "checked" in response.content.decode().split('value="STb1"')[1][:40]


def test_free_goals_beyond_three_cannot_be_posted(signed_in, trainee):
    """The page has three boxes; a fourth posted by hand is not read (the service also refuses >3)."""
    signed_in.post(reverse("minicex:create"), post_data(free_goals_0="A", free_goals_1="B", free_goals_2="C",
                                                        free_goals_3="D"))
    assert MiniCex.objects.get(trainee=trainee).free_goals == ["A", "B", "C"]


def test_too_long_free_goal_is_an_error_at_the_field(signed_in):
    response = signed_in.post(reverse("minicex:create"), post_data(free_goals_0="x" * 201, reflection="Kvar"))
    _assert_kept(response, reflection="Kvar")
    assert "free_goals" in response.context["form"].errors
    assert not MiniCex.objects.exists()


def test_bt_form_has_no_free_goals_error_at_the_field(signed_in):
    """A doctor without a profile may choose BT; written-in goals are refused there, not dropped."""
    response = signed_in.post(reverse("minicex:create"), post_data(curriculum="bt:bt2021", goals=["bt1"],
                                                                     free_goals_0="Eget mål"))
    form = _assert_kept(response, curriculum="bt:bt2021")
    assert "inga egna delmål" in form.errors["free_goals"][0]
    assert 'value="Eget mål"' in response.content.decode()
    assert not MiniCex.objects.exists()


def test_assessing_oneself_is_refused(signed_in, trainee):
    response = signed_in.post(reverse("minicex:create"), post_data(assessor_email=trainee.email))
    assert "assessor_email" in response.context["form"].errors


def test_huge_text_is_refused(signed_in):
    response = signed_in.post(reverse("minicex:create"), post_data(reflection="x" * 6000))
    assert "reflection" in response.context["form"].errors


# --- edit -----------------------------------------------------------------------------------------------


def test_edit_saves_and_raises_version(signed_in, make_form):
    form, _ = make_form()
    response = signed_in.post(reverse("minicex:edit", args=[form.pk]),
                              post_data(version=form.version, clinical_context="Hembesök"))
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.clinical_context == "Hembesök"
    assert form.events.filter(action="edited").exists()


def test_edit_conflict_keeps_input_and_saves_nothing(signed_in, make_form):
    form, _ = make_form()
    stale = form.version
    services.minicex_update(form=form, by=form.trainee, version=form.version, values=trainee_values(reflection="Ny"))
    response = signed_in.post(reverse("minicex:edit", args=[form.pk]),
                              post_data(version=stale, clinical_context="Min ändring"))
    assert response.status_code == 409
    assert response.context["form"]["clinical_context"].value() == "Min ändring"
    assert "har ändrats sedan du öppnade" in response.content.decode()
    form.refresh_from_db()
    assert form.clinical_context != "Min ändring"


def test_edit_of_assessed_form_is_refused(signed_in, make_form):
    form, _ = make_form(S.ASSESSED)
    response = signed_in.get(reverse("minicex:edit", args=[form.pk]))
    assert response.status_code == 302
    response = signed_in.post(reverse("minicex:edit", args=[form.pk]), post_data(version=form.version))
    form.refresh_from_db()
    assert form.clinical_context == trainee_values()["clinical_context"]


def test_other_trainees_form_is_404_everywhere(client, other_trainee, make_form):
    form, _ = make_form(S.ASSESSED)
    client.force_login(other_trainee)
    for name in ("detail", "edit", "action_plan", "cancel"):
        assert client.get(reverse(f"minicex:{name}", args=[form.pk])).status_code == 404, name
    for name in ("send_link", "resend_link", "extend_link", "hand_over", "cancel"):
        assert client.post(reverse(f"minicex:{name}", args=[form.pk])).status_code == 404, name


def test_unknown_uuid_is_404_and_bad_uuid_is_404(signed_in):
    import uuid

    assert signed_in.get(reverse("minicex:detail", args=[uuid.uuid4()])).status_code == 404
    assert signed_in.get("/mini-cex/not-a-uuid/").status_code == 404


def test_assessor_with_account_sees_form_but_not_draft(client, make_form, assessor_account):
    draft, _ = make_form(assessor_email=assessor_account.email)
    sent, _ = make_form(S.AWAITING_ASSESSOR, assessor_email=assessor_account.email)
    client.force_login(assessor_account)
    assert client.get(reverse("minicex:detail", args=[draft.pk])).status_code == 404
    response = client.get(reverse("minicex:detail", args=[sent.pk]))
    assert response.status_code == 200
    assert response.context["events"] == []


def test_anonymous_is_sent_to_log_in(client, make_form):
    form, _ = make_form()
    response = client.get(reverse("minicex:detail", args=[form.pk]))
    assert response.status_code == 302 and "logga-in" in response["Location"]


# --- detail and steps ---------------------------------------------------------------------------------


def test_draft_detail_offers_next_steps(signed_in, make_form):
    form, _ = make_form()
    text = signed_in.get(reverse("minicex:detail", args=[form.pk])).content.decode()
    for name in ("send_link", "hand_over", "edit", "cancel"):
        assert reverse(f"minicex:{name}", args=[form.pk]) in text


def test_assessed_detail_points_to_action_plan_and_completed_to_pdf(signed_in, make_form):
    assessed, _ = make_form(S.ASSESSED)
    completed, _ = make_form(S.COMPLETED)
    assert reverse("minicex:action_plan", args=[assessed.pk]) in signed_in.get(
        reverse("minicex:detail", args=[assessed.pk])).content.decode()
    text = signed_in.get(reverse("minicex:detail", args=[completed.pk])).content.decode()
    assert reverse("minicex:pdf", args=[completed.pk]) in text
    assert reverse("minicex:amend", args=[completed.pk]) not in text


def test_send_link_endpoint(signed_in, make_form, django_capture_on_commit_callbacks):
    form, _ = make_form()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("minicex:send_link", args=[form.pk]), follow=True)
    form.refresh_from_db()
    assert form.state == S.AWAITING_ASSESSOR
    assert len(mail.outbox) == 1
    assert "Länken skickades till asta.bedomare@example.org" in response.content.decode()


def test_endpoints_are_post_only(signed_in, make_form):
    form, _ = make_form()
    assert signed_in.get(reverse("minicex:send_link", args=[form.pk])).status_code == 405
    form.refresh_from_db()
    assert form.state == S.DRAFT


def test_resend_link_mails_new_link(signed_in, make_form, django_capture_on_commit_callbacks):
    form, token = make_form(S.AWAITING_ASSESSOR)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("minicex:resend_link", args=[form.pk]), follow=True)
    assert len(mail.outbox) == 1
    assert "En ny länk skickades" in response.content.decode()
    assert services.form_for_token(form.pk, token) is None


def test_extend_link_only_once(signed_in, make_form, django_capture_on_commit_callbacks):
    form, _ = make_form(S.AWAITING_ASSESSOR)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("minicex:extend_link", args=[form.pk]))
    form.refresh_from_db()
    assert form.link_extended_at is not None
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("minicex:extend_link", args=[form.pk]), follow=True)
    assert "bara förlängas en gång" in response.content.decode()
    assert len(mail.outbox) == 1
    assert form.events.filter(action="link_extended").count() == 1


def test_hand_over_endpoint_redirects_to_assessor_page(signed_in, make_form):
    form, _ = make_form()
    response = signed_in.post(reverse("minicex:hand_over", args=[form.pk]))
    assert response["Location"] == reverse("minicex:assess_device", args=[form.pk])
    form.refresh_from_db()
    assert form.mode == MiniCex.Mode.SAME_DEVICE


def test_cancel_with_reason(signed_in, make_form, django_capture_on_commit_callbacks):
    form, _ = make_form(S.AWAITING_ASSESSOR)
    mail.outbox.clear()
    assert signed_in.get(reverse("minicex:cancel", args=[form.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("minicex:cancel", args=[form.pk]), {"reason": "Patienten avböjde"})
    form.refresh_from_db()
    assert form.state == S.CANCELLED
    assert form.events.get(action="cancelled").note == "Patienten avböjde"
    assert len(mail.outbox) == 1  # the assessor hears that the link is dead


def test_cancel_of_assessed_form_is_refused(signed_in, make_form):
    form, _ = make_form(S.ASSESSED)
    signed_in.post(reverse("minicex:cancel", args=[form.pk]), {"reason": "x"})
    form.refresh_from_db()
    assert form.state == S.ASSESSED


# --- action plan -----------------------------------------------------------------------------------------


def test_action_plan_save_then_lock(signed_in, make_form):
    form, _ = make_form(S.ASSESSED)
    page = signed_in.get(reverse("minicex:action_plan", args=[form.pk]))
    assert "Att låsa är slutgiltigt" in page.content.decode()
    signed_in.post(reverse("minicex:action_plan", args=[form.pk]), {"action_plan": "Öva", "action": "save"})
    form.refresh_from_db()
    assert form.state == S.ASSESSED and form.action_plan == "Öva"
    signed_in.post(reverse("minicex:action_plan", args=[form.pk]), {"action_plan": "Öva mer", "action": "complete"})
    form.refresh_from_db()
    assert form.state == S.COMPLETED and form.action_plan == "Öva mer"
    assert form.events.filter(action="completed").exists()


def test_locking_without_plan_is_an_error_at_the_field(signed_in, make_form):
    form, _ = make_form(S.ASSESSED)
    response = signed_in.post(reverse("minicex:action_plan", args=[form.pk]), {"action_plan": "", "action": "complete"})
    assert "action_plan" in response.context["form"].errors
    form.refresh_from_db()
    assert form.state == S.ASSESSED


def test_after_locking_action_plan_and_edit_refuse(signed_in, make_form):
    form, _ = make_form(S.COMPLETED)
    response = signed_in.post(reverse("minicex:action_plan", args=[form.pk]), {"action_plan": "Ändrad",
                                                                                  "action": "save"})
    assert response.status_code == 302
    assert signed_in.get(reverse("minicex:edit", args=[form.pk])).status_code == 302
    form.refresh_from_db()
    assert form.action_plan == "Öva sammanfattning."


def test_action_plan_asks_for_missing_reflection(signed_in, make_form, trainee):
    form, _ = make_form(S.ASSESSED, reflection="")
    response = signed_in.get(reverse("minicex:action_plan", args=[form.pk]))
    assert "reflection" in response.context["form"].fields
    assert "case_description" not in response.context["form"].fields
    signed_in.post(reverse("minicex:action_plan", args=[form.pk]),
                   {"action_plan": "Plan", "reflection": "Efteråt", "action": "save"})
    form.refresh_from_db()
    assert form.reflection == "Efteråt"


# --- training details -------------------------------------------------------------------------------------


def test_trainee_saves_training_details(signed_in, trainee):
    response = signed_in.post(reverse("minicex:training"), {
        "programme": "st", "curriculum": "2015", "training_start": "2023-09-01", "part_time_percent": "75"})
    assert response.status_code == 302
    profile = TrainingProfile.objects.get(user=trainee)
    assert (profile.curriculum, profile.part_time_percent, profile.training_start) == ("2015", 75, date(2023, 9, 1))


@pytest.mark.parametrize("percent", ["0", "101", "abc", "-5"])
def test_training_part_time_out_of_range_is_refused(signed_in, trainee, percent):
    response = signed_in.post(reverse("minicex:training"), {
        "programme": "st", "curriculum": "2021", "training_start": "2023-09-01", "part_time_percent": percent})
    assert response.status_code == 200
    assert "part_time_percent" in response.context["form"].errors
    assert not TrainingProfile.objects.filter(user=trainee).exists()


def test_training_curriculum_must_match_programme(signed_in, trainee):
    response = signed_in.post(reverse("minicex:training"), {
        "programme": "bt", "curriculum": "2021", "training_start": "2023-09-01", "part_time_percent": "100"})
    assert "curriculum" in response.context["form"].errors
    assert not TrainingProfile.objects.filter(user=trainee).exists()


@pytest.mark.parametrize("step", ["send_link", "resend_link", "extend_link", "cancel", "hand_over", "send_code", "assess",
                                  "amend"])
def test_no_mail_is_queued_when_the_surrounding_transaction_rolls_back(make_form, trainee, coordinator, step,
                                                                        django_capture_on_commit_callbacks):
    """Every mail a service sends goes out on commit: a rollback after the service leaves nothing queued."""
    from unittest import mock

    from django.contrib.auth.models import AnonymousUser
    from django.db import transaction

    from .conftest import assessment_values

    state, mode = {"send_link": (S.DRAFT, "link"), "send_code": (S.AWAITING_ASSESSOR, "device"),
                   "amend": (S.COMPLETED, "link")}.get(step, (S.AWAITING_ASSESSOR, "link"))
    form, token = make_form(state, mode=mode)
    calls = {
        "send_link": lambda: services.minicex_send_link(form=form, by=trainee),
        "resend_link": lambda: services.minicex_resend_link(form=form, by=trainee),
        "extend_link": lambda: services.minicex_extend_link(form=form, by=trainee),
        "cancel": lambda: services.minicex_cancel(form=form, by=trainee),
        "hand_over": lambda: services.minicex_hand_over(form=form, by=trainee),
        "send_code": lambda: services.minicex_send_code(form=form, by=trainee, values={
            "assessor_name": "Ada Akut", "assessor_email": "ada.akut@example.org"}),
        "assess": lambda: services.minicex_assessor_save(form=form, by=AnonymousUser(), values=assessment_values(),
                                                         submit=True, via_link=True, token=token),
        "amend": lambda: services.minicex_amend(form=form, by=coordinator, values={"summary": "Ändrad."},
                                                reason="Fel", requested_by="Hedda Handledare"),
    }
    mail.outbox.clear()
    with mock.patch("mittist.mailer.async_task") as queued, django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            calls[step]()
            raise RuntimeError
    assert not queued.called and not mail.outbox
    assert MiniCex.objects.filter(pk=form.pk).values_list("state", flat=True).get() == state
