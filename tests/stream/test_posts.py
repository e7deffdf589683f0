"""Post services: creating, tags, mentions, edits with history, soft delete, pinning."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from schwarm.activities import Activity
from schwarm.errors import Forbidden, Invalid, NotFound, TooLarge
from schwarm.extensions import db
from schwarm.notifications.models import Notification
from stream import posts
from stream.models import Post, PostMention, PostRevision, PostTag
from tests.stream.conftest import fresh


def notes(user, kind=None):
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def test_create_renders_markdown_and_records_everything(people, post, enqueued):
    p = post(people.anna, "**Hello** @ben, see #Release and #qualität", people.town)
    p = fresh(p)
    assert "<strong>Hello</strong>" in p.body_html
    assert 'class="mention"' in p.body_html
    assert p.tags == ["qualität", "release"]
    assert p.mentions == ["ben"]
    assert p.kind == "update" and p.group_id == people.town.id
    revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == p.id))
    assert [r.body for r in revisions] == [p.body]
    activity = db.session.scalar(select(Activity).where(Activity.verb == "posted"))
    assert activity.object_id == str(p.id) and activity.group_id == people.town.id
    assert enqueued == [("post", str(p.id), "upsert")]
    assert [n.kind for n in notes(people.ben, "mention")] == ["mention"]


def test_extra_tags_and_question_rules(people, post, enqueued):
    p = post(people.anna, "When is the next release?", kind="question",
             title="Release date?", tags=["Planning", "#ops"])
    assert fresh(p).tags == ["ops", "planning"]
    assert enqueued == [("question", str(p.id), "upsert")]
    with pytest.raises(Invalid, match="title"):
        post(people.anna, "no title #x", kind="question")
    with pytest.raises(Invalid, match="tag"):
        post(people.anna, "no tag", kind="question", title="Why?")
    with pytest.raises(Invalid):
        post(people.anna, "bad tag", tags=["not a tag!"])
    with pytest.raises(Invalid, match="kind"):
        post(people.anna, "x", kind="poem")


def test_title_tags_count_for_questions(people, post):
    p = post(people.anna, "Body without tags", kind="question", title="About #deploy")
    assert fresh(p).tags == ["deploy"]


@pytest.mark.parametrize("body", ["", "   ", "\n\t \n", "\u200b"])
def test_empty_bodies_are_refused(people, post, body):
    with pytest.raises(Invalid, match="empty"):
        post(people.anna, body)
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


@pytest.mark.parametrize("app_config", [{"POST_MAX_BYTES": 100}])
def test_too_large_body_is_refused(people, post):
    post(people.anna, "x" * 100)
    with pytest.raises(TooLarge, match="100"):
        post(people.anna, "ä" * 51)  # 102 bytes
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1


def test_posting_to_groups_needs_membership(people, post):
    with pytest.raises(Forbidden):
        post(people.carla, "hi", people.town)
    with pytest.raises(NotFound):
        post(people.carla, "hi", people.board)
    with pytest.raises(NotFound):
        posts.group_for_posting(people.carla, "board")
    with pytest.raises(Forbidden):
        posts.group_for_posting(people.carla, "town")
    assert posts.group_for_posting(people.ben, "board").id == people.board.id
    assert posts.group_for_posting(people.root, "board").id == people.board.id


def test_nothing_half_written_when_a_step_fails(people, post, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("index outbox down")

    monkeypatch.setattr("search.enqueue", broken)
    with pytest.raises(RuntimeError):
        post(people.anna, "hello @ben #tag", people.board)
    for model in (Post, PostTag, PostMention, PostRevision):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert db.session.scalar(select(func.count()).select_from(Activity)
                             .where(Activity.verb == "posted")) == 0
    assert notes(people.ben, "mention") == []


def test_mentions_notify_only_those_who_may_see(people, post):
    post(people.anna, "@carla @ben private talk", people.board)
    assert notes(people.carla) == []
    assert len(notes(people.ben, "mention")) == 1
    post(people.anna, "@carla public talk")
    assert len(notes(people.carla, "mention")) == 1


def test_unknown_and_self_mentions(people, post):
    p = post(people.anna, "@nobody @anna email anna@example.com `@ben`")
    assert fresh(p).mentions == ["anna"]
    assert notes(people.anna, "mention") == []
    assert notes(people.ben, "mention") == []


def test_group_members_with_notify_all_hear_of_every_post(people, post):
    from schwarm.groups.services import set_notify_all

    set_notify_all(people.ben, people.board, True)
    post(people.anna, "minutes are up", people.board)
    [note] = notes(people.ben, "group_post")
    assert "Board Room" in note.text and note.object_url.startswith("/posts/")
    # Mentioned members get the mention, not a second notification.
    post(people.anna, "@ben please check", people.board)
    assert len(notes(people.ben, "group_post")) == 1
    assert len(notes(people.ben, "mention")) == 1


def test_edit_keeps_history_and_resyncs_tags_and_mentions(people, post):
    p = post(people.anna, "first #one @ben")
    posts.edit_post(people.anna, p, "second #two @ben @carla")
    p = fresh(p)
    assert p.tags == ["two"]
    assert sorted(p.mentions) == ["ben", "carla"]
    assert p.edited_at is not None
    history = posts.history(people.carla, p)
    assert [r.body for r in history] == ["second #two @ben @carla", "first #one @ben"]
    assert history[0].editor.username == "anna"
    # Only the newly mentioned are told.
    assert len(notes(people.ben, "mention")) == 1
    assert len(notes(people.carla, "mention")) == 1
    assert db.session.scalar(select(func.count()).select_from(Activity)
                             .where(Activity.verb == "edited_post")) == 1


def test_edit_without_change_adds_no_revision(people, post):
    p = post(people.anna, "same")
    posts.edit_post(people.anna, p, "same")
    assert len(posts.history(people.anna, p)) == 1
    assert fresh(p).edited_at is None


def test_edit_keeps_explicit_tags(people, post):
    p = post(people.anna, "text", tags=["extra"])
    posts.edit_post(people.anna, p, "new text #more")
    assert fresh(p).tags == ["extra", "more"]


def test_only_author_or_admin_edits(people, post):
    p = post(people.ben, "mine", people.town)
    with pytest.raises(Forbidden):
        posts.edit_post(people.anna, p, "owner may not rewrite")  # group owner: delete only
    with pytest.raises(Forbidden):
        posts.edit_post(people.carla, p, "nope")
    posts.edit_post(people.root, p, "fixed by admin")
    assert posts.history(people.ben, p)[0].editor.username == "root"
    hidden = post(people.anna, "secret", people.board)
    with pytest.raises(NotFound):
        posts.edit_post(people.carla, hidden, "x")


def test_soft_delete_rights_and_effects(people, post, enqueued):
    p = post(people.ben, "to go @carla", people.town)
    with pytest.raises(Forbidden):
        posts.delete_post(people.carla, p)
    posts.delete_post(people.anna, p)  # owner of the group
    p = fresh(p)
    assert p.deleted_at is not None and p.deleted_by_id == people.anna.id
    with pytest.raises(NotFound):
        posts.get_visible_post(people.ben, p.id)
    assert posts.get_visible_post(people.root, p.id).id == p.id  # admins still see it
    with pytest.raises(NotFound):
        posts.delete_post(people.ben, p)
    # The words are gone from activity lines and notifications.
    texts = db.session.scalars(select(Activity.text).where(
        Activity.object_type == "post", Activity.object_id == str(p.id))).all()
    assert set(texts) == {""}
    assert notes(people.carla, "mention") == []
    assert enqueued[-1] == ("post", str(p.id), "delete")


def test_author_and_admin_delete(people, post):
    posts.delete_post(people.ben, post(people.ben, "own"))
    posts.delete_post(people.root, post(people.ben, "admin"))
    assert db.session.scalar(select(func.count()).select_from(Post)
                             .where(Post.deleted_at.is_(None))) == 0


def test_pinning_announcements(people, post):
    note = post(people.ben, "Office closed Friday", people.town, kind="announcement")
    with pytest.raises(Forbidden):
        posts.set_pinned(people.ben, note, True)  # members do not pin
    posts.set_pinned(people.anna, note, True)
    assert fresh(note).pinned_at is not None
    posts.set_pinned(people.root, note, False)
    assert fresh(note).pinned_at is None
    with pytest.raises(Invalid):
        posts.set_pinned(people.anna, post(people.anna, "update", people.town), True)
    with pytest.raises(Invalid):
        posts.set_pinned(people.root, post(people.anna, "x", kind="announcement"), True)


def test_deactivated_users_cannot_post(people, post):
    from schwarm.accounts.services import deactivate

    deactivate(people.root, people.carla)
    with pytest.raises(Forbidden):
        post(fresh(people.carla), "still here?")


def test_hostile_input_is_made_harmless(people, post):
    p = post(people.anna, "<script>alert(1)</script><img src=x onerror=alert(2)> "
             "[click](javascript:alert(3)) <a href=\"jav&#x09;ascript:alert(4)\">x</a> "
             "@" + "a" * 5000 + " #" + "b" * 5000, tags=["Ünïcödé-tag"])
    html = fresh(p).body_html
    for bad in ("<script", "onerror", "javascript:", "jav&#x09;"):
        assert bad not in html.lower()
    assert 'class="mention"' not in html
    assert fresh(p).tags == ["ünïcödé-tag"]  # over-long #tags are not tags
    with pytest.raises(Invalid):
        post(people.anna, "x", kind="question", title="evil \u202e title #x")
    with pytest.raises(Invalid):
        post(people.anna, "x", tags=["<script>"])
    with pytest.raises(Invalid):
        post(people.anna, "x", tags=[f"t{i}" for i in range(31)])


def test_mention_and_notification_caps(people, post, users, app):
    app.config["MAX_MENTIONS_PER_POST"] = 3
    for i in range(5):
        users.make(f"fan{i}")
    p = post(people.anna, " ".join(f"@fan{i}" for i in range(5)))
    assert fresh(p).mentions == ["fan0", "fan1", "fan2"]
