"""Browser journey: first admin, a private group, a member sees it, others get 404."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_setup_private_group_member_sees_it_non_member_gets_404(live_server, new_page):
    base = live_server.url
    admin = new_page()

    # First visit leads to /setup; the first account becomes admin.
    admin.goto(base + "/")
    assert admin.url.endswith("/setup")
    admin.fill("#username", "alice")
    admin.fill("#display_name", "Alice Admin")
    admin.fill("#email", "alice@example.com")
    admin.fill("#password", PASSWORD)
    admin.click("button:has-text('Create admin account')")
    admin.wait_for_load_state()
    assert "/settings" in admin.url

    # Setup is gone afterwards.
    assert admin.goto(base + "/setup").status == 404

    with live_server.app.app_context():
        from schwarm.accounts.services import create_user

        create_user("ben", "ben@example.com", PASSWORD, "Ben Member")
        create_user("carla", "carla@example.com", PASSWORD, "Carla Outside")

    # Sign out and in again, as a returning admin would.
    admin.click("button:has-text('Sign out')")
    admin.wait_for_load_state()
    sign_in(admin, base, "alice@example.com")
    assert admin.locator("nav").get_by_text("Alice Admin").is_visible()

    # Create a private group and add Ben.
    admin.goto(base + "/groups")
    admin.fill("#name", "Board Room")
    admin.fill("#slug", "board")
    admin.select_option("#visibility", "private")
    admin.click("button:has-text('Create group')")
    admin.wait_for_load_state()
    assert admin.url.endswith("/groups/board")
    admin.fill("#username", "ben")
    admin.click("button:has-text('Add member')")
    admin.wait_for_load_state()
    assert admin.locator(".member-list a.user", has_text="Ben Member").is_visible()

    # Ben sees the group in the directory and can open it.
    ben = new_page()
    sign_in(ben, base, "ben")
    ben.goto(base + "/groups")
    assert ben.get_by_role("link", name="Board Room").is_visible()
    assert ben.goto(base + "/groups/board").status == 200
    assert ben.locator("h1").get_by_text("Board Room").is_visible()

    # Carla does not: not listed, and the page is a 404.
    carla = new_page()
    sign_in(carla, base, "carla")
    carla.goto(base + "/groups")
    assert carla.get_by_role("link", name="Board Room").count() == 0
    assert carla.goto(base + "/groups/board").status == 404
