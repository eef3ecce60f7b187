"""Lock-out per account (across addresses) and per address (spraying); unlocking; reset mails throttled."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mittist.accounts.models import AccountEvent, Role
from tests.accounts.test_login import choose_password, reset_link, without_csrf_tokens
from tests.conftest import PASSWORD

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")
LOCKOUTS = reverse("accounts:lockouts")
WRONG = "fel-lösenord-123"


def attempt(email, password, address):
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": email, "password": password})


def locked(response) -> bool:
    return response.status_code in (403, 429) and "För många inloggningsförsök" in response.content.decode()


def test_twelve_wrong_passwords_from_three_addresses_lock_the_account(trainee):
    addresses = ["192.0.2.1", "198.51.100.7", "203.0.113.9"]
    responses = [attempt(trainee.email, WRONG, addresses[i % 3]) for i in range(12)]
    assert settings.MITTIST_LOCKOUT_ACCOUNT_LIMIT <= 12
    # No single address reached its own limit, yet the account is locked everywhere, a new address too.
    assert not any(locked(r) for r in responses[: settings.MITTIST_LOCKOUT_ACCOUNT_LIMIT - 1])
    assert locked(attempt(trainee.email, PASSWORD, "192.0.2.200"))
    assert not Client().get(reverse("home")).wsgi_request.user.is_authenticated


def test_the_account_lock_does_not_lock_others_at_those_addresses(trainee, other_trainee):
    for i in range(settings.MITTIST_LOCKOUT_ACCOUNT_LIMIT):
        attempt(trainee.email, WRONG, f"192.0.2.{i % 3 + 1}")
    assert attempt(other_trainee.email, PASSWORD, "192.0.2.1").status_code == 302


def test_spraying_from_one_address_locks_that_address(make_user):
    victims = [make_user(Role.TRAINEE) for _ in range(3)]
    for i in range(settings.MITTIST_LOCKOUT_ADDRESS_LIMIT):
        response = attempt(f"gissad{i}@example.org", WRONG, "203.0.113.50")
    assert locked(response)
    # A real account from the spraying address is refused; from elsewhere it works.
    assert locked(attempt(victims[0].email, PASSWORD, "203.0.113.50"))
    assert attempt(victims[0].email, PASSWORD, "203.0.113.51").status_code == 302


def test_the_lock_ends_after_the_cool_off(trainee):
    import time_machine
    from django.utils import timezone

    for i in range(settings.MITTIST_LOCKOUT_ACCOUNT_LIMIT):
        attempt(trainee.email, WRONG, f"192.0.2.{i % 3 + 1}")
    assert locked(attempt(trainee.email, PASSWORD, "192.0.2.9"))
    later = timezone.now() + timezone.timedelta(minutes=settings.AXES_COOLOFF_TIME * 60 + 1)
    with time_machine.travel(later):
        assert attempt(trainee.email, PASSWORD, "192.0.2.9").status_code == 302


def lock(user):
    for i in range(settings.MITTIST_LOCKOUT_ACCOUNT_LIMIT):
        attempt(user.email, WRONG, f"192.0.2.{i % 3 + 1}")
    assert locked(attempt(user.email, PASSWORD, "192.0.2.9"))


def test_the_office_sees_and_lifts_a_lock_and_it_is_audited(client, coordinator, trainee):
    lock(trainee)
    client.force_login(coordinator)
    page = client.get(LOCKOUTS)
    assert page.status_code == 200
    assert trainee.email in page.content.decode()

    response = client.post(LOCKOUTS, {"username": trainee.email.upper()})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=trainee.email).exists()
    event = AccountEvent.objects.get(action="unlocked")
    assert event.user == trainee and event.actor == coordinator and event.username == trainee.email
    assert attempt(trainee.email, PASSWORD, "192.0.2.9").status_code == 302
    assert "Inga konton är spärrade" in client.get(LOCKOUTS).content.decode()


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.EVALUATOR, Role.QUALITY])
def test_only_the_office_and_admins_may_unlock(client, make_user, trainee, role):
    lock(trainee)
    client.force_login(make_user(role))
    assert client.get(LOCKOUTS).status_code == 403
    assert client.post(LOCKOUTS, {"username": trainee.email}).status_code == 403
    assert locked(attempt(trainee.email, PASSWORD, "192.0.2.9"))
    assert not AccountEvent.objects.exists()


def test_admin_may_unlock(client, make_user, trainee):
    lock(trainee)
    client.force_login(make_user(Role.ADMIN, is_staff=True, is_superuser=True))
    client.post(LOCKOUTS, {"username": trainee.email})
    assert attempt(trainee.email, PASSWORD, "192.0.2.9").status_code == 302


def test_a_new_password_by_mail_lifts_the_lock(trainee, mailoutbox, django_capture_on_commit_callbacks):
    lock(trainee)
    with django_capture_on_commit_callbacks(execute=True):  # the request's commit sends the outbox row
        Client().post(RESET, {"email": trainee.email})
    assert mailoutbox[0].to == [f"{trainee.full_name} <{trainee.email}>"]
    assert choose_password(reset_link(mailoutbox[0]), password="Nytt-lösenord-för-tova-42").status_code == 302
    assert attempt(trainee.email, "Nytt-lösenord-för-tova-42", "192.0.2.9").status_code == 302
    assert AccountEvent.objects.filter(user=trainee, action="unlocked_by_reset").exists()


# --- password-reset mails ---------------------------------------------------------------------------


def test_reset_mails_are_limited_per_account_with_the_same_answer(trainee, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    limit = settings.MITTIST_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR
    with django_capture_on_commit_callbacks(execute=True):  # each request's commit sends its outbox row
        pages = [
            Client(REMOTE_ADDR=f"198.51.100.{i}").post(RESET, {"email": trainee.email}, follow=True)
            for i in range(limit + 2)
        ]
    assert len(mailoutbox) == limit
    # The answer past the limit is the usual one, byte for byte (it must not tell the account exists).
    assert {p.redirect_chain[-1][0] for p in pages} == {reverse("accounts:password_reset_done")}
    assert len({without_csrf_tokens(p.content) for p in pages}) == 1


def test_reset_requests_are_limited_per_address(make_user, mailoutbox, django_capture_on_commit_callbacks):
    limit = settings.MITTIST_PASSWORD_RESET_PER_ADDRESS_PER_HOUR
    users = [make_user(Role.TRAINEE) for _ in range(limit + 1)]
    client = Client(REMOTE_ADDR="198.51.100.77")
    with django_capture_on_commit_callbacks(execute=True):  # each request's commit sends its outbox row
        for user in users[:limit]:
            assert client.post(RESET, {"email": user.email}).status_code == 302
        refused = client.post(RESET, {"email": users[limit].email})
    assert refused.status_code == 429
    assert "Försök igen om" in refused.content.decode()
    assert len(mailoutbox) == limit
    with django_capture_on_commit_callbacks(execute=True):
        assert Client(REMOTE_ADDR="198.51.100.78").post(RESET, {"email": users[limit].email}).status_code == 302
    assert len(mailoutbox) == limit + 1
