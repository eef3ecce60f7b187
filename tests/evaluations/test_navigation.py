"""The main menu and the office's own facts go by role predicates: a superuser's page is their role's
(has_perm would give them everything), and the satellites' menu items come from their registrations."""

import re

import pytest
from django.urls import reverse

from evaluations.minicex.models import TrainingProfile
from evaluations.models import Evaluation
from mittist.accounts.models import Role

S = Evaluation.State
NAV = re.compile(r'<nav class="site-nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>')


def menu(client, user, url) -> list[tuple[str, str, bool]]:
    """(label, href, whether it is marked as the current page) of the main menu on the page at url."""
    client.force_login(user)
    html = client.get(url).content.decode()
    return [(label, href, bool(current)) for href, current, label in LINK.findall(NAV.search(html).group(1))]


def labels(items) -> list[str]:
    return [label for label, _, _ in items]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COORDINATOR, ["Översikt", "Värderarpoolen", "Mini-CEX"]),
        (Role.TRAINEE, ["Min Mitt-i-ST", "Mini-CEX"]),
        (Role.EVALUATOR, ["Mina värderingar"]),
        (Role.SUPERVISOR, ["Mini-CEX att bedöma"]),
        (Role.QUALITY, ["Kvalitetsgranskning", "Utvärderingar"]),
        (Role.ADMIN, []),
    ],
)
def test_each_role_has_its_menu_and_a_superuser_has_their_roles_and_the_administration(
    client, make_user, role, expected
):
    home = reverse("accounts:second_factor")
    assert labels(menu(client, make_user(role), home)) == expected
    assert labels(menu(client, make_user(role, is_superuser=True, is_staff=True), home)) == [*expected, "Administration"]


def test_a_bt_doctor_has_no_mitt_i_st_in_the_menu(client, make_user):
    bt = make_user(Role.TRAINEE)
    TrainingProfile.objects.create(user=bt, programme="bt", training_start="2025-01-01")
    assert labels(menu(client, bt, reverse("accounts:second_factor"))) == ["Mini-CEX"]


def test_the_menu_marks_the_page_one_is_on(client, coordinator, quality):
    items = menu(client, coordinator, reverse("evaluations:evaluator_create"))
    assert items[1] == ("Värderarpoolen", reverse("evaluations:evaluator_list"), True)
    assert [current for _, _, current in items] == [False, True, False]
    assert menu(client, quality, reverse("survey:results"))[1] == ("Utvärderingar", reverse("survey:results"), True)


def test_the_invoicing_address_and_the_override_reason_are_the_offices_not_a_superusers(
    client, make_case, make_user, coordinator
):
    case = make_case(S.EVALUATOR_ASSIGNED)
    Evaluation.objects.filter(pk=case.pk).update(
        invoicing_address="Region Exempel, Box 1", assignment_override_reason="Ingen annan ledig"
    )
    url = reverse("evaluations:case_detail", args=[case.pk])
    client.force_login(coordinator)
    html = client.get(url).content.decode()
    assert "Fakturaadress" in html and "Region Exempel, Box 1" in html
    assert "Skäl för undantag" in html and "Ingen annan ledig" in html
    client.force_login(make_user(Role.ADMIN, is_superuser=True, is_staff=True))
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Region Exempel, Box 1" not in html and "Ingen annan ledig" not in html
