from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from mittist.admin import ReadOnlyAdmin
from mittist.forms import SafeTextMixin

from . import services
from .models import AccountEvent, User


class AccountEventInline(admin.TabularInline):
    model = AccountEvent
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "note"]
    readonly_fields = fields
    verbose_name_plural = _("Kontohändelser (tvåstegsverifiering, spärrar)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "actor"]
    list_filter = ["action"]
    search_fields = ["username"]
    readonly_fields = ["user", "username", "at", "actor", "action", "note"]


class SafeUserChangeForm(SafeTextMixin, UserChangeForm):
    pass


class SafeUserCreationForm(SafeTextMixin, UserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = SafeUserChangeForm
    add_form = SafeUserCreationForm
    ordering = ["full_name"]
    list_display = ["email", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "phone", "role", "language"]}),
        (_("Behörighet"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Datum"), {"fields": ["last_login", "date_joined"]}),
    ]
    inlines = [AccountEventInline]
    actions = ["reset_second_factor"]

    @admin.action(description=_("Återställ tvåstegsverifiering (personen aktiverar den igen vid nästa inloggning)"),
                  permissions=["reset_second_factor"])
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            services.mfa_reset(user=user, by=request.user, reason=_("Återställd i administrationen"))
        self.message_user(request, _("Tvåstegsverifieringen är återställd för %(n)s konton.") % {"n": queryset.count()})

    def has_reset_second_factor_permission(self, request):
        return request.user.has_perm("accounts.reset_second_factor")

    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "role", "password1", "password2"]}),
    ]


# The authenticator keys are secrets, and removing one is a reset that must be audited: only through the
# action on the user above, never by editing the device rows.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
