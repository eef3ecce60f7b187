"""Mini-CEX fixtures: forms driven through the real services to the state a test needs."""

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from evaluations.minicex import services
from evaluations.minicex.definitions import DEFINITIONS
from evaluations.minicex.models import NOT_OBSERVED, FormDefinition, MiniCex, TrainingProfile
from mittist.accounts.models import Role

S = MiniCex.State


@pytest.fixture
def mail_at_once(monkeypatch):
    """Test transactions never commit: run what services queue on commit (e-mail) at once instead."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def printed_forms(db):
    """The data migration's form versions. A live-server test flushes the database when it ends, data
    migrations included, so a test that runs after one gets them back from here."""
    for entry in DEFINITIONS:
        FormDefinition.objects.get_or_create(key=entry["key"], defaults={k: v for k, v in entry.items() if k != "key"})


@pytest.fixture
def st_definition(printed_forms):
    return FormDefinition.objects.get(key="st-v1")


@pytest.fixture
def bt_definition(printed_forms):
    return FormDefinition.objects.get(key="bt-v1")


@pytest.fixture
def bt_trainee(make_user):
    user = make_user(Role.TRAINEE, full_name="Bea Bastjänst")
    TrainingProfile.objects.create(user=user, programme="bt", curriculum="bt2021", training_start=date(2025, 9, 1))
    return user


@pytest.fixture
def assessor_account(make_user):
    """A doctor with an account (and a password) who assesses: here a supervisor."""
    return make_user(Role.SUPERVISOR, full_name="Hugo Handledare", email="hugo.handledare@example.org")


def trainee_values(**overrides) -> dict:
    values = {
        "performed_on": date.today() - timedelta(days=1),
        "clinical_context": "Akutmottagning, vuxen med bröstsmärta",
        "case_description": "Man 58 år med tryck över bröstet sedan i morse.",
        "reflection": "Jag borde ha frågat mer om ärftlighet.",
        "curriculum": "2021",
        "goals": ["STb1"],
        "free_goals": [],
        "focus": ["anamnes", "status"],
        "assessor_name": "Asta Bedömare",
        "assessor_email": "asta.bedomare@example.org",
    }
    values.update(overrides)
    return values


def assessment_values(top: int = 5, **overrides) -> dict:
    values = {
        "difficulty": "medium",
        "ratings": {"anamnes": 3, "status": 4, "bemotande": min(top, 5), "radgivning": 2, "organisation": NOT_OBSERVED},
        "summary": "Strukturerad anamnes, trygg i statusundersökningen.",
        "suggestions": "Bra: lyssnade. Vidare: sammanfatta för patienten innan avslut.",
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_form(db, trainee, st_definition, bt_definition):
    """A form in the state asked for. mode: "link" or "device". Returns (form, token or None)."""

    def make(state=S.DRAFT, *, by=None, mode="link", definition=None, assessment=None, **overrides):
        owner = by or trainee
        definition = definition or st_definition
        if definition.kind == "bt":
            overrides.setdefault("curriculum", "bt2021")
            overrides.setdefault("goals", ["bt1"])
        form = services.minicex_create(trainee=owner, by=owner, definition=definition, values=trainee_values(**overrides))
        token = None
        if state == S.DRAFT:
            return form, None
        if state == S.CANCELLED:
            return services.minicex_cancel(form=form, by=owner), None
        if mode == "link":
            from unittest import mock

            token = f"test-token-{uuid.uuid4().hex}"
            with mock.patch("evaluations.minicex.services.new_token", return_value=token):
                form = services.minicex_send_link(form=form, by=owner)
        else:
            form = services.minicex_hand_over(form=form, by=owner)
        if state == S.AWAITING_ASSESSOR:
            return form, token
        if mode == "link":
            form = services.minicex_assessor_save(form=form, by=_anonymous(), values=assessment or assessment_values(
                top=definition.top_level), submit=True, via_link=True, token=token)
        else:
            MiniCex.objects.filter(pk=form.pk).update(assessor_confirmed_at=timezone.now(), assessor_confirmed_by="code")
            form.refresh_from_db()
            form = services.minicex_assessor_save(form=form, by=owner, values=assessment or assessment_values(
                top=definition.top_level), submit=True)
        if state == S.ASSESSED:
            return form, token
        form = services.minicex_save_action_plan(form=form, by=owner, values={"action_plan": "Öva sammanfattning."},
                                                 complete=True)
        return form, token

    return make


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
