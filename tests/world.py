"""One populated world for the tests that go over every route and every form (permission matrix, hostile inputs).

`build_world` makes, through the real services, a full Mitt-i-ST case whose every text field carries a unique
marker (tests/purge/builders.py: portfolio A–F, self-evaluations, proposals, programme notes, the report, the
review comments; here also the mini-CEX assessment and action plan), plus everyone around it:

- trainee, other_trainee (with a case of their own), bt (a BT doctor with a mini-CEX form waiting at an
  assessor's e-mail link), evaluator, other_evaluator, coordinator, quality;
- supervisor_link / share_link: browsers without an account that opened the supervisor's link to section F
  and the report share link;
- a registration waiting for its e-mail confirmation (`registration_token`, the link's token) and one flagged
  for the office (the other trainee's personnummer registered again while their case runs).

`world.client(identity)` gives a logged-in (or granted) Django test client that answers a server error as a
500 response instead of raising, so a test can tell "refused" from "crashed".
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.test import Client
from django.utils import timezone

from evaluations.minicex import services as minicex_services
from evaluations.minicex.models import FormDefinition, MiniCex, TrainingProfile
from mittist.accounts.models import Role
from tests.minicex.conftest import assessment_values, trainee_values
from tests.purge.builders import FullCase, build_full_case, local_noon

IDENTITIES = (
    "anon", "trainee", "other_trainee", "bt", "evaluator", "other_evaluator", "coordinator", "quality",
    "supervisor_link", "share_link",
)
SIGNED_OUT = ("anon", "supervisor_link", "share_link")


@dataclass
class World:
    full: FullCase
    users: dict
    bt_form: MiniCex
    bt_token: str
    supervisor_token: str
    other_case: object
    moment: object  # when the requests are made: two days after the practice day
    registration_token: str = ""
    flagged_registration: object = None
    clients: dict = field(default_factory=dict)

    @property
    def case(self):
        return self.full.case

    @property
    def markers(self):
        return self.full.markers

    def client(self, identity: str) -> Client:
        if identity not in self.clients:
            self.clients[identity] = self._new_client(identity)
        return self.clients[identity]

    def fresh_client(self, identity: str) -> Client:
        return self._new_client(identity)

    def _new_client(self, identity: str) -> Client:
        client = Client(raise_request_exception=False)
        user = self.users.get(identity)
        if user is not None:
            client.force_login(user)
        elif identity == "supervisor_link":
            # What POSTing the landing page grants: this browser may open that one link.
            from portfolio.views.supervisor import SESSION_KEY

            session = client.session
            session[SESSION_KEY] = [str(self.supervisor_link().pk)]
            session.save()
        elif identity == "share_link":
            response = client.post(f"/rapport/delad/{self.full.share_token}/")
            assert response.status_code == 302, response.status_code
        return client

    def supervisor_link(self):
        from portfolio.models import SupervisorLink

        return SupervisorLink.objects.filter(case=self.case).latest("created_at")


def _mark_minicex(full: FullCase, evaluator, trainee):
    form = MiniCex.objects.get(pk=full.minicex_id)
    values = assessment_values(top=form.definition.top_level, summary=full.markers("minicex.summary"),
                               suggestions=full.markers("minicex.suggestions"))
    form = minicex_services.minicex_assessor_save(form=form, by=evaluator, values=values, submit=True)
    minicex_services.minicex_save_action_plan(form=form, by=trainee, values={"action_plan": full.markers(
        "minicex.action_plan")}, complete=False)


def _bt_doctor(make_user, today):
    bt = make_user(Role.TRAINEE, full_name="Bea Bastjänst")
    TrainingProfile.objects.create(user=bt, programme="bt", curriculum="bt2021",
                                   training_start=today - timedelta(days=200))
    definition = FormDefinition.objects.get(key="bt-v1")
    form = minicex_services.minicex_create(trainee=bt, by=bt, definition=definition, values=trainee_values(
        curriculum="bt2021", goals=["bt1"], performed_on=today - timedelta(days=1)))
    token = f"matrix-token-{uuid.uuid4().hex}"
    with mock.patch("evaluations.minicex.services.new_token", return_value=token):
        form = minicex_services.minicex_send_link(form=form, by=bt)
    return bt, form, token


def _registrations(other_case):
    """One registration waiting at its confirmation link, and one the office must look at (flagged)."""
    from evaluations.models import PendingRegistration
    from evaluations.services import _token_hash

    token = f"matrix-registration-{uuid.uuid4().hex}"
    fields = {"full_name": "Rut Registrerad", "phone": "070-000 00 00", "password_hash": "!",
              "personnummer_encrypted": other_case.personnummer_encrypted,
              "personnummer_hash": other_case.personnummer_hash,
              "personnummer_masked": other_case.personnummer_masked,
              "expires_at": timezone.now() + timedelta(hours=settings.MITTIST_REGISTRATION_CONFIRM_HOURS)}
    PendingRegistration.objects.create(token_hash=_token_hash(token), email="rut.registrerad@example.org", **fields)
    flagged = PendingRegistration.objects.create(state=PendingRegistration.State.FLAGGED, existing_case=other_case,
                                                 confirmed_at=timezone.now(), email="rut.flaggad@example.org",
                                                 **fields)
    return token, flagged


def build_world(*, make_case, make_user, trainee, other_trainee, evaluator, other_evaluator, coordinator,
                quality) -> World:
    import time_machine

    full = build_full_case(make_case, trainee, evaluator, quality, close=False)
    moment = local_noon(full.case.practice_day + timedelta(days=2))
    with time_machine.travel(moment, tick=False):
        _mark_minicex(full, evaluator.user, trainee)
        other_case = make_case(trainee=other_trainee, evaluator_=other_evaluator)
        bt, bt_form, bt_token = _bt_doctor(make_user, full.case.practice_day)
        registration_token, flagged = _registrations(other_case)
    users = {
        "trainee": trainee, "other_trainee": other_trainee, "bt": bt, "evaluator": evaluator.user,
        "other_evaluator": other_evaluator.user, "coordinator": coordinator, "quality": quality,
    }
    return World(full=full, users=users, bt_form=bt_form, bt_token=bt_token, supervisor_token=full.supervisor_token,
                 other_case=other_case, moment=moment, registration_token=registration_token,
                 flagged_registration=flagged)
