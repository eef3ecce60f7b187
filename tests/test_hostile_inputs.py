"""Hostile input into every form, table-driven: nothing crashes, nothing is echoed unescaped, bad data is refused.

`TARGETS` names each form by the page that renders it (the fields are read from that page's HTML, so a new
prompt or field is attacked without touching this file), who fills it in, and where it posts. For each
form the attacks are:

- every text field at once with each of `TEXT` (XSS, SQL-looking text, emoji, RTL/bidi controls, NUL bytes,
  Swedish letters, only spaces), and 100,000 characters in all of them and in one or two alone;
- every date field with `DATES` (far past, far future, impossible, wrong format);
- every personnummer field with `PERSONNUMMER` (bad check digit, impossible dates, future, other scripts' digits…);
- every number, hidden (versions, ids) and choice field with nonsense;
- every file input with `FILES` (spoofed types, HTML/SVG with script, PDF with JavaScript, a DOCX zip bomb,
  zero bytes, oversized, hostile names).

Each attempt runs in a savepoint that is rolled back. It must answer below 500; an XSS payload must never come
back unescaped, neither in the answer nor on the form's page read again afterwards; a value that cannot be
right (an impossible date, an invalid personnummer, a spoofed file) must not be taken silently: the answer is
a form with the error at the field (or an autosave's JSON errors), never a success. A stored upload keeps a
server-made storage name and is served as a download that a browser will not render.
"""

import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from evaluations import services
from evaluations.minicex import services as minicex_services
from evaluations.minicex.models import FormDefinition, TrainingProfile
from mittist.accounts.models import Role
from mittist.outbox.models import Message
from tests.conftest import S
from tests.forms_on_page import PageForm, forms_on
from tests.minicex.conftest import _anonymous, assessment_values, trainee_values
from tests.portfolio.conftest import (
    _media_in_tmp,  # noqa: F401  (fixture: uploads go to a temporary folder)
    make_pdf,
)
from tests.test_permission_matrix import quiet_request_log
from tests.world import _registrations

XSS = "<script>alert('mittist-xss')</script>"
XSS_ATTR = '"><img src=x onerror=alert(\'mittist-xss2\')>'
ECHO_CHECKED = (XSS, XSS_ATTR)

TEXT = {
    "xss": XSS,
    "xss-attribute": XSS_ATTR,
    "sql": "'; DROP TABLE evaluations_evaluation; -- ' OR '1'='1",
    "emoji": "Bra dag 😀👩🏽‍⚕️🇸🇪 – tack!",
    "rtl-bidi": "\u202eDAB\u202c \u200fשלום עולם\u200e \u2066isolerad\u2069 مرحبا",
    "nul": "före\x00efter",
    "swedish": "Åsa Öberg-Ängström, Ågatan 1, Malmö – ÅÄÖ åäö é ü",
    "spaces": "   \t  ",
    "control": "rad\x1b[31mröd\x07\x08\x0b",
}
LONG = "å" * 100_000  # Swedish letters: two bytes each in UTF-8

DATES = {
    "far-past": "1899-12-31",
    "year-1": "0001-01-01",
    "far-future": "9999-12-31",
    "next-century": "2200-06-01",
    "impossible": "2025-02-30",
    "month-13": "2025-13-01",
    # 31/12/2025 is a date now (the Swedish input formats take d/m/Y); month first is not, in any of them.
    "us-format": "12/31/2025",
    "words": "igår",
    "nul": "2025-01-01\x00",
}
# Stripping the NUL leaves a good date; every other value here is wrong for any date a form asks for.
INVALID_DATES = set(DATES) - {"nul"}

PERSONNUMMER = {
    "bad-check-digit": "19850101-2381",
    "short-bad-check": "850101-2381",
    "month-13": "19851301-2384",
    "day-32": "19850132-2389",
    "future": "20991231-2382",
    "zeros": "00000000-0000",
    "arabic-digits": "١٩٨٥٠١٠١-٢٣٨٢",
    "fullwidth-digits": "１９８５０１０１-２３８２",
    "too-long": "1985010123821234",
    "letters": "ÅÄÖ-personnummer",
    "nul": "19850101-2382\x00",
    "long": "1" * 100_000,
    "xss": XSS,
}
NUMBERS = {"negative": "-1", "huge": "9" * 40, "float-overflow": "1e309", "nan": "NaN", "words": "tre",
           "arabic": "٣"}
HIDDEN = {"empty": "", "negative": "-1", "huge": "9" * 40, "words": "abc", "nul": "1\x00", "uuid": str(uuid.uuid4())}
CHOICES = {"unknown": "no-such-choice", "xss": XSS, "nul": "\x00", "long": "x" * 5000}


def _zip_bomb() -> bytes:
    """A DOCX whose document.xml inflates to 200 MB of zeros (it compresses to about 200 kB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):
                handle.write(chunk)
    return buffer.getvalue()


PDF_WITH_JS = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
               b"3 0 obj<</S/JavaScript/JS(app.alert('mittist'))>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert("mittist-svg")</script></svg>'
HTML_SCRIPT = b"<!DOCTYPE html><html><body><script>alert('mittist-html')</script></body></html>"
UPLOAD_LIMIT_MB = 1


@dataclass(frozen=True)
class Upload:
    name: str
    content: object  # bytes, or a callable making them
    content_type: str
    refused: bool  # whether a correct check must refuse it

    def file(self) -> SimpleUploadedFile:
        content = self.content() if callable(self.content) else self.content
        return SimpleUploadedFile(self.name, content, content_type=self.content_type)


def _valid_pdf() -> bytes:
    return make_pdf()


FILES = {
    "exe-as-pdf": Upload("plan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "application/pdf", True),
    "html-as-pdf": Upload("plan.pdf", HTML_SCRIPT, "application/pdf", True),
    "html": Upload("plan.html", HTML_SCRIPT, "text/html", True),
    "svg-script": Upload("foto.svg", SVG_SCRIPT, "image/svg+xml", True),
    "svg-as-png": Upload("foto.png", SVG_SCRIPT, "image/png", True),
    "pdf-javascript": Upload("plan.pdf", PDF_WITH_JS, "application/pdf", False),
    "docx-zip-bomb": Upload("plan.docx", _zip_bomb, "application/vnd.openxmlformats-officedocument"
                                                    ".wordprocessingml.document", False),
    "zero-bytes": Upload("plan.pdf", b"", "application/pdf", True),
    "oversized": Upload("plan.pdf", lambda: _valid_pdf() + b"%" + b"0" * (UPLOAD_LIMIT_MB * 1024 * 1024 + 10),
                        "application/pdf", True),
    "name-traversal": Upload("../../../etc/passwd.pdf", _valid_pdf, "application/pdf", False),
    "name-windows-path": Upload("C:\\Users\\a\\..\\plan.pdf", _valid_pdf, "application/pdf", False),
    "name-xss": Upload(f"{XSS}.pdf", _valid_pdf, "application/pdf", False),
    "name-long": Upload("å" * 400 + ".pdf", _valid_pdf, "application/pdf", False),
    "name-bidi": Upload("plan\u202efdp.pdf", _valid_pdf, "application/pdf", False),
    "name-only-extension": Upload(".pdf", _valid_pdf, "application/pdf", False),
    "name-double-extension": Upload("plan.pdf.exe", _valid_pdf, "application/octet-stream", True),
    "name-swedish-emoji": Upload("Utbildningsplan Åsa Öberg 😀.pdf", _valid_pdf, "application/pdf", False),
    "name-reserved": Upload("CON.pdf", _valid_pdf, "application/pdf", False),
}


# --- the forms -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    label: str
    identity: str  # a key of World.users, or "anon" / "supervisor_link"
    page: str  # a key of World.urls: the page that renders the form
    action: str = ""  # a part of the form's action, to pick among the page's forms (else the first with fields)
    post_to: str = ""  # a key of World.urls: where to post instead (an autosave address)
    method: str = "post"
    button: tuple[str, str] | None = None
    refuses_bad_values: bool = True  # False: a search or filter, where an odd value only finds nothing
    accepts: tuple[str, ...] = ()  # attempt labels (prefixes) this form may take, each with its reason in TARGETS
    field: str = ""  # a field the form must have, to pick among forms that post to the same address


TARGETS = [
    Target("registration", "anon", "register"),
    Target("login", "anon", "login"),
    Target("password reset", "anon", "password_reset"),
    Target("new password", "anon", "password_reset_confirm"),
    Target("language", "anon", "login", action="/sprak/"),
    # The report check reads the bytes it is given and stores nothing: a file's name is not its concern.
    Target("report check", "anon", "report_verify", accepts=("file:name-",)),
    Target("certificate check", "anon", "certificate_verify", method="get"),
    # Signed-in forms only after the password link: a trainee's sign-in (last_login) would spend its token.
    Target("registration again", "trainee_rejected", "register"),
    Target("flagged registration rejected", "coordinator", "flagged_registration", field="reason"),
    Target("mail resend", "coordinator", "dashboard", action="skicka-igen"),
    Target("second factor enrol", "trainee", "second_factor_enrol"),
    *[Target(f"portfolio {code}", "trainee", f"section_{code}", action="self") for code in "ABCDE"],
    *[Target(f"portfolio {code} autosave", "trainee", f"section_{code}", action="self",
             post_to=f"section_{code}_autosave") for code in "ABCDE"],
    Target("education plan upload on section C", "trainee", "section_C", action="/dokument/education_plan/"),
    Target("education plan upload", "trainee", "upload_education_plan"),
    Target("photo upload", "trainee", "upload_photo"),
    Target("new recording", "trainee", "recordings"),
    Target("recording", "trainee", "recording_edit"),
    Target("self-evaluation", "trainee", "self_evaluation"),
    Target("supervisor link request", "trainee", "supervisor"),
    Target("supervisor statement", "supervisor_link", "statement", action="self"),
    Target("supervisor statement autosave", "supervisor_link", "statement", action="self",
           post_to="statement_autosave"),
    Target("programme item", "trainee", "programme"),
    Target("practice day proposal", "trainee_contact", "practice_day_propose", action="foresla"),
    Target("practice day decline", "evaluator", "practice_day_proposed", action="avboj"),
    Target("practice day reschedule", "coordinator", "practice_day_open", action="flytta"),
    Target("practice day move proposal", "trainee", "practice_day_open", action="foresla"),
    Target("contact made", "trainee_accepted", "case_accepted", action="mark_contact_made"),
    Target("decline assignment", "evaluator", "case_assigned", action="decline_assignment"),
    Target("reject registration", "coordinator", "case_registered", action="reject_registration"),
    Target("put on hold", "coordinator", "case_open", action="put_on_hold"),
    Target("withdraw", "coordinator", "case_open", action="withdraw"),
    Target("assign evaluator", "coordinator", "assign"),
    Target("report", "evaluator", "report_write"),
    Target("report autosave", "evaluator", "report_write", post_to="report_autosave"),
    Target("report share", "trainee_delivered", "report_share"),
    Target("quality review", "quality", "review"),
    Target("survey", "trainee_certified", "survey"),
    Target("certificate revoke", "coordinator", "case_certified", action="aterkalla"),
    Target("certificate issued early", "coordinator", "case_delivered", action="utfarda"),
    Target("new evaluator", "coordinator", "evaluator_create"),
    Target("evaluator", "coordinator", "evaluator_edit"),
    Target("dashboard search", "coordinator", "dashboard", method="get", refuses_bad_values=False),
    Target("mini-CEX new", "trainee", "minicex_create"),
    Target("mini-CEX draft", "trainee", "minicex_edit"),
    Target("mini-CEX action plan", "trainee", "minicex_action_plan"),
    Target("mini-CEX cancel", "trainee", "minicex_cancel"),
    Target("mini-CEX assessor (link)", "anon", "minicex_assess_link"),
    Target("mini-CEX my training", "trainee", "minicex_training"),
    Target("mini-CEX list filter", "trainee", "minicex_list", method="get", refuses_bad_values=False),
    Target("mini-CEX progress filter", "trainee", "minicex_progress", method="get", refuses_bad_values=False),
    Target("mini-CEX add doctor", "coordinator", "minicex_add_trainee"),
    Target("mini-CEX doctor's training", "coordinator", "minicex_trainee_training"),
    Target("mini-CEX amend", "coordinator", "minicex_amend"),
    Target("mini-CEX doctors search", "coordinator", "minicex_trainees", method="get", refuses_bad_values=False),
]


# --- the world: one case in each state a form needs ------------------------------------------------------


@dataclass
class World:
    users: dict
    urls: dict
    cases: dict
    clients: dict

    def client(self, identity: str) -> Client:
        if identity not in self.clients:
            client = Client(raise_request_exception=False)
            if identity in self.users:
                client.force_login(self.users[identity])
            self.clients[identity] = client
        return self.clients[identity]


def _minicex_forms(trainee):
    st = FormDefinition.objects.get(key="st-v1")

    def new(**overrides):
        return minicex_services.minicex_create(trainee=trainee, by=trainee, definition=st,
                                               values=trainee_values(**overrides))

    def linked():
        token = f"hostile-{uuid.uuid4().hex}"
        with mock.patch("evaluations.minicex.services.new_token", return_value=token):
            return minicex_services.minicex_send_link(form=new(), by=trainee), token

    draft = new()
    waiting, token = linked()
    assessed, assessed_token = linked()
    assessed = minicex_services.minicex_assessor_save(form=assessed, by=_anonymous(), values=assessment_values(),
                                                      submit=True, via_link=True, token=assessed_token)
    done, done_token = linked()
    done = minicex_services.minicex_assessor_save(form=done, by=_anonymous(), values=assessment_values(),
                                                  submit=True, via_link=True, token=done_token)
    done = minicex_services.minicex_save_action_plan(form=done, by=trainee, values={"action_plan": "Öva."},
                                                     complete=True)
    return draft, waiting, token, assessed, done


def build_world(make_case, make_user, make_evaluator, coordinator, quality) -> World:
    from evaluations.reports import services as report_services
    from portfolio.services import recordings as recording_services
    from portfolio.services import supervisor as supervisor_services
    from scheduling.services import practice_day as scheduling_services

    ev = make_evaluator(max_active_cases=20, full_name="Hilda Härdtestad")
    cases = {
        "registered": make_case(S.REGISTERED, accepted=False),
        "assigned": make_case(S.EVALUATOR_ASSIGNED, evaluator_=ev),
        "accepted": make_case(S.EVALUATOR_ACCEPTED, evaluator_=ev),
        "contact": make_case(S.CONTACT_MADE, evaluator_=ev),
        "proposed": make_case(S.CONTACT_MADE, evaluator_=ev),
        "open": make_case(S.PRACTICE_DAY_AGREED, evaluator_=ev),
        "held": make_case(S.PRACTICE_DAY_HELD, evaluator_=ev),
        "delivered": make_case(S.REPORT_DELIVERED, evaluator_=ev),
        "certified": make_case(S.CERTIFIED, evaluator_=ev),
        "rejected": make_case(S.REGISTERED, accepted=False),
    }
    services.case_reject_registration(case=cases["rejected"], by=coordinator, reason="Testdata: avvisad.")
    _token, flagged = _registrations(cases["open"])
    # One mail the office must look at: failed, with its content, so the dashboard offers to send it again.
    Message.objects.filter(case_id=cases["open"].pk).update(state=Message.State.FAILED, attempts=5,
                                                            last_error="Testdata: mottagaren finns inte")
    today = timezone.localdate()
    proposed = cases["proposed"]
    scheduling_services.practice_day_propose(case=proposed, by=proposed.trainee, days=[today + timedelta(days=45)])
    case = cases["open"]
    trainee = case.trainee
    recording = recording_services.recording_create(
        case=case, by=trainee, recorded_on=today - timedelta(days=3), age_band="65-79", visit_type="return",
        consent_before=True, consent_after=True, journal_note_shared=True, share_safe_reference="SS-1")
    link, supervisor_token = supervisor_services.supervisor_link_request(case=case, by=trainee,
                                                                         email="hedda@example.org")
    report_services.review_take(case=cases["delivered"], by=quality)
    draft, waiting, token, assessed, done = _minicex_forms(trainee)
    bt = make_user(Role.TRAINEE, full_name="Bea Bastjänst")
    TrainingProfile.objects.create(user=bt, programme="bt", curriculum="bt2021", training_start=today - timedelta(200))

    def case_url(name, key, **kw):
        return reverse(name, kwargs={"case_id": cases[key].pk, **kw})

    urls = {
        "register": reverse("evaluations:register"),
        "login": reverse("accounts:login"),
        "password_reset": reverse("accounts:password_reset"),
        "password_reset_confirm": reverse("accounts:password_reset_confirm", kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(trainee.pk)), "token": default_token_generator.make_token(
                trainee)}),
        "report_verify": reverse("reports:verify"),
        "certificate_verify": reverse("certificates:verify"),
        **{f"section_{c}": case_url("portfolio:section", "open", code=c) for c in "ABCDE"},
        **{f"section_{c}_autosave": case_url("portfolio:section_autosave", "open", code=c) for c in "ABCDE"},
        "upload_education_plan": case_url("portfolio:document_upload", "open", kind="education_plan"),
        "upload_photo": case_url("portfolio:document_upload", "open", kind="photo"),
        "recordings": case_url("portfolio:recordings", "open"),
        "recording_edit": case_url("portfolio:recording_edit", "open", recording_id=recording.pk),
        "self_evaluation": case_url("portfolio:self_evaluation", "open", recording_id=recording.pk),
        "supervisor": case_url("portfolio:supervisor", "open"),
        "statement": reverse("portfolio:supervisor_statement", kwargs={"link_id": link.pk}),
        "statement_autosave": reverse("portfolio:supervisor_statement_autosave", kwargs={"link_id": link.pk}),
        "programme": case_url("scheduling:programme", "open"),
        "practice_day_propose": case_url("scheduling:practice_day", "contact"),
        "practice_day_proposed": case_url("scheduling:practice_day", "proposed"),
        "practice_day_open": case_url("scheduling:practice_day", "open"),
        **{f"case_{key}": case_url("evaluations:case_detail", key) for key in cases},
        "assign": case_url("evaluations:assign_evaluator", "registered"),
        "report_write": case_url("reports:write", "held"),
        "report_autosave": case_url("reports:autosave", "held"),
        "report_share": case_url("reports:share", "delivered"),
        "review": case_url("reports:review", "delivered"),
        "survey": case_url("survey:answer", "certified"),
        "evaluator_create": reverse("evaluations:evaluator_create"),
        "evaluator_edit": reverse("evaluations:evaluator_edit", kwargs={"evaluator_id": ev.pk}),
        "dashboard": reverse("evaluations:dashboard"),
        "minicex_create": reverse("minicex:create"),
        "minicex_edit": reverse("minicex:edit", kwargs={"form_id": draft.pk}),
        "minicex_action_plan": reverse("minicex:action_plan", kwargs={"form_id": assessed.pk}),
        "minicex_cancel": reverse("minicex:cancel", kwargs={"form_id": waiting.pk}),
        "minicex_assess_link": reverse("minicex:assess_link", kwargs={"form_id": waiting.pk, "token": token}),
        "minicex_training": reverse("minicex:training"),
        "minicex_list": reverse("minicex:list"),
        "minicex_progress": reverse("minicex:progress"),
        "minicex_add_trainee": reverse("minicex:add_trainee"),
        "minicex_trainee_training": reverse("minicex:trainee_training", kwargs={"user_id": bt.pk}),
        "minicex_amend": reverse("minicex:amend", kwargs={"form_id": done.pk}),
        "minicex_trainees": reverse("minicex:trainees"),
        "flagged_registration": flagged.get_absolute_url(),
        "second_factor_enrol": reverse("accounts:second_factor_enrol"),
    }
    users = {
        "trainee": trainee, "trainee_contact": cases["contact"].trainee, "trainee_accepted": cases["accepted"].trainee,
        "trainee_delivered": cases["delivered"].trainee, "trainee_certified": cases["certified"].trainee,
        "evaluator": ev.user, "coordinator": coordinator, "quality": quality,
        "trainee_rejected": cases["rejected"].trainee,
    }
    world = World(users=users, urls=urls, cases=cases, clients={})
    # The supervisor's browser: opened the link's landing page and pressed the button.
    response = world.client("supervisor_link").post(reverse("portfolio:supervisor_landing",
                                                            kwargs={"token": supervisor_token}))
    assert response.status_code == 302, response.status_code
    return world


# --- attacking a form ---------------------------------------------------------------------------------------

TEXT_KINDS = ("text", "textarea", "email", "search", "tel", "url", "password")
DATE_HINTS = ("date", "_on", "day", "st_start", "st_planned_end", "training_start", "performed")


@dataclass
class Attempt:
    label: str
    data: dict
    files: dict
    must_refuse: bool = False
    echo_checked: str = ""


def classify(form: PageForm) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {k: [] for k in ("text", "date", "pnr", "number", "hidden", "choice", "file")}
    for name in form.field_names(*{f.kind for f in form.fields}):
        kinds = {f.kind for f in form.fields if f.name == name}
        if "personnummer" in name:
            names["pnr"].append(name)
        elif "date" in kinds or (kinds & {"text"} and any(h in name for h in DATE_HINTS)):
            names["date"].append(name)
        elif kinds & set(TEXT_KINDS):
            names["text"].append(name)
        elif "number" in kinds:
            names["number"].append(name)
        elif "hidden" in kinds:
            names["hidden"].append(name)
        elif kinds & {"select", "radio", "checkbox"}:
            names["choice"].append(name)
        elif "file" in kinds:
            names["file"].append(name)
    return names


def attempts_for(form: PageForm, target: Target) -> list[Attempt]:
    base = form.data(target.button)
    names = classify(form)
    out = [Attempt("baseline", dict(base), {})]

    def with_values(fields, value):
        return {**base, **dict.fromkeys(fields, value)}

    if names["text"]:
        for label, value in TEXT.items():
            out.append(Attempt(f"text:{label}", with_values(names["text"], value), {},
                               echo_checked=value if value in ECHO_CHECKED else ""))
        # 100,000 characters: in every text field at once (several MB: refused whole, as too large a request)
        # and in one or two fields alone (each form's own length check); every field shares its form's check.
        out.append(Attempt("text:100k:all", with_values(names["text"], LONG), {}))
        for name in names["text"][:2]:
            out.append(Attempt(f"text:100k:{name}", with_values([name], LONG), {}))
    for name in names["date"]:
        for label, value in DATES.items():
            out.append(Attempt(f"date:{label}:{name}", with_values([name], value), {},
                               must_refuse=label in INVALID_DATES))
    for name in names["pnr"]:
        for label, value in PERSONNUMMER.items():
            out.append(Attempt(f"personnummer:{label}", with_values([name], value), {},
                               must_refuse=True,
                               echo_checked=value if value in ECHO_CHECKED else ""))
    for name in names["number"]:
        for label, value in NUMBERS.items():
            out.append(Attempt(f"number:{label}:{name}", with_values([name], value), {}))
    for name in names["hidden"]:
        for label, value in HIDDEN.items():
            out.append(Attempt(f"hidden:{label}:{name}", with_values([name], value), {}))
    for name in names["choice"]:
        for label, value in CHOICES.items():
            out.append(Attempt(f"choice:{label}:{name}", with_values([name], value), {},
                               echo_checked=value if value in ECHO_CHECKED else ""))
    for name in names["file"]:
        for label, upload in FILES.items():
            out.append(Attempt(f"file:{label}", dict(base), {name: upload}, must_refuse=upload.refused,
                               echo_checked=XSS if XSS in upload.name else ""))
    return out


def looks_refused(response) -> bool:
    """An answer that tells the user what is wrong: a form with errors, a JSON error, a refusal status, or a
    redirect that carries an error message (uploads go back to their field with the reason)."""
    from django.contrib import messages

    if response.status_code in (400, 403, 409, 413, 422, 429):
        return True
    if response.status_code == 302:
        return any(m.level >= messages.ERROR for m in messages.get_messages(response.wsgi_request))
    if response.status_code != 200:
        return False
    body = response.content
    return any(mark in body for mark in (b"field-error", b"errorlist", b'"errors"', b'class="form-errors'))


def find_form(html: str, target: Target, page_url: str) -> PageForm | None:
    def wanted(action: str) -> bool:
        if target.action == "self":  # the page's own form, posting back to it
            return action in ("", page_url)
        if target.action:
            return target.action in action
        return "/sprak/" not in action and "logga-ut" not in action

    candidates = [f for f in forms_on(html) if f.method == target.method and wanted(f.action)
                  and f.field_names(*{x.kind for x in f.fields})
                  and (not target.field or target.field in f.field_names(*{x.kind for x in f.fields}))]
    return candidates[0] if candidates else None


def post(client, method: str, url: str, attempt: Attempt):
    if method == "get":
        return client.get(url, attempt.data)
    data = dict(attempt.data)
    for name, upload in attempt.files.items():
        data[name] = upload.file()
    return client.post(url, data)


def stored_upload_problems(world: World, label: str) -> list[str]:
    """A document that was kept: a storage name the server made, and served only as a download."""
    from portfolio.models import Document

    problems = []
    for document in Document.objects.filter(case=world.cases["open"]):
        name = document.file.name
        if ".." in name or "<" in name or "\\" in name or "\u202e" in name:
            problems.append(f"{label}: storage name {name!r}")
        if any(ord(ch) < 32 or ch in "/\\\u202e" for ch in document.original_name):
            problems.append(f"{label}: display name {document.original_name!r}")
        response = world.client("trainee").get(reverse("portfolio:document_download", args=[document.pk]))
        disposition = response.get("Content-Disposition", "")
        if response.status_code != 200 or not disposition.startswith("attachment") or response.get(
                "X-Content-Type-Options") != "nosniff" or "html" in response.get("Content-Type", ""):
            problems.append(f"{label}: served as {response.status_code} {response.get('Content-Type')} "
                            f"{disposition!r}")
    return problems


@pytest.mark.django_db
def test_hostile_inputs(make_case, make_user, make_evaluator, coordinator, quality, settings):
    settings.PORTFOLIO_MAX_UPLOAD_MB = UPLOAD_LIMIT_MB
    settings.MITTIST_REPORT_CHECK_MAX_MB = UPLOAD_LIMIT_MB
    world = build_world(make_case, make_user, make_evaluator, coordinator, quality)
    tried, problems = 0, []
    with quiet_request_log():
        for target in TARGETS:
            client = world.client(target.identity)
            page_url = world.urls[target.page]
            page = client.get(page_url, follow=True)
            page_url = page.request["PATH_INFO"]  # the password link moves its token into the session first
            form = find_form(page.content.decode(), target, page_url) if page.status_code == 200 else None
            if form is None:
                problems.append(f"{target.label}: {page_url} answered {page.status_code} without the form")
                continue
            url = world.urls[target.post_to] if target.post_to else (form.action or page_url)
            for attempt in attempts_for(form, target):
                tried += 1
                cookies = {k: v.value for k, v in client.cookies.items()}
                with transaction.atomic():
                    response = post(client, target.method, url, attempt)
                    where = f"{target.label} {attempt.label}"
                    if response.status_code >= 500:
                        problems.append(f"{where}: {response.status_code}")
                    elif (attempt.must_refuse and target.refuses_bad_values and not attempt.label.startswith(
                            target.accepts or ("\0",)) and not looks_refused(response)):
                        problems.append(f"{where}: taken without an error ({response.status_code})")
                    if attempt.echo_checked:
                        again = client.get(page_url)
                        for seen, body in (("answer", response.content), ("page after", again.content)):
                            if attempt.echo_checked.encode() in body:
                                problems.append(f"{where}: unescaped in the {seen}")
                    if attempt.files and response.status_code < 500:
                        problems.extend(stored_upload_problems(world, where))
                    transaction.set_rollback(True)
                for key, value in cookies.items():
                    client.cookies[key] = value
    print(f"\nhostile inputs: {tried} attempts over {len(TARGETS)} forms")
    assert not problems, "\n".join(problems)
