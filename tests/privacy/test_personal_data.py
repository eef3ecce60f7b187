"""The trainee's own data: the ZIP holds their texts and PDFs and nothing of another trainee; the erasure leaves
no name, e-mail, personnummer or portfolio text of theirs in the database (a dump of it is searched) nor any of
their files, while the case stays as an anonymous tombstone; others get 403/404."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation, ReadEvent
from evaluations.purge import delete_pending_files
from mittist.accounts.models import User
from portfolio.services.common import ensure_sections
from portfolio.services.sections import section_save
from tests.conftest import PASSWORD, S
from tests.purge.builders import build_full_case


def whole_database() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out, format="json", indent=None)
    return out.getvalue()


def download(client) -> zipfile.ZipFile:
    response = client.get(reverse("evaluations:my_data_export"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"].startswith("no-store")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def full(make_case, trainee, evaluator, quality, definitions):
    return build_full_case(make_case, trainee, evaluator, quality)


@pytest.fixture
def other_case(make_case, other_trainee, definitions):
    """Another trainee's running case, with a text of their own in section B."""
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=other_trainee)
    section = ensure_sections(case)["B"]
    key = section.definition.prompts[0].key
    section_save(section=section, by=other_trainee, data={key: "ANNANSTEXT olles egen bakgrund"},
                 base_version=section.version, can_edit=lambda c: True)
    return case


# --- the export ---------------------------------------------------------------------------------------


def test_the_zip_holds_the_trainees_texts_and_pdfs_and_nothing_of_another(full, other_case, trainee, login):
    login(full.case.evaluator.user).get(reverse("portfolio:reading", args=[full.case.pk]))  # a read to export
    archive = download(login(trainee))
    names = archive.namelist()
    data_text = archive.read("data.json").decode()
    data = json.loads(data_text)

    assert data["mitt_i_st"]["account"]["email"] == trainee.email
    [case] = data["mitt_i_st"]["cases"]
    assert case["personnummer"] == full.case.personnummer_clear()
    assert case["read_by_others"][0]["reader"] == "Vera Värderare"
    # Every text the trainee (and their supervisor, and the evaluator in the report) wrote about them.
    missing = [name for name, token in full.markers.by_field.items()
               if not name.startswith(("document.", "review.")) and token not in data_text]
    assert missing == []
    assert data["report"][0]["shared_with"][0]["name"] == "Maja Chef"
    assert data["certificate"][0]["code"] == full.certificate_code

    pdfs = [n for n in names if n.endswith(".pdf")]
    assert any(n.startswith("portfolj-") and "/dokument/" not in n for n in pdfs)  # the material
    assert any(n.startswith("rapport-") for n in pdfs)
    assert any(n.startswith("intyg-") for n in pdfs)
    for name in pdfs:
        assert archive.read(name).startswith(b"%PDF"), name
    report_pdf = next(n for n in pdfs if n.startswith("rapport-"))
    assert archive.read(report_pdf) == full.pdf_bytes
    plan = next(n for n in names if n.endswith("/dokument/plan.pdf"))
    assert full.markers.by_field["document.plan_v2"].encode() in archive.read(plan)

    everything = b"".join(archive.read(n) for n in names)
    assert b"ANNANSTEXT" not in everything
    assert other_case.trainee.full_name.encode() not in everything
    assert other_case.trainee.email.encode() not in everything
    assert other_case.personnummer_clear().encode() not in everything

    assert CaseEvent.objects.filter(case=full.case, action="personal_data_exported", actor=trainee).count() == 1
    assert not CaseEvent.objects.filter(case=other_case, action="personal_data_exported").exists()


def test_only_the_trainee_downloads_their_own(trainee, coordinator, evaluator, quality, login, make_case, definitions):
    make_case(S.REGISTERED, trainee=trainee)
    url = reverse("evaluations:my_data_export")
    for user in (coordinator, evaluator.user, quality):
        assert login(user).get(url).status_code == 403
        assert login(user).get(reverse("evaluations:my_data")).status_code == 403
    assert Client().get(url).status_code == 302
    page = login(trainee).get(reverse("evaluations:my_data"))
    assert page.status_code == 200 and "Hämta mina uppgifter (ZIP)" in page.content.decode()


def test_a_file_the_storage_cannot_give_is_named_inside_the_zip(full, trainee, login):
    default_storage.delete(full.case.report.pdf.name)
    archive = download(login(trainee))
    assert "filer-saknas.txt" in archive.namelist()
    assert "rapport-" in archive.read("filer-saknas.txt").decode()
    assert "data.json" in archive.namelist()


# --- the erasure --------------------------------------------------------------------------------------


def sign_in(email):
    return Client().post(reverse("accounts:login"), {"username": email, "password": PASSWORD})


def erase(client, case):
    return client.post(reverse("evaluations:erase_personal_data", args=[case.pk]), {"confirm": "yes"})


def test_erasure_leaves_nothing_of_the_person(full, trainee, coordinator, evaluator, login, mailoutbox):
    case = full.case
    name, email, pnr, masked = trainee.full_name, trainee.email, case.personnummer_clear(), case.personnummer_masked
    # A real sign-in: django-axes logs it with the address.
    assert sign_in(email).status_code == 302
    login(evaluator.user).get(reverse("portfolio:reading", args=[case.pk]))
    dump = whole_database()
    assert name in dump and email in dump and masked in dump  # the search below can fail

    client = login(trainee)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(reverse("evaluations:request_erasure", args=[case.pk])).status_code == 302
    assert Evaluation.objects.get(pk=case.pk).erasure_requested_at is not None
    assert [m.to for m in mailoutbox if "radering" in m.subject.lower()] == [["Mitt-i-ST <mittist-kansli@example.org>"]]
    mailoutbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = erase(login(coordinator), case)
    assert response.status_code == 302
    deleted, failed = delete_pending_files()
    assert deleted >= 3 and failed == 0  # the documents' and the report's files, and their folders

    dump = whole_database()
    for text in (name, email, pnr, pnr.replace("-", ""), masked, "Hedda Handledare", "Maja Chef",
                 "Vårdcentralen Exempel", "Box 1, 000 00 Exempelstad"):
        assert text not in dump, text
    assert full.markers.found_in(dump) == []

    # The files: nothing of the case left in the storage.
    for stored in full.stored_names:
        assert not default_storage.exists(stored), stored
    assert not default_storage.exists(full.pdf_name)

    tombstone = Evaluation.objects.get(pk=case.pk)
    assert tombstone.state == S.CLOSED and tombstone.region == "halland" and tombstone.closed_at
    assert tombstone.registered_at == case.registered_at and tombstone.erased_at
    assert tombstone.personnummer_encrypted == "" and tombstone.personnummer_hash == ""
    assert not ReadEvent.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case, action="personal_data_erased", actor=coordinator).count() == 1

    person = User.objects.get(pk=trainee.pk)
    assert not person.is_active and not person.has_usable_password()
    assert sign_in(email).status_code == 200  # the form again: no account with that address any more
    # The confirmation went to the address the person had, once.
    assert [m.to for m in mailoutbox] == [[f"{name} <{email}>"]]

    # The office sees the tombstone; a second erasure (a double click) only says so.
    page = login(coordinator).get(case.get_absolute_url()).content.decode()
    assert "Personuppgifterna raderades" in page
    again = erase(login(coordinator), case)
    assert again.status_code == 302
    assert CaseEvent.objects.filter(case=case, action="personal_data_erased").count() == 1


def test_erasure_waits_while_any_case_of_the_person_runs(make_case, trainee, coordinator, login, definitions):
    ended = make_case(S.REGISTERED, trainee=trainee, accepted=False)
    from evaluations import services

    ended = services.case_reject_registration(case=ended, by=coordinator, reason="Dubbel anmälan")
    running = make_case(S.EVALUATOR_ASSIGNED, trainee=trainee)
    response = erase(login(coordinator), ended)
    assert response.status_code == 302
    assert User.objects.get(pk=trainee.pk).full_name == trainee.full_name
    assert Evaluation.objects.get(pk=ended.pk).erased_at is None
    page = login(coordinator).get(ended.get_absolute_url()).content.decode()
    assert "har en Mitt-i-ST som pågår" in page and "erase-confirm" not in page
    refused = login(coordinator).post(reverse("evaluations:erase_personal_data", args=[running.pk]),
                                      {"confirm": "yes"}, follow=True)
    assert "har en Mitt-i-ST som pågår" in refused.content.decode()
    assert Evaluation.objects.get(pk=running.pk).erased_at is None


def test_erasure_needs_the_box_ticked(make_case, trainee, coordinator, login, definitions):
    from evaluations import services

    case = services.case_reject_registration(
        case=make_case(S.REGISTERED, trainee=trainee, accepted=False), by=coordinator, reason="Fel")
    login(coordinator).post(reverse("evaluations:erase_personal_data", args=[case.pk]), {})
    assert Evaluation.objects.get(pk=case.pk).erased_at is None
    assert User.objects.get(pk=trainee.pk).is_active


def test_only_the_office_erases_and_only_the_trainee_asks(
    make_case, trainee, other_trainee, coordinator, evaluator, quality, login, definitions
):
    case = make_case(S.CLOSED, trainee=trainee)
    assert erase(login(trainee), case).status_code == 403
    assert erase(login(evaluator.user), case).status_code == 403
    assert erase(login(other_trainee), case).status_code == 404
    assert erase(login(quality), case).status_code == 403
    assert Client().post(reverse("evaluations:erase_personal_data", args=[case.pk])).status_code == 302
    assert Evaluation.objects.get(pk=case.pk).erased_at is None

    ask = reverse("evaluations:request_erasure", args=[case.pk])
    assert login(other_trainee).post(ask).status_code == 404
    assert login(coordinator).post(ask).status_code == 403
    assert login(evaluator.user).post(ask).status_code == 403
    assert Evaluation.objects.get(pk=case.pk).erasure_requested_at is None
    assert login(trainee).get(ask).status_code == 405
