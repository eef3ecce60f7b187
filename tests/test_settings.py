"""Settings: production refuses to start without what it cannot guess; pages carry a strict CSP."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from mittist.settings import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(**overrides) -> dict:
    """What `make check-deploy` sets, on top of an environment cleaned of this project's settings."""
    from cryptography.fernet import Fernet

    prefixes = ("DJANGO_", "FIELD_", "EMAIL_", "SECURE_", "AXES_", "AWS_", "Q_", "MITTIST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    for name in ("DATABASE_URL", "REDIS_URL", "CI", "SITE_URL", "BEHIND_TLS_PROXY", "DEFAULT_FROM_EMAIL"):
        env.pop(name, None)
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        FIELD_HASH_KEY="ab" * 32,
        DJANGO_ALLOWED_HOSTS="mittist.example.org",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        EMAIL_HOST="smtp.example.org",
        SITE_URL="https://mittist.example.org",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


# --- production start-up ---------------------------------------------------------------------------


def test_check_deploy_passes_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = manage("check", env=production_env(DJANGO_SECRET_KEY=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "overrides, mentioned",
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({"FIELD_ENCRYPTION_KEY": None}, "FIELD_ENCRYPTION_KEY"),
        ({"FIELD_HASH_KEY": None}, "FIELD_HASH_KEY"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS"),
        ({"EMAIL_HOST": None}, "EMAIL_HOST"),
        ({"DATABASE_URL": "sqlite:////tmp/mittist-prod.sqlite3"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT"),
        ({"SITE_URL": None}, "SITE_URL"),
        ({"SITE_URL": ""}, "SITE_URL"),
        ({"SITE_URL": "http://mittist.example.org"}, "SITE_URL"),
        ({"SITE_URL": "mittist.example.org"}, "SITE_URL"),
    ],
)
def test_production_refuses_a_missing_or_bad_value(overrides, mentioned):
    result = manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert mentioned in result.stderr


@pytest.mark.parametrize(
    "command", ["seed_demo", "seed_demo_portfolio", "seed_demo_minicex", "seed_demo_programme", "seed_demo_survey"]
)
def test_demo_commands_refuse_a_production_database(command):
    # The command refuses before it touches the database (none runs at 127.0.0.1 in this test).
    result = manage(command, env=production_env())
    assert result.returncode != 0
    assert "development only" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["seed_demo", "seed_demo_survey"])
def test_demo_commands_refuse_when_debug_is_off(db, settings, command):
    from django.core.management import CommandError, call_command

    from mittist.accounts.models import User

    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command(command, verbosity=0)
    assert not User.objects.filter(email__endswith="@example.org").exists()


# --- the helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["maybe", "ja", "2", "truee", "y"])
def test_env_bool_refuses_what_it_cannot_read(monkeypatch, value):
    monkeypatch.setenv("MITTIST_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="MITTIST_TEST_FLAG"):
        env_bool("MITTIST_TEST_FLAG", False)


@pytest.mark.parametrize(
    "value, expected",
    [("1", True), ("true", True), ("TRUE", True), ("yes", True), ("0", False), ("false", False), ("No", False)],
)
def test_env_bool_reads_true_and_false(monkeypatch, value, expected):
    monkeypatch.setenv("MITTIST_TEST_FLAG", value)
    assert env_bool("MITTIST_TEST_FLAG", not expected) is expected


def test_env_bool_unset_gives_the_default(monkeypatch):
    monkeypatch.delenv("MITTIST_TEST_FLAG", raising=False)
    assert env_bool("MITTIST_TEST_FLAG", True) is True
    assert env_bool("MITTIST_TEST_FLAG", False) is False


def test_env_int_refuses_what_it_cannot_read(monkeypatch):
    monkeypatch.setenv("MITTIST_TEST_INT", "12abc")
    with pytest.raises(ImproperlyConfigured, match="MITTIST_TEST_INT"):
        env_int("MITTIST_TEST_INT", 3)
    monkeypatch.setenv("MITTIST_TEST_INT", "12")
    assert env_int("MITTIST_TEST_INT", 3) == 12


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("MITTIST_TEST_LIST", " a.example.org, ,b.example.org ")
    assert env_list("MITTIST_TEST_LIST", []) == ["a.example.org", "b.example.org"]


# --- content security policy and no third-party resources -----------------------------------------


@pytest.mark.parametrize("name", ["accounts:login", "evaluations:register"])
def test_pages_carry_a_strict_content_security_policy(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_carry_the_policy_too(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("evaluations:dashboard"))
    assert "default-src 'self'" in response["Content-Security-Policy"]


def page_templates() -> list[Path]:
    roots = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates"), *BASE_DIR.glob("*/*/templates")]
    files = []
    for root in roots:
        if ".venv" in root.parts or not root.is_dir():
            continue
        files += [p for p in root.rglob("*.html") if "emails" not in p.relative_to(root).parts]
    return files


EXTERNAL_ASSET = re.compile(
    r"<(script|link)\b[^>]*\b(src|href)\s*=\s*[\"']?\s*(https?:)?//", re.IGNORECASE
)


def test_there_are_page_templates_to_scan():
    names = {p.name for p in page_templates()}
    assert {"base.html", "login.html", "dashboard.html", "register.html"} <= names


def test_no_page_template_loads_scripts_or_styles_from_another_site():
    offenders = []
    for path in page_templates():
        text = path.read_text(encoding="utf-8")
        for match in EXTERNAL_ASSET.finditer(text):
            offenders.append(f"{path.relative_to(BASE_DIR)}: {match.group(0)}")
    assert offenders == []


def test_rendered_pages_load_nothing_from_another_site(client, coordinator):
    client.force_login(coordinator)
    for url in [reverse("evaluations:dashboard"), reverse("evaluations:evaluator_list")]:
        html = client.get(url).content.decode()
        assert not EXTERNAL_ASSET.search(html), url
        assert "<script" in html  # the scan above did look at script tags
