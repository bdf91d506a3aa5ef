"""The comments app's hand-written SQL, all of it, and the model rows it reads and writes.

Every statement here is built from model metadata: table and column names come from the
models and are quoted by the database's own `quote_name`, joins follow relation fields, and
result rows are read by column name or through the same metadata that built the SELECT. The
SQL of each statement shape is built once per model and cached.

- Hot-path rows without the ORM's per-call query compilation: one model with related models
  joined along relation paths (`Select`, like `select_related`), inserts, updates and
  increments. Through the ORM each of these is compiled afresh on every call (0.2-0.9 ms of
  CPU apiece, several times the statement itself; see docs/performance.md). Values go through
  the fields' own preparation on the way in (`get_db_prep_save`) and Django's own converters on
  the way out, so instances come out as the ORM would build them (`Model.from_db`, aware
  datetimes, decoded JSON, booleans).
- The thread page's two queries (`thread_rows`, `first_reply_rows`), whose rows are plain
  named tuples rather than model instances: a page can nest hundreds of replies.

Every statement runs on the database the router chooses for its model (`db_for_read`, or
`db_for_write` for writes and row locks), as the ORM's would.

What the writes skip, by design: `save()` overrides and model signals. A model written here
must have no `pre_save`, `post_save`, `pre_delete` or `post_delete` receivers: the first write
of each model in a process checks, and refuses with `SignalReceiversPresent` if it has any
(tests/comments/test_rows.py checks the real project). Use this module only where a test pins
the query count and the behaviour is covered through the public API.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any, Generic, NamedTuple, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, router, transaction
from django.db.models import Field, ForeignKey, ForeignObjectRel, Model, signals
from django.db.models.expressions import Col

from .models import TOMBSTONE_STATUSES, Comment, Commenter, CommentStatus, Vote

M = TypeVar("M", bound=Model)


# What the writes skip: model signals. Checked once per model and process, at its first write
# (receivers are connected when the apps load, before any request or task runs).

_SKIPPED_SIGNALS = {
    "pre_save": signals.pre_save,
    "post_save": signals.post_save,
    "pre_delete": signals.pre_delete,
    "post_delete": signals.post_delete,
}


class SignalReceiversPresent(ImproperlyConfigured):
    """A model written through `comments.rows` has receivers that these writes would skip."""


def receivers_of(model: type[Model]) -> list[str]:
    """The model signals `rows` skips that have receivers for `model`."""
    return [name for name, signal in _SKIPPED_SIGNALS.items() if signal.has_listeners(model)]


def check_no_receivers(model: type[Model]) -> None:
    """Refuse a model whose signal receivers `rows` would silently skip."""
    found = receivers_of(model)
    if found:
        raise SignalReceiversPresent(
            f"{model._meta.label} has {', '.join(found)} receivers, which writes through "
            "comments.rows skip. Write it through the ORM, or do the receiver's work in the "
            "service that writes the row."
        )


_checked: set[type[Model]] = set()


def _writable(model: type[Model]) -> None:
    if model not in _checked:
        check_no_receivers(model)
        _checked.add(model)


# Columns of one model under a table alias.


def _field(model: type[Model], name: str) -> Field:
    """The concrete field `name` of `model` ("pk": its primary key)."""
    meta = model._meta
    field = meta.pk if name == "pk" else meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete:
        raise ValueError(f"{meta.label}.{name} is not a column.")
    return field


def _column(field: Field) -> str:
    assert field.column is not None  # concrete fields have one
    return field.column


class Columns:
    """Columns of `model` under a table alias, for a SELECT on database `db`, and how to turn a
    slice of a result row back into an instance."""

    def __init__(self, model: type[Model], alias: str, names: tuple[str, ...] | None, db: str):
        conn = connections[db]
        self.model = model
        self.db = db
        self.fields: tuple[Field, ...] = (
            tuple(model._meta.concrete_fields)
            if names is None
            else tuple(_field(model, name) for name in names)
        )
        self.attnames = [f.attname for f in self.fields]
        pk = model._meta.pk.attname
        self.pk_index = self.attnames.index(pk) if pk in self.attnames else None
        self.sql = ", ".join(f"{alias}.{conn.ops.quote_name(_column(f))}" for f in self.fields)
        self.width = len(self.fields)
        converters = []
        for index, field in enumerate(self.fields):
            col = Col(alias, field)
            found = col.get_db_converters(conn) + conn.ops.get_db_converters(col)
            if found:
                converters.append((index, tuple(found), col))
        self._converters = tuple(converters)

    def values(self, row: Sequence[Any], start: int = 0) -> list[Any]:
        """The columns beginning at `row[start]`, as the fields' Python values."""
        conn = connections[self.db]
        values = list(row[start : start + self.width])
        for index, functions, col in self._converters:
            value = values[index]
            for function in functions:
                value = function(value, col, conn)
            values[index] = value
        return values

    def load(self, row: Sequence[Any], start: int = 0) -> Model:
        """The instance whose columns begin at `row[start]`."""
        return self.model.from_db(self.db, self.attnames, self.values(row, start))


@cache
def _columns(model: type[Model], alias: str, names: tuple[str, ...] | None, db: str) -> Columns:
    return Columns(model, alias, names, db)


def columns(
    model: type[Model], alias: str, names: tuple[str, ...] | None = None, *, db: str | None = None
) -> Columns:
    """Every concrete column, or only `names` (the instance then defers the others, and reading
    one of those costs a query, as with `QuerySet.only`), on `db` (by default the database the
    router reads `model` from). A building block for another app's own SQL module; the comments
    app's statements are the ones below."""
    return _columns(model, alias, names, db or router.db_for_read(model))


def load_joined(row: Sequence[Any], *parts: Columns) -> list[Model | None]:
    """One instance per part of a joined row, the parts' columns side by side in the order
    given; None for a part whose primary key is NULL (nothing matched its LEFT JOIN)."""
    instances: list[Model | None] = []
    start = 0
    for part in parts:
        missing = part.pk_index is not None and row[start + part.pk_index] is None
        instances.append(None if missing else part.load(row, start))
        start += part.width
    return instances


def fetchone(sql: str, params: Sequence[Any], *, db: str = DEFAULT_DB_ALIAS) -> tuple | None:
    """One row of a statement built with `columns`; pass `db` as `columns` chose it."""
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# One row of a model with related models joined, as `select_related` loads it.


def _with_pk(model: type[Model], names: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """`names` with the primary key first if missing, as `QuerySet.only` reads it too."""
    pk = model._meta.pk.name
    return names if names is None or pk in names else (pk, *names)


class Select(Generic[M]):
    """At most one row of `model` matching `where` (equality on field paths, `__` between
    relations: `("site__slug", "key")`), with the models at the relation paths of `related`
    joined and cached on the instances, as `select_related` does. `related` maps each path
    (forward foreign keys and one-to-ones, reverse one-to-ones) to the field names to read, or
    None for all; list a path's parent before it. A join is LEFT when the relation may be
    missing: a null foreign key is cached as None, a missing reverse one-to-one is not cached
    (reading it then queries, and `commenter_for_user` can create it).

    `only` limits the model's own columns (its primary key is always read); `for_update` locks
    the row (on the database the router writes the model to; the caller runs in a transaction
    there).

    The SQL is built once per database alias, on first use, from the models' metadata.
    """

    def __init__(
        self,
        model: type[M],
        *,
        where: Sequence[str],
        related: Mapping[str, tuple[str, ...] | None] | Sequence[str] = (),
        only: tuple[str, ...] | None = None,
        for_update: bool = False,
    ):
        if for_update and related:
            raise ValueError("Select locks one model's row: no joins with for_update.")
        self.model = model
        self.where = tuple(where)
        self.related = dict(related) if isinstance(related, Mapping) else dict.fromkeys(related)
        self.only = only
        self.for_update = for_update
        self._built: dict[str, tuple[str, tuple[Columns, ...], tuple[tuple, ...]]] = {}

    def _build(self, db: str) -> tuple[str, tuple[Columns, ...], tuple[tuple, ...]]:
        conn = connections[db]
        quote = conn.ops.quote_name
        parts = {"": _columns(self.model, "t0", _with_pk(self.model, self.only), db)}
        aliases = {"": "t0"}
        # (index of the part it hangs from, the relation, whether it is a reverse one)
        links: list[tuple[int, Field | ForeignObjectRel, bool]] = []
        joins = []
        for index, (path, names) in enumerate(self.related.items(), start=1):
            parent_path, _, name = path.rpartition("__")
            if parent_path not in parts:
                raise ValueError(f"Select: list {parent_path!r} before {path!r} in related.")
            parent, parent_alias = parts[parent_path], aliases[parent_path]
            relation = parent.model._meta.get_field(name)
            alias = f"t{index}"
            reverse = isinstance(relation, ForeignObjectRel)
            if isinstance(relation, ForeignObjectRel) and relation.one_to_one:
                model = relation.related_model
                here, there = _column(relation.field), _column(relation.field.target_field)
                outer = True
            elif isinstance(relation, ForeignKey):  # one-to-one fields included
                model = relation.related_model
                here, there = _column(relation.target_field), _column(relation)
                outer = relation.null
            else:
                raise ValueError(f"Select: {path!r} is not a single related object.")
            assert isinstance(model, type)  # resolved: the apps are loaded
            parts[path], aliases[path] = _columns(model, alias, _with_pk(model, names), db), alias
            links.append((list(parts).index(parent_path), relation, reverse))
            joins.append(
                f"{'LEFT JOIN' if outer else 'JOIN'} {quote(model._meta.db_table)} {alias} "
                f"ON {alias}.{quote(here)} = {parent_alias}.{quote(there)}"
            )
        conditions = []
        for path in self.where:
            owner, _, name = path.rpartition("__")
            if owner not in parts:
                raise ValueError(f"Select: join {owner!r} to filter on {path!r}.")
            field = _field(parts[owner].model, name)
            conditions.append(f"{aliases[owner]}.{quote(_column(field))} = %s")
        sql = (
            f"SELECT {', '.join(part.sql for part in parts.values())} "  # noqa: S608
            f"FROM {quote(self.model._meta.db_table)} t0 {' '.join(joins)} "
            f"WHERE {' AND '.join(conditions)}"
        )
        if self.for_update and conn.features.has_select_for_update:
            # As comments.locks: the key columns never change, so no-key where the database has it.
            sql += f" {conn.ops.for_update_sql(no_key=conn.features.has_select_for_no_key_update)}"
        built = (sql, tuple(parts.values()), tuple(links))
        self._built[db] = built
        return built

    def get(self, *params: Any) -> M | None:
        """The instance matching `params` (one per `where` path, in order), or None."""
        route = router.db_for_write if self.for_update else router.db_for_read
        db = route(self.model)
        sql, parts, links = self._built.get(db) or self._build(db)
        row = fetchone(sql, params, db=db)
        if row is None:
            return None
        instances = load_joined(row, *parts)
        for index, (parent_index, relation, reverse) in enumerate(links, start=1):
            parent, related = instances[parent_index], instances[index]
            if parent is None:
                continue
            if reverse:
                if related is not None:
                    relation.set_cached_value(parent, related)
                    relation.field.set_cached_value(related, parent)
            elif related is not None or getattr(parent, relation.attname) is None:
                relation.set_cached_value(parent, related)
        return instances[0]  # type: ignore[return-value]  # the first part is an M


# Writes.


@cache
def _conflict_target(model: type[Model], constraint: str | None) -> tuple[str, ...]:
    """The columns of the unique constraint a conflicting insert is skipped for: the one named,
    or the model's only one."""
    meta = model._meta
    found = {
        c.name: tuple(_column(_field(model, name)) for name in c.fields)
        for c in meta.total_unique_constraints
    }
    found.update(
        (f.name, (_column(f),)) for f in meta.concrete_fields if f.unique and not f.primary_key
    )
    if constraint is None and len(found) == 1:
        return next(iter(found.values()))
    if constraint in found:
        return found[constraint]
    raise ValueError(
        f"{meta.label}: name the unique constraint an insert may conflict with "
        f"(one of {sorted(found)}), unconditional and on fields only."
    )


@cache
def _insert_sql(
    model: type[Model], db: str, conflict: tuple[str, ...] | None
) -> tuple[str, tuple[Field, ...]]:
    conn = connections[db]
    quote = conn.ops.quote_name
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if f is not meta.pk)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from the model
        f"({', '.join(quote(_column(f)) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if conflict:
        sql += f" ON CONFLICT ({', '.join(quote(column) for column in conflict)}) DO NOTHING"
    if conn.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(_column(meta.pk))}"
    return sql, fields


def _insert(obj: Model, conflict: tuple[str, ...] | None) -> bool:
    model = type(obj)
    _writable(model)
    db = router.db_for_write(model, instance=obj)
    conn = connections[db]
    sql, fields = _insert_sql(model, db, conflict)
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
    obj._state.db = db
    return True


def insert(obj: M) -> M:
    """INSERT one unsaved instance (with an auto primary key) and set its primary key."""
    _insert(obj, None)
    return obj


def insert_unless_conflict(obj: Model, *, constraint: str | None = None) -> bool:
    """INSERT one unsaved instance unless a row already holds its values of one unique
    constraint (`constraint`, by name; by default the model's only one), in one statement
    (`ON CONFLICT (...) DO NOTHING`, no savepoint); whether it was inserted (then its pk is
    set). Any other violation raises IntegrityError."""
    model = type(obj)
    target = _conflict_target(model, constraint)
    db = router.db_for_write(model, instance=obj)
    if not connections[db].features.can_return_columns_from_insert:
        # Without RETURNING a skipped row is indistinguishable: catch the conflict instead.
        try:
            with transaction.atomic(using=db):
                insert(obj)
        except IntegrityError:
            return False
        return True
    return _insert(obj, target)


@cache
def _update_sql(
    model: type[Model], names: tuple[str, ...], db: str
) -> tuple[str, tuple[Field, ...]]:
    quote = connections[db].ops.quote_name
    meta = model._meta
    fields = tuple(_field(model, name) for name in names)
    assignments = ", ".join(f"{quote(_column(f))} = %s" for f in fields)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names from the model
        f"WHERE {quote(_column(meta.pk))} = %s"
    )
    return sql, fields


def update(obj: Model, names: Sequence[str]) -> int:
    """UPDATE the named fields of one saved instance from its current values; the row count.

    Unlike `save(update_fields=...)`, an `auto_now` field is not refreshed: name it and set it.
    """
    model = type(obj)
    _writable(model)
    db = router.db_for_write(model, instance=obj)
    conn = connections[db]
    sql, fields = _update_sql(model, tuple(names), db)
    params = [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in fields]
    params.append(obj.pk)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@cache
def _increment_sql(model: type[Model], name: str, db: str, returning: bool = False) -> str:
    quote = connections[db].ops.quote_name
    meta = model._meta
    column = quote(_column(_field(model, name)))
    return (
        f"UPDATE {quote(meta.db_table)} SET {column} = {column} + %s "  # noqa: S608
        f"WHERE {quote(_column(meta.pk))} = %s" + (f" RETURNING {column}" if returning else "")
    )


def increment(model: type[Model], pk: Any, name: str, delta: int) -> int:
    """`UPDATE ... SET name = name + delta` on one row, in the database (exact under
    concurrency, like an F() expression); the row count."""
    _writable(model)
    db = router.db_for_write(model)
    with connections[db].cursor() as cursor:
        cursor.execute(_increment_sql(model, name, db), [delta, pk])
        return cursor.rowcount


def increment_returning(model: type[Model], pk: Any, name: str, delta: int) -> int | None:
    """`increment`, returning the column's new value (None when no row has `pk`)."""
    _writable(model)
    db = router.db_for_write(model)
    with connections[db].cursor() as cursor:
        cursor.execute(_increment_sql(model, name, db, returning=True), [delta, pk])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


# Thread pages: the read hot path. Two queries (a keyset page of comments, then the first
# replies of their subtrees ranked per parent); each row is a `ThreadRow`, read by column name.


class ThreadRow(NamedTuple):
    """A comment as a thread page shows it: its own columns (named as the model's attributes),
    its author's two, and the viewer's vote and own body (None without a viewer)."""

    id: int
    parent_id: int | None
    author_id: int
    author_public_id: str
    author_display_name: str
    author_avatar_url: str
    html: str
    status: str
    created_at: datetime
    edited_at: datetime | None
    score: int
    reply_count: int
    featured: bool
    moderation_clause_id: str
    moderation_clause_title: str
    moderation_reason: str
    your_vote: int | None
    own_body: str | None


_AUTHOR_COLUMNS = {
    "author_public_id": "public_id",
    "author_display_name": "display_name",
    "author_avatar_url": "avatar_url",
}
_VIEWER_COLUMNS = ("your_vote", "own_body")
_COMMENT_COLUMNS = tuple(
    name
    for name in ThreadRow._fields
    if name not in _AUTHOR_COLUMNS and name not in _VIEWER_COLUMNS
)


class _ThreadSQL:
    """The thread statements' fragments for one database, built once from the models."""

    def __init__(self, db: str):
        conn = connections[db]
        q = conn.ops.quote_name
        self.quote = q
        self.db = db
        comment, author, vote = Comment._meta, Commenter._meta, Vote._meta
        self.comment_table, self.author_table = q(comment.db_table), q(author.db_table)
        self.col = {f.attname: f"c.{q(_column(f))}" for f in comment.concrete_fields}
        by_attname = {f.attname: f for f in comment.concrete_fields}
        selected = [f"{self.col[name]} AS {q(name)}" for name in _COMMENT_COLUMNS] + [
            f"a.{q(_column(_field(Commenter, field)))} AS {q(name)}"
            for name, field in _AUTHOR_COLUMNS.items()
        ]
        self.select = ", ".join(selected)
        author_pk = q(_column(author.pk))
        self.author_join = (
            f"INNER JOIN {self.author_table} a ON a.{author_pk} = {self.col['author_id']}"
        )
        self.vote = (
            f"(SELECT v.{q(_column(_field(Vote, 'value')))} FROM {q(vote.db_table)} v "  # noqa: S608
            f"WHERE v.{q(_column(_field(Vote, 'comment')))} = {self.col['id']} "
            f"AND v.{q(_column(_field(Vote, 'voter')))} = %s)"
        )
        self.converters = []
        for name in _COMMENT_COLUMNS:
            col = Col("c", by_attname[name])
            found = col.get_db_converters(conn) + conn.ops.get_db_converters(col)
            if found:
                self.converters.append((ThreadRow._fields.index(name), tuple(found), col))

    def viewer_columns(self, viewer_id: int | None) -> tuple[str, list]:
        """The viewer's own vote on each comment, and the body as written on their own comments
        (for editing)."""
        your_vote, own_body = self.quote("your_vote"), self.quote("own_body")
        if viewer_id is None:
            return f"NULL AS {your_vote}, NULL AS {own_body}", []
        sql = (
            f"{self.vote} AS {your_vote}, "
            f"CASE WHEN {self.col['author_id']} = %s THEN {self.col['body']} END AS {own_body}"
        )
        return sql, [viewer_id, viewer_id]

    def visible(self, viewer_id: int | None) -> tuple[str, list]:
        """`selectors.visible_q` in SQL: published comments, tombstones that keep replies in
        place, and the viewer's own in any state but deleted."""
        status, replies = self.col["status"], self.col["reply_count"]
        sql = f"({status} = %s OR ({status} IN (%s, %s) AND {replies} > 0)"
        params: list = [CommentStatus.PUBLISHED, *TOMBSTONE_STATUSES]
        if viewer_id is not None:
            sql += f" OR ({self.col['author_id']} = %s AND {status} <> %s)"
            params += [viewer_id, CommentStatus.DELETED]
        return sql + ")", params

    def scope(self, lookups: Mapping[str, Any]) -> tuple[str, list]:
        """Conditions on comment fields: `field` (None: IS NULL), `field__in`, `field__gt`,
        `field__lte`."""
        conn = connections[self.db]
        operators = {"": "=", "gt": ">", "lte": "<="}
        conditions, params = [], []
        for lookup, value in lookups.items():
            name, _, operator = lookup.partition("__")
            field = _field(Comment, name)
            column = self.col[field.attname]
            if operator == "in":
                values = [field.get_db_prep_value(v, conn) for v in value]
                conditions.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
                params += values
            elif value is None and not operator:
                conditions.append(f"{column} IS NULL")
            else:
                conditions.append(f"{column} {operators[operator]} %s")
                params.append(field.get_db_prep_value(value, conn))
        return " AND ".join(conditions), params

    def fetch(self, sql: str, params: list) -> list[ThreadRow]:
        conn = connections[self.db]
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            found = cursor.fetchall()
        pick = itemgetter(*(names.index(name) for name in ThreadRow._fields))
        make = ThreadRow._make
        if not self.converters:
            return [make(pick(row)) for row in found]
        rows = []
        for row in found:
            values = list(pick(row))
            for index, functions, col in self.converters:
                value = values[index]
                for function in functions:
                    value = function(value, col, conn)
                values[index] = value
            rows.append(make(values))
        return rows


@cache
def _thread_sql(db: str) -> _ThreadSQL:
    return _ThreadSQL(db)


def thread_rows(
    *,
    scope: Mapping[str, Any],
    viewer_id: int | None,
    order_by: str,
    descending: bool,
    after: tuple[Any, int] | None,
    limit: int,
) -> list[ThreadRow]:
    """Up to `limit` visible comments matching `scope`, ordered by `order_by` then id (both
    descending, or both ascending), after the keyset position `after` (an `order_by` value and
    an id), each with its author and the viewer's columns."""
    t = _thread_sql(router.db_for_read(Comment))
    where, params = t.scope(scope)
    visible, visible_params = t.visible(viewer_id)
    viewer_columns, viewer_params = t.viewer_columns(viewer_id)
    key, pk = t.col[order_by], t.col["id"]
    direction = "DESC" if descending else "ASC"
    order = f"{key} {direction}, {pk} {direction}"
    inner = f"SELECT c.* FROM {t.comment_table} c WHERE {where} AND {visible}"  # noqa: S608
    params = [*params, *visible_params]
    if after is not None:
        conn = connections[t.db]
        field = _field(Comment, order_by)
        # A row-value comparison, so both databases seek the index instead of scanning to it.
        inner += f" AND ({key}, {pk}) {'<' if descending else '>'} (%s, %s)"
        params += [field.get_db_prep_value(after[0], conn), after[1]]
    # The page is cut before authors are joined: joined first, PostgreSQL may plan a hash join
    # over every top-level comment of the article and sort them all for twenty. Top-level
    # pages read the partial indexes comment_top_time / comment_top_score in order.
    inner += f" ORDER BY {order} LIMIT %s"
    sql = (
        f"SELECT {t.select}, {viewer_columns} FROM ({inner}) c "  # noqa: S608
        f"{t.author_join} ORDER BY {order}"
    )
    return t.fetch(sql, [*viewer_params, *params, limit])


def first_reply_rows(
    *, scope: Mapping[str, Any], viewer_id: int | None, per_parent: int
) -> list[ThreadRow]:
    """Up to `per_parent` oldest visible replies of every parent among the comments matching
    `scope`, oldest first (so parents come before their children)."""
    t = _thread_sql(router.db_for_read(Comment))
    where, params = t.scope(scope)
    visible, visible_params = t.visible(viewer_id)
    viewer_columns, viewer_params = t.viewer_columns(viewer_id)
    q = t.quote
    rank = (
        f"ROW_NUMBER() OVER (PARTITION BY {t.col['parent_id']} "
        f"ORDER BY {t.col['created_at']}, {t.col['id']})"
    )
    sql = (
        f"SELECT * FROM (SELECT {t.select}, {viewer_columns}, {rank} AS {q('sibling_rank')} "  # noqa: S608
        f"FROM {t.comment_table} c {t.author_join} WHERE {where} AND {visible}) ranked "
        f"WHERE ranked.{q('sibling_rank')} <= %s "
        f"ORDER BY ranked.{q('created_at')}, ranked.{q('id')}"
    )
    return t.fetch(sql, [*viewer_params, *params, *visible_params, per_parent])
