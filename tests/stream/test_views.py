"""The stream's pages through the HTTP client: forms, buttons, privacy, errors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from schwarm.extensions import db
from stream import comments, likes, posts
from stream.models import Post
from tests.stream.conftest import fresh


def text(response) -> str:
    return response.get_data(as_text=True)


def test_home_needs_sign_in(client, people):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_home_shows_the_home_stream_and_a_post_form(client, auth, people, post):
    post(people.anna, "Board minutes", people.board)
    post(people.carla, "Unrelated chatter")
    auth.login("ben")
    page = text(client.get("/"))
    assert "Board minutes" in page and "Unrelated chatter" not in page
    # The group choice offers exactly the groups Ben may post in.
    options = re.findall(r'<option[^>]*value="([^"]*)"', page)
    assert "board" in options and "town" in options
    assert 'data-poll-url="/api/v1/stream/new?scope=home"' in page
    post_form = re.search(r'<form method="post" action="/posts">.*?</form>', page, re.S).group(0)
    assert post_form.count('name="next"') == 1 and 'name="next" value="/"' in post_form
    everything = text(client.get("/stream/all"))
    assert "Board minutes" in everything and "Unrelated chatter" in everything


def test_group_choices_are_limited(client, auth, people):
    auth.login("carla")
    options = re.findall(r'<option[^>]*value="([^"]*)"', text(client.get("/")))
    assert "board" not in options and "town" not in options


def test_post_form_creates_a_post(client, auth, people):
    auth.login("ben")
    response = client.post("/posts", data={"body": "Hello #team", "kind": "update",
                                           "group": "town", "next": "/groups/town"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/town")
    created = db.session.scalar(select(Post))
    assert created.group_id == people.town.id and created.tags == ["team"]
    group_page = text(client.get("/groups/town"))
    assert "Hello" in group_page
    # An unsafe "next" is ignored.
    response = client.post("/posts", data={"body": "again", "kind": "update", "group": "",
                                           "next": "//evil.example.com/"})
    assert response.headers["Location"].startswith("/posts/")


@pytest.mark.parametrize("form, status, message", [
    ({"body": "   "}, 400, "empty"),
    ({"body": "x", "group": "board"}, 404, "No such group"),
    ({"body": "x", "group": "town"}, 403, "Join the group"),
    ({"body": "x", "kind": "question"}, 400, "title"),
])
def test_post_form_errors_keep_the_text(client, auth, people, form, status, message):
    auth.login("carla")
    response = client.post("/posts", data={"kind": "update", **form})
    assert response.status_code == status
    assert message in text(response)
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


@pytest.mark.parametrize("app_config", [{"POST_MAX_BYTES": 50}])
def test_post_form_too_large_is_413(client, auth, people):
    auth.login("anna")
    response = client.post("/posts", data={"kind": "update", "body": "long " * 20})
    assert response.status_code == 413
    assert "at most 50 bytes" in text(response)
    assert "long long" in text(response)  # the text is not lost


def test_forms_need_csrf(client, auth, people, post):
    p = post(people.anna, "x")
    auth.login("ben")
    assert client.post("/posts", data={"body": "x"}, csrf=False).status_code == 400
    assert client.post(f"/posts/{p.id}/like", csrf=False).status_code == 400
    assert fresh(p).like_count == 0


def test_post_page_with_comments_likes_and_actions(client, auth, people, post):
    p = post(people.anna, "Release **soon**", people.town)
    comments.add_comment(people.ben, p, "Great")
    auth.login("ben")
    page = text(client.get(f"/posts/{p.id}"))
    assert "<strong>soon</strong>" in page and "Great" in page
    assert f"/posts/{p.id}/like" in page
    assert f"/posts/{p.id}/edit" not in page  # not Ben's post
    assert f"/posts/{p.id}/delete" not in page
    response = client.post(f"/posts/{p.id}/like", data={"next": f"/posts/{p.id}"})
    assert response.status_code == 302
    assert fresh(p).like_count == 1
    page = text(client.get(f"/posts/{p.id}"))
    assert f"/posts/{p.id}/unlike" in page and "Liked by" in page
    client.post(f"/posts/{p.id}/unlike")
    assert fresh(p).like_count == 0
    response = client.post(f"/posts/{p.id}/comments", data={"body": "Second thought"})
    assert response.status_code == 302 and "#comment-" in response.headers["Location"]
    assert fresh(p).comment_count == 2
    assert client.post(f"/posts/{p.id}/comments", data={"body": " "}).status_code == 400
    likers = text(client.get(f"/posts/{p.id}/likes"))
    assert "Who liked" in likers


def test_author_edits_and_sees_history(client, auth, people, post):
    p = post(people.anna, "first version")
    auth.login("anna")
    page = text(client.get(f"/posts/{p.id}"))
    assert f"/posts/{p.id}/edit" in page and f"/posts/{p.id}/delete" in page
    assert client.get(f"/posts/{p.id}/edit").status_code == 200
    response = client.post(f"/posts/{p.id}/edit", data={"body": "second version"})
    assert response.status_code == 302
    history = text(client.get(f"/posts/{p.id}/history"))
    assert "first version" in history and "second version" in history and "Anna Alpha" in history
    assert client.post(f"/posts/{p.id}/edit", data={"body": ""}).status_code == 400
    auth.logout()
    auth.login("ben")
    assert client.get(f"/posts/{p.id}/edit").status_code == 403
    assert client.post(f"/posts/{p.id}/edit", data={"body": "hijack"}).status_code == 403


def test_delete_via_form(client, auth, people, post):
    p = post(people.ben, "oops", people.town)
    auth.login("anna")  # group owner
    response = client.post(f"/posts/{p.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/town")
    assert client.get(f"/posts/{p.id}").status_code == 404


def test_comment_edit_delete_like_pages(client, auth, people, post):
    p = post(people.anna, "topic")
    c = comments.add_comment(people.ben, p, "my comment")
    auth.login("ben")
    assert client.get(f"/comments/{c.id}/edit").status_code == 200
    client.post(f"/comments/{c.id}/edit", data={"body": "my better comment"})
    assert "my comment" in text(client.get(f"/comments/{c.id}/history"))
    auth.logout()
    auth.login("carla")
    client.post(f"/comments/{c.id}/like")
    assert fresh(c).like_count == 1
    assert "Carla Gamma" in text(client.get(f"/comments/{c.id}/likes"))
    assert client.get(f"/comments/{c.id}/edit").status_code == 403
    client.post(f"/comments/{c.id}/unlike")
    assert fresh(c).like_count == 0
    auth.logout()
    auth.login("ben")
    client.post(f"/comments/{c.id}/delete")
    assert "my better comment" not in text(client.get(f"/posts/{p.id}"))


def test_private_posts_are_invisible_to_outsiders(client, auth, people, post):
    secret = post(people.anna, "Top secret #release for @ben", people.board)
    c = comments.add_comment(people.ben, secret, "secret reply")
    auth.login("carla")
    for path in (f"/posts/{secret.id}", f"/posts/{secret.id}/history",
                 f"/posts/{secret.id}/likes", f"/comments/{c.id}/history",
                 "/groups/board"):
        assert client.get(path).status_code == 404, path
    for path in ("/", "/stream/all", "/tags/release", "/u/anna", "/u/ben", "/notifications"):
        page = text(client.get(path))
        assert "Top secret" not in page and "secret reply" not in page, path
    assert "0 posts" in text(client.get("/tags/release"))
    for path in (f"/posts/{secret.id}/like", f"/posts/{secret.id}/comments",
                 f"/posts/{secret.id}/delete", f"/comments/{c.id}/like"):
        assert client.post(path, data={"body": "x"}).status_code == 404, path


def test_tag_pages_are_case_insensitive(client, auth, people, post):
    post(people.anna, "All about #Qualität")
    auth.login("ben")
    upper = client.get("/tags/Qualität")
    lower = client.get("/tags/qualit%C3%A4t")
    assert upper.status_code == lower.status_code == 200
    assert "All about" in text(upper) and "All about" in text(lower)
    assert "#qualität" in text(upper)
    assert client.get("/tags/not%20a%20tag").status_code == 404


def test_follow_buttons(client, auth, people, post):
    auth.login("ben")
    response = client.post("/follows/tag/release", data={"next": "/tags/release"})
    assert response.headers["Location"].endswith("/tags/release")
    assert "/follows/tag/release/remove" in text(client.get("/tags/release"))
    tagged = post(people.carla, "release day is near #release")
    assert "release day" in text(client.get("/"))
    client.post("/follows/tag/release/remove")
    assert "release day" not in text(client.get("/"))
    profile = text(client.get("/u/carla"))
    assert "/follows/user/carla" in profile and "release day" in profile
    client.post("/follows/user/carla")
    assert "release day" in text(client.get("/"))
    assert tagged.id
    assert client.post("/follows/planet/mars").status_code == 302  # flashed, nothing followed


def test_group_page_has_stream_post_box_and_pinned_announcements(client, auth, people, post):
    normal = post(people.ben, "ordinary news", people.town)
    note = post(people.anna, "Important notice", people.town, kind="announcement")
    post(people.ben, "newest chatter", people.town)
    auth.login("anna")
    page = text(client.get("/groups/town"))
    assert "ordinary news" in page
    assert f"/posts/{note.id}/pin" not in page  # pinning is on the post page
    assert f"/posts/{note.id}/pin" in text(client.get(f"/posts/{note.id}"))
    client.post(f"/posts/{note.id}/pin")
    page = text(client.get("/groups/town"))
    assert page.index("Important notice") < page.index("newest chatter")
    assert page.count(f'id="post-{note.id}"') == 1
    assert 'action="/posts"' in page  # a post box for members
    auth.logout()
    auth.login("carla")
    page = text(client.get("/groups/town"))
    assert "Important notice" in page and "ordinary news" in page
    assert 'action="/posts"' not in page  # not a member: no post box
    assert "/follows/group/town" in page
    assert normal.id


def test_older_posts_link_pages_with_before(client, auth, people, post):
    made = [post(people.anna, f"number {i:02d}").id for i in range(23)]
    auth.login("anna")
    first = text(client.get("/stream/all"))
    assert "number 22" in first and "number 02" not in first
    match = re.search(r'href="(/stream/all\?before=\d+)"', first)
    second = text(client.get(match.group(1)))
    assert "number 02" in second and "number 22" not in second
    assert "data-poll-url" not in second  # only the first page polls
    assert len(made) == 23


@pytest.mark.parametrize("app_config", [{"RATELIMIT_POSTING": "2 per minute"}])
def test_post_form_is_rate_limited(client, auth, people):
    auth.login("anna")
    for i in range(2):
        assert client.post("/posts", data={"body": f"n{i}", "kind": "update"}).status_code == 302
    assert client.post("/posts", data={"body": "n3", "kind": "update"}).status_code == 429


def test_notification_opens_the_post(client, auth, people, post):
    p = post(people.anna, "@ben look at this", people.board)
    auth.login("ben")
    inbox = text(client.get("/notifications"))
    assert "Anna Alpha mentioned you" in inbox
    assert likes.liked_post_ids(people.ben, [p.id]) == set()
    assert posts.get_visible_post(people.ben, p.id)


def test_profile_shows_recent_activity(client, auth, people, post):
    p = post(people.anna, "Quarterly numbers are in")
    comments.add_comment(people.anna, p, "Details follow")
    likes.like_post(people.ben, p)
    post(people.anna, "Board only", people.board)
    auth.login("carla")
    profile = text(client.get("/u/anna"))
    assert "posted" in profile and "Quarterly numbers are in" in profile
    assert "commented" in profile and "Details follow" in profile
    assert "Board only" not in profile
    assert "liked" in text(client.get("/u/ben"))


def test_wiki_links_in_posts(people, post):
    p = post(people.anna, "See [[Onboarding Guide]] first")
    assert 'href="/wiki/onboarding-guide/edit"' in fresh(p).body_html
