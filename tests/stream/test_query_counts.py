"""Performance by design: a stream page runs a constant number of SQL statements,
whatever the number of posts, comments, likes, tags and mentions on it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schwarm.accounts.models import User
from schwarm.extensions import db
from stream import comments, follows, likes, queries
from stream.models import Post
from tests.conftest import Api


@pytest.fixture
def app_config() -> dict:
    # The statements of rendering a page are counted: a page from the page cache
    # runs none (tests/schwarm/test_pagecache.py).
    return {"PAGE_CACHE_SECONDS": 0}


def fill(people, post, users, count: int, prefix: str) -> None:
    """``count`` posts by many authors, each with tags, a mention, comments and likes."""
    extra = [users.make(f"{prefix}{i}") for i in range(3)]
    for i in range(count):
        if i % 2:
            author, group = people.anna, (people.town if i % 3 else None)
        else:  # a new author for every other post: authors must not come from a cache
            author, group = users.make(f"{prefix}w{i}"), None
        p = post(author, f"{prefix} post {i} #t{i} #common @carla @{extra[i % 3].username}",
                 group)
        for person in extra:
            comments.add_comment(person, p, f"comment by {person.username}")
            likes.like_post(person, p)


def statements(count_queries, action) -> int:
    """Statements ``action`` runs with every loaded object expired: nothing comes from the
    identity map unchecked, so a lazy load per post would show up as extra statements.
    A first run warms the once-per-process work (e.g. the "setup done?" check)."""
    action()
    db.session.expire_all()
    with count_queries() as seen:
        action()
    return len(seen)


@pytest.mark.parametrize("scope", ["home", "all", "group:town", "tag:common", "user:anna"])
def test_stream_service_statements_do_not_grow_with_the_page(
        app, people, post, users, count_queries, scope):
    follows.follow(people.carla, "tag", "common")
    follows.follow(people.carla, "user", "anna")
    follows.follow(people.carla, "group", "town")

    carla_id = people.carla.id

    def page():
        viewer = db.session.get(User, carla_id)
        result = queries.stream_page(viewer, queries.parse_scope(viewer, scope), limit=20)
        shown = [(p.author.name, p.group and p.group.name, p.tags, p.mentions, p.like_count)
                 for p in result.posts]  # what a card shows
        assert len(shown) == len(result.posts)
        return result

    fill(people, post, users, 2, "a")
    small = statements(count_queries, page)
    fill(people, post, users, 60, "b")
    assert len(page().posts) == 20
    assert statements(count_queries, page) == small


def test_api_and_html_pages_do_not_grow(app, client, auth, people, post, users,
                                        count_queries):
    api = Api(app, client).as_user(people.carla)
    follows.follow(people.carla, "tag", "common")
    paths_html = ["/", "/stream/all", "/tags/common", "/groups/town", "/u/anna"]
    fill(people, post, users, 2, "a")
    api_small = statements(count_queries, lambda: api.get("/stream?scope=all"))
    auth.login("carla")
    html_small = {path: statements(count_queries, lambda p=path: client.get(p))
                  for path in paths_html}
    fill(people, post, users, 25, "b")
    assert len(api.get("/stream?scope=all").json["items"]) == 20
    assert statements(count_queries, lambda: api.get("/stream?scope=all")) == api_small
    for path in paths_html:
        assert statements(count_queries, lambda p=path: client.get(p)) == html_small[path], path


def test_post_page_does_not_grow_with_comments(app, client, auth, people, post, users,
                                               count_queries):
    fill(people, post, users, 1, "a")
    first = db.session.scalars(select(Post)).first()
    auth.login("carla")
    small = statements(count_queries, lambda: client.get(f"/posts/{first.id}"))
    for i in range(15):
        person = users.make(f"extra{i}")
        c = comments.add_comment(person, first, f"more {i}")
        likes.like_comment(people.ben, c)
        likes.like_post(person, first)
    assert statements(count_queries, lambda: client.get(f"/posts/{first.id}")) == small


def test_later_pages_cost_the_same(app, people, post, users, count_queries):
    fill(people, post, users, 30, "a")
    scope = queries.Scope(queries.ALL)
    carla_id = people.carla.id
    before = queries.stream_page(people.carla, scope, limit=10).next_before
    second_cost = statements(count_queries, lambda: queries.stream_page(
        db.session.get(User, carla_id), scope, before=before, limit=10))
    first_cost = statements(count_queries, lambda: queries.stream_page(
        db.session.get(User, carla_id), scope, limit=10))
    assert first_cost == second_cost


@pytest.mark.parametrize("scope, index", [
    ("all", "INTEGER PRIMARY KEY"), ("group:town", "ix_post_group_id_id"),
    ("user:anna", "ix_post_author_id_id"), ("tag:t", "ix_post_tag_tag_post_id")])
def test_single_scopes_walk_an_index_and_stop_at_the_limit(app, people, post, scope, index):
    """No "collect everything, then sort": page 1,000 costs what page 1 costs."""
    from sqlalchemy import text

    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plans are checked on SQLite; PostgreSQL plans depend on statistics")
    post(people.anna, "x #t", people.town)
    for viewer in (people.carla, people.ben, people.root):
        parsed = queries.parse_scope(viewer, scope)
        stmt = queries._ids(viewer, parsed, before=1000, after=None, limit=21)
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert index in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
        assert "MULTI-INDEX OR" not in plan, plan


def test_every_home_source_walks_an_index_and_stops_at_the_limit(app, people, post, users):
    """The home stream merges one small source per followed person, group and tag:
    ``group_id IN (a, b) ORDER BY id DESC`` would collect and sort every match."""
    from sqlalchemy import text

    from stream import follows
    from stream.models import FOLLOW_TAG, FOLLOW_USER

    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plans are checked on SQLite; PostgreSQL plans depend on statistics")
    post(people.anna, "x #t #u", people.town)
    for tag in ("t", "u"):
        follows.follow(people.carla, FOLLOW_TAG, tag)
    follows.follow(people.carla, FOLLOW_USER, "anna")
    follows.follow(people.carla, FOLLOW_USER, "ben")
    sources = queries._home_sources(people.carla, before=1000, after=None, limit=21)
    assert len(sources) >= 6  # carla, anna, ben, the mentions, tags t and u (+ her groups)
    for source in sources:
        sql = str(source.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan



def test_a_member_of_many_groups_gets_one_walk_with_the_same_posts(
        app, people, post, users, monkeypatch):
    """Beyond ``SPLIT_GROUPS_UP_TO`` groups the home stream walks the post ids once
    instead of a source per group: same posts, same pages, and no sort of every
    match (the plan is checked on SQLite)."""
    from sqlalchemy import text

    from schwarm.groups import services as groups
    from stream import posts

    dora = users.make("dora")
    mine = []
    for i in range(queries.SPLIT_GROUPS_UP_TO + 2):
        group = groups.create_group(people.anna, f"g{i}", f"Group {i}", "",
                                    "private" if i % 3 == 0 else "public")
        groups.add_member(people.anna, group, dora)
        mine.append(group)
    for i in range(40):
        post(people.anna, f"in mine {i}", mine[i % len(mine)])
        post(people.anna, f"not mine {i}", people.board)
    removed = post(people.anna, "removed", mine[0])
    posts.delete_post(people.anna, removed)

    def pages(viewer_id) -> list[list[int]]:
        out, before = [], None
        while True:
            page = queries.stream_page(db.session.get(User, viewer_id),
                                       queries.Scope(queries.HOME), before=before, limit=7)
            out.append([p.id for p in page.posts])
            if page.next_before is None:
                return out
            before = page.next_before

    walked = pages(dora.id)
    assert sum(len(page) for page in walked) == 40
    assert removed.id not in {i for page in walked for i in page}
    monkeypatch.setattr(queries, "SPLIT_GROUPS_UP_TO", 1000)
    assert pages(dora.id) == walked  # a source per group: the same pages
    monkeypatch.undo()
    assert queries.count_new(db.session.get(User, dora.id), queries.Scope(queries.HOME),
                             since=walked[0][3]) == 3

    if db.engine.dialect.name != "sqlite":
        return
    sources = queries._home_sources(db.session.get(User, dora.id), before=1000, after=None,
                                    limit=21)
    assert len(sources) == 3  # her own posts, her mentions, one walk over her groups
    for source in sources:
        sql = str(source.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
