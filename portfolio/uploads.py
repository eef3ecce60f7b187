"""Checking an uploaded portfolio document before it is stored.

A file is accepted only when its content (magic bytes, or the inside of the zip for DOCX/ODT) and its
extension name the same format, and that format is one the document kind takes. The name the user
gave is kept for display only, cleaned; the storage name is made by the server.

`SizeLimitUploadHandler` stops reading the request body once the file grows past the limit, so an
oversized upload is refused without storing it whole (the view also refuses on Content-Length before
parsing at all).
"""

import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MB = 1024 * 1024
# Room for the multipart boundaries, part headers and the CSRF token around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
MAX_DISPLAY_NAME = 200
HEAD_BYTES = 16
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def max_upload_bytes() -> int:
    return settings.PORTFOLIO_MAX_UPLOAD_MB * MB


@dataclass(frozen=True)
class FileFormat:
    key: str
    name: object  # lazy text: "en PDF-fil"
    extensions: tuple[str, ...]
    content_type: str

    @property
    def extension(self) -> str:
        """The extension the stored object gets."""
        return self.extensions[0]


PDF = FileFormat("pdf", gettext_lazy("en PDF-fil"), ("pdf",), "application/pdf")
DOCX = FileFormat(
    "docx",
    gettext_lazy("ett Word-dokument (DOCX)"),
    ("docx",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
ODT = FileFormat("odt", gettext_lazy("ett OpenDocument-dokument (ODT)"), ("odt",), ODT_MIMETYPE.decode())
JPEG = FileFormat("jpeg", gettext_lazy("en JPEG-bild"), ("jpg", "jpeg"), "image/jpeg")
PNG = FileFormat("png", gettext_lazy("en PNG-bild"), ("png",), "image/png")

ACCEPTED = {
    "education_plan": (PDF, DOCX, ODT),
    "photo": (JPEG, PNG),
}
# What each kind takes, as the user reads it (help text and errors).
ACCEPTED_TEXT = {
    "education_plan": gettext_lazy("PDF, Word (DOCX) eller OpenDocument (ODT)"),
    "photo": gettext_lazy("JPEG eller PNG"),
}


def accept_attribute(kind: str) -> str:
    """The file input's accept="" for a kind: extensions and content types."""
    formats = ACCEPTED[kind]
    parts = [f".{ext}" for f in formats for ext in f.extensions] + [f.content_type for f in formats]
    return ",".join(parts)


class UploadRejected(Exception):
    """The file is not taken; the message says why, in words the user can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CheckedUpload:
    file: UploadedFile
    original_name: str
    format: FileFormat
    size: int


def _zip_format(file) -> FileFormat | None:
    """DOCX or ODT by what the zip holds; anything unreadable is neither."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if not entries:
                return None
            first = entries[0]
            # ODF: the first entry is an uncompressed "mimetype" holding the media type, nothing else.
            if first.filename == "mimetype" and first.file_size <= 100:
                with archive.open(first) as handle:
                    if handle.read(101).strip() == ODT_MIMETYPE:
                        return ODT
                return None
            if any(info.filename == "word/document.xml" for info in entries):
                return DOCX
    except Exception:  # BadZipFile, encrypted or unsupported entries, truncated data: not a document
        return None
    finally:
        file.seek(0)
    return None


def sniff(file) -> FileFormat | None:
    """The format the content shows, whatever the file is called."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(file)
    return None


def clean_display_name(raw: str, fallback: str) -> str:
    """The user's file name, safe to show: no folders, no control or direction characters, bounded."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Cc/Cf/Cs/Co/Cn: control characters, bidi overrides (U+202E), surrogates, unassigned.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split())
    stripped = name.lstrip(".").strip()
    if stripped != name and stripped and "." not in stripped:
        stripped = f"{fallback}.{stripped}"  # ".pdf" was all extension: keep it, with a name in front
    name = stripped
    if len(name) > MAX_DISPLAY_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = f"{stem[: MAX_DISPLAY_NAME - len(ext) - 1].rstrip()}.{ext}"
        else:
            name = name[:MAX_DISPLAY_NAME].rstrip()
    return name or fallback


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def check_upload(upload: UploadedFile | None, kind: str) -> CheckedUpload:
    """Accept the file for `kind` or raise UploadRejected with the reason in Swedish."""
    if upload is None:
        raise UploadRejected(_("Välj en fil att ladda upp."))
    accepted = ACCEPTED[kind]
    wanted = ACCEPTED_TEXT[kind]
    if upload.size == 0:
        raise UploadRejected(_("Filen är tom. Välj en fil med innehåll."))
    if upload.size > max_upload_bytes():
        raise UploadRejected(too_large_message())
    fallback = {"education_plan": _("utbildningsplan"), "photo": _("foto")}[kind]
    name = clean_display_name(upload.name, fallback)
    extension = _extension(name)
    by_extension = next((f for f in accepted if extension in f.extensions), None)
    if by_extension is None:
        if extension:
            message = _("Filtypen .%(ext)s tas inte emot här. Välj en fil i formatet %(wanted)s.")
        else:
            message = _("Filen saknar filändelse. Välj en fil i formatet %(wanted)s.")
        raise UploadRejected(message % {"ext": extension, "wanted": wanted})
    by_content = sniff(upload)
    if by_content != by_extension:
        if by_content is not None:
            message = _("Filen heter .%(ext)s men innehållet är %(actual)s. Spara den som %(wanted)s "
                        "och försök igen.")
        else:
            message = _("Filen heter .%(ext)s men innehållet är inte %(expected)s. Den kan vara skadad "
                        "eller ha bytt namn. Välj en fil i formatet %(wanted)s.")
        raise UploadRejected(message % {
            "ext": extension, "actual": by_content.name if by_content else "", "expected": by_extension.name,
            "wanted": wanted,
        })
    if not name.lower().endswith(f".{extension}"):  # cleaning cannot drop it, but the name must keep it
        name = f"{name}.{extension}"
    return CheckedUpload(file=upload, original_name=name, format=by_content, size=upload.size)


def too_large_message() -> str:
    return _("Filen är för stor. Den får vara högst %(max)s MB.") % {"max": settings.PORTFOLIO_MAX_UPLOAD_MB}


class SizeLimitUploadHandler(FileUploadHandler):
    """Passes file data on to Django's own handlers until it exceeds `max_bytes`, then stops the upload.

    Stopping with `connection_reset=True` tells the parser not to read the rest of the body; what the
    server does with the unread bytes is its own business (gunicorn closes the connection, the
    development server drains it). The view reads `exceeded` to tell the user.
    """

    def __init__(self, request=None, max_bytes: int | None = None):
        super().__init__(request)
        self.max_bytes = max_bytes if max_bytes is not None else max_upload_bytes()
        self.received = 0
        self.exceeded = False

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        if content_length is not None and content_length > self.max_bytes:
            self._stop()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self._stop()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file

    def _stop(self):
        self.exceeded = True
        raise StopUpload(connection_reset=True)
