"""Mitt-i-ST: the evaluator starts a mini-CEX from a sitting-in slot of the practice day's programme."""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from evaluations.minicex import services
from evaluations.minicex.models import MiniCex
from evaluations.models import CaseEvent, Evaluation
from scheduling.models import Programme, ProgrammeItem
from scheduling.services.minicex import BeforePracticeDay, NotSittingIn, programme_item_start_minicex
from scheduling.services.programme import programme_add_item

from .conftest import assessment_values

S = MiniCex.State
CaseState = Evaluation.State
Kind = ProgrammeItem.Kind


pytestmark = pytest.mark.usefixtures("mail_at_once")


def add_item(case, by, kind=Kind.SITTING_IN, start="09:00", end="09:40", **fields):
    values = {"start": time.fromisoformat(start), "end": time.fromisoformat(end), "kind": kind, "age_band": "",
              "urgency": "", "several_chronic": False, "return_visit": False, "note": ""}
    values.update(fields)
    version = Programme.objects.filter(case=case).values_list("version", flat=True).first() or 0
    return programme_add_item(case=case, by=by, version=version, **values)


@pytest.fixture
def case(make_case, trainee):
    # The practice day is today: mini-CEX of its patients start from the programme only from then on.
    return make_case(CaseState.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=date.today())


@pytest.fixture
def slot(case, trainee):
    return add_item(case, trainee, age_band="older", urgency="acute", several_chronic=True)


@pytest.fixture
def evaluator_user(case):
    return case.evaluator.user


def start_url(case, item) -> str:
    return reverse("scheduling:start_minicex", args=[case.pk, item.pk])


def test_evaluator_starts_a_form_linked_to_case_and_slot(client, case, slot, evaluator_user, trainee):
    client.force_login(evaluator_user)
    response = client.post(start_url(case, slot))
    form = MiniCex.objects.get()
    assert response.status_code == 302 and response.url == reverse("minicex:assess", args=[form.pk])
    slot.refresh_from_db()
    assert slot.minicex == form
    assert form.case == case and form.trainee == trainee
    assert form.state == S.AWAITING_ASSESSOR and form.mode == MiniCex.Mode.SAME_DEVICE
    assert form.assessor_user == evaluator_user
    assert form.assessor_confirmed_by == MiniCex.Confirmation.ACCOUNT
    assert form.performed_on == case.practice_day
    assert "09:00–09:40" in form.clinical_context and "Äldre" in form.clinical_context
    assert "flera kroniska sjukdomar" in form.clinical_context
    assert CaseEvent.objects.filter(case=case, action="minicex_started").count() == 1


def test_starting_twice_gives_the_same_form(client, case, slot, evaluator_user):
    client.force_login(evaluator_user)
    first = client.post(start_url(case, slot))
    second = client.post(start_url(case, slot))
    assert first.url == second.url
    assert MiniCex.objects.count() == 1
    again = programme_item_start_minicex(case=case, by=evaluator_user, item_id=slot.pk)
    assert MiniCex.objects.count() == 1 and again.pk == MiniCex.objects.get().pk
    assert CaseEvent.objects.filter(case=case, action="minicex_started").count() == 1


def test_a_cancelled_form_can_be_started_again(case, slot, evaluator_user, trainee):
    first = programme_item_start_minicex(case=case, by=evaluator_user, item_id=slot.pk)
    with pytest.raises(PermissionDenied):  # the evaluator's form: the trainee cannot cancel it
        services.minicex_cancel(form=first, by=trainee)
    services.minicex_cancel(form=first, by=evaluator_user)
    second = programme_item_start_minicex(case=case, by=evaluator_user, item_id=slot.pk)
    assert second.pk != first.pk
    slot.refresh_from_db()
    assert slot.minicex == second


def test_other_evaluator_and_trainee_are_refused(client, case, slot, trainee, other_evaluator, coordinator):
    client.force_login(other_evaluator.user)
    assert client.post(start_url(case, slot)).status_code == 404
    client.force_login(trainee)
    assert client.post(start_url(case, slot)).status_code == 403
    client.force_login(coordinator)
    assert client.post(start_url(case, slot)).status_code == 403
    with pytest.raises(PermissionDenied):
        programme_item_start_minicex(case=case, by=trainee, item_id=slot.pk)
    assert not MiniCex.objects.exists()
    assert client.get(start_url(case, slot)).status_code == 405


def test_only_sitting_in_slots_get_a_form(client, case, trainee, evaluator_user):
    lunch = add_item(case, trainee, kind=Kind.LUNCH, start="12:00", end="12:45")
    with pytest.raises(NotSittingIn):
        programme_item_start_minicex(case=case, by=evaluator_user, item_id=lunch.pk)
    client.force_login(evaluator_user)
    response = client.post(start_url(case, lunch), follow=True)
    assert "Mini-CEX görs på medsittningar" in response.content.decode()
    assert not MiniCex.objects.exists()


def test_a_slot_of_another_case_is_not_found(client, make_case, case, evaluator_user):
    other = make_case(CaseState.PRACTICE_DAY_AGREED)
    foreign = add_item(other, other.trainee)
    client.force_login(evaluator_user)
    response = client.post(start_url(case, foreign))
    assert response.status_code == 302 and response.url == reverse("scheduling:programme", args=[case.pk])
    assert not MiniCex.objects.exists()


@pytest.mark.parametrize("state", [CaseState.CONTACT_MADE, CaseState.REPORT_DELIVERED])
def test_only_while_the_practice_day_is_on(client, make_case, trainee, state):
    case = make_case(state)
    item = ProgrammeItem.objects.create(programme=Programme.objects.create(case=case), start=time(9), end=time(9, 40),
                                        kind=Kind.SITTING_IN)
    client.force_login(case.evaluator.user)
    assert client.post(start_url(case, item)).status_code == 403
    assert not MiniCex.objects.exists()


def test_not_before_the_practice_day(client, make_case, trainee):
    """A month ahead the programme shows why there is no button, and a forged POST starts nothing."""
    day = date.today() + timedelta(days=30)
    case = make_case(CaseState.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=day)
    item = add_item(case, trainee)
    evaluator_user = case.evaluator.user
    with pytest.raises(BeforePracticeDay):
        programme_item_start_minicex(case=case, by=evaluator_user, item_id=item.pk)
    client.force_login(evaluator_user)
    page = client.get(reverse("scheduling:programme", args=[case.pk])).content.decode()
    assert "Starta mini-CEX" not in page
    assert "från och med praktikdagen" in page
    response = client.post(start_url(case, item), follow=True)
    assert response.redirect_chain[-1][0] == reverse("scheduling:programme", args=[case.pk])
    assert "från och med praktikdagen" in response.content.decode()
    assert not MiniCex.objects.exists()


def test_on_the_day_the_form_is_dated_the_practice_day(make_case, trainee):
    import time_machine

    day = date.today() + timedelta(days=30)
    case = make_case(CaseState.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=day)
    item = add_item(case, trainee)
    with time_machine.travel(day + timedelta(days=1)):  # filled in the evening after, say
        Evaluation.objects.filter(pk=case.pk).update(state=CaseState.PRACTICE_DAY_HELD, practice_day_held_on=day)
        case.refresh_from_db()
        form = programme_item_start_minicex(case=case, by=case.evaluator.user, item_id=item.pk)
    assert form.performed_on == day


def test_a_practice_day_form_is_not_submitted_before_its_day(case, slot, evaluator_user):
    form = programme_item_start_minicex(case=case, by=evaluator_user, item_id=slot.pk)
    MiniCex.objects.filter(pk=form.pk).update(performed_on=date.today() + timedelta(days=30))
    form.refresh_from_db()
    with pytest.raises(services.MiniCexError, match="från och med praktikdagen"):
        services.minicex_assessor_save(form=form, by=evaluator_user, values=assessment_values(), submit=True)
    form.refresh_from_db()
    assert form.state == S.AWAITING_ASSESSOR


def test_held_day_still_allows_a_form(make_case):
    case = make_case(CaseState.PRACTICE_DAY_HELD)
    item = ProgrammeItem.objects.create(programme=Programme.objects.create(case=case), start=time(9), end=time(9, 40),
                                        kind=Kind.SITTING_IN)
    form = programme_item_start_minicex(case=case, by=case.evaluator.user, item_id=item.pk)
    assert form.case == case


def test_programme_page_buttons_follow_the_form(client, case, slot, evaluator_user, trainee):
    page = reverse("scheduling:programme", args=[case.pk])
    client.force_login(trainee)
    assert "Starta mini-CEX" not in client.get(page).content.decode()
    client.force_login(evaluator_user)
    assert "Starta mini-CEX" in client.get(page).content.decode()
    form = programme_item_start_minicex(case=case, by=evaluator_user, item_id=slot.pk)
    assert "Fortsätt mini-CEX" in client.get(page).content.decode()
    assessed = client.post(reverse("minicex:assess", args=[form.pk]), {
        "difficulty": "medium", "summary": "Bra.", "suggestions": "Fortsätt så.", "submit": "1",
        **{f"rating_{k}": str(v) for k, v in assessment_values()["ratings"].items()},
    })
    assert assessed.status_code == 302
    form.refresh_from_db()
    assert form.state == S.ASSESSED
    html = client.get(page).content.decode()
    assert "Mini-CEX klar" in html and "Starta mini-CEX" not in html
    printed = client.get(reverse("scheduling:programme_print", args=[case.pk])).content.decode()
    assert "mini-CEX" not in printed.lower()


def test_shown_on_the_case_page_and_in_the_evaluators_list(client, case, slot, evaluator_user, trainee, coordinator):
    form = programme_item_start_minicex(case=case, by=evaluator_user, item_id=slot.pk)
    case_page = reverse("evaluations:case_detail", args=[case.pk])
    for user in (trainee, evaluator_user, coordinator):
        client.force_login(user)
        html = client.get(case_page).content.decode()
        assert 'id="minicex-heading"' in html, user
        assert reverse("minicex:detail", args=[form.pk]) in html
    client.force_login(evaluator_user)
    home = client.get(reverse("evaluations:evaluator_home")).content.decode()
    assert "Mini-CEX att bedöma" in home and reverse("minicex:assess", args=[form.pk]) in home
    client.post(reverse("minicex:assess", args=[form.pk]), {
        "difficulty": "easy", "summary": "Bra.", "suggestions": "Mer.", "submit": "1",
        **{f"rating_{k}": str(v) for k, v in assessment_values()["ratings"].items()},
    })
    home = client.get(reverse("evaluations:evaluator_home")).content.decode()
    assert "Mini-CEX att bedöma" not in home
    assert reverse("minicex:detail", args=[form.pk]) in client.get(case_page).content.decode()


def test_other_trainees_forms_do_not_show_on_the_case(client, case, make_form, trainee):
    form, _ = make_form(S.DRAFT)  # the trainee's own form, not part of the case
    client.force_login(trainee)
    html = client.get(reverse("evaluations:case_detail", args=[case.pk])).content.decode()
    assert reverse("minicex:detail", args=[form.pk]) not in html


def test_the_trainee_cannot_take_over_the_evaluators_form_on_their_device(client, case, slot, evaluator_user, trainee):
    """The evaluator fills in the practice-day form on their own account: the trainee's device flow would
    replace them as assessor (a code to an address of the trainee's choosing) on a form listed on the case."""
    from django.core import mail

    form = programme_item_start_minicex(case=case, by=evaluator_user, item_id=slot.pk)
    client.force_login(trainee)
    mail.outbox.clear()
    device = reverse("minicex:assess_device", args=[form.pk])
    assert client.get(device).status_code == 302
    for action in ("identify", "resend_code"):
        response = client.post(device, {"action": action, "assessor_name": "Tova Själv",
                                        "assessor_email": "tova.privat@example.org"})
        assert response.status_code == 302 and response.url == reverse("minicex:detail", args=[form.pk])
    form.refresh_from_db()
    assert form.assessor_user == evaluator_user and form.assessor_confirmed_by == MiniCex.Confirmation.ACCOUNT
    assert not form.code_hash and not mail.outbox
    with pytest.raises(services.MiniCexError):
        services.minicex_send_code(form=form, by=trainee, values={"assessor_name": "Tova Själv",
                                                                   "assessor_email": "tova.privat@example.org"})


def test_the_case_pages_card_reads_its_forms_in_one_query_however_many(client, case, slot, evaluator_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluations.minicex.models import MiniCex

    first = programme_item_start_minicex(case=case, by=evaluator_user, item_id=slot.pk)
    case_page = reverse("evaluations:case_detail", args=[case.pk])
    client.force_login(evaluator_user)
    client.get(case_page)
    with CaptureQueriesContext(connection) as one:
        assert client.get(case_page).status_code == 200
    # Two more of the case's forms (copies of the first, as the card reads them), in the states it shows.
    for state in (S.ASSESSED, S.COMPLETED):
        copy = MiniCex.objects.get(pk=first.pk)
        copy.pk = None
        copy.save()
        MiniCex.objects.filter(pk=copy.pk).update(state=state)
    with CaptureQueriesContext(connection) as three:
        html = client.get(case_page).content.decode()
    assert html.count("badge-minicex-") == 3
    assert len(three) == len(one)
