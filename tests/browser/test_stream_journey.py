"""Browser journey of the stream: a post to a private group reaches its members
(home stream, notification, the quiet "new posts" poll), a member comments, and
someone outside the group sees nothing of it anywhere."""

from __future__ import annotations

import feedparser
import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _people(app):
    from schwarm.accounts.services import create_token, create_user
    from schwarm.groups import services as groups

    with app.app_context():
        anna = create_user("anna", "anna@example.com", PASSWORD, "Anna Alpha")
        ben = create_user("ben", "ben@example.com", PASSWORD, "Ben Beta")
        carla = create_user("carla", "carla@example.com", PASSWORD, "Carla Gamma")
        board = groups.create_group(anna, "board", "Board Room", "", "private")
        groups.add_member(anna, board, ben)
        return create_token(carla, "reader", "feed")[1]


def _post_again(app, body):
    from schwarm.accounts.services import get_user
    from schwarm.groups.services import find_group
    from stream.posts import create_post

    with app.app_context():
        return create_post(get_user("anna"), body, group=find_group("board")).id


def test_private_post_reaches_members_and_nobody_else(live_server, new_page):
    base = live_server.url
    app = live_server.app
    app.config["STREAM_POLL_SECONDS"] = 1
    carla_feed_token = _people(app)

    # Anna posts to the private group from her home page.
    anna = new_page()
    sign_in(anna, base, "anna")
    assert anna.url == base + "/"
    anna.fill("#body", "@ben see #release notes")
    anna.select_option("#group", "board")
    anna.click("button:has-text('Publish')")
    anna.wait_for_load_state()
    assert anna.url == base + "/"  # back on her home stream, the post on top
    first = anna.locator("article.post").first
    assert first.locator(".post-body").inner_text() == "@ben see #release notes"
    assert first.locator(".post-meta").get_by_text("Board Room").is_visible()
    post_id = first.get_attribute("data-post-id")
    post_path = f"/posts/{post_id}"

    # Ben has it in his home stream, and a notification in the navigation.
    ben = new_page()
    sign_in(ben, base, "ben")
    assert ben.locator(f"#post-{post_id}").is_visible()
    assert ben.locator(".notif-link .badge").is_visible()

    # While Ben's stream is open, a new group post shows up as "1 new post".
    _post_again(app, "Agenda for Monday")
    notice = ben.locator(".stream-poll-show")
    notice.wait_for(state="visible")
    assert notice.inner_text() == "1 new post — show"
    notice.click()
    ben.wait_for_load_state()
    assert ben.get_by_text("Agenda for Monday").is_visible()

    # He opens the mention from his notifications and comments.
    ben.goto(base + "/notifications")
    ben.click("button.notification-open:has-text('Anna Alpha mentioned you')")
    ben.wait_for_load_state()
    assert ben.url == base + post_path
    ben.fill("#body", "Thanks, reading them now")
    ben.click("form.comment-form button[type=submit]")
    ben.wait_for_load_state()
    assert ben.locator(".comment").get_by_text("Thanks, reading them now").is_visible()
    ben.click(".post-actions button.like-button >> nth=0")
    ben.wait_for_load_state()
    assert ben.locator(".like-count").first.inner_text() == "1 like"

    # Anna hears of the comment.
    anna.goto(base + "/notifications")
    assert anna.get_by_text("Ben Beta commented on your post").is_visible()

    # Carla, not a member, sees nothing of it anywhere.
    carla = new_page()
    sign_in(carla, base, "carla")
    for path in ("/", "/stream/all", "/tags/release", "/u/anna", "/u/ben", "/notifications",
                 "/search?q=release"):
        carla.goto(base + path)
        shown = carla.locator("main").inner_text()
        for words in ("see #release notes", "Agenda for Monday", "Thanks, reading"):
            assert words not in shown, (path, words)
        assert carla.locator("article.post").count() == 0, path
    carla.goto(base + "/tags/release")
    assert carla.get_by_text("0 posts").is_visible()
    assert carla.goto(base + post_path).status == 404
    assert carla.goto(base + "/groups/board").status == 404
    for feed in ("/feeds/tags/release.atom", f"/feeds/tags/release.atom?token={carla_feed_token}",
                 f"/feeds/stream.atom?token={carla_feed_token}&scope=all"):
        response = carla.request.get(base + feed)
        assert response.status == 200
        parsed = feedparser.parse(response.body())
        assert not parsed.bozo and parsed.entries == [], feed
    assert carla.request.get(base + "/feeds/groups/board.atom").status == 404
