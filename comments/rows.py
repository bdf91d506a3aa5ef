"""Model rows on the hot paths without the ORM's per-call query compilation.

Posting a comment and deciding it run a handful of simple statements: a token lookup, an
article with its site, an insert or two, a status update. Through the ORM each one is compiled
afresh on every call (0.2-0.9 ms of CPU apiece, several times the statement itself; see
docs/performance.md). Here the SQL of each statement shape is built once per model, from the
model's own metadata, and cached; values go through the fields' own preparation on the way in
(`get_db_prep_save`) and Django's own converters on the way out, so instances come out exactly
as the ORM would build them (`Model.from_db`, aware datetimes, decoded JSON, booleans).

What this skips, by design: model signals (the hot models have no receivers; add one and it
will not fire for these writes) and `save()` overrides. Use it only where a test pins the
query count and the behaviour is covered through the public API.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Field, Model
from django.db.models.expressions import Col

M = TypeVar("M", bound=Model)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


class Columns:
    """Columns of `model` under a table alias, for a hand-written SELECT, and how to turn a
    slice of a result row back into an instance."""

    def __init__(self, model: type[Model], alias: str, names: tuple[str, ...] | None = None):
        self.model = model
        self.fields: tuple[Field, ...] = (
            tuple(model._meta.concrete_fields)
            if names is None
            else tuple(model._meta.get_field(name) for name in names)
        )
        self.attnames = [f.attname for f in self.fields]
        self.sql = ", ".join(f"{alias}.{_quote(f.column)}" for f in self.fields)
        self.width = len(self.fields)
        converters = []
        for index, field in enumerate(self.fields):
            col = Col(alias, field)
            found = col.get_db_converters(connection) + connection.ops.get_db_converters(col)
            if found:
                converters.append((index, tuple(found), col))
        self._converters = tuple(converters)

    def values(self, row: Sequence[Any], start: int = 0) -> list[Any]:
        """The columns beginning at `row[start]`, as the fields' Python values."""
        conn = connections[DEFAULT_DB_ALIAS]
        values = list(row[start : start + self.width])
        for index, functions, col in self._converters:
            value = values[index]
            for function in functions:
                value = function(value, col, conn)
            values[index] = value
        return values

    def load(self, row: Sequence[Any], start: int = 0) -> M:
        """The instance whose columns begin at `row[start]`."""
        return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, self.values(row, start))


@cache
def _columns(model: type[Model], alias: str, vendor: str, names: tuple[str, ...] | None) -> Columns:
    return Columns(model, alias, names)


def columns(model: type[Model], alias: str, names: tuple[str, ...] | None = None) -> Columns:
    """Every concrete column, or only `names` (the instance then defers the others, and reading
    one of those costs a query, as with `QuerySet.only`)."""
    return _columns(model, alias, connection.vendor, names)


def load_joined(row: Sequence[Any], *parts: Columns) -> list[Model | None]:
    """One instance per part of a joined row, the parts' columns side by side in the order
    given; None for a part whose primary key is NULL (nothing matched its LEFT JOIN)."""
    instances: list[Model | None] = []
    start = 0
    for part in parts:
        pk_index = part.attnames.index(part.model._meta.pk.attname)
        instances.append(None if row[start + pk_index] is None else part.load(row, start))
        start += part.width
    return instances


def fetchone(sql: str, params: Sequence[Any]) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@cache
def _insert_sql(
    model: type[Model], vendor: str, skip_conflicts: bool
) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if f is not meta.pk)
    sql = (
        f"INSERT INTO {_quote(meta.db_table)} "  # noqa: S608 - names from the model
        f"({', '.join(_quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {_quote(meta.pk.column)}"
    return sql, fields


def _insert(obj: Model, *, skip_conflicts: bool) -> bool:
    sql, fields = _insert_sql(type(obj), connection.vendor, skip_conflicts)
    conn = connections[DEFAULT_DB_ALIAS]  # what `connection` stands for, looked up once
    params = [f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        if conn.features.can_return_columns_from_insert:
            row = cursor.fetchone()
            pk = row[0] if row is not None else None
        else:
            pk = cursor.lastrowid
    if pk is None:
        return False
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = conn.alias
    return True


def insert(obj: M) -> M:
    """INSERT one unsaved instance (with an auto primary key) and set its primary key."""
    _insert(obj, skip_conflicts=False)
    return obj


def insert_unless_conflict(obj: Model) -> bool:
    """INSERT one unsaved instance unless it breaks a unique constraint, in one statement
    (`ON CONFLICT DO NOTHING`, no savepoint); whether it was inserted (then its pk is set)."""
    if not connection.features.can_return_columns_from_insert:
        # Without RETURNING a skipped row is indistinguishable: catch the conflict instead.
        try:
            with transaction.atomic():
                insert(obj)
        except IntegrityError:
            return False
        return True
    return _insert(obj, skip_conflicts=True)


@cache
def _update_sql(
    model: type[Model], names: tuple[str, ...], vendor: str
) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    fields = tuple(meta.get_field(name) for name in names)
    assignments = ", ".join(f"{_quote(f.column)} = %s" for f in fields)
    sql = (
        f"UPDATE {_quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model
        f"WHERE {_quote(meta.pk.column)} = %s"
    )
    return sql, fields


def update(obj: Model, names: Sequence[str]) -> int:
    """UPDATE the named fields of one saved instance from its current values; the row count.

    Unlike `save(update_fields=...)`, an `auto_now` field is not refreshed: name it and set it.
    """
    sql, fields = _update_sql(type(obj), tuple(names), connection.vendor)
    conn = connections[DEFAULT_DB_ALIAS]
    params = [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in fields]
    params.append(obj.pk)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@cache
def _increment_sql(model: type[Model], name: str, vendor: str) -> str:
    meta = model._meta
    column = _quote(meta.get_field(name).column)
    return (
        f"UPDATE {_quote(meta.db_table)} SET {column} = {column} + %s "  # noqa: S608
        f"WHERE {_quote(meta.pk.column)} = %s"
    )


def increment(model: type[Model], pk: Any, name: str, delta: int) -> int:
    """`UPDATE ... SET name = name + delta` on one row, in the database (exact under
    concurrency, like an F() expression); the row count."""
    with connection.cursor() as cursor:
        cursor.execute(_increment_sql(model, name, connection.vendor), [delta, pk])
        return cursor.rowcount
