#!/usr/bin/env python
"""`make bench`: how the product's pages, sweeps and PDFs scale, as ratios measured in one run.

    make bench                 # short mode (CI): 100 vs 2,000 cases, sweeps at 1,000 vs 10,000
    make bench FULL=1          # full mode (by hand): 100 vs 10,000 cases, sweeps at 1,000 vs 100,000
    .venv/bin/python bench/run.py [--full] [--large N] [--runs N] [--reset] [--no-write]
    .venv/bin/python bench/run.py --throughput-only   # only gunicorn's mix ÷ bare; a DATABASE_URL of your own keeps the seeded cases for the next run

In-process, through Django's test client, against a throwaway SQLite file (/tmp/mittist-bench-pages.sqlite3,
recreated each time) unless DATABASE_URL is set (then PostgreSQL: that database must be empty of cases,
or pass --reset to FLUSH it). With CI=true and no DATABASE_URL it creates the PostgreSQL databases
mittist_bench_pages_<pid> and mittist_bench_reminders_<pid> on CI's server at 127.0.0.1 (named by the process,
so that two benches at once do not collide) and drops them when it ends.
BENCH_FULL=1 in the environment is the same as --full.

What it prints, and writes with the machine and the date to docs/benchmarks.md:
- coordinator dashboard p50 at the large N ÷ at 100 cases, and the same for its search;
- dashboard p50 ÷ a bare signed-in page that renders only the base layout (time in rendering, not data);
- the number of queries of every list page at 100 and at the large N (they must be equal);
- the purge sweep with the same number due at the large N ÷ at 100 cases;
- the reminder sweep at its large ÷ small size (bench/reminder_sweep.py, in its own database);
- the material PDF and the report PDF of a long, realistic package, in seconds (the material's as the
  worker renders it, and the reader's longest request of material.pdf);
- over HTTP (bench/throughput.py): a 25 MB upload through gunicorn to S3 (moto) ÷ a raw boto3 upload and
  the worker's peak memory at 5 and 25 MB; gunicorn's requests/s at p95 < 250 ms, page mix ÷ bare page.

Exit status 1 when a ratio misses its target (the table says which), 0 otherwise. With --ci (what
`make test` runs under CI=true, in short mode): 1 only when a list page's query count differs between the
sizes or a measurement breaks; a missed timing target is printed, since a shared runner's timings vary.
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import types
import warnings
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import throughput  # noqa: E402  (bench/throughput.py)

SQLITE_FILE = Path("/tmp/mittist-bench-pages.sqlite3")
DOC = ROOT / "docs" / "benchmarks.md"
SMALL = 100
PURGE_DUE = 20

# Targets from issue 13.
TARGETS = {
    "dashboard": 1.2,
    "search": 1.3,
    "dashboard_vs_bare": 6.0,
    "purge": 2.0,
    "reminders": 2.0,
    "pdf_seconds": 2.0,
    "upload_ratio": 0.75,  # at least
    "upload_growth_mb": 8.0,
    "throughput_ratio": 0.35,  # at least
}


def say(message: str = "") -> None:
    print(message, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    full = os.environ.get("BENCH_FULL", "") not in ("", "0")
    parser.add_argument("--full", action="store_true", default=full, help="10,000 cases, sweeps at 100,000")
    parser.add_argument("--large", type=int, help="cases in the large round (short 2,000, full 10,000)")
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page and size")
    parser.add_argument("--reset", action="store_true", help="flush a DATABASE_URL database that has cases")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--ci", action="store_true",
                        help="exit 1 only when a list page's query count grows with the data or a measure breaks")
    parser.add_argument("--skip-reminders", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-http", action="store_true", help="no uploads or gunicorn throughput")
    parser.add_argument("--throughput-only", action="store_true",
                        help="only gunicorn's throughput (mix ÷ bare) at the large size; a DATABASE_URL database "
                             "seeded by an earlier --throughput-only run is used again as it is")
    args = parser.parse_args()
    args.large = args.large or (10_000 if args.full else 2_000)
    args.sweep_large = 100_000 if args.full else 10_000
    return args


CI_POSTGRES = "postgres://postgres@127.0.0.1:5432/"


def fresh_postgres(name: str) -> str:
    """In CI (CI=true, no DATABASE_URL): an empty PostgreSQL database of this name on CI's server."""
    import psycopg

    with psycopg.connect(CI_POSTGRES + "postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return CI_POSTGRES + name


def own_database(kind: str) -> str:
    """This process's CI database for `kind` ("pages", "reminders"): fresh, and dropped when the bench ends."""
    import atexit

    name = f"mittist_bench_{kind}_{os.getpid()}"
    atexit.register(drop_postgres, name)
    return fresh_postgres(name)


def drop_postgres(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(CI_POSTGRES + "postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes", "on")


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mittist.settings")
    if not os.environ.get("DATABASE_URL") and in_ci():
        os.environ["DATABASE_URL"] = own_database("pages")
    own_sqlite = not os.environ.get("DATABASE_URL")
    if own_sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
    os.environ.pop("EMAIL_HOST", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    warnings.filterwarnings("ignore", "No directory at")
    import django

    django.setup()
    from django.conf import settings
    from django.db.backends.signals import connection_created

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False

    def sqlite_without_fsync_per_commit(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")

    connection_created.connect(sqlite_without_fsync_per_commit, weak=False)
    import logging

    for name in ("django-q", "scheduling", "evaluations", "django.request", "axes", "weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    install_bare_page()


def install_bare_page():
    """A URL only the bench has: a signed-in page that renders the base layout and nothing else."""
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import include, path

    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}<h1>Bänk</h1>{% endblock %}'
    )

    @login_required
    def bare(request):
        return HttpResponse(template.render({}, request))

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path("bench/bare/", bare, name="bench_bare"), path("", include(settings.ROOT_URLCONF))]
    sys.modules["bench_urls"] = module
    settings.ROOT_URLCONF = "bench_urls"


# --- data -------------------------------------------------------------------------------------------

FIRST = ["Agnes", "Bo", "Cecilia", "David", "Elin", "Filip", "Greta", "Hassan", "Ida", "Jonas", "Karin", "Leo",
         "Maja", "Nils", "Olivia", "Per", "Rut", "Samir", "Tove", "Ulf", "Vera", "Wilma", "Yusuf", "Åsa", "Östen"]
LAST = ["Provström", "Testberg", "Exempeldahl", "Demoek", "Provsberg", "Testgran", "Demoholm", "Exempelim",
        "Provsson", "Testsson", "Demolind", "Provmånsson", "Testnyberg", "Exempelsson", "Demoöberg", "Provåberg"]
CLINICS = ["Vårdcentralen Kustbyn", "Hälsocentralen Fjällnära", "Vårdcentralen Centrum", "Vårdcentralen Ängen",
           "Vårdcentralen Björkhagen", "Hälsocentralen Solgården", "Vårdcentralen Älvsjö", "Vårdcentralen Öster"]
REGIONS = ["halland", "skane", "vastra_gotaland", "stockholm", "norrbotten", "ostergotland", "jonkoping", "kalmar"]


def settle_database() -> None:
    """After bulk inserts, the statistics; on PostgreSQL also the vacuum that autovacuum runs on a table that
    took many inserts (it marks the pages all-visible, so that counts can be read off an index alone)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


class Data:
    """Realistic-looking cases in every state, with their trainees, evaluators, mini-CEX and survey answers."""

    def __init__(self):
        from django.utils import timezone

        from evaluations.minicex.models import FormDefinition
        from evaluations.models import Evaluation, Evaluator
        from mittist import crypto
        from mittist.accounts.models import Role, User
        from survey.models import SurveyDefinition

        self.Evaluation, self.User, self.Role = Evaluation, User, Role
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.ciphertext = crypto.encrypt("190001019800")
        self.lookup_hash = crypto.lookup_hash
        self.made = 0
        make = User.objects.create_user
        self.coordinator = make(email="bench.koordinator@example.org", password=None, full_name="Kora Bänk",
                                role=Role.COORDINATOR)
        self.quality = make(email="bench.kvalitet@example.org", password=None, full_name="Kai Bänk", role=Role.QUALITY)
        self.doctor = make(email="bench.lakare@example.org", password=None, full_name="Lina Bänkläkare",
                           role=Role.TRAINEE)
        self.evaluators = []
        for n in range(40):
            user = make(email=f"bench.vardare{n}@example.org", password=None,
                        full_name=f"{FIRST[n % len(FIRST)]} Värderare{n}", role=Role.EVALUATOR)
            self.evaluators.append(Evaluator.objects.create(
                user=user, region=REGIONS[n % len(REGIONS)], home_clinic=CLINICS[n % len(CLINICS)], max_active_cases=6))
        self.evaluator = self.evaluators[0]  # the one whose home page is measured
        self.minicex_definition = FormDefinition.objects.first()
        self.survey_definition = SurveyDefinition.current()

    def _case(self, n: int, trainee):
        E = self.Evaluation
        S = E.State
        states = [S.REGISTERED, S.EVALUATOR_ASSIGNED, S.EVALUATOR_ACCEPTED, S.CONTACT_MADE, S.PRACTICE_DAY_AGREED,
                  S.MATERIAL_SUBMITTED, S.PRACTICE_DAY_HELD, S.REPORT_DELIVERED, S.QUALITY_REVIEWED, S.CERTIFIED,
                  S.CLOSED, S.CLOSED, S.CLOSED]
        state = states[n % len(states)]
        # Every 50th case is the measured evaluator's; the others spread over the pool.
        evaluator = None if state == S.REGISTERED else (
            self.evaluator if n % 50 == 1 else self.evaluators[1 + n % (len(self.evaluators) - 1)])
        registered = self.now - timedelta(days=30 + n % 400)
        case = E(
            trainee=trainee, state=state, personnummer_encrypted=self.ciphertext,
            personnummer_hash=self.lookup_hash(f"bench-page-{n:09d}"), personnummer_masked="19000101-****",
            workplace=CLINICS[n % len(CLINICS)], region=REGIONS[(n + 3) % len(REGIONS)], curriculum="2021",
            st_start=self.today - timedelta(days=900), st_planned_end=self.today + timedelta(days=800),
            supervisor_name="Hedda Handledare", supervisor_email="handledare@example.org",
            manager_name="Maja Chef", manager_profession="Distriktsläkare", invoicing_address="Box 1",
            registration_accepted_at=None if n % 26 == 0 else registered, evaluator=evaluator,
            evaluator_assigned_at=registered if evaluator else None,
            evaluator_notified_at=registered if evaluator else None,
            next_due_on=self.today + timedelta(days=(n % 60) - 10) if state not in (S.CLOSED,) else None,
            next_due_kind="contact" if state not in (S.CLOSED,) else "",
        )
        case.registered_at = registered
        if state in (S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED):
            case.practice_day = self.today + timedelta(days=20 + n % 40)
        if E.PROCESS.index(state) >= E.PROCESS.index(S.PRACTICE_DAY_HELD):
            case.practice_day = self.today - timedelta(days=30 + n % 300)
        if E.PROCESS.index(state) >= E.PROCESS.index(S.REPORT_DELIVERED):
            case.report_delivered_at = registered + timedelta(days=200)
        if E.PROCESS.index(state) >= E.PROCESS.index(S.QUALITY_REVIEWED):
            case.quality_reviewed_at = registered + timedelta(days=210)
        if state == S.CLOSED:
            # Ended long ago and already purged: what the purge sweep must step over.
            case.closed_at = self.now - timedelta(days=400 + n % 300)
            case.material_purged_at = case.closed_at + timedelta(days=100)
        return case

    def add(self, count: int) -> None:
        """`count` more cases, each with its own trainee; a mini-CEX for every fifth, a survey answer for
        every tenth; the measured doctor and evaluator get their share."""
        from evaluations.minicex.models import MiniCex
        from survey.models import SurveyResponse

        batch = 2_000
        for start in range(0, count, batch):
            size = min(batch, count - start)
            numbers = range(self.made + start, self.made + start + size)
            users = [self.User(email=f"bench.st{n}@example.org", full_name=f"{FIRST[n % 25]} {LAST[n % 16]}{n}",
                               role=self.Role.TRAINEE, password="!") for n in numbers]
            self.User.objects.bulk_create(users, batch_size=1_000)
            cases = [self._case(n, user) for n, user in zip(numbers, users, strict=True)]
            self.Evaluation.objects.bulk_create(cases, batch_size=1_000)
            forms = []
            for n, user in zip(numbers, users, strict=True):
                if n % 5 == 0:
                    forms.append(self._minicex(n, user if n % 25 else self.doctor))
            MiniCex.objects.bulk_create(forms, batch_size=1_000)
            if self.survey_definition:
                SurveyResponse.objects.bulk_create([
                    SurveyResponse(definition=self.survey_definition, year=self.today.year, month=1 + n % 12,
                                   region=REGIONS[n % len(REGIONS)], answers=self._survey_answers(n))
                    for n in numbers if n % 10 == 0
                ], batch_size=1_000)
        self.made += count
        settle_database()

    def _minicex(self, n: int, trainee):
        from evaluations.minicex.models import MiniCex

        S = MiniCex.State
        state = [S.DRAFT, S.AWAITING_ASSESSOR, S.ASSESSED, S.COMPLETED][n % 4]
        assessor = self.evaluator.user if n % 10 == 5 else None
        return MiniCex(
            definition=self.minicex_definition, state=state, trainee=trainee, performed_on=self.today - timedelta(days=n % 500),
            clinical_context="Mottagning", case_description="Kvinna 58 år med trötthet.", curriculum="2021",
            assessor_user=assessor, assessor_name=assessor.full_name if assessor else "Hugo Handledarsson",
            assessor_email=assessor.email if assessor else "hugo.handledare@example.org",
        )

    def _survey_answers(self, n: int) -> dict:
        answers = {}
        for i, item in enumerate(self.survey_definition.items):
            if item.get("kind", "scale") == "scale":
                answers[item["key"]] = 1 + (n + i) % 5
            elif n % 3 == 0:
                answers[item["key"]] = "Bra dag, tack! Värderaren var påläst och tog mina frågor på allvar."
        return answers

    # --- the purge sweep's due rows: ended past their keep time, noticed, not purged yet
    def make_purge_due(self, count: int) -> list:
        from django.conf import settings

        E = self.Evaluation
        ids = list(E.objects.filter(state=E.State.CLOSED).order_by("pk").values_list("pk", flat=True)[:count])
        assert len(ids) == count, f"only {len(ids)} closed cases for {count} due purges"
        keep = timedelta(days=settings.MITTIST_MATERIAL_KEEP_DAYS_AFTER_END + settings.MITTIST_PURGE_NOTICE_DAYS + 5)
        E.objects.filter(pk__in=ids).update(closed_at=self.now - keep, material_purge_notice_sent_at=self.now - keep)
        return ids


# --- measuring --------------------------------------------------------------------------------------


def client_for(user):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="sv")
    client.force_login(user)
    give_second_factor(client, user)
    return client


def give_second_factor(client, user) -> None:
    """Staff must give a second factor after the password: the session is marked as verified by an
    authenticator, as the second step does (django_otp.login), so the pages and not the step are measured."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mittist.accounts.rules import second_factor_required

    if not second_factor_required(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Bänk", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


BEST = {}  # (url, size) -> the fastest run: less at the mercy of a busy machine than the median


def p50(client, url: str, runs: int) -> float:
    times = []
    for run in range(runs + 2):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        if run >= 2:  # two warm-ups
            times.append(elapsed)
    BEST[url] = min(times)
    return statistics.median(times)


def query_count(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # caches (sessions, definitions) warm, as for every later request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def list_pages(data) -> list[tuple[str, object, str]]:
    from django.urls import reverse

    return [
        ("coordinator dashboard", data.coordinator, reverse("evaluations:dashboard")),
        ("dashboard search", data.coordinator, reverse("evaluations:dashboard") + "?q=Provs%C3%B6"),
        ("evaluator home", data.evaluator.user, reverse("evaluations:evaluator_home")),
        ("quality queue", data.quality, reverse("evaluations:quality_home")),
        ("mini-CEX: doctor's list", data.doctor, reverse("minicex:list")),
        ("mini-CEX: assessor inbox", data.evaluator.user, reverse("minicex:assessments")),
        ("mini-CEX: doctors' overview", data.coordinator, reverse("minicex:trainees")),
        ("mini-CEX: one doctor's forms", data.coordinator, reverse("minicex:trainee_forms", args=[data.doctor.pk])),
        ("survey aggregates", data.quality, reverse("survey:results")),
    ]


def measure_round(data, runs: int) -> dict:
    from django.urls import reverse

    from evaluations import purge

    coordinator = client_for(data.coordinator)
    dashboard = reverse("evaluations:dashboard")
    result = {
        "dashboard": p50(coordinator, dashboard, runs),
        "search": p50(coordinator, dashboard + "?q=Provs", runs),
        "bare": p50(coordinator, "/bench/bare/", runs),
        "queries": {},
    }
    result["best"] = {
        "dashboard": BEST[dashboard], "search": BEST[dashboard + "?q=Provs"], "bare": BEST["/bench/bare/"],
    }
    clients = {}
    for label, user, url in list_pages(data):
        client = clients.setdefault(user.pk, client_for(user))
        result["queries"][label] = query_count(client, url)
    # The purge sweep: the same PURGE_DUE cases due in both rounds, reset before every run.
    due = data.make_purge_due(PURGE_DUE)
    times = []
    for run in range(max(3, runs // 3) + 1):
        data.Evaluation.objects.filter(pk__in=due).update(material_purged_at=None)
        started = time.perf_counter()
        done = purge.run_sweep()
        elapsed = time.perf_counter() - started
        assert done["material_purged"] == PURGE_DUE, done
        if run:
            times.append(elapsed)
    result["purge"] = statistics.median(times)
    return result


def long_package_case():
    """A case held on its practice day with one long package: every section filled with long text, four
    recordings with self-evaluations (what the PDFs and the throughput's case page show)."""
    from django.utils import timezone

    from evaluations.models import Evaluation
    from portfolio.management.commands.seed_demo_portfolio import Command as SeedPortfolio
    from portfolio.sections import SECTIONS
    from portfolio.services.common import ensure_sections

    case = Evaluation.objects.filter(state=Evaluation.State.PRACTICE_DAY_HELD).select_related("evaluator__user").first()
    Evaluation.objects.filter(pk=case.pk).update(material_submitted_at=timezone.now(), material_purged_at=None)
    case.refresh_from_db()
    SeedPortfolio().fill(case, complete=True)
    paragraph = (
        "Under randningen på medicinkliniken lärde jag mig att prioritera bland många samtidiga uppgifter och att "
        "be om hjälp i tid. På vårdcentralen har jag fått ta ansvar för en egen lista med patienter med "
        "multisjuklighet, där kontinuiteten har betytt mycket både för dem och för mig. "
    )
    # About 2,600 characters for each of the 42 free-text prompts: some 30 pages, as a thorough portfolio.
    long_text = "\n\n".join(paragraph * 2 for _ in range(4))
    sections = ensure_sections(case)
    for definition in SECTIONS:
        section = sections[definition.code]
        data = dict(section.data)
        for prompt in definition.prompts:
            if prompt.kind not in ("year", "date", "choice", "line"):
                data[prompt.key] = long_text
        section.data = data
        section.save()
    from portfolio.models import Recording

    for n in (3, 4):
        Recording.objects.create(
            case=case, recorded_on=timezone.localdate() - timedelta(days=60 + n), age_band="18-44", visit_type="planned",
            consent_before=True, consent_after=True, journal_note_shared=True, share_safe_reference=f"BENCH-{n}",
        )
    return case, long_text


def full_report(case, long_text):
    """The case's report with every answer written (long_text), saved by its evaluator."""
    from unittest import mock

    from evaluations import notifications
    from evaluations.reports import services as report_services
    from mittist.accounts.models import Role, User

    evaluator = case.evaluator.user if case.evaluator else User.objects.filter(role=Role.EVALUATOR).first()
    with mock.patch.object(notifications, "queue"):
        report = report_services.report_for(case)
        answers = {key: long_text for key in report.keys}
        return report_services.report_save(report=report, by=evaluator, data=answers, base_version=report.version)


def measure_pdfs() -> dict:
    """The material PDF and the report PDF of the long package (long_package_case, and a full report), each
    rendered as the product renders it."""
    from evaluations.reports.pdf import render_report_pdf

    case, long_text = long_package_case()
    results = {"case": case}
    flow = throughput.measure_material_pdf(case, client_for(case.evaluator.user))  # in the worker, and per request
    results.update(material_pdf=flow["render"], material_flow=flow, material_pages=pdf_pages(flow["content"]))

    report = full_report(case, long_text)
    started = time.perf_counter()
    content = render_report_pdf(report)
    results["report_pdf"] = time.perf_counter() - started
    results["report_pages"] = pdf_pages(content)
    return results


def pdf_pages(content: bytes) -> int | str:
    try:
        info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else "?"


def run_reminder_bench(args) -> tuple[float | None, str]:
    """bench/reminder_sweep.py in its own process and database; its ratio line is read back."""
    command = [sys.executable, str(ROOT / "bench" / "reminder_sweep.py"), "--small", "1000",
               "--large", str(args.sweep_large), "--runs", "5"]
    env = dict(os.environ)
    if env.get("DATABASE_URL", "").startswith("sqlite"):
        env.pop("DATABASE_URL")  # its own throwaway file
    elif env.get("DATABASE_URL", "").endswith(f"/mittist_bench_pages_{os.getpid()}"):
        env["DATABASE_URL"] = own_database("reminders")  # CI: its own empty database
    elif args.reset:
        command.append("--reset")
    child = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    match = re.search(r"ratio \(large / small\):\s+([0-9.]+)x", child.stdout)
    for line in child.stdout.splitlines():
        if "cases:" in line or "ratio" in line:
            say("  " + line.strip())
    return (float(match.group(1)) if match else None), child.stdout


# --- output -----------------------------------------------------------------------------------------


def verdict(value, target) -> str:
    if value is None:
        return "not measured"
    return "ok" if value <= target else "**over target**"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def measure_http(args, pdfs) -> dict:
    """Uploads and gunicorn's throughput (bench/throughput.py), each in servers of its own."""
    from evaluations.models import Evaluation

    S = Evaluation.State
    upload_case = Evaluation.objects.filter(state=S.PRACTICE_DAY_AGREED, material_submitted_at__isnull=True).first()
    say("Uploads of 5 and 25 MB through gunicorn to S3 (moto) and straight to S3")
    uploads = throughput.measure_uploads(upload_case, client_for(upload_case.trainee))
    say("gunicorn, two workers: a mix of pages and the bare page at rising concurrency")
    mix, bare = throughput.throughput_pages(pdfs["case"])
    served = throughput.measure_throughput(mix, bare, client_for, seconds=8 if args.full else 3)
    say("  one client, p50 per page: " + ", ".join(f"/{url} {t * 1000:.0f} ms" for url, t in served["pages"].items()))
    return {"uploads": uploads, "throughput": served}


def http_rows(http) -> tuple[list[str], bool]:
    """The rows of measure_http: targets the result must reach (≥) or stay under (≤)."""
    if not http:
        return [], True
    rows, ok = [], True

    def row(what, value, target, at_least, unit):
        nonlocal ok
        good = value is not None and (value >= target if at_least else value <= target)
        ok = ok and good
        shown = "–" if value is None else f"{value:.2f}{unit}"
        mark = "not measured" if value is None else ("ok" if good else "**over target**" if not at_least else
                                                     "**under target**")
        rows.append(f"| {what} | {shown} | {'≥' if at_least else '≤'} {target}{unit} | {mark} |")

    up, tp = http["uploads"], http["throughput"]
    if up:
        row(f"25 MB document upload, app ÷ raw boto3 throughput to the same S3 (moto) "
            f"({up['app_25']:.2f} s ÷ {up['raw_25']:.2f} s; 5 MB: {up['app_5']:.2f} s ÷ {up['raw_5']:.2f} s)",
            up["ratio"], TARGETS["upload_ratio"], True, "×")
        row(f"gunicorn worker's peak memory, after 25 MB uploads − after 5 MB uploads "
            f"({up['peak_25']:.0f} MB − {up['peak_5']:.0f} MB; {up['before']:.0f} MB before)",
            up["growth"], TARGETS["upload_growth_mb"], False, " MB")
    levels = "; ".join(f"{name} " + ", ".join(f"{c}: {rate:.0f}/s p95 {p95 * 1000:.0f} ms"
                                              for c, rate, p95 in tp[f"{name}_levels"]) for name in ("mix", "bare"))
    row(f"gunicorn, 2 workers: requests/s at p95 < 250 ms, page mix ÷ bare page "
        f"({tp['mix'] or 0:.0f}/s ÷ {tp['bare'] or 0:.0f}/s; clients {levels})",
        tp["ratio"], TARGETS["throughput_ratio"], True, "×")
    return rows, ok


def table(args, vendor, small, large, pdfs, reminders, http=None) -> tuple[str, bool, bool]:
    """(the table, every target met, every list page's query count the same at both sizes)."""
    ok = True
    queries_ok = True
    rows = []

    def row(what, value, target, unit="×"):
        nonlocal ok
        mark = verdict(value, target)
        ok = ok and mark == "ok"
        shown = "–" if value is None else f"{value:.2f}{unit}"
        rows.append(f"| {what} | {shown} | ≤ {target}{unit} | {mark} |")

    n = f"{args.large:,}"
    lb, sb = large["best"], small["best"]
    row(f"coordinator dashboard p50, {n} ÷ {SMALL} cases "
        f"({large['dashboard'] * 1000:.0f} ms ÷ {small['dashboard'] * 1000:.0f} ms; "
        f"fastest runs {lb['dashboard'] / sb['dashboard']:.2f}×)",
        large["dashboard"] / small["dashboard"], TARGETS["dashboard"])
    row(f"dashboard search p50, {n} ÷ {SMALL} cases ({large['search'] * 1000:.0f} ms ÷ {small['search'] * 1000:.0f} ms; "
        f"fastest runs {lb['search'] / sb['search']:.2f}×)",
        large["search"] / small["search"], TARGETS["search"])
    row(f"dashboard p50 ÷ bare signed-in page, {n} cases "
        f"({large['dashboard'] * 1000:.0f} ms ÷ {large['bare'] * 1000:.1f} ms; fastest runs {lb['dashboard'] / lb['bare']:.2f}×)",
        large["dashboard"] / large["bare"], TARGETS["dashboard_vs_bare"])
    row(f"purge sweep ({PURGE_DUE} due), {n} ÷ {SMALL} cases "
        f"({large['purge'] * 1000:.0f} ms ÷ {small['purge'] * 1000:.0f} ms)",
        large["purge"] / small["purge"], TARGETS["purge"])
    row(f"reminder sweep (200 due), {args.sweep_large:,} ÷ 1,000 cases", reminders, TARGETS["reminders"])
    flow = pdfs["material_flow"]
    rows.append(f"| material PDF, {pdfs['material_pages']} pages, rendered in the worker (seconds) | "
                f"{pdfs['material_pdf']:.2f} s | – | the reader does not wait on one request for it |")
    row(f"material PDF download: the reader's longest request (waiting page {flow['first_request']:.2f} s, "
        f"htmx question {flow['poll']:.2f} s, stored file {flow['download']:.2f} s)", flow["longest_request"],
        TARGETS["pdf_seconds"], " s")
    row(f"report PDF, {pdfs['report_pages']} pages (seconds)", pdfs["report_pdf"], TARGETS["pdf_seconds"], " s")
    extra, extra_ok = http_rows(http)
    rows.extend(extra)
    ok = ok and extra_ok
    query_rows = []
    for label, count in small["queries"].items():
        big = large["queries"][label]
        same = count == big
        queries_ok = queries_ok and same
        query_rows.append(f"| {label} | {count} | {big} | {'ok' if same else '**differs**'} |")
    mode = "full" if args.full else "short"
    text = "\n".join([
        f"Measured {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()}; database {vendor}; "
        f"{mode} mode (`make bench{' FULL=1' if args.full else ''}`), p50 of {args.runs} requests after two warm-ups.",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
        *rows,
        "",
        f"| list page: queries per request | {SMALL} cases | {n} cases | equal |",
        "|---|---|---|---|",
        *query_rows,
    ])
    return text, ok and queries_ok, queries_ok


def write_doc(text: str, vendor: str, full: bool) -> None:
    marker_start = f"<!-- bench:{vendor}:{'full' if full else 'short'} -->"
    marker_end = "<!-- /bench -->"
    block = f"{marker_start}\n## {vendor}, {'full' if full else 'short'} mode\n\n{text}\n{marker_end}"
    header = (
        "# Benchmarks\n\n"
        "Written by `make bench` (bench/run.py); each section is replaced by the next run of the same database\n"
        "and mode. The figures are ratios measured in one run, so they compare sizes on the same machine;\n"
        "the absolute times are there to read them by. See bench/run.py for what is measured and how.\n"
    )
    old = DOC.read_text() if DOC.exists() else header
    pattern = re.compile(re.escape(marker_start) + r".*?" + re.escape(marker_end), re.S)
    new = pattern.sub(lambda _m: block, old) if pattern.search(old) else old.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(new)


def flush_database() -> None:
    """--reset: every table emptied, and the rows the data migrations load put back (a flush takes them too,
    and `migrate` does not run a migration twice): the report template, the mini-CEX forms, the survey."""
    from django.core.management import call_command

    from tests.definitions import load_definitions

    call_command("flush", interactive=False, verbosity=0)
    load_definitions()


def throughput_only(args) -> int:
    """--throughput-only: seed the large size (or use what an earlier run seeded) and measure gunicorn's
    throughput alone, without the rounds, the PDFs, the uploads or the sweeps; nothing is written."""
    from django.core.management import call_command

    from evaluations.models import Evaluation
    from portfolio.models import Recording

    call_command("migrate", verbosity=0)
    if args.reset:
        flush_database()
    seeded = Recording.objects.filter(share_safe_reference="BENCH-3").select_related("case").first()
    if seeded:
        case = seeded.case
        say(f"Using the {Evaluation.objects.count():,} cases already seeded")
    else:
        if Evaluation.objects.exists():
            sys.exit("The database has cases not seeded by the bench. Pass --reset to flush it.")
        say(f"Seeding {args.large:,} cases")
        Data().add(args.large)
        case, long_text = long_package_case()
        full_report(case, long_text)
    say("gunicorn, two workers: a mix of pages and the bare page at rising concurrency")
    mix, bare = throughput.throughput_pages(case)
    served = throughput.measure_throughput(mix, bare, client_for, seconds=8 if args.full else 3)
    say("  one client, p50 per page: " + ", ".join(f"/{url} {t * 1000:.0f} ms" for url, t in served["pages"].items()))
    rows, ok = http_rows({"uploads": None, "throughput": served})
    say(rows[-1])
    return 0 if ok else 1


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    setup_django()
    if args.throughput_only:
        return throughput_only(args)
    from django.core.management import call_command
    from django.db import connection

    from evaluations.models import Evaluation

    vendor = connection.vendor
    say(f"Database: {vendor} ({connection.settings_dict['NAME']}); {'full' if args.full else 'short'} mode")
    call_command("migrate", verbosity=0)
    if Evaluation.objects.exists():
        if not args.reset:
            sys.exit("The database already has cases. Point DATABASE_URL at an empty one, or pass --reset to flush it.")
        flush_database()

    data = Data()
    say(f"Seeding {SMALL} cases")
    data.add(SMALL)
    say("Measuring")
    small = measure_round(data, args.runs)
    say(f"Seeding up to {args.large:,} cases")
    data.add(args.large - SMALL)
    say("Measuring")
    large = measure_round(data, args.runs)
    say("Rendering the PDFs of a long package")
    pdfs = measure_pdfs()
    http = None if args.skip_http else measure_http(args, pdfs)
    reminders = None
    if not args.skip_reminders:
        say(f"Reminder sweep, 1,000 and {args.sweep_large:,} cases (bench/reminder_sweep.py)")
        reminders, _output = run_reminder_bench(args)

    text, ok, queries_ok = table(args, vendor, small, large, pdfs, reminders, http)
    say()
    say(text)
    say()
    if not args.no_write:
        write_doc(text, vendor, args.full)
        say(f"Written to {DOC.relative_to(ROOT)}")
    say(f"Total time {time.perf_counter() - started:.0f} s")
    if args.ci:
        # CI fails on what does not depend on the runner's speed (a list page whose query count grows with
        # the data, a measurement that broke); a missed timing target is reported above and in the table.
        if not ok and queries_ok:
            say("CI: a timing target was missed on this run (see the table); not a failure on a shared runner.")
        return 0 if queries_ok else 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
