"""The production shape, for real: deploy/scaleout.py (two gunicorn masters, two workers, PostgreSQL,
Redis, moto S3 and an SMTP server; one web master and one worker SIGKILLed midway; several cases from the
public form to closed), then the backup/restore drill against what it left. Its own database and bucket:
nothing of the test database is touched. Runs on PostgreSQL only (CI=true), like the other postgres tests.

Also, on every database: the operator's files in deploy/ say what the settings say (every variable in the
env template, the upload limit in nginx, the systemd units' syntax when systemd-analyze is there).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the production shape needs PostgreSQL (CI=true)")
def test_scaleout_and_backup_drill_short_mode():
    result = subprocess.run([sys.executable, str(DEPLOY / "scaleout.py")], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "OK: " in result.stdout
    assert "DRILL OK" in result.stdout
    # The kill really happened and the survivors carried on.
    assert "SIGKILL" in result.stdout and "restarted the killed" in result.stdout


def settings_variables() -> set[str]:
    source = (ROOT / "mittist" / "settings.py").read_text()
    names = set(re.findall(r"env_(?:str|required|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    names |= set(re.findall(r"os\.environ\.get\(\"([A-Z][A-Z0-9_]*)\"", source))
    # f"MITTIST_REMIND_{name.upper()}_DAYS_BEFORE" for each reminder series.
    series = re.search(r"_remind_before = \{.*?for name, default in \[(.*?)\]", source, re.S).group(1)
    names |= {f"MITTIST_REMIND_{n.upper()}_DAYS_BEFORE" for n in re.findall(r"\(\"(\w+)\",", series)}
    return names


def test_env_template_lists_every_variable_the_settings_read():
    template = (DEPLOY / "mittist.env.example").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", template, re.M))
    wanted = settings_variables()
    assert len(wanted) > 60  # the parse found the settings' variables
    assert sorted(wanted - listed) == []
    assert sorted(listed - wanted) == []


def test_nginx_body_limit_follows_the_upload_limit():
    conf = (DEPLOY / "nginx-mittist.conf").read_text()
    limit = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    largest = max(settings.PORTFOLIO_MAX_UPLOAD_MB, settings.MITTIST_REPORT_CHECK_MAX_MB)
    assert largest < limit <= largest + 2
    assert "X-Forwarded-Proto $scheme" in conf and "X-Forwarded-For $remote_addr" in conf
    assert "Strict-Transport-Security" in conf


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    """`systemd-analyze verify` on copies whose program paths point at this checkout's interpreter."""
    bin_dir = Path(sys.executable).parent
    for name in ("mittist-web.service", "mittist-worker.service"):
        text = (DEPLOY / name).read_text().replace("/srv/mittist/.venv/bin", str(bin_dir))
        assert "Restart=always" in text and "EnvironmentFile=/etc/mittist/mittist.env" in text
        (tmp_path / name).write_text(text)
    if not (bin_dir / "gunicorn").exists():
        pytest.skip("gunicorn is not installed next to the interpreter")
    result = subprocess.run(["systemd-analyze", "verify", *[str(p) for p in sorted(tmp_path.iterdir())]],
                            capture_output=True, text=True)
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if "mittist-" in line]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None,
                    reason="nginx (apt-get install nginx-light) or openssl is not installed")
def test_nginx_site_passes_nginx_t(tmp_path):
    """`nginx -t` on the site, inside a minimal nginx.conf, with a throwaway certificate in place of the real one."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=mittist.example.org", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx-mittist.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/mittist.example.org/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/mittist.example.org/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n")
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
