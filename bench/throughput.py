"""The parts of `make bench` that measure over HTTP and in the worker (bench/run.py calls them; issue 13):

- the material PDF as the reader gets it: the worker's rendering, and the time of each request of
  `material.pdf` (the page that waits, the htmx question, the download of the stored file);
- a document upload through the app (gunicorn, one sync worker, documents stored in S3: a moto server on
  127.0.0.1, path-style) ÷ a raw boto3 upload of the same bytes to the same server, and the worker's peak
  memory after 5 MB and after 25 MB uploads (it must not grow with the file);
- gunicorn with two workers: the requests a second at p95 < 250 ms of a realistic mix of pages ÷ the same
  for the bare signed-in page, both driven by a small pool of HTTP client threads.

The servers run on the bench's database (SQLite file or PostgreSQL) in their own processes.
"""

import io
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
P95_LIMIT = 0.250
BUCKET = "mittist-bench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


class Server:
    """A process of ours (gunicorn or moto), stopped by its own id."""

    def __init__(self, command: list[str], env: dict, health: str, log_name: str):
        self.log = open(Path(tempfile.gettempdir()) / log_name, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=ROOT, start_new_session=True)
        try:
            _wait_for(health)
        except Exception:
            self.stop()
            raise

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    match = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(match.group(1)) / 1024 if match else float("nan")


def gunicorn(workers: int, extra_env: dict | None = None) -> tuple[Server, str]:
    port = _free_port()
    env = {**os.environ, "DJANGO_DEBUG": "false", "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
           **(extra_env or {})}
    command = [sys.executable, "-m", "gunicorn", "wsgi_bench:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--timeout", "120", "--log-level", "warning"]
    base = f"http://127.0.0.1:{port}"
    return Server(command, env, base + "/healthz", f"mittist-bench-gunicorn-{port}.log"), base


def http_session(client, base: str):
    """A requests session with the session cookie of a signed-in Django test client (bench/run.py client_for)."""
    import requests
    from django.conf import settings

    session = requests.Session()
    session.headers["Accept-Language"] = "sv"
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value,
                        domain="127.0.0.1")
    return session


# --- the material PDF -----------------------------------------------------------------------------------


def measure_material_pdf(case, client) -> dict:
    """`material.pdf` as the reader's browser asks for it, with the worker's rendering timed on its own."""
    from unittest import mock

    from django.urls import reverse

    from portfolio.models import MaterialPdf
    from portfolio.services import material_pdf

    MaterialPdf.objects.filter(case=case).delete()
    url = reverse("portfolio:reading_pdf", args=[case.pk])
    queued = []
    with mock.patch.object(material_pdf, "queue_task_on_commit", lambda func, *args: queued.append(args)):
        started = time.perf_counter()
        waiting = client.get(url)
        first = time.perf_counter() - started
        assert waiting.status_code == 200 and waiting["Content-Type"].startswith("text/html"), waiting.status_code
        started = time.perf_counter()
        material_pdf.render_material_pdf(*queued[0])  # what the worker does
        render = time.perf_counter() - started
        polls = []
        for _ in range(5):
            started = time.perf_counter()
            answer = client.get(url, HTTP_HX_REQUEST="true")
            polls.append(time.perf_counter() - started)
            assert answer.status_code == 286, answer.status_code
        downloads = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(url)
            content = b"".join(response.streaming_content)
            downloads.append(time.perf_counter() - started)
            assert content.startswith(b"%PDF-")
    return {
        "render": render, "first_request": first, "poll": statistics.median(polls),
        "download": statistics.median(downloads), "longest_request": max(first, *polls, *downloads),
        "bytes": len(content), "content": content,
    }


# --- uploads ---------------------------------------------------------------------------------------------


def _pdf_bytes(size: int) -> bytes:
    head = b"%PDF-1.4\n% bench upload\n"
    return head + os.urandom(size - len(head))


def measure_uploads(case, client, runs: int = 3) -> dict:
    """A 25 MB education plan through the app ÷ the same bytes straight to S3, and the worker's peak memory."""
    import boto3
    from botocore.config import Config
    from django.urls import reverse

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = Server([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                  dict(os.environ), endpoint + "/moto-api/", "mittist-bench-moto.log")
    try:
        credentials = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-north-1",
                          aws_access_key_id="bench", aws_secret_access_key="bench",
                          config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        env = {**credentials, "AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": endpoint,
               "AWS_S3_REGION_NAME": "eu-north-1", "AWS_S3_ADDRESSING_STYLE": "path",
               # Documents are limited to PORTFOLIO_MAX_UPLOAD_MB (20 by default): room for the 25 MB file.
               "PORTFOLIO_MAX_UPLOAD_MB": "30"}
        server, base = gunicorn(1, env)
        try:
            session = http_session(client, base)
            path = reverse("portfolio:document_upload", args=[case.pk, "education_plan"])
            page = session.get(base + path)
            assert page.status_code == 200, page.status_code
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            worker = server.children()[0]

            def upload(data: bytes) -> float:
                started = time.perf_counter()
                response = session.post(base + path, data={"csrfmiddlewaretoken": token},
                                        files={"file": ("plan.pdf", data, "application/pdf")},
                                        headers={"Referer": base + path}, allow_redirects=False)
                elapsed = time.perf_counter() - started
                assert response.status_code == 302, response.status_code
                return elapsed

            from portfolio.models import Document

            upload(_pdf_bytes(MB))  # the first upload loads boto3 and the storage: not the file's share
            results = {"before": peak_rss_mb(worker)}
            for size in (5, 25):
                data = _pdf_bytes(size * MB)
                times = [upload(data) for _ in range(runs)]
                stored = Document.objects.get(case=case, kind="education_plan")
                assert stored.size == len(data), (stored.size, len(data))
                results[f"app_{size}"] = statistics.median(times)
                results[f"peak_{size}"] = peak_rss_mb(worker)
                raw = []
                for _ in range(runs):
                    started = time.perf_counter()
                    s3.upload_fileobj(io.BytesIO(data), BUCKET, f"raw/{uuid.uuid4()}.pdf")
                    raw.append(time.perf_counter() - started)
                results[f"raw_{size}"] = statistics.median(raw)
        finally:
            server.stop()
    finally:
        moto.stop()
    results["ratio"] = results["raw_25"] / results["app_25"]  # throughput app ÷ raw, same bytes
    results["growth"] = results["peak_25"] - results["peak_5"]
    return results


# --- gunicorn throughput ---------------------------------------------------------------------------------


PAGE_TIMES: dict[str, list[float]] = {}  # url -> latencies with one client: which page costs what


def _drive(requests_of, sessions, concurrency: int, seconds: float) -> tuple[float, float, int]:
    """`concurrency` threads asking in turn for the (role, url) pairs for `seconds`; requests/s and p95."""
    latencies, errors, stop = [], [], time.monotonic() + seconds
    lock = threading.Lock()

    def loop(offset: int):
        mine, n = [], offset
        while time.monotonic() < stop:
            role, url = requests_of[n % len(requests_of)]
            n += 1
            started = time.perf_counter()
            response = sessions[offset][role].get(url, allow_redirects=False)
            mine.append(time.perf_counter() - started)
            if concurrency == 1:
                PAGE_TIMES.setdefault(url.split("/", 3)[-1], []).append(mine[-1])
            if response.status_code != 200:
                errors.append((url, response.status_code))
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(loop, range(concurrency)))
    elapsed = time.monotonic() - started
    assert not errors, errors[:3]
    latencies.sort()
    return len(latencies) / elapsed, latencies[int(0.95 * (len(latencies) - 1))], len(latencies)


def measure_throughput(mix: list[tuple[object, str]], bare: tuple[object, str], client_for, *, seconds: float,
                       levels=(1, 2, 4, 8)) -> dict:
    """Requests a second at p95 < 250 ms, for the mix and for the bare page, at rising concurrency."""
    server, base = gunicorn(2)
    try:
        users = {id(user): user for user, _url in [*mix, bare]}
        sessions = [{key: http_session(client_for(user), base) for key, user in users.items()}
                    for _ in range(max(levels))]
        mix_requests = [(id(user), base + url) for user, url in mix]
        bare_requests = [(id(bare[0]), base + bare[1])]
        _drive(mix_requests + bare_requests, sessions, 2, 2)  # warm both workers
        found = {}
        for name, asked in (("mix", mix_requests), ("bare", bare_requests)):
            levels_seen = []
            for concurrency in levels:
                rate, p95, count = _drive(asked, sessions, concurrency, seconds)
                levels_seen.append((concurrency, rate, p95))
                if p95 >= P95_LIMIT:
                    break
            within = [rate for _c, rate, p95 in levels_seen if p95 < P95_LIMIT]
            found[name] = max(within) if within else None
            found[f"{name}_levels"] = levels_seen
    finally:
        server.stop()
    found["ratio"] = found["mix"] / found["bare"] if found["mix"] and found["bare"] else None
    found["pages"] = {url: statistics.median(times) for url, times in PAGE_TIMES.items()}
    return found


def throughput_pages(pdf_case) -> tuple[list, tuple]:
    """The mix: the coordinator's dashboard and a case page, the evaluator's home and the portfolio of their
    submitted case, the trainee's delivered report; and the bare page."""
    from unittest import mock

    from django.urls import reverse

    from evaluations import notifications
    from evaluations.reports import services as report_services
    from mittist.accounts.models import Role, User

    coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("email").first()
    evaluator = pdf_case.evaluator.user
    trainee = pdf_case.trainee
    report = report_services.report_for(pdf_case)
    if not report.is_delivered:
        with mock.patch.object(notifications, "queue"):
            report_services.report_deliver(report=report, by=evaluator)
    case = pdf_case.pk
    mix = [
        (coordinator, reverse("evaluations:dashboard")),
        (coordinator, reverse("evaluations:case_detail", args=[case])),
        (evaluator, reverse("evaluations:evaluator_home")),
        (evaluator, reverse("portfolio:overview", args=[case])),
        (evaluator, reverse("portfolio:section", args=[case, "B"])),
        (trainee, reverse("reports:read", args=[case])),
    ]
    return mix, (coordinator, "/bench/bare/")
