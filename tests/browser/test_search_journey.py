"""Browser journey: search-as-you-type in the navigation box, and the search page,
in Chromium.

It lives beside the other journeys so that all of them share the one
session-wide Playwright instance of tests/browser/conftest.py (a second
``sync_playwright()`` in the same thread fails).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server):
    with live_server.app.app_context():
        from schwarm.accounts.services import create_user
        from wiki.services import save_page

        anna = create_user("anna", "anna@example.com", PASSWORD, "Anna Author")
        save_page(anna, "hr/onboarding", title="Onboarding Guide",
                  body="How new colleagues find their way: Kunden, `<b>tools</b>` and people.")
        save_page(anna, "hr/offboarding", title="Offboarding", body="When people leave.")
    return live_server


def test_nav_suggestions_are_links_reachable_by_keyboard(site, browser_page):
    page = browser_page
    sign_in(page, site.url, "anna")
    page.fill("#nav-q", "Onbo")
    option = page.locator("#nav-suggestions [role=option]").first
    option.wait_for(state="visible")
    assert option.inner_text().startswith("Onboarding Guide")
    assert page.get_attribute("#nav-q", "aria-expanded") == "true"
    page.press("#nav-q", "ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "option"
    page.keyboard.press("Enter")
    page.wait_for_url(site.url + "/wiki/hr/onboarding")
    page.fill("#nav-q", "Onbo")
    page.locator("#nav-suggestions [role=option]").first.wait_for(state="visible")
    page.press("#nav-q", "Escape")
    assert page.locator("#nav-suggestions").is_hidden()


def test_search_page_highlights_and_filters(site, browser_page):
    page = browser_page
    sign_in(page, site.url, "anna")
    page.fill("#nav-q", "Kunde")
    page.press("#nav-q", "Enter")
    page.wait_for_load_state()
    assert page.locator("mark").first.inner_text() == "Kunden"
    assert page.locator(".search-hit").count() == 1
    assert page.locator(".snippet b").count() == 0  # the body's <b> stays text
    assert "<b>tools</b>" in page.locator(".snippet").inner_text()
    page.click(".search-facets a:has-text('Wiki pages')")
    page.wait_for_load_state()
    assert "type=page" in page.url
