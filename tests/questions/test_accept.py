"""Accepting answers: who may, which answer, what it records; answer order on the page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from questions.models import QuestionState
from questions.services import accept_answer
from schwarm.activities import Activity
from schwarm.errors import Forbidden, NotFound
from schwarm.extensions import db
from stream import likes
from stream.comments import add_comment
from stream.models import Post
from tests.questions.conftest import fresh, notified


@pytest.fixture
def thread(people, ask):
    """A question by Ben in "it" with answers by Dana and Eve."""
    question = ask(people.ben, "VPN drops every hour", group=people.it)
    dana = add_comment(people.dana, question, "Update the client to 5.2.")
    eve = add_comment(people.eve, question, "Check the MTU.")
    return question, dana, eve


def test_the_asker_accepts_an_answer_and_the_answerer_hears_of_it(people, thread, monkeypatch):
    import search

    enqueued = []
    original = search.enqueue
    monkeypatch.setattr(search, "enqueue", lambda t, i, op="upsert": (
        enqueued.append((t, str(i))), original(t, i, op))[1])
    question, dana, _eve = thread

    accept_answer(people.ben, question.id, dana.id)

    assert fresh(question).accepted_comment_id == dana.id
    assert db.session.get(QuestionState, question.id).first_accepted_at is not None
    [note] = notified(people.dana, "accepted")
    assert note.object_url.endswith(f"#comment-{dana.id}")
    assert db.session.scalar(select(Activity).where(Activity.verb == "accepted_answer")
                             ).actor_id == people.ben.id
    assert ("question", str(question.id)) in enqueued  # its search document changes


def test_the_acceptance_can_be_changed_and_taken_back(people, thread):
    question, dana, eve = thread
    accept_answer(people.ben, question.id, dana.id)
    first = db.session.get(QuestionState, question.id).first_accepted_at

    accept_answer(people.ben, question.id, eve.id)
    assert fresh(question).accepted_comment_id == eve.id
    assert db.session.get(QuestionState, question.id).first_accepted_at == first

    accept_answer(people.ben, question.id, None)
    assert fresh(question).accepted_comment_id is None


def test_the_group_owner_and_an_admin_may_accept_but_nobody_else(people, thread):
    question, dana, eve = thread
    with pytest.raises(Forbidden):
        accept_answer(people.dana, question.id, dana.id)  # the answerer
    with pytest.raises(Forbidden):
        accept_answer(people.carla, question.id, eve.id)
    assert fresh(question).accepted_comment_id is None

    accept_answer(people.olga, question.id, dana.id)  # owner of "it"
    accept_answer(people.root, question.id, eve.id)
    assert fresh(question).accepted_comment_id == eve.id


def test_an_answer_of_another_question_or_a_hidden_question_is_not_found(people, ask, thread):
    question, dana, _eve = thread
    other = ask(people.ben, "Second VPN question")
    elsewhere = add_comment(people.eve, other, "Reboot.")
    with pytest.raises(NotFound):
        accept_answer(people.ben, question.id, elsewhere.id)
    secret = ask(people.ben, "Private VPN audit?", group=people.sec)
    with pytest.raises(NotFound):
        accept_answer(people.carla, secret.id, dana.id)
    with pytest.raises(NotFound):
        accept_answer(people.ben, question.id, 999_999)
    assert fresh(question).accepted_comment_id is None


def test_updates_have_no_accepted_answer(people):
    from stream.posts import create_post

    update = create_post(people.ben, "Just an update #vpn")
    comment = add_comment(people.dana, update, "Nice")
    with pytest.raises(NotFound):
        accept_answer(people.ben, update.id, comment.id)


def test_accepting_through_the_form(client, auth, people, thread):
    question, dana, _eve = thread
    auth.login("carla")
    assert client.post(f"/posts/{question.id}/accept",
                       data={"comment_id": str(dana.id)}).status_code == 403
    auth.logout()
    auth.login("ben")
    page = client.get(f"/posts/{question.id}").get_data(as_text=True)
    assert "Accept this answer" in page

    response = client.post(f"/posts/{question.id}/accept", data={"comment_id": str(dana.id)})
    assert response.status_code == 302
    assert fresh(question).accepted_comment_id == dana.id
    assert client.post(f"/posts/{question.id}/accept",
                       data={"comment_id": "abc"}).status_code == 404


def test_accepting_through_the_api(api, people, thread, ask):
    question, dana, eve = thread
    response = api.as_user(people.ben).post(f"/posts/{question.id}/accept",
                                            json={"comment_id": eve.id})
    assert response.status_code == 200
    assert response.json["accepted_comment_id"] == eve.id and response.json["id"] == question.id

    other = ask(people.carla, "Another VPN question")
    foreign = add_comment(people.dana, other, "An answer elsewhere")
    response = api.post(f"/posts/{question.id}/accept", json={"comment_id": foreign.id})
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    response = api.as_user(people.carla).post(f"/posts/{question.id}/accept",
                                              json={"comment_id": dana.id})
    assert response.status_code == 403 and "error" in response.json
    api.as_user(people.ben)
    assert api.post(f"/posts/{question.id}/accept", json={"comment_id": "1"}).status_code == 400
    assert api.post(f"/posts/{question.id}/accept", json={}).status_code == 400
    assert db.session.get(Post, question.id).accepted_comment_id == eve.id


def test_answers_are_shown_accepted_first_then_by_votes_then_by_time(client, auth, people,
                                                                     thread, users):
    question, dana, eve = thread
    late = add_comment(people.olga, question, "Restart the router.")
    likes.like_comment(people.carla, late)
    likes.like_comment(people.root, late)
    likes.like_comment(people.carla, eve)
    accept_answer(people.ben, question.id, dana.id)

    auth.login("ben")
    page = client.get(f"/posts/{question.id}").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'<li class="comment[^"]*" id="comment-(\d+)"', page)]
    assert order == [dana.id, late.id, eve.id]
    assert f'class="comment accepted-answer" id="comment-{dana.id}"' in page
    assert "3 answers" in page
