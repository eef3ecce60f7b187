"""gunicorn's application for bench/throughput.py: the product, plus the bench's bare signed-in page."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mittist.settings")

import django  # noqa: E402

django.setup()

import run  # noqa: E402  (bench/run.py)
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
run.install_bare_page()
application = get_wsgi_application()
