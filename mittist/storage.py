"""Deleting a stored file for good, whatever the storage keeps behind.

`storage.delete(name)` is not enough for the purge: on an S3 bucket with versioning it only lays a delete
marker over the object, and every earlier version (the report's PDF, a replaced education plan) stays
readable to anyone with the bucket's keys. `delete_all_versions` removes every version and every delete
marker of the key, then lists again to be sure; on a local folder it deletes the file.

A name that ends in "/" is a folder: everything stored under it goes (a case's documents live under
`cases/<case id>/`, where replaced and removed files leave old versions that no row names any more).

Failures raise: the caller keeps the name and tries again later.
"""

import logging
import os
import shutil

from django.core.files.storage import default_storage
from django.utils.functional import LazyObject, empty

logger = logging.getLogger(__name__)

S3_BATCH = 1000  # DeleteObjects takes at most this many keys per request


class StorageDeleteError(Exception):
    """Something of the name is still stored after the attempt."""


def _unwrap(storage):
    """The storage itself, also behind Django's lazy `default_storage`."""
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage


def _s3_backend(storage):
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # django-storages without boto3: no S3 here
        return None
    storage = _unwrap(storage)
    return storage if isinstance(storage, S3Storage) else None


def _s3_key(storage, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def _s3_versions(storage, key: str) -> list[dict]:
    """Every version and delete marker of exactly `key` (or of every key under it, for a folder)."""
    client = storage.connection.meta.client
    found = []
    paginator = client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=key):
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            # Prefix also matches "a.pdf.old" when asked for "a.pdf": only the key itself counts.
            if item["Key"] == key or (key.endswith("/") and item["Key"].startswith(key)):
                found.append({"Key": item["Key"], "VersionId": item["VersionId"]})
    return found


def _s3_delete(storage, name: str) -> int:
    key = _s3_key(storage, name)
    if not key or key == "/":
        raise ValueError("refusing to delete the whole bucket")
    client = storage.connection.meta.client
    versions = _s3_versions(storage, key)
    for start in range(0, len(versions), S3_BATCH):
        batch = versions[start : start + S3_BATCH]
        response = client.delete_objects(Bucket=storage.bucket_name, Delete={"Objects": batch, "Quiet": True})
        if response.get("Errors"):
            codes = sorted({error.get("Code", "?") for error in response["Errors"]})
            raise StorageDeleteError(f"{len(response['Errors'])} versions of {name} not deleted: {', '.join(codes)}")
    left = _s3_versions(storage, key)
    if left:
        raise StorageDeleteError(f"{len(left)} versions of {name} still stored")
    return len(versions)


def _local_delete(storage, name: str) -> int:
    path = storage.path(name)  # refuses names outside the storage's folder
    if name.endswith("/"):
        if os.path.normpath(path) == os.path.normpath(storage.location):
            raise ValueError("refusing to delete the whole storage folder")
        if not os.path.isdir(path):
            return 0
        count = sum(len(files) for _root, _dirs, files in os.walk(path))
        shutil.rmtree(path)
        return count
    if not os.path.exists(path):
        return 0
    storage.delete(name)
    if os.path.exists(path):
        raise StorageDeleteError(f"{name} still stored")
    return 1


def delete_all_versions(name: str, storage=None) -> int:
    """Delete `name` (or the folder `name/`) with every stored version; returns how many went.

    Deleting what is already gone is not an error (returns 0), so a second run changes nothing."""
    if not name:
        return 0
    storage = storage if storage is not None else default_storage
    s3 = _s3_backend(storage)
    if s3 is not None:
        return _s3_delete(s3, name)
    return _local_delete(_unwrap(storage), name)


def stored_versions(name: str, storage=None) -> int:
    """How many versions (S3) or files (local) of `name` are stored: 0 once it is gone."""
    storage = storage if storage is not None else default_storage
    s3 = _s3_backend(storage)
    if s3 is not None:
        return len(_s3_versions(s3, _s3_key(s3, name)))
    path = _unwrap(storage).path(name)
    if name.endswith("/"):
        return sum(len(files) for _root, _dirs, files in os.walk(path)) if os.path.isdir(path) else 0
    return 1 if os.path.exists(path) else 0
