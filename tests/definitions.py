"""The rows the data migrations load (report template, quality checklist, survey, self-evaluation form,
mini-CEX forms).

A transactional test (a live server, the dump test) flushes every table when it ends, migration data too,
so any database test that runs after one would find no template. tests/conftest.py puts them back from the
migrations themselves, so the tests always see what a migrated database holds."""

import importlib

from django.apps import apps

LOADERS = (
    ("evaluations.reports.migrations.0002_first_versions", "load"),
    ("portfolio.migrations.0002_self_evaluation_template_v1", "create_version_1"),
    ("portfolio.migrations.0003_i10b_self_evaluation_title", "retitle"),
    ("evaluations.minicex.migrations.0002_printed_forms", "load"),
    ("survey.migrations.0003_first_version", "load"),
)


def load_definitions() -> None:
    for module, function in LOADERS:
        getattr(importlib.import_module(module), function)(apps, None)


def definitions_missing() -> bool:
    from evaluations.reports.models import ReportTemplate

    return not ReportTemplate.objects.exists()
