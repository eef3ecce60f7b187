"""Logging in and out, lock-out after repeated failures, and choosing a new password by e-mail."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from evaluations import services
from mittist.accounts.models import Role, User
from tests.conftest import PASSWORD
from tests.second_factor import current_code, enrol

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
RESET = reverse("accounts:password_reset")
WRONG_LOGIN = "Fel e-postadress eller lösenord."
NEW_PASSWORD = "Blåbärssylt-på-fredag-7"



@pytest.fixture(autouse=True)
def _outbox_sends_at_once(monkeypatch):
    # A request outside a test is its own transaction: the outbox row commits and goes out at once.
    from django_q.tasks import async_task

    from mittist.outbox import sending, services

    monkeypatch.setattr(services, "_send_on_commit", lambda pk: async_task(sending.SEND_TASK, str(pk)))


def log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def is_logged_in_as(client, user) -> bool:
    response = client.get(reverse("home"))
    return response.wsgi_request.user.is_authenticated and response.wsgi_request.user.pk == user.pk


# --- logging in ------------------------------------------------------------------------------------


def test_login_page_is_swedish(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Logga in" in html and "Glömt lösenordet?" in html


@pytest.mark.parametrize("typed", ["tova@example.org", "TOVA@Example.ORG", "  tova@example.org  "])
def test_login_by_email_in_any_case(client, make_user, typed):
    user = make_user(Role.TRAINEE, email="tova@example.org")
    response = log_in(client, typed, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert is_logged_in_as(client, user)


def test_login_then_lands_on_the_role_page(client, trainee):
    response = client.post(LOGIN, {"username": trainee.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluations:trainee_home")
    assert response.status_code == 200


def test_staff_login_lands_on_the_role_page_after_the_second_factor(client, coordinator):
    device = enrol(coordinator)
    response = client.post(LOGIN, {"username": coordinator.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:second_factor_verify"))
    response = client.post(response.redirect_chain[-1][0], {"token": current_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluations:dashboard")
    assert response.status_code == 200


def test_login_follows_a_local_next_but_not_an_external_one(client, coordinator):
    response = log_in(client, coordinator.email, PASSWORD, next=reverse("evaluations:evaluator_list"))
    assert response.url == reverse("evaluations:evaluator_list")
    other = Client()
    response = log_in(other, coordinator.email, PASSWORD, next="https://evil.example/phish")
    assert response.status_code == 302
    assert "evil.example" not in response.url


def test_wrong_password_is_refused_with_a_swedish_error(client, trainee):
    response = log_in(client, trainee.email, "fel-lösenord-123")
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert not is_logged_in_as(client, trainee)


def test_unknown_email_gets_the_same_error_as_a_wrong_password(client, trainee):
    wrong_password = log_in(client, trainee.email, "fel-lösenord-123")
    unknown = log_in(Client(), "ingen@example.org", "fel-lösenord-123")
    assert unknown.status_code == wrong_password.status_code == 200
    assert unknown.context["form"].errors == wrong_password.context["form"].errors


def test_inactive_account_cannot_log_in(client, trainee):
    trainee.is_active = False
    trainee.save()
    response = log_in(client, trainee.email, PASSWORD)
    assert response.status_code == 200
    assert not is_logged_in_as(client, trainee)


def test_invited_account_without_a_password_cannot_log_in(client, db):
    user = User.objects.create_user(email="inbjuden@example.org", password=None, full_name="In Bjuden",
                                    role=Role.EVALUATOR)
    for attempt in ["", "!", user.password]:
        response = log_in(Client(), user.email, attempt)
        assert response.status_code == 200
    assert not is_logged_in_as(client, user)


def test_signed_in_user_visiting_login_is_sent_on(client, trainee):
    client.force_login(trainee)
    response = client.get(LOGIN)
    assert response.status_code == 302


# --- lock-out (django-axes) ------------------------------------------------------------------------


def test_lockout_after_the_failure_limit(client, trainee):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 2
    for _ in range(limit - 1):
        response = log_in(client, trainee.email, "fel-lösenord-123")
        assert response.status_code == 200
        assert WRONG_LOGIN in response.content.decode()
    locked = log_in(client, trainee.email, "fel-lösenord-123")
    assert locked.status_code in (403, 429)
    assert "För många inloggningsförsök" in locked.content.decode()

    # Now even the right password is refused, and the lock-out page is shown.
    response = log_in(client, trainee.email, PASSWORD)
    assert response.status_code in (403, 429)
    assert "För många inloggningsförsök" in response.content.decode()
    assert not is_logged_in_as(client, trainee)
    assert reverse("accounts:password_reset") in response.content.decode()


def test_lockout_cannot_be_dodged_by_changing_the_case_of_the_email(client, make_user):
    user = make_user(Role.TRAINEE, email="tova@example.org")
    variants = ["tova@example.org", "TOVA@example.org", "Tova@example.org", "tOVA@example.org", "toVA@EXAMPLE.ORG",
                "TOva@example.org", "tovA@example.org", "TOVA@EXAMPLE.ORG"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, variants[attempt % len(variants)], "fel-lösenord-123")
    response = log_in(client, "tova@example.org", PASSWORD)
    assert response.status_code in (403, 429)
    assert not is_logged_in_as(client, user)


def test_lockout_of_one_account_leaves_others_alone(client, trainee, other_trainee):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, trainee.email, "fel-lösenord-123")
    response = log_in(client, other_trainee.email, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in_as(client, other_trainee)


def test_a_successful_login_resets_the_failure_count(client, trainee):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, trainee.email, "fel-lösenord-123")
    assert log_in(client, trainee.email, PASSWORD).status_code == 302
    client.post(LOGOUT)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, trainee.email, "fel-lösenord-123").status_code == 200
    assert log_in(client, trainee.email, PASSWORD).status_code == 302


# --- logging out -----------------------------------------------------------------------------------


def test_logout_by_post(client, coordinator):
    client.force_login(coordinator)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response.url == LOGIN
    after = client.get(reverse("evaluations:dashboard"))
    assert after.status_code == 302
    assert after.url.startswith(LOGIN)


def test_logout_by_get_is_refused(client, coordinator):
    client.force_login(coordinator)
    assert client.get(LOGOUT).status_code == 405
    assert client.get(reverse("evaluations:dashboard")).status_code == 200


# --- choosing a new password by e-mail -------------------------------------------------------------


def reset_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/konto/losenord/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def choose_password(link, password=NEW_PASSWORD):
    visitor = Client()
    page = visitor.get(link, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"], "the link from the e-mail should be valid"
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    done = visitor.post(form_url, {"new_password1": password, "new_password2": password})
    return done


def test_password_reset_mail_lets_the_user_choose_a_new_password(client, trainee, mailoutbox):
    response = client.post(RESET, {"email": trainee.email.upper()})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [f"{trainee.full_name} <{trainee.email}>"]  # named, as every other mail
    assert mail.subject == "Återställ ditt lösenord till Mitt-i-ST"
    assert "Hej Tova Testsson!" in mail.body

    done = choose_password(reset_link(mail))
    assert done.status_code == 302
    assert done.url == reverse("accounts:password_reset_complete")
    trainee.refresh_from_db()
    assert trainee.check_password(NEW_PASSWORD)
    assert not trainee.check_password(PASSWORD)
    fresh = Client()
    assert log_in(fresh, trainee.email, NEW_PASSWORD).status_code == 302
    assert is_logged_in_as(fresh, trainee)


def test_reset_link_works_only_once(client, trainee, mailoutbox):
    client.post(RESET, {"email": trainee.email})
    link = reset_link(mailoutbox[0])
    assert choose_password(link).status_code == 302
    again = Client().get(link, follow=True)
    assert again.status_code == 200
    assert not again.context["validlink"]
    assert "Länken är ogiltig" in again.content.decode()


def test_reset_refuses_a_weak_new_password(client, trainee, mailoutbox):
    client.post(RESET, {"email": trainee.email})
    done = choose_password(reset_link(mailoutbox[0]), password="12345")
    assert done.status_code == 200
    assert done.context["form"].errors
    trainee.refresh_from_db()
    assert trainee.check_password(PASSWORD)


def test_tampered_reset_link_is_invalid(client, trainee, mailoutbox):
    client.post(RESET, {"email": trainee.email})
    link = reset_link(mailoutbox[0])
    tampered = link[:-3] + ("x" if link[-3] != "x" else "y") + link[-2:]
    page = Client().get(tampered, follow=True)
    assert page.status_code == 200
    assert not page.context["validlink"]


def test_invited_evaluator_without_a_password_can_reset(client, coordinator, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    evaluator = services.evaluator_create(
        by=coordinator, full_name="Ines Inbjuden", email="ines@example.org", region="kalmar",
        home_clinic="VC Kalmar", max_active_cases=2, last_training_year=2024, active=True,
    )
    assert not evaluator.user.has_usable_password()
    mailoutbox.clear()
    response = client.post(RESET, {"email": "Ines@Example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert choose_password(reset_link(mailoutbox[0])).status_code == 302
    fresh = Client()
    assert log_in(fresh, "ines@example.org", NEW_PASSWORD).status_code == 302
    assert fresh.get(reverse("evaluations:evaluator_home")).status_code == 200


def without_csrf_tokens(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def test_reset_does_not_reveal_whether_the_email_exists(client, trainee, mailoutbox):
    known = Client().post(RESET, {"email": trainee.email}, follow=True)
    unknown = Client().post(RESET, {"email": "finns-inte@example.org"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    # Identical pages, apart from each browser's own CSRF token.
    assert without_csrf_tokens(known.content) == without_csrf_tokens(unknown.content)
    assert len(mailoutbox) == 1  # only the real account got mail


def test_reset_sends_nothing_to_an_inactive_account(client, trainee, mailoutbox):
    trainee.is_active = False
    trainee.save()
    response = client.post(RESET, {"email": trainee.email})
    assert response.status_code == 302
    assert mailoutbox == []


def test_reset_with_an_invalid_email_shows_an_error(client, db, mailoutbox):
    response = client.post(RESET, {"email": "inte en adress"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert mailoutbox == []
