"""What `portfolio/documents/_upload.html` needs that its context does not carry: settings and errors."""

from django import template
from django.conf import settings

from ..models import Document
from ..uploads import ACCEPTED_TEXT, accept_attribute

register = template.Library()


def error_tag(kind: str) -> str:
    """The `extra_tags` of a message that belongs at this document's field."""
    return f"document-{kind}"


@register.simple_tag(takes_context=True)
def document_upload_info(context, kind):
    kind = str(kind)
    tag = error_tag(kind)
    errors = [m for m in context.get("messages", ()) if m.extra_tags == tag]
    return {
        "label": Document.Kind(kind).label,
        "accept": accept_attribute(kind),
        "formats": ACCEPTED_TEXT[kind],
        "max_mb": settings.PORTFOLIO_MAX_UPLOAD_MB,
        "errors": errors,
    }
