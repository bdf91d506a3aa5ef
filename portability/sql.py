"""The importer's bulk writes: PostgreSQL's COPY, else the ORM's bulk_create.

On PostgreSQL, rows go in through `COPY ... FROM STDIN` (psycopg's copy protocol), with the
primary keys the import needs (a comment's, for its replies and audit row) reserved from the
table's own sequence first: several times faster than a multi-row INSERT, whose SQL Django
builds value by value. Values go through each field's `get_db_prep_save`, as the ORM's would;
tables and columns come from the model's metadata, quoted by the connection. Model `save()`
and signals are skipped, as by `bulk_create`. Elsewhere (SQLite in development and tests),
`bulk_create`.
"""

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Model


def bulk_insert(model: type[Model], objects: Sequence[Model], *, with_ids: bool = False) -> None:
    """Insert `objects`; with `with_ids` each gets its primary key."""
    if not objects:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.using(alias).bulk_create(objects)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if with_ids or f is not pk]
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(objects)],
            )
            for obj, (value,) in zip(objects, cursor.fetchall(), strict=True):
                obj.pk = value
        columns = ", ".join(quote(str(f.column)) for f in fields)
        statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for obj in objects:
                copy.write_row(
                    [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
                )
    for obj in objects:
        obj._state.adding = False
        obj._state.db = alias
