"""Kontrollera en rapport: a public page (no login) that tells whether a PDF is a genuine Mitt-i-ST report.

Whoever holds a report (a manager the trainee forwarded it to, say) uploads the PDF or pastes its SHA-256.
A match on a delivered report's checksum, also long after the report itself was purged (the checksum is
part of the tombstone), shows that it is genuine, the day it was sent and the practice day: nothing else,
no names. The upload is hashed as it streams in and never stored anywhere, not even in a temporary file.

Misses are rate limited like the certificate's verification (mittist/ratelimit.py, only failures count),
the upload is size limited before and while it is read, and the page is neither cached nor indexed.
"""

import hashlib
import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from mittist.ratelimit import Limiter, client_key

from .forms import CheckForm
from .models import Report

MB = 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the CSRF token around the file


def max_bytes() -> int:
    return settings.MITTIST_REPORT_CHECK_MAX_MB * MB


def limiter() -> Limiter:
    return Limiter("report_check", limit=settings.MITTIST_VERIFY_ATTEMPTS_PER_HOUR, window=3600)


class HashedUpload(UploadedFile):
    """What is left of an uploaded file here: its checksum, size and first bytes. The content is gone."""

    def __init__(self, *, name, content_type, size, sha256, head):
        super().__init__(file=io.BytesIO(), name=name, content_type=content_type, size=size)
        self.sha256 = sha256
        self.head = head


class HashingUploadHandler(FileUploadHandler):
    """Hashes each chunk as it arrives and passes nothing on, so no handler ever stores the file.
    Stops reading once the file grows past `limit` (`exceeded` tells the view)."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = limit if limit is not None else max_bytes()
        self.exceeded = False

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = b""
        if content_length is not None and content_length > self.limit:
            self._stop()

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.limit:
            self._stop()
        if len(self.head) < 8:
            self.head += raw_data[: 8 - len(self.head)]
        self.digest.update(raw_data)
        return None  # nothing for the next handler: the bytes are not kept

    def file_complete(self, file_size):
        return HashedUpload(name=self.file_name, content_type=self.content_type, size=self.size,
                            sha256=self.digest.hexdigest(), head=self.head)

    def _stop(self):
        self.exceeded = True
        raise StopUpload(connection_reset=True)


def genuine_report(checksum: str) -> Report | None:
    """The delivered report with this checksum, purged or not."""
    return (
        Report.objects.select_related("case")
        .filter(pdf_sha256=checksum, delivered_at__isnull=False)
        .exclude(pdf_sha256="")
        .first()
    )


def _page(request, context: dict, status: int = 200):
    response = render(request, "reports/verify.html", {"max_mb": settings.MITTIST_REPORT_CHECK_MAX_MB, **context},
                      status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _blocked(request):
    return _page(request, {"form": CheckForm(), "blocked": True}, status=429)


def _too_large(request):
    form = CheckForm({}, too_large=True)
    form.is_valid()
    return _page(request, {"form": form}, status=413)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # checked in _check, once the hashing handler is in place (the check reads the body)
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    if request.method != "POST":
        return _page(request, {"form": CheckForm()})
    if limiter().blocked(client_key(request)):
        return _blocked(request)
    if _content_length(request) > max_bytes() + MULTIPART_OVERHEAD:
        # Refused before a byte of the body is read; nothing changes, so no CSRF check is needed for it.
        return _too_large(request)
    handler = HashingUploadHandler(request)
    request.upload_handlers = [handler]
    return _check(request, handler)


@csrf_protect
def _check(request, handler):
    form = CheckForm(request.POST, request.FILES)
    if handler.exceeded:
        return _too_large(request)
    if not form.is_valid():
        return _page(request, {"form": form}, status=400)
    checksum = form.cleaned_data["checksum"]
    report = genuine_report(checksum)
    if report is None:
        limiter().hit(client_key(request))
        return _page(request, {"form": CheckForm(), "checked": checksum, "genuine": False})
    case = report.case
    return _page(request, {
        "form": CheckForm(),
        "checked": checksum,
        "genuine": True,
        "delivered_at": report.delivered_at,
        "practice_day": case.practice_day_held_on or case.practice_day,
    })
