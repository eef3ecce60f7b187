"""The report's sections and the quality checklist are data, versioned here like the other forms.

Reports, shares and reviews are shown without their text (the admin is not a way round the rule that
only the case's people read a report) and never changed here."""

from django.contrib import admin

from mittist.admin import ReadOnlyAdmin
from mittist.definitions import VersionedDefinitionAdmin

from .models import QualityChecklist, QualityReview, Report, ReportShare, ReportTemplate


@admin.register(ReportTemplate)
class ReportTemplateAdmin(VersionedDefinitionAdmin):
    pass


@admin.register(QualityChecklist)
class QualityChecklistAdmin(VersionedDefinitionAdmin):
    pass


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["case", "template", "delivered_at", "delivered_late", "purged_at"]
    list_filter = ["delivered_late"]
    fields = ["case", "template", "version", "delivered_at", "delivered_by_name", "delivered_late", "pdf_sha256",
              "purge_notice_sent_at", "purged_at"]


@admin.register(ReportShare)
class ReportShareAdmin(ReadOnlyAdmin):
    list_display = ["report", "kind", "created_at", "expires_at", "revoked_at", "view_count"]
    fields = ["report", "kind", "created_at", "expires_at", "revoked_at", "view_count", "last_viewed_at"]


@admin.register(QualityReview)
class QualityReviewAdmin(ReadOnlyAdmin):
    list_display = ["report", "reviewer_name", "taken_at", "completed_at"]
    fields = ["report", "checklist", "reviewer_name", "taken_at", "completed_at"]
