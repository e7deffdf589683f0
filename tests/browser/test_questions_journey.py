"""Browser journey of the Q&A: Ben types a question and is shown a similar answered
one (in a new tab, his draft stays); he asks anyway with #vpn; Dana, an expert for
vpn, is notified and answers; Ben accepts; analytics are for the group's owner,
not for Ben, and show one answered question with its time to answer."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _setup(app):
    from questions.services import accept_answer
    from schwarm.accounts.services import ProfileChange, create_user, update_profile
    from schwarm.groups import services as groups
    from stream.comments import add_comment
    from stream.posts import create_post

    with app.app_context():
        olga = create_user("olga", "olga@example.com", PASSWORD, "Olga Owner")
        ben = create_user("ben", "ben@example.com", PASSWORD, "Ben Beta")
        dana = create_user("dana", "dana@example.com", PASSWORD, "Dana Delta")
        carla = create_user("carla", "carla@example.com", PASSWORD, "Carla Gamma")
        update_profile(dana, ProfileChange(expertise=["vpn"]))
        it = groups.create_group(olga, "it", "IT Help", "", "public")
        groups.add_member(olga, it, ben)
        # An earlier, answered question (company-wide, so not in Olga's analytics).
        old = create_post(carla, "It stops working after lunch.", kind="question",
                          title="VPN connection drops after an hour", tags=["vpn"])
        accept_answer(carla, old.id, add_comment(dana, old, "Renew the VPN certificate.").id)
        return old.id


def test_ask_route_answer_accept_and_measure(live_server, new_page):
    base = live_server.url
    old_id = _setup(live_server.app)

    # Ben starts typing; a similar, answered question appears under the title.
    ben = new_page()
    sign_in(ben, base, "ben")
    ben.goto(base + "/questions")
    ben.click("a:has-text('Ask a question')")
    assert ben.url == base + "/questions/ask"
    ben.locator("#title").press_sequentially("VPN drops every hour", delay=20)
    hint = ben.locator("#similar a", has_text="VPN connection drops after an hour")
    hint.wait_for()
    assert ben.locator("#similar li", has_text="answered").count() == 1
    with ben.context.expect_page() as opened:
        hint.click()
    other_tab = opened.value
    other_tab.wait_for_load_state()
    assert other_tab.url == f"{base}/posts/{old_id}"
    assert other_tab.locator(".accepted-answer").inner_text().count("Renew the VPN") == 1
    other_tab.close()
    assert ben.input_value("#title") == "VPN drops every hour"  # the draft is still there

    # He asks anyway, in the IT group, tagged vpn.
    ben.fill("#body", "Since Monday, on Wi-Fi and cable.")
    ben.fill("#tags", "vpn")
    ben.select_option("#group", "it")
    ben.click("button:has-text('Ask')")
    ben.wait_for_load_state()
    match = re.fullmatch(re.escape(base) + r"/posts/(\d+)", ben.url)
    assert match, ben.url
    question_path = f"/posts/{match.group(1)}"
    assert ben.locator("h2.post-title").inner_text() == "VPN drops every hour"
    assert ben.get_by_text("Experts for #vpn").is_visible()

    # Dana, expert for vpn, is notified and answers.
    dana = new_page()
    sign_in(dana, base, "dana")
    assert dana.locator(".notif-link .badge").is_visible()
    dana.goto(base + "/notifications")
    dana.click("button.notification-open:has-text('VPN drops every hour')")
    dana.wait_for_load_state()
    assert dana.url.startswith(base + question_path)
    dana.fill("#body", "Update the VPN client to 5.2, then it holds.")
    dana.click("button:has-text('Answer')")
    dana.wait_for_load_state()
    assert dana.locator(".comment", has_text="Update the VPN client").is_visible()

    # Ben accepts Dana's answer; it is marked and on top.
    ben.goto(base + question_path)
    ben.click("button:has-text('Accept this answer')")
    ben.wait_for_load_state()
    accepted = ben.locator("li.comment").first
    assert "accepted-answer" in accepted.get_attribute("class")
    assert "Update the VPN client" in accepted.inner_text()
    assert accepted.locator(".pill.accepted").is_visible()

    # Analytics are not Ben's to see ...
    response = ben.goto(base + "/questions/analytics")
    assert response.status == 403

    # ... but Olga owns the group: one question, answered, with its time to answer.
    olga = new_page()
    sign_in(olga, base, "olga")
    olga.goto(base + "/questions")
    olga.click("a:has-text('Analytics')")
    olga.wait_for_load_state()
    overall = olga.locator("table.overall tbody tr")
    assert overall.locator("td.asked").inner_text() == "1"
    assert overall.locator("td.answered-pct").inner_text() == "100.0 %"
    assert overall.locator("td.accepted-pct").inner_text() == "100.0 %"
    assert re.fullmatch(r"\d+ min", overall.locator("td.median-answer").inner_text())
    chart = olga.locator("img.chart").first
    chart.wait_for()
    assert olga.evaluate("img => img.complete && img.naturalWidth > 0", chart.element_handle())
