"""How many cases are in each state, kept by the database itself.

The dashboard shows the number of cases in every state. Counting them (`COUNT(*) ... GROUP BY state`) reads
every case, so the page grew with the number of cases. `StateCount` holds one row per state instead, and
triggers on the cases' table keep it exact on every INSERT, UPDATE OF state and DELETE (and TRUNCATE on
PostgreSQL), whoever writes: a service, a bulk_create, a queryset update, the admin or a purge. No service
can forget it, as with the generated folded search columns (migration 0010_b13search_search_index).

Both supported databases have triggers: PostgreSQL (a PL/pgSQL function) and SQLite (the embedded default).
`install` creates them (replacing older ones) and counts the cases once; the migration calls it, and so does
`post_migrate` when a trigger is missing: SQLite drops a table's triggers when a migration rebuilds the
table (Django does so for many column changes), and the counts must not silently stop following the cases.
"""

TABLE = "evaluations_evaluation"
COUNTS = "evaluations_statecount"
TRIGGERS = ("evaluations_state_count_insert", "evaluations_state_count_update", "evaluations_state_count_delete")

# Locks the two count rows of a transition in the order of their states, so that two transactions
# moving cases in opposite directions cannot deadlock on them.
_POSTGRESQL = [
    f"""
CREATE OR REPLACE FUNCTION evaluations_state_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.state < OLD.state THEN
        INSERT INTO {COUNTS} (state, cases) VALUES (NEW.state, 1)
            ON CONFLICT (state) DO UPDATE SET cases = {COUNTS}.cases + 1;
        UPDATE {COUNTS} SET cases = cases - 1 WHERE state = OLD.state;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE {COUNTS} SET cases = cases - 1 WHERE state = OLD.state;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO {COUNTS} (state, cases) VALUES (NEW.state, 1)
            ON CONFLICT (state) DO UPDATE SET cases = {COUNTS}.cases + 1;
    END IF;
    RETURN NULL;
END
$$""",
    f"""
CREATE OR REPLACE FUNCTION evaluations_state_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {COUNTS};
    RETURN NULL;
END
$$""",
    f"""CREATE OR REPLACE TRIGGER evaluations_state_count_insert AFTER INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION evaluations_state_count_change()""",
    f"""CREATE OR REPLACE TRIGGER evaluations_state_count_update AFTER UPDATE OF state ON {TABLE}
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION evaluations_state_count_change()""",
    f"""CREATE OR REPLACE TRIGGER evaluations_state_count_delete AFTER DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION evaluations_state_count_change()""",
    f"""CREATE OR REPLACE TRIGGER evaluations_state_count_truncate AFTER TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION evaluations_state_count_truncate()""",
]

_SQLITE_ADD = f"""INSERT INTO {COUNTS} (state, cases) VALUES (NEW.state, 1)
        ON CONFLICT (state) DO UPDATE SET cases = cases + 1;"""
_SQLITE_REMOVE = f"UPDATE {COUNTS} SET cases = cases - 1 WHERE state = OLD.state;"
_SQLITE = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
    f"CREATE TRIGGER evaluations_state_count_insert AFTER INSERT ON {TABLE} BEGIN {_SQLITE_ADD} END",
    f"""CREATE TRIGGER evaluations_state_count_update AFTER UPDATE OF state ON {TABLE}
        WHEN OLD.state IS NOT NEW.state BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END""",
    f"CREATE TRIGGER evaluations_state_count_delete AFTER DELETE ON {TABLE} BEGIN {_SQLITE_REMOVE} END",
]

_RECOUNT = [
    f"DELETE FROM {COUNTS}",
    f"INSERT INTO {COUNTS} (state, cases) SELECT state, COUNT(*) FROM {TABLE} GROUP BY state",
]


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        # No case may change between the count and the triggers taking over.
        return [f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE", *_POSTGRESQL, *_RECOUNT]
    if vendor == "sqlite":
        return [*_SQLITE, *_RECOUNT]
    raise NotImplementedError(f"No state count triggers for {vendor}: Mitt-i-ST runs on PostgreSQL or SQLite.")


def install(connection) -> None:
    """Create (or replace) the triggers and count the cases there are now, in one transaction."""
    from django.db import transaction

    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in _statements(connection.vendor):
            cursor.execute(statement)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {TABLE}" if connection.vendor == "postgresql" else ""))
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS evaluations_state_count_truncate ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS evaluations_state_count_change()")
            cursor.execute("DROP FUNCTION IF EXISTS evaluations_state_count_truncate()")


def installed_triggers(connection) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        return {row[0] for row in cursor.fetchall()}


def reinstall_if_missing(sender=None, using="default", **kwargs) -> None:
    """After `migrate`: put back triggers a migration dropped (SQLite rebuilding the table), and recount."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    if not {TABLE, COUNTS} <= set(connection.introspection.table_names()):
        return
    expected = {*TRIGGERS, *(["evaluations_state_count_truncate"] if connection.vendor == "postgresql" else [])}
    if not expected <= installed_triggers(connection):
        install(connection)
