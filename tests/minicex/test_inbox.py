"""An assessor with an account, whatever their role, finds the forms waiting for them."""

import pytest
from django.urls import reverse

from evaluations.minicex.models import MiniCex
from mittist.accounts.models import Role

from .conftest import trainee_values

S = MiniCex.State


@pytest.fixture
def sent_to_account(make_form, assessor_account):
    form, _ = make_form(S.AWAITING_ASSESSOR, mode="link", assessor_email=assessor_account.email)
    return form


def test_a_supervisor_starts_at_the_forms_to_assess(client, assessor_account, sent_to_account):
    client.force_login(assessor_account)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("minicex:assessments")
    html = response.content.decode()
    assert reverse("minicex:assess", args=[sent_to_account.pk]) in html
    assert sent_to_account.trainee.full_name in html


def test_assessed_forms_are_listed_and_others_are_not(client, make_form, assessor_account, make_user):
    mine, _ = make_form(S.COMPLETED, mode="link", assessor_email=assessor_account.email)
    someone_elses, _ = make_form(S.COMPLETED, mode="link")
    client.force_login(assessor_account)
    html = client.get(reverse("minicex:assessments")).content.decode()
    assert reverse("minicex:detail", args=[mine.pk]) in html
    assert reverse("minicex:detail", args=[someone_elses.pk]) not in html
    assert "Inga mini-CEX väntar på din bedömning" in html


def test_a_senior_trainee_sees_a_junior_colleagues_form_on_the_home_page(client, make_user, st_definition):
    from evaluations.minicex import services

    senior = make_user(Role.TRAINEE, email="senior.st@example.org")
    junior = make_user(Role.TRAINEE)
    form = services.minicex_create(trainee=junior, by=junior, definition=st_definition,
                                   values=trainee_values(assessor_email=senior.email))
    services.minicex_send_link(form=form, by=junior)
    client.force_login(senior)
    html = client.get(reverse("evaluations:trainee_home")).content.decode()
    assert reverse("minicex:assess", args=[form.pk]) in html


def test_the_page_needs_a_login(client):
    response = client.get(reverse("minicex:assessments"))
    assert response.status_code == 302 and "logga-in" in response["Location"]


def test_a_bt_doctor_starts_at_their_mini_cex(client, bt_trainee):
    client.force_login(bt_trainee)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("minicex:list")
    assert "Min Mitt-i-ST" not in response.content.decode()


def test_an_st_trainee_keeps_their_mitt_i_st_start_page(client, trainee):
    client.force_login(trainee)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluations:trainee_home")
    assert "Min Mitt-i-ST" in response.content.decode()
