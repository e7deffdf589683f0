"""Comments (with history and soft delete), likes (idempotent, batched notifications)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from schwarm.activities import Activity
from schwarm.errors import Forbidden, Invalid, NotFound
from schwarm.extensions import db
from schwarm.notifications.models import Notification
from stream import comments, likes, posts
from stream.models import CommentLike, PostLike
from tests.stream.conftest import fresh


def notes(user, kind=None):
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def test_comment_counts_and_notifies_author_and_earlier_commenters(people, post):
    p = post(people.anna, "What do you think?", people.town)
    first = comments.add_comment(people.ben, p, "Looks *good*")
    assert "<em>good</em>" in first.body_html
    assert fresh(p).comment_count == 1
    [note] = notes(people.anna, "comment")
    assert note.object_url == f"/posts/{p.id}#comment-{first.id}"
    comments.add_comment(people.carla, p, "Agreed, @ben")
    assert fresh(p).comment_count == 2
    assert len(notes(people.anna, "comment")) == 2
    # Ben commented earlier and is mentioned: one notification (the mention), not two.
    assert len(notes(people.ben, "mention")) == 1
    assert notes(people.ben, "reply") == []
    comments.add_comment(people.anna, p, "Thanks all")
    assert len(notes(people.ben, "reply")) == 1
    assert len(notes(people.carla, "reply")) == 1
    assert len(notes(people.anna, "comment")) == 2  # not told of her own comment
    listed = comments.list_comments(people.carla, p)
    assert [c.author.username for c in listed] == ["ben", "carla", "anna"]
    assert [c.id for c in comments.list_comments(people.carla, p, after=first.id)] == [
        c.id for c in listed[1:]]


def test_comments_on_private_posts_stay_private(people, post):
    p = post(people.anna, "secret", people.board)
    with pytest.raises(NotFound):
        comments.add_comment(people.carla, p, "let me in")
    c = comments.add_comment(people.ben, p, "ok @carla")
    assert notes(people.carla) == []
    with pytest.raises(NotFound):
        comments.get_visible_comment(people.carla, c.id)
    with pytest.raises(NotFound):
        comments.list_comments(people.carla, p)


def test_comment_validation(people, post):
    p = post(people.anna, "x")
    with pytest.raises(Invalid):
        comments.add_comment(people.ben, p, "  ")
    assert fresh(p).comment_count == 0


def test_comment_edit_history_and_delete(people, post):
    p = post(people.anna, "topic", people.town)
    c = comments.add_comment(people.ben, p, "first @anna")
    with pytest.raises(Forbidden):
        comments.edit_comment(people.carla, c, "hijack")
    comments.edit_comment(people.ben, c, "second @anna @carla")
    assert [r.body for r in comments.history(people.ben, c)] == [
        "second @anna @carla", "first @anna"]
    assert len(notes(people.carla, "mention")) == 1
    assert len(notes(people.anna, "mention")) == 1  # not told again
    with pytest.raises(Forbidden):
        comments.delete_comment(people.carla, c)
    comments.delete_comment(people.anna, c)  # group owner
    assert fresh(p).comment_count == 0
    assert comments.list_comments(people.ben, p) == []
    with pytest.raises(NotFound):
        comments.edit_comment(people.ben, c, "again")


def test_deleting_a_post_hides_its_comments(people, post):
    p = post(people.anna, "topic")
    c = comments.add_comment(people.ben, p, "reply")
    posts.delete_post(people.anna, p)
    with pytest.raises(NotFound):
        comments.get_visible_comment(people.ben, c.id)
    with pytest.raises(NotFound):
        comments.add_comment(people.ben, p, "late")


def test_likes_are_idempotent_and_counted(people, post):
    p = post(people.anna, "like me", people.town)
    assert likes.like_post(people.ben, p) == 1
    assert likes.like_post(people.ben, p) == 1
    assert likes.like_post(people.carla, p) == 2
    assert db.session.scalar(select(func.count()).select_from(PostLike)) == 2
    assert likes.unlike_post(people.ben, p) == 1
    assert likes.unlike_post(people.ben, p) == 1
    assert fresh(p).like_count == 1
    assert [u.username for _, u in likes.post_likers(people.anna, p)] == ["carla"]
    assert likes.liked_post_ids(people.carla, [p.id]) == {p.id}
    assert likes.liked_post_ids(people.ben, [p.id]) == set()


def test_like_notifications_are_batched(people, post, users):
    p = post(people.anna, "Release notes are out")
    likes.like_post(people.ben, p)
    likes.like_post(people.carla, p)
    dora = users.make("dora", display_name="Dora Delta")
    likes.like_post(dora, p)
    [note] = notes(people.anna, "like")
    assert note.actor_count == 3
    assert note.text.startswith("Dora Delta and 2 others liked your post")
    likes.like_post(people.anna, p)  # own like: no notification
    assert len(notes(people.anna, "like")) == 1
    assert db.session.scalar(select(func.count()).select_from(Activity)
                             .where(Activity.verb == "liked")) == 4


def test_comment_likes(people, post):
    p = post(people.anna, "x")
    c = comments.add_comment(people.ben, p, "answer")
    assert likes.like_comment(people.anna, c) == 1
    assert likes.like_comment(people.anna, c) == 1
    assert likes.like_comment(people.carla, c) == 2
    [note] = notes(people.ben, "like")
    assert note.text.startswith("Carla Gamma and 1 other liked your comment")
    assert likes.unlike_comment(people.anna, c) == 1
    assert db.session.scalar(select(func.count()).select_from(CommentLike)) == 1
    assert [u.username for _, u in likes.comment_likers(people.ben, c)] == ["carla"]
    assert likes.liked_comment_ids(people.carla, [c.id]) == {c.id}


def test_likes_on_hidden_or_deleted_things_are_not_found(people, post):
    secret = post(people.anna, "secret", people.board)
    with pytest.raises(NotFound):
        likes.like_post(people.carla, secret)
    with pytest.raises(NotFound):
        likes.post_likers(people.carla, secret)
    gone = post(people.anna, "gone")
    posts.delete_post(people.anna, gone)
    with pytest.raises(NotFound):
        likes.like_post(people.ben, gone)
