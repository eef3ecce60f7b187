"""Fixtures for the portfolio tests.

- the Playwright fixtures come from tests/browser/fixtures.py, loaded once for all folders by tests/conftest.py;
- every test gets a fresh local media folder (the default storage points at tmp_path), so no test writes
  to var/media;
- `s3`: the default storage is django-storages' S3Storage talking over HTTP to a real S3-protocol server,
  moto in server mode on 127.0.0.1, with a fresh bucket per test. `s3.server.stop()` / `.start()` take the
  server away mid-test and bring it back on the same port (its data survives: moto keeps it in-process).
  moto does not check signatures or expiry of presigned URLs: what is tested against it is the protocol,
  the object keys and the URL's shape, not AWS's enforcement of the signature.
"""

import uuid
from dataclasses import dataclass

import pytest
from django.core.files.storage import default_storage, storages
from django.utils.functional import empty

# The browser fixtures, for tests/portfolio/test_*_browser.py (they live beside the lifecycle test).

REGION = "eu-north-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"


def reset_storages() -> None:
    """Django caches the default storage; after changing STORAGES it must be built again."""
    storages._storages = {}
    default_storage._wrapped = empty


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": settings.MEDIA_URL},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    reset_storages()
    yield
    reset_storages()


class MotoServer:
    """moto's ThreadedMotoServer on 127.0.0.1, stoppable and restartable on the same port."""

    def __init__(self):
        self.port = 0
        self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        server.start()
        self.port = server.get_host_and_port()[1]  # port 0 asks the system for a free one
        self._server = server

    def stop(self) -> None:
        """Stop serving and close the listening socket, so connections are refused, not left hanging."""
        if self._server is not None:
            self._server.stop()
            self._server._server.server_close()
            self._server = None

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer()
    server.start()
    yield server
    server.stop()


@dataclass
class S3:
    server: MotoServer
    bucket: str

    @property
    def client(self):
        return self.server.client()

    def keys(self) -> list[str]:
        response = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in response.get("Contents", []))

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


def s3_storage_settings(endpoint_url: str, bucket: str) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": endpoint_url,
            "bucket_name": bucket,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "addressing_style": "path",
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 120,
            "max_memory_size": 5 * 1024 * 1024,
            "signature_version": "s3v4",
        },
    }


@pytest.fixture
def s3(moto_server, settings, _media_in_tmp):
    """The default storage on a fresh bucket of the moto server."""
    if not moto_server.running:  # a test before this one stopped it and failed before restarting it
        moto_server.start()
    bucket = f"mittist-test-{uuid.uuid4().hex[:16]}"
    moto_server.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(moto_server.endpoint_url, bucket)}
    reset_storages()
    yield S3(moto_server, bucket)
    if not moto_server.running:
        moto_server.start()
    reset_storages()


# --- small real files, made here so the tests need no fixtures on disk ------------------------------


def make_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _zip(entries: list[tuple[str, bytes, int]]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, compression in entries:
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def make_docx(extra: bytes = b"") -> bytes:
    """A Word document; `extra` goes in as an embedded image, to make it as big as a test needs."""
    import zipfile

    deflate = zipfile.ZIP_DEFLATED
    media = [("word/media/image1.bin", extra, zipfile.ZIP_STORED)] if extra else []
    return _zip([
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
         b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
         b'relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.'
         b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>', deflate),
        ("_rels/.rels", b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
         b'2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>', deflate),
        ("word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
         b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Utbildningsplan</w:t></w:r></w:p></w:body>'
         b"</w:document>", deflate),
        *media,
    ])


def make_odt() -> bytes:
    import zipfile

    return _zip([
        ("mimetype", b"application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED),
        ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
         b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type='
         b'"application/vnd.oasis.opendocument.text"/></manifest:manifest>', zipfile.ZIP_DEFLATED),
        ("content.xml", b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
         b'opendocument:xmlns:office:1.0"><office:body><office:text/></office:body></office:document-content>',
         zipfile.ZIP_DEFLATED),
    ])


def _image(fmt: str) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 40, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def make_png() -> bytes:
    return _image("PNG")


def make_jpeg() -> bytes:
    return _image("JPEG")


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n"
