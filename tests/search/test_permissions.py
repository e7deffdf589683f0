"""Permission leaks: a matrix of viewer x content, on both backends.

Every piece of content contains the word "Quokka" (and a word of its own);
each viewer must find exactly what :mod:`schwarm.access` lets them see — in
results, totals, facets, snippets and suggestions.
"""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from schwarm.db import write_transaction
from schwarm.extensions import db
from search import services
from tests.search.conftest import keys


@pytest.fixture
def app_config(backend):
    return {"SEARCH_BACKEND": backend}


CONTENT = ("company", "public", "private", "profile", "public_group", "private_group")
VIEWERS = ("anonymous", "outsider", "member", "owner", "admin", "deactivated")
VISIBLE = {
    "anonymous": {"company", "public", "public_group"},
    "outsider": {"company", "public", "public_group", "profile"},
    "member": set(CONTENT),
    "owner": set(CONTENT),
    "admin": set(CONTENT),
    "deactivated": set(),
}


@pytest.fixture
def matrix(world, docs, users):
    """Content of each kind, and the viewers (dora: a board member who left the company)."""
    from schwarm.accounts import services as accounts
    from schwarm.groups import services as groups

    w = world
    dora = users.make("dora", display_name="Dora Delta")
    groups.add_member(w.anna, w.board, dora)
    docs.add("post", "company", "", "Quokka company wide note")
    docs.add("post", "public", "", "Quokka in the town square", group=w.town,
             author=w.anna, tags=["quokkatown"])
    docs.add("post", "private", "", "Quokka board secret", group=w.board, author=w.anna,
             tags=["quokkaboard"])
    accounts.update_profile(w.carla, accounts.ProfileChange(title="Quokka keeper"))
    groups.update_group(w.anna, w.town, description="Quokka lovers meet here")
    groups.update_group(w.anna, w.board, description="Quokka board of directors")
    accounts.deactivate(w.root, dora)
    content_keys = {
        "company": "post:company", "public": "post:public", "private": "post:private",
        "profile": f"user:{w.carla.id}", "public_group": f"group:{w.town.id}",
        "private_group": f"group:{w.board.id}",
    }
    viewers = {
        "anonymous": AnonymousUserMixin(), "outsider": w.carla, "member": w.ben,
        "owner": w.anna, "admin": w.root, "deactivated": db.session.get(type(dora), dora.id),
    }
    return content_keys, viewers


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("content", CONTENT)
def test_viewer_finds_exactly_what_they_may_see(matrix, viewer, content):
    content_keys, viewers = matrix
    page = services.search(viewers[viewer], "Quokka")
    visible = content in VISIBLE[viewer]
    assert (content_keys[content] in keys(page)) is visible
    assert page.total == len(VISIBLE[viewer])
    snippets = " ".join(item["snippet_html"] for item in page.items)
    facets = {name: {v.value for v in values} for name, values in page.facets.items()}
    if content == "private":
        assert ("secret" in snippets) is visible
        assert ("quokkaboard" in facets.get("tag", set())) is visible
        assert ("board" in facets.get("group", set())) is visible
        suggested = {s.label for s in services.suggest(viewers[viewer], "quokkab")}
        assert ("#quokkaboard" in suggested) is visible
    if content == "private_group":
        suggested = {s.label for s in services.suggest(viewers[viewer], "Board")}
        assert ("Board Room" in suggested) is visible


def test_leaving_a_group_hides_its_content_at_once(world, docs):
    from schwarm.groups import services as groups

    docs.add("post", "p", "", "Vertrauliche Quartalszahlen", group=world.board)
    assert keys(services.search(world.ben, "Quartalszahlen")) == {"post:p"}
    groups.leave(world.ben, world.board)
    page = services.search(world.ben, "Quartalszahlen")
    assert keys(page) == set() and page.total == 0 and not page.facets.get("group")


def test_a_group_turning_private_hides_its_content_at_once(world, docs):
    from schwarm.groups.models import PRIVATE

    docs.add("post", "p", "", "Sommerfest Planung", group=world.town)
    assert keys(services.search(world.carla, "Sommerfest")) == {"post:p"}
    with write_transaction():
        world.town.visibility = PRIVATE
        db.session.merge(world.town)
    assert keys(services.search(world.carla, "Sommerfest")) == set()
    assert keys(services.search(world.ben, "Sommerfest")) == {"post:p"}


def test_private_content_is_filtered_in_the_engine_not_after(world, docs):
    """A page of results is full even when most matches are hidden: no post-filtering."""
    for i in range(30):
        docs.add("post", f"hidden{i}", "", "Projektstatus intern", group=world.board)
    for i in range(3):
        docs.add("post", f"open{i}", "", "Projektstatus offen")
    page = services.search(world.carla, "Projektstatus", limit=2)
    assert page.total == 3
    assert len(page.items) == 2 and page.next_cursor
    assert {v.value: v.count for v in page.facets["type"]} == {"post": 3}
