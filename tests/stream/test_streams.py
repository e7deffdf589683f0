"""Streams: scopes, the home stream's sources, keyset paging, privacy, the poll count."""

from __future__ import annotations

import pytest

from schwarm.errors import Invalid, NotFound
from stream import follows, posts, queries


def ids(viewer, scope, **kwargs):
    if isinstance(scope, str):
        scope = queries.parse_scope(viewer, scope)
    return [p.id for p in queries.stream_page(viewer, scope, **kwargs).posts]


def test_all_stream_is_newest_first_and_respects_privacy(people, post):
    public = post(people.anna, "public")
    town = post(people.anna, "town", people.town)
    secret = post(people.anna, "secret", people.board)
    assert ids(people.carla, "all") == [town.id, public.id]
    assert ids(people.ben, "all") == [secret.id, town.id, public.id]
    assert ids(people.root, "all") == [secret.id, town.id, public.id]
    assert ids(None, "all") == [town.id, public.id]


def test_deleted_posts_leave_every_stream(people, post):
    keep = post(people.anna, "keep #x", people.town)
    gone = post(people.anna, "gone #x", people.town)
    posts.delete_post(people.anna, gone)
    for scope in ("all", "home", "group:town", "tag:x", "user:anna"):
        assert ids(people.anna, scope) == [keep.id], scope
    assert ids(people.root, "all") == [keep.id]  # admins too


def test_home_stream_sources(people, post, users):
    dora = users.make("dora")
    own = post(people.carla, "my own")
    followed_person = post(dora, "from dora")
    post(people.anna, "not followed")
    in_member_group = post(people.anna, "board news", people.board)  # ben is a member
    mention = post(people.anna, "hey @carla")
    tagged = post(people.anna, "about #kubernetes")
    follows.follow(people.carla, "user", "dora")
    follows.follow(people.carla, "tag", "Kubernetes")
    assert ids(people.carla, "home") == [tagged.id, mention.id, followed_person.id, own.id]
    assert in_member_group.id in ids(people.ben, "home")
    # Following a public group puts it in the home stream without joining.
    town_post = post(people.anna, "town news", people.town)
    assert town_post.id not in ids(people.carla, "home")
    follows.follow(people.carla, "group", "town")
    assert town_post.id in ids(people.carla, "home")


def test_home_stream_never_shows_what_the_viewer_may_not_see(people, post):
    secret = post(people.anna, "@carla #kubernetes secret", people.board)
    follows.follow(people.carla, "user", "anna")
    follows.follow(people.carla, "tag", "kubernetes")
    assert secret.id not in ids(people.carla, "home")
    with pytest.raises(NotFound):
        follows.follow(people.carla, "group", "board")


def test_leaving_a_group_hides_its_posts_at_once(people, post):
    from schwarm.groups.services import leave

    secret = post(people.anna, "secret", people.board)
    assert secret.id in ids(people.ben, "home")
    leave(people.ben, people.board)
    assert secret.id not in ids(people.ben, "home")
    assert secret.id not in ids(people.ben, "all")
    with pytest.raises(NotFound):
        posts.get_visible_post(people.ben, secret.id)


def test_keyset_paging_visits_every_post_once(people, post):
    made = [post(people.anna, f"post {i} #paging", people.town if i % 2 else None).id
            for i in range(25)]
    for scope in ("all", "home", "tag:paging", "user:anna"):
        seen, before = [], None
        while True:
            page = queries.stream_page(people.anna, queries.parse_scope(people.anna, scope),
                                       before=before, limit=7)
            seen.extend(p.id for p in page.posts)
            if page.next_before is None:
                break
            before = page.next_before
        assert seen == sorted(made, reverse=True), scope
    group_ids = ids(people.anna, "group:town", limit=100)
    assert group_ids == sorted((i for n, i in enumerate(made) if n % 2), reverse=True)


def test_home_stream_counts_a_post_with_two_followed_tags_once(people, post):
    older = post(people.anna, "#a only")
    both = post(people.anna, "#a and #b")
    follows.follow(people.ben, "tag", "a")
    follows.follow(people.ben, "tag", "b")
    assert ids(people.ben, "home", limit=2) == [both.id, older.id]


def test_scopes_parse_and_hide(people, post):
    assert queries.parse_scope(people.ben, None).kind == "home"
    assert queries.parse_scope(None, "home").kind == "all"
    assert queries.parse_scope(people.ben, "tag:Qualität").tag == "qualität"
    assert queries.parse_scope(people.ben, "group:Board").group.slug == "board"
    with pytest.raises(NotFound):
        queries.parse_scope(people.carla, "group:board")
    with pytest.raises(NotFound):
        queries.parse_scope(people.carla, "user:nobody")
    with pytest.raises(NotFound):
        queries.parse_scope(people.carla, "tag:not a tag")
    for bad in ("mine", "group:", "tag", "home:x"):
        with pytest.raises(Invalid):
            queries.parse_scope(people.carla, bad)


def test_tags_are_case_insensitive_and_unicode_aware(people, post):
    a = post(people.anna, "#Qualität first")
    b = post(people.anna, "second #QUALITÄT")
    c = post(people.anna, "decomposed #qualita\u0308t")
    assert ids(people.ben, "tag:qualität") == [c.id, b.id, a.id]
    assert ids(people.ben, "tag:Qualität") == [c.id, b.id, a.id]
    assert queries.tag_post_count(people.ben, "QUALITÄT") == 3


def test_user_stream_shows_only_visible_posts(people, post):
    public = post(people.anna, "public")
    post(people.anna, "secret", people.board)
    assert ids(people.carla, "user:anna") == [public.id]
    assert len(ids(people.ben, "user:anna")) == 2


def test_count_new_for_the_poll(people, post):
    first = post(people.anna, "first", people.town)
    assert queries.count_new(people.ben, queries.Scope("home"), first.id) == 0
    post(people.anna, "second", people.town)
    post(people.anna, "secret", people.board)
    assert queries.count_new(people.ben, queries.Scope("home"), first.id) == 2
    assert queries.count_new(people.carla, queries.Scope("all"), first.id) == 1
    assert queries.count_new(people.carla, queries.Scope("home"), 0) == 0


def test_pinned_posts(people, post):
    note = post(people.anna, "Read me", people.town, kind="announcement")
    posts.set_pinned(people.anna, note, True)
    assert [p.id for p in queries.pinned_posts(people.carla, people.town)] == [note.id]
    secret = post(people.anna, "Board only", people.board, kind="announcement")
    posts.set_pinned(people.anna, secret, True)
    assert queries.pinned_posts(people.carla, people.board) == []
    posts.delete_post(people.anna, note)
    assert queries.pinned_posts(people.carla, people.town) == []


def test_follows(people, post):
    follows.follow(people.ben, "user", "carla")
    follows.follow(people.ben, "user", "carla")  # idempotent
    follows.follow(people.ben, "tag", "#Release")
    follows.follow(people.ben, "group", "board")
    assert [(t.kind, t.name) for t in follows.following(people.ben)] == [
        ("user", "Carla Gamma"), ("group", "Board Room"), ("tag", "#release")]
    with pytest.raises(Invalid):
        follows.follow(people.ben, "user", "ben")
    with pytest.raises(NotFound):
        follows.follow(people.ben, "planet", "mars")
    with pytest.raises(NotFound):
        follows.follow(people.ben, "user", "nobody")
    follows.unfollow(people.ben, "tag", "release")
    follows.unfollow(people.ben, "tag", "release")
    assert [t.kind for t in follows.following(people.ben)] == ["user", "group"]


def test_unhidden_group_filter_matches_visible_group_filter(people, post, users):
    """The stream's form of the visibility rule keeps exactly the same rows."""
    from sqlalchemy import select

    from schwarm import access
    from schwarm.accounts.services import deactivate
    from schwarm.extensions import db
    from schwarm.groups import services as groups
    from stream.models import Post

    lonely = groups.create_group(people.carla, "lonely", "Lonely", "", "private")
    for group in (None, people.town, people.board, lonely):
        post(people.anna if group is not lonely else people.carla, "x", group)
    gone = users.make("gone")
    deactivate(people.root, gone)
    for viewer in (None, people.anna, people.ben, people.carla, people.root, gone):
        by_rule = set(db.session.scalars(select(Post.id).where(
            access.visible_group_filter(viewer, Post.group_id))))
        by_scan = set(db.session.scalars(select(Post.id).where(
            access.unhidden_group_filter(viewer, Post.group_id))))
        assert by_rule == by_scan, viewer


def test_a_tag_page_counts_up_to_its_cap(people, post, client, auth, monkeypatch):
    """Counting every post of a popular tag grows with the data: beyond the cap the
    page says "more than"."""
    for i in range(4):
        post(people.anna, f"#busy {i}")
    post(people.anna, "#busy secret", people.board)
    assert queries.tag_post_count(people.carla, "busy", cap=10) == 4
    assert queries.tag_post_count(people.carla, "busy", cap=3) == 4  # cap + 1: more
    monkeypatch.setattr(queries, "TAG_COUNT_CAP", 3)
    auth.login("carla")
    page = client.get("/tags/busy").get_data(as_text=True)
    assert "More than 3 posts" in page
    monkeypatch.setattr(queries, "TAG_COUNT_CAP", 10)
    assert "4 posts" in client.get("/tags/busy").get_data(as_text=True)
