"""The quality review: take ("Jag granskar denna"), release, save a draft, complete. The checklist is required;
the comments go to the evaluator only when asked; completing issues the certificate (case → certified)."""

from email.utils import parseaddr

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evaluations.certificates.models import Certificate
from evaluations.models import CaseEvent, Evaluation
from evaluations.reports import services as report_services
from evaluations.reports.models import QualityReview
from evaluations.services import CaseStateError
from mittist.accounts.models import Role

S = Evaluation.State


def post(client, case, **data):
    return client.post(reverse("reports:review", args=[case.pk]), data)


def all_yes(review) -> dict:
    return {f"item_{key}": "yes" for key in review.checklist.keys}


@pytest.fixture
def colleague(make_user):
    return make_user(Role.QUALITY, full_name="Kim Kollega")


def test_taking_marks_the_report_as_mine_for_the_others(client, delivered, quality, colleague):
    case = delivered.case
    client.force_login(quality)
    response = post(client, case, action="take")
    assert response.status_code == 302
    review = QualityReview.objects.get(report=delivered)
    assert (review.reviewer, review.reviewer_name) == (quality, quality.full_name)
    assert CaseEvent.objects.filter(case=case, action="quality_review_taken", actor=quality).count() == 1

    client.force_login(colleague)
    page = client.get(reverse("reports:review", args=[case.pk])).content.decode()
    assert f"{quality.full_name}</bdi> granskar den här rapporten" in page
    assert "Jag granskar denna" not in page
    with pytest.raises(CaseStateError, match="granskar redan"):
        report_services.review_take(case=case, by=colleague)
    response = post(client, case, action="take")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.reviewer == quality  # still mine


def test_releasing_puts_it_back_in_the_queue(client, delivered, quality, colleague):
    case = delivered.case
    review = report_services.review_take(case=case, by=quality)
    client.force_login(colleague)
    assert post(client, case, action="release").status_code == 403  # not theirs to release
    client.force_login(quality)
    response = post(client, case, action="release")
    assert response.status_code == 302 and response["Location"] == reverse("evaluations:quality_home")
    review.refresh_from_db()
    assert review.reviewer is None and review.taken_at is None
    assert CaseEvent.objects.filter(case=case, action="quality_review_released").count() == 1
    report_services.review_take(case=case, by=colleague)  # now the colleague can


def test_saving_a_draft_keeps_the_answers_and_the_state(client, delivered, quality):
    case = delivered.case
    review = report_services.review_take(case=case, by=quality)
    client.force_login(quality)
    response = post(client, case, action="save", version=review.version, item_structure="partly",
                    comments="Bra struktur.")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.answers == {"structure": "partly"} and review.comments == "Bra struktur."
    case.refresh_from_db()
    assert case.state == S.REPORT_DELIVERED
    page = client.get(reverse("reports:review", args=[case.pk])).content.decode()
    assert "Bra struktur." in page


def test_a_stale_save_is_refused_and_says_so(client, delivered, quality):
    case = delivered.case
    review = report_services.review_take(case=case, by=quality)
    client.force_login(quality)
    post(client, case, action="save", version=review.version, comments="Först.")
    response = client.post(reverse("reports:review", args=[case.pk]),
                           {"action": "save", "version": review.version, "comments": "Sedan."}, follow=True)
    assert "Granskningen har sparats från ett annat fönster" in response.content.decode()
    review.refresh_from_db()
    assert review.comments == "Först."


def test_completing_needs_every_checklist_item(client, delivered, quality, outbox):
    case = delivered.case
    review = report_services.review_take(case=case, by=quality)
    client.force_login(quality)
    response = post(client, case, action="complete", version=review.version, item_structure="yes")
    assert response.status_code == 400
    page = response.content.decode()
    # Each open item is marked at its field; the one answered stays chosen.
    open_items = len(review.checklist.keys) - 1
    assert page.count("Svara på den här punkten innan granskningen registreras.") == 2 * open_items  # summary + field
    assert response.context["form"]["item_structure"].value() == "yes"
    case.refresh_from_db()
    assert case.state == S.REPORT_DELIVERED and case.quality_reviewed_at is None
    assert not Certificate.objects.filter(case=case).exists()
    review.refresh_from_db()
    assert review.answers == {"structure": "yes"}  # what was answered is kept
    assert outbox == []
    # The draft was saved, so the page's version moved on with it: the next try is no conflict.
    assert f'name="version" value="{review.version}"' in page


def test_the_checklist_is_not_marked_optional(client, delivered, quality):
    report_services.review_take(case=delivered.case, by=quality)
    client.force_login(quality)
    page = client.get(reverse("reports:review", args=[delivered.case.pk])).content.decode()
    form = page[page.index('name="action" value="complete"') - 6000:page.index('name="action" value="complete"')]
    assert "Rapporten följer strukturen" in page
    assert form.count("(frivilligt)") == 1  # the comments only


def test_completing_issues_the_certificate_and_mails_trainee_and_evaluator(
    client, delivered, quality, evaluator, outbox, django_capture_on_commit_callbacks
):
    case = delivered.case
    review = report_services.review_take(case=case, by=quality)
    client.force_login(quality)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, case, action="complete", version=review.version, **all_yes(review),
                        comments="Konkret och framåtriktad återkoppling.", send_to_evaluator="on")
    assert response.status_code == 302 and response["Location"] == reverse("evaluations:quality_home")
    case.refresh_from_db()
    assert case.state == S.CERTIFIED
    assert case.quality_reviewed_at is not None and case.certified_at is not None
    review.refresh_from_db()
    assert review.completed_at == case.quality_reviewed_at
    assert Certificate.objects.filter(case=case).exists()
    actions = list(case.events.order_by("at", "id").values_list("action", flat=True))
    assert actions[-2:] == ["quality_reviewed", "certificate_issued"]
    to = {parseaddr(m.to[0])[1]: m for m in outbox}
    assert set(to) == {case.trainee.email, evaluator.user.email}
    assert "Konkret och framåtriktad återkoppling." in to[evaluator.user.email].body
    assert reverse("evaluations:case_detail", args=[case.pk]) + "#intyg" in to[case.trainee.email].body
    # The recorded review reads back, and no one can take or change it again.
    page = client.get(reverse("reports:review", args=[case.pk])).content.decode()
    assert "Granskad av" in page and "Jag granskar denna" not in page
    with pytest.raises(CaseStateError):
        report_services.review_take(case=case, by=quality)


def test_comments_stay_with_the_group_unless_sent(delivered, quality, evaluator, outbox,
                                                  django_capture_on_commit_callbacks):
    case = delivered.case
    review = report_services.review_take(case=case, by=quality)
    review = report_services.review_save(review=review, by=quality, answers={k: "yes" for k in review.checklist.keys},
                                         comments="Internt.", send_to_evaluator=False, base_version=review.version)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.review_complete(review=review, by=quality)
    assert [parseaddr(m.to[0])[1] for m in outbox] == [case.trainee.email]  # the certificate only


def test_only_the_member_who_took_it_can_complete(delivered, quality, colleague):
    review = report_services.review_take(case=delivered.case, by=quality)
    review = report_services.review_save(review=review, by=quality, answers={k: "yes" for k in review.checklist.keys},
                                         comments="", send_to_evaluator=False, base_version=review.version)
    with pytest.raises(PermissionDenied):
        report_services.review_complete(review=review, by=colleague)
    with pytest.raises(PermissionDenied):
        report_services.review_save(review=review, by=colleague, answers={}, comments="x", send_to_evaluator=False,
                                   base_version=review.version)


def test_other_roles_cannot_take_a_review(delivered, coordinator, evaluator, trainee):
    for user in (coordinator, evaluator.user, trainee):
        with pytest.raises(PermissionDenied):
            report_services.review_take(case=delivered.case, by=user)
    assert not QualityReview.objects.exists()


def test_unknown_answers_are_not_stored(delivered, quality):
    review = report_services.review_take(case=delivered.case, by=quality)
    review = report_services.review_save(review=review, by=quality, answers={"structure": "kanske", "nonsense": "yes"},
                                         comments="", send_to_evaluator=False, base_version=review.version)
    assert review.answers == {}
    with pytest.raises(ValidationError):
        report_services.review_complete(review=review, by=quality)


def test_a_review_after_an_early_certificate_keeps_the_case_certified(delivered, quality, coordinator):
    from evaluations.certificates.services import certificate_issue_early

    certificate_issue_early(case=delivered.case, by=coordinator, reason="ST-läkaren byter region.")
    review = report_services.review_take(case=delivered.case, by=quality)
    review = report_services.review_save(review=review, by=quality, answers={k: "yes" for k in review.checklist.keys},
                                         comments="", send_to_evaluator=False, base_version=review.version)
    report_services.review_complete(review=review, by=quality)
    case = Evaluation.objects.get(pk=delivered.case.pk)
    assert case.state == S.CERTIFIED and case.quality_reviewed_at is not None
    assert Certificate.objects.filter(case=case).count() == 1
