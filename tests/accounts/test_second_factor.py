"""Two-factor sign-in: required for the office, the quality group and admins; optional for others."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from mittist.accounts import services
from mittist.accounts.models import AccountEvent, RecoveryCode, Role
from tests.conftest import PASSWORD
from tests.second_factor import code_for, current_code, enrol

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:second_factor_verify")
ENROL = reverse("accounts:second_factor_enrol")
SETTINGS = reverse("accounts:second_factor")
DASHBOARD = reverse("evaluations:dashboard")
NOON = datetime(2026, 3, 2, 11, 0, 0, tzinfo=UTC)


def password_step(client, user):
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client.get(response.url)


def pending_key(user) -> str:
    return TOTPDevice.objects.get(user=user, confirmed=False).key


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.QUALITY, Role.ADMIN])
def test_staff_without_a_second_factor_must_enrol_before_anything_else(client, make_user, role):
    user = make_user(role)
    response = password_step(client, user)
    assert response.status_code == 302 and response.url.startswith(ENROL)
    for url in [DASHBOARD, reverse("evaluations:quality_home"), "/admin/", SETTINGS]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(ENROL), url
    assert client.post(reverse("accounts:lockouts"), {"username": "x@example.org"}).status_code == 302


def test_enrolment_with_the_qr_code_then_recovery_codes(client, coordinator, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    with time_machine.travel(NOON, tick=False):
        password_step(client, coordinator)
        page = client.get(ENROL)
        html = page.content.decode()
        assert page.status_code == 200
        assert 'src="data:image/svg+xml' in html
        key = pending_key(coordinator)
        secret = page.context["secret"].replace(" ", "")
        import base64
        assert base64.b32decode(secret) == bytes.fromhex(key)

        # A wrong code: refused at the field, nothing enrolled.
        wrong = client.post(ENROL, {"token": "000000" if code_for(key) != "000000" else "111111"})
        assert wrong.status_code == 200
        assert "Koden stämmer inte" in wrong.content.decode()
        assert not TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
        assert client.get(DASHBOARD).status_code == 302

    with time_machine.travel(NOON + timedelta(seconds=30), tick=False), django_capture_on_commit_callbacks(execute=True):
        done = client.post(ENROL, {"token": code_for(key)})
        # The session that enrolled is verified.
        assert client.get(DASHBOARD).status_code == 200
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    # Only keyed hashes are stored.
    stored = set(RecoveryCode.objects.filter(device__user=coordinator).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & {c for code in codes for c in (code, code.replace("-", ""))}
    assert TOTPDevice.objects.get(user=coordinator).confirmed
    event = AccountEvent.objects.get(user=coordinator)
    assert event.action == "mfa_enrolled" and event.actor == coordinator
    assert len(mailoutbox) == 1 and coordinator.email in mailoutbox[0].to[0]
    assert "aktiverad" in mailoutbox[0].body


def test_totp_login_with_time_machine(coordinator):
    device = enrol(coordinator)
    first = Client()
    # A code from two minutes ago is refused; so is one from two minutes ahead (beyond the tolerance).
    for seconds, offset in [(0, -120), (10, 120)]:
        with time_machine.travel(NOON + timedelta(seconds=seconds), tick=False):
            password_step(first, coordinator)
            response = first.post(VERIFY, {"token": code_for(device.key, NOON.timestamp() + seconds + offset)})
            assert response.status_code == 200 and "Koden stämmer inte" in response.content.decode()
    with time_machine.travel(NOON + timedelta(seconds=40), tick=False):  # after django-otp's back-off
        code = code_for(device.key)
        response = first.post(VERIFY, {"token": code, "next": reverse("evaluations:evaluator_list")})
        assert response.status_code == 302 and response.url == reverse("evaluations:evaluator_list")
        assert first.get(DASHBOARD).status_code == 200

        # The same code cannot be used twice (someone who saw it over the shoulder).
        second = Client()
        password_step(second, coordinator)
        replay = second.post(VERIFY, {"token": code})
        assert replay.status_code == 200
        assert second.get(DASHBOARD).status_code == 302
    # Thirty seconds on, the app shows a new code, and it works.
    with time_machine.travel(NOON + timedelta(seconds=75), tick=False):
        assert second.post(VERIFY, {"token": code_for(device.key)}).status_code == 302
        assert second.get(DASHBOARD).status_code == 200


def test_wrong_codes_are_slowed_down(client, coordinator):
    device = enrol(coordinator)
    with time_machine.travel(NOON, tick=False):
        password_step(client, coordinator)
        for _ in range(4):
            client.post(VERIFY, {"token": "12345"})
        # Now even the right code waits out the back-off, and the page says so.
        response = client.post(VERIFY, {"token": current_code(device)})
        assert response.status_code == 200
        assert "För många felaktiga koder" in response.content.decode()
        assert client.get(DASHBOARD).status_code == 302


def test_a_recovery_code_works_once_and_is_audited(client, coordinator, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    enrol(coordinator)
    codes = services._new_recovery_codes(coordinator)
    password_step(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(VERIFY, {"token": codes[0].upper().replace("-", " ")}, follow=True)
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert "9 kvar" in response.content.decode()
    event = AccountEvent.objects.get(user=coordinator, action="recovery_code_used")
    assert "9" in event.note
    assert mailoutbox and "reservkoder" in mailoutbox[-1].body

    again = Client()
    password_step(again, coordinator)
    assert again.post(VERIFY, {"token": codes[0]}).status_code == 200
    assert again.get(DASHBOARD).status_code == 302


def test_new_recovery_codes_replace_the_old(client, coordinator):
    client.force_login(coordinator)
    old = services._new_recovery_codes(coordinator)
    response = client.post(reverse("accounts:second_factor_recovery_codes"))
    new = response.context["codes"]
    assert AccountEvent.objects.filter(user=coordinator, action="recovery_codes_created").count() == 1
    login = Client()
    password_step(login, coordinator)
    assert login.post(VERIFY, {"token": old[0]}).status_code == 200
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(minutes=1)):  # after the back-off
        assert login.post(VERIFY, {"token": new[0]}).status_code == 302


def test_trainee_signs_in_without_a_second_factor_until_they_turn_it_on(client, trainee):
    response = client.post(LOGIN, {"username": trainee.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluations:trainee_home")

    page = client.get(SETTINGS)
    assert "Aktivera tvåstegsverifiering" in page.content.decode()
    client.get(ENROL)
    client.post(ENROL, {"token": code_for(pending_key(trainee))})
    client.post(reverse("accounts:logout"))

    fresh = Client()
    response = password_step(fresh, trainee)
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert fresh.get(reverse("evaluations:trainee_home")).status_code == 302


def test_trainee_may_turn_it_off_with_a_code_staff_may_not(client, trainee, coordinator, mailoutbox):
    device = enrol(trainee)
    client.force_login(trainee)
    wrong = client.post(reverse("accounts:second_factor_disable"), {"token": "000001"})
    assert wrong.status_code == 400 and TOTPDevice.objects.filter(user=trainee).exists()
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(minutes=5)):
        response = client.post(reverse("accounts:second_factor_disable"), {"token": current_code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=trainee).exists()
    assert AccountEvent.objects.filter(user=trainee, action="mfa_disabled", actor=trainee).exists()
    assert client.get(reverse("evaluations:trainee_home")).status_code == 200

    staff = Client()
    staff.force_login(coordinator)
    device = enrol(coordinator)
    assert staff.post(reverse("accounts:second_factor_disable"), {"token": current_code(device)}).status_code == 403
    assert TOTPDevice.objects.filter(user=coordinator).exists()


def test_admin_resets_a_lost_authenticator(client, make_user, coordinator, mailoutbox,
                                           django_capture_on_commit_callbacks):
    admin_user = make_user(Role.ADMIN, is_staff=True, is_superuser=True)
    enrol(coordinator)
    services._new_recovery_codes(coordinator)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:accounts_user_changelist"),
                               {"action": "reset_second_factor", "_selected_action": [coordinator.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    event = AccountEvent.objects.get(user=coordinator, action="mfa_reset")
    assert event.actor == admin_user
    assert any(coordinator.email in m.to[0] and "återställt" in m.body for m in mailoutbox)
    # The audit rows are shown on the user's admin page and cannot be edited.
    page = client.get(reverse("admin:accounts_user_change", args=[coordinator.pk]))
    assert "Tvåstegsverifiering återställd av administratör" in page.content.decode()
    # Next sign-in: enrol again.
    fresh = Client()
    response = password_step(fresh, coordinator)
    assert response.url.startswith(ENROL)


def test_only_admins_may_reset(coordinator, make_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.mfa_reset(user=make_user(Role.TRAINEE), by=coordinator)


def test_the_authenticator_keys_are_not_in_the_admin(db):
    assert TOTPDevice not in admin_site._registry


def test_unverified_staff_session_cannot_use_the_admin(client, make_user):
    admin_user = make_user(Role.ADMIN, is_staff=True, is_superuser=True)
    enrol(admin_user)
    client.post(reverse("admin:login"), {"username": admin_user.email, "password": PASSWORD})
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302 and response.url.startswith(VERIFY)
