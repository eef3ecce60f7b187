#!/usr/bin/env python3
"""The production shape, run for real: two web servers, two workers, PostgreSQL, Redis, S3 and SMTP.

    python deploy/scaleout.py            short mode (3 cases; CI runs it through tests/test_production_shape.py)
    python deploy/scaleout.py --full     more cases (12)
    python deploy/scaleout.py --no-drill without the backup/restore drill at the end

What it starts, all on 127.0.0.1 and all removed at the end:

- a fresh PostgreSQL database (127.0.0.1:5432, user postgres, trust), a unique name, dropped at the end;
- moto's S3 server (path-style), one bucket; an aiosmtpd SMTP server that keeps every message;
- an empty Redis database (127.0.0.1:6379, one of 1–15) as the django-q2 broker and the shared cache;
- TWO `gunicorn mittist.wsgi` masters (2 workers each) and TWO `manage.py qcluster` workers, with
  DJANGO_ENV=production and real environment variables (fresh secret keys, SITE_URL https://…).

The client speaks to gunicorn the way nginx would (deploy/nginx-mittist.conf): `X-Forwarded-Proto: https`
(the settings trust it: BEHIND_TLS_PROXY), `X-Forwarded-For` (AXES_PROXY_COUNT=1, one address per person),
the public host name. The secure cookies come back over plain HTTP only because the client, standing in for
the TLS proxy, sends them anyway. No setting is loosened for the run except three process durations:
MITTIST_MATERIAL_DAYS_BEFORE=0 (the practice day may be today, so a case can be held and reported in a
minute instead of four weeks), MITTIST_REMINDER_EARLIEST_HOUR=0 (reminders may go out at night) and
MITTIST_OUTBOX_LEASE_MINUTES=1 (a mail claimed by the killed worker is sent again after a minute, not ten).

Each case goes registration → closed. Over HTTP, alternating between the two web servers: the public
registration form, the confirmation link from the captured mail, logins with the staff second factor
(TOTP), the coordinator's approval and assignment, the evaluator's acceptance, the contact, the practice
day proposed and confirmed, the education plan uploaded, the material submitted, the day held, the report
written and sent, the quality review (which issues the certificate), the survey (which closes the case),
and the downloads. Through the services (deploy/scaleout_django.py): the staff accounts, the portfolio's
texts (sections A–E, two recordings with self-evaluations, the supervisor's statement), and the reminder
cases. Midway one web master (with its workers) and one worker are SIGKILLed; requests go to the survivors,
and the killed ones are started again a moment later, as systemd would.

At the end it checks every case's state, that every outbox row was delivered exactly once (the captured
SMTP messages by Message-ID against the outbox; the mail the killed worker had claimed is sent again once
its lease, MITTIST_OUTBOX_LEASE_MINUTES=1 here, has run out, and the run waits for that), that the reminder sweep (run by both workers' schedulers and
three at once from the command line) sent each reminder once, and that every document, report PDF and
certificate is served through the app (200 and the right content type), the stored ones from S3. It prints a
table and exits 1 on any inconsistency.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = "mittist.scaleout.test"
REGION = "eu-north-1"
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
LEASE_MINUTES = 1
# The outbox's sweep runs every minute; a worker's scheduler looks at the schedules every 30 s or so.
SWEEP_SECONDS = 60 + 30
T0 = time.monotonic()


def log(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Failed(Exception):
    pass


# --- the servers the app talks to -------------------------------------------------------------------


class Mailbox:
    """aiosmtpd on a port of its own, in this process; keeps (recipient, subject, text, Message-ID) of every
    message."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.received: list[tuple[str, str, str, str]] = []
        self.lock = threading.Lock()
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = message_from_bytes(envelope.content, policy=policy.default)
                body = message.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""
                with box.lock:
                    for rcpt in envelope.rcpt_tos:
                        box.received.append((rcpt.lower(), str(message["subject"]), text,
                                             str(message["Message-ID"] or "").strip()))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def to(self, address: str) -> list[tuple[str, str]]:
        with self.lock:
            return [(subject, text) for rcpt, subject, text, _id in self.received if rcpt == address.lower()]

    def wait_for_link(self, address: str, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _subject, text in self.to(address):
                match = re.search(pattern, text)
                if match:
                    return match.group(1)
            time.sleep(0.3)
        raise Failed(f"no mail to {address} with {pattern} within {timeout} s")

    def stop(self):
        self.controller.stop()


class S3:
    def __init__(self):
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.port = self.server.get_host_and_port()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="scaleout",
                            aws_secret_access_key="scaleout", region_name=REGION,
                            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def stop(self):
        self.server.stop()


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-d", database, "-tAc", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def redis_db(db: int):
    import redis as redis_lib

    return redis_lib.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)


def claim_empty_redis_db(run: str) -> int:
    """An empty Redis database (1–15), claimed with a marker key so that a second run beside this one
    cannot take it too; flushed at the end."""
    import random

    for db in random.sample(range(1, 16), 15):
        client = redis_db(db)
        if client.dbsize() == 0 and client.set("mittist-scaleout-claim", run, nx=True):
            if client.dbsize() == 1:
                return db
    raise Failed("no empty Redis database among 1–15")


def production_env(*, database_url: str, s3: S3, bucket: str, smtp: Mailbox, redis_db: int, var_dir: str) -> dict:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "AWS_", "EMAIL_", "MITTIST_", "Q_", "SECURE_"))
           and k not in {"DATABASE_URL", "REDIS_URL", "SITE_URL", "CI", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY"}}
    env.update({
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "mittist.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": secrets.token_hex(32),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SITE_URL": f"https://{HOST}",
        "DATABASE_URL": database_url,
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port), "EMAIL_USE_TLS": "false",
        "DEFAULT_FROM_EMAIL": "Mitt-i-ST <no-reply@scaleout.test>",
        "MITTIST_OFFICE_EMAIL": "kansliet@scaleout.test",
        "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": s3.endpoint, "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": "scaleout", "AWS_SECRET_ACCESS_KEY": "scaleout", "AWS_S3_ADDRESSING_STYLE": "path",
        "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
        "Q_WORKERS": "2",
        "AXES_PROXY_COUNT": "1",
        "MITTIST_VAR_DIR": var_dir,
        "MITTIST_MATERIAL_DAYS_BEFORE": "0",
        "MITTIST_REMINDER_EARLIEST_HOUR": "0",
        # The outbox's lease, short so that the mail the killed worker had claimed is sent again within the
        # run (it must exceed EMAIL_TIMEOUT, 30 s: the settings refuse a shorter one).
        "MITTIST_OUTBOX_LEASE_MINUTES": str(LEASE_MINUTES),
        "LOG_LEVEL": "WARNING",
    })
    return env


# --- the processes ----------------------------------------------------------------------------------


class Service:
    """One supervised process group (a gunicorn master and its workers, or a qcluster and its children)."""

    def __init__(self, name: str, argv: list[str], env: dict, logdir: Path):
        self.name, self.argv, self.env, self.logdir = name, argv, env, logdir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        out = open(self.logdir / f"{self.name}.{self.starts}.log", "wb")
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def kill(self) -> None:
        """SIGKILL to the whole group: the master and its workers die at once, no clean shutdown."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def terminate(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def wait_or_kill(self, timeout: float) -> None:
        if self.process and self.process.poll() is None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def django(env: dict, *args: str, stdin: str | None = None) -> dict:
    result = subprocess.run([PY, str(ROOT / "deploy" / "scaleout_django.py"), *args], env=env, cwd=ROOT,
                            input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise Failed(f"scaleout_django.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage(env: dict, *args: str) -> None:
    result = subprocess.run([PY, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise Failed(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")


# --- the browser --------------------------------------------------------------------------------------


class Forms(HTMLParser):
    """Every <form> of a page: action, method, and the values it would send untouched."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": [], "radios": {}, "files": [], "buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind, name = (a.get("type") or "text").lower(), a.get("name")
            if not name:
                return
            if kind == "radio":
                self._form["radios"].setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
            elif kind == "checkbox":
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
            elif kind == "file":
                self._form["files"].append(name)
            elif kind in {"submit", "button", "image"}:
                self._form["buttons"].append((name, a.get("value", "")))
            else:
                self._form["fields"].append((name, a.get("value", "")))
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "selected": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None and value:
                self._select["first"] = value
            if "selected" in a:
                self._select["selected"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form["fields"].append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            value = self._select["selected"] if self._select["selected"] is not None else self._select["first"]
            self._form["fields"].append((self._select["name"], value or ""))
            self._select = None


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


class Web:
    """The two gunicorn ports; requests alternate between them and move to the other on a dead one."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.turn = 0
        self.counts = Counter()
        self.failovers = 0

    def next_ports(self) -> list[int]:
        self.turn += 1
        first = self.ports[self.turn % len(self.ports)]
        return [first] + [p for p in self.ports if p != first]


class Browser:
    """One person's browser behind the TLS proxy: their address, their cookies, the public host name."""

    def __init__(self, web: Web, s3: S3, address: str):
        self.web, self.s3, self.address = web, s3, address
        self.session = requests.Session()
        self.last: requests.Response | None = None

    def _headers(self, method: str) -> dict:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address,
                   "Accept-Language": "sv"}
        if method == "POST":
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}/"
        return headers

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        if path.startswith("https://"):
            path = urlsplit(path)._replace(scheme="", netloc="").geturl()
        error = None
        for _attempt in range(40):
            for port in self.web.next_ports():
                try:
                    response = self.session.request(method, f"http://127.0.0.1:{port}{path}",
                                                    headers=self._headers(method), allow_redirects=False,
                                                    timeout=90, **kwargs)
                except requests.ConnectionError as exc:  # that server is down: the other one answers
                    error = exc
                    self.web.failovers += 1
                    continue
                self.web.counts[port] += 1
                for cookie in self.session.cookies:  # the proxy's side of TLS: secure cookies travel on
                    cookie.secure = False
                self.last = response
                return response
            time.sleep(0.5)
        raise Failed(f"{method} {path}: no web server answered ({error})")

    def get(self, path: str, follow: bool = True) -> requests.Response:
        response = self.request("GET", path)
        while follow and response.status_code in (301, 302, 303):
            response = self.follow(response)
        return response

    def follow(self, response: requests.Response) -> requests.Response:
        location = response.headers["Location"]
        if location.startswith(self.s3.endpoint):  # a presigned S3 URL: the browser goes there itself
            return requests.get(location, timeout=30)
        return self.request("GET", urljoin(f"https://{HOST}{urlsplit(response.url).path}", location))

    def post(self, path: str, data=None, files=None, expect_redirect=True) -> requests.Response:
        response = self.request("POST", path, data=data, files=files)
        if expect_redirect and response.status_code != 302:
            raise Failed(f"POST {path}: {response.status_code}, expected a redirect\n{response.text[:1500]}")
        return response

    def form(self, page: str, action: str, values: dict | None = None, *, fill=None, files=None,
             button: str | None = None, expect_redirect=True) -> requests.Response:
        """GET the page, take the form posting to `action` (a substring), send it with `values` set."""
        html = self.get(page).text
        path = urlsplit(page).path
        posting = [f for f in forms_of(html) if f["method"] == "post"]
        if action:
            chosen = [f for f in posting if action in f["action"]]
        else:  # the page's own form: no action, or its own address
            chosen = [f for f in posting if f["action"] in {"", path} or f["action"].startswith("?")]
        if not chosen:
            raise Failed(f"no form to {action} on {page}: {[f['action'] for f in forms_of(html)]}\n{html[:2000]}")
        form = chosen[0]
        fields = dict(form["fields"])
        if fill:
            fill(form, fields)
        fields.update(values or {})
        if button:
            name, value = next((n, v) for n, v in form["buttons"] if n == button.split("=")[0]
                               and (("=" not in button) or v == button.split("=", 1)[1]))
            fields[name] = value
        target = form["action"] or page
        if not target.startswith("/") and not target.startswith("http"):
            target = urljoin(page, target)
        return self.post(target, data=fields, files=files, expect_redirect=expect_redirect)

    def log_in(self, email: str, password: str, key: str | None = None, otp=None) -> None:
        response = self.form("/konto/logga-in/", "", {"username": email, "password": password})
        for _hop in range(5):  # the start page sends staff on to the second step
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/konto/logga-in/" in location:
                raise Failed(f"login of {email} failed: {response.status_code} {location}")
            if "/konto/tvastegsverifiering/kod/" in location:
                if key is None:
                    raise Failed(f"{email} was asked for a second factor")
                response = self.form(location, "", {"token": otp.code(email, key)})
                if "/konto/tvastegsverifiering/" in response.headers.get("Location", ""):
                    raise Failed(f"second factor of {email} refused")
                return
            response = self.request("GET", location)
            if response.status_code == 200:
                if key is not None:
                    raise Failed(f"{email} was never asked for the second factor")
                return


class Authenticator:
    """The staff's authenticator apps: a code per 30-second step, never the same step twice for one person."""

    def __init__(self):
        self.used: dict[str, int] = {}

    def code(self, email: str, key_hex: str) -> str:
        from django_otp.oath import TOTP

        step = int(time.time()) // 30
        while self.used.get(email, -1) >= step:
            if self.used[email] - int(time.time()) // 30 < 1:
                step = self.used[email] + 1  # the next step's code: accepted within the tolerance
                break
            time.sleep(1)
        self.used[email] = step
        totp = TOTP(bytes.fromhex(key_hex), step=30)
        totp.time = step * 30 + 1
        return f"{totp.token():06d}"


def fictional_pnr(n: int, year: int = 1986) -> str:
    sys.path.insert(0, str(ROOT))
    from mittist.accounts.personnummer import luhn_check_digit

    nine = f"{year % 100:02d}{(n % 12) + 1:02d}{(n % 27) + 1:02d}96{n % 10}"
    return f"{year // 100}{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


def minimal_pdf(note: str) -> bytes:
    """A small PDF (the upload check reads the first bytes, the download is compared to them)."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n"
            + b"% " + note.encode() + b"\n%%EOF\n")


# --- one case -----------------------------------------------------------------------------------------

CASE_URL = re.compile(r"/arenden/([0-9a-f-]{36})/")


class Case:
    def __init__(self, n: int, run: str, web: Web, s3: S3, evaluator: dict):
        self.n, self.run = n, run
        self.email = f"tilde{n}.{run}@example.org"
        self.password = f"Blabarssylt-{n}-i-mars-77"
        self.trainee = Browser(web, s3, f"198.51.100.{10 + n}")
        self.evaluator = evaluator
        self.evaluator_browser: Browser | None = None
        self.id = ""
        self.uploaded = b""


def fill_text(form: dict, fields: dict) -> None:
    """Every empty text box gets a sentence, every radio group its "yes" (or its first choice)."""
    for name, value in list(fields.items()):
        if not value.strip() and name not in {"csrfmiddlewaretoken", "version", "base_version", "next"}:
            fields[name] = f"Text för {name} i skalbarhetsprovet."
    for name, values in form["radios"].items():
        if name not in fields:
            fields[name] = "yes" if "yes" in values else values[0]


class Run:
    def __init__(self, args):
        self.args = args
        self.run = uuid.uuid4().hex[:8]
        self.database = f"mittist_scaleout_{self.run}"
        self.bucket = f"mittist-scaleout-{self.run}"
        self.tmp = Path(tempfile.mkdtemp(prefix="mittist-scaleout-"))
        self.services: list[Service] = []
        self.problems: list[str] = []
        self.rows: list[tuple[str, str, str]] = []
        self.otp = Authenticator()
        self.s3 = self.smtp = None
        self.redis_db = None
        self.database_made = False
        self.killed: tuple = ()
        self.killed_at: float | None = None
        self.drain_wait = 0.0
        self.cases: list[Case] = []
        self.reminder_cases: list[str] = []
        self.sweeps_before = 0

    # -- set-up and tear-down --

    def setup(self) -> None:
        psql(f'CREATE DATABASE "{self.database}"')
        self.database_made = True
        self.s3 = S3()
        self.s3.create_bucket(self.bucket)
        self.smtp = Mailbox()
        self.redis_db = claim_empty_redis_db(self.run)
        self.env = production_env(
            database_url=f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{self.database}", s3=self.s3,
            bucket=self.bucket, smtp=self.smtp, redis_db=self.redis_db, var_dir=str(self.tmp / "var"))
        log(f"database {self.database}, bucket {self.bucket} on moto :{self.s3.port}, SMTP :{self.smtp.port}, "
            f"Redis db {self.redis_db}")
        static = threading.Thread(target=manage, args=(self.env, "collectstatic", "--noinput", "--verbosity", "0"))
        static.start()
        manage(self.env, "migrate", "--noinput")
        static.join()
        manage(self.env, "check", "--deploy", "--fail-level", "WARNING")
        log("migrated, static files collected, check --deploy clean")
        self.ports = [free_port(), free_port()]
        for index, port in enumerate(self.ports):
            self.services.append(Service(
                f"web{index}", [PY, "-m", "gunicorn", "mittist.wsgi", "--workers", "2", "--timeout", "60",
                                "--bind", f"127.0.0.1:{port}", "--forwarded-allow-ips", "127.0.0.1"],
                self.env, self.tmp))
        for index in range(2):
            self.services.append(Service(f"worker{index}", [PY, "manage.py", "qcluster"], self.env, self.tmp))
        for service in self.services:
            service.start()
        self.web = Web(self.ports)
        self.wait_healthy()
        log(f"2 gunicorn masters on :{self.ports[0]} and :{self.ports[1]} (2 workers each), 2 qclusters")

    def wait_healthy(self, ports=None, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for port in ports or self.ports:
            while True:
                try:
                    response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=20,
                                            headers={"Host": HOST, "X-Forwarded-Proto": "https"})
                    if response.status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise Failed(f"gunicorn on :{port} did not come up (see {self.tmp})")
                time.sleep(0.3)

    def teardown(self) -> None:
        # SIGTERM to every group at once, then wait for them together (a qcluster finishes its task first).
        for service in self.services:
            service.terminate()
        deadline = time.monotonic() + 15
        for service in self.services:
            service.wait_or_kill(max(deadline - time.monotonic(), 0.1))
        if self.smtp:
            self.smtp.stop()
        if self.s3:
            self.s3.stop()
        if self.redis_db is not None:
            redis_db(self.redis_db).flushdb()
        if self.database_made:
            psql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    # -- the staff --

    def staff_browser(self, person: dict, address: str) -> Browser:
        browser = Browser(self.web, self.s3, address)
        browser.log_in(person["email"], self.people["password"], person["key"], self.otp)
        return browser

    # -- the walk --

    def register(self, case: Case) -> None:
        today = date.today()
        values = {
            "full_name": f"Tilde Testlund {case.n}", "email": case.email, "phone": "070-000 00 00",
            "personnummer": fictional_pnr(case.n + 1), "workplace": "Vårdcentralen Kustbyn",
            "workplace_address": "Hamngatan 4, 452 30 Strömstad", "region": "halland", "curriculum": "2021",
            "st_start": (today - timedelta(days=900)).isoformat(),
            "st_planned_end": (today + timedelta(days=800)).isoformat(),
            "supervisor_name": "Hugo Handledarsson", "supervisor_email": f"hugo{case.n}.{self.run}@example.org",
            "director_of_studies": "Stina Studierektor", "manager_name": "Maria Chefsdotter",
            "manager_profession": "Distriktsläkare",
            "invoicing_address": "Region Halland\nBox 0, 300 00 Exempelstad\nRef: ST-123",
            "password1": case.password, "password2": case.password,
        }
        response = case.trainee.form("/anmalan/", "", values)
        if "/anmalan/skickad/" not in response.headers.get("Location", ""):
            raise Failed(f"registration {case.n} not sent: {response.headers.get('Location')}")

    def confirm(self, case: Case) -> None:
        link = self.smtp.wait_for_link(case.email, r"https?://[^/\s]+(/anmalan/bekrafta/[^/\s]+/)")
        response = case.trainee.form(link, "")
        if "/anmalan/bekraftad/" not in response.headers.get("Location", ""):
            raise Failed(f"confirmation {case.n}: {response.headers.get('Location')}")
        case.trainee.log_in(case.email, case.password)
        home = case.trainee.get("/min-mitt-i-st/").text
        match = CASE_URL.search(home)
        if not match:
            raise Failed(f"trainee {case.n} home shows no case")
        case.id = match.group(1)

    def step(self, browser: Browser, case: Case, verb: str, values: dict | None = None) -> None:
        response = browser.form(f"/arenden/{case.id}/", f"/steg/{verb}/", values)
        after = browser.get(response.headers["Location"]).text
        messages = after.split('class="messages', 1)[1][:600] if 'class="messages' in after else ""
        if "error" in messages[:400]:
            raise Failed(f"{verb} on case {case.n} refused: {messages}")

    def assign(self, case: Case) -> None:
        self.step(self.coordinator, case, "accept_registration")
        self.coordinator.form(f"/arenden/{case.id}/vardare/", "", {"evaluator": case.evaluator["id"]})

    def evaluator_accepts(self, case: Case) -> None:
        case.evaluator_browser = self.staff_browser(case.evaluator, f"203.0.113.{10 + case.n}")
        self.step(case.evaluator_browser, case, "accept_assignment")

    def contact(self, case: Case) -> None:
        self.step(case.trainee, case, "mark_contact_made", {"mark_contact_made-on": date.today().isoformat()})

    def practice_day(self, case: Case) -> None:
        today = date.today().isoformat()
        page = f"/arenden/{case.id}/praktikdag/"
        case.evaluator_browser.form(page, "/praktikdag/foresla/",
                                    {"propose-day_1": today, "propose-note": "Passar det i dag?",
                                     "propose-accept_warnings": "on"})
        html = case.trainee.get(page).text
        confirms = [f["action"] for f in forms_of(html) if "/bekrafta/" in f["action"]]
        if not confirms:
            raise Failed(f"case {case.n}: no proposal to confirm\n{html[:1500]}")
        case.trainee.form(page, confirms[0])

    def material(self, case: Case) -> None:
        django(self.env, "portfolio", case.id)
        pdf = case.uploaded = minimal_pdf(f"Utbildningsplan {case.n}")
        page = f"/arenden/{case.id}/dokument/education_plan/"
        csrf = dict(next(f for f in forms_of(case.trainee.get(page).text) if f["method"] == "post")["fields"])
        case.trainee.post(page, data={"csrfmiddlewaretoken": csrf["csrfmiddlewaretoken"]},
                          files={"file": (f"plan-{case.n}.pdf", pdf, "application/pdf")})
        case.trainee.form(f"/arenden/{case.id}/skicka-in/", "/skicka-in/")

    def held_and_report(self, case: Case) -> None:
        ev = case.evaluator_browser
        self.step(ev, case, "mark_practice_day_held")
        write = f"/arenden/{case.id}/rapport/skriv/"
        ev.form(write, "/rapport/skriv/", fill=fill_text)
        response = ev.form(f"/arenden/{case.id}/rapport/skicka/", "/rapport/skicka/")
        if "/rapport/" not in response.headers.get("Location", ""):
            raise Failed(f"report {case.n} not sent")

    def review(self, case: Case) -> None:
        page = f"/arenden/{case.id}/kvalitetsgranskning/"
        self.quality.form(page, "", {"action": "take"})
        self.quality.form(page, "", {"action": "complete", "comments": "Bra rapport."}, fill=fill_text)

    def survey(self, case: Case) -> None:
        response = case.trainee.form(f"/utvardering/{case.id}/", "", fill=fill_text)
        if "/tack/" not in response.headers.get("Location", ""):
            raise Failed(f"survey {case.n}: {response.headers.get('Location')}")

    def kill_one_of_each(self) -> None:
        web, worker = self.services[0], self.services[2]
        web.kill()
        worker.kill()
        self.killed_at = time.monotonic()
        log(f"SIGKILL: gunicorn master :{self.ports[0]} with its workers, and qcluster worker0")
        self.killed = (web, worker)

    def restart_killed(self) -> None:
        for service in self.killed:
            service.start()
        self.wait_healthy([self.ports[0]])
        log("restarted the killed gunicorn and qcluster (as systemd's Restart=always would)")

    def walk(self) -> None:
        count = 12 if self.args.full else 3
        self.people = django(self.env, "seed", self.run, str(count))
        staff = {p["role"]: p for p in self.people["people"] if p["role"] != "evaluator"}
        evaluators = [p for p in self.people["people"] if p["role"] == "evaluator"]
        self.reminder_seed = threading.Thread(target=self.seed_reminder_cases)
        self.reminder_seed.start()
        self.coordinator = self.staff_browser(staff["coordinator"], "203.0.113.2")
        self.quality = self.staff_browser(staff["quality"], "203.0.113.3")
        self.cases = [Case(n, self.run, self.web, self.s3, evaluators[n]) for n in range(count)]
        phases = [
            ("registered (public form)", self.register),
            ("confirmed by the mailed link", self.confirm),
            ("approved and assigned", self.assign),
            ("evaluator accepted", self.evaluator_accepts),
            ("contact made", self.contact),
            ("practice day agreed", self.practice_day),
            ("material submitted", self.material),
            ("practice day held, report sent", self.held_and_report),
            ("quality reviewed (certificate issued)", self.review),
            ("survey answered (closed)", self.survey),
        ]
        for label, phase in phases:
            for case in self.cases:
                if label.startswith("material") and case.n == len(self.cases) // 2:
                    self.kill_one_of_each()
                phase(case)
                if label.startswith("material") and case.n == len(self.cases) // 2 + 1:
                    self.restart_killed()
            if label.startswith("material") and self.killed[0].starts == 1:
                self.restart_killed()
            log(f"{len(self.cases)} cases: {label}")

    def seed_reminder_cases(self) -> None:
        """In a thread beside the walk (it only needs the coordinator the seed made)."""
        self.reminder_count = 4 if self.args.full else 2
        self.reminder_cases = django(self.env, "reminders", self.run, str(self.reminder_count))["cases"]

    def reminders(self) -> None:
        self.reminder_seed.join()
        if not self.reminder_cases:
            raise Failed("the reminder cases could not be made (see above)")
        count = self.reminder_count
        self.sweeps_before = self.facts()["sweep_runs"]
        django(self.env, "schedule-now")  # both workers' schedulers see the sweep due at once
        sweeps = [subprocess.Popen([PY, str(ROOT / "deploy" / "scaleout_django.py"), "sweep"], env=self.env,
                                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(3)]
        for sweep in sweeps:
            sweep.wait()
        log(f"{count} reminder cases; the sweep scheduled on both workers and run three times at once")

    # -- the checks --

    def facts(self) -> dict:
        return django(self.env, "facts", stdin=json.dumps(
            {"cases": [c.id for c in self.cases], "reminder_cases": self.reminder_cases}))

    def drain(self, timeout: float = 90) -> dict:
        """Until every mail is out, every due reminder handled, and a worker's scheduler has run the sweep.

        A mail the killed worker had claimed stays in "sending" until its lease runs out and the sweep puts
        it back in line: from the kill, the wait may be the lease and a sweep interval more."""
        if self.killed_at is not None:
            lapse = self.killed_at + LEASE_MINUTES * 60 + SWEEP_SECONDS + 15
            timeout = max(timeout, lapse - time.monotonic())
        started = time.monotonic()
        deadline = started + timeout
        while True:
            facts = self.facts()
            waiting = [m for m in facts["messages"] if m["state"] in ("pending", "sending")]
            unsent = [r for r in facts["reminders"] if r["due"] and not r["sent"] and not r["cancelled"]]
            if not waiting and not unsent and facts["sweep_runs"] > self.sweeps_before:
                self.drain_wait = time.monotonic() - started
                log(f"outbox drained, due reminders handled, the scheduled sweep ran (waited {self.drain_wait:.0f} s)")
                return facts
            if time.monotonic() > deadline:
                log(f"still waiting after {timeout:.0f} s: {len(waiting)} mails, {len(unsent)} reminders, "
                    f"sweep runs {facts['sweep_runs']} (before: {self.sweeps_before})")
                return facts
            time.sleep(1)

    def check(self, label: str, ok: bool, detail: str) -> None:
        self.rows.append((label, "ok" if ok else "FAILED", detail))
        if not ok:
            self.problems.append(f"{label}: {detail}")

    def verify(self) -> None:
        facts = self.drain()
        states = Counter(facts["cases"].values())
        self.check("cases closed", states == Counter({"closed": len(self.cases)}), dict(states).__repr__())

        # Mail: every outbox row sent and delivered exactly once, counted by Message-ID at the SMTP server
        # (each row has its own, made when it was written). At least once by design (mittist/outbox/sending.py):
        # a row the killed worker had claimed is sent again once its lease has run out; if the server had
        # taken it before the kill, the second copy has the same Message-ID: one delivery, reported.
        by_state = Counter(m["state"] for m in facts["messages"])
        rows = {m["message_id"]: m for m in facts["messages"]}
        captured = Counter(message_id for _rcpt, _subject, _text, message_id in self.smtp.received)
        self.check("outbox rows: all sent", set(by_state) <= {"sent"},
                   ", ".join(f"{n} {s}" for s, n in sorted(by_state.items())))
        lost = sorted(f"{m['template']} to {m['recipient_email']} ({m['state']})"
                      for message_id, m in rows.items() if not captured[message_id])
        self.check("mails: none lost", not lost, f"{len(rows)} rows, each delivered" if not lost else f"{lost}")
        strangers = sorted(message_id for message_id in captured if message_id not in rows)
        self.check("mails: all from the outbox", not strangers,
                   f"{len(self.smtp.received)} captured" if not strangers else f"unknown Message-IDs: {strangers[:3]}")
        twice = {message_id: n for message_id, n in captured.items() if n > 1 and message_id in rows}
        retried = sorted(m["template"] for m in facts["messages"] if m["attempts"] > 1)
        # Reported, not failed: a second copy under the same Message-ID is the at-least-once design at work.
        self.check("mails: copies under one Message-ID (one delivery)", True,
                   (f"{len(twice)} delivered twice with the same Message-ID (the server had taken it before the "
                    f"kill): {sorted(rows[i]['template'] for i in twice)}; " if twice else "none; ")
                   + f"sent on a later try (e.g. taken back from the killed worker after the lease): "
                   f"{', '.join(retried) or 'none'}; waited {self.drain_wait:.0f} s at the end")
        # Two deliveries of the same text under different Message-IDs would be a real duplicate (two rows).
        texts = Counter((rcpt, subject, text) for rcpt, subject, text, message_id in
                        {entry for entry in self.smtp.received})
        doubled = [key[:2] for key, n in texts.items() if n > 1]
        self.check("mails: no identical message twice under two Message-IDs", not doubled,
                   f"{doubled[:3]}" if doubled else "")

        sent_reminders = [r for r in facts["reminders"] if r["sent"]]
        due = [r for r in facts["reminders"] if r["due"]]
        self.check("reminders: each due one sent once",
                   bool(sent_reminders) and all(r["sent"] or r["cancelled"] for r in due)
                   and not facts["reminder_mails"] and facts["sweep_runs"] > self.sweeps_before,
                   f"{len(sent_reminders)} sent of {len(due)} due ({len(facts['reminders'])} planned); "
                   f"3 sweeps at once + the workers' schedule ({facts['sweep_runs'] - self.sweeps_before} run); "
                   f"mails doubled: {facts['reminder_mails'] or 'none'}")

        # Downloads through the app: documents and report PDFs from S3 (presigned), certificates rendered.
        keys = set(self.s3.keys(self.bucket))
        by_case = {c.id: c for c in self.cases}
        bad = []
        for document in facts["documents"]:
            case = by_case[document["case"]]
            response = case.trainee.get(f"/dokument/{document['id']}/")
            if response.status_code != 200 or response.headers.get("Content-Type") != "application/pdf" \
                    or response.content != case.uploaded or document["name"] not in keys:
                bad.append(f"document {document['id']}: {response.status_code} {response.headers.get('Content-Type')}")
        for report in facts["reports"]:
            case = by_case[report["case"]]
            response = case.trainee.get(f"/arenden/{case.id}/rapport/rapport.pdf")
            if response.status_code != 200 or not response.headers.get("Content-Type", "").startswith(
                    "application/pdf") or not response.content.startswith(b"%PDF") or report["pdf"] not in keys:
                bad.append(f"report {case.n}: {response.status_code} {response.headers.get('Content-Type')}")
        for certificate in facts["certificates"]:
            case = by_case[certificate["case"]]
            response = case.trainee.get(f"/arenden/{case.id}/intyg.pdf")
            if response.status_code != 200 or response.headers.get("Content-Type") != "application/pdf":
                bad.append(f"certificate {case.n}: {response.status_code}")
        expected = len(self.cases)
        self.check("downloads (200, right type)", not bad and len(facts["documents"]) == expected
                   and len(facts["reports"]) == expected and len(facts["certificates"]) == expected,
                   "; ".join(bad) or f"{len(facts['documents'])} documents, {len(facts['reports'])} report PDFs "
                   f"({len(keys)} objects in the bucket), {len(facts['certificates'])} certificates")
        self.check("requests on both servers", all(self.web.counts[p] > 0 for p in self.ports),
                   f":{self.ports[0]} {self.web.counts[self.ports[0]]}, :{self.ports[1]} "
                   f"{self.web.counts[self.ports[1]]}, {self.web.failovers} refused connections moved over")

    def drill(self) -> None:
        """deploy/backup_restore_drill.py against what the run left: this database and this bucket."""
        result = subprocess.run([PY, str(ROOT / "deploy" / "backup_restore_drill.py"), "--backup-dir",
                                 str(self.tmp / "backup")], env=self.env, cwd=ROOT, capture_output=True, text=True)
        print(result.stdout, end="", flush=True)
        last = (result.stdout.strip().splitlines() or [""])[-1]
        self.check("backup/restore drill", result.returncode == 0,
                   last if result.returncode == 0 else (last + " " + result.stderr[-1500:]))

    def report(self) -> None:
        if not self.rows:
            return
        width = max(len(label) for label, _s, _d in self.rows)
        print()
        print(f"{'check'.ljust(width)}  result  detail")
        for label, status, detail in self.rows:
            print(f"{label.ljust(width)}  {status.ljust(6)}  {detail}")
        print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="12 cases instead of 3")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the backup even when all is well")
    parser.add_argument("--no-drill", action="store_true",
                        help="skip the backup/restore drill (deploy/backup_restore_drill.py) at the end")
    args = parser.parse_args()
    run = Run(args)
    try:
        run.setup()
        run.walk()
        run.reminders()
        run.verify()
        if not args.no_drill:
            run.drill()
    except Exception as error:  # a crash is an inconsistency too: reported, then everything is removed
        run.problems.append(f"{type(error).__name__}: {error}")
        log(f"FAILED: {type(error).__name__}: {error}")
    finally:
        try:
            run.teardown()
        except Exception as error:  # the checks' verdict stands; say what could not be removed
            log(f"teardown: {error}")
    run.report()
    if run.problems or args.keep:
        log(f"logs (and the drill's backup) in {run.tmp}")
    else:
        shutil.rmtree(run.tmp, ignore_errors=True)
    if run.problems:
        print("INCONSISTENT:\n  " + "\n  ".join(run.problems))
        return 1
    print(f"OK: {len(run.cases)} cases, two web servers and two workers, one of each killed midway")
    return 0


if __name__ == "__main__":
    sys.exit(main())
