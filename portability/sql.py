"""The importer's bulk writes: PostgreSQL's COPY, else the ORM's bulk_create.

Rows come as dicts of attribute names (`author_id`, not `author`) to plain values the driver
adapts as they are (str, int, bool, aware datetimes, None); a field a row leaves out takes
its default, computed once per call (so give a value for any field whose default is a
callable meant per row). On PostgreSQL they go in through `COPY ... FROM STDIN` (psycopg's
copy protocol), with the primary keys the import needs (a comment's, for its replies and its
audit row) reserved from the table's own sequence first: several times faster than building
model instances and a multi-row INSERT. Tables and columns come from the model's metadata,
quoted by the connection. Model `save()` and signals are skipped, as by `bulk_create`.
Elsewhere (SQLite in development and tests), model instances and `bulk_create`.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model


def bulk_insert(
    model: type[Model], rows: Sequence[dict[str, Any]], *, with_ids: bool = False
) -> None:
    """Insert `rows`; with `with_ids` each row gets its primary key under "id"."""
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        model._default_manager.using(alias).bulk_create(objects)
        if with_ids:
            for row, obj in zip(rows, objects, strict=True):
                row[pk.attname] = obj.pk
        return
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if f is not pk]
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    if with_ids:
        fields.insert(0, pk)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(rows)],
            )
            for row, (value,) in zip(rows, cursor.fetchall(), strict=True):
                row[pk.attname] = value
        columns = ", ".join(quote(str(f.column)) for f in fields)
        statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        # Django's own wrapper turns the driver's errors into django.db's (IntegrityError...).
        with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[n] if n in row else defaults[n] for n in names])


def analyze(models: Sequence[type[Model]]) -> None:
    """Fresh planner statistics for tables an import has just filled (PostgreSQL; autovacuum
    would get there, later)."""
    alias = router.db_for_write(models[0])
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def commit_without_waiting(model: type[Model]) -> None:
    """Inside a transaction: its COMMIT does not wait for the WAL to reach the disk
    (PostgreSQL's `synchronous_commit = off`, for this transaction only). A crash can lose
    the last such transactions whole, never half of one: for an import, which records what it
    wrote in the same transactions and resumes where it stopped, that is safe."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
