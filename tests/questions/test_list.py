"""/questions and GET /api/v1/questions: filters, counts, overdue, paging, no N+1."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from questions.services import accept_answer
from schwarm.extensions import db
from stream.comments import add_comment


@pytest.fixture
def board(people, ask, clock):
    """Four questions asked on Monday 16 November 2026 from 9:00 UTC, one hour apart."""
    clock.set(datetime(2026, 11, 16, 9, tzinfo=UTC))
    accepted = ask(people.carla, "VPN certificate renewal", tags=["vpn"])
    clock.advance(hours=1)
    answered = ask(people.ben, "Printer on floor 3", tags=["printer"])
    clock.advance(hours=1)
    waiting = ask(people.ben, "VPN and Teams calls", tags=["vpn", "teams"])
    clock.advance(hours=1)
    secret = ask(people.ben, "Audit of the VPN", group=people.sec)
    clock.advance(minutes=10)
    accept_answer(people.carla, accepted.id,
                  add_comment(people.dana, accepted, "Ask the helpdesk.").id)
    add_comment(people.olga, answered, "It is on floor 2 now.")
    return {"accepted": accepted, "answered": answered, "waiting": waiting, "secret": secret}


def ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="question-(\d+)"', page)]


def test_the_status_tabs_filter_and_count(client, auth, board):
    auth.login("eve")  # not in the private group
    page = client.get("/questions").get_data(as_text=True)
    assert ids(page) == [board["waiting"].id, board["answered"].id, board["accepted"].id]
    assert "All (3)" in page and "Unanswered (1)" in page and "Answered (1)" in page

    unanswered = client.get("/questions?status=unanswered").get_data(as_text=True)
    assert ids(unanswered) == [board["waiting"].id]
    answered = client.get("/questions?status=answered").get_data(as_text=True)
    assert ids(answered) == [board["accepted"].id]
    still_open = client.get("/questions?status=open").get_data(as_text=True)
    assert ids(still_open) == [board["waiting"].id, board["answered"].id]
    assert client.get("/questions?status=nonsense").status_code == 302


def test_tag_mine_and_expertise_filters(client, auth, board):
    auth.login("ben")
    assert ids(client.get("/questions?tag=vpn").get_data(as_text=True)) == [
        board["secret"].id, board["waiting"].id, board["accepted"].id]
    assert ids(client.get("/questions?mine=1&tag=teams").get_data(as_text=True)) == [
        board["waiting"].id]
    auth.logout()
    auth.login("eve")  # expertise: vpn
    assert ids(client.get("/questions?expertise=1").get_data(as_text=True)) == [
        board["waiting"].id, board["accepted"].id]


def test_an_old_unanswered_question_is_highlighted(client, auth, board, clock):
    auth.login("ben")
    clock.set(datetime(2026, 11, 16, 12, 30, tzinfo=UTC))
    page = client.get("/questions").get_data(as_text=True)
    assert 'class="question-row overdue"' not in page
    clock.set(datetime(2026, 11, 16, 15, 1, tzinfo=UTC))  # 4 working hours after 11:00
    page = client.get("/questions").get_data(as_text=True)
    assert f'class="question-row overdue" id="question-{board["waiting"].id}"' in page
    assert f'class="question-row overdue" id="question-{board["answered"].id}"' not in page


def test_pages_follow_a_keyset_cursor(client, auth, board, api, people):
    auth.login("ben")
    page = client.get("/questions?limit=2").get_data(as_text=True)
    assert len(ids(page)) == 4
    api.as_user(people.ben)
    first = api.get("/questions?limit=2").json
    assert [q["id"] for q in first["items"]] == [board["secret"].id, board["waiting"].id]
    second = api.get(f"/questions?limit=2&cursor={first['next']}").json
    assert [q["id"] for q in second["items"]] == [board["answered"].id, board["accepted"].id]
    assert second["next"] is None


def test_the_api_filters_and_hides_private_questions(api, people, board):
    api.as_user(people.eve)
    body = api.get("/questions?status=answered&tag=vpn").json
    assert [q["id"] for q in body["items"]] == [board["accepted"].id]
    item = body["items"][0]
    assert item["kind"] == "question" and item["accepted_comment_id"] is not None
    assert item["title"] == "VPN certificate renewal" and item["tags"] == ["vpn"]
    every = api.get("/questions").json["items"]
    assert board["secret"].id not in [q["id"] for q in every]
    bad = api.get("/questions?status=maybe")
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_status"


def test_the_list_runs_a_constant_number_of_statements(client, auth, people, ask, users,
                                                       count_queries):
    def run():
        response = client.get("/questions")
        assert response.status_code == 200
        return response

    auth.login("ben")
    ask(people.ben, "First VPN question")
    run()
    db.session.expire_all()
    with count_queries() as few:
        run()
    for i in range(8):
        author = users.make(f"asker{i}")
        question = ask(author, f"VPN question {i} from @ben", tags=["vpn", f"t{i}"])
        add_comment(people.dana, question, "An answer")
    run()
    db.session.expire_all()
    with count_queries() as many:
        run()
    assert len(many) == len(few)


def test_the_api_list_runs_a_constant_number_of_statements(api, people, ask, users,
                                                           count_queries):
    api.as_user(people.ben)
    ask(people.ben, "First VPN question")

    def run():
        response = api.get("/questions?limit=50")
        assert response.status_code == 200
        return len(response.json["items"])

    run()
    db.session.expire_all()
    with count_queries() as few:
        assert run() == 1
    for i in range(6):
        question = ask(users.make(f"asker{i}"), f"VPN question {i} for @dana",
                       tags=["vpn", f"t{i}"])
        add_comment(people.dana, question, "An answer")
    run()
    db.session.expire_all()
    with count_queries() as many:
        assert run() == 7
    assert len(many) == len(few)
