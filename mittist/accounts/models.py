import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin

from mittist.search import Fold


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Koordinator")
    TRAINEE = "trainee", _("ST-läkare")
    EVALUATOR = "evaluator", _("Värderare")
    QUALITY = "quality", _("Kvalitetsgrupp")
    SUPERVISOR = "supervisor", _("Handledare")
    ADMIN = "admin", _("Administratör")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("E-post krävs")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # E-mail is case-insensitive for people typing it into the login form.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("e-post"), unique=True)
    full_name = models.CharField(_("namn"), max_length=150)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    role = models.CharField(_("roll"), max_length=20, choices=Role.choices, default=Role.TRAINEE)
    language = models.CharField(
        _("språk"), max_length=5, choices=[("sv", "Svenska"), ("en", "English")], default="sv"
    )
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(_("personal (admin)"), default=False)
    date_joined = models.DateTimeField(_("skapad"), default=timezone.now)
    # The name and e-mail as searches compare them (mittist.search): kept by the database itself on every
    # write, and indexed for `contains` on PostgreSQL (evaluations' migration 0010_b13search_search_index).
    full_name_folded = models.GeneratedField(expression=Fold("full_name"), output_field=models.TextField(),
                                             db_persist=True)
    email_folded = models.GeneratedField(expression=Fold("email"), output_field=models.TextField(), db_persist=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
        ordering = ["full_name"]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_trainee(self) -> bool:
        return self.role == Role.TRAINEE

    @property
    def is_evaluator(self) -> bool:
        return self.role == Role.EVALUATOR

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_quality_reviewer(self) -> bool:
        return self.role == Role.QUALITY


class AccountEvent(models.Model):
    """The audit trail of an account: who created or changed it, its second factor, lock-outs and who lifted them."""

    class Action(models.TextChoices):
        MFA_ENROLLED = "mfa_enrolled", _("Tvåstegsverifiering aktiverad")
        MFA_DISABLED = "mfa_disabled", _("Tvåstegsverifiering avstängd")
        MFA_RESET = "mfa_reset", _("Tvåstegsverifiering återställd av administratör")
        RECOVERY_CODES_CREATED = "recovery_codes_created", _("Nya reservkoder skapade")
        RECOVERY_CODE_USED = "recovery_code_used", _("Inloggning med reservkod")
        UNLOCKED = "unlocked", _("Inloggningsspärr hävd")
        UNLOCKED_BY_RESET = "unlocked_by_reset", _("Inloggningsspärr hävd genom nytt lösenord")
        CREATED = "created", _("Konto skapat")
        CHANGED = "changed", _("Kontouppgifter ändrade")
        LANGUAGE_CHANGED = "language_changed", _("Språk ändrat")

    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="account_events",
        verbose_name=_("konto"),
    )
    # The address the event was about, also when no account has it (a lock-out of a guessed address).
    username = models.CharField(_("e-post"), max_length=254)
    at = models.DateTimeField(_("tid"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("utförd av")
    )
    action = models.CharField(_("händelse"), max_length=40, choices=Action.choices)
    note = models.TextField(_("anteckning"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("kontohändelse")
        verbose_name_plural = _("kontohändelser")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    @classmethod
    def record(cls, user, by, action: str, *, username: str = "", note: str = "") -> "AccountEvent":
        return cls.objects.create(
            user=user, username=username or (user.email if user else ""),
            actor=by if by is not None and by.is_authenticated else None, action=action, note=note,
        )


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """One-time recovery codes for when the authenticator app is lost; only their keyed hashes are stored."""

    class Meta(Device.Meta):
        verbose_name = _("reservkoder")
        verbose_name_plural = _("reservkoder")

    def get_throttle_factor(self):
        return 1

    def remaining(self) -> int:
        return self.codes.filter(used_at=None).count()

    def verify_token(self, token):
        allowed, _detail = self.verify_is_allowed()
        if not allowed:
            return False
        used = self.codes.filter(code_hash=recovery_code_hash(token), used_at=None).update(used_at=timezone.now())
        if used:
            self.throttle_reset(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


def normalise_recovery_code(token) -> str:
    return "".join(ch for ch in str(token).lower() if ch.isalnum())


def recovery_code_hash(token) -> str:
    from mittist.crypto import lookup_hash

    return lookup_hash("recovery-code:" + normalise_recovery_code(token))


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reservkod")
        verbose_name_plural = _("reservkoder")

    def __str__(self):
        return f"{self.device_id}: {'använd' if self.used_at else 'oanvänd'}"
