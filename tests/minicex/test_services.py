"""The form's lifecycle through the services: who may take each step, and what is stored."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from evaluations.minicex import services
from evaluations.minicex.models import NOT_OBSERVED, MiniCex, hash_token
from evaluations.models import Evaluation
from mittist.accounts.models import Role
from mittist.outbox.models import Message
from mittist.outbox.sending import send_due

from .conftest import assessment_values, trainee_values

S = MiniCex.State
pytestmark = pytest.mark.usefixtures("mail_at_once")


def _sent_token(form) -> str:
    """The token of the newest request mail for this form (the database has only its hash)."""
    bodies = [m.body for m in mail.outbox if str(form.pk) in m.body]
    return re.findall(rf"/mini-cex/{form.pk}/bedom/([A-Za-z0-9_-]+)/", bodies[-1])[-1]


# --- transitions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["assess", "complete", "amend"])
def test_a_draft_cannot_skip_the_assessor(make_form, verb):
    form, _ = make_form(S.DRAFT)
    with pytest.raises(TransitionNotAllowed):
        getattr(form, verb)()


def test_a_completed_form_cannot_be_cancelled_or_handed_over(make_form, trainee):
    form, _ = make_form(S.COMPLETED)
    with pytest.raises(services.MiniCexError):
        services.minicex_cancel(form=form, by=trainee)
    with pytest.raises(services.MiniCexError):
        services.minicex_hand_over(form=form, by=trainee)
    assert MiniCex.objects.get(pk=form.pk).state == S.COMPLETED


# --- creating and editing ------------------------------------------------------------------------------


def test_create_links_an_assessor_with_an_account(trainee, st_definition, assessor_account):
    form = services.minicex_create(trainee=trainee, by=trainee, definition=st_definition,
                                   values=trainee_values(assessor_email="Hugo.Handledare@EXAMPLE.org"))
    assert form.assessor_user == assessor_account
    assert form.assessor_email == "hugo.handledare@example.org"
    assert [e.action for e in form.events.all()] == ["created"]


def test_nobody_creates_a_form_for_someone_else(trainee, other_trainee, st_definition):
    with pytest.raises(PermissionDenied):
        services.minicex_create(trainee=trainee, by=other_trainee, definition=st_definition, values=trainee_values())
    assert not MiniCex.objects.exists()


def test_the_trainee_cannot_be_their_own_assessor(trainee, st_definition):
    with pytest.raises(ValidationError) as error:
        services.minicex_create(trainee=trainee, by=trainee, definition=st_definition,
                                values=trainee_values(assessor_email=trainee.email.upper()))
    assert "assessor_email" in error.value.message_dict
    assert not MiniCex.objects.exists()


def test_bt_forms_take_bt_goals_and_no_written_in_goals(trainee, bt_definition):
    with pytest.raises(ValidationError) as error:
        services.minicex_create(trainee=trainee, by=trainee, definition=bt_definition,
                                values=trainee_values(curriculum="bt2021", goals=["STb1"], free_goals=["Eget"]))
    assert set(error.value.message_dict) == {"goals", "free_goals"}


def test_an_edit_from_an_old_version_saves_nothing(make_form, trainee):
    form, _ = make_form(S.DRAFT)
    services.minicex_update(form=form, by=trainee, version=form.version, values=trainee_values(reflection="Ny"))
    with pytest.raises(services.MiniCexConflict):
        services.minicex_update(form=form, by=trainee, version=form.version, values=trainee_values(reflection="Gammal"))
    assert MiniCex.objects.get(pk=form.pk).reflection == "Ny"


def test_the_trainee_part_is_fixed_once_assessed(make_form, trainee):
    form, _ = make_form(S.ASSESSED)
    with pytest.raises(services.MiniCexError):
        services.minicex_update(form=form, by=trainee, version=form.version, values=trainee_values(reflection="x"))


# --- the e-mail link -------------------------------------------------------------------------------------


def test_the_link_goes_by_mail_and_only_its_hash_is_stored(make_form, trainee):
    form, _ = make_form(S.DRAFT)
    form = services.minicex_send_link(form=form, by=trainee)
    token = _sent_token(form)
    assert len(token) >= 22  # ≥ 128 bits in URL-safe base64
    assert form.link_token_hash == hash_token(token) and token not in form.link_token_hash
    assert mail.outbox[-1].to[0].endswith("<asta.bedomare@example.org>")
    assert form.link_expires_at - form.link_sent_at == timedelta(days=14)
    assert services.form_for_token(form.pk, token) == form


def test_sending_again_is_refused_so_the_expiry_cannot_be_renewed(make_form, trainee):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="link")
    with pytest.raises(services.MiniCexError):
        services.minicex_send_link(form=form, by=trainee)


def test_resend_replaces_the_token_and_keeps_the_expiry(make_form, trainee):
    form, token = make_form(S.AWAITING_ASSESSOR, mode="link")
    expiry = form.link_expires_at
    form = services.minicex_resend_link(form=form, by=trainee)
    assert services.form_for_token(form.pk, token) is None
    assert services.form_for_token(form.pk, _sent_token(form)) == form
    assert form.link_expires_at == expiry


def test_an_expired_link_can_be_extended_once(make_form, trainee):
    form, token = make_form(S.AWAITING_ASSESSOR, mode="link")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        form.refresh_from_db()
        assert form.link_expired and not form.link_is_live
        with pytest.raises(PermissionDenied):
            services.minicex_assessor_save(form=form, by=AnonymousUser(), values=assessment_values(), submit=True,
                                           via_link=True, token=token)
        with pytest.raises(services.MiniCexError):
            services.minicex_resend_link(form=form, by=trainee)
        form = services.minicex_extend_link(form=form, by=trainee)
        assert form.link_is_live
        assert form.link_expires_at == form.link_extended_at + timedelta(days=14)
        assert services.form_for_token(form.pk, token) is None
        with pytest.raises(services.MiniCexError):
            services.minicex_extend_link(form=form, by=trainee)
    assert [e.action for e in form.events.all()][:1] == ["link_extended"]


def test_a_link_mail_still_waiting_when_the_link_is_sent_again_is_replaced(make_form, trainee, mailoutbox,
                                                                           monkeypatch):
    form, _ = make_form(S.DRAFT)
    # The worker is behind: both mails wait in the outbox.
    monkeypatch.setattr("mittist.outbox.services.async_task", lambda *args: None)
    services.minicex_send_link(form=form, by=trainee)
    services.minicex_resend_link(form=form, by=trainee)
    mailoutbox.clear()
    send_due()
    (sent,) = [m for m in mailoutbox if form.assessor_email in m.to[0]]
    token = re.search(r"/[0-9a-f-]{36}/bedom/([^/\s]+)/", sent.body).group(1)
    form.refresh_from_db()
    assert form.link_token_hash == hash_token(token)  # the mail carries the link that works


def test_the_assessor_saves_a_draft_then_submits(make_form, trainee):
    form, token = make_form(S.AWAITING_ASSESSOR, mode="link")
    anonymous = AnonymousUser()
    services.minicex_assessor_save(form=form, by=anonymous, values={"ratings": {"anamnes": "2"}}, submit=False,
                                   via_link=True, token=token)
    form.refresh_from_db()
    assert form.state == S.AWAITING_ASSESSOR and form.ratings == {"anamnes": 2}
    with pytest.raises(ValidationError) as error:
        services.minicex_assessor_save(form=form, by=anonymous, values={"ratings": {"anamnes": "2"}}, submit=True,
                                       via_link=True, token=token)
    assert {"difficulty", "rating_status", "summary", "suggestions"} <= set(error.value.message_dict)
    mail.outbox.clear()
    form = services.minicex_assessor_save(form=form, by=anonymous, values=assessment_values(), submit=True,
                                          via_link=True, token=token)
    assert form.state == S.ASSESSED and not form.link_is_live
    assert form.ratings["organisation"] == NOT_OBSERVED
    assert form.assessor_confirmed_by == MiniCex.Confirmation.LINK
    assert [m.to[0].split("<")[-1] for m in mail.outbox] == [f"{trainee.email}>"]
    event = form.events.first()
    assert event.action == "assessed" and event.actor is None and "asta.bedomare@example.org" in event.actor_label


def test_a_link_save_without_the_right_token_is_refused(make_form):
    form, token = make_form(S.AWAITING_ASSESSOR, mode="link")
    for wrong in ("", token + "x"):
        with pytest.raises(PermissionDenied):
            services.minicex_assessor_save(form=form, by=AnonymousUser(), values=assessment_values(), submit=True,
                                           via_link=True, token=wrong)
    assert MiniCex.objects.get(pk=form.pk).state == S.AWAITING_ASSESSOR


def test_a_rating_above_the_bt_scale_is_refused(make_form, bt_definition):
    form, token = make_form(S.AWAITING_ASSESSOR, mode="link", definition=bt_definition)
    with pytest.raises(ValidationError) as error:
        services.minicex_assessor_save(form=form, by=AnonymousUser(), values=assessment_values(
            ratings={"anamnes": 5}), submit=False, via_link=True, token=token)
    assert "rating_anamnes" in error.value.message_dict


# --- the same device ------------------------------------------------------------------------------------


def _code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_a_one_time_code_confirms_the_assessor(make_form, trainee):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    who = {"assessor_name": "Ada Akut", "assessor_email": "ada.akut@example.org"}
    services.minicex_send_code(form=form, by=trainee, values=who)
    code = _code_from_mail()
    assert mail.outbox[-1].to == ["Ada Akut <ada.akut@example.org>"]
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationError):
        services.minicex_confirm_assessor(form=form, by=trainee, values=who, code=wrong)
    assert MiniCex.objects.get(pk=form.pk).code_attempts == 1  # the failed guess is remembered
    form = services.minicex_confirm_assessor(form=form, by=trainee, values=who, code=code)
    assert form.assessor_confirmed_by == MiniCex.Confirmation.CODE and form.assessor_email == "ada.akut@example.org"
    with pytest.raises(ValidationError):  # a used code is gone
        services.minicex_confirm_assessor(form=form, by=trainee, values=who, code=code)


def test_five_wrong_codes_end_the_code(make_form, trainee):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    who = {"assessor_name": "Ada Akut", "assessor_email": "ada.akut@example.org"}
    services.minicex_send_code(form=form, by=trainee, values=who)
    code = _code_from_mail()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationError):
            services.minicex_confirm_assessor(form=form, by=trainee, values=who, code=wrong)
    with pytest.raises(ValidationError) as error:
        services.minicex_confirm_assessor(form=form, by=trainee, values=who, code=code)
    assert "För många" in error.value.message_dict["code"][0]


def test_an_old_code_has_expired(make_form, trainee):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    who = {"assessor_name": "Ada Akut", "assessor_email": "ada.akut@example.org"}
    services.minicex_send_code(form=form, by=trainee, values=who)
    code = _code_from_mail()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        with pytest.raises(ValidationError) as error:
            services.minicex_confirm_assessor(form=form, by=trainee, values=who, code=code)
    assert "gått ut" in error.value.message_dict["code"][0]


def test_an_assessor_with_an_account_confirms_with_the_password(make_form, trainee, assessor_account):
    from tests.conftest import PASSWORD

    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    who = {"assessor_name": "Hugo Handledare", "assessor_email": assessor_account.email}
    assert services.assessor_needs_password(assessor_account.email)
    request = RequestFactory().post("/")
    with pytest.raises(ValidationError):
        services.minicex_confirm_assessor(form=form, by=trainee, values=who, password="wrong", request=request)
    form = services.minicex_confirm_assessor(form=form, by=trainee, values=who, password=PASSWORD, request=request)
    assert form.assessor_user == assessor_account and form.assessor_confirmed_by == MiniCex.Confirmation.PASSWORD


def test_wrong_passwords_count_towards_the_login_lock_out(make_form, trainee, assessor_account, settings):
    """The trainee's device is no way round django-axes: after the limit, even the right password is refused."""
    from axes.models import AccessAttempt

    from tests.conftest import PASSWORD

    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    who = {"assessor_name": "Hugo Handledare", "assessor_email": assessor_account.email}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            services.minicex_confirm_assessor(form=form, by=trainee, values=who, password="wrong",
                                              request=RequestFactory().post("/"))
    assert AccessAttempt.objects.filter(username=assessor_account.email).get().failures_since_start == settings.AXES_FAILURE_LIMIT
    with pytest.raises(ValidationError):
        services.minicex_confirm_assessor(form=form, by=trainee, values=who, password=PASSWORD,
                                          request=RequestFactory().post("/"))
    form.refresh_from_db()
    assert form.assessor_confirmed_at is None and form.assessor_user is None


def test_a_new_assessor_identity_is_not_confirmed_by_the_last_one(make_form, trainee):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    services.minicex_send_code(form=form, by=trainee, values={"assessor_name": "Ada Akut",
                                                               "assessor_email": "ada.akut@example.org"})
    form = services.minicex_confirm_assessor(form=form, by=trainee, values={}, code=_code_from_mail())
    assert form.assessor_confirmed_at is not None
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        form = services.minicex_send_code(form=form, by=trainee, values={"assessor_name": "Someone Else",
                                                                          "assessor_email": "else@example.org"})
    assert form.assessor_confirmed_at is None and form.assessor_confirmed_by == ""
    with pytest.raises(PermissionDenied):
        services.minicex_assessor_save(form=form, by=trainee, values=assessment_values(), submit=True)
    assert MiniCex.objects.get(pk=form.pk).state == S.AWAITING_ASSESSOR


def test_a_code_mail_still_waiting_is_replaced_by_a_new_code_or_a_link(make_form, trainee, mailoutbox, monkeypatch):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    monkeypatch.setattr("mittist.outbox.services.async_task", lambda *args: None)  # the worker is behind
    who = {"assessor_name": "Ada Akut", "assessor_email": "ada.akut@example.org"}
    services.minicex_send_code(form=form, by=trainee, values=who)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        services.minicex_send_code(form=form, by=trainee, values=who)
    assert Message.objects.filter(recipient_email="ada.akut@example.org", state=Message.State.PENDING).count() == 1
    services.minicex_send_link(form=form, by=trainee)  # the form leaves the device: its code is void
    mailoutbox.clear()
    send_due()
    to_ada = [m for m in mailoutbox if "ada.akut@example.org" in m.to[0]]
    assert [m for m in to_ada if "din kod" in m.subject] == []
    assert len(to_ada) == 1


def test_same_device_ratings_need_a_confirmed_assessor(make_form, trainee):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    with pytest.raises(PermissionDenied):
        services.minicex_assessor_save(form=form, by=trainee, values=assessment_values(), submit=True)
    assert MiniCex.objects.get(pk=form.pk).state == S.AWAITING_ASSESSOR


# --- locking and amendment ---------------------------------------------------------------------------------


def test_locking_needs_an_action_plan_and_is_final(make_form, trainee):
    form, _ = make_form(S.ASSESSED)
    with pytest.raises(ValidationError):
        services.minicex_save_action_plan(form=form, by=trainee, values={"action_plan": " "}, complete=True)
    form = services.minicex_save_action_plan(form=form, by=trainee, values={"action_plan": "Öva."}, complete=True)
    assert form.state == S.COMPLETED and form.completed_at is not None
    with pytest.raises(services.MiniCexError):
        services.minicex_save_action_plan(form=form, by=trainee, values={"action_plan": "Ändrad"}, complete=False)
    assert MiniCex.objects.get(pk=form.pk).action_plan == "Öva."


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.EVALUATOR, Role.SUPERVISOR, Role.QUALITY])
def test_only_a_coordinator_amends(make_form, make_user, trainee, role):
    form, _ = make_form(S.COMPLETED)
    someone = trainee if role == Role.TRAINEE else make_user(role)
    with pytest.raises(PermissionDenied):
        services.minicex_amend(form=form, by=someone, values={"summary": "x"}, reason="r", requested_by="h")


def test_an_amendment_keeps_the_diff_and_the_state(make_form, coordinator):
    form, _ = make_form(S.COMPLETED)
    mail.outbox.clear()
    form = services.minicex_amend(
        form=form, by=coordinator, values={"ratings": {**form.ratings, "anamnes": 4}, "summary": "Rättad text."},
        reason="Fel nivå angiven", requested_by="Hedda Handledare",
    )
    assert form.state == S.COMPLETED and form.ratings["anamnes"] == 4
    event = form.events.first()
    assert event.action == "amended" and event.actor == coordinator
    assert event.changes == {
        "ratings.anamnes": ["ST-läkaren utför aktiviteten med reaktiv handledning",
                            "ST-läkaren utför aktiviteten självständigt"],
        "summary": ["Strukturerad anamnes, trygg i statusundersökningen.", "Rättad text."],
    }
    assert "Hedda Handledare" in event.note and "Fel nivå angiven" in event.note
    assert len(mail.outbox) == 1 and mail.outbox[0].to[0].endswith(f"<{form.trainee.email}>")


def test_an_amendment_needs_a_reason_a_supervisor_and_a_change(make_form, coordinator):
    form, _ = make_form(S.COMPLETED)
    with pytest.raises(ValidationError) as error:
        services.minicex_amend(form=form, by=coordinator, values={"summary": "Ny"}, reason=" ", requested_by="")
    assert set(error.value.message_dict) == {"reason", "requested_by"}
    with pytest.raises(services.MiniCexError):
        services.minicex_amend(form=form, by=coordinator, values={"summary": form.summary}, reason="r", requested_by="h")
    with pytest.raises(ValidationError):
        services.minicex_amend(form=form, by=coordinator, values={"ratings": {"anamnes": 9}}, reason="r", requested_by="h")
    assert not form.events.filter(action="amended").exists()


def test_a_draft_cannot_be_amended(make_form, coordinator):
    form, _ = make_form(S.DRAFT)
    with pytest.raises(services.MiniCexError):
        services.minicex_amend(form=form, by=coordinator, values={"reflection": "x"}, reason="r", requested_by="h")


def test_cancelling_a_sent_form_tells_the_assessor_and_kills_the_link(make_form, trainee):
    form, token = make_form(S.AWAITING_ASSESSOR, mode="link")
    mail.outbox.clear()
    form = services.minicex_cancel(form=form, by=trainee, reason="Patienten uteblev")
    assert not form.link_is_live
    assert [m.to[0].split("<")[-1] for m in mail.outbox] == ["asta.bedomare@example.org>"]


def test_the_trainee_cannot_send_or_hand_over_the_evaluators_form(make_case, evaluator):
    case = make_case(Evaluation.State.PRACTICE_DAY_AGREED)
    form = services.minicex_start_for_case(case=case, by=evaluator.user, clinical_context="Medsittning")
    for step in (services.minicex_send_link, services.minicex_hand_over):
        with pytest.raises(services.MiniCexError):
            step(form=form, by=case.trainee)
    form.refresh_from_db()
    assert form.assessor_user == evaluator.user and form.mode == MiniCex.Mode.SAME_DEVICE


def test_a_device_confirmation_lasts_two_hours(make_form, trainee):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="device")
    MiniCex.objects.filter(pk=form.pk).update(assessor_confirmed_at=timezone.now(), assessor_confirmed_by="code")
    form.refresh_from_db()
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        with pytest.raises(services.MiniCexError):
            services.minicex_assessor_save(form=form, by=trainee, values=assessment_values(), submit=True)
    assert MiniCex.objects.get(pk=form.pk).state == S.AWAITING_ASSESSOR


def test_an_account_holder_cannot_use_an_expired_link_through_the_login(make_form, assessor_account):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="link", assessor_email=assessor_account.email)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        with pytest.raises(PermissionDenied):
            services.minicex_assessor_save(form=form, by=assessor_account, values=assessment_values(), submit=True)


def test_an_account_holder_sees_that_an_expired_link_waits_for_an_extension(client, make_form, assessor_account):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="link", assessor_email=assessor_account.email)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        client.force_login(assessor_account)
        response = client.get(f"/mini-cex/{form.pk}/bedom/")
    assert response.status_code == 410 and "Länken har gått ut" in response.content.decode()
