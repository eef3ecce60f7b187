"""delete_all_versions: a file gone for good, on a local folder and on an S3 bucket with versioning."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from mittist.storage import StorageDeleteError, delete_all_versions, stored_versions


def versions(s3, prefix: str = "") -> list[tuple[str, str]]:
    """(key, "version" | "marker") of everything stored, every version."""
    response = s3.client.list_object_versions(Bucket=s3.bucket, Prefix=prefix)
    return sorted([(v["Key"], "version") for v in response.get("Versions", [])]
                  + [(m["Key"], "marker") for m in response.get("DeleteMarkers", [])])


@pytest.fixture
def versioned(s3):
    s3.client.put_bucket_versioning(Bucket=s3.bucket, VersioningConfiguration={"Status": "Enabled"})
    return s3


def put(s3, key: str, body: bytes) -> None:
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=body)


def test_every_version_and_delete_marker_of_the_key_goes_and_only_that_key(versioned):
    for n in range(3):
        put(versioned, "cases/a/plan.pdf", b"version %d" % n)
    default_storage.delete("cases/a/plan.pdf")  # what Django's delete does on a versioned bucket: a marker
    put(versioned, "cases/a/plan.pdf.old", b"a neighbour that shares the prefix")
    assert versions(versioned, "cases/a/plan.pdf").count(("cases/a/plan.pdf", "version")) == 3
    assert ("cases/a/plan.pdf", "marker") in versions(versioned)
    assert stored_versions("cases/a/plan.pdf") == 4

    assert delete_all_versions("cases/a/plan.pdf") == 4
    assert versions(versioned) == [("cases/a/plan.pdf.old", "version")]
    assert stored_versions("cases/a/plan.pdf") == 0
    assert delete_all_versions("cases/a/plan.pdf") == 0  # a second run changes nothing


def test_a_folder_goes_with_everything_under_it_and_nothing_beside_it(versioned):
    put(versioned, "cases/a/education_plan/1.pdf", b"first")
    put(versioned, "cases/a/education_plan/1.pdf", b"second")
    put(versioned, "cases/a/photo/2.png", b"photo")
    default_storage.delete("cases/a/photo/2.png")
    put(versioned, "cases/ab/other.pdf", b"another case whose id starts the same")
    put(versioned, "cases/b/3.pdf", b"another case")

    assert delete_all_versions("cases/a/") == 4
    assert versions(versioned) == [("cases/ab/other.pdf", "version"), ("cases/b/3.pdf", "version")]


def test_a_storage_that_is_down_raises_and_keeps_everything(versioned):
    put(versioned, "reports/x/rapport.pdf", b"%PDF-")
    versioned.server.stop()
    try:
        with pytest.raises(Exception):  # noqa: B017  botocore's connection error, whichever it is
            delete_all_versions("reports/x/rapport.pdf")
    finally:
        versioned.server.start()
    assert versions(versioned) == [("reports/x/rapport.pdf", "version")]


def test_the_whole_bucket_is_never_taken(versioned):
    put(versioned, "a.pdf", b"x")
    for name in ("/", "./"):
        with pytest.raises(ValueError):
            delete_all_versions(name)
    assert versions(versioned) == [("a.pdf", "version")]


def test_local_files_and_folders(settings):
    default_storage.save("cases/a/plan.pdf", ContentFile(b"plan"))
    default_storage.save("cases/a/photo/1.png", ContentFile(b"photo"))
    default_storage.save("cases/b/plan.pdf", ContentFile(b"other"))
    assert delete_all_versions("cases/a/plan.pdf") == 1
    assert not default_storage.exists("cases/a/plan.pdf")
    assert delete_all_versions("cases/a/plan.pdf") == 0
    assert delete_all_versions("cases/a/") == 1
    assert not default_storage.exists("cases/a/photo/1.png") and default_storage.exists("cases/b/plan.pdf")
    assert delete_all_versions("cases/a/") == 0
    with pytest.raises(ValueError):
        delete_all_versions("./")
    with pytest.raises(Exception):  # noqa: B017  outside the storage's folder: SuspiciousFileOperation
        delete_all_versions("../elsewhere/")
    assert default_storage.exists("cases/b/plan.pdf")


def test_a_local_file_that_will_not_go_raises(monkeypatch):
    default_storage.save("cases/a/plan.pdf", ContentFile(b"plan"))
    monkeypatch.setattr(type(default_storage._wrapped), "delete", lambda self, name: None)
    with pytest.raises(StorageDeleteError):
        delete_all_versions("cases/a/plan.pdf")
