# The two commands: `make run` (set up and start everything) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test install migrate demo bench lint messages clean check-deploy otp scaleout

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_portfolio
	$(PY) manage.py seed_demo_minicex
	$(PY) manage.py seed_demo_programme
	$(PY) manage.py seed_demo_reports
	$(PY) manage.py seed_demo_survey
	$(PY) manage.py rundev

# The demo staff's current second-factor code (coordinator, quality group, admin).
otp: install
	$(PY) manage.py demo_otp

# Under CI=true (PostgreSQL, browsers) the bench's short mode runs after the suite (bench/run.py --ci);
# the production shape (deploy/scaleout.py) runs inside the suite (tests/test_production_shape.py).
test: install
	$(PY) -m pytest
	@if [ "$$CI" = "true" ]; then $(PY) bench/run.py --ci --no-write; fi

# Pages, sweeps and PDFs at a small and a large size, as ratios; writes docs/benchmarks.md (bench/run.py).
# Short mode (CI) by default; `make bench FULL=1` (or BENCH_FULL=1) for 10,000 cases and 100,000 for the sweeps.
bench: install
	$(PY) bench/run.py $(if $(FULL),--full,)

# The production shape for real (deploy/scaleout.py): two gunicorn masters and two workers on PostgreSQL,
# Redis, S3 (moto) and SMTP (aiosmtpd), one of each killed midway, cases from the public form to closed,
# then the backup/restore drill. Needs PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379).
# Short mode by default (CI runs it from tests/test_production_shape.py); `make scaleout FULL=1` for more cases.
scaleout: install
	$(PY) deploy/scaleout.py $(if $(FULL),--full,)

lint: install
	$(PY) -m ruff check .

messages: install
	$(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=test-artifacts --ignore=var
	$(PY) manage.py compilemessages -l en --ignore=.venv

check-deploy: install
	DJANGO_ENV=production DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	FIELD_ENCRYPTION_KEY=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	FIELD_HASH_KEY=$$($(PY) -c 'import secrets; print(secrets.token_hex(32))') \
	DJANGO_ALLOWED_HOSTS=mittist.example.org DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
	EMAIL_HOST=smtp.example.org SITE_URL=https://mittist.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
