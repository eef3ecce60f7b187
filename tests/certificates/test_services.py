"""Issuing and revoking: state, certificate row, audit row and e-mail, and what is refused."""

from email.utils import parseaddr

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations.certificates import services
from evaluations.certificates.models import CODE_ALPHABET, Certificate, normalize_code
from evaluations.models import CaseEvent, Evaluation
from evaluations.services import CaseStateError
from tests.conftest import review_report

S = Evaluation.State


def mails_to(mailoutbox, email):
    return [m for m in mailoutbox if any(parseaddr(a)[1] == email for a in m.to)]


# --- issued by the quality review ---------------------------------------------------------------------


def test_the_recorded_review_issues_the_certificate_with_a_snapshot(certified_case, trainee, evaluator):
    certificate = Certificate.objects.get(case=certified_case)
    assert certified_case.state == S.CERTIFIED
    assert certificate.trainee_name == trainee.full_name
    assert certificate.evaluator_name == evaluator.name
    assert certificate.practice_day == certified_case.practice_day_held_on
    assert certificate.issued_at == certified_case.certified_at
    assert certificate.issued_by is None and certificate.early_reason == ""
    assert certificate.is_valid
    event = certified_case.events.get(action="certificate_issued")
    assert event.actor is None and event.from_state == S.QUALITY_REVIEWED and event.to_state == S.CERTIFIED


def test_the_code_is_twelve_crockford_characters_in_three_groups(certificate):
    groups = certificate.code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4]
    assert all(ch in CODE_ALPHABET for ch in "".join(groups))
    assert normalize_code(certificate.code) == certificate.code


def test_the_trainee_is_mailed_when_the_review_issues_it(make_case, trainee, quality, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    case = make_case(S.REPORT_DELIVERED, trainee=trainee)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review_report(case, quality)
    mine = mails_to(mailoutbox, trainee.email)
    assert [m.subject for m in mine] == ["Ditt intyg för Mitt-i-ST är utfärdat"]
    # The mail's button leads to the certificate card on the case page.
    assert f"{case.get_absolute_url()}#intyg" in mine[0].body


def test_a_renamed_account_does_not_change_an_issued_certificate(certificate, trainee):
    old_name = certificate.trainee_name
    trainee.full_name = "Tova Nyttnamn"
    trainee.save()
    certificate.refresh_from_db()
    assert certificate.trainee_name == old_name


# --- issued early by the office ------------------------------------------------------------------


def test_the_office_issues_early_with_a_reason(delivered_case, coordinator, trainee, mailoutbox,
                                               django_capture_on_commit_callbacks):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_issue_early(
            case=delivered_case, by=coordinator, reason="  ST-läkaren söker specialistbevis i juni.\r\n"
        )
    delivered_case.refresh_from_db()
    assert delivered_case.state == S.CERTIFIED
    assert certificate.issued_by == coordinator
    assert certificate.early_reason == "ST-läkaren söker specialistbevis i juni."
    event = delivered_case.events.get(action="certificate_issued")
    assert event.actor == coordinator
    assert (event.from_state, event.to_state) == (S.REPORT_DELIVERED, S.CERTIFIED)
    assert event.note == "ST-läkaren söker specialistbevis i juni."
    assert [m.subject for m in mails_to(mailoutbox, trainee.email)] == ["Ditt intyg för Mitt-i-ST är utfärdat"]


def test_a_review_after_an_early_certificate_keeps_it_and_issues_no_second(delivered_case, coordinator, quality):
    early = services.certificate_issue_early(case=delivered_case, by=coordinator, reason="Brådskande.")
    case = review_report(Evaluation.objects.get(pk=delivered_case.pk), quality)
    assert case.state == S.CERTIFIED
    assert case.quality_reviewed_at is not None
    assert list(Certificate.objects.filter(case=case)) == [early]
    assert case.events.filter(action="certificate_issued").count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_early_issue_without_a_reason_is_refused_at_the_field(delivered_case, coordinator, reason, mailoutbox):
    events = CaseEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.certificate_issue_early(case=delivered_case, by=coordinator, reason=reason)
    assert "reason" in error.value.message_dict
    delivered_case.refresh_from_db()
    assert delivered_case.state == S.REPORT_DELIVERED
    assert not Certificate.objects.exists()
    assert CaseEvent.objects.count() == events


def test_an_overlong_reason_is_refused(delivered_case, coordinator):
    with pytest.raises(ValidationError) as error:
        services.certificate_issue_early(case=delivered_case, by=coordinator, reason="x" * 2001)
    assert "reason" in error.value.message_dict
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("who", ["trainee", "evaluator", "quality"])
def test_only_the_office_may_issue_early(delivered_case, trainee, evaluator, quality, who):
    user = {"trainee": trainee, "evaluator": evaluator.user, "quality": quality}[who]
    with pytest.raises(PermissionDenied):
        services.certificate_issue_early(case=delivered_case, by=user, reason="Jag vill ha det nu.")
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("state", [S.PRACTICE_DAY_HELD, S.MATERIAL_SUBMITTED])
def test_early_issue_before_delivery_is_refused(make_case, coordinator, state):
    case = make_case(state)
    with pytest.raises(CaseStateError):
        services.certificate_issue_early(case=case, by=coordinator, reason="För tidigt.")
    case.refresh_from_db()
    assert case.state == state
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("state", [S.CERTIFIED, S.CLOSED])
def test_a_second_certificate_is_refused(make_case, coordinator, state):
    case = make_case(state)
    with pytest.raises(CaseStateError):
        services.certificate_issue_early(case=case, by=coordinator, reason="En till.")
    assert Certificate.objects.filter(case=case).count() == 1


# --- revoking -----------------------------------------------------------------------------------


def test_the_office_revokes_with_a_reason(certificate, coordinator, trainee, mailoutbox,
                                          django_capture_on_commit_callbacks):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(certificate=certificate, by=coordinator, reason="Utfärdat av misstag.")
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate.revoked_by == coordinator and certificate.revoked_reason == "Utfärdat av misstag."
    case = certificate.case
    case.refresh_from_db()
    assert case.state == S.CERTIFIED  # the case itself goes on (the survey may still be answered)
    event = case.events.get(action="certificate_revoked")
    assert event.actor == coordinator and event.note == "Utfärdat av misstag."
    assert event.label == "Intyg återkallat"
    mine = mails_to(mailoutbox, trainee.email)
    assert [m.subject for m in mine] == ["Ditt intyg för Mitt-i-ST är återkallat"]
    assert "Utfärdat av misstag." in mine[0].body
    html = mine[0].alternatives[0][0]
    assert "Utfärdat av misstag." in html and f"{case.get_absolute_url()}#intyg" in html


def test_revoking_twice_is_refused_and_records_nothing(certificate, coordinator):
    services.certificate_revoke(certificate=certificate, by=coordinator, reason="Fel person.")
    with pytest.raises(CaseStateError):
        services.certificate_revoke(certificate=certificate, by=coordinator, reason="Igen.")
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Fel person."
    assert certificate.case.events.filter(action="certificate_revoked").count() == 1


def test_revoking_without_a_reason_is_refused(certificate, coordinator):
    with pytest.raises(ValidationError) as error:
        services.certificate_revoke(certificate=certificate, by=coordinator, reason=" ")
    assert "reason" in error.value.message_dict
    certificate.refresh_from_db()
    assert certificate.is_valid


@pytest.mark.parametrize("who", ["trainee", "evaluator", "quality"])
def test_only_the_office_may_revoke(certificate, trainee, evaluator, quality, who):
    user = {"trainee": trainee, "evaluator": evaluator.user, "quality": quality}[who]
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(certificate=certificate, by=user, reason="Nej.")
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_a_closed_case_keeps_its_certificate_and_it_can_still_be_revoked(make_case, coordinator):
    case = make_case(S.CLOSED)
    certificate = Certificate.objects.get(case=case)
    assert certificate.is_valid
    services.certificate_revoke(certificate=certificate, by=coordinator, reason="Fel i underlaget.")
    certificate.refresh_from_db()
    assert not certificate.is_valid
