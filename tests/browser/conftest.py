"""Browser fixtures: Schwarm served on loopback from a fresh database, driven by
Debian's Chromium through Playwright.

Without a browser the tests skip — unless SCHWARM_REQUIRE_BROWSER is set (as
in CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_app

CHROMIUM = os.environ.get("SCHWARM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _require_browser() -> None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("SCHWARM_REQUIRE_BROWSER"):
            pytest.fail(message + " (SCHWARM_REQUIRE_BROWSER is set)")
        pytest.skip(message)


class LiveServer:
    """Schwarm on 127.0.0.1:<free port> in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def live_server(tmp_path):
    """A running Schwarm with an empty database; ``.url``, ``.app``."""
    _require_browser()
    app = make_app(tmp_path, SERVER_NAME=None, RATELIMIT_ENABLED=False,
                   SEARCH_DRAIN_IN_BACKGROUND=True)  # as in production
    server = LiveServer(app).start()
    try:
        yield server
    finally:
        server.stop()
        from search import background

        background.stop(app)
        with app.app_context():
            from schwarm.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def _browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(_browser):
    """``new_page()`` opens a page in a fresh browser context (its own cookies)."""
    contexts = []

    def open_page():
        context = _browser.new_context(locale="en-US")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(new_page):
    """One page in a fresh context."""
    return new_page()


def sign_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form."""
    page.goto(base_url + "/login")
    page.fill("#login", username)
    page.fill("#password", password)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_load_state()
