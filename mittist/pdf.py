"""PDFs with WeasyPrint: self-contained pages, rendered without fetching anything from outside."""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify


def _url_fetcher():
    from weasyprint.urls import URLFetcher

    # data: only. No file://, no http(s)://: the page needs nothing from outside itself.
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def render_pdf(template: str, context: dict) -> bytes:
    return render_html_pdf(render_to_string(template, context))


def render_html_pdf(html: str) -> bytes:
    """A page already rendered to HTML (see render_pdf), as a PDF."""
    import weasyprint  # heavy; loaded when a PDF is asked for

    return weasyprint.HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=_url_fetcher()).write_pdf()


def pdf_filename(prefix: str, full_name: str, fallback: str) -> str:
    """<prefix>-<surname>.pdf, in ASCII so that every mail program and browser keeps it."""
    parts = full_name.split()
    surname = slugify(parts[-1]) if parts else ""
    return f"{prefix}-{surname or fallback}.pdf"


def pdf_response(pdf: bytes, filename: str, *, cache_control: str = "no-store") -> HttpResponse:
    """A PDF as a download: never cached, saved under `filename`."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = cache_control
    return response
