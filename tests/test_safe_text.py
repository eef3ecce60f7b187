"""Names that cannot hurt: every single-line text field refuses line breaks, control characters and
bidi overrides with a clear Swedish message; lists isolate user text in <bdi>."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.urls import reverse

from evaluations.models import Evaluation, Evaluator
from mittist.accounts.models import User
from mittist.forms import SafeTextMixin
from mittist.text import unsafe_in_one_line, validate_one_line
from tests.evaluations.test_registration import valid_data

S = Evaluation.State
MESSAGE = "Texten innehåller en radbrytning eller ett osynligt styrtecken"
UNSAFE = ["Anna\r\nBcc: x@example.org", "Anna\nSvensson", "Anna\x00", "Anna\u202eredna", "Anna\u202a", "Anna\u2066x\u2069",
          "Anna\u2028", "Anna\x1b[31m", "Anna\x85"]
SAFE = ["Anna Svensson", "Åsa Öberg-Ärlig", "O'Brien, Seán", "محمد علي", "Zoë\u00a0Ng", "李小龍"]


@pytest.mark.parametrize("text", UNSAFE)
def test_unsafe_characters_are_found(text):
    assert unsafe_in_one_line(text)
    with pytest.raises(forms.ValidationError, match="radbrytning"):
        validate_one_line(text)


@pytest.mark.parametrize("text", SAFE)
def test_names_in_every_script_pass(text):
    assert not unsafe_in_one_line(text)
    validate_one_line(text)


def project_form_classes():
    found = set()
    for package in ("mittist", "evaluations", "portfolio", "scheduling", "survey"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            if ".migrations" in info.name or info.name.endswith((".wsgi", ".asgi")) or ".management." in info.name:
                continue
            for _name, cls in inspect.getmembers(importlib.import_module(info.name), inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__.split(".")[0] == package:
                    found.add(cls)
    return found


def test_every_form_of_the_project_refuses_unsafe_text():
    classes = project_form_classes()
    assert len(classes) > 30
    missing = sorted(f"{cls.__module__}.{cls.__name__}" for cls in classes if not issubclass(cls, SafeTextMixin))
    assert not missing, missing


def test_a_multi_line_field_keeps_its_line_breaks():
    class Demo(SafeTextMixin, forms.Form):
        name = forms.CharField()
        note = forms.CharField(widget=forms.Textarea)

    form = Demo({"name": "Anna\u202e", "note": "Rad ett\nRad två"})
    assert not form.is_valid()
    assert list(form.errors) == ["name"]
    assert str(form.errors["name"][0]).startswith(MESSAGE)


def test_fields_a_form_adds_in_its_init_are_covered():
    class Built(SafeTextMixin, forms.Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["title"] = forms.CharField()

    form = Built({"title": "Titel\r\nX"})
    assert not form.is_valid() and "title" in form.errors


@pytest.mark.parametrize("name", ["Nora\r\nBcc: alla@example.org", "Nora \u202eredna"])
def test_registration_refuses_a_name_with_a_line_break_or_override_at_the_field(client, db, name):
    users = User.objects.count()
    response = client.post(reverse("evaluations:register"), valid_data(full_name=name))
    assert response.status_code in (200, 400)
    assert MESSAGE in response.content.decode()
    assert response.context["form"].errors["full_name"]
    assert User.objects.count() == users and not Evaluation.objects.exists()


def test_coordinator_cannot_give_an_evaluator_a_name_with_a_line_break(client, coordinator):
    client.force_login(coordinator)
    data = {"full_name": "Vera\nVärderare", "email": "vera.v@example.org", "region": "halland",
            "home_clinic": "Vårdcentralen Ås", "max_active_cases": 3, "active": "on"}
    response = client.post(reverse("evaluations:evaluator_create"), data)
    assert MESSAGE in response.content.decode()
    assert not Evaluator.objects.filter(user__email="vera.v@example.org").exists()


def test_the_admin_refuses_a_name_with_an_override(admin_client, trainee):
    url = reverse("admin:accounts_user_change", args=[trainee.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None and key not in ("groups", "user_permissions", "password", "last_login", "date_joined")}
    data.update(full_name="Tova \u202eTestsson", email=trainee.email, role=trainee.role, language="sv")
    response = admin_client.post(url, data)
    assert MESSAGE in response.content.decode()
    trainee.refresh_from_db()
    assert trainee.full_name == "Tova Testsson"


def test_lists_isolate_names_so_an_override_stored_earlier_cannot_turn_its_neighbours(
    client, coordinator, make_case, make_user, evaluator
):
    # A name stored before the forms refused it (or written by a script) stays inside its own <bdi>.
    trainee = make_user(full_name="Mallory \u202eredna")
    make_case(S.REGISTERED, trainee=trainee)
    make_case(S.EVALUATOR_ASSIGNED)
    client.force_login(coordinator)
    html = client.get(reverse("evaluations:dashboard")).content.decode()
    assert "<bdi>Mallory \u202eredna</bdi>" in html
    listing = client.get(reverse("evaluations:evaluator_list")).content.decode()
    assert "<bdi>Vera Värderare</bdi>" in listing
