"""The dashboard's search reads folded copies of the searched columns, indexed for `contains` on PostgreSQL.

`workplace_folded` (here) and the user's `full_name_folded` and `email_folded` (accounts 0004) are
`Fold(column)`, generated and stored by the database on every write. On PostgreSQL each gets a pg_trgm GIN
index, so that `LIKE '%word%'` finds its rows from the index and rechecks only those (evaluations.selectors
`_search`). The extension is created here if missing: that needs a role allowed to create it (in production an
administrator may create it once beforehand; see README). SQLite has no such index: nothing more happens there.
"""

import mittist.search
from django.db import migrations, models

# (index name, table, column)
TRIGRAM_INDEXES = [
    ("accounts_user_full_name_folded_trgm", "accounts_user", "full_name_folded"),
    ("accounts_user_email_folded_trgm", "accounts_user", "email_folded"),
    ("evaluation_workplace_folded_trgm", "evaluations_evaluation", "workplace_folded"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)')


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_b13search_folded_name_email"),
        ("evaluations", "0009_b13search_dashboard_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="workplace_folded",
            field=models.GeneratedField(
                db_persist=True, expression=mittist.search.Fold("workplace"), output_field=models.TextField()
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
