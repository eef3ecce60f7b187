"""Case- and accent-folded text search that behaves the same on SQLite and PostgreSQL.

`fold("Öberg")` is "oberg": Unicode-decomposed, accents dropped, case-folded. In SQL the same folding
is `Fold(expression)`:

- SQLite: a deterministic function `mittist_fold` registered on every new connection (SQLite's own
  LIKE and lower() fold ASCII only, so "öberg" would not find "Öberg");
- PostgreSQL: lower() plus translate() with a table built from `fold` itself, for every letter of
  Latin-1 and Latin Extended-A (lower() alone depends on the database's locale and keeps accents).

Both sides of a comparison go through the same folding, so `Fold(field)__contains=fold(word)` finds
"Öberg" from "öberg", "oberg" or "ÖBERG". Letters that fold to more than one letter (ß → ss) are left
alone on PostgreSQL; Swedish names do not need them.

The dashboard's search does not fold its columns at query time: the user's `full_name_folded` and
`email_folded` and the case's `workplace_folded` are `Fold(column)` as generated columns, stored and kept by the
database on every write (PostgreSQL indexes them with pg_trgm), and compared with `fold(word)`. A change to the
folding here therefore needs a migration that regenerates those columns.
"""

import unicodedata

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import CharField, Func

SQLITE_FUNCTION = "mittist_fold"


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _translate_table() -> tuple[str, str]:
    source, target = [], []
    for code in range(0xC0, 0x180):
        char = chr(code)
        folded = fold(char)
        if len(folded) == 1 and folded != char:
            source.append(char)
            target.append(folded)
    return "".join(source), "".join(target)


TRANSLATE_FROM, TRANSLATE_TO = _translate_table()


class Fold(Func):
    """The SQL side of `fold`: see the module's docstring."""

    function = "LOWER"  # other databases: case only
    arity = 1
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"translate(lower({sql}), %s, %s)", [*params, TRANSLATE_FROM, TRANSLATE_TO]


def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)


connection_created.connect(_register_sqlite_function, dispatch_uid="mittist.search.fold")
# A connection opened before this module was imported (a shell, a test run) gets the function too.
for _connection in connections.all(initialized_only=True):
    if _connection.connection is not None:
        _register_sqlite_function(None, _connection)
