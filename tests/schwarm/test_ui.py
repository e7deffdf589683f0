"""The base layout and accessibility basics on every core page: landmarks, one h1,
labels for every control, no inline script or style (CSP), navigation, focus styles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schwarm import ROOT
from schwarm.accounts import reset, services
from tests.schwarm.helpers import page


@pytest.fixture
def site(client, auth, users, groups, admin):
    """A signed-in admin who owns a group, with a member and a notification."""
    anna = users.make("anna")
    groups.make(admin, "team", name="Team", members=[anna])
    auth.login("admin")
    return client


SIGNED_IN_PAGES = ["/settings", "/u/anna", "/u/admin", "/groups", "/groups?mine=1",
                   "/groups/team", "/notifications", "/admin/users", "/no/such/page", "/"]


def _check_page(response) -> None:
    html = response.get_data(as_text=True)
    parsed = page(response)
    assert re.search(r'<html lang="(en|de)">', html)
    assert '<meta name="viewport"' in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert title and title.endswith("Schwarm")
    assert len(parsed.find_all("h1")) == 1
    assert [m.get("id") for m in parsed.find_all("main")] == ["main"]
    assert parsed.find_all("header") and parsed.find_all("footer")
    navs = parsed.find_all("nav")
    assert navs and all(nav.get("aria-label") for nav in navs)
    links = parsed.find_all("a")
    assert links[0].get("href") == "#main" and "skip" in links[0].get("class", "")
    assert parsed.unlabelled_controls() == []
    for _tag, attrs in parsed.tags:
        assert "style" not in attrs, attrs
        assert not any(name.startswith("on") for name in attrs), attrs
    for script in parsed.find_all("script"):
        assert script.get("src", "").startswith("/static/")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<style", html)
    for image in parsed.find_all("img"):
        assert "alt" in image
    for form in parsed.find_all("form"):
        assert form.get("method") in ("get", "post"), form


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages(site, path):
    response = site.get(path)
    assert response.status_code in (200, 404)
    _check_page(response)


def test_public_pages(client, users, app):
    anna = users.make("anna")
    for path in ("/login", "/register", "/reset", f"/reset/{reset.make_token(anna)}",
                 "/reset/bad-token", "/nothing"):
        _check_page(client.get(path))
    fresh = app.test_client()
    assert fresh.get("/u/anna").status_code == 302


def test_setup_page(client):
    _check_page(client.get("/setup"))


def test_pages_shown_after_actions(site):
    response = site.post("/settings/tokens", data={"name": "laptop", "scope": "feed"})
    _check_page(response)
    assert "/feeds/stream.atom?token=" in response.get_data(as_text=True)
    _check_page(site.post("/admin/invites", data={"email": ""}))
    _check_page(site.post("/groups", data={"name": "", "slug": "", "visibility": "public"}))


def test_navigation(site):
    parsed = page(site.get("/groups/team"))
    hrefs = {a.get("href") for a in parsed.find_all("a")}
    assert {"/", "/groups", "/questions", "/wiki/", "/notifications", "/u/admin", "/settings",
            "/admin/users"} <= hrefs
    current = [a for a in parsed.find_all("a") if a.get("aria-current") == "page"]
    assert [a["href"] for a in current] == ["/groups"]
    searches = [f for f in parsed.find_all("form") if f.get("role") == "search"]
    assert searches[0]["action"] == "/search" and searches[0]["method"] == "get"
    assert any(i.get("name") == "q" and i.get("type") == "search"
               for i in parsed.find_all("input"))
    html = site.get("/groups/team").get_data(as_text=True)
    assert "Sign out" in html


def test_visitors_see_no_member_navigation(client, users):
    users.make("anna")
    hrefs = {a.get("href") for a in page(client.get("/login")).find_all("a")}
    assert "/settings" not in hrefs and "/groups" not in hrefs


def test_unread_badge_is_labelled(site, users):
    from schwarm.db import write_transaction
    from schwarm.notifications.services import notify

    admin = services.get_user("admin")
    anna = services.get_user("anna")
    with write_transaction():
        notify([admin.id], "test", actor_id=anna.id, obj=None, object_type="x", object_id=1,
               url="/", text="hi")
    html = site.get("/settings").get_data(as_text=True)
    assert re.search(r'<span class="badge" aria-label="1 unread">1</span>', html)


def test_stylesheet_has_focus_styles_and_is_responsive():
    css = (ROOT / "static" / "style.css").read_text()
    assert re.search(r":focus-visible[^{]*\{[^}]*outline:\s*3px", css)
    assert ".skip:focus" in css
    assert ".visually-hidden" in css
    assert "@media (max-width" in css


def test_scripts_are_progressive_enhancement_only():
    js = Path(ROOT / "static" / "app.js").read_text()
    assert "DOMContentLoaded" in js
    assert "innerHTML" not in js and "eval(" not in js
