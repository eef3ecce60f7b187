"""Section F through the supervisor's capability link: issue, open, write, submit, revoke, and who is refused."""

import base64
import hashlib
import io
import re
import uuid
from datetime import timedelta
from email.utils import parseaddr

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations.models import CaseEvent, Evaluation
from mittist.accounts.models import Role
from portfolio.models import Section, SupervisorLink
from portfolio.sections import SECTION_BY_CODE
from portfolio.services import supervisor as services
from portfolio.services.common import ensure_sections

S = Evaluation.State
SUPERVISOR_EMAIL = "hedda.handledare@example.org"
F_KEYS = SECTION_BY_CODE["F"].keys
REQUIRED_F = [p.key for p in SECTION_BY_CODE["F"].prompts if p.required]
LINK_IN_MAIL = re.compile(r"/handledare/([A-Za-z0-9_-]{20,})/")


def complete_answers(**overrides) -> dict:
    answers = {key: f"Svar på {key}: ST-läkaren är noggrann & lyhörd." for key in F_KEYS}
    answers.update(overrides)
    return answers


def address(mail) -> str:
    [to] = mail.to
    return parseaddr(to)[1]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(case, action):
    return list(CaseEvent.objects.filter(case=case, action=action).order_by("at", "id"))


def section_f(case) -> Section:
    return Section.objects.get(case=case, code="F")


@pytest.fixture
def case(make_case, trainee):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, supervisor_email=SUPERVISOR_EMAIL)
    sections = ensure_sections(case)
    d = sections["D"]
    d.data = {"biomedicine": "Jag använder biomedicinen <b>varsamt</b>.", "best_sides": "Kontinuitet."}
    d.save()
    return case


@pytest.fixture
def issue(django_capture_on_commit_callbacks, mailoutbox):
    """Issue a link through the service, the mail sent; returns (link, token)."""

    def issue_(case, by, email=SUPERVISOR_EMAIL):
        with django_capture_on_commit_callbacks(execute=True):
            return services.supervisor_link_request(case=case, by=by, email=email)

    return issue_


def opened(token) -> Client:
    """A fresh browser that has pressed "Öppna formuläret" behind the link."""
    client = Client()
    response = client.post(reverse("portfolio:supervisor_landing", args=[token]))
    assert response.status_code == 302
    return client


def autosave(client, link, data, version):
    return client.post(reverse("portfolio:supervisor_statement_autosave", args=[link.pk]), {**data, "version": version})


# --- asking for the statement ------------------------------------------------------------------------


def test_trainee_requests_statement_mail_carries_a_256_bit_token_and_only_its_hash_is_stored(
    case, trainee, django_capture_on_commit_callbacks, mailoutbox
):
    client = login(trainee)
    page = client.get(reverse("portfolio:supervisor", args=[case.pk]))
    assert page.status_code == 200
    assert f'value="{SUPERVISOR_EMAIL}"' in page.content.decode()  # prefilled from the registration

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portfolio:supervisor", args=[case.pk]),
                               {"action": "request", "email": "ny.handledare@example.org"})
    assert response.status_code == 302

    link = SupervisorLink.objects.get(case=case)
    assert link.email == "ny.handledare@example.org"
    assert link.created_by == trainee
    assert link.expires_at == pytest.approx(link.created_at + timedelta(days=30), abs=timedelta(seconds=5))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert address(mail) == "ny.handledare@example.org"
    assert case.trainee.full_name in mail.subject
    token = LINK_IN_MAIL.search(mail.body).group(1)
    assert token in mail.alternatives[0][0]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) * 8 >= 128
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    # Nowhere in the database: not in the link row, the audit trail, the task queue or the sessions.
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert token not in dump.getvalue()
    assert link.token_hash in dump.getvalue()
    [issued] = events(case, "supervisor_link_issued")
    assert issued.actor == trainee and issued.note == "ny.handledare@example.org"


def test_request_with_a_bad_email_is_refused_at_the_field(case, trainee):
    response = login(trainee).post(reverse("portfolio:supervisor", args=[case.pk]), {"action": "request", "email": "inte en adress"})
    assert response.status_code == 400
    assert "Fyll i en giltig e-postadress" in response.content.decode()
    assert not SupervisorLink.objects.filter(case=case).exists()


def test_reissuing_revokes_the_old_link(case, trainee, issue):
    old, old_token = issue(case, trainee)
    new, new_token = issue(case, trainee)
    old.refresh_from_db()
    assert old.revoked_at is not None and not old.is_usable
    assert new.is_usable
    client = Client()
    assert client.get(reverse("portfolio:supervisor_landing", args=[old_token])).status_code == 410
    assert client.post(reverse("portfolio:supervisor_landing", args=[old_token])).status_code == 410
    assert client.get(reverse("portfolio:supervisor_landing", args=[new_token])).status_code == 200


def test_a_link_revoked_before_the_worker_runs_is_not_mailed(case, trainee, mailoutbox):
    link, token = services.supervisor_link_request(case=case, by=trainee, email=SUPERVISOR_EMAIL)  # mail not sent yet
    services.supervisor_link_revoke(link=link, by=trainee)
    from mittist import crypto

    assert services.deliver_statement_request(str(link.pk), crypto.encrypt(token)) == 0
    assert mailoutbox == []


def test_trainee_revokes_the_link_from_the_page(case, trainee, issue):
    link, token = issue(case, trainee)
    response = login(trainee).post(reverse("portfolio:supervisor", args=[case.pk]), {"action": "revoke", "link": link.pk})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    [revoked] = events(case, "supervisor_link_revoked")
    assert revoked.actor == trainee and revoked.note == SUPERVISOR_EMAIL


def test_coordinator_can_send_and_revoke_but_does_not_see_the_statement(case, coordinator, trainee, issue):
    client = login(coordinator)
    assert client.get(reverse("portfolio:supervisor", args=[case.pk])).status_code == 200
    link, token = issue(case, coordinator)
    supervisor = opened(token)
    autosave(supervisor, link, complete_answers(strengths="HEMLIG TEXT"), 0)
    supervisor.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk]))
    page = client.get(reverse("portfolio:supervisor", args=[case.pk])).content.decode()
    assert "Utlåtandet är inskickat" in page
    assert "HEMLIG TEXT" not in page
    # The trainee reads what the supervisor wrote.
    assert "HEMLIG TEXT" in login(trainee).get(reverse("portfolio:supervisor", args=[case.pk])).content.decode()


def test_manage_page_refuses_others(case, other_trainee, evaluator, make_user, client):
    url = reverse("portfolio:supervisor", args=[case.pk])
    assert login(other_trainee).get(url).status_code == 404
    assert login(other_trainee).post(url, {"action": "request", "email": "x@example.org"}).status_code == 404
    assert login(evaluator.user).get(url).status_code == 403
    assert login(make_user(Role.SUPERVISOR, email=SUPERVISOR_EMAIL)).get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("accounts:login"))
    assert not SupervisorLink.objects.exists()


def test_no_new_link_once_the_statement_is_submitted(case, trainee, issue):
    link, token = issue(case, trainee)
    supervisor = opened(token)
    autosave(supervisor, link, complete_answers(), 0)
    supervisor.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk]))
    client = login(trainee)
    page = client.get(reverse("portfolio:supervisor", args=[case.pk])).content.decode()
    assert "Be om utlåtande" not in page and "Skicka ny länk" not in page
    client.post(reverse("portfolio:supervisor", args=[case.pk]), {"action": "request", "email": SUPERVISOR_EMAIL})
    assert SupervisorLink.objects.filter(case=case).count() == 1


# --- opening the link -------------------------------------------------------------------------------------


def test_get_on_the_link_changes_nothing(case, trainee, issue):
    link, token = issue(case, trainee)
    before = CaseEvent.objects.filter(case=case).count()
    client = Client()
    response = client.get(reverse("portfolio:supervisor_landing", args=[token]))
    assert response.status_code == 200
    body = response.content.decode()
    assert case.trainee.full_name in body
    assert "Öppna formuläret" in body
    assert "no-store" in response["Cache-Control"]
    link.refresh_from_db()
    assert link.last_used_at is None
    assert CaseEvent.objects.filter(case=case).count() == before
    assert "supervisor_links" not in client.session
    # Nor does the statement open for that browser.
    assert client.get(reverse("portfolio:supervisor_statement", args=[link.pk])).status_code == 404


def test_post_on_the_link_opens_the_statement(case, trainee, issue):
    link, token = issue(case, trainee)
    client = Client()
    response = client.post(reverse("portfolio:supervisor_landing", args=[token]))
    assert response.status_code == 302
    assert response.url == reverse("portfolio:supervisor_statement", args=[link.pk])
    link.refresh_from_db()
    assert link.last_used_at is not None
    [opened_event] = events(case, "supervisor_link_opened")
    assert opened_event.note == SUPERVISOR_EMAIL and opened_event.actor is None
    assert client.session["supervisor_links"] == [str(link.pk)]

    page = client.get(response.url)
    assert page.status_code == 200
    body = page.content.decode()
    for prompt in SECTION_BY_CODE["F"].prompts:
        assert str(prompt.label) in body
    # Section D, read-only and escaped.
    assert "Jag använder biomedicinen &lt;b&gt;varsamt&lt;/b&gt;." in body
    assert 'name="biomedicine"' not in body


def test_a_used_link_says_so_on_its_landing_page(case, trainee, issue):
    link, token = issue(case, trainee)
    landing = reverse("portfolio:supervisor_landing", args=[token])
    first = Client().get(landing).content.decode()
    assert "Öppna formuläret" in first and "redan använd" not in first
    opened(token)
    again = Client().get(landing).content.decode()  # another browser, say the mail opened on a phone
    assert 'data-link-state="opened"' in again and "Länken är redan använd" in again
    assert "Fortsätt med utlåtandet" in again
    Section.objects.filter(case=case, code="F").update(locked_at=timezone.now())
    done = Client().get(landing).content.decode()
    assert 'data-link-state="submitted"' in done and "Visa utlåtandet" in done


def test_autosave_refusals_carry_a_swedish_message_beside_the_code(case, trainee, issue):
    link, token = issue(case, trainee)
    url = reverse("portfolio:supervisor_statement_autosave", args=[link.pk])
    not_granted = Client().post(url, {"version": "0"})
    assert not_granted.status_code == 401 and not_granted.json()["error"] == "login_required"
    assert "Öppna länken i e-postmeddelandet igen" in not_granted.json()["message"]
    unknown = Client().post(reverse("portfolio:supervisor_statement_autosave", args=[uuid.uuid4()]), {"version": "0"})
    assert unknown.status_code == 404 and unknown.json()["message"].startswith("Inte sparat")


def test_landing_post_needs_the_csrf_token(case, trainee, issue):
    link, token = issue(case, trainee)
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("portfolio:supervisor_landing", args=[token])).status_code == 403
    link.refresh_from_db()
    assert link.last_used_at is None


def test_unknown_token_is_404_and_says_what_to_do(db, client):
    response = client.get(reverse("portfolio:supervisor_landing", args=["x" * 43]))
    assert response.status_code == 404
    assert "Be ST-läkaren" in response.content.decode()
    assert client.post(reverse("portfolio:supervisor_landing", args=["x" * 43])).status_code == 404


def test_expired_link_is_410_without_revealing_the_case(case, trainee, issue):
    link, token = issue(case, trainee)
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        response = Client().get(reverse("portfolio:supervisor_landing", args=[token]))
        assert response.status_code == 410
        body = response.content.decode()
        assert "Be ST-läkaren" in body and "ny länk" in body
        assert case.trainee.full_name not in body
        assert Client().post(reverse("portfolio:supervisor_landing", args=[token])).status_code == 410


def test_a_link_that_expires_while_open_stops_at_once(case, trainee, issue, settings):
    settings.SUPERVISOR_LINK_DAYS = 1
    link, token = issue(case, trainee)
    client = opened(token)
    with time_machine.travel(timezone.now() + timedelta(hours=11)):  # the session (12 h) still runs
        assert autosave(client, link, {"strengths": "i tid"}, 0).status_code == 200
    SupervisorLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(hours=11, minutes=30))
    with time_machine.travel(timezone.now() + timedelta(hours=11, minutes=31)):
        assert client.get(reverse("portfolio:supervisor_statement", args=[link.pk])).status_code == 410
        assert autosave(client, link, {"strengths": "för sent"}, 1).status_code == 410
    assert section_f(case).data["strengths"] == "i tid"


def test_link_works_until_its_last_day(case, trainee, issue, settings):
    settings.SUPERVISOR_LINK_DAYS = 3
    link, token = issue(case, trainee)
    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23)):
        assert Client().get(reverse("portfolio:supervisor_landing", args=[token])).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert Client().get(reverse("portfolio:supervisor_landing", args=[token])).status_code == 410


def test_revocation_takes_effect_at_once_even_with_an_open_session(case, trainee, issue):
    link, token = issue(case, trainee)
    client = opened(token)
    assert autosave(client, link, {"strengths": "Före"}, 0).status_code == 200
    services.supervisor_link_revoke(link=link, by=trainee)
    assert client.get(reverse("portfolio:supervisor_statement", args=[link.pk])).status_code == 410
    assert autosave(client, link, {"strengths": "Efter"}, 1).status_code == 410
    response = client.post(reverse("portfolio:supervisor_statement", args=[link.pk]), {"strengths": "Efter", "version": 1})
    assert response.status_code == 410
    assert client.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk])).status_code == 410
    f = section_f(case)
    assert f.data["strengths"] == "Före" and f.locked_at is None


def test_link_for_one_case_cannot_open_another(case, make_case, trainee, other_trainee, issue):
    other_case = make_case(S.PRACTICE_DAY_AGREED, trainee=other_trainee)
    ensure_sections(other_case)
    link, token = issue(case, trainee)
    other_link, _other_token = issue(other_case, other_trainee)
    client = opened(token)
    assert client.get(reverse("portfolio:supervisor_statement", args=[other_link.pk])).status_code == 404
    assert client.get(reverse("portfolio:supervisor_statement", args=[uuid.uuid4()])).status_code == 404
    assert autosave(client, other_link, {"strengths": "fel ärende"}, 0).status_code == 401
    assert client.post(reverse("portfolio:supervisor_statement_submit", args=[other_link.pk])).status_code == 403
    assert section_f(other_case).data == {}
    assert not events(other_case, "supervisor_link_opened")


# --- writing and submitting ---------------------------------------------------------------------------


def test_autosave_saves_returns_the_version_and_refuses_a_stale_one(case, trainee, issue):
    link, token = issue(case, trainee)
    client = opened(token)
    first = autosave(client, link, {"strengths": "Lyhörd."}, 0)
    assert first.status_code == 200
    assert first.json()["version"] == 1 and re.fullmatch(r"\d\d:\d\d", first.json()["saved_at"])
    second = autosave(client, link, {"strengths": "Lyhörd och noggrann."}, 1)
    assert second.json()["version"] == 2
    stale = autosave(client, link, {"strengths": "Från en annan flik."}, 1)
    assert stale.status_code == 409
    assert stale.json()["answers"]["strengths"] == "Lyhörd och noggrann."
    assert stale.json()["version"] == 2
    f = section_f(case)
    assert f.data["strengths"] == "Lyhörd och noggrann." and f.version == 2
    # Saves while typing are one audit row, with the supervisor's e-mail.
    [saved] = events(case, "supervisor_statement_saved")
    assert saved.note == SUPERVISOR_EMAIL
    assert len(events(case, "section_saved")) == 1


def test_plain_post_saves_without_javascript_and_shows_both_texts_on_a_conflict(case, trainee, issue):
    link, token = issue(case, trainee)
    client = opened(token)
    url = reverse("portfolio:supervisor_statement", args=[link.pk])
    response = client.post(url, {"strengths": "Rad ett\r\nrad två", "version": 0})
    assert response.status_code == 302
    assert section_f(case).data["strengths"] == "Rad ett\nrad två"
    conflict = client.post(url, {"strengths": "Min version", "version": 0})
    assert conflict.status_code == 409
    body = conflict.content.decode()
    assert "Min version" in body and "Rad ett\nrad två" in body
    assert section_f(case).data["strengths"] == "Rad ett\nrad två"


def test_submit_with_unanswered_prompts_marks_them_and_keeps_the_text(case, trainee, issue, mailoutbox):
    link, token = issue(case, trainee)
    client = opened(token)
    mailoutbox.clear()
    response = client.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk]),
                           {"strengths": "Bara det här", "version": 0})
    assert response.status_code == 400
    body = response.content.decode()
    # At each unanswered field and in the summary above the form (which links to the fields).
    assert body.count('<p class="field-error"') == len(REQUIRED_F) - 1
    assert body.count("Svara på frågan innan du skickar in utlåtandet.") == 2 * (len(REQUIRED_F) - 1)
    assert "Bara det här" in body
    f = section_f(case)
    assert f.data["strengths"] == "Bara det här" and f.locked_at is None
    assert not events(case, "supervisor_statement_submitted")
    assert mailoutbox == []


def test_submission_locks_f_and_mails_trainee_and_evaluator(
    case, trainee, evaluator, issue, django_capture_on_commit_callbacks, mailoutbox
):
    link, token = issue(case, trainee)
    client = opened(token)
    assert autosave(client, link, complete_answers(other=""), 0).status_code == 200
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk]))
    assert response.status_code == 302
    f = section_f(case)
    assert f.locked_at is not None
    assert sorted(address(m) for m in mailoutbox) == sorted([trainee.email, evaluator.user.email])
    to_trainee = next(m for m in mailoutbox if address(m) == trainee.email)
    assert reverse("portfolio:supervisor", args=[case.pk]) in to_trainee.body
    to_evaluator = next(m for m in mailoutbox if address(m) == evaluator.user.email)
    assert case.trainee.full_name in to_evaluator.subject
    [submitted] = events(case, "supervisor_statement_submitted")
    assert submitted.note == SUPERVISOR_EMAIL

    # The link now shows a read-only thank-you page and takes no more saves.
    page = client.get(reverse("portfolio:supervisor_statement", args=[link.pk]))
    assert page.status_code == 200
    assert "Tack för ditt utlåtande" in page.content.decode()
    assert "<textarea" not in page.content.decode()
    assert autosave(client, link, {"strengths": "ändrat"}, f.version).status_code == 403
    assert client.post(reverse("portfolio:supervisor_statement", args=[link.pk]),
                       {"strengths": "ändrat", "version": f.version}).status_code == 403
    assert client.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk])).status_code == 403
    assert section_f(case).data == f.data
    assert len(events(case, "supervisor_statement_submitted")) == 1


def test_submission_without_an_evaluator_mails_only_the_trainee(
    make_case, trainee, issue, django_capture_on_commit_callbacks, mailoutbox
):
    case = make_case(S.REGISTERED, trainee=trainee)
    link, token = issue(case, trainee)
    client = opened(token)
    autosave(client, link, complete_answers(), 0)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk]))
    assert [address(m) for m in mailoutbox] == [trainee.email]


def test_every_use_of_the_link_is_audited_with_the_supervisors_email(case, trainee, issue):
    link, token = issue(case, trainee)
    client = opened(token)
    autosave(client, link, complete_answers(), 0)
    client.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk]))
    uses = CaseEvent.objects.filter(case=case, action__startswith="supervisor_").order_by("at", "id")
    assert [(e.action, e.note) for e in uses] == [
        ("supervisor_link_issued", SUPERVISOR_EMAIL),
        ("supervisor_link_opened", SUPERVISOR_EMAIL),
        ("supervisor_statement_saved", SUPERVISOR_EMAIL),
        ("supervisor_statement_submitted", SUPERVISOR_EMAIL),
    ]


# --- who else may write F ----------------------------------------------------------------------------


def test_supervisor_with_an_account_and_the_links_email_opens_without_the_token(case, trainee, issue, make_user):
    link, _token = issue(case, trainee)
    supervisor = make_user(Role.SUPERVISOR, email=SUPERVISOR_EMAIL.upper())
    client = login(supervisor)
    page = client.get(reverse("portfolio:supervisor_statement", args=[link.pk]))
    assert page.status_code == 200
    assert autosave(client, link, {"strengths": "Via kontot"}, 0).status_code == 200
    assert section_f(case).updated_by == supervisor
    [opened_event] = events(case, "supervisor_link_opened")
    assert opened_event.actor == supervisor and opened_event.note == SUPERVISOR_EMAIL
    # A supervisor with another address is not let in.
    stranger = login(make_user(Role.SUPERVISOR, email="annan.handledare@example.org"))
    assert stranger.get(reverse("portfolio:supervisor_statement", args=[link.pk])).status_code == 404
    assert autosave(stranger, link, {"strengths": "Fel person"}, 1).status_code == 401


@pytest.mark.parametrize("who", ["trainee", "other_trainee", "coordinator", "evaluator"])
def test_nobody_else_can_write_f_without_the_grant(case, trainee, issue, request, who):
    link, _token = issue(case, trainee)
    user = request.getfixturevalue(who)
    client = login(getattr(user, "user", user))
    assert client.get(reverse("portfolio:supervisor_statement", args=[link.pk])).status_code == 404
    assert autosave(client, link, {"strengths": "Inte handledaren"}, 0).status_code == 401
    assert client.post(reverse("portfolio:supervisor_statement", args=[link.pk]),
                       {"strengths": "Inte handledaren", "version": 0}).status_code == 403
    assert client.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk])).status_code == 403
    f = section_f(case)
    assert f.data == {} and f.locked_at is None


def test_a_post_without_the_grant_gives_the_typed_text_back(case, trainee, issue):
    link, _token = issue(case, trainee)
    response = Client().post(reverse("portfolio:supervisor_statement", args=[link.pk]),
                             {"strengths": "Lång text som inte får försvinna", "version": 0})
    assert response.status_code == 403
    assert "Lång text som inte får försvinna" in response.content.decode()


def test_an_ended_case_closes_the_link(case, trainee, coordinator, issue):
    from evaluations import services as case_services

    link, token = issue(case, trainee)
    client = opened(token)
    case_services.case_withdraw(case=case, by=coordinator, reason="Slutat")
    assert client.get(reverse("portfolio:supervisor_statement", args=[link.pk])).status_code == 410
    assert Client().get(reverse("portfolio:supervisor_landing", args=[token])).status_code == 410


def test_the_trainee_cannot_open_the_link_meant_for_the_supervisor(case, trainee, issue):
    link, token = issue(case, trainee)
    client = login(trainee)
    assert client.get(reverse("portfolio:supervisor_landing", args=[token])).status_code == 403
    assert client.post(reverse("portfolio:supervisor_landing", args=[token])).status_code == 403
    link.refresh_from_db()
    assert link.last_used_at is None and not events(case, "supervisor_link_opened")
    # Not even with a grant from before they logged in.
    client = opened(token)
    client.force_login(trainee)
    assert autosave(client, link, {"strengths": "Jag är bäst"}, 0).status_code == 401
    assert section_f(case).data == {}


# --- the e-mails -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_mails_render_cleanly_and_escape_only_in_html(
    make_case, make_user, evaluator, language, django_capture_on_commit_callbacks, mailoutbox, settings
):
    trainee = make_user(Role.TRAINEE, full_name="Testa O'Testsson & Co", language=language)
    evaluator.user.language = language
    evaluator.user.save()
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, workplace="VC Ek & Björk",
                     supervisor_email=SUPERVISOR_EMAIL, supervisor_name="Hedda O'Handledare")
    with django_capture_on_commit_callbacks(execute=True):
        link, token = services.supervisor_link_request(case=case, by=trainee, email=SUPERVISOR_EMAIL)
    client = opened(token)
    autosave(client, link, complete_answers(), 0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portfolio:supervisor_statement_submit", args=[link.pk]))
    assert [address(m) for m in mailoutbox] == [SUPERVISOR_EMAIL, trainee.email, evaluator.user.email]
    for message in mailoutbox:
        html = message.alternatives[0][0]
        assert "\n" not in message.subject and "{" not in message.subject
        for part in (message.subject, message.body):
            assert "&amp;" not in part and "&#x27;" not in part
        assert "{%" not in message.body and "{{" not in message.body and "{{" not in html
        assert "Testa O&#x27;Testsson &amp; Co" in html
        assert "Testa O'Testsson & Co" in message.body
        assert "Mitt-i-ST" in html
    request_mail = mailoutbox[0]
    assert "Hej Hedda O'Handledare!" in request_mail.body  # the supervisor's mail is always Swedish
    assert "Testa O'Testsson & Co" in request_mail.subject
    landing = reverse("portfolio:supervisor_landing", args=[token])
    assert landing in request_mail.body
    assert f'href="{settings.SITE_URL}{landing}"' in request_mail.alternatives[0][0]
