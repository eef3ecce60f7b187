#!/usr/bin/env python3
"""Backup and restore drill: dump the database and copy the bucket, restore both into fresh ones, and
check that the app, started against the restored pair, sees what it saw before.

Run it with the production environment (deploy/mittist.env.example), e.g. on the server:

    set -a; . /etc/mittist/mittist.env; set +a
    python deploy/backup_restore_drill.py --backup-dir /var/backups/mittist/$(date +%F)

1. backup: `pg_dump -Fc` of DATABASE_URL to BACKUP_DIR/database.dump, and every object of
   AWS_STORAGE_BUCKET_NAME copied to BACKUP_DIR/bucket/<key> (a plain folder: copy it off the host);
2. restore: a fresh database (`<name>_drill_<random>`, `pg_restore --no-owner`) and a fresh bucket
   (`<bucket>-drill-<random>`, on the same S3 endpoint) filled from the backup;
3. compare: `manage.py shell` runs against the original pair and against the restored pair and counts
   cases, case events, reports, documents and objects in the bucket, and checks that every document and
   report PDF the database names exists in that bucket. Any difference: exit 1.

The restored pair is dropped afterwards unless --keep-restored. Nothing is written to the original
database or bucket. Needs pg_dump/pg_restore/psql of the server's major version on PATH. CI runs it at the
end of deploy/scaleout.py, against moto and the local PostgreSQL.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

COUNT = """
import json
from django.core.files.storage import default_storage
from evaluations.models import CaseEvent, Evaluation
from evaluations.reports.models import Report
from portfolio.models import Document
keys = {o.key for o in default_storage.bucket.objects.all()}
names = [d.file.name for d in Document.objects.all()] + [r.pdf.name for r in Report.objects.exclude(pdf="")]
print(json.dumps({
    "cases": Evaluation.objects.count(),
    "events": CaseEvent.objects.count(),
    "reports": Report.objects.count(),
    "documents": Document.objects.count(),
    "objects": len(keys),
    "stored files missing from the bucket": sorted(n for n in names if n not in keys),
}))
"""


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} … failed:\n{result.stderr[-2000:]}")
    return result


def database_url_with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_url(url: str) -> str:
    """The same server's maintenance database, to create and drop the drill's database from."""
    return database_url_with_name(url, "postgres")


def s3_client():
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        region_name=os.environ.get("AWS_S3_REGION_NAME") or "eu-north-1",
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        config=Config(s3={"addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or "virtual"},
                      signature_version="s3v4"),
    )


def keys_of(client, bucket: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def counts(env: dict) -> dict:
    result = run([sys.executable, "manage.py", "shell", "-c", COUNT], env=env, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def backup(database_url: str, bucket: str, target: Path) -> int:
    target.mkdir(parents=True, exist_ok=True)
    run(["pg_dump", "--format=custom", "--no-owner", f"--file={target / 'database.dump'}", database_url])
    client = s3_client()
    copied = 0
    for key in keys_of(client, bucket):
        path = target / "bucket" / key
        if ".." in Path(key).parts:
            raise SystemExit(f"refusing an object key that leaves the backup folder: {key!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(bucket, key, str(path))
        copied += 1
    return copied


def restore(database_url: str, bucket: str, source: Path) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    run(["psql", admin_url(database_url), "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{name}"'])
    run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={database_url}", str(source / "database.dump")])
    client = s3_client()
    region = os.environ.get("AWS_S3_REGION_NAME") or "eu-north-1"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    folder = source / "bucket"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []:
        client.upload_file(str(path), bucket, path.relative_to(folder).as_posix())


def drop(database_url: str, bucket: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    subprocess.run(["psql", admin_url(database_url), "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                   capture_output=True)
    client = s3_client()
    try:
        for key in keys_of(client, bucket):
            client.delete_object(Bucket=bucket, Key=key)
        client.delete_bucket(Bucket=bucket)
    except Exception as error:  # the verdict stands; say what is left behind
        print(f"could not remove the drill bucket {bucket}: {error}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backup-dir", required=True, type=Path)
    parser.add_argument("--keep-restored", action="store_true")
    args = parser.parse_args()
    database_url, bucket = os.environ.get("DATABASE_URL"), os.environ.get("AWS_STORAGE_BUCKET_NAME")
    if not database_url or not database_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name the PostgreSQL database to back up")
    if not bucket:
        raise SystemExit("AWS_STORAGE_BUCKET_NAME must name the bucket to back up")
    suffix = secrets.token_hex(4)
    restored_db = database_url_with_name(database_url, f"{urlsplit(database_url).path.lstrip('/')}_drill_{suffix}")
    restored_bucket = f"{bucket}-drill-{suffix}"[:63]

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = counts(env)
    copied = backup(database_url, bucket, args.backup_dir)
    print(f"backup: database dumped, {copied} objects copied to {args.backup_dir}")
    try:
        restore(restored_db, restored_bucket, args.backup_dir)
        after = counts({**env, "DATABASE_URL": restored_db, "AWS_STORAGE_BUCKET_NAME": restored_bucket})
    finally:
        if not args.keep_restored:
            drop(restored_db, restored_bucket)
    width = max(len(k) for k in before)
    print(f"{'':{width}}  original  restored")
    problems = []
    for key in before:
        a, b = before[key], after[key]
        shown = (len(a), len(b)) if isinstance(a, list) else (a, b)
        print(f"{key:{width}}  {shown[0]:>8}  {shown[1]:>8}")
        if a != b or (isinstance(a, list) and a):
            problems.append(key)
    if problems:
        print(f"DRILL FAILED: {', '.join(problems)} differ")
        return 1
    print(f"DRILL OK: restored into {restored_db.rsplit('/', 1)[-1]} and bucket {restored_bucket}"
          + (" (kept)" if args.keep_restored else " (dropped)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
