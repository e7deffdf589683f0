"""Browser journey: two people edit the same wiki page at once in Chromium.

Both open the edit form at the same revision and both save. Edits of
different lines are merged (the second editor is told so); edits of the same
line show the conflict view, with the second editor's text still in the form.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TEXT = "".join(f"Step {i}: do the thing.\n" for i in range(1, 11))


def _replace_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"


@pytest.fixture
def editors(live_server, new_page):
    with live_server.app.app_context():
        from schwarm.accounts.services import create_user
        from wiki.services import save_page

        anna = create_user("anna", "anna@example.com", PASSWORD, "Anna Author")
        create_user("ben", "ben@example.com", PASSWORD, "Ben Editor")
        save_page(anna, "team/checklist", title="Checklist", body=TEXT, summary="first")
    anna_page, ben_page = new_page(), new_page()
    sign_in(anna_page, live_server.url, "anna")
    sign_in(ben_page, live_server.url, "ben")
    return anna_page, ben_page


def _open_editor(page, base: str) -> None:
    page.goto(base + "/wiki/team/checklist/edit")
    assert page.locator("h1").get_by_text("Edit Checklist").is_visible()


def _save(page, text: str, summary: str) -> None:
    page.fill("#body", text)
    page.fill("#summary", summary)
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_load_state()


def test_two_editors_different_lines_are_merged(live_server, editors):
    anna, ben = editors
    base = live_server.url
    _open_editor(anna, base)
    _open_editor(ben, base)
    text_a = _replace_line(anna.input_value("#body"), 2, "Step 2: Anna's better way.")
    text_b = _replace_line(ben.input_value("#body"), 9, "Step 9: Ben's better way.")

    _save(anna, text_a, "step 2")
    assert anna.url.endswith("/wiki/team/checklist")
    assert anna.get_by_text("Saved.").is_visible()

    _save(ben, text_b, "step 9")
    assert ben.url.endswith("/wiki/team/checklist")
    assert ben.locator(".flash").get_by_text("merged").is_visible()
    body = ben.locator(".wiki-body")
    assert body.get_by_text("Anna's better way").is_visible()
    assert body.get_by_text("Ben's better way").is_visible()

    # History lists both saves; the diff of Ben's save shows his words highlighted.
    ben.goto(base + "/wiki/team/checklist/history")
    assert ben.get_by_role("cell", name="step 9").is_visible()
    ben.click("button:has-text('Compare selected revisions')")
    ben.wait_for_load_state()
    assert "/diff?" in ben.url
    assert ben.locator("ins.diff-word").first.is_visible()


def test_two_editors_same_line_get_the_conflict_view_with_their_text(live_server, editors):
    anna, ben = editors
    base = live_server.url
    _open_editor(anna, base)
    _open_editor(ben, base)
    text_a = _replace_line(anna.input_value("#body"), 5, "Step 5: Anna says A.")
    text_b = _replace_line(ben.input_value("#body"), 5, "Step 5: Ben says <b>B</b>.")

    _save(anna, text_a, "anna's step 5")
    assert anna.get_by_text("Saved.").is_visible()

    _save(ben, text_b, "ben's step 5")
    assert ben.locator("#conflict-title").is_visible()
    assert ben.get_by_text("Edit conflict").is_visible()
    # Both versions are shown, and the form still holds Ben's text and summary.
    assert "Anna says A." in ben.input_value("#conflict-theirs")
    assert ben.input_value("#body").replace("\r\n", "\n") == text_b
    assert ben.input_value("#summary") == "ben's step 5"

    # Ben resolves by keeping both sentences and saves again: now it is saved.
    resolved = _replace_line(text_b, 5, "Step 5: Anna says A. Ben adds B.")
    _save(ben, resolved, "resolved")
    assert ben.url.endswith("/wiki/team/checklist")
    assert ben.locator(".wiki-body").get_by_text("Anna says A. Ben adds B.").is_visible()
