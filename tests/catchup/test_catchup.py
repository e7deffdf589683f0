"""The catch-up page: what mattered since the last visit, ranked, grouped, counted,
bounded, and only what the reader may see."""

from __future__ import annotations

from datetime import timedelta

from catchup import services
from schwarm.accounts.models import User
from schwarm.extensions import db
from tests.catchup.conftest import T0


def _fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _visit(client, clock, moment, path="/catchup"):
    clock.at(moment)
    return client.get(path)


def test_sections_come_in_reading_order_with_counts(world):
    catch = services.catch_up(world.dora, T0)
    keys = [section.key for section in catch.sections]
    assert keys == ["for_you", "answers", "questions", "pages", "discussed"]
    by_key = {section.key: section for section in catch.sections}

    for_you = by_key["for_you"]
    assert [entry.url for entry in for_you.entries] == [f"/posts/{world.mention.id}"]
    assert for_you.entries[0].text == "mention"  # answers are not repeated here

    answers = by_key["answers"]
    assert [(e.title, e.count) for e in answers.entries] == [("Queue restart", 3)]

    questions = by_key["questions"]
    assert [e.title for e in questions.entries] == ["Proxy ports"]  # never the vault's

    pages = by_key["pages"]
    assert [(e.title, e.count) for e in pages.entries] == [("Ops guide", 2)]
    assert pages.entries[0].extra_url == "/wiki/ops/guide/diff?from=1&to=3"

    discussed = by_key["discussed"]
    assert [(e.title, e.count) for e in discussed.entries] == [("Offsite planning", 4),
                                                               ("Lunch menu", 1)]
    assert catch.total == 1 + 1 + 1 + 1 + 2


def test_a_private_group_stays_private(world, users):
    """Someone outside the team sees neither its posts nor its discussion."""
    outsider = users.make("olga", expertise=["ops"])
    catch = services.catch_up(outsider, T0)
    titles = {e.title for s in catch.sections for e in s.entries}
    assert "Offsite planning" not in titles and "Vault gossip" not in titles
    assert "Vault access" not in titles and "Proxy ports" in titles


def test_lists_are_bounded_and_say_how_many_more(world):
    catch = services.catch_up(world.dora, T0, limit=1)
    discussed = next(s for s in catch.sections if s.key == "discussed")
    assert len(discussed.entries) == 1 and discussed.total == 2 and discussed.more == 1


def test_nothing_from_before_the_start(world):
    catch = services.catch_up(world.dora, T0 + timedelta(days=2))
    assert catch.total == 0


def test_the_page_starts_at_the_previous_visit(client, auth, world, clock):
    clock.at(T0 - timedelta(hours=2))
    auth.login("dora")
    _visit(client, clock, T0)  # the last visit before the holiday
    assert _fresh(world.dora).last_visit_at == T0
    # Back after the holiday: a new visit; the catch-up starts where the old one ended.
    response = _visit(client, clock, T0 + timedelta(days=3))
    assert response.status_code == 200
    dora = _fresh(world.dora)
    assert dora.previous_visit_at == T0 and dora.last_visit_at == T0 + timedelta(days=3)
    html = response.get_data(as_text=True)
    assert html.index("Mentions and replies") < html.index("Answers to your questions") \
        < html.index("Edits of pages you watch") < html.index("Most discussed in your groups")
    assert "Queue restart" in html and "Offsite planning" in html
    assert "/wiki/ops/guide/diff?from=1&amp;to=3" in html
    assert "Vault gossip" not in html
    # Clicking around within the visit does not move the start.
    _visit(client, clock, T0 + timedelta(days=3, minutes=20), "/")
    assert _fresh(world.dora).previous_visit_at == T0


def test_last_seen_is_written_at_most_every_few_minutes(client, auth, world, clock,
                                                        count_queries):
    auth.login("dora")
    _visit(client, clock, T0 + timedelta(days=3), "/")
    first = _fresh(world.dora).last_visit_at
    _visit(client, clock, T0 + timedelta(days=3, minutes=2), "/")
    assert _fresh(world.dora).last_visit_at == first
    _visit(client, clock, T0 + timedelta(days=3, minutes=6), "/")
    assert _fresh(world.dora).last_visit_at == T0 + timedelta(days=3, minutes=6)


def test_a_chosen_date(client, auth, world, clock):
    auth.login("dora")
    html = client.get("/catchup?since=2026-11-04").get_data(as_text=True)
    assert "Queue restart" not in html and "Nothing new." in html
    html = client.get("/catchup?since=2026-11-01").get_data(as_text=True)
    assert "Queue restart" in html


def test_a_bad_date_is_a_clear_error(client, auth, world):
    auth.login("dora")
    for bad, message in (("yesterday", "YYYY-MM-DD"), ("2030-01-01", "future"),
                         ("2019-01-01", "at most a year")):
        response = client.get(f"/catchup?since={bad}")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_sign_in_needed(client):
    assert client.get("/catchup").status_code == 302


def test_the_catch_up_runs_a_constant_number_of_queries(world, count_queries):
    from stream import comments, posts

    def statements() -> int:
        dora = _fresh(world.dora)
        assert dora.expertise == ["ops"]  # the reader's own profile, loaded before counting
        with count_queries() as seen:
            catch = services.catch_up(dora, T0)
            [(e.title, e.actor and e.actor.name) for s in catch.sections for e in s.entries]
        return len(seen)

    few = statements()
    for i in range(5):  # more of everything, by more people
        post = posts.create_post(world.erik, f"More news {i} for @dora")
        comments.add_comment(world.fritz, post, "ok")
        posts.create_post(world.fritz, f"Another one {i}? #ops", kind="question",
                          title=f"Q{i}")
        comments.add_comment(world.erik, world.question, f"answer {i}")
    assert statements() == few
