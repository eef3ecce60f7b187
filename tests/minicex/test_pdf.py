"""The PDF of a form: laid out like the paper form, only for those who may open the form."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from evaluations.minicex.models import MiniCex
from mittist.accounts.models import Role

S = MiniCex.State


def pdf_text(content: bytes, tmp_path, *, layout: bool = False) -> str:
    """The PDF's text: in reading order, or with -layout laid out in columns as on the page."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_completed_form_as_pdf(client, make_form, trainee, tmp_path):
    form, _ = make_form(S.COMPLETED, free_goals=["Egen diabetesmottagning"])
    client.force_login(trainee)
    response = client.get(reverse("minicex:pdf", args=[form.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="mini-cex-')
    assert response.content.startswith(b"%PDF")
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "Mini-CEX (mini Clinical Evaluation Exercise)" in text
    assert "STa4 – Etik i det dagliga arbetet" in text
    assert "☒ STb1 – Kommunikation med patienter och" in text  # the chosen goal (its label wraps)
    assert "STb5 – Palliativ vård" in text
    assert "STc – Egen diabetesmottagning" in text
    assert "Definitioner att använda för bedömning av ST-läkarens kompetens" in text
    assert "Inte observerat" in text and "Öva sammanfattning." in text
    assert "☒ Medelsvårt" in text and "☐ Enkelt" in text  # the chosen difficulty, ticked as on paper
    # The chosen level of each rating: the ticked box in its column. Anamnes was rated 3 of 5.
    anamnes_row = next(line.split() for line in pdf_text(response.content, tmp_path, layout=True).splitlines()
                       if line.split()[:1] == ["Anamnes"])
    assert anamnes_row == ["Anamnes", "☐", "☐", "☒", "☐", "☐", "☐"]


def test_bt_form_pdf_has_four_levels(client, make_form, bt_trainee, bt_definition, tmp_path):
    form, _ = make_form(S.ASSESSED, by=bt_trainee, definition=bt_definition)
    client.force_login(bt_trainee)
    response = client.get(reverse("minicex:pdf", args=[form.pk]))
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "AVSER BASTJÄNSTGÖRING (BT)" in text and "bt1 – Akuta och icke akuta sjukdomstillstånd" in text
    assert "5 ST-läkaren" not in text and "4 BT-läkaren utför aktiviteten självständigt" in text


@pytest.mark.parametrize("state", [S.DRAFT, S.AWAITING_ASSESSOR, S.CANCELLED])
def test_no_pdf_before_the_assessment(client, make_form, trainee, state):
    form, _ = make_form(state)
    client.force_login(trainee)
    assert client.get(reverse("minicex:pdf", args=[form.pk])).status_code == 404


def test_other_trainee_gets_404(client, make_form, other_trainee):
    form, _ = make_form(S.COMPLETED)
    client.force_login(other_trainee)
    assert client.get(reverse("minicex:pdf", args=[form.pk])).status_code == 404


def test_coordinator_and_the_assessor_with_an_account_may_download(client, make_form, coordinator, make_user):
    assessor = make_user(Role.SUPERVISOR, full_name="Asta Bedömare", email="asta.konto@example.org")
    form, _ = make_form(S.COMPLETED, assessor_email="asta.konto@example.org")
    assert form.assessor_user == assessor
    for user in (coordinator, assessor):
        client.force_login(user)
        assert client.get(reverse("minicex:pdf", args=[form.pk])).status_code == 200


def test_anonymous_is_sent_to_log_in(client, make_form):
    form, _ = make_form(S.COMPLETED)
    response = client.get(reverse("minicex:pdf", args=[form.pk]))
    assert response.status_code == 302 and "logga-in" in response["Location"]
