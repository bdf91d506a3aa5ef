"""The import writer: records from any format's reader into a site, in bulk, safe to re-run.

`comments_import` reads the whole file first (a reader yields articles, comments and
problems), then writes in this order, each step in batches of its own transactions:

1. articles: a source article already imported is reused; else an article of the site with
   the same key, else with the same URL; else a new one;
2. commenters: one per identity in the source (see `SourceAuthor`), with a user whose password
   is unusable, so an import never creates a login; with `match_email`, an existing user with
   the author's e-mail address is used instead;
3. comments, parents before replies, clamped to the site's depth exactly as a live reply is
   (`comments.services.comment_create`: a reply to a comment at the deepest level attaches to
   that comment's parent), with the body rendered by `render_body` (nh3 its last word), the
   status, dates and vote counts of the source, and one `created` audit row naming the import.

Every row written is recorded in `ImportedRecord` in the same transaction, so a second import
of the same file finds everything and writes nothing, an import that stopped half way
resumes where it stopped, and a record whose row is gone means the row was deleted on
purpose since: it is not written again. Nothing goes through the moderation pipeline or the
state machine's listeners: imported comments are not moderated again (re-moderation is a
separate, explicit step, docs/migrating.md), notified, or sent to webhooks; the articles'
versions are bumped, so cached thread pages show them (comments.pagecache). On PostgreSQL
the rows go in through COPY (portability.sql).

Problems are reported with the record's position: a record that cannot be imported (or that
the database refuses) is skipped whole; a reply whose parent is missing, deleted, in another
article, or in a parent cycle is imported as a top-level comment (a "repaired" problem).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from comments.models import (
    ActorKind,
    Article,
    Comment,
    Commenter,
    CommentEvent,
    CommentStatus,
    Site,
)
from comments.pagecache import versions_bumped_quietly
from comments.rendering import render_body
from comments.services import commenter_for_user

from .models import ImportedRecord, ImportRun
from .records import Problem, Reader, SourceArticle, SourceAuthor, SourceComment
from .sql import analyze, bulk_insert, commit_without_waiting

S = CommentStatus
K = ImportedRecord.Kind
BATCH = 2000
# Problems kept on the run row and printed; all are counted.
PROBLEMS_KEPT = 1000
# An import this large refreshes the planner's statistics of the tables it filled.
ANALYZE_AFTER = 10_000


class Progress(Protocol):
    """Where the import reports how far it is (portability.progress draws it)."""

    def start(self, phase: str, total: int | None) -> None: ...

    def update(self, done: int) -> None: ...


class _Silent:
    def start(self, phase: str, total: int | None) -> None:
        pass

    def update(self, done: int) -> None:
        pass


@dataclass
class ImportSummary:
    run_id: int | None
    source: str
    dry_run: bool
    counts: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    earliest: datetime | None = None  # the oldest comment written

    def problem(self, problem: Problem) -> None:
        self.counts["repaired" if problem.repaired else "skipped"] += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(problem)


@dataclass
class _Placed:
    """Where a comment sits in Parley: what the depth clamp of its replies needs."""

    pk: int
    article_id: int
    depth: int
    parent_id: int | None
    root_id: int | None


def comments_import(
    *,
    site: Site,
    reader: Reader,
    file_name: str,
    file_sha256: str,
    match_email: bool = False,
    dry_run: bool = False,
    by: User | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> ImportSummary:
    """Import everything `reader` yields into `site`. With `dry_run` the same work is done in
    a transaction that is rolled back: the counts are those of a real run, nothing stays.

    Raises `records.UnreadableFile` (before anything is written) for a file that cannot be
    read as a whole. A comment the database refuses (an integrity or data error) is skipped
    and reported; any other error (a lost connection, an interrupt) stops the import after
    the last whole batch: run it again to resume."""
    progress = progress or _Silent()
    if dry_run:
        with transaction.atomic():
            summary = _import(
                site, reader, file_name, file_sha256, match_email, True, by, progress, batch_size
            )
            transaction.set_rollback(True)
        summary.run_id = None
        return summary
    return _import(
        site, reader, file_name, file_sha256, match_email, False, by, progress, batch_size
    )


def _import(
    site: Site,
    reader: Reader,
    file_name: str,
    file_sha256: str,
    match_email: bool,
    dry_run: bool,
    by: User | None,
    progress: Progress,
    batch_size: int,
) -> ImportSummary:
    articles, comments, problems = _read(reader, progress)
    summary = ImportSummary(run_id=None, source=reader.source, dry_run=dry_run)
    # Pages without a comment stay out (a Disqus export lists every page that ever loaded
    # the embed; a WordPress one every attachment and menu item).
    referenced = {comment.article_id for comment in comments}
    summary.counts["pages_without_comments"] = len(articles.keys() - referenced)
    articles = {key: article for key, article in articles.items() if key in referenced}
    # Records the format says are not reader comments (WordPress pingbacks and trackbacks).
    summary.counts["left_out"] = getattr(reader, "left_out", 0)
    for problem in problems:
        summary.problem(problem)
    run = ImportRun.objects.create(
        site=site,
        format=reader.format,
        source=db_text(reader.source)[:255],
        file_name=file_name[:500],
        file_sha256=file_sha256,
        created_by=by,
    )
    summary.run_id = run.pk
    try:
        writer = _Writer(site, db_text(reader.source)[:255], run, summary, progress, batch_size)
        article_ids = writer.articles(articles)
        comments = writer.drop_unplaceable(comments, article_ids)
        author_ids = writer.commenters(comments, match_email=match_email)
        comments = writer.drop_removed_authors(comments, author_ids)
        writer.comments(comments, article_ids, author_ids)
    except BaseException:
        # The batches written so far stay (and are skipped when the import is run again).
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.FAILED,
            counts=dict(summary.counts),
            problems=[db_text(str(p)) for p in summary.problems],
            finished_at=timezone.now(),
        )
        raise
    if not dry_run and summary.counts["comments_created"] >= ANALYZE_AFTER:
        analyze([Comment, CommentEvent, Commenter, get_user_model(), Article, ImportedRecord])
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.DONE,
        counts={**summary.counts, "statuses": dict(summary.statuses)},
        problems=[db_text(str(p)) for p in summary.problems],
        finished_at=timezone.now(),
    )
    return summary


def _read(
    reader: Reader, progress: Progress
) -> tuple[dict[str, SourceArticle], list[SourceComment], list[Problem]]:
    """Everything in the file, duplicates reported (the first of a source id wins)."""
    articles: dict[str, SourceArticle] = {}
    comments: dict[str, SourceComment] = {}
    problems: list[Problem] = []
    progress.start("Reading", reader.total or None)
    for number, record in enumerate(reader.read()):
        if number % 500 == 0:
            progress.update(reader.done)
        if isinstance(record, Problem):
            problems.append(record)
        elif len(record.source_id) > 255 or db_text(record.source_id) != record.source_id:
            problems.append(Problem(record.position, "an id Parley cannot store", ""))
        elif isinstance(record, SourceArticle):
            if record.source_id in articles:
                problems.append(Problem(record.position, "duplicate article id", record.source_id))
            else:
                articles[record.source_id] = record
        elif record.source_id in comments:
            problems.append(Problem(record.position, "duplicate comment id", record.source_id))
        else:
            comments[record.source_id] = record
    progress.update(reader.total or reader.done)
    return articles, list(comments.values()), problems


_KEY = re.compile(r"^[^/\x00-\x1f\x7f]{1,200}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def db_text(value: str) -> str:
    """Text a database takes: no NUL (PostgreSQL's text and jsonb hold none) and no lone
    surrogate (not UTF-8); JSON sources can carry both (`\\u0000`, `\\ud800`)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "")


def article_key(article: SourceArticle) -> str:
    """The key of an article an import creates, in the form the reader API takes (up to 200
    characters, no slash; comments.urls): the source's own identifier when it has that form;
    else the identifier or the URL without its scheme, its slashes as `~`
    (`https://news.example/2021/story/` -> `news.example~2021~story`); else the source id.
    A longer one becomes `sha256-` and its digest."""
    if _KEY.match(article.key):
        return article.key
    text = article.key or re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", article.url)
    key = _CONTROL.sub("", text).strip("/").replace("/", "~")
    if not key:
        key = f"imported-{article.source_id}"
    if len(key) > 200:
        key = "sha256-" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Writer:
    def __init__(
        self,
        site: Site,
        source: str,
        run: ImportRun,
        summary: ImportSummary,
        progress: Progress,
        batch_size: int,
    ) -> None:
        self.site = site
        self.source = source
        self.run = run
        self.summary = summary
        self.progress = progress
        self.batch_size = batch_size
        self.gone_articles: set[str] = set()
        self.known_comments: dict[str, int] = {}

    def known(self, kind: str) -> dict[str, int]:
        rows = ImportedRecord.objects.filter(site=self.site, source=self.source, kind=kind)
        return dict(rows.values_list("source_id", "target_id").iterator(chunk_size=10_000))

    def record(self, kind: str, pairs: Iterable[tuple[str, int]]) -> None:
        bulk_insert(
            ImportedRecord,
            [
                {
                    "site_id": self.site.pk,
                    "source": self.source,
                    "kind": str(kind),
                    "source_id": source_id,
                    "target_id": target_id,
                    "run_id": self.run.pk,
                }
                for source_id, target_id in pairs
            ],
        )

    # 1. Articles -----------------------------------------------------------------------

    def articles(self, articles: dict[str, SourceArticle]) -> dict[str, int]:
        """Source article id -> Parley article id, for every article of the file."""
        known = self.known(K.ARTICLE)
        existing = set(
            Article.objects.filter(site=self.site, pk__in=set(known.values())).values_list(
                "pk", flat=True
            )
        )
        # A row is recorded in the transaction that writes it: a record whose row is gone
        # means the row was deleted since, on purpose. It stays deleted.
        self.gone_articles = {s for s, pk in known.items() if pk not in existing}
        # Every page imported before, in this file or not (a later export may hold new
        # comments on an old page without the page).
        ids = {s: pk for s, pk in known.items() if pk in existing}
        self.summary.counts["articles_already_imported"] += len(set(ids) & set(articles))
        todo = [
            a
            for a in articles.values()
            if a.source_id not in ids and a.source_id not in self.gone_articles
        ]
        by_key: dict[str, int] = {}
        by_url: dict[str, int] = {}
        keys = [article_key(a) for a in todo]
        urls = [a.url for a in todo if a.url]
        for chunk in _chunks(keys, 500):
            by_key.update(
                Article.objects.filter(site=self.site, key__in=chunk).values_list("key", "pk")
            )
        for chunk in _chunks(urls, 500):
            for url, pk in Article.objects.filter(site=self.site, url__in=chunk).values_list(
                "url", "pk"
            ):
                by_url.setdefault(url, pk)
        new: dict[str, Article] = {}
        matched: list[tuple[str, int]] = []
        assigned: list[tuple[str, str]] = []  # (source id, key of a new article)
        for article, key in zip(todo, keys, strict=True):
            found = by_key.get(key) or by_url.get(article.url)
            if found is not None:
                matched.append((article.source_id, found))
                continue
            if key in new:
                # Two source pages with one key (Disqus keeps http and https threads apart).
                self.summary.problem(
                    Problem(
                        article.position,
                        f"same key as an earlier page ({key}): merged into it",
                        article.source_id,
                        repaired=True,
                    )
                )
            else:
                new[key] = Article(
                    site=self.site,
                    key=key,
                    url=db_text(article.url)[:2000],
                    title=db_text(article.title)[:300],
                    is_open=article.is_open,
                    created_at=article.created_at or timezone.now(),
                )
            assigned.append((article.source_id, key))
        with transaction.atomic():
            Article.objects.bulk_create(list(new.values()), batch_size=self.batch_size)
            created = [(source_id, new[key].pk) for source_id, key in assigned]
            self.record(K.ARTICLE, matched + created)
        ids.update(matched)
        ids.update(created)
        self.summary.counts["articles_matched"] += len(matched)
        self.summary.counts["articles_created"] += len(new)
        return ids

    def drop_unplaceable(
        self, comments: list[SourceComment], article_ids: dict[str, int]
    ) -> list[SourceComment]:
        self.known_comments = self.known(K.COMMENT)
        kept = []
        for comment in comments:
            if comment.article_id in article_ids:
                kept.append(comment)
                continue
            if comment.source_id in self.known_comments:
                # Imported before, deleted since with its page: nothing to report again.
                self.summary.counts["comments_deleted_since"] += 1
                continue
            if comment.article_id in self.gone_articles:
                reason = f"its page {comment.article_id!r} was deleted after an earlier import"
            else:
                reason = f"its page {comment.article_id!r} is not in the file"
            self.summary.problem(Problem(comment.position, reason, comment.source_id))
        return kept

    def drop_removed_authors(
        self, comments: list[SourceComment], author_ids: dict[str, int]
    ) -> list[SourceComment]:
        """Comments whose author was imported before and deleted since (erased at their
        request, say): not brought back."""
        kept = []
        for comment in comments:
            if comment.author.digest in author_ids:
                kept.append(comment)
            elif comment.source_id in self.known_comments:
                self.summary.counts["comments_deleted_since"] += 1
            else:
                self.summary.problem(
                    Problem(
                        comment.position,
                        "its author was deleted after an earlier import",
                        comment.source_id,
                    )
                )
        return kept

    # 2. Commenters ---------------------------------------------------------------------

    def commenters(self, comments: list[SourceComment], *, match_email: bool) -> dict[str, int]:
        """Author identity digest -> commenter id, for every author of `comments`."""
        authors: dict[str, SourceAuthor] = {}
        # A new commenter is a member since their first comment in the source.
        since: dict[str, datetime] = {}
        for comment in comments:
            digest = comment.author.digest
            authors.setdefault(digest, comment.author)
            if digest not in since or comment.created_at < since[digest]:
                since[digest] = comment.created_at
        known = self.known(K.COMMENTER)
        existing = set(
            Commenter.objects.filter(pk__in=set(known.values())).values_list("pk", flat=True)
        )
        gone = {d for d, pk in known.items() if pk not in existing}
        ids = {d: pk for d, pk in known.items() if pk in existing and d in authors}
        self.summary.counts["commenters_already_imported"] += len(ids)
        todo = {d: a for d, a in authors.items() if d not in ids and d not in gone}
        if match_email:
            ids.update(self._match_email(todo))
            todo = {d: a for d, a in todo.items() if d not in ids}
        usernames = {d: self._username(d) for d in todo}
        UserModel = get_user_model()
        self.progress.start("Commenters", len(todo))
        done = 0
        for chunk in _chunks(list(todo), self.batch_size):
            with transaction.atomic():
                # Left behind by an import whose mappings were deleted: reuse, not duplicate.
                taken = dict(
                    UserModel.objects.filter(
                        username__in=[usernames[d] for d in chunk]
                    ).values_list("username", "pk")
                )
                users = []
                for digest in chunk:
                    if usernames[digest] in taken:
                        continue
                    user = UserModel(username=usernames[digest], date_joined=since[digest])
                    user.set_unusable_password()
                    users.append(user)
                UserModel.objects.bulk_create(users)
                taken.update((u.username, u.pk) for u in users)
                have = dict(
                    Commenter.objects.filter(user_id__in=taken.values()).values_list(
                        "user_id", "pk"
                    )
                )
                commenters = [
                    Commenter(
                        user_id=taken[usernames[d]],
                        display_name=db_text(todo[d].name)[:80],
                        avatar_url=db_text(todo[d].avatar_url)[:2000],
                        created_at=since[d],
                    )
                    for d in chunk
                    if taken[usernames[d]] not in have
                ]
                Commenter.objects.bulk_create(commenters)
                have.update((c.user_id, c.pk) for c in commenters)
                pairs = [(d, have[taken[usernames[d]]]) for d in chunk]
                self.record(K.COMMENTER, pairs)
            ids.update(pairs)
            self.summary.counts["commenters_created"] += len(commenters)
            done += len(chunk)
            self.progress.update(done)
        return ids

    def _username(self, digest: str) -> str:
        scope = f"{self.site.pk}:{self.source}:{digest}".encode()
        return "imported-" + hashlib.sha256(scope).hexdigest()[:32]

    def _match_email(self, todo: dict[str, SourceAuthor]) -> dict[str, int]:
        wanted: dict[str, list[str]] = {}
        for digest, author in todo.items():
            if author.email:
                wanted.setdefault(author.email.lower(), []).append(digest)
        found: dict[str, int] = {}
        UserModel = get_user_model()
        for chunk in _chunks(list(wanted), 500):
            users = UserModel.objects.annotate(lower_email=Lower("email")).filter(
                lower_email__in=chunk
            )
            for user in users.order_by("pk"):
                digests = wanted.pop(user.lower_email, None)
                if not digests:
                    continue  # two accounts share the address: the oldest wins
                commenter = commenter_for_user(user)
                for digest in digests:
                    found[digest] = commenter.pk
        with transaction.atomic():
            self.record(K.COMMENTER, found.items())
        self.summary.counts["commenters_matched_by_email"] += len(found)
        return found

    # 3. Comments -----------------------------------------------------------------------

    def comments(
        self,
        comments: list[SourceComment],
        article_ids: dict[str, int],
        author_ids: dict[str, int],
    ) -> None:
        known = self.known_comments
        placed: dict[int, _Placed] = {}
        for chunk in _chunks(list(set(known.values())), 5000):
            for row in Comment.objects.filter(site=self.site, pk__in=chunk).values_list(
                "pk", "article_id", "depth", "parent_id", "root_id"
            ):
                placed[row[0]] = _Placed(*row)
        source_pk = {s: pk for s, pk in known.items() if pk in placed}
        gone = {s for s in known if s not in source_pk}

        todo = [c for c in comments if c.source_id not in known]
        deleted = sum(1 for c in comments if c.source_id in gone)
        self.summary.counts["comments_deleted_since"] += deleted
        self.summary.counts["comments_already_imported"] += len(comments) - len(todo) - deleted
        parents = self._parents(todo, source_pk, placed, article_ids, gone)
        levels = _levels(todo, parents)
        self.progress.start("Comments", len(todo))
        done = 0
        max_depth = self.site.max_depth
        for level in levels:
            for chunk in _chunks(level, self.batch_size):
                rows = []
                for comment in chunk:
                    parent_source = parents[comment.source_id]
                    if parent_source and parent_source not in source_pk:
                        self._repaired(comment, f"its parent {parent_source} was skipped")
                        parent_source = None
                    parent = placed[source_pk[parent_source]] if parent_source else None
                    # Deeper than the site allows: attach to the deepest allowed ancestor, as
                    # comments.services.comment_create does for a live reply.
                    while (
                        parent is not None
                        and parent.depth >= max_depth
                        and parent.parent_id is not None
                    ):
                        parent = placed.get(parent.parent_id) or self._load(parent.parent_id)
                        placed[parent.pk] = parent
                    rows.append(self._comment(comment, article_ids, author_ids, parent))
                try:
                    self._write(chunk, rows, source_pk, placed)
                except (IntegrityError, DataError):
                    # Some row the database refuses: the batch is rolled back whole; write
                    # its rows one at a time to find it and skip it.
                    self._write_each(chunk, rows, source_pk, placed)
                done += len(chunk)
                self.progress.update(done)

    def _parents(
        self,
        todo: list[SourceComment],
        source_pk: dict[str, int],
        placed: dict[int, _Placed],
        article_ids: dict[str, int],
        gone: set[str],
    ) -> dict[str, str | None]:
        """Each comment's parent as imported: its source parent when that can be placed in
        the same article, else None (a repaired problem)."""
        in_file = {c.source_id: c for c in todo}
        skipped = {p.source_id for p in self.summary.problems if not p.repaired}
        parents: dict[str, str | None] = {}
        for comment in todo:
            parent = comment.parent_id
            reason = ""
            article = article_ids[comment.article_id]
            if parent is None:
                pass
            elif parent == comment.source_id:
                reason = "it replies to itself"
            elif parent in in_file:
                if article_ids[in_file[parent].article_id] != article:
                    reason = f"its parent {parent} is on another page"
            elif parent in source_pk:
                if placed[source_pk[parent]].article_id != article:
                    reason = f"its parent {parent} is on another page"
            elif parent in gone:
                reason = f"its parent {parent} was deleted after an earlier import"
            elif parent in skipped:
                reason = f"its parent {parent} was skipped"
            else:
                reason = f"its parent {parent} is not in the file"
            if reason:
                parent = None
                self._repaired(comment, reason)
            parents[comment.source_id] = parent
        # Cycles (a is b's parent and b is a's): the first in the file becomes top-level.
        order = {c.source_id: n for n, c in enumerate(todo)}
        state: dict[str, int] = {}  # 1 on the current path, 2 settled
        for comment in todo:
            path: list[str] = []
            node: str | None = comment.source_id
            while node is not None and node in in_file and state.get(node) != 2:
                if state.get(node) == 1:
                    cycle = path[path.index(node) :]
                    first = min(cycle, key=order.__getitem__)
                    parents[first] = None
                    self._repaired(in_file[first], "its replies' chain of parents is a cycle")
                    break
                state[node] = 1
                path.append(node)
                node = parents[node]
            for settled in path:
                state[settled] = 2
        return parents

    def _repaired(self, comment: SourceComment, reason: str) -> None:
        self.summary.problem(
            Problem(
                comment.position,
                f"{reason}: imported as a top-level comment",
                comment.source_id,
                repaired=True,
            )
        )

    def _load(self, pk: int) -> _Placed:
        row = Comment.objects.values_list("pk", "article_id", "depth", "parent_id", "root_id")
        return _Placed(*row.get(pk=pk))

    def _comment(
        self,
        comment: SourceComment,
        article_ids: dict[str, int],
        author_ids: dict[str, int],
        parent: _Placed | None,
    ) -> dict[str, Any]:
        """The comment's row (portability.sql.bulk_insert); the other fields take their
        defaults."""
        deleted = comment.status == S.DELETED
        body = "" if deleted else db_text(comment.body)
        status = comment.status
        if status == S.PENDING:
            # Pending means "the pipeline has yet to decide": the sweeper would send it to
            # moderation, and on to webhooks. An import decides nothing: a moderator will.
            status = S.HELD
            self.summary.problem(
                Problem(
                    comment.position,
                    "pending in the source: held for a moderator",
                    comment.source_id,
                    repaired=True,
                )
            )
        return {
            "site_id": self.site.pk,
            "article_id": article_ids[comment.article_id],
            "parent_id": parent.pk if parent else None,
            "root_id": (parent.root_id or parent.pk) if parent else None,
            "depth": parent.depth + 1 if parent else 0,
            "author_id": author_ids[comment.author.digest],
            "body": body,
            "html": render_body(body) if body else "",
            "status": str(status),
            "created_at": comment.created_at,
            "edited_at": comment.edited_at,
            "status_changed_at": comment.created_at,
            "upvotes": comment.upvotes,
            "downvotes": comment.downvotes,
            "score": comment.upvotes - comment.downvotes,
            "featured": comment.featured,
        }

    def _write_each(
        self,
        chunk: Sequence[SourceComment],
        rows: list[dict[str, Any]],
        source_pk: dict[str, int],
        placed: dict[int, _Placed],
    ) -> None:
        for source, row in zip(chunk, rows, strict=True):
            try:
                self._write([source], [row], source_pk, placed)
            except (IntegrityError, DataError) as exc:
                reason = str(exc).strip().split("\n")[0][:200]
                self.summary.problem(
                    Problem(
                        source.position,
                        f"refused by the database ({reason})",
                        source.source_id,
                    )
                )

    def _write(
        self,
        chunk: Sequence[SourceComment],
        rows: list[dict[str, Any]],
        source_pk: dict[str, int],
        placed: dict[int, _Placed],
    ) -> None:
        now = timezone.now()
        label = f"import:{self.run.format}"[:120]
        created, system = str(CommentEvent.Kind.CREATED), str(ActorKind.SYSTEM)
        with transaction.atomic():
            commit_without_waiting(Comment)
            bulk_insert(Comment, rows, with_ids=True)
            bulk_insert(
                CommentEvent,
                [
                    {
                        "comment_id": row["id"],
                        "kind": created,
                        "from_status": "",
                        "to_status": row["status"],
                        "actor_kind": system,
                        "actor_user_id": None,
                        "actor_label": label,
                        "note": f"Imported from {self.source} (id {source.source_id}) on "
                        f"{now:%Y-%m-%d %H:%M} UTC, import run {self.run.pk}.",
                        "created_at": row["created_at"],
                    }
                    for source, row in zip(chunk, rows, strict=True)
                ],
            )
            self.record(
                K.COMMENT, [(s.source_id, r["id"]) for s, r in zip(chunk, rows, strict=True)]
            )
            _count_replies(rows)
            # Cached thread pages are keyed by the article's version (comments.pagecache):
            # bumped in the same transaction, as a live change does. Not announced: an import
            # sends no webhook, article.changed included (docs/migrating.md: purge a CDN); the
            # fast path's pointers learn the new versions after the commit.
            bumped = {row["article_id"] for row in rows}
            versions_bumped_quietly(article_ids=bumped)
            Article.objects.filter(pk__in=bumped).update(version=F("version") + 1)
        for source, row in zip(chunk, rows, strict=True):
            pk = row["id"]
            source_pk[source.source_id] = pk
            placed[pk] = _Placed(
                pk, row["article_id"], row["depth"], row["parent_id"], row["root_id"]
            )
            self.summary.statuses[row["status"]] += 1
            if self.summary.earliest is None or row["created_at"] < self.summary.earliest:
                self.summary.earliest = row["created_at"]
        self.summary.counts["comments_created"] += len(rows)


def _levels(todo: list[SourceComment], parents: dict[str, str | None]) -> list[list[SourceComment]]:
    """The comments by generation within the file: top-level (or replies to comments already
    in Parley) first, then their replies, and so on; file order within a generation."""
    generation: dict[str, int] = {}
    for comment in todo:
        path = []
        node: str | None = comment.source_id
        while node is not None and node in parents and node not in generation:
            path.append(node)
            node = parents[node]
        base = generation[node] + 1 if node is not None and node in generation else 0
        for offset, item in enumerate(reversed(path)):
            generation[item] = base + offset
    levels: dict[int, list[SourceComment]] = {}
    for comment in todo:
        levels.setdefault(generation[comment.source_id], []).append(comment)
    return [levels[n] for n in sorted(levels)]


def _count_replies(rows: list[dict[str, Any]]) -> None:
    """Add the batch's published replies to their parents' `reply_count`, as the state machine
    adds a live one's (each reply is written once: a re-run skips it). One UPDATE per distinct
    increment, not one per parent."""
    added = Counter(
        row["parent_id"] for row in rows if row["parent_id"] and row["status"] == S.PUBLISHED
    )
    by_amount: dict[int, list[int]] = {}
    for parent_id, amount in added.items():
        by_amount.setdefault(amount, []).append(parent_id)
    for amount, parent_ids in by_amount.items():
        for chunk in _chunks(sorted(parent_ids), 1000):
            Comment.objects.filter(pk__in=chunk).update(reply_count=F("reply_count") + amount)


__all__ = ["ImportSummary", "Progress", "article_key", "comments_import"]
