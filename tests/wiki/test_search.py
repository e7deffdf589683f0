"""Pages in search: found after a save, gone after delete, moved with the page,
hidden from outsiders of a private group (through the search package's public API)."""

from __future__ import annotations

import search
from schwarm.groups.services import create_group
from wiki import manage


def _paths(viewer, q: str) -> list[str]:
    return [item["id"] for item in search.search(viewer, q).items if item["type"] == "page"]


def test_pages_are_searchable_and_follow_edits_moves_and_deletes(users, wiki):
    admin, anna = users.make("root", admin=True), users.make("anna")
    wiki.create(anna, "zoo/fish", "The zebrafish lives here.\n", title="Fish page")
    assert _paths(anna, "zebrafish") == ["zoo/fish"]
    wiki.save(anna, "zoo/fish", "Now about the axolotl.\n", title="Fish page")
    assert _paths(anna, "zebrafish") == [] and _paths(anna, "axolotl") == ["zoo/fish"]
    manage.move_page(anna, "zoo/fish", "aquarium/fish")
    assert _paths(anna, "axolotl") == ["aquarium/fish"]
    manage.delete_page(admin, "aquarium/fish")
    assert _paths(admin, "axolotl") == []
    manage.restore_page(admin, "aquarium/fish")
    assert _paths(anna, "axolotl") == ["aquarium/fish"]


def test_private_group_pages_are_not_found_by_outsiders(users, wiki):
    anna, otto = users.make("anna"), users.make("otto")
    create_group(anna, "board", "Board", visibility="private")
    wiki.create(anna, "board/plans", "The quokka merger.\n", title="Plans", group="board")
    assert _paths(anna, "quokka") == ["board/plans"]
    assert _paths(otto, "quokka") == []
