import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import Evaluation

from .sections import SECTION_BY_CODE


class Section(models.Model):
    """One portfolio section (A–F) of one case: the answers, keyed by prompt, and a version for conflicts."""

    class Code(models.TextChoices):
        A = "A", _("A Personuppgifter")
        B = "B", _("B Bakgrund")
        C = "C", _("C Utbildningsplanering")
        D = "D", _("D Självvärdering")
        E = "E", _("E Beskrivning av handledningen")
        F = "F", _("F Handledares utlåtande")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="portfolio_sections", verbose_name=_("ärende")
    )
    code = models.CharField(_("avsnitt"), max_length=1, choices=Code.choices)
    data = models.JSONField(_("svar"), default=dict, blank=True)
    # Every save raises it; a save based on an older version is a conflict, never an overwrite.
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("senast sparat"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("sparat av"))
    locked_at = models.DateTimeField(_("låst"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="one_section_per_code")]
        ordering = ["code"]
        verbose_name = _("portföljavsnitt")
        verbose_name_plural = _("portföljavsnitt")

    def __str__(self):
        return f"{self.code} · {self.case_id}"

    @property
    def definition(self):
        return SECTION_BY_CODE[self.code]

    def answer(self, key: str) -> str:
        return str(self.data.get(key, "") or "")

    @property
    def keys(self) -> list[str]:
        return self.definition.keys

    def missing_prompts(self) -> list:
        return [p for p in self.definition.prompts if p.required and not self.answer(p.key).strip()]

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


def _new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SupervisorLink(models.Model):
    """A capability link for the supervisor's statement (section F): only its hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="supervisor_links", verbose_name=_("ärende")
    )
    email = models.EmailField(_("handledarens e-post"))
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("skickad"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("skickad av")
    )
    expires_at = models.DateTimeField(_("gäller till"))
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("senast använd"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("länk till handledaren")
        verbose_name_plural = _("länkar till handledaren")

    def __str__(self):
        return f"{self.email} ({self.case_id})"

    @classmethod
    def issue(cls, *, case, email, by) -> tuple["SupervisorLink", str]:
        token = _new_token()
        days = settings.SUPERVISOR_LINK_DAYS
        link = cls.objects.create(
            case=case, email=email, token_hash=hash_token(token), created_by=by,
            expires_at=timezone.now() + timedelta(days=days),
        )
        return link, token

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Document(models.Model):
    class Kind(models.TextChoices):
        EDUCATION_PLAN = "education_plan", _("Utbildningsplan")
        PHOTO = "photo", _("Foto")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="documents", verbose_name=_("ärende"))
    kind = models.CharField(_("slag"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("fil"), max_length=300)
    original_name = models.CharField(_("filnamn"), max_length=255)
    content_type = models.CharField(_("filtyp"), max_length=100)
    size = models.PositiveBigIntegerField(_("storlek (byte)"))
    uploaded_at = models.DateTimeField(_("uppladdad"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uppladdad av")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_document_per_kind")]
        verbose_name = _("dokument")
        verbose_name_plural = _("dokument")

    def __str__(self):
        return self.original_name


class Recording(models.Model):
    """A recorded consultation. The video stays in Share Safe; nothing here identifies the patient."""

    class AgeBand(models.TextChoices):
        CHILD = "0-17", _("Barn (0–17 år)")
        ADULT = "18-44", _("18–44 år")
        MIDDLE = "45-64", _("45–64 år")
        OLDER = "65-79", _("65–79 år")
        OLDEST = "80+", _("80 år eller äldre")

    class VisitType(models.TextChoices):
        ACUTE = "acute", _("Akut besök")
        PLANNED = "planned", _("Planerat besök")
        RETURN = "return", _("Återbesök")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="recordings", verbose_name=_("ärende"))
    recorded_on = models.DateField(_("inspelningsdatum"))
    age_band = models.CharField(_("patientens ålder"), max_length=10, choices=AgeBand.choices)
    visit_type = models.CharField(_("typ av besök"), max_length=10, choices=VisitType.choices)
    consent_before = models.BooleanField(_("patienten tillfrågades om inspelningen före besöket"), default=False)
    consent_after = models.BooleanField(
        _("patienten godkände efter besöket inspelningen och att den delas med värderaren"), default=False
    )
    journal_note_shared = models.BooleanField(_("journalanteckningen är filmad och delad via Share Safe"), default=False)
    share_safe_reference = models.CharField(_("referens i Share Safe"), max_length=100)
    created_at = models.DateTimeField(_("registrerad"), default=timezone.now)
    updated_at = models.DateTimeField(_("senast ändrad"), auto_now=True)

    class Meta:
        ordering = ["recorded_on", "created_at"]
        verbose_name = _("inspelning")
        verbose_name_plural = _("inspelningar")

    def __str__(self):
        return f"{self.recorded_on} {self.get_visit_type_display()}"


class SelfEvaluationTemplate(models.Model):
    """The video self-evaluation's questions as data: the office edits them in the admin, by version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("rubrik"), max_length=200)
    questions = models.JSONField(
        help_text=_('Lista av frågor: {"key": "...", "label": "...", "kind": "text" | "rating", "help": "..."}')
    )
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("formulär för video-egenvärdering")
        verbose_name_plural = _("formulär för video-egenvärdering")

    def __str__(self):
        return f"{self.title} v{self.version}"

    @classmethod
    def current(cls):
        return cls.objects.filter(active=True).order_by("-version").first()


class SelfEvaluation(models.Model):
    recording = models.OneToOneField(
        Recording, on_delete=models.CASCADE, related_name="self_evaluation", verbose_name=_("inspelning")
    )
    template = models.ForeignKey(SelfEvaluationTemplate, on_delete=models.PROTECT, verbose_name=_("formulär"))
    answers = models.JSONField(_("svar"), default=dict)
    version = models.PositiveIntegerField(_("version"), default=0)
    completed_at = models.DateTimeField(_("klar"), null=True, blank=True)
    updated_at = models.DateTimeField(_("senast sparad"), auto_now=True)

    class Meta:
        verbose_name = _("video-egenvärdering")
        verbose_name_plural = _("video-egenvärderingar")

    def __str__(self):
        return f"{self.template} · {self.recording}"

    def missing(self) -> list[dict]:
        return [q for q in self.template.questions if q.get("required", True) and not str(self.answers.get(q["key"], "")).strip()]


class MaterialPdf(models.Model):
    """The material rendered to one PDF, kept for one version of its content (portfolio/material_pdf.py).

    `fingerprint` is the SHA-256 of the HTML the PDF is rendered from: the content, the reader's language
    and the printing day. Any change before submission (or after a reopening) gives another fingerprint,
    so a download never serves an older version. Rendered in the worker; the purge deletes the rows and
    their files with the rest of the material.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("förbereds")
        READY = "ready", _("klar")
        FAILED = "failed", _("misslyckades")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="material_pdfs", verbose_name=_("ärende")
    )
    fingerprint = models.CharField(_("innehållets kontrollsumma"), max_length=64)
    language = models.CharField(_("språk"), max_length=10)
    printed_on = models.DateField(_("utskriftsdag"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("fil"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("beställd"), default=timezone.now)
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "fingerprint"], name="one_material_pdf_per_version")]
        verbose_name = _("materialets PDF")
        verbose_name_plural = _("materialets PDF:er")

    def __str__(self):
        return f"{self.case_id} {self.fingerprint[:12]} {self.status}"
