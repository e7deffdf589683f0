"""Browser journey: an admin deactivates a leaver and hands her groups to a successor."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_admin_deactivates_a_leaver_and_hands_over_her_groups(live_server, new_page):
    base = live_server.url
    with live_server.app.app_context():
        from schwarm.accounts.services import create_user
        from schwarm.groups.services import create_group
        from stream.posts import create_post

        create_user("ada", "ada@example.com", PASSWORD, "Ada Admin", is_admin=True)
        lena = create_user("lena", "lena@example.com", PASSWORD, "Lena Leaving")
        create_user("max", "max@example.com", PASSWORD, "Max Successor")
        create_group(lena, "ops", "Operations", "", "private")
        create_group(lena, "town", "Town Square", "", "public")
        create_post(lena, "How do we rotate the quokka keys? #ops", kind="question",
                    title="Key rotation")

    leaver = new_page()
    sign_in(leaver, base, "lena")
    assert leaver.goto(base + "/catchup").status == 200

    admin = new_page()
    sign_in(admin, base, "ada")
    admin.goto(base + "/admin/users")
    admin.get_by_role("row", name="Lena Leaving").get_by_role(
        "link", name="Deactivate…").click()
    admin.wait_for_load_state()
    assert admin.url.endswith("/admin/users/lena/handover")
    groups = admin.locator("fieldset[data-source=groups]")
    assert groups.get_by_text("Operations").is_visible()
    assert admin.locator("fieldset[data-source=questions]").get_by_text("Key rotation").is_visible()
    # Keep the public square with nobody in particular: untick it.
    groups.get_by_label("Town Square").uncheck()
    admin.fill("#successor", "max")
    admin.click("button:has-text('Deactivate and hand over')")
    admin.wait_for_load_state()
    assert admin.url.endswith("/admin/users")
    assert admin.get_by_text("Lena Leaving is deactivated; their content stays.").is_visible()
    assert admin.get_by_text("Handed over to Max Successor: 2 item(s).").is_visible()

    # Her browser session ended at once.
    leaver.goto(base + "/catchup")
    assert "/login" in leaver.url

    # Max owns the private group now and sees it; Lena's question stays, marked.
    successor = new_page()
    sign_in(successor, base, "max")
    successor.goto(base + "/groups/ops")
    assert successor.locator("h1").get_by_text("Operations").is_visible()
    successor.goto(base + "/search?q=quokka")
    assert successor.get_by_text("Key rotation").is_visible()
    assert successor.get_by_text("(former colleague)").first.is_visible()
