"""Escalation: a question nobody answered within the configured working hours goes to
the group owners (or the fallback list), once."""

from __future__ import annotations

from datetime import UTC, datetime

from questions.services import escalate_questions
from questions.workhours import WorkingTime
from stream.comments import add_comment
from tests.questions.conftest import notified

UTC_WEEK = WorkingTime(timezone="UTC")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 16 November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_working_hours_skip_evenings_and_weekends():
    assert UTC_WEEK.add(at(20, 15), 4) == at(23, 11)  # Friday 15:00 -> Monday 11:00
    assert UTC_WEEK.add(at(21, 12), 4) == at(23, 13)  # asked on Saturday
    assert UTC_WEEK.add(at(17, 7), 4) == at(17, 13)  # before the working day starts
    assert UTC_WEEK.add(at(17, 18), 4) == at(18, 13)  # after it ended
    assert UTC_WEEK.add(at(17, 10), 1.5) == at(17, 11, 30)
    assert UTC_WEEK.between(at(20, 15), at(23, 11)).total_seconds() == 4 * 3600


def test_working_hours_follow_the_configured_time_zone():
    berlin = WorkingTime(timezone="Europe/Berlin")  # 9:00 in Berlin is 8:00 UTC in November
    assert berlin.add(at(17, 7), 4) == at(17, 12)


def test_an_unanswered_question_is_escalated_after_four_working_hours(people, ask, clock):
    clock.set(at(20, 15))  # Friday afternoon
    question = ask(people.ben, "VPN drops every hour", group=people.it)

    clock.set(at(20, 23))  # Friday night: 2 working hours
    assert escalate_questions() == {}
    clock.set(at(23, 10, 59))  # Monday 10:59: 3 h 59 min
    assert escalate_questions() == {}
    assert notified(people.olga, "question_escalated") == []

    clock.set(at(23, 11))
    assert escalate_questions() == {question.id: [people.olga.id]}
    [note] = notified(people.olga, "question_escalated")
    assert note.object_url == f"/posts/{question.id}"
    assert notified(people.helpdesk, "question_escalated") == []  # the group has an owner

    clock.set(at(24, 11))
    assert escalate_questions() == {}  # once only
    assert len(notified(people.olga, "question_escalated")) == 1


def test_an_answered_question_is_not_escalated(people, ask, clock):
    clock.set(at(17, 9))
    question = ask(people.ben, "VPN drops every hour", group=people.it)
    clock.set(at(17, 10))
    add_comment(people.ben, question, "Also on Wi-Fi.")  # the asker's own note is no answer
    clock.set(at(17, 12))
    add_comment(people.dana, question, "Update the client.")

    clock.set(at(18, 17))
    assert escalate_questions() == {}


def test_a_company_wide_question_goes_to_the_fallback_list(people, ask, clock, runner):
    clock.set(at(17, 9))
    question = ask(people.ben, "Who renews the VPN certificate?")

    clock.set(at(17, 13, 30))
    result = runner.invoke(args=["escalate-questions"])
    assert result.exit_code == 0, result.output
    assert f"question {question.id}: 1 notified" in result.output
    assert len(notified(people.helpdesk, "question_escalated")) == 1

    again = runner.invoke(args=["escalate-questions"])
    assert "Escalated 0 questions" in again.output
    assert len(notified(people.helpdesk, "question_escalated")) == 1


def test_a_private_question_never_reaches_a_fallback_who_cannot_see_it(people, ask, clock,
                                                                      app):
    from schwarm.groups.services import create_group

    clock.set(at(17, 9))
    hidden = create_group(people.ben, "bens", "Ben's team", "", "private")
    # Ben owns the group himself, so it goes to the fallback, who may not see it.
    question = ask(people.ben, "Private VPN setup?", group=hidden)

    clock.set(at(18, 9))
    assert escalate_questions() == {question.id: []}  # marked, but nobody else may see it
    assert notified(people.helpdesk, "question_escalated") == []
