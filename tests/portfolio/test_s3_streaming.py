"""Documents reach S3 in one streamed PUT: boto3's multipart upload reads each part of a file object into
memory (8 MB, ten at once), so a gunicorn worker's memory would grow with the file (bench/throughput.py
measures the peak). The production settings (mittist/settings.py) give the S3 storage a transfer config
whose multipart threshold lies above every file the app stores."""

import runpy

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .conftest import reset_storages

MB = 1024 * 1024


def production_s3_options(monkeypatch, settings, bucket: str) -> dict:
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", bucket)
    configured = runpy.run_path(str(settings.BASE_DIR / "mittist" / "settings.py"))
    assert configured["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    return configured


def test_every_document_the_app_takes_goes_up_in_one_put(s3, settings, monkeypatch):
    configured = production_s3_options(monkeypatch, settings, s3.bucket)
    transfer = configured["STORAGES"]["default"]["OPTIONS"]["transfer_config"]
    largest = max(configured["PORTFOLIO_MAX_UPLOAD_MB"], configured["MITTIST_REPORT_CHECK_MAX_MB"]) * MB
    assert transfer.multipart_threshold > largest

    default = settings.STORAGES["default"]
    settings.STORAGES = {**settings.STORAGES,
                         "default": {**default, "OPTIONS": {**default["OPTIONS"], "transfer_config": transfer}}}
    reset_storages()
    data = b"%PDF-1.4\n" + bytes(12 * MB)  # past boto3's default multipart threshold (8 MB)
    name = default_storage.save("cases/bench/plan.pdf", ContentFile(data))

    head = s3.client.head_object(Bucket=s3.bucket, Key=name)
    assert head["ContentLength"] == len(data)
    assert "-" not in head["ETag"]  # a multipart upload's ETag ends in -<parts>; one PUT's is the MD5
    assert s3.body(name) == data
