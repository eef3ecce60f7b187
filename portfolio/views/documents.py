"""Uploading, removing and downloading portfolio documents (education plan in C, photo in A).

Upload: the size is refused on Content-Length before the body is parsed, and a size-limiting upload
handler stops reading a body that grows past the limit. Upload handlers can only be changed before
request.POST/FILES is read, and CSRF checking reads it: so the view is csrf_exempt and checks CSRF
itself after inserting the handler (Django docs, "Modifying upload handlers on the fly").

Download: permission first, then a short-lived presigned URL (S3) or the file streamed (local folder).
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.readlog import record_view
from evaluations.views import visible_case

from .. import reads
from ..models import Document
from ..services.common import PortfolioError
from ..services.documents import DocumentStorageError, document_remove, document_storage, document_upload
from ..templatetags.portfolio_documents import error_tag
from ..uploads import (
    MULTIPART_OVERHEAD,
    SizeLimitUploadHandler,
    UploadRejected,
    check_upload,
    max_upload_bytes,
    too_large_message,
)

SECTION_OF_KIND = {Document.Kind.EDUCATION_PLAN: "C", Document.Kind.PHOTO: "A"}


def _kind(kind: str) -> str:
    if kind not in Document.Kind.values:
        raise Http404
    return kind


def _editable_case(request, case_id):
    case = visible_case(request, case_id)
    if not request.user.has_perm("portfolio.edit", case):
        raise PermissionDenied
    return case


def _section_url(case, kind: str) -> str:
    try:
        return reverse("portfolio:section", args=[case.pk, SECTION_OF_KIND[kind]])
    except NoReverseMatch:
        return reverse("evaluations:case_detail", args=[case.pk])


def _back(request, case, kind: str) -> str:
    """The page the form was on (`?next=`, same site only), else the section, at the document's field."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = _section_url(case, kind)
    return f"{target.split('#', 1)[0]}#document-{kind}"


def _refuse(request, back: str, kind: str, message: str):
    messages.error(request, message, extra_tags=error_tag(kind))
    return redirect(back)


def _done(request, back: str, kind: str, said: dict):
    """Back to the page the form was on, with the document kind's own success message."""
    messages.success(request, said[kind])
    return redirect(back)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # checked in _receive_upload, after the upload handler is in place
@require_http_methods(["GET", "POST"])
@login_required
def upload(request, case_id, kind):
    kind = _kind(kind)
    case = _editable_case(request, case_id)
    if request.method == "GET":
        # A page of its own for the one document: where the upload lands without a section page.
        document = Document.objects.filter(case=case, kind=kind).first()
        return render(request, "portfolio/documents/upload_page.html", {
            "case": case, "kind": kind, "document": document, "section_url": _section_url(case, kind),
        })
    back = _back(request, case, kind)
    limit = max_upload_bytes()
    if _content_length(request) > limit + MULTIPART_OVERHEAD:
        # Refused before a byte of the body is read. Nothing changes, so no CSRF check is needed here.
        return _refuse(request, back, kind, too_large_message())
    handler = SizeLimitUploadHandler(request, max_bytes=limit)
    request.upload_handlers.insert(0, handler)
    return _receive_upload(request, case=case, kind=kind, handler=handler, back=back)


@csrf_protect
def _receive_upload(request, *, case, kind, handler, back):
    sent = request.FILES.get("file")  # parses the body (if the CSRF check has not already), through `handler`
    if handler.exceeded:
        return _refuse(request, back, kind, too_large_message())
    try:
        checked = check_upload(sent, kind)
        document_upload(case=case, kind=kind, by=request.user, upload=checked)
    except UploadRejected as rejected:
        return _refuse(request, back, kind, rejected.message)
    except (DocumentStorageError, PortfolioError) as error:
        return _refuse(request, back, kind, str(error))
    return _done(request, back, kind, {
        Document.Kind.EDUCATION_PLAN: _("Utbildningsplanen är uppladdad."),
        Document.Kind.PHOTO: _("Fotot är uppladdat."),
    })


@require_POST
@login_required
def remove(request, case_id, kind):
    kind = _kind(kind)
    case = _editable_case(request, case_id)
    back = _back(request, case, kind)
    try:
        document_remove(case=case, kind=kind, by=request.user)
    except PortfolioError as error:
        return _refuse(request, back, kind, str(error))
    return _done(request, back, kind, {
        Document.Kind.EDUCATION_PLAN: _("Utbildningsplanen är borttagen."),
        Document.Kind.PHOTO: _("Fotot är borttaget."),
    })


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real one in RFC 5987 form."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _is_s3(storage) -> bool:
    return hasattr(storage, "bucket")


@never_cache
@require_http_methods(["GET", "HEAD"])
@login_required
def download(request, document_id):
    document = get_object_or_404(Document, pk=document_id)
    case = visible_case(request, document.case_id)  # someone else's case: 404
    if not request.user.has_perm("portfolio.read_content", case):  # e.g. the coordinator: 403
        raise PermissionDenied
    record_view(request, case, reads.DOCUMENT, document.get_kind_display())
    storage = document_storage()
    if _is_s3(storage):
        # Private object: a presigned GET that expires after the storage's querystring_expire (120 s).
        url = storage.url(document.file.name, parameters={
            "ResponseContentDisposition": content_disposition(document.original_name),
            "ResponseContentType": document.content_type,
        })
        return HttpResponseRedirect(url)
    try:
        handle = storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=document.original_name,
                        content_type=document.content_type)
