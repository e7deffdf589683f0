"""`schwarm demo`: a small generated instance is consistent with what the services
would have written, deterministic for a seed, searchable, and usable."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from schwarm.accounts.models import User
from schwarm.demo import Plan, demo_command, generate, parse_scale
from schwarm.demo_data import DEMO_PASSWORD
from schwarm.errors import Conflict, Invalid
from schwarm.extensions import db
from schwarm.groups.models import Group, Membership
from stream.models import Comment, CommentLike, Post, PostLike, PostMention, PostTag
from stream.text import render_body
from tests.conftest import make_app
from wiki.models import Page, Revision

POSTS = 300


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One generated instance for the read-only checks (generating takes seconds)."""
    app = make_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        app.extensions["demo_stats"] = generate(POSTS, seed=3)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo(demo_app):
    with demo_app.app_context():
        yield demo_app.extensions["demo_stats"]
        db.session.remove()


def test_parse_scale():
    assert parse_scale("small") == 500
    assert parse_scale("large") == 1_000_000
    assert parse_scale("10_000") == 10_000
    assert parse_scale(250) == 250
    for bad in ("huge", "0", "99", "2000000", "-5"):
        with pytest.raises(Invalid):
            parse_scale(bad)
    assert Plan.for_posts(1_000_000).users == 10_000
    assert Plan.for_posts(500).users == 63


def test_counts_and_counters_match_the_rows(demo):
    assert db.session.scalar(select(func.count(Post.id))) == POSTS
    assert demo.rows["post"] == POSTS
    counted = dict(db.session.execute(
        select(Comment.post_id, func.count()).group_by(Comment.post_id)).all())
    liked = dict(db.session.execute(
        select(PostLike.post_id, func.count()).group_by(PostLike.post_id)).all())
    for post_id, comments, likes in db.session.execute(
            select(Post.id, Post.comment_count, Post.like_count)):
        assert comments == counted.get(post_id, 0)
        assert likes == liked.get(post_id, 0)
    comment_likes = dict(db.session.execute(
        select(CommentLike.comment_id, func.count()).group_by(CommentLike.comment_id)).all())
    for comment_id, likes in db.session.execute(select(Comment.id, Comment.like_count)):
        assert likes == comment_likes.get(comment_id, 0)
    # One discussion long enough for the "post with 50 comments" benchmark.
    assert db.session.scalar(select(func.max(Post.comment_count))) >= 50


def test_html_tags_and_mentions_are_what_the_services_store(demo):
    posts = db.session.scalars(select(Post).order_by(Post.id)).all()
    assert any(p.mention_rows for p in posts) and any(p.tag_rows for p in posts)
    for post in posts[:120]:
        rendered = render_body(post.body, title=post.title)
        assert post.body_html == rendered.html
        assert sorted(post.tags) == sorted(rendered.tags)
        assert {m.user_id for m in post.mention_rows} == set(rendered.mention_ids)
    # Questions have tags; an accepted answer belongs to its question.
    questions = [p for p in posts if p.kind == "question"]
    assert questions and all(p.tags for p in questions)
    for post in questions:
        if post.accepted_comment_id:
            assert db.session.get(Comment, post.accepted_comment_id).post_id == post.id
    assert db.session.scalar(select(func.count()).select_from(PostTag)) > 0
    assert db.session.scalar(select(func.count()).select_from(PostMention)) > 0


def test_private_groups_hold_only_their_members_content(demo):
    private = db.session.scalars(select(Group).where(Group.visibility == "private")).all()
    assert private and db.session.scalar(
        select(func.count(Group.id)).where(Group.visibility == "public")) > 0
    for group in private:
        members = set(db.session.scalars(
            select(Membership.user_id).where(Membership.group_id == group.id)))
        authors = set(db.session.scalars(select(Post.author_id).where(Post.group_id == group.id)))
        commenters = set(db.session.scalars(
            select(Comment.author_id).join(Post, Post.id == Comment.post_id)
            .where(Post.group_id == group.id)))
        likers = set(db.session.scalars(
            select(PostLike.user_id).join(Post, Post.id == PostLike.post_id)
            .where(Post.group_id == group.id)))
        assert authors | commenters | likers <= members
        mentioned = db.session.scalar(
            select(func.count()).select_from(PostMention).join(Post, Post.id == PostMention.post_id)
            .where(Post.group_id == group.id))
        assert mentioned == 0  # nobody outside is told of hidden posts


def test_wiki_pages_keep_the_revision_invariants(demo):
    pages = db.session.scalars(select(Page)).all()
    assert len(pages) >= 12
    for page in pages:
        numbers = list(db.session.scalars(
            select(Revision.number).where(Revision.page_id == page.id).order_by(Revision.number)))
        assert numbers == list(range(1, page.current_revision + 1))
        assert page.current_revision >= 2
        last = db.session.scalar(select(Revision).where(
            Revision.page_id == page.id, Revision.number == page.current_revision))
        assert last.body == page.body and last.title == page.title
        assert page.updated_by_id == last.author_id


def test_search_finds_demo_content_and_people_can_sign_in(demo, demo_app):
    import search

    assert demo.indexed >= POSTS
    demo_user = db.session.scalar(select(User).where(User.username == "demo"))
    found = search.search(demo_user, "release")
    assert found.total > 0
    client = demo_app.test_client()
    response = client.post("/login", data={"login": "demo", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and b"post" in home.data


def test_demo_refuses_to_run_twice(demo):
    with pytest.raises(Conflict):
        generate(POSTS, seed=3)


def _signature() -> list[tuple]:
    rows = db.session.execute(
        select(User.username, Post.kind, Post.title, Post.body, Post.group_id,
               Post.comment_count, Post.like_count)
        .join(User, User.id == Post.author_id).order_by(Post.id)).all()
    pages = db.session.execute(select(Page.path, Page.body).order_by(Page.id)).all()
    return [tuple(r) for r in rows] + [tuple(p) for p in pages]


def test_same_seed_same_content(app, tmp_path):
    generate(150, seed=7, reindex=False)
    first = _signature()
    # On PostgreSQL each new app empties the shared database: end our transaction first.
    db.session.remove()
    signatures = []
    for name, seed in (("second", 7), ("third", 8)):
        (tmp_path / name).mkdir()
        other = make_app(tmp_path / name)  # on PostgreSQL: the same database, emptied
        with other.app_context():
            try:
                generate(150, seed=seed, reindex=False)
                signatures.append(_signature())
            finally:
                db.session.remove()
                db.engine.dispose()
    assert signatures[0] == first
    assert signatures[1] != first


def test_cli_command(app, runner):
    app.cli.add_command(demo_command)
    result = runner.invoke(args=["demo", "--scale", "120", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "Sign in as 'demo'" in result.output and "Indexed" in result.output
    assert db.session.scalar(select(func.count(Post.id))) == 120
    again = runner.invoke(args=["demo", "--scale", "120"])
    assert again.exit_code != 0 and "demo content already" in again.output
    bad = runner.invoke(args=["demo", "--scale", "enormous"])
    assert bad.exit_code != 0 and "scale" in bad.output


def test_questions_are_routed_to_experts_and_have_their_state(demo):
    """As asking through the app would leave them: analytics and "routed to me" work."""
    from questions.models import QuestionRouting, QuestionState
    from schwarm.accounts.models import UserExpertise

    questions = db.session.scalars(select(Post).where(Post.kind == "question")).all()
    states = {s.post_id: s for s in db.session.scalars(select(QuestionState))}
    assert set(states) == {q.id for q in questions}
    accepted = [q for q in questions if q.accepted_comment_id]
    assert accepted and all(states[q.id].first_accepted_at > q.created_at for q in accepted)
    assert all(states[q.id].first_accepted_at is None for q in questions
               if not q.accepted_comment_id)
    expertise = {}
    for row in db.session.scalars(select(UserExpertise)):
        expertise.setdefault(row.user_id, set()).add(row.tag)
    by_id = {q.id: q for q in questions}
    routes = db.session.scalars(select(QuestionRouting)).all()
    assert routes
    for route in routes:
        question = by_id[route.post_id]
        assert route.user_id != question.author_id
        assert expertise[route.user_id] & set(question.tags)
        if question.group_id is not None and question.group.visibility == "private":
            assert db.session.scalar(select(Membership.user_id).where(
                Membership.group_id == question.group_id,
                Membership.user_id == route.user_id)) is not None
