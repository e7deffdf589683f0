"""Search over the real features: posts, questions, comments (stream) and pages (wiki),
through their own services and loaders — on both backends."""

from __future__ import annotations

import pytest

from search import services
from tests.search.conftest import keys


@pytest.fixture
def app_config(backend):
    return {"SEARCH_BACKEND": backend}


@pytest.fixture
def people(users):
    from schwarm.groups import services as groups

    anna = users.make("anna", display_name="Anna Alpha")
    ben = users.make("ben", display_name="Ben Beta")
    carla = users.make("carla", display_name="Carla Gamma")
    board = groups.create_group(anna, "board", "Board Room", "", "private")
    groups.add_member(anna, board, ben)
    return anna, ben, carla, board


def test_posts_questions_comments_and_pages_are_found(people):
    from stream import comments, posts
    from wiki import services as wiki

    anna, ben, carla, board = people
    update = posts.create_post(anna, "Die neue Reisekostenrichtlinie gilt ab Mai. #reisen")
    question = posts.create_post(ben, "Wie rechne ich Kilometergeld ab?", kind="question",
                                 title="Kilometergeld abrechnen", tags=["reisen"])
    answer = comments.add_comment(anna, question, "Über das Reisekostenportal.")
    secret = posts.create_post(anna, "Reisekosten des Vorstands", group=board)
    wiki.save_page(anna, "finanzen/reisekosten", title="Reisekosten",
                   body="Alles über **Reisekosten** und Kilometergeld.")
    found = keys(services.search(carla, "Reisekosten"))
    assert {f"post:{update.id}", f"comment:{answer.id}", "page:finanzen/reisekosten"} <= found
    assert f"post:{secret.id}" not in found
    assert f"post:{secret.id}" in keys(services.search(ben, "Reisekosten"))
    assert keys(services.search(carla, "Kilometergeld", types="question")) == {
        f"question:{question.id}"}
    page = services.search(carla, "Kilometergeld", types="page")
    assert [item["path"] for item in page.items] == ["finanzen/reisekosten"]
    assert page.items[0]["url"] == "/wiki/finanzen/reisekosten"
    hits = services.similar(carla, "Wie bekomme ich Kilometergeld erstattet?")
    assert {h["type"] for h in hits} == {"question", "page"}


def test_edits_and_deletes_of_posts_reach_the_index(people):
    from stream import posts

    anna, _, carla, _ = people
    post = posts.create_post(anna, "Betriebsfeier am Freitag")
    posts.edit_post(anna, post, "Sommerfest am Freitag")
    assert keys(services.search(carla, "Betriebsfeier")) == set()
    assert keys(services.search(carla, "Sommerfest")) == {f"post:{post.id}"}
    posts.delete_post(anna, post)
    assert keys(services.search(carla, "Sommerfest")) == set()
