"""The proof that nothing is kept: PostgreSQL and an S3 bucket with versioning, searched after the purge.

A case is built through the real services with a unique marker sentence in every field of the report and
the portfolio (sections A–F, recordings' self-evaluations, programme and proposal notes, the review's
comments) and in the documents, which are uploaded, replaced and removed (so the bucket holds old
versions and delete markers). The transactions commit for real and the background tasks run, so the
task queue's tables hold what the tasks were given. Then the purge runs as the schedule runs it, and:

- `pg_dump` of the whole test database holds none of the markers, nor does any task argument or result
  (they are pickled, so they are read through the ORM as well);
- every object version and delete marker in the bucket is listed, and every one left is read: none holds
  a marker (in fact none is left);
- the tombstone's checksum is the SHA-256 of the PDF bytes saved before the purge;
- a second run changes nothing: the dump before and after is the same, byte for byte.

Before the purge the same searches find the markers, so the checks can fail.
"""

import hashlib
import os
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from evaluations.models import Evaluation, PendingFileDeletion
from evaluations.reports.models import Report

from .builders import build_full_case
from .conftest import KEEP, NOTICE, sweep

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL (DATABASE_URL or CI=true)"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_rows_back"),
]


def pg_dump() -> str:
    db = connection.settings_dict  # during the test: the test database
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    command = ["pg_dump", "-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432),
               "-U", db.get("USER") or "postgres", "--no-owner", db["NAME"]]
    dump = subprocess.run(command, check=True, capture_output=True, env=env, timeout=120).stdout.decode()
    # pg_dump 15.14+ wraps the script in \restrict <random key> … \unrestrict <key>: new on every run.
    return "\n".join(line for line in dump.splitlines() if not line.startswith(("\\restrict ", "\\unrestrict ")))


def task_queue_text() -> str:
    """What the task queue keeps, unpickled: every task's function, arguments and result, queued or done."""
    from django_q.models import OrmQ, Schedule, Task
    from django_q.signing import SignedPackage

    parts = [repr((t.func, t.args, t.kwargs, t.result)) for t in Task.objects.all()]
    parts += [repr(SignedPackage.loads(q.payload)) for q in OrmQ.objects.all()]
    parts += [repr((s.func, s.args, s.kwargs)) for s in Schedule.objects.all()]
    return "\n".join(parts)


def bucket_contents(s3) -> tuple[list[dict], bytes]:
    """Every version and delete marker in the bucket, and the bytes of every version still there."""
    client = s3.client
    entries, contents = [], b""
    for page in client.get_paginator("list_object_versions").paginate(Bucket=s3.bucket):
        for version in page.get("Versions", []):
            entries.append({"Key": version["Key"], "VersionId": version["VersionId"], "kind": "version"})
            body = client.get_object(Bucket=s3.bucket, Key=version["Key"], VersionId=version["VersionId"])["Body"]
            contents += body.read() + b"\n"
        for marker in page.get("DeleteMarkers", []):
            entries.append({"Key": marker["Key"], "VersionId": marker["VersionId"], "kind": "marker"})
    return entries, contents


def test_after_the_purge_neither_the_database_nor_the_bucket_holds_a_sentence(
    s3, make_case, trainee, evaluator, quality, mailoutbox
):
    s3.client.put_bucket_versioning(Bucket=s3.bucket, VersioningConfiguration={"Status": "Enabled"})
    full = build_full_case(make_case, trainee, evaluator, quality)
    markers, case = full.markers, full.case
    in_files = {name for name in markers.by_field if name.startswith("document.")}
    assert len(markers.by_field) > 60  # every prompt of A–F, the report's fields, the rest

    # Before: the searches find what they look for (so they can fail), and the task queue was given no text.
    dump = pg_dump()
    assert set(markers.found_in(dump)) == set(markers.by_field) - in_files
    entries, contents = bucket_contents(s3)
    assert {e["kind"] for e in entries} == {"version", "marker"}
    assert set(markers.found_in(contents.decode("latin-1"))) == in_files
    assert any(e["Key"] == full.pdf_name for e in entries)
    queue = task_queue_text()
    # Mail is written to the outbox (sealed) and the queue only says "send message <id>".
    assert "mittist.outbox" in queue and "scheduling.reminders.replan_reminders" in queue
    assert markers.found_in(queue) == []
    assert "django_q_task" in dump and connection.settings_dict["NAME"].startswith("test_")

    # The purge as the schedule runs it: the notices, then the day (report and material fall due together).
    reviewed = timezone.localdate(case.quality_reviewed_at) + timedelta(days=30)
    ended = timezone.localdate(case.closed_at) + timedelta(days=KEEP)
    due = max(reviewed, ended)
    first = sweep(due - timedelta(days=NOTICE))
    assert first["report_notices"] == 1 and first["material_notices"] == 1
    done = sweep(due)
    assert done["reports_purged"] == 1 and done["material_purged"] == 1 and done["files_failed"] == 0
    assert PendingFileDeletion.objects.count() == 0

    dump = pg_dump()
    assert markers.found_in(dump) == [], "content left in the database dump"
    assert markers.found_in(task_queue_text()) == [], "content left in the task queue"
    entries, contents = bucket_contents(s3)
    assert markers.found_in(contents.decode("latin-1")) == []
    assert entries == [], f"left in the bucket: {entries}"

    # The tombstone confirms the PDF the trainee saved.
    report = Report.objects.get(case=case)
    assert report.pdf_sha256 == hashlib.sha256(full.pdf_bytes).hexdigest()
    assert report.purged_at is not None and report.delivered_at is not None and not report.pdf
    assert Evaluation.objects.get(pk=case.pk).material_purged_at is not None

    # A second run changes nothing, to the byte.
    again = sweep(due + timedelta(hours=1))
    assert not any(again.values())
    assert pg_dump() == dump
    assert bucket_contents(s3)[0] == []
