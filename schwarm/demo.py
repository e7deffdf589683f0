"""``schwarm demo``: fill an instance with realistic German/English sample content.

Users with departments and expertise, public and private groups, follows,
posts with mentions and tags, comments, likes, questions with (accepted)
answers, notifications, and wiki pages with several revisions.

Built for a million posts in minutes: rows are written with SQLAlchemy Core
``insert()`` executemany in batches, one write transaction per batch, with
explicit ids (so that comments, likes and notifications can point at posts
without reading them back). Text is drawn from a pool of distinct texts that
are rendered once each (``stream.text.render_body`` / ``schwarm.markup``), so
``body_html``, tag and mention rows are exactly what the services would store.
Counters (``like_count``, ``comment_count``) are filled from the rows written.
The search index is rebuilt at the end (``search.indexing.rebuild``), which is
what ``schwarm reindex`` does; no outbox rows are left behind.

What the services also write but the demo does not: "liked" activities and
"reply"/"page edited" notifications (the rows would only multiply the load
time; likes are announced with one batched notification per post).

Like the app factory, this module knows every feature: it imports stream and
wiki lazily, inside :func:`generate`, so importing ``schwarm`` stays free of them.
All demo accounts share the password ``schwarm-demo`` (``DEMO_PASSWORD``).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select

from schwarm import demo_data as data
from schwarm.db import utcnow, write_transaction
from schwarm.errors import Conflict, Invalid
from schwarm.extensions import db

SCALES = {"small": 500, "medium": 50_000, "large": 1_000_000}
MAX_POSTS = 1_000_000
BATCH_POSTS = 2_000
BUSY_POST_EVERY = 997  # every 997th post gets a long discussion (55 comments)


def parse_scale(value: str | int) -> int:
    """``small`` / ``medium`` / ``large`` or a number of posts (100 to 1,000,000)."""
    raw = str(value).strip().lower().replace("_", "").replace(",", "")
    posts = SCALES.get(raw)
    if posts is None:
        if not raw.isdigit():
            raise Invalid("The scale is small, medium, large or a number of posts.")
        posts = int(raw)
    if not 100 <= posts <= MAX_POSTS:
        raise Invalid(f"The number of posts must be between 100 and {MAX_POSTS:,}.")
    return posts


@dataclass
class Plan:
    """How much of everything a scale means."""

    posts: int
    users: int
    groups: int
    pages: int

    @classmethod
    def for_posts(cls, posts: int) -> Plan:
        """A company of 10,000 people writes a million posts (about 100 each);
        smaller scales have fewer people, each writing less."""
        users = max(40, min(10_000, round(posts ** (2 / 3))))
        return cls(posts=posts, users=users, groups=max(len(data.GROUPS),
                                                         min(400, users // 25)),
                   pages=max(12, min(5_000, posts // 200)))


@dataclass
class DemoStats:
    """What was written, and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0
    index_seconds: float = 0.0
    indexed: int = 0

    def add(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + count


@dataclass
class _Text:
    body: str
    html: str
    tags: tuple[str, ...]
    mention_ids: tuple[int, ...]
    summary: str
    title: str = ""


class _Writer:
    """Batched Core inserts, one write transaction per flush."""

    def __init__(self, stats: DemoStats):
        self.stats = stats
        self.rows: dict = {}

    def add(self, table, row: dict) -> None:
        self.rows.setdefault(table, []).append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        with write_transaction():
            connection = db.session.connection()
            for table, rows in self.rows.items():  # insertion order: parents first
                connection.execute(insert(table), rows)
                self.stats.add(table.name, len(rows))
        self.rows = {}


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def generate(posts: int, seed: int = 1, *, now: datetime | None = None, reindex: bool = True,
             progress: Callable[[int], None] | None = None,
             index_progress: Callable[[int], None] | None = None,
             processes: int = 1) -> DemoStats:
    """Write ``posts`` posts and everything around them; deterministic for ``seed``.

    ``progress(n)`` is called with the number of posts written per batch;
    ``processes`` is passed to the index rebuild.
    Raises Conflict if the instance has demo content already.
    """
    from schwarm.accounts.auth import hash_password
    from schwarm.accounts.models import User

    if db.session.scalar(select(User.id).where(User.username == "demo")) is not None:
        raise Conflict("This instance has demo content already (user 'demo' exists).")
    started = time.monotonic()
    plan = Plan.for_posts(posts)
    rng = random.Random(seed)
    now = now or utcnow().replace(minute=0, second=0, microsecond=0)
    stats = DemoStats()
    writer = _Writer(stats)
    world = _World(rng, writer, now, hash_password(data.DEMO_PASSWORD))
    world.people(plan)
    world.groups(plan)
    writer.flush()
    world.follows()
    writer.flush()
    world.stream(plan, progress)
    world.wiki(plan)
    writer.flush()
    _fix_sequences()
    stats.load_seconds = time.monotonic() - started
    if reindex:
        from search.indexing import rebuild

        begun = time.monotonic()
        stats.indexed = rebuild(progress=index_progress, processes=processes)
        stats.index_seconds = time.monotonic() - begun
    return stats


def _fix_sequences() -> None:
    """PostgreSQL: explicit ids leave the serial sequences behind; move them on."""
    if db.engine.dialect.name != "postgresql":
        return
    from schwarm.accounts.models import User
    from schwarm.groups.models import Group
    from stream.models import Comment, Post
    from wiki.models import Page

    with write_transaction():
        for model in (User, Group, Post, Comment, Page):
            top = db.session.scalar(select(func.max(model.id))) or 1
            db.session.execute(select(func.setval(
                func.pg_get_serial_sequence(model.__tablename__, "id"), top)))


class _World:
    """The generated company: people, groups, and the content they write."""

    def __init__(self, rng: random.Random, writer: _Writer, now: datetime, password_hash: str):
        self.rng, self.writer, self.now, self.password_hash = rng, writer, now, password_hash
        self.users: list[tuple[int, str, str]] = []  # id, username, display name
        self.member_of: dict[int, list[int]] = {}  # user id -> group ids
        self.members: dict[int, list[int]] = {}  # group id -> user ids
        self.private: set[int] = set()
        self.slugs: dict[int, str] = {}
        self.by_id: dict[int, tuple[int, str, str]] = {}
        self.user_ids: list[int] = []
        self.experts: dict[str, list[int]] = {}  # tag -> user ids, in the order of joining
        self.next_page_id = 0

    # --- people and groups ---------------------------------------------------------------
    def people(self, plan: Plan) -> None:
        from schwarm.accounts.models import User, UserExpertise
        from schwarm.activities import Activity
        from schwarm.text import clean_username

        rng, next_id = self.rng, _next_id(User)
        taken = set(db.session.scalars(select(User.username)))
        has_admin = db.session.scalar(select(User.id).where(User.is_admin.is_(True)))
        names = [("demo", "Demo Nutzerin", False)]
        if not has_admin and "admin" not in taken:
            names.append(("admin", "Admin", True))
        while len(names) < plan.users:
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            try:
                base = clean_username(f"{first}.{last}")
            except ValueError:
                continue
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}{n}"
            taken.add(name)
            names.append((name, f"{first} {last}", False))
        joined = self.now - timedelta(days=4 * 365)
        for offset, (username, shown, admin) in enumerate(names):
            uid = next_id + offset
            department = rng.choice(data.DEPARTMENTS)
            lang = rng.choice(("de", "de", "en"))
            self.writer.add(User.__table__, {
                "id": uid, "username": username, "email": f"{username}@demo.example.com",
                "display_name": shown, "password_hash": self.password_hash,
                "title": rng.choice(data.TITLES), "department": department[lang == "en"],
                "language": lang, "timezone": "Europe/Berlin", "is_admin": admin,
                "active": True, "created_at": joined})
            for tag in rng.sample(data.TAGS, rng.randint(1, 3)):
                self.writer.add(UserExpertise.__table__, {"user_id": uid, "tag": tag})
                self.experts.setdefault(tag, []).append(uid)
            self.writer.add(Activity.__table__, {
                "actor_id": uid, "verb": "joined", "object_type": "user", "object_id": str(uid),
                "text": shown, "url": f"/u/{username}", "created_at": joined})
            self.users.append((uid, username, shown))
            self.by_id[uid] = self.users[-1]
            self.user_ids.append(uid)
            self.member_of[uid] = []

    def groups(self, plan: Plan) -> None:
        from schwarm.groups.models import Group, Membership

        rng, next_id = self.rng, _next_id(Group)
        taken = set(db.session.scalars(select(Group.slug)))
        specs = [g for g in data.GROUPS if g[0] not in taken]
        n = 0
        while len(specs) < plan.groups:
            n += 1
            word = data.PROJECT_WORDS[n % len(data.PROJECT_WORDS)]
            slug = f"projekt-{word}-{n}"
            if slug not in taken:
                specs.append((slug, f"Projekt {word.title()} {n}",
                              "Projektgruppe / project group.", rng.choice(
                                  ("public", "public", "public", "private"))))
        ids = [uid for uid, _, _ in self.users]
        for offset, (slug, name, description, visibility) in enumerate(specs):
            gid = next_id + offset
            size = max(3, min(len(ids), int(len(ids) * rng.uniform(0.05, 0.4))))
            chosen = rng.sample(ids, size)
            if offset < 6 or visibility == "private" and offset < 14:
                chosen = [ids[0], *[u for u in chosen if u != ids[0]]]  # demo is in these
            self.writer.add(Group.__table__, {
                "id": gid, "slug": slug, "name": name, "description": description,
                "visibility": visibility, "created_by_id": chosen[0],
                "created_at": self.now - timedelta(days=3 * 365)})
            for position, uid in enumerate(chosen):
                self.writer.add(Membership.__table__, {
                    "group_id": gid, "user_id": uid, "role": "owner" if position == 0 else "member",
                    "notify_all": False, "created_at": self.now - timedelta(days=3 * 365)})
                self.member_of[uid].append(gid)
            self.members[gid] = chosen
            self.slugs[gid] = slug
            if visibility == "private":
                self.private.add(gid)

    def follows(self) -> None:
        from stream.models import Follow

        rng = self.rng
        ids = [uid for uid, _, _ in self.users]
        public = [gid for gid in self.members if gid not in self.private]
        for uid in ids:
            rows = {("user", str(other)) for other in rng.sample(ids, min(8, len(ids)))
                    if other != uid}
            rows |= {("tag", tag) for tag in rng.sample(data.TAGS, 3)}
            rows |= {("group", str(gid)) for gid in rng.sample(public, 2)}
            for kind, key in sorted(rows):
                self.writer.add(Follow.__table__, {"user_id": uid, "target_type": kind,
                                                   "target_key": key,
                                                   "created_at": self.now - timedelta(days=300)})

    # --- texts ---------------------------------------------------------------------------
    def _pool(self, size: int, make: Callable[[], tuple[str, str]]) -> list[_Text]:
        from stream.text import excerpt, render_body

        pool, seen = [], set()
        for _ in range(size * 3):
            title, body = make()
            if (title, body) in seen:
                continue
            seen.add((title, body))
            rendered = render_body(body, title=title)
            pool.append(_Text(body=rendered.text, html=rendered.html, tags=rendered.tags,
                              mention_ids=tuple(rendered.mention_ids), title=title,
                              summary=title or excerpt(rendered.html)))
            if len(pool) >= size:
                break
        db.session.rollback()  # end the read transaction of the mention lookups
        return pool

    # --- the stream ----------------------------------------------------------------------
    def stream(self, plan: Plan, progress: Callable[[int], None] | None) -> None:
        from stream.models import Comment, Post

        rng = self.rng
        names = [username for _, username, _ in self.users]
        size = max(100, min(4_000, plan.posts // 20))
        self.updates = self._pool(size, lambda: ("", data.post_text(rng, names)))
        self.quiet = self._pool(size // 4 + 20,
                                lambda: ("", data.post_text(rng, names, mentions=False)))
        self.questions = self._pool(size // 4 + 20, lambda: data.question_text(rng, names))
        self.quiet_questions = self._pool(
            40, lambda: data.question_text(rng, names, mentions=False))
        self.comments = self._pool(size // 2 + 20, lambda: ("", data.comment_text(rng)))
        self.answers = self._pool(40, lambda: ("", data.comment_text(rng, answer=True)))
        span = timedelta(days=max(30, min(3 * 365, plan.posts // 300)))
        self.start, self.step = self.now - span, span / plan.posts
        self.post_id, self.comment_id = _next_id(Post), _next_id(Comment)
        self.busy_at = min(BUSY_POST_EVERY // 2, plan.posts // 2)
        for begin in range(0, plan.posts, BATCH_POSTS):
            count = min(BATCH_POSTS, plan.posts - begin)
            for i in range(begin, begin + count):
                self._post(i)
            self.writer.flush()
            if progress is not None:
                progress(count)

    def _post(self, i: int) -> None:
        from schwarm.activities import Activity
        from stream.models import Post, PostMention, PostRevision, PostTag

        rng, users = self.rng, self.users
        author_id, _, author_name = users[int(len(users) * rng.random() ** 2)]
        group_id = None
        if self.member_of[author_id] and rng.random() < 0.6:
            group_id = rng.choice(self.member_of[author_id])
        hidden = group_id in self.private
        kind = "update"
        roll = rng.random()
        if roll < 0.08:
            kind = "question"
        elif roll < 0.1 and group_id is not None:
            kind = "announcement"
        if kind == "question":
            text = rng.choice(self.quiet_questions if hidden else self.questions)
        else:
            text = rng.choice(self.quiet if hidden else self.updates)
        pid = self.post_id
        self.post_id += 1
        created = self.start + self.step * i + self.step * 0.5 * rng.random()
        viewers = self.members[group_id] if hidden else None
        w = self.writer
        row = {"id": pid, "author_id": author_id, "group_id": group_id, "kind": kind,
               "title": text.title, "body": text.body, "body_html": text.html,
               "extra_tags": "", "created_at": created}
        w.add(Post.__table__, row)  # before the rows that point at it
        comments = self._comments(i, pid, author_id, group_id, text, kind, created, viewers)
        row["like_count"] = self._likes(pid, author_id, group_id, text, created, viewers)
        row["comment_count"] = len(comments)
        row["accepted_comment_id"] = (comments[0] if kind == "question" and comments
                                      and rng.random() < 0.5 else None)
        w.add(PostRevision.__table__, {"post_id": pid, "title": text.title, "body": text.body,
                                       "editor_id": author_id, "created_at": created})
        for tag in text.tags:
            w.add(PostTag.__table__, {"post_id": pid, "tag": tag})
        url = f"/posts/{pid}"
        w.add(Activity.__table__, {
            "actor_id": author_id, "verb": "asked" if kind == "question" else "posted",
            "object_type": "post", "object_id": str(pid), "group_id": group_id,
            "text": text.summary[:500], "url": url, "created_at": created})
        if kind == "question":
            self._question(pid, author_id, text.tags, viewers, created,
                           row["accepted_comment_id"])
        for uid in text.mention_ids:
            w.add(PostMention.__table__, {"post_id": pid, "user_id": uid})
            if uid != author_id:
                self._notify(uid, "mention", author_id, "post", pid, group_id, url,
                             f"{author_name} mentioned you: “{text.summary[:80]}”", created)

    def _question(self, pid, author_id, tags, viewers, created, accepted) -> None:
        """What asking does besides the post: the experts of its tags who may see it
        are told (a few per tag), and its state says when an answer was accepted.
        Derived from ids, not drawn: the rest of the content stays as it was."""
        from questions.models import EXPERT, QuestionRouting, QuestionState

        told: set[int] = set()
        for tag in tags:
            experts = [uid for uid in self.experts.get(tag, ()) if uid != author_id
                       and (viewers is None or uid in viewers)]
            told.update(experts[pid % max(1, len(experts) - 2):][:3])
        for uid in sorted(told):
            self.writer.add(QuestionRouting.__table__, {
                "post_id": pid, "user_id": uid, "reason": EXPERT, "created_at": created})
        first_answer = created + timedelta(minutes=7)  # see _comments
        self.writer.add(QuestionState.__table__, {
            "post_id": pid,
            "first_accepted_at": first_answer + timedelta(hours=1 + pid % 47)
            if accepted else None})

    def _comments(self, i, pid, author_id, group_id, text, kind, created, viewers) -> list[int]:
        from schwarm.activities import Activity
        from stream.models import Comment, CommentLike, CommentRevision

        rng, w = self.rng, self.writer
        count = 55 if i % BUSY_POST_EVERY == self.busy_at else rng.choice(
            (0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 5))
        ids = []
        for k in range(count):
            cid = self.comment_id
            self.comment_id += 1
            uid, _, name = self._someone(viewers)
            body = rng.choice(self.answers if kind == "question" and k < 2 else self.comments)
            at = created + timedelta(minutes=7 * (k + 1))
            likers = self._several(viewers, rng.choice((0, 0, 0, 0, 1, 2)))
            w.add(Comment.__table__, {
                "id": cid, "post_id": pid, "author_id": uid, "body": body.body,
                "body_html": body.html, "created_at": at, "like_count": len(likers)})
            w.add(CommentRevision.__table__, {"comment_id": cid, "body": body.body,
                                              "editor_id": uid, "created_at": at})
            for liker in likers:
                w.add(CommentLike.__table__, {"comment_id": cid, "user_id": liker,
                                              "created_at": at})
            url = f"/posts/{pid}#comment-{cid}"
            w.add(Activity.__table__, {
                "actor_id": uid, "verb": "commented", "object_type": "comment",
                "object_id": str(cid), "group_id": group_id, "text": body.summary[:500],
                "url": url, "created_at": at})
            if uid != author_id:
                self._notify(author_id, "comment", uid, "comment", cid, group_id, url,
                             f"{name} commented on your post: “{body.summary[:80]}”", at)
            ids.append(cid)
        return ids

    def _someone(self, viewers: list[int] | None) -> tuple[int, str, str]:
        """A random person who may see the post (members of its private group)."""
        if viewers:
            return self.by_id[self.rng.choice(viewers)]
        return self.users[int(len(self.users) * self.rng.random() ** 1.5)]

    def _several(self, viewers: list[int] | None, count: int) -> list[int]:
        """``count`` distinct people who may see the post (fewer if there are fewer)."""
        pool = viewers if viewers else self.user_ids
        return self.rng.sample(pool, min(count, len(pool)))

    def _likes(self, pid, author_id, group_id, text, created, viewers) -> int:
        from stream.models import PostLike

        likers = self._several(viewers, self.rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8)))
        for uid in likers:
            self.writer.add(PostLike.__table__, {"post_id": pid, "user_id": uid,
                                                 "created_at": created + timedelta(hours=1)})
        others = [uid for uid in likers if uid != author_id]
        if others:
            name = self.by_id[others[-1]][2]
            short = text.summary[:80]
            what = (f"{name} liked your post “{short}”" if len(others) == 1 else
                    f"{name} and {len(others) - 1} others liked your post “{short}”")
            self._notify(author_id, "like", others[-1], "post", pid, group_id,
                         f"/posts/{pid}", what, created + timedelta(hours=1),
                         batch_key=f"like:post:{pid}", actor_count=len(others))
        return len(likers)

    def _notify(self, user_id, kind, actor_id, object_type, object_id, group_id, url, text,
                at, *, batch_key=None, actor_count=1) -> None:
        from schwarm.notifications.models import Notification

        self.writer.add(Notification.__table__, {
            "user_id": user_id, "kind": kind, "actor_id": actor_id,
            "object_type": object_type, "object_id": str(object_id), "object_url": url,
            "text": text[:500], "group_id": group_id, "batch_key": batch_key,
            "actor_count": actor_count, "created_at": at,
            # What is older than a week has been seen.
            "read_at": at if at < self.now - timedelta(days=7) else None})

    # --- the wiki ------------------------------------------------------------------------
    def wiki(self, plan: Plan) -> None:
        from schwarm import markup
        from wiki import storage
        from wiki.models import Page

        rng = self.rng
        self.next_page_id = _next_id(Page)
        usernames = {username for _, username, _ in self.users}
        specs = []  # path, title, group id, lang
        taken: set[str] = set()
        groups = list(self.members)
        for n in range(plan.pages):
            topic, lang = data.WIKI_TOPICS[n % len(data.WIKI_TOPICS)]
            round_ = n // len(data.WIKI_TOPICS)
            group_id = None if round_ == 0 or rng.random() < 0.3 else rng.choice(groups)
            title = topic if round_ == 0 else f"{topic} {round_}"
            raw = f"{self.slugs[group_id]}/{title}" if group_id else title
            path = storage.normalize_path(raw)
            if path in taken:
                continue
            taken.add(path)
            specs.append((path, title, group_id, lang))
        linkable = [(p, t) for p, t, g, _ in specs if g is None or g not in self.private]
        exists = {p for p, _ in linkable}.__contains__
        for path, title, group_id, lang in specs:
            links = [f"{p}|{t}" for p, t in rng.sample(linkable, min(3, len(linkable)))
                     if p != path]
            self._page(path, title, group_id, lang, links, usernames, exists, markup, storage)

    def _page(self, path, title, group_id, lang, links, usernames, exists, markup,
              storage) -> None:
        from schwarm.activities import Activity
        from wiki.models import Page, PageLink, PageWatch, Revision

        rng, w = self.rng, self.writer
        revisions = rng.randint(2, 6)
        blocks = [data.wiki_body(rng, lang, 1, []) for _ in range(revisions)]
        blocks[-1] += data.wiki_body(rng, lang, 0, links)
        editors = self.members[group_id] if group_id else self.user_ids
        page_id = self.next_page_id
        self.next_page_id += 1
        first = self.now - timedelta(days=rng.randint(30, 900))
        rows, authors = [], []
        for number in range(1, revisions + 1):
            body = storage.normalize_body(f"# {title}\n\n" + "\n".join(blocks[:number]))
            author = rng.choice(editors)
            at = first + timedelta(days=number * rng.randint(1, 9))
            authors.append(author)
            summary = "" if number == 1 else rng.choice(data.SUMMARIES)
            rows.append({"page_id": page_id, "number": number, "title": title, "body": body,
                         "summary": summary, "author_id": author, "created_at": at,
                         "size": storage.body_size(body)})
        rendered = markup.render(rows[-1]["body"], user_exists=usernames.__contains__,
                                 page_exists=exists)
        w.add(Page.__table__, {
            "id": page_id, "path": path, "title": title, "group_id": group_id,
            "current_revision": revisions, "body": rows[-1]["body"],
            "body_html": storage.add_heading_anchors(rendered.html),
            "created_at": rows[0]["created_at"], "created_by_id": authors[0],
            "updated_at": rows[-1]["created_at"], "updated_by_id": authors[-1]})
        for row in rows:
            w.add(Revision.__table__, row)
            verb = "created_page" if row["number"] == 1 else "edited_page"
            number = row["number"]
            url = (f"/wiki/{path}" if number == 1 else
                   f"/wiki/{path}/diff?from={number - 1}&to={number}")
            text = f"{title}: {row['summary']}" if row["summary"] else title
            w.add(Activity.__table__, {
                "actor_id": row["author_id"], "verb": verb, "object_type": "page",
                "object_id": str(page_id), "group_id": group_id, "text": text, "url": url,
                "created_at": row["created_at"]})
        for target in sorted(set(rendered.links)):
            w.add(PageLink.__table__, {"from_page_id": page_id, "to_path": target})
        for uid in sorted(set(authors)):
            w.add(PageWatch.__table__, {"page_id": page_id, "user_id": uid,
                                        "created_at": rows[0]["created_at"]})


@click.command("demo")
@click.option("--scale", default="small", show_default=True,
              help="small (500 posts), medium (50,000), large (1,000,000) or a number of posts")
@click.option("--seed", default=1, show_default=True, type=int,
              help="the same seed writes the same content")
@click.option("--no-index", is_flag=True, help="skip the search index (run `schwarm reindex`)")
@with_appcontext
def demo_command(scale: str, seed: int, no_index: bool) -> None:
    """Fill this instance with realistic sample content (password: schwarm-demo)."""
    from search.indexing import count_documents

    try:
        posts = parse_scale(scale)
    except Invalid as error:
        raise click.BadParameter(error.message, param_hint="--scale") from None
    click.echo(f"Writing {posts:,} posts with comments, likes, groups and wiki pages ...")
    with click.progressbar(length=posts, label="Posts", show_pos=True) as bar:
        try:
            stats = generate(posts, seed, reindex=False, progress=bar.update)
        except Conflict as error:
            raise click.ClickException(error.message) from None
    rows = sum(stats.rows.values())
    click.echo(f"Wrote {rows:,} rows in {stats.load_seconds:.1f} s")
    if not no_index:
        from search.indexing import rebuild

        total = count_documents()
        begun = time.monotonic()
        with click.progressbar(length=total, label="Indexing", show_pos=True) as bar:
            indexed = rebuild(progress=bar.update, processes=os.cpu_count() or 1)
        click.echo(f"Indexed {indexed:,} documents in {time.monotonic() - begun:.1f} s")
    click.echo(f"Sign in as 'demo' (or any demo user) with the password "
               f"'{data.DEMO_PASSWORD}'.")
