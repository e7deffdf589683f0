"""A new question reaches the experts of its tags who may see it, and nobody else."""

from __future__ import annotations

from questions.services import routed_open_questions
from stream import posts
from tests.questions.conftest import notified


def test_a_company_wide_question_notifies_every_expert_of_its_tags(people, ask):
    question = ask(people.ben, "VPN drops every hour", tags=["vpn"])

    for expert in (people.dana, people.eve):
        [note] = notified(expert, "question")
        assert note.object_url == f"/posts/{question.id}"
        assert "VPN drops every hour" in note.text and "#vpn" in note.text
    assert notified(people.carla, "question") == [] and notified(people.ben, "question") == []
    assert [q.id for q in routed_open_questions(people.eve)] == [question.id]


def test_a_private_group_question_skips_experts_outside_the_group(people, ask):
    question = ask(people.ben, "Is the security VPN audited?", group=people.sec)

    assert len(notified(people.dana, "question")) == 1  # a member of "sec"
    assert notified(people.eve) == []  # expert, but cannot see the question
    assert routed_open_questions(people.eve) == []
    assert [q.id for q in routed_open_questions(people.dana)] == [question.id]


def test_the_asker_is_not_told_of_their_own_question(people, ask):
    ask(people.dana, "Which VPN client for Linux?", tags=["vpn"])

    assert notified(people.dana, "question") == []
    assert len(notified(people.eve, "question")) == 1


def test_experts_of_other_tags_and_updates_notify_nobody(people, ask):
    ask(people.ben, "Where is the printer?", tags=["printer"])
    posts.create_post(people.ben, "Rebooted the #vpn gateway")

    assert notified(people.dana, "question") == [] and notified(people.eve, "question") == []


def test_deactivated_experts_are_not_routed(people, ask):
    from schwarm.accounts import admin

    admin.deactivate(people.root, people.eve)
    question = ask(people.ben, "VPN certificate expired?")

    assert notified(people.eve) == []
    assert routed_open_questions(people.eve) == []
    assert [q.id for q in routed_open_questions(people.dana)] == [question.id]


def test_routed_open_questions_leave_once_an_answer_is_accepted(people, ask):
    from questions.services import accept_answer
    from stream.comments import add_comment

    question = ask(people.ben, "VPN on the train?")
    answer = add_comment(people.dana, question, "Use the mobile profile.")
    accept_answer(people.ben, question.id, answer.id)

    assert routed_open_questions(people.dana) == []


def test_a_leavers_routed_questions_are_handed_to_the_successor(people, ask):
    """Dana leaves: the open questions routed to her as an expert are in her
    handover, and after it her successor Olga follows them (told of new answers)."""
    from schwarm import handover
    from schwarm.accounts.admin import deactivate
    from stream import comments

    question = ask(people.ben, "VPN drops every hour")
    [(source, items)] = [(s, i) for s, i in handover.pending(people.dana)
                         if s.key == "routed_questions"]
    assert [item.id for item in items] == [str(question.id)]

    handed = deactivate(people.root, people.dana, people.olga)
    assert handed["routed_questions"] == [str(question.id)]
    comments.add_comment(people.eve, question, "Restart the client.")
    assert any("Restart the client." in n.text for n in notified(people.olga, "comment"))
