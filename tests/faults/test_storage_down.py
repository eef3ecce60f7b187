"""The document storage (S3) goes down in the middle of an upload, and comes back.

django-storages talks HTTP to moto's S3 server on 127.0.0.1 through a small TCP proxy of this file. The
proxy passes everything until it is told to cut: then every connection that has sent more than a few
kilobytes towards S3 is reset, so the PUT of the file dies half-way through its body (the name check
before it still goes through), on every retry botocore makes.
"""

import os
import socket
import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation
from portfolio.models import Document
from tests.portfolio.conftest import REGION, make_docx, reset_storages, s3_storage_settings

S = Evaluation.State
PLAN = Document.Kind.EDUCATION_PLAN
STORAGE_DOWN = "Dokumentet kunde inte sparas just nu. Försök igen om en stund."
CUT_AFTER = 32 * 1024


class CuttingProxy:
    """TCP proxy to `target`; with `cutting` set, a connection is reset once it has carried CUT_AFTER
    bytes towards the target."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.cutting = False
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source, sink, towards_target):
        carried = 0
        try:
            while data := source.recv(16 * 1024):
                carried += len(data)
                if towards_target and self.cutting and carried > CUT_AFTER:
                    self.cuts += 1
                    for end in (source, sink):  # reset, as a dying server or network does
                        end.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        end.close()
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()
        for end in self._open:
            try:
                end.close()
            except OSError:
                pass


@pytest.fixture
def storage(moto_server, settings):
    """The default storage on a fresh bucket, reached through the proxy."""
    bucket = f"mittist-fault-{uuid.uuid4().hex[:16]}"
    if not moto_server.running:  # another test stopped it and failed before starting it again
        moto_server.start()
    client = moto_server.client()
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    proxy = CuttingProxy(moto_server.port)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(f"http://127.0.0.1:{proxy.port}", bucket)}
    reset_storages()

    def keys():
        return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))

    yield proxy, keys
    proxy.close()
    reset_storages()


@pytest.fixture
def as_trainee(client, make_case, trainee):
    client.force_login(trainee)
    return client, make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)


def upload(client, case, content):
    url = reverse("portfolio:document_upload", args=[case.pk, PLAN])
    return client.post(url, {"file": SimpleUploadedFile("utbildningsplan.docx", content)}, follow=True)


def test_storage_failing_mid_upload_tells_the_user_keeps_no_row_and_a_retry_works(storage, as_trainee):
    proxy, keys = storage
    client, case = as_trainee
    content = make_docx(extra=os.urandom(256 * 1024))  # far more than the proxy lets through when cutting

    proxy.cutting = True
    response = upload(client, case, content)

    assert proxy.cuts >= 1  # the PUT really was cut mid-body
    assert response.status_code == 200  # back on the page, not an error page
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    assert STORAGE_DOWN in response.content.decode()
    assert not Document.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, action="document_uploaded").exists()
    assert keys() == []  # no half object either

    proxy.cutting = False  # the storage is back
    response = upload(client, case, content)

    assert STORAGE_DOWN not in response.content.decode()
    document = Document.objects.get(case=case)
    assert keys() == [document.file.name]
    with document.file.open("rb") as stored:
        assert stored.read() == content
    assert CaseEvent.objects.filter(case=case, action="document_uploaded").count() == 1


def test_a_database_failure_after_the_file_is_stored_leaves_no_object_behind(storage, as_trainee, monkeypatch):
    # The other half of "no row without its file, no file without its row": the object is stored, then
    # writing the row fails; the object is removed and the user gets the error page, nothing half-saved.
    _, keys = storage
    client, case = as_trainee
    client.raise_request_exception = False

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Document, "save", broken_save)
    response = client.post(
        reverse("portfolio:document_upload", args=[case.pk, PLAN]),
        {"file": SimpleUploadedFile("utbildningsplan.docx", make_docx())},
    )
    assert response.status_code == 500
    assert not Document.objects.filter(case=case).exists()
    assert keys() == []
