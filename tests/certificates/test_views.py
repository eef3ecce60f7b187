"""The certificate on the case page and the home page, its download, and the office's two forms."""

import pytest
from django.urls import reverse

from evaluations.certificates import services
from evaluations.certificates.models import Certificate
from evaluations.models import Evaluation

S = Evaluation.State


def download_url(case):
    return reverse("certificates:download", args=[case.pk])


def issue_url(case):
    return reverse("certificates:issue_early", args=[case.pk])


def revoke_url(case):
    return reverse("certificates:revoke", args=[case.pk])


# --- the download ----------------------------------------------------------------------------------


def test_the_trainee_downloads_their_certificate(client, certificate, trainee):
    client.force_login(trainee)
    response = client.get(download_url(certificate.case))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="intyg-mitt-i-st-testsson.pdf"'
    assert "no-store" in response["Cache-Control"]


def test_the_office_may_download_it(client, certificate, coordinator):
    client.force_login(coordinator)
    assert client.get(download_url(certificate.case)).status_code == 200


def test_another_trainee_gets_404(client, certificate, other_trainee):
    client.force_login(other_trainee)
    assert client.get(download_url(certificate.case)).status_code == 404


def test_another_cases_evaluator_gets_404(client, certificate, other_evaluator):
    client.force_login(other_evaluator.user)
    assert client.get(download_url(certificate.case)).status_code == 404


@pytest.mark.parametrize("who", ["evaluator", "quality"])
def test_the_cases_evaluator_and_the_quality_group_get_403(client, certificate, evaluator, quality, who):
    # They may see the case (as everywhere in the app, a visible case's forbidden page is a 403), not the certificate.
    client.force_login({"evaluator": evaluator.user, "quality": quality}[who])
    assert client.get(download_url(certificate.case)).status_code == 403


def test_signed_out_is_sent_to_log_in(client, certificate):
    response = client.get(download_url(certificate.case))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_no_certificate_yet_is_404(client, delivered_case, trainee):
    client.force_login(trainee)
    assert client.get(download_url(delivered_case)).status_code == 404


def test_a_revoked_certificate_cannot_be_downloaded_and_says_why(client, certificate, trainee, coordinator):
    services.certificate_revoke(certificate=certificate, by=coordinator, reason="Utfärdat till fel person.")
    client.force_login(trainee)
    response = client.get(download_url(certificate.case))
    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Intyget är återkallat" in text and "Utfärdat till fel person." in text
    client.force_login(coordinator)
    assert client.get(download_url(certificate.case)).status_code == 410


# --- the card on the case page and the home page -------------------------------------------------------


def test_the_trainees_home_page_has_the_download(client, certificate, trainee):
    client.force_login(trainee)
    page = client.get(reverse("evaluations:trainee_home")).content.decode()
    assert 'id="intyg"' in page
    assert download_url(certificate.case) in page
    assert certificate.code in page
    assert certificate.get_verification_path() in page


def test_the_trainees_case_page_has_the_download(client, certificate, trainee):
    client.force_login(trainee)
    page = client.get(certificate.case.get_absolute_url()).content.decode()
    assert download_url(certificate.case) in page
    # The trainee sees neither the office's forms nor how the certificate was issued.
    assert revoke_url(certificate.case) not in page and "Utfärdat</dt>" not in page


def test_after_revoking_the_home_page_says_revoked_and_offers_no_download(client, certificate, trainee, coordinator):
    services.certificate_revoke(certificate=certificate, by=coordinator, reason="Fel i underlaget.")
    client.force_login(trainee)
    page = client.get(reverse("evaluations:trainee_home")).content.decode()
    assert "Intyget är återkallat" in page and "Fel i underlaget." in page
    assert download_url(certificate.case) not in page


@pytest.mark.parametrize("who", ["evaluator", "quality"])
def test_others_on_the_case_see_no_certificate_card(client, certificate, evaluator, quality, who):
    client.force_login({"evaluator": evaluator.user, "quality": quality}[who])
    page = client.get(certificate.case.get_absolute_url()).content.decode()
    assert 'id="intyg"' not in page and certificate.code not in page


def test_the_office_sees_how_it_was_issued_and_can_revoke(client, certificate, coordinator):
    client.force_login(coordinator)
    page = client.get(certificate.case.get_absolute_url()).content.decode()
    assert "när kvalitetsgranskningen registrerades" in page
    assert revoke_url(certificate.case) in page
    assert download_url(certificate.case) in page
    assert certificate.get_verification_path() in page


def test_the_trainee_sees_no_card_before_the_certificate(client, delivered_case, trainee):
    client.force_login(trainee)
    page = client.get(delivered_case.get_absolute_url()).content.decode()
    assert 'id="intyg"' not in page and issue_url(delivered_case) not in page


# --- the office issues early ---------------------------------------------------------------------


def test_the_office_sees_the_early_issue_form_after_delivery(client, delivered_case, coordinator):
    client.force_login(coordinator)
    page = client.get(delivered_case.get_absolute_url()).content.decode()
    assert issue_url(delivered_case) in page
    assert "Varför utfärdas intyget före kvalitetsgranskningen?" in page


def test_the_office_issues_early_through_the_form(client, delivered_case, coordinator, trainee):
    client.force_login(coordinator)
    response = client.post(issue_url(delivered_case), {"certificate_issue-reason": "Ansöker om specialistbevis."})
    assert response.status_code == 302
    assert response["Location"] == delivered_case.get_absolute_url() + "#intyg"
    certificate = Certificate.objects.get(case=delivered_case)
    assert certificate.early_reason == "Ansöker om specialistbevis." and certificate.issued_by == coordinator
    page = client.get(response["Location"]).content.decode()
    assert "Intyget är utfärdat. ST-läkaren får e-post om det" in page
    assert "före kvalitetsgranskningen" in page and "Ansöker om specialistbevis." in page
    # And the trainee finds it on their home page.
    client.force_login(trainee)
    assert download_url(delivered_case) in client.get(reverse("evaluations:trainee_home")).content.decode()


def test_an_empty_reason_comes_back_with_a_swedish_error_at_the_field(client, delivered_case, coordinator):
    client.force_login(coordinator)
    response = client.post(issue_url(delivered_case), {"certificate_issue-reason": "   "})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_certificate_issue-reason_error"' in page
    assert "Skriv varför intyget utfärdas före kvalitetsgranskningen." in page
    assert "<details class=\"action action-primary\" open>" in page
    assert not Certificate.objects.exists()


def test_a_long_reason_comes_back_with_the_text_kept(client, delivered_case, coordinator):
    client.force_login(coordinator)
    text = "Skäl " * 500
    response = client.post(issue_url(delivered_case), {"certificate_issue-reason": text})
    assert response.status_code == 400
    assert "Skäl Skäl Skäl" in response.content.decode()
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("who", ["trainee", "evaluator", "quality"])
def test_others_may_not_issue(client, delivered_case, trainee, evaluator, quality, who):
    client.force_login({"trainee": trainee, "evaluator": evaluator.user, "quality": quality}[who])
    response = client.post(issue_url(delivered_case), {"certificate_issue-reason": "Nu."})
    assert response.status_code == 403
    assert not Certificate.objects.exists()


def test_another_trainee_gets_404_on_issue(client, delivered_case, other_trainee):
    client.force_login(other_trainee)
    assert client.post(issue_url(delivered_case), {"certificate_issue-reason": "Nu."}).status_code == 404


def test_issuing_in_a_wrong_state_gives_a_message_and_changes_nothing(client, make_case, coordinator):
    case = make_case(S.PRACTICE_DAY_HELD)
    client.force_login(coordinator)
    response = client.post(issue_url(case), {"certificate_issue-reason": "Nu."}, follow=True)
    assert "bara när rapporten är skickad och ännu inte granskad" in response.content.decode()
    case.refresh_from_db()
    assert case.state == S.PRACTICE_DAY_HELD and not Certificate.objects.exists()


def test_issue_early_answers_only_post(client, delivered_case, coordinator):
    client.force_login(coordinator)
    assert client.get(issue_url(delivered_case)).status_code == 405


# --- the office revokes ---------------------------------------------------------------------------


def test_the_office_revokes_through_the_form(client, certificate, coordinator):
    client.force_login(coordinator)
    response = client.post(revoke_url(certificate.case), {"certificate_revoke-reason": "Fel person."}, follow=True)
    certificate.refresh_from_db()
    assert not certificate.is_valid and certificate.revoked_reason == "Fel person."
    page = response.content.decode()
    assert "Intyget är återkallat. ST-läkaren har fått e-post om det" in page
    assert revoke_url(certificate.case) not in page  # nothing left to revoke
    assert "Intyg återkallat" in page  # the audit row in the case's events


def test_revoking_without_a_reason_comes_back_with_the_error(client, certificate, coordinator):
    client.force_login(coordinator)
    response = client.post(revoke_url(certificate.case), {"certificate_revoke-reason": ""})
    assert response.status_code == 400
    assert "Skriv varför intyget återkallas." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid


@pytest.mark.parametrize("who", ["trainee", "evaluator", "quality"])
def test_others_may_not_revoke(client, certificate, trainee, evaluator, quality, who):
    client.force_login({"trainee": trainee, "evaluator": evaluator.user, "quality": quality}[who])
    assert client.post(revoke_url(certificate.case), {"certificate_revoke-reason": "Nej."}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_revoking_a_case_without_certificate_is_404(client, delivered_case, coordinator):
    client.force_login(coordinator)
    assert client.post(revoke_url(delivered_case), {"certificate_revoke-reason": "Nej."}).status_code == 404
